/*
 * table.h - an intrusive chained hash table keyed by (host, key) byte
 * strings, plus an intrusive doubly linked list for LRU/FIFO orders. Used
 * for open entries (key = queue ID) and smtpd sessions (key = pid).
 *
 * Memory: the table owns only its bucket array; nodes are embedded in the
 * caller's structs, whose host/key strings must stay valid while linked.
 * Thread-safety: as its owner (one thread).
 */
#ifndef PT_TABLE_H
#define PT_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "postfix-trace/slice.h"

typedef struct pt_tnode {
    struct pt_tnode *next;      /* bucket chain */
    uint64_t hash;
    const char *host;           /* NUL-terminated, owned by the embedding struct */
    const char *key;
    uint16_t host_len, key_len;
} pt_tnode;

typedef struct pt_table {
    pt_tnode **buckets;
    size_t mask;                /* bucket count - 1 (power of two) */
    size_t count;
} pt_table;

typedef struct pt_dlink {
    struct pt_dlink *prev, *next;
} pt_dlink;

/* Are the n bytes at a and b equal? Inline, eight bytes per step: host
 * names and queue IDs are short, and a call to memcmp costs more. */
static inline int pt_bytes_eq(const char *a, const char *b, size_t n)
{
    for (; n >= 8; a += 8, b += 8, n -= 8) {
        uint64_t x, y;
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        if (x != y)
            return 0;
    }
    for (; n; a++, b++, n--)
        if (*a != *b)
            return 0;
    return 1;
}

/* Is node n keyed by (host, key)? */
static inline int pt_tnode_is(const pt_tnode *n, pt_slice host, pt_slice key)
{
    return n->key_len == key.n && n->host_len == host.n
        && pt_bytes_eq(n->key, key.p, key.n) && pt_bytes_eq(n->host, host.p, host.n);
}

/* Initialise an empty table; 0 on success, -1 on no memory. */
int pt_table_init(pt_table *t);

/* Free the bucket array (not the nodes). */
void pt_table_destroy(pt_table *t);

/* Hash of (host, key). */
uint64_t pt_table_hash(pt_slice host, pt_slice key);

/* Find the node for (host, key) with precomputed hash h, or NULL. */
pt_tnode *pt_table_find(const pt_table *t, uint64_t h, pt_slice host, pt_slice key);

/* The next node after n holding the same (host, key) (a table may hold a
 * key more than once), or NULL. */
pt_tnode *pt_table_find_next(const pt_tnode *n, pt_slice host, pt_slice key);

/* Find the node keyed by a name alone (host = name, key empty: hosts); the
 * name's hash goes to *h for a later insert. */
pt_tnode *pt_table_find_name(const pt_table *t, pt_slice name, uint64_t *h);

/* Key node n by a name alone: the len bytes at name (kept by the caller's
 * struct), with hash h from pt_table_find_name. */
void pt_tnode_set_name(pt_tnode *n, const char *name, size_t len, uint64_t h);

/* Link node n (its hash/host/key already set); grows the table. */
void pt_table_insert(pt_table *t, pt_tnode *n);

/* Unlink node n (it must be linked). */
void pt_table_remove(pt_table *t, pt_tnode *n);

/* Make l an empty circular list head. */
static inline void pt_dlist_init(pt_dlink *l)
{
    l->prev = l->next = l;
}

/* True when list head l is empty. */
static inline int pt_dlist_empty(const pt_dlink *l)
{
    return l->next == l;
}

/* Append n at the tail (newest end) of list l. */
static inline void pt_dlist_push(pt_dlink *l, pt_dlink *n)
{
    n->prev = l->prev;
    n->next = l;
    l->prev->next = n;
    l->prev = n;
}

/* Unlink n from whatever list holds it. */
static inline void pt_dlist_del(pt_dlink *n)
{
    n->prev->next = n->next;
    n->next->prev = n->prev;
    n->prev = n->next = n;
}

#endif
