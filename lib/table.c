/*
 * table.c - the intrusive (host, key) hash table (see table.h). Doubles its
 * bucket array when the load passes 1; never shrinks.
 */
#include "table.h"
#include "hash.h"

#include <stdlib.h>
#include <string.h>

/* Make an empty table with 1024 buckets. */
int pt_table_init(pt_table *t)
{
    t->mask = 1023;
    t->count = 0;
    t->buckets = calloc(t->mask + 1, sizeof *t->buckets);
    return t->buckets ? 0 : -1;
}

/* Free the buckets. */
void pt_table_destroy(pt_table *t)
{
    free(t->buckets);
    t->buckets = NULL;
    t->count = 0;
}

/* Hash of host, then key (lengths included: "ab"+"c" differs from "a"+"bc"). */
uint64_t pt_table_hash(pt_slice host, pt_slice key)
{
    return pt_hash_bytes(pt_hash_bytes(0, host.p, host.n), key.p, key.n);
}

/* The first node from n on (a bucket chain) that holds (host, key). An
 * empty slice may have no pointer at all ("postfix: ..." has no pid). */
static pt_tnode *match_from(pt_tnode *n, uint64_t h, pt_slice host, pt_slice key)
{
    for (; n; n = n->next)
        if (n->hash == h && pt_tnode_is(n, host, key))
            return n;
    return NULL;
}

/* Look up (host, key). */
pt_tnode *pt_table_find(const pt_table *t, uint64_t h, pt_slice host, pt_slice key)
{
    return match_from(t->buckets[h & t->mask], h, host, key);
}

/* Find a node keyed by a name alone. */
pt_tnode *pt_table_find_name(const pt_table *t, pt_slice name, uint64_t *h)
{
    pt_slice none = pt_slice_make("", 0);
    *h = pt_table_hash(name, none);
    return pt_table_find(t, *h, name, none);
}

/* Key a node by a name alone. */
void pt_tnode_set_name(pt_tnode *n, const char *name, size_t len, uint64_t h)
{
    n->hash = h;
    n->host = name;
    n->host_len = (uint16_t)len;
    n->key = "";
    n->key_len = 0;
}

/* The next node after n with the same (host, key). */
pt_tnode *pt_table_find_next(const pt_tnode *n, pt_slice host, pt_slice key)
{
    return match_from(n->next, n->hash, host, key);
}

/* Double the bucket array; on no memory keep the old one (longer chains). */
static void grow(pt_table *t)
{
    size_t nmask = t->mask * 2 + 1;
    pt_tnode **nb = calloc(nmask + 1, sizeof *nb);
    if (!nb)
        return;
    for (size_t i = 0; i <= t->mask; i++) {
        pt_tnode *n = t->buckets[i];
        while (n) {
            pt_tnode *next = n->next;
            n->next = nb[n->hash & nmask];
            nb[n->hash & nmask] = n;
            n = next;
        }
    }
    free(t->buckets);
    t->buckets = nb;
    t->mask = nmask;
}

/* Insert a node whose hash, host and key are set. */
void pt_table_insert(pt_table *t, pt_tnode *n)
{
    if (t->count > t->mask)
        grow(t);
    pt_tnode **b = &t->buckets[n->hash & t->mask];
    n->next = *b;
    *b = n;
    t->count++;
}

/* Remove a linked node. */
void pt_table_remove(pt_table *t, pt_tnode *n)
{
    pt_tnode **pp = &t->buckets[n->hash & t->mask];
    while (*pp && *pp != n)
        pp = &(*pp)->next;
    if (*pp) {
        *pp = n->next;
        t->count--;
    }
}
