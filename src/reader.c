/*
 * reader.c - buffered line reader over zlib's gzFile (plain or gzip).
 * Reads 256 KiB at a time into a buffer that grows up to the line limit.
 */
#include "reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define CHUNK (256 * 1024)

struct pt_reader {
    gzFile gz;
    char *buf;
    size_t cap, start, end;     /* unread bytes are buf[start..end) */
    int eof, skipping;
    const char *err;
};

/* Open a file or standard input. */
pt_reader *pt_reader_open(const char *path)
{
    int fd = strcmp(path, "-") == 0 ? dup(0) : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    pt_reader *r = calloc(1, sizeof *r);
    if (r)
        r->buf = malloc(2 * CHUNK);
    if (!r || !r->buf) {
        if (r)
            free(r);
        close(fd);
        errno = ENOMEM;
        return NULL;
    }
    r->cap = 2 * CHUNK;
    r->gz = gzdopen(fd, "rb");
    if (!r->gz) {
        close(fd);
        free(r->buf);
        free(r);
        errno = ENOMEM;
        return NULL;
    }
    gzbuffer(r->gz, CHUNK);
    return r;
}

/* Read more bytes into the buffer; 0 on progress, -1 on EOF/error. */
static int fill(pt_reader *r)
{
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    if (r->cap - r->end < CHUNK) {
        size_t nc = r->cap * 2;
        char *nb = realloc(r->buf, nc);
        if (!nb) {
            r->err = "out of memory";
            return -1;
        }
        r->buf = nb;
        r->cap = nc;
    }
    int n = gzread(r->gz, r->buf + r->end, (unsigned)(r->cap - r->end));
    if (n < 0) {
        int e;
        r->err = gzerror(r->gz, &e);
        return -1;
    }
    if (n == 0) {
        r->eof = 1;
        return -1;
    }
    r->end += (size_t)n;
    return 0;
}

/* Next line. */
pt_read_result pt_reader_next(pt_reader *r, const char **line, size_t *len)
{
    for (;;) {
        char *nl = r->end > r->start ? memchr(r->buf + r->start, '\n', r->end - r->start) : NULL;
        if (nl) {
            char *s = r->buf + r->start;
            size_t n = (size_t)(nl - s);
            r->start += n + 1;
            if (r->skipping) {
                r->skipping = 0;
                continue;
            }
            if (n && s[n - 1] == '\r')
                n--;
            *line = s;
            *len = n;
            return PT_READ_LINE;
        }
        if (r->end - r->start >= PT_READER_MAX_LINE) {
            int was = r->skipping;
            r->start = r->end = 0;
            r->skipping = 1;
            if (!was)
                return PT_READ_TOO_LONG;
            continue;
        }
        if (r->eof || fill(r)) {
            if (r->err)
                return PT_READ_ERROR;
            if (r->end > r->start) {            /* last line without '\n' */
                char *s = r->buf + r->start;
                size_t n = r->end - r->start;
                r->start = r->end;
                if (r->skipping) {
                    r->skipping = 0;
                    return PT_READ_EOF;
                }
                if (n && s[n - 1] == '\r')
                    n--;
                *line = s;
                *len = n;
                return PT_READ_LINE;
            }
            return PT_READ_EOF;
        }
    }
}

/* Last error text. */
const char *pt_reader_error(pt_reader *r)
{
    return r->err ? r->err : "read error";
}

/* Close. */
void pt_reader_close(pt_reader *r)
{
    if (!r)
        return;
    gzclose(r->gz);
    free(r->buf);
    free(r);
}
