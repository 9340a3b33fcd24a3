/*
 * query.h - which records the command's questions ask for: --to / --from
 * (repeatable, "<addr>", any case, "@domain" for a whole domain),
 * --queue-id, --message-id, --domain (either side), --status, --client
 * (IP or name), --host, --since / --until (dates or "2 hours ago").
 * Every option set must match (AND); the values of one option are
 * alternatives (OR).
 * Memory: patterns point into argv (the angle brackets are left out by
 * length, nothing is copied). Thread-safety: single-threaded use.
 */
#ifndef PT_QUERY_H
#define PT_QUERY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct json_object;

#define PT_QUERY_MAX 16                 /* values per repeatable option */

typedef struct pt_pattern {
    const char *p;                      /* into argv, without "<" ">" */
    size_t n;
} pt_pattern;

typedef struct pt_pattern_list {
    pt_pattern v[PT_QUERY_MAX];
    int n;
} pt_pattern_list;

typedef struct pt_query {
    pt_pattern_list to, from, domain, status;
    pt_pattern queue_id, message_id, client, host;
    int64_t since, until;               /* Unix seconds; since > until: none */
    int has_since, has_until;
} pt_query;

/* Add one command-line value of option `name` ("to", "from", "domain",
 * "status", "queue-id", "message-id", "client", "host", "since",
 * "until"); now is the wall clock for relative times. 0, or -1 with a
 * reason in why (a static string) when the value is not understood. */
int pt_query_add(pt_query *q, const char *name, const char *value, int64_t now,
                 const char **why);

/* True when any option of the query is set. */
int pt_query_active(const pt_query *q);

/* Does a parsed record pass the query? */
int pt_query_matches(const pt_query *q, struct json_object *rec);

/* Does recipient object r pass --to (any recipient when --to is unset)? */
int pt_query_rcpt_matches(const pt_query *q, struct json_object *r);

/* Read a time as the options take it: RFC 3339, "YYYY-MM-DD[ HH:MM[:SS]]"
 * in local time, "now", "today", "yesterday", "N unit(s) ago" (seconds,
 * minutes, hours, days, weeks). 0 with *out set, or -1. */
int pt_query_time(const char *s, int64_t now, int64_t *out);

#endif
