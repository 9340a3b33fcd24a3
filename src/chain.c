/*
 * chain.c - join records into chains by their links (parent_id, bounce_id,
 * notifications) with union-find over host + queue ID, and
 * hand the chains that hold a match out together. Record text waits in an
 * unlinked temporary file in $TMPDIR, so memory grows by an index entry and
 * a queue-ID key per record, not by the records. Following, a record is
 * written when it matches or is linked to a chain that holds a written
 * record; the last PT_CHAIN_RING records not written are kept (copies, at
 * most PT_CHAIN_RING_BYTES) so that a match also brings the linked mails
 * that finished just before it.
 * Memory: the chains own the nodes, keys, entries and the file.
 * Thread-safety: single-threaded use.
 */
#include "chain.h"
#include "fnv.h"
#include "jget.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "postfix-trace/line.h"

typedef struct ring_entry {     /* following: a recent record not written */
    char *json;
    size_t len;
    int64_t node;
} ring_entry;

typedef struct entry {          /* one kept record */
    off_t offset;
    size_t len;
    int64_t node;               /* its host + queue ID, or -1 */
    int64_t first_us;           /* first_seen (or time) in microseconds */
    int matched;
} entry;

struct pt_chains {
    FILE *tmp;
    off_t size;
    entry *entries;
    size_t n, cap;
    char **keys;                /* node -> "host\0qid" */
    int64_t *up;                /* node -> union-find parent */
    unsigned char *wanted;      /* root -> holds a record written (following) */
    size_t nodes, node_cap;
    int64_t *slots;             /* hash of keys -> node + 1 */
    size_t slot_cap;
    ring_entry ring[PT_CHAIN_RING];     /* following: recent records not written */
    size_t ring_next, ring_bytes;
};

/* An unlinked temporary file in $TMPDIR (else /tmp); NULL with errno. */
static FILE *temp_file(void)
{
    const char *dir = getenv("TMPDIR");
    char path[4096];
    if (!dir || !*dir)
        dir = "/tmp";
    if (snprintf(path, sizeof path, "%s/postfix-trace.XXXXXX", dir) >= (int)sizeof path) {
        errno = ENAMETOOLONG;
        return NULL;
    }
    int fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    unlink(path);
    FILE *f = fdopen(fd, "w+");
    if (!f)
        close(fd);
    return f;
}

/* New chains. */
pt_chains *pt_chains_new(int following)
{
    pt_chains *c = calloc(1, sizeof *c);
    if (!c || following)
        return c;
    c->tmp = temp_file();
    if (!c->tmp) {
        free(c);
        return NULL;
    }
    return c;
}

/* Rehash the key slots to twice their number. 0 or -1. */
static int grow_slots(pt_chains *c)
{
    size_t cap = c->slot_cap ? c->slot_cap * 2 : 1024;
    int64_t *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < c->nodes; i++) {
        const char *k = c->keys[i];
        size_t n = strlen(k) + 1 + strlen(k + strlen(k) + 1);
        size_t j = pt_fnv1a(PT_FNV_SEED, k, n) & (cap - 1);
        while (slots[j])
            j = (j + 1) & (cap - 1);
        slots[j] = (int64_t)i + 1;
    }
    free(c->slots);
    c->slots = slots;
    c->slot_cap = cap;
    return 0;
}

/* The node of host + qid, made when new; -1 on no memory. */
static int64_t node_of(pt_chains *c, const char *host, const char *qid)
{
    char key[512];
    int kn = snprintf(key, sizeof key, "%s%c%s", host ? host : "", 0, qid);
    if (kn < 0 || (size_t)kn >= sizeof key)
        return -1;
    if ((c->nodes + 1) * 2 > c->slot_cap && grow_slots(c))
        return -1;
    size_t j = pt_fnv1a(PT_FNV_SEED, key, (size_t)kn) & (c->slot_cap - 1);
    for (; c->slots[j]; j = (j + 1) & (c->slot_cap - 1)) {
        const char *k = c->keys[c->slots[j] - 1];
        if (!memcmp(k, key, (size_t)kn + 1))
            return c->slots[j] - 1;
    }
    if (c->nodes == c->node_cap) {
        size_t cap = c->node_cap ? c->node_cap * 2 : 1024;
        char **keys = realloc(c->keys, cap * sizeof *keys);
        if (keys)
            c->keys = keys;
        int64_t *up = realloc(c->up, cap * sizeof *up);
        if (up)
            c->up = up;
        unsigned char *w = realloc(c->wanted, cap);
        if (w)
            c->wanted = w;
        if (!keys || !up || !w)
            return -1;
        c->node_cap = cap;
    }
    char *k = malloc((size_t)kn + 1);
    if (!k)
        return -1;
    memcpy(k, key, (size_t)kn + 1);
    c->keys[c->nodes] = k;
    c->up[c->nodes] = (int64_t)c->nodes;
    c->wanted[c->nodes] = 0;
    c->slots[j] = (int64_t)c->nodes + 1;
    return (int64_t)c->nodes++;
}

/* The root of a node (path halving). */
static int64_t root_of(pt_chains *c, int64_t x)
{
    while (c->up[x] != x) {
        c->up[x] = c->up[c->up[x]];
        x = c->up[x];
    }
    return x;
}

/* Join a node with the node of host + qid. */
static void link_to(pt_chains *c, int64_t node, const char *host, const char *qid)
{
    if (node < 0 || !qid || !*qid)
        return;
    int64_t other = node_of(c, host, qid);
    if (other < 0)
        return;
    int64_t a = root_of(c, node), b = root_of(c, other);
    if (a != b) {
        c->up[b] = a;
        c->wanted[a] |= c->wanted[b];
    }
}

/* Join a record's node with every queue ID it names: its parent (a notice,
 * a content-filter or relay copy, a forwarded copy names it) and its
 * notices. A recipient's "queued as" is not followed: it may be another
 * server's ID; the local copy names its parent itself. */
static void link_record(pt_chains *c, int64_t node, struct json_object *rec)
{
    const char *host = pt_jget_str(rec, "host");
    struct json_object *a;
    link_to(c, node, host, pt_jget_str(rec, "parent_id"));
    link_to(c, node, host, pt_jget_str(rec, "bounce_id"));
    if (json_object_object_get_ex(rec, "notifications", &a) && json_object_is_type(a, json_type_array))
        for (size_t i = 0; i < json_object_array_length(a); i++)
            link_to(c, node, host, pt_jget_str(json_object_array_get_idx(a, i), "queue_id"));
}

/* Keep a record. */
int pt_chains_add(pt_chains *c, const char *json, size_t len, struct json_object *rec, int matched)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 1024;
        entry *e = realloc(c->entries, cap * sizeof *e);
        if (!e)
            return -1;
        c->entries = e;
        c->cap = cap;
    }
    if (fwrite(json, 1, len, c->tmp) != len)
        return -1;
    entry *e = &c->entries[c->n];
    const char *qid = pt_jget_str(rec, "queue_id"), *t = pt_jget_str(rec, "first_seen");
    pt_time tm;
    if (!t)
        t = pt_jget_str(rec, "time");
    e->offset = c->size;
    e->len = len;
    e->matched = matched;
    e->first_us = t && !pt_time_parse_rfc3339(t, strlen(t), &tm) ? tm.sec * 1000000 + tm.usec : 0;
    e->node = qid ? node_of(c, pt_jget_str(rec, "host"), qid) : -1;
    link_record(c, e->node, rec);
    c->size += (off_t)len;
    c->n++;
    return 0;
}

/* Sort keys of the wanted entries: chain, then time, then input order. */
typedef struct pick {
    size_t chain;               /* index of the chain's first matched entry */
    int64_t first_us;
    size_t i;
} pick;

/* Order picks by chain, time, input order. */
static int by_pick(const void *a, const void *b)
{
    const pick *x = a, *y = b;
    if (x->chain != y->chain)
        return x->chain < y->chain ? -1 : 1;
    if (x->first_us != y->first_us)
        return x->first_us < y->first_us ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

/* Hand out one picked record; 0 or -1. */
static int emit_one(pt_chains *c, const pick *p, char **buf, size_t *cap, pt_chain_fn fn,
                    void *ctx, int member, int size, int parse)
{
    const entry *e = &c->entries[p->i];
    if (e->len + 1 > *cap) {
        char *nb = realloc(*buf, e->len + 1);
        if (!nb)
            return -1;
        *buf = nb;
        *cap = e->len + 1;
    }
    if (pread(fileno(c->tmp), *buf, e->len, e->offset) != (ssize_t)e->len)
        return -1;
    (*buf)[e->len] = 0;
    struct json_object *rec = parse ? json_tokener_parse(*buf) : NULL;
    if (rec || !parse)
        fn(ctx, *buf, e->len, rec, member, size, !e->matched);
    json_object_put(rec);
    return 0;
}

/* Hand out the chains that hold a match. */
int pt_chains_emit(pt_chains *c, pt_chain_fn fn, void *ctx, int parse)
{
    if (fflush(c->tmp) != 0)
        return -1;
    size_t *first = malloc((c->nodes + 1) * sizeof *first);
    pick *picks = malloc((c->n + 1) * sizeof *picks);
    if (!first || !picks) {
        free(first);
        free(picks);
        return -1;
    }
    for (size_t i = 0; i < c->nodes; i++)
        first[i] = SIZE_MAX;
    for (size_t i = 0; i < c->n; i++)           /* each chain's first match */
        if (c->entries[i].matched && c->entries[i].node >= 0) {
            int64_t r = root_of(c, c->entries[i].node);
            if (first[r] == SIZE_MAX)
                first[r] = i;
        }
    size_t np = 0;
    for (size_t i = 0; i < c->n; i++) {
        const entry *e = &c->entries[i];
        size_t chain = e->node >= 0 ? first[root_of(c, e->node)] : e->matched ? i : SIZE_MAX;
        if (chain != SIZE_MAX)
            picks[np++] = (pick){ chain, e->node >= 0 ? e->first_us : 0, i };
    }
    qsort(picks, np, sizeof *picks, by_pick);
    char *buf = NULL;
    size_t cap = 0;
    int rc = 0;
    for (size_t i = 0; i < np && rc == 0;) {
        size_t j = i;
        while (j < np && picks[j].chain == picks[i].chain)
            j++;
        for (size_t k = i; k < j && rc == 0; k++)
            rc = emit_one(c, &picks[k], &buf, &cap, fn, ctx, (int)(k - i), (int)(j - i), parse);
        i = j;
    }
    free(buf);
    free(first);
    free(picks);
    return rc;
}

/* Drop the recent record at ring slot i. */
static void ring_drop(pt_chains *c, size_t i)
{
    free(c->ring[i].json);
    c->ring_bytes -= c->ring[i].len;
    c->ring[i].json = NULL;
}

/* Forget every node and recent record (following: the bound on what is
 * remembered). */
static void forget_nodes(pt_chains *c)
{
    for (size_t i = 0; i < c->nodes; i++)
        free(c->keys[i]);
    c->nodes = 0;
    if (c->slots)
        memset(c->slots, 0, c->slot_cap * sizeof *c->slots);
    for (size_t i = 0; i < PT_CHAIN_RING; i++)
        if (c->ring[i].json)
            ring_drop(c, i);
}

/* Keep a copy of a record not written (yet), dropping the oldest past
 * the bounds. */
static void ring_keep(pt_chains *c, const char *json, size_t len, int64_t node)
{
    size_t i = c->ring_next;
    if (c->ring[i].json)
        ring_drop(c, i);
    for (size_t k = 1; c->ring_bytes + len > PT_CHAIN_RING_BYTES && k < PT_CHAIN_RING; k++)
        if (c->ring[(i + k) % PT_CHAIN_RING].json)
            ring_drop(c, (i + k) % PT_CHAIN_RING);
    char *copy = len <= PT_CHAIN_RING_BYTES ? malloc(len + 1) : NULL;
    if (!copy)
        return;
    memcpy(copy, json, len);
    copy[len] = 0;
    c->ring[i] = (ring_entry){ copy, len, node };
    c->ring_bytes += len;
    c->ring_next = (i + 1) % PT_CHAIN_RING;
}

/* Hand out (and drop) the recent records of chain root r, oldest first. */
static void ring_emit(pt_chains *c, int64_t r, pt_chain_fn fn, void *ctx)
{
    for (size_t k = 0; k < PT_CHAIN_RING; k++) {
        size_t i = (c->ring_next + k) % PT_CHAIN_RING;
        if (!c->ring[i].json || root_of(c, c->ring[i].node) != r)
            continue;
        struct json_object *rec = json_tokener_parse(c->ring[i].json);
        if (rec)
            fn(ctx, c->ring[i].json, c->ring[i].len, rec, 0, 1, 1);
        json_object_put(rec);
        ring_drop(c, i);
    }
}

/* Following: should the record be written (1 matched, 2 linked, 0 no)? */
int pt_chains_follow(pt_chains *c, const char *json, size_t len, struct json_object *rec,
                     int matched, pt_chain_fn earlier, void *ctx)
{
    if (c->nodes >= PT_CHAIN_FOLLOW_NODES)
        forget_nodes(c);
    const char *qid = pt_jget_str(rec, "queue_id");
    int64_t node = qid ? node_of(c, pt_jget_str(rec, "host"), qid) : -1;
    if (node < 0)
        return matched;
    link_record(c, node, rec);
    int64_t r = root_of(c, node);
    if (matched)
        c->wanted[r] = 1;
    if (!c->wanted[r]) {
        ring_keep(c, json, len, node);
        return 0;
    }
    ring_emit(c, r, earlier, ctx);
    return matched ? 1 : 2;
}

/* Free. */
void pt_chains_free(pt_chains *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nodes; i++)
        free(c->keys[i]);
    for (size_t i = 0; i < PT_CHAIN_RING; i++)
        free(c->ring[i].json);
    free(c->keys);
    free(c->up);
    free(c->wanted);
    free(c->slots);
    free(c->entries);
    if (c->tmp)
        fclose(c->tmp);
    free(c);
}
