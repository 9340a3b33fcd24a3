/*
 * summary_internal.h - what summary.c (counting) and summary_json.c (the
 * JSON object) share: the bounded tables, the top lists, the summary.
 * Memory: the summary owns its tables, their keys and the top lists'
 * strings. Thread-safety: single-threaded use.
 */
#ifndef PT_SUMMARY_INTERNAL_H
#define PT_SUMMARY_INTERNAL_H

#include "summary.h"

#include <stdint.h>

enum { C_N, C_SENT, C_DEFERRED, C_BOUNCED, C_EXPIRED, C_ONCE, C_REJECTED, C_OTHER, C_MAX };

typedef struct krow {           /* a string key and its counters */
    char *key;
    int64_t ikey;
    uint64_t c[C_MAX];
} krow;

typedef struct ktab {           /* string (or integer) keys -> counters */
    krow *rows;
    size_t cap, n;
    int truncated;
} ktab;

typedef struct qrow {           /* one recipient for a top list */
    char *host, *qid, *to, *first_seen, *time, *dsn, *reply;
    int64_t attempts, since;
    double delay;
} qrow;

enum { D_BEFORE, D_IN, D_CONN, D_XMIT, D_TOTAL, D_MAX };
extern const char *const pt_summary_stages[D_MAX];

struct pt_summary {
    uint64_t messages, recipients, rejects, auth, queued_msgs, queued_rcpts;
    int64_t first, last;                 /* span, Unix seconds */
    char *first_s, *last_s;
    ktab status, msg_status, dsn, domain, relay, reasons, sasl, hours;
    ktab delays[D_MAX];                  /* integer keys: milliseconds */
    qrow oldest[PT_SUMMARY_TOP], worst[PT_SUMMARY_TOP];
    int n_oldest, n_worst;
};

/* The rows of a table in use, most counted first (ties by key); malloc'd
 * array of pointers into the table, NULL on no memory. */
krow **pt_summary_rows(const ktab *t, size_t *n);

#endif
