/*
 * outbox.h - records waiting to leave: a FIFO of finished record texts in
 * emission order, each with a sequence number (global, increasing, kept
 * across checkpoints) and, for a record that ends an entry held in the last
 * checkpoint, that entry's id (the written-records journal needs it).
 *
 * Memory: the outbox owns every record (one malloc each: header and text);
 * pt_outbox_pop hands one to the caller, who frees it with free().
 * Thread-safety: as its owner (the runner: one thread at a time).
 */
#ifndef PT_OUTBOX_H
#define PT_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

typedef struct pt_outrec {
    struct pt_outrec *next;
    uint64_t seq;
    size_t len;                 /* text bytes, no newline */
    size_t id_len;              /* 0: no checkpointed entry ends here */
    char text[];                /* len bytes of record, NUL, then the id and NUL */
} pt_outrec;

typedef struct pt_outbox {
    pt_outrec *head, *tail;
    size_t count, bytes;        /* records and their text bytes waiting */
    uint64_t next_seq;          /* sequence number of the next record */
} pt_outbox;

/* Append a copy of a record (and of id, may be NULL); -1 on no memory. */
int pt_outbox_push(pt_outbox *b, const char *text, size_t len, const char *id, size_t id_len);

/* Append a copy with a given sequence number (loading a checkpoint). */
int pt_outbox_push_seq(pt_outbox *b, uint64_t seq, const char *text, size_t len);

/* The id stored with record r ("" when none). */
static inline const char *pt_outrec_id(const pt_outrec *r)
{
    return r->text + r->len + 1;
}

/* Remove and return the oldest record (NULL when empty). */
pt_outrec *pt_outbox_pop(pt_outbox *b);

/* Free every record. */
void pt_outbox_clear(pt_outbox *b);

#endif
