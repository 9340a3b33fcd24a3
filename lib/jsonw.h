/*
 * jsonw.h - a small streaming JSON writer for records: appends keys and
 * values to a growable buffer, commas placed by looking at the last byte.
 * Output is plain (no spaces), strings escaped as json-c escapes them with
 * '/' left alone: '"' '\\' \b \f \n \r \t, other bytes below 0x20 as \u00xx;
 * strings must already be valid UTF-8 (entry.c sanitises them).
 * Written for speed: a record is built with no allocation once the buffer
 * has grown to its working size (json-c objects cost a hash table each).
 *
 * Memory: the writer owns its buffer (pt_jw_free). Thread-safety: one
 * thread per writer (each core owns one).
 */
#ifndef PT_JSONW_H
#define PT_JSONW_H

#include <stddef.h>
#include <stdint.h>
#include "postfix-trace/line.h"

typedef struct pt_jw {
    char *buf;
    size_t len, cap;
    int oom;                    /* set when growing failed; output is truncated */
} pt_jw;

/* Empty the buffer (keeps its memory). */
void pt_jw_reset(pt_jw *w);

/* Free the buffer. */
void pt_jw_free(pt_jw *w);

/* Open / close an object or array; key is NULL inside arrays. */
void pt_jw_obj(pt_jw *w, const char *key);
void pt_jw_obj_end(pt_jw *w);
void pt_jw_arr(pt_jw *w, const char *key);
void pt_jw_arr_end(pt_jw *w);

/* A string value (NUL-terminated); nothing when s is NULL. */
void pt_jw_str(pt_jw *w, const char *key, const char *s);

/* A string value of n bytes; nothing when s is NULL. */
void pt_jw_strn(pt_jw *w, const char *key, const char *s, size_t n);

/* An integer value. */
void pt_jw_int(pt_jw *w, const char *key, int64_t v);

/* A boolean value. */
void pt_jw_bool(pt_jw *w, const char *key, int v);

/* A number of seconds as Postfix writes it ("%.10g" form). */
void pt_jw_num(pt_jw *w, const char *key, double v);

/* A time as an RFC 3339 string. */
void pt_jw_time(pt_jw *w, const char *key, const pt_time *t);

#endif
