/*
 * header_internal.h - the header reader's state, shared by header.c (text
 * syslog lines) and header_json.c (journalctl -o json). The reader owns the
 * parsed JSON object of the last journal line and a buffer for a MESSAGE
 * given as bytes; a pt_line read from a journal line points into them until
 * the next read. Thread-safety: one thread per reader.
 */
#ifndef PT_HEADER_INTERNAL_H
#define PT_HEADER_INTERNAL_H

#include "postfix-trace/line.h"
#include "time_internal.h"

struct json_object;
struct json_tokener;

struct pt_header_reader {
    int fixed_year;             /* from the caller, 0 = infer */
    int64_t year;               /* year of the last year-less line, 0 = none yet */
    int last_mon;               /* month of the last year-less line */
    pt_tz_cache tz;
    struct json_tokener *tok;   /* journal lines: made at the first one */
    struct json_object *last;   /* the last journal line's object, or NULL */
    char *bytes;                /* MESSAGE given as an array of bytes */
    size_t bytes_cap;
    int64_t json_hour;          /* UTC hour of json_off_min, -1 = none */
    int json_off_min;
};

/* Read a journalctl -o json line (p at its '{') into *out. */
pt_header_result pt_header_read_json(pt_header_reader *r, const char *p, size_t n,
                                     pt_line *out);

/* Free what the last journal line left in the reader. */
void pt_header_json_release(pt_header_reader *r);

/* The local zone's offset in minutes at Unix time sec (cached per hour). */
int pt_header_local_offset(pt_header_reader *r, int64_t sec);

#endif
