/*
 * strpool.c - the per-entry string arena (see strpool.h).
 * Blocks grow from 128 bytes, doubling up to 4 KiB; a request larger than
 * a block gets a block of its own size.
 */
#include "strpool.h"

#include <stdlib.h>
#include <string.h>

struct pt_arena_block {
    pt_arena_block *next;
    size_t cap;
    _Alignas(8) unsigned char data[];
};

/* Allocate n bytes (8-aligned) from the arena. */
void *pt_arena_alloc(pt_arena *a, size_t n)
{
    size_t need = (n + 7) & ~(size_t)7;
    if (!a->head || a->cap - a->used < need) {
        size_t cap = a->cap ? a->cap * 2 : 320;  /* a delivered mail's text fits one block */
        if (cap > 4096)
            cap = 4096;
        if (cap < need)
            cap = need;
        pt_arena_block *b = malloc(sizeof *b + cap);
        if (!b)
            return NULL;
        b->next = a->head;
        b->cap = cap;
        a->head = b;
        a->cap = cap;
        a->used = 0;
        a->total += sizeof *b + cap;
    }
    void *p = a->head->data + a->used;
    a->used += need;
    return p;
}

/* Copy a slice as a C string into the arena. */
char *pt_arena_strdup(pt_arena *a, pt_slice s)
{
    if (!s.p)
        return NULL;
    char *p = pt_arena_alloc(a, s.n + 1);
    if (!p)
        return NULL;
    if (s.n)
        memcpy(p, s.p, s.n);
    p[s.n] = '\0';
    return p;
}

/* Release all blocks. */
void pt_arena_free(pt_arena *a)
{
    pt_arena_block *b = a->head;
    while (b) {
        pt_arena_block *next = b->next;
        free(b);
        b = next;
    }
    memset(a, 0, sizeof *a);
}
