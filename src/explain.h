/*
 * explain.h - the command's answers for people: pick the records about an
 * address or queue ID, and say in plain words what happened to the mail.
 * Works on finished record text (parsed with json-c), so it sees exactly
 * what every front end writes.
 * Memory: filters point into argv. Thread-safety: single-threaded use.
 */
#ifndef PT_EXPLAIN_H
#define PT_EXPLAIN_H

#include <stdio.h>
#include <stddef.h>

typedef struct pt_filter {
    const char *to;             /* recipient (to or orig_to), case-insensitive */
    const char *from;           /* envelope sender, case-insensitive */
    const char *queue_id;       /* queue_id, parent_id, bounce_id, notifications, queued_as */
    int explain;                /* plain words instead of JSON */
} pt_filter;

/* True when any filter or --explain is set. */
int pt_filter_active(const pt_filter *f);

/* Write the record (len bytes of JSON) to out if it passes the filter: as
 * JSON, or in plain words with --explain. Returns 1 when written. */
int pt_filter_write(const pt_filter *f, const char *json, size_t len, FILE *out);

#endif
