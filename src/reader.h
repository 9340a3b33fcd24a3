/*
 * reader.h - read lines from a file, a .gz file or standard input (zlib
 * reads plain files transparently). Lines longer than PT_READER_MAX_LINE
 * are reported as over-long and skipped to their end.
 * Memory: the reader owns its buffer; a returned line is valid until the
 * next call. Thread-safety: one thread per reader.
 */
#ifndef PT_READER_H
#define PT_READER_H

#include <stddef.h>

#define PT_READER_MAX_LINE (1024 * 1024)

typedef struct pt_reader pt_reader;

typedef enum { PT_READ_LINE, PT_READ_TOO_LONG, PT_READ_EOF, PT_READ_ERROR } pt_read_result;

/* Open path ("-" = standard input); NULL with errno set on failure. */
pt_reader *pt_reader_open(const char *path);

/* The next line without its '\n' (and '\r'). */
pt_read_result pt_reader_next(pt_reader *r, const char **line, size_t *len);

/* A description of the last read error. */
const char *pt_reader_error(pt_reader *r);

/* Close and free. */
void pt_reader_close(pt_reader *r);

#endif
