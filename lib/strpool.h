/*
 * strpool.h - a per-entry string arena: copies of line fragments that live
 * exactly as long as the entry that holds them. Bump allocation in chained
 * blocks; freed all at once. The first small block is allocated lazily, so
 * an arena that never stores anything costs only its header.
 *
 * Memory: the arena owns every byte it hands out; pointers are valid until
 * pt_arena_free. Thread-safety: as its owner (the core: one thread).
 */
#ifndef PT_STRPOOL_H
#define PT_STRPOOL_H

#include <stddef.h>
#include "postfix-trace/slice.h"

typedef struct pt_arena_block pt_arena_block;

typedef struct pt_arena {
    pt_arena_block *head;       /* newest block first */
    size_t used;                /* bytes used in head */
    size_t cap;                 /* bytes of payload in head */
    size_t total;               /* bytes allocated for blocks (for stats) */
} pt_arena;

/* Allocate n bytes aligned to 8; NULL on no memory. */
void *pt_arena_alloc(pt_arena *a, size_t n);

/* Copy s as a NUL-terminated string; NULL when s is absent or no memory. */
char *pt_arena_strdup(pt_arena *a, pt_slice s);

/* Free every block. The arena is empty (reusable) afterwards. */
void pt_arena_free(pt_arena *a);

#endif
