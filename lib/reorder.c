/*
 * reorder.c - the reorder stage (see reorder.h): a hash of buckets (host +
 * time), per host a min-heap of its buckets by time, and a min-heap of hosts
 * by the deadline of their oldest bucket, so each line costs a hash lookup
 * and O(log n) heap steps, whatever the disorder.
 *
 * Memory: see reorder.h; a pt_rhost lives only while its host holds lines.
 * Thread-safety: one thread at a time.
 */
#include "reorder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A host's held buckets. */
typedef struct pt_rhost {
    pt_tnode node;              /* key: host, "" */
    pt_bucket **heap;           /* by time */
    uint32_t n, cap;
    uint32_t pos;               /* index in the stage's host heap */
    int64_t max_time;           /* newest time seen while it held lines */
    pt_bucket *newest;          /* the bucket of max_time, while held and not passed */
    uint32_t lines;
    char name[];
} pt_rhost;

#define NOT_PASSED INT64_MIN

/* Set up an empty stage. */
int pt_reorder_init(pt_reorder *r, int64_t window, size_t max_bytes, int keep_raw)
{
    memset(r, 0, sizeof *r);
    r->window = window > 0 ? window : 1;
    r->max_bytes = max_bytes;
    r->keep_raw = keep_raw;
    if (pt_table_init(&r->buckets) || pt_table_init(&r->hosts)) {
        pt_table_destroy(&r->buckets);
        return -1;
    }
    return 0;
}

/* When bucket b may leave. */
static int64_t deadline(const pt_reorder *r, const pt_bucket *b)
{
    int64_t d = b->last_arrival > b->passed_at ? b->last_arrival : b->passed_at;
    d += r->window;
    int64_t cap = b->first_arrival + 4 * r->window;
    return d < cap ? d : cap;
}

/* The deadline of a host: that of its oldest bucket. */
static int64_t host_key(const pt_reorder *r, const pt_rhost *h)
{
    return deadline(r, h->heap[0]);
}

/* Is bucket a older than b (time, then nothing: keys are unique per host)? */
static int bucket_less(const pt_bucket *a, const pt_bucket *b)
{
    return a->time_usec < b->time_usec;
}

/* Restore a host's bucket heap upwards from i. */
static void bucket_up(pt_rhost *h, uint32_t i)
{
    pt_bucket *b = h->heap[i];
    while (i > 0) {
        uint32_t p = (i - 1) / 2;
        if (!bucket_less(b, h->heap[p]))
            break;
        h->heap[i] = h->heap[p];
        h->heap[i]->pos = i;
        i = p;
    }
    h->heap[i] = b;
    b->pos = i;
}

/* Restore a host's bucket heap downwards from i. */
static void bucket_down(pt_rhost *h, uint32_t i)
{
    pt_bucket *b = h->heap[i];
    for (;;) {
        uint32_t l = 2 * i + 1, m = i;
        const pt_bucket *mb = b;
        if (l < h->n && bucket_less(h->heap[l], mb)) {
            m = l;
            mb = h->heap[l];
        }
        if (l + 1 < h->n && bucket_less(h->heap[l + 1], mb))
            m = l + 1;
        if (m == i)
            break;
        h->heap[i] = h->heap[m];
        h->heap[i]->pos = i;
        i = m;
    }
    h->heap[i] = b;
    b->pos = i;
}

/* Is host a due before host b (deadline, then name for a fixed order)? */
static int host_less(const pt_reorder *r, const pt_rhost *a, const pt_rhost *b)
{
    int64_t ka = host_key(r, a), kb = host_key(r, b);
    if (ka != kb)
        return ka < kb;
    return strcmp(a->name, b->name) < 0;
}

/* Move host heap entry i to where it belongs. */
static void host_fix(pt_reorder *r, size_t i)
{
    pt_rhost *h = r->heap[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!host_less(r, h, r->heap[p]))
            break;
        r->heap[i] = r->heap[p];
        r->heap[i]->pos = (uint32_t)i;
        i = p;
    }
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        const pt_rhost *mh = h;
        if (l < r->heap_n && host_less(r, r->heap[l], mh)) {
            m = l;
            mh = r->heap[l];
        }
        if (l + 1 < r->heap_n && host_less(r, r->heap[l + 1], mh))
            m = l + 1;
        if (m == i)
            break;
        r->heap[i] = r->heap[m];
        r->heap[i]->pos = (uint32_t)i;
        i = m;
    }
    r->heap[i] = h;
    h->pos = (uint32_t)i;
}

/* The stage's record of host name hn, made when missing; NULL on no memory. */
static pt_rhost *rhost_for(pt_reorder *r, pt_slice hn)
{
    uint64_t hash;
    pt_rhost *h = (pt_rhost *)pt_table_find_name(&r->hosts, hn, &hash);
    if (h)
        return h;
    if (r->heap_n == r->heap_cap) {
        size_t cap = r->heap_cap ? r->heap_cap * 2 : 16;
        pt_rhost **nh = realloc(r->heap, cap * sizeof *nh);
        if (!nh)
            return NULL;
        r->heap = nh;
        r->heap_cap = cap;
    }
    h = calloc(1, sizeof *h + hn.n + 1);
    if (!h)
        return NULL;
    memcpy(h->name, hn.p, hn.n);
    pt_tnode_set_name(&h->node, h->name, hn.n, hash);
    h->pos = UINT32_MAX;        /* joins the host heap with its first bucket */
    pt_table_insert(&r->hosts, &h->node);
    return h;
}

/* Forget a host that holds nothing. */
static void rhost_free(pt_reorder *r, pt_rhost *h)
{
    pt_table_remove(&r->hosts, &h->node);
    free(h->heap);
    free(h);
}

/* Take host heap entry i out. */
static void host_heap_remove(pt_reorder *r, size_t i)
{
    pt_rhost *last = r->heap[--r->heap_n];
    r->heap[i]->pos = UINT32_MAX;
    if (i < r->heap_n) {
        r->heap[i] = last;
        last->pos = (uint32_t)i;
        host_fix(r, i);
    }
}

/* A new bucket for host h and time t, in the host's heap; NULL on no memory. */
static pt_bucket *bucket_new(pt_reorder *r, pt_rhost *h, int64_t t, uint64_t hash,
                             int64_t now)
{
    if (h->n == h->cap) {
        uint32_t cap = h->cap ? h->cap * 2 : 4;
        pt_bucket **nb = realloc(h->heap, cap * sizeof *nb);
        if (!nb)
            return NULL;
        h->heap = nb;
        h->cap = cap;
    }
    pt_bucket *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->rh = h;
    b->time_usec = t;
    b->first_arrival = b->last_arrival = now;
    b->tail = &b->head;
    memcpy(b->key, &t, sizeof t);
    b->node.host = h->name;
    b->node.host_len = h->node.host_len;
    b->node.key = b->key;
    b->node.key_len = sizeof t;
    b->node.hash = hash;
    pt_table_insert(&r->buckets, &b->node);
    if (h->n > 0 && t < h->max_time) {
        b->passed_at = now;             /* newer lines came first */
    } else {
        b->passed_at = NOT_PASSED;
        if (h->newest)
            h->newest->passed_at = now; /* this is its first newer line */
        h->newest = b;
        h->max_time = t;
    }
    h->heap[h->n] = b;
    bucket_up(h, h->n++);
    return b;
}

/* Undo bucket_new for a bucket that got no line (no memory). */
static void bucket_drop(pt_reorder *r, pt_rhost *h, pt_bucket *b)
{
    pt_table_remove(&r->buckets, &b->node);
    uint32_t i = b->pos;
    h->heap[i] = h->heap[--h->n];
    if (i < h->n) {
        h->heap[i]->pos = i;
        bucket_up(h, i);
        bucket_down(h, h->heap[i]->pos);
    }
    if (h->newest == b)
        h->newest = NULL;
    if (r->last == b)
        r->last = NULL;
    pt_arena_free(&b->arena);
    free(b);
}

/* Does slice f lie inside slice in? */
static int inside(pt_slice f, pt_slice in)
{
    return f.n == 0 || (in.p && f.p >= in.p && f.p + f.n <= in.p + in.n);
}

/* The bucket for host hn and time t: the one the last line went to when it
 * is the same (consecutive lines mostly share a second), else looked up. */
static pt_bucket *bucket_find(pt_reorder *r, pt_slice hn, int64_t t, uint64_t *hash)
{
    pt_bucket *b = r->last;
    if (b && b->time_usec == t && b->node.host_len == hn.n
        && memcmp(b->node.host, hn.p, hn.n) == 0)
        return b;
    pt_slice ks = pt_slice_make((const char *)&t, sizeof t);
    *hash = pt_table_hash(hn, ks);
    return (pt_bucket *)pt_table_find(&r->buckets, *hash, hn, ks);
}

/* Hold a copy of a line. The raw text is kept only with keep_raw; fields
 * that lie inside it are stored once. */
int pt_reorder_add(pt_reorder *r, const pt_line *l, int64_t now)
{
    pt_slice raw = r->keep_raw ? l->raw : pt_slice_make(NULL, 0);
    const pt_slice *f[4] = { &l->host, &l->program, &l->pid, &l->msg };
    size_t total = raw.n;
    for (int i = 0; i < 4; i++)
        if (!inside(*f[i], raw))
            total += f[i]->n;
    int64_t t = pt_time_usec(&l->time);
    uint64_t hash = 0;
    pt_bucket *b = bucket_find(r, l->host, t, &hash);
    pt_rhost *h = b ? b->rh : rhost_for(r, l->host);
    if (!h)
        return -1;
    int moved = !b;                     /* the host's deadline may change */
    if (!b) {
        if (!hash)
            hash = pt_table_hash(l->host, pt_slice_make((const char *)&t, sizeof t));
        b = bucket_new(r, h, t, hash, now);
    }
    pt_held *p = b ? pt_arena_alloc(&b->arena, sizeof *p + total + 1) : NULL;
    if (!p) {
        if (b && b->n == 0)
            bucket_drop(r, h, b);
        if (h->n == 0)
            rhost_free(r, h);
        return -1;
    }
    p->next = NULL;
    p->line = *l;
    size_t off = raw.n;
    if (raw.n)
        memcpy(p->data, raw.p, raw.n);
    p->line.raw = pt_slice_make(p->data, raw.n);
    pt_slice *dst[4] = { &p->line.host, &p->line.program, &p->line.pid, &p->line.msg };
    for (int i = 0; i < 4; i++) {
        if (f[i]->n && inside(*f[i], raw)) {
            *dst[i] = pt_slice_make(p->data + (f[i]->p - raw.p), f[i]->n);
            continue;
        }
        if (f[i]->n)
            memcpy(p->data + off, f[i]->p, f[i]->n);
        *dst[i] = pt_slice_make(p->data + off, f[i]->n);
        off += f[i]->n;
    }
    *b->tail = p;
    b->tail = &p->next;
    b->n++;
    b->bytes += sizeof *p + total;
    b->last_arrival = now;
    h->lines++;
    r->lines++;
    r->bytes += sizeof *p + total;
    r->last = b;
    if (h->pos == UINT32_MAX) {
        h->pos = (uint32_t)r->heap_n;
        r->heap[r->heap_n++] = h;
        moved = 1;
    }
    if (moved || b == h->heap[0])       /* a later bucket's arrival moves no deadline */
        host_fix(r, h->pos);
    return 0;
}

/* The next bucket due. */
pt_bucket *pt_reorder_due(pt_reorder *r, int64_t now, int all)
{
    if (r->heap_n == 0)
        return NULL;
    pt_rhost *h = r->heap[0];
    int over = r->max_bytes && r->bytes > r->max_bytes;
    if (!all && !over && host_key(r, h) > now)
        return NULL;
    pt_bucket *b = h->heap[0];
    h->heap[0] = h->heap[--h->n];
    if (h->n > 0) {
        h->heap[0]->pos = 0;
        bucket_down(h, 0);
    }
    if (h->newest == b)
        h->newest = NULL;
    if (r->last == b)
        r->last = NULL;
    pt_table_remove(&r->buckets, &b->node);
    h->lines -= b->n;
    r->lines -= b->n;
    r->bytes -= b->bytes;
    if (h->n == 0) {
        host_heap_remove(r, h->pos);
        rhost_free(r, h);
    } else {
        host_fix(r, h->pos);
    }
    b->rh = NULL;
    return b;
}

/* Free a bucket and its lines. */
void pt_reorder_bucket_free(pt_bucket *b)
{
    if (!b)
        return;
    pt_arena_free(&b->arena);
    free(b);
}

/* Every held line, host by host, bucket by bucket in heap order. */
void pt_reorder_walk(const pt_reorder *r, void (*fn)(void *ctx, const pt_line *l), void *ctx)
{
    for (size_t i = 0; i < r->heap_n; i++) {
        const pt_rhost *h = r->heap[i];
        for (uint32_t j = 0; j < h->n; j++)
            for (const pt_held *p = h->heap[j]->head; p; p = p->next)
                fn(ctx, &p->line);
    }
}

/* Lines held for a host. */
uint32_t pt_reorder_held_for(const pt_reorder *r, pt_slice hn)
{
    uint64_t hash;
    const pt_rhost *h = (const pt_rhost *)pt_table_find_name(&r->hosts, hn, &hash);
    return h ? h->lines : 0;
}

/* Free everything. */
void pt_reorder_destroy(pt_reorder *r)
{
    pt_bucket *b;
    while ((b = pt_reorder_due(r, 0, 1)) != NULL)
        pt_reorder_bucket_free(b);
    pt_table_destroy(&r->buckets);
    pt_table_destroy(&r->hosts);
    free(r->heap);
    memset(r, 0, sizeof *r);
}
