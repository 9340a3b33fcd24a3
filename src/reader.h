/*
 * reader.h - read lines from a file, a .gz file or standard input (gzip is
 * recognised by its magic bytes and inflated with zlib, also on a pipe;
 * concatenated gzip members are read one after another). Lines longer than
 * PT_READER_MAX_LINE are reported as over-long and skipped to their end.
 *
 * A fill is one read(2): on a pipe a line is returned as soon as it has
 * arrived, never after waiting for a whole block. pt_reader_ready says
 * whether a line can be returned without blocking, so a follower can poll
 * the descriptor and do timer work while the input is idle.
 *
 * With pt_reader_follow a call reads at most once, and a file's end is not
 * the end: the reader returns PT_READ_IDLE; pt_reader_check_rotation reopens the path when it
 * was renamed (after the old file's rest was read) or truncated, as
 * tail -F does.
 * Memory: the reader owns its buffers; a returned line is valid until the
 * next call. Thread-safety: one thread per reader.
 */
#ifndef PT_READER_H
#define PT_READER_H

#include <stddef.h>

#define PT_READER_MAX_LINE (1024 * 1024)

typedef struct pt_reader pt_reader;

typedef enum {
    PT_READ_LINE, PT_READ_TOO_LONG, PT_READ_EOF, PT_READ_ERROR,
    PT_READ_IDLE                /* following: no whole line yet */
} pt_read_result;

/* Open path ("-" = standard input); NULL with errno set on failure. */
pt_reader *pt_reader_open(const char *path);

/* Follow: at most one read per pt_reader_next (PT_READ_IDLE when it
 * brought no whole line: poll and call again); for a file (not standard
 * input) its end is "no more yet" too (--follow). */
void pt_reader_follow(pt_reader *r);

/* The next line without its '\n' (and '\r'). */
pt_read_result pt_reader_next(pt_reader *r, const char **line, size_t *len);

/* 1 when the next pt_reader_next returns at once (a whole line or a
 * pending error is buffered), 0 when it would read the descriptor. */
int pt_reader_ready(const pt_reader *r);

/* The descriptor a caller may poll for input. */
int pt_reader_fd(const pt_reader *r);

/* Following: if the path now names another file (rotated) and the old
 * one is read to its end, or the file shrank (truncated), reopen it from
 * its start. 1 when it did, 0 when not, -1 (errno) when it could not. */
int pt_reader_check_rotation(pt_reader *r);

/* A description of the last read error. */
const char *pt_reader_error(pt_reader *r);

/* Close and free. */
void pt_reader_close(pt_reader *r);

#endif
