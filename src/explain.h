/*
 * explain.h - the command's answers for people: pick the records about an
 * address or queue ID, and say in plain words what happened to the mail.
 * Works on finished record text (parsed with json-c), so it sees exactly
 * what every front end writes.
 * Memory: filters point into argv. Thread-safety: single-threaded use.
 */
#ifndef PT_EXPLAIN_H
#define PT_EXPLAIN_H

#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include "query.h"

typedef struct pt_filter {
    pt_query q;                 /* which records (query.h) */
    int explain;                /* plain words instead of JSON */
    int64_t queue_lifetime;     /* seconds Postfix keeps retrying (maximal_queue_lifetime;
                                   0: the default, 5 days) */
    uint64_t matched;           /* records written so far */
} pt_filter;

/* True when any query option or --explain is set. */
int pt_filter_active(const pt_filter *f);

/* Write the record (len bytes of JSON) to out if it passes the query: as
 * JSON, or in plain words with --explain. Returns 1 when written. */
int pt_filter_write(pt_filter *f, const char *json, size_t len, FILE *out);

/* Say that no record matched the query (plain words with --explain, else
 * a line on err), and where to look instead. */
void pt_filter_none(const pt_filter *f, FILE *out, FILE *err);

#endif
