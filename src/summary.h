/*
 * summary.h - --summary: counts over the records the command writes (or
 * reads), streaming, in bounded memory. Every table holds at most
 * PT_SUMMARY_MAX_KEYS keys; what would need more is counted under
 * "(other)" and "truncated" says so.
 *
 * The JSON object (README "Summaries and the HTML report" shows one):
 *   summary_version 1; first_seen, last_seen (span of the records' lines);
 *   messages (message records), recipients, rejects, auth_failures,
 *   by_status        recipient final status -> count: a message recipient's
 *                    status ("deleted" when its mail was deleted while it was
 *                    deferred, "none" when no delivery line was seen), plus
 *                    one "rejected" per reject record;
 *   by_message_status  record "status" of message records -> count;
 *   by_dsn           [{dsn, count, meaning}], most first (recipients + rejects);
 *   by_domain, by_relay  [{domain|relay, recipients, sent, deferred, bounced,
 *                    expired, deferred_once, bounce_rate, defer_rate}], most
 *                    recipients first; bounce_rate = bounced / recipients,
 *                    defer_rate = deferred_once / recipients (a recipient
 *                    deferred at least once: status deferred or expired, or
 *                    more than one attempt);
 *   reject_reasons   [{reason, count}] (addresses in <> and [] blanked);
 *   sasl_failures    [{client, count}] (client "name[ip]");
 *   still_queued     {messages, recipients, oldest: [{host, queue_id,
 *                    first_seen, to, time (last try), attempts, dsn, reply}]},
 *                    oldest first - mails whose
 *                    record ended with the input (shutdown, timeout,
 *                    evicted) with a recipient deferred or not yet tried;
 *   delays           {before_qmgr, in_qmgr, conn_setup, transmission, total}
 *                    each {count, p50, p90, p99, max} in seconds, over the
 *                    recipients that carry delays (nearest rank);
 *   per_hour         [{hour, sent, deferred, bounced, expired, rejected,
 *                    other}] mails by hour of first_seen ("...T04:00:00+00:00",
 *                    UTC; hours without mail left out) and record
 *                    status ("mixed" etc. count as other; rejected adds
 *                    reject records);
 *   worst_deferred   [{host, queue_id, to, first_seen, time (last try), attempts,
 *                    delay, dsn, reply}] the longest delays among recipients
 *                    deferred or expired, at most PT_SUMMARY_TOP;
 *   truncated        true when a table reached its bound.
 *
 * Memory: the summary owns everything it keeps (copies of keys).
 * Thread-safety: single-threaded use.
 */
#ifndef PT_SUMMARY_H
#define PT_SUMMARY_H

#include <stdio.h>

struct json_object;

#define PT_SUMMARY_MAX_KEYS 10000       /* keys per table at most */
#define PT_SUMMARY_TOP 20               /* rows per list in the output */

typedef struct pt_summary pt_summary;

/* A new, empty summary; NULL on no memory. */
pt_summary *pt_summary_new(void);

/* Count one record: its JSON text (any kind; what is not a record of
 * ours counts as nothing). */
void pt_summary_add(pt_summary *s, const char *json, size_t len);

/* The summary as a new JSON object (caller puts it). */
struct json_object *pt_summary_json(const pt_summary *s);

/* Write the summary as a table for people. */
void pt_summary_table(struct json_object *summary, FILE *out);

/* Free. */
void pt_summary_free(pt_summary *s);

#endif
