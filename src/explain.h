/*
 * explain.h - the command's answers for people: pick the records a query
 * asks for, and say in plain words what happened to the mail - the
 * verdict first (delivered, still being retried, bounced, rejected at SMTP
 * time, expired, deleted, held, ...), then the evidence: when, which
 * server, its reply, the status code's meaning, the delays in words,
 * attempts, when Postfix gives up, and a next step.
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

struct json_object;

typedef struct pt_filter {
    pt_query q;                 /* which records (query.h) */
    int explain;                /* plain words instead of JSON */
    int color;                  /* colour the verdicts (a terminal) */
    int64_t queue_lifetime;     /* seconds Postfix keeps retrying (maximal_queue_lifetime;
                                   0: the default, 5 days) */
    uint64_t matched;           /* records that matched so far */
} pt_filter;

/* True when any query option or --explain is set. */
int pt_filter_active(const pt_filter *f);

/* Does the record pass the query? Counts it in f->matched when it does. */
int pt_filter_match(pt_filter *f, struct json_object *rec);

/* Write a record in plain words. member/chain_size place it in its chain
 * of linked mails (0 and 1 for a mail alone); linked: shown because it is
 * linked to a match, not matched by itself (all its recipients shown). */
void pt_explain_record(const pt_filter *f, struct json_object *rec, int member, int chain_size,
                       int linked, FILE *out);

/* Say that no record matched the query (plain words with --explain, else
 * a line on err), and where to look instead. */
void pt_filter_none(const pt_filter *f, FILE *out, FILE *err);

#endif
