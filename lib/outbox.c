/*
 * outbox.c - the FIFO of records waiting to leave (see outbox.h).
 */
#include "outbox.h"

#include <stdlib.h>
#include <string.h>

/* Append a record with sequence number seq. */
static int push(pt_outbox *b, uint64_t seq, const char *text, size_t len,
                const char *id, size_t id_len)
{
    pt_outrec *r = malloc(sizeof *r + len + id_len + 2);
    if (!r)
        return -1;
    r->next = NULL;
    r->seq = seq;
    r->len = len;
    r->id_len = id_len;
    memcpy(r->text, text, len);
    r->text[len] = '\0';
    if (id_len)
        memcpy(r->text + len + 1, id, id_len);
    r->text[len + 1 + id_len] = '\0';
    if (b->tail)
        b->tail->next = r;
    else
        b->head = r;
    b->tail = r;
    b->count++;
    b->bytes += len;
    if (seq >= b->next_seq)
        b->next_seq = seq + 1;
    return 0;
}

/* Append a copy of a record with the next sequence number. */
int pt_outbox_push(pt_outbox *b, const char *text, size_t len, const char *id, size_t id_len)
{
    if (b->next_seq == 0)
        b->next_seq = 1;                    /* 0 means "none" to the journal */
    return push(b, b->next_seq, text, len, id ? id : "", id ? id_len : 0);
}

/* Append a copy with a given sequence number. */
int pt_outbox_push_seq(pt_outbox *b, uint64_t seq, const char *text, size_t len)
{
    return push(b, seq, text, len, "", 0);
}

/* Remove and return the oldest record. */
pt_outrec *pt_outbox_pop(pt_outbox *b)
{
    pt_outrec *r = b->head;
    if (!r)
        return NULL;
    b->head = r->next;
    if (!b->head)
        b->tail = NULL;
    b->count--;
    b->bytes -= r->len;
    r->next = NULL;
    return r;
}

/* Free every record. */
void pt_outbox_clear(pt_outbox *b)
{
    pt_outrec *r;
    while ((r = pt_outbox_pop(b)))
        free(r);
}
