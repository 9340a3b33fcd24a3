/*
 * shards.c - the core split by host over threads (see shards.h). The
 * reader's thread copies each line into its shard's open batch; a full
 * batch goes on the shard's queue (at most QUEUE_MAX waiting: the reader
 * waits for room); the shard's thread feeds the batch's lines to its core
 * and puts the batch on the shard's free list for reuse.
 *
 * Memory: the shards own the cores, batches and threads. A batch's lines
 * point into the batch's own bytes. Thread-safety: the queue and free list
 * of a shard under its mutex; the sink under sink_mu; a core only on its
 * thread until pt_shards_finish has joined it.
 */
#include "postfix-trace/shards.h"
#include "hash.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define BATCH_LINES 512
#define BATCH_BYTES (96u << 10)
#define QUEUE_MAX 4

/* Lines copied for a shard's thread. */
typedef struct batch {
    struct batch *next;
    uint32_t n;
    size_t used, cap;
    pt_line lines[BATCH_LINES];
    int64_t now[BATCH_LINES];
    char bytes[];
} batch;

/* One shard: a core, its thread, its queue. */
typedef struct shard {
    struct pt_shards *owner;
    pt_core *core;
    pthread_t thread;
    int started;
    pthread_mutex_t mu;
    pthread_cond_t has_work, has_room;
    batch *head, *tail;         /* the queue */
    unsigned queued;
    batch *spare;               /* free list of standard batches */
    int done;                   /* no more batches will come */
    batch *open;                /* the reader's batch being filled */
} shard;

struct pt_shards {
    unsigned n;
    pt_record_sink sink;
    void *ctx;
    pthread_mutex_t sink_mu;
    uint64_t malformed;         /* the reader's count */
    int finished;
    shard sh[];
};

/* The shard of a host. */
unsigned pt_shard_of(pt_slice host, unsigned n)
{
    return n <= 1 ? 0 : (unsigned)(pt_hash_bytes(0, host.p, host.n) % n);
}

/* A record from a shard's core: to the sink, one at a time. */
static void shard_sink(void *ctx, const char *json, size_t len)
{
    shard *sh = ctx;
    pt_shards *s = sh->owner;
    pthread_mutex_lock(&s->sink_mu);
    s->sink(s->ctx, json, len);
    pthread_mutex_unlock(&s->sink_mu);
}

/* A shard's thread: feed queued batches to the core until done. */
static void *shard_main(void *arg)
{
    shard *sh = arg;
    for (;;) {
        pthread_mutex_lock(&sh->mu);
        while (!sh->head && !sh->done)
            pthread_cond_wait(&sh->has_work, &sh->mu);
        batch *b = sh->head;
        if (!b) {
            pthread_mutex_unlock(&sh->mu);
            break;
        }
        sh->head = b->next;
        if (!sh->head)
            sh->tail = NULL;
        sh->queued--;
        pthread_cond_signal(&sh->has_room);
        pthread_mutex_unlock(&sh->mu);
        for (uint32_t i = 0; i < b->n; i++)
            pt_core_feed_at(sh->core, &b->lines[i], b->now[i]);
        pthread_mutex_lock(&sh->mu);
        if (b->cap == BATCH_BYTES) {
            b->next = sh->spare;
            sh->spare = b;
            b = NULL;
        }
        pthread_mutex_unlock(&sh->mu);
        free(b);
    }
    pt_core_flush(sh->core);
    return NULL;
}

/* Make n shards. */
pt_shards *pt_shards_new(unsigned n, const pt_core_options *o, pt_record_sink sink, void *ctx)
{
    if (n < 1 || n > PT_SHARDS_MAX || !sink)
        return NULL;
    pt_shards *s = calloc(1, sizeof *s + n * sizeof s->sh[0]);
    if (!s)
        return NULL;
    s->n = n;
    s->sink = sink;
    s->ctx = ctx;
    pthread_mutex_init(&s->sink_mu, NULL);
    pt_core_options co = *o;
    co.max_entries = (o->max_entries + n - 1) / n;
    co.reorder_max_bytes = o->reorder_max_bytes / n ? o->reorder_max_bytes / n : 1;
    for (unsigned i = 0; i < n; i++) {
        shard *sh = &s->sh[i];
        sh->owner = s;
        pthread_mutex_init(&sh->mu, NULL);
        pthread_cond_init(&sh->has_work, NULL);
        pthread_cond_init(&sh->has_room, NULL);
        sh->core = pt_core_new(&co, shard_sink, sh);
        if (!sh->core || pthread_create(&sh->thread, NULL, shard_main, sh) != 0) {
            s->n = i + 1;               /* free what was made */
            pt_shards_free(s);
            return NULL;
        }
        sh->started = 1;
    }
    return s;
}

/* Queue shard sh's open batch (waits while the queue is full). */
static void push_open(shard *sh)
{
    batch *b = sh->open;
    sh->open = NULL;
    if (!b || b->n == 0) {
        sh->open = b;
        return;
    }
    b->next = NULL;
    pthread_mutex_lock(&sh->mu);
    while (sh->queued >= QUEUE_MAX)
        pthread_cond_wait(&sh->has_room, &sh->mu);
    if (sh->tail)
        sh->tail->next = b;
    else
        sh->head = b;
    sh->tail = b;
    sh->queued++;
    pthread_cond_signal(&sh->has_work);
    pthread_mutex_unlock(&sh->mu);
}

/* A batch with room for `need` bytes: a spare one, or a new one (bigger
 * than standard for a line that needs it). */
static batch *batch_get(shard *sh, size_t need)
{
    batch *b = NULL;
    if (need <= BATCH_BYTES) {
        pthread_mutex_lock(&sh->mu);
        b = sh->spare;
        if (b)
            sh->spare = b->next;
        pthread_mutex_unlock(&sh->mu);
    }
    size_t cap = need <= BATCH_BYTES ? BATCH_BYTES : need;
    if (!b && !(b = malloc(sizeof *b + cap)))
        return NULL;
    b->next = NULL;
    b->n = 0;
    b->used = 0;
    b->cap = cap;
    return b;
}

/* Does slice f lie inside slice in? */
static int inside(pt_slice f, pt_slice in)
{
    return f.n == 0 || (in.p && f.p >= in.p && f.p + f.n <= in.p + in.n);
}

/* Hand a line to its shard: copied into the open batch. */
int pt_shards_feed(pt_shards *s, const pt_line *l, int64_t now)
{
    shard *sh = &s->sh[pt_shard_of(l->host, s->n)];
    const pt_slice *f[4] = { &l->host, &l->program, &l->pid, &l->msg };
    size_t need = l->raw.n;
    for (int i = 0; i < 4; i++)
        if (!inside(*f[i], l->raw))
            need += f[i]->n;
    batch *b = sh->open;
    if (b && (b->n == BATCH_LINES || b->used + need > b->cap)) {
        push_open(sh);
        b = NULL;
    }
    if (!b && !(b = sh->open = batch_get(sh, need))) {
        s->malformed++;
        return -1;
    }
    pt_line *d = &b->lines[b->n];
    char *base = b->bytes + b->used;
    *d = *l;
    if (l->raw.n)
        memcpy(base, l->raw.p, l->raw.n);
    d->raw = pt_slice_make(base, l->raw.n);
    size_t off = l->raw.n;
    pt_slice *dst[4] = { &d->host, &d->program, &d->pid, &d->msg };
    for (int i = 0; i < 4; i++) {
        if (f[i]->n && inside(*f[i], l->raw)) {
            *dst[i] = pt_slice_make(base + (f[i]->p - l->raw.p), f[i]->n);
        } else if (f[i]->n) {
            memcpy(base + off, f[i]->p, f[i]->n);
            *dst[i] = pt_slice_make(base + off, f[i]->n);
            off += f[i]->n;
        } else {                        /* empty: keep "absent" apart from "" */
            *dst[i] = pt_slice_make(f[i]->p ? base : NULL, 0);
        }
    }
    b->used += need;
    b->now[b->n++] = now;
    return 0;
}

/* A record from the input: to the sink under its lock. */
void pt_shards_forward(pt_shards *s, const char *json, size_t len)
{
    pthread_mutex_lock(&s->sink_mu);
    s->sink(s->ctx, json, len);
    pthread_mutex_unlock(&s->sink_mu);
}

/* Count a malformed line. */
void pt_shards_count_malformed(pt_shards *s)
{
    s->malformed++;
}

/* End of input: queue the open batches, let the threads finish, join. */
void pt_shards_finish(pt_shards *s)
{
    if (s->finished)
        return;
    s->finished = 1;
    for (unsigned i = 0; i < s->n; i++) {
        shard *sh = &s->sh[i];
        if (!sh->started)
            continue;
        push_open(sh);
        pthread_mutex_lock(&sh->mu);
        sh->done = 1;
        pthread_cond_signal(&sh->has_work);
        pthread_mutex_unlock(&sh->mu);
    }
    for (unsigned i = 0; i < s->n; i++)
        if (s->sh[i].started)
            pthread_join(s->sh[i].thread, NULL);
}

/* Sum the shards' counters. */
void pt_shards_stats(const pt_shards *s, pt_stats *st)
{
    memset(st, 0, sizeof *st);
    uint64_t *sum = (uint64_t *)st;     /* pt_stats is counters only */
    for (unsigned i = 0; i < s->n; i++) {
        pt_stats one;
        if (!s->sh[i].core)
            continue;
        pt_core_stats(s->sh[i].core, &one);
        const uint64_t *v = (const uint64_t *)&one;
        for (size_t k = 0; k < sizeof one / sizeof *v; k++)
            sum[k] += v[k];
    }
    st->lines_seen += s->malformed;
    st->lines_malformed += s->malformed;
}

/* Free a batch list. */
static void free_list(batch *b)
{
    while (b) {
        batch *n = b->next;
        free(b);
        b = n;
    }
}

/* Free everything (finishing first). */
void pt_shards_free(pt_shards *s)
{
    if (!s)
        return;
    pt_shards_finish(s);
    for (unsigned i = 0; i < s->n; i++) {
        shard *sh = &s->sh[i];
        pt_core_free(sh->core);         /* flushed already: emits nothing more */
        free_list(sh->head);
        free_list(sh->spare);
        free(sh->open);
        pthread_mutex_destroy(&sh->mu);
        pthread_cond_destroy(&sh->has_work);
        pthread_cond_destroy(&sh->has_room);
    }
    pthread_mutex_destroy(&s->sink_mu);
    free(s);
}
