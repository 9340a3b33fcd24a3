/*
 * summary_table.c - the summary's JSON object as a table for people (what
 * --summary prints on a terminal): totals, statuses, the top lists and
 * the delay percentiles, aligned in columns.
 * Memory: reads the caller's object only. Thread-safety: reentrant.
 */
#include "summary.h"
#include "jget.h"

#include <json-c/json.h>
#include <string.h>

/* A string member, or "". */
static const char *text(json_object *o, const char *k)
{
    json_object *v = pt_jget(o, k);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
}

/* An integer member, or 0. */
static long long count(json_object *o, const char *k)
{
    return (long long)json_object_get_int64(pt_jget(o, k));
}

/* A section heading. */
static void heading(const char *h, FILE *out)
{
    fprintf(out, "\n%s\n", h);
}

/* A {name: count} object, one row each. */
static void counts(json_object *o, FILE *out)
{
    json_object_object_foreach(o, k, v)
        fprintf(out, "  %-40s %10lld\n", k, (long long)json_object_get_int64(v));
}

/* A list of {key, count[, meaning]} rows. */
static void count_rows(json_object *a, const char *key, FILE *out)
{
    size_t n = a ? json_object_array_length(a) : 0;
    if (!n)
        fputs("  (none)\n", out);
    for (size_t i = 0; i < n; i++) {
        json_object *r = json_object_array_get_idx(a, i);
        fprintf(out, "  %10lld  %s", count(r, "count"), text(r, key));
        if (*text(r, "meaning"))
            fprintf(out, " (%s)", text(r, "meaning"));
        fputc('\n', out);
    }
}

/* A list of rate rows (domains or relays). */
static void rate_rows(json_object *a, const char *key, FILE *out)
{
    size_t n = a ? json_object_array_length(a) : 0;
    fprintf(out, "  %-36s %8s %8s %8s %8s %8s %8s\n", key, "rcpts", "sent", "deferred", "bounced",
            "bounce%", "defer%");
    for (size_t i = 0; i < n; i++) {
        json_object *r = json_object_array_get_idx(a, i);
        fprintf(out, "  %-36.36s %8lld %8lld %8lld %8lld %7.1f%% %7.1f%%\n", text(r, key),
                count(r, "recipients"), count(r, "sent"), count(r, "deferred"), count(r, "bounced"),
                100 * json_object_get_double(pt_jget(r, "bounce_rate")),
                100 * json_object_get_double(pt_jget(r, "defer_rate")));
    }
}

/* The delay percentiles per stage. */
static void delay_rows(json_object *d, FILE *out)
{
    static const char *const stages[] = { "before_qmgr", "in_qmgr", "conn_setup", "transmission", "total" };
    fprintf(out, "  %-14s %10s %10s %10s %10s %10s\n", "stage (s)", "count", "p50", "p90", "p99", "max");
    for (size_t i = 0; i < sizeof stages / sizeof stages[0]; i++) {
        json_object *s = pt_jget(d, stages[i]);
        fprintf(out, "  %-14s %10lld %10g %10g %10g %10g\n", stages[i], count(s, "count"),
                json_object_get_double(pt_jget(s, "p50")), json_object_get_double(pt_jget(s, "p90")),
                json_object_get_double(pt_jget(s, "p99")), json_object_get_double(pt_jget(s, "max")));
    }
}

/* Rows of recipients (still queued, worst deferred). */
static void mail_rows(json_object *a, FILE *out)
{
    size_t n = a ? json_object_array_length(a) : 0;
    if (!n)
        fputs("  (none)\n", out);
    for (size_t i = 0; i < n; i++) {
        json_object *r = json_object_array_get_idx(a, i);
        fprintf(out, "  %s %s  to <%s>  since %s, %lld attempt(s)%s%s\n    %s\n", text(r, "host"),
                text(r, "queue_id"), text(r, "to"), text(r, "first_seen"), count(r, "attempts"),
                *text(r, "dsn") ? ", " : "", text(r, "dsn"), text(r, "reply"));
    }
}

/* The summary as a table. */
void pt_summary_table(json_object *s, FILE *out)
{
    fprintf(out, "Mail from %s to %s\n", *text(s, "first_seen") ? text(s, "first_seen") : "?",
            *text(s, "last_seen") ? text(s, "last_seen") : "?");
    fprintf(out, "  %lld messages, %lld recipients, %lld refused at SMTP time, %lld failed logins\n",
            count(s, "messages"), count(s, "recipients"), count(s, "rejects"), count(s, "auth_failures"));
    heading("Recipients by final status", out);
    counts(pt_jget(s, "by_status"), out);
    heading("By status code", out);
    count_rows(pt_jget(s, "by_dsn"), "dsn", out);
    heading("Recipient domains", out);
    rate_rows(pt_jget(s, "by_domain"), "domain", out);
    heading("Relays", out);
    rate_rows(pt_jget(s, "by_relay"), "relay", out);
    heading("Top reject reasons", out);
    count_rows(pt_jget(s, "reject_reasons"), "reason", out);
    heading("SASL login failures by client", out);
    count_rows(pt_jget(s, "sasl_failures"), "client", out);
    json_object *q = pt_jget(s, "still_queued");
    fprintf(out, "\nStill queued when the log ends: %lld messages, %lld recipients\n",
            count(q, "messages"), count(q, "recipients"));
    mail_rows(pt_jget(q, "oldest"), out);
    heading("Delays (seconds; nearest-rank percentiles)", out);
    delay_rows(pt_jget(s, "delays"), out);
    heading("Longest-deferred recipients", out);
    mail_rows(pt_jget(s, "worst_deferred"), out);
    if (json_object_get_boolean(pt_jget(s, "truncated")))
        fprintf(out, "\n(some tables reached their bound of %d keys; the rest is under \"(other)\")\n",
                PT_SUMMARY_MAX_KEYS);
}
