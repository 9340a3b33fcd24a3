/*
 * reader.c - line reader over read(2), with zlib's inflate for gzip input
 * (recognised by its magic, on files and pipes alike). Each fill is one
 * read, so a pipe's lines come out as they arrive. The line buffer grows
 * up to the line limit; gzip input passes through a raw buffer first.
 * Following a file (tail -F): its end returns PT_READ_IDLE, and the path
 * is reopened when it names a new file or the file shrank.
 * Memory: the reader owns buf, raw and path. Thread-safety: one thread.
 */
#include "reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define CHUNK (256 * 1024)

enum { MODE_UNKNOWN, MODE_PLAIN, MODE_GZIP, MODE_GZIP_TAIL };

struct pt_reader {
    int fd;
    char *path;                 /* NULL for standard input */
    char *buf;
    size_t cap, start, end;     /* unread bytes are buf[start..end) */
    unsigned char *raw;         /* gzip or undecided input */
    size_t raw_len;             /* bytes of raw not yet handed on */
    z_stream z;
    int mode, z_ready;
    int eof, skipping, follow;
    int rotated;                /* the path names a new file: one more drain first */
    off_t offset;               /* bytes read from fd */
    dev_t dev;
    ino_t ino;
    const char *err;
};

/* Open a file or standard input. */
pt_reader *pt_reader_open(const char *path)
{
    int stdin_ = strcmp(path, "-") == 0;
    int fd = stdin_ ? dup(0) : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    pt_reader *r = calloc(1, sizeof *r);
    if (r) {
        r->buf = malloc(2 * CHUNK);
        r->raw = malloc(CHUNK);
        r->path = stdin_ ? NULL : strdup(path);
    }
    if (!r || !r->buf || !r->raw || (!stdin_ && !r->path)) {
        if (r) {
            free(r->buf);
            free(r->raw);
            free(r->path);
            free(r);
        }
        close(fd);
        errno = ENOMEM;
        return NULL;
    }
    r->fd = fd;
    r->cap = 2 * CHUNK;
    struct stat st;
    if (fstat(fd, &st) == 0) {
        r->dev = st.st_dev;
        r->ino = st.st_ino;
    }
    return r;
}

/* Read once per call; a file's end is "no more yet". */
void pt_reader_follow(pt_reader *r)
{
    r->follow = 1;
}

/* One read(2) into dst; bytes read, 0 at the end, -1 on error. */
static ssize_t read_some(pt_reader *r, void *dst, size_t n)
{
    ssize_t got;
    do
        got = read(r->fd, dst, n);
    while (got < 0 && errno == EINTR);
    if (got < 0)
        r->err = strerror(errno);
    else
        r->offset += got;
    return got;
}

/* Decide plain or gzip from the first two bytes; 1 decided, 0 need more,
 * -1 error. */
static int decide_mode(pt_reader *r)
{
    if (r->raw_len < 2) {
        ssize_t got = read_some(r, r->raw + r->raw_len, CHUNK - r->raw_len);
        if (got < 0)
            return -1;
        r->raw_len += (size_t)got;
        if (got > 0 && r->raw_len < 2)
            return 0;
    }
    if (r->raw_len >= 2 && r->raw[0] == 0x1f && r->raw[1] == 0x8b) {
        if (!r->z_ready && inflateInit2(&r->z, 15 + 16) != Z_OK) {
            r->err = "out of memory";
            return -1;
        }
        r->z_ready = 1;
        r->z.next_in = r->raw;
        r->z.avail_in = (uInt)r->raw_len;
        r->mode = MODE_GZIP;
    } else {                    /* plain: what was read is text */
        memcpy(r->buf + r->end, r->raw, r->raw_len);
        r->end += r->raw_len;
        r->mode = MODE_PLAIN;
        if (r->raw_len == 0)
            r->eof = 1;
    }
    r->raw_len = 0;
    return 1;
}

/* Inflate what can be inflated into the buffer; 0 progress or end, -1. */
static int fill_gzip(pt_reader *r)
{
    if (r->z.avail_in == 0) {
        ssize_t got = read_some(r, r->raw, CHUNK);
        if (got < 0)
            return -1;
        if (got == 0) {
            r->eof = 1;
            if (r->mode == MODE_GZIP && !r->follow)
                r->err = "unexpected end of the gzip data (a cut file?)";
            return 0;
        }
        r->z.next_in = r->raw;
        r->z.avail_in = (uInt)got;
    }
    if (r->mode == MODE_GZIP_TAIL) {            /* between members */
        if (r->z.avail_in >= 1 && r->z.next_in[0] != 0x1f) {
            r->z.avail_in = 0;                  /* trailing garbage: ignored, as gzip does */
            r->eof = !r->follow;
            return 0;
        }
        inflateReset(&r->z);
        r->mode = MODE_GZIP;
    }
    r->z.next_out = (Bytef *)r->buf + r->end;
    r->z.avail_out = (uInt)(r->cap - r->end);
    int rc = inflate(&r->z, Z_NO_FLUSH);
    r->end = r->cap - r->z.avail_out;
    if (rc == Z_STREAM_END)
        r->mode = MODE_GZIP_TAIL;
    else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        r->err = r->z.msg ? r->z.msg : "not valid gzip data";
        return -1;
    }
    return 0;
}

/* Read more bytes into the buffer; 0 on progress (maybe none yet), -1 on
 * end or error. */
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
    if (r->mode == MODE_UNKNOWN) {
        int d = decide_mode(r);
        return d < 0 ? -1 : r->eof ? -1 : 0;
    }
    if (r->mode != MODE_PLAIN)
        return fill_gzip(r) < 0 || r->eof ? -1 : 0;
    ssize_t got = read_some(r, r->buf + r->end, r->cap - r->end);
    if (got <= 0) {
        r->eof = got == 0;
        return -1;
    }
    r->end += (size_t)got;
    return 0;
}

/* Hand out buf[start, start+n) as a line and step past it (and skip). */
static pt_read_result take(pt_reader *r, size_t n, size_t step, const char **line, size_t *len)
{
    char *s = r->buf + r->start;
    r->start += step;
    if (n && s[n - 1] == '\r')
        n--;
    *line = s;
    *len = n;
    return PT_READ_LINE;
}

/* Next line. Following, at most one read per call (PT_READ_IDLE when it
 * brought no whole line), and a file's end is PT_READ_IDLE too. */
pt_read_result pt_reader_next(pt_reader *r, const char **line, size_t *len)
{
    int reads = 0;
    for (;;) {
        char *nl = r->end > r->start ? memchr(r->buf + r->start, '\n', r->end - r->start) : NULL;
        if (nl) {
            size_t n = (size_t)(nl - (r->buf + r->start));
            if (r->skipping) {
                r->skipping = 0;
                r->start += n + 1;
                continue;
            }
            return take(r, n, n + 1, line, len);
        }
        if (r->end - r->start >= PT_READER_MAX_LINE) {
            int was = r->skipping;
            r->start = r->end = 0;
            r->skipping = 1;
            if (!was)
                return PT_READ_TOO_LONG;
            continue;
        }
        if (r->err)
            return PT_READ_ERROR;
        int tailing = r->follow && r->path;     /* a file's end is not the end */
        if (r->follow && (reads++ > 0 || (r->eof && tailing))) {
            r->eof = 0;                         /* look again next time */
            return PT_READ_IDLE;
        }
        if (r->eof || fill(r)) {
            if (r->err)
                return PT_READ_ERROR;
            if (tailing)
                continue;                       /* eof set: idle above */
            if (r->end > r->start) {            /* last line without '\n' */
                size_t n = r->end - r->start;
                if (r->skipping) {
                    r->skipping = 0;
                    r->start = r->end;
                    return PT_READ_EOF;
                }
                return take(r, n, n, line, len);
            }
            return PT_READ_EOF;
        }
    }
}

/* Can the next call return without reading the descriptor? */
int pt_reader_ready(const pt_reader *r)
{
    if (r->err || (r->eof && !r->follow) || r->end - r->start >= PT_READER_MAX_LINE)
        return 1;
    if (r->mode != MODE_PLAIN && r->mode != MODE_UNKNOWN && r->z.avail_in > 0)
        return 1;
    return r->end > r->start && memchr(r->buf + r->start, '\n', r->end - r->start) != NULL;
}

/* The descriptor to poll. */
int pt_reader_fd(const pt_reader *r)
{
    return r->fd;
}

/* Reopen a rotated or truncated file from its start. */
int pt_reader_check_rotation(pt_reader *r)
{
    struct stat now, open_;
    if (!r->path || fstat(r->fd, &open_) != 0)
        return 0;
    if (stat(r->path, &now) != 0)
        return 0;                               /* between rename and create */
    if (now.st_dev == r->dev && now.st_ino == r->ino) {
        if (open_.st_size >= r->offset)
            return 0;
        if (lseek(r->fd, 0, SEEK_SET) != 0)     /* truncated (copytruncate) */
            return -1;
    } else if (!r->rotated) {
        r->rotated = 1;                         /* read what was written late first */
        return 0;
    } else {
        int fd = open(r->path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return -1;
        close(r->fd);
        r->fd = fd;
        r->dev = now.st_dev;
        r->ino = now.st_ino;
    }
    if (r->end > r->start && r->skipping == 0 && r->end < r->cap)
        r->buf[r->end++] = '\n';                /* the old file's unfinished line */
    r->offset = 0;
    r->rotated = 0;
    r->mode = MODE_UNKNOWN;
    r->raw_len = 0;
    r->eof = 0;
    return 1;
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
    if (r->z_ready)
        inflateEnd(&r->z);
    close(r->fd);
    free(r->buf);
    free(r->raw);
    free(r->path);
    free(r);
}
