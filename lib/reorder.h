/*
 * reorder.h - the reorder stage: lines wait here for a window and leave in
 * each host's order of time, one timestamp ("bucket": all held lines of one
 * host with the same time) at a time; the core then puts a bucket's lines in
 * the canonical order (core.c) before it folds them in.
 *
 * Time of arrival is whatever unit the caller counts in: monotonic
 * microseconds (the daemons) or input lines (the command). A bucket leaves
 * when it is its host's oldest and
 *   now >= max(last arrival into it, arrival of the host's first newer line) + window
 * (so a line may come up to `window` after the first line newer than it),
 * or when it has waited 4 x window since its first line (a host that keeps
 * sending one old timestamp cannot hold the rest back), or when more than
 * max_bytes are held (oldest deadline first).
 *
 * Memory: the stage owns copies of the held lines (in per-bucket arenas), the
 * buckets and the per-host records; a bucket handed out by pt_reorder_due is
 * the caller's until pt_reorder_bucket_free. Bounded by max_bytes (soft: one
 * line over). Thread-safety: one thread at a time (the core's).
 */
#ifndef PT_REORDER_H
#define PT_REORDER_H

#include <stddef.h>
#include <stdint.h>
#include "postfix-trace/line.h"
#include "strpool.h"
#include "table.h"

/* One held line: its fields point into data. */
typedef struct pt_held {
    struct pt_held *next;
    pt_line line;
    char data[];
} pt_held;

struct pt_rhost;

/* The held lines of one host with one time. */
typedef struct pt_bucket {
    pt_tnode node;              /* key: host + time (the 8 bytes below) */
    struct pt_rhost *rh;
    int64_t time_usec;
    int64_t first_arrival, last_arrival;
    int64_t passed_at;          /* arrival of the first newer line; INT64_MIN: none yet */
    pt_held *head, **tail;
    pt_arena arena;             /* its lines: together, and freed with a few frees */
    uint32_t n;
    size_t bytes;
    uint32_t pos;               /* index in its host's heap */
    char key[8];                /* time_usec's bytes */
} pt_bucket;

typedef struct pt_reorder {
    int64_t window;             /* > 0 */
    size_t max_bytes;
    pt_table buckets;           /* host + time -> bucket */
    pt_table hosts;             /* host -> pt_rhost (only while it holds lines) */
    struct pt_rhost **heap;     /* hosts by their oldest bucket's deadline */
    size_t heap_n, heap_cap;
    uint64_t lines;             /* lines held now */
    size_t bytes;               /* bytes held now */
    int keep_raw;               /* keep each line's raw text (include-raw) */
    pt_bucket *last;            /* the bucket the last line went to */
} pt_reorder;

/* Set up an empty stage (keep_raw: hold lines' raw text too); 0, or -1 on
 * no memory. */
int pt_reorder_init(pt_reorder *r, int64_t window, size_t max_bytes, int keep_raw);

/* Free everything still held. */
void pt_reorder_destroy(pt_reorder *r);

/* Hold a copy of line l that arrived at `now`; 0, or -1 on no memory (the
 * caller folds the line in at once then). */
int pt_reorder_add(pt_reorder *r, const pt_line *l, int64_t now);

/* The next bucket due at `now` (every bucket when `all`), out of the stage,
 * or NULL. Free it with pt_reorder_bucket_free once its lines are used. */
pt_bucket *pt_reorder_due(pt_reorder *r, int64_t now, int all);

/* Free a bucket and its lines. */
void pt_reorder_bucket_free(pt_bucket *b);

/* Call fn for every held line (for the state file). */
void pt_reorder_walk(const pt_reorder *r, void (*fn)(void *ctx, const pt_line *l), void *ctx);

/* How many lines are held for host h. */
uint32_t pt_reorder_held_for(const pt_reorder *r, pt_slice h);

#endif
