/*
 * jsonw.h - a small streaming JSON writer for records: appends keys and
 * values to a growable buffer, commas placed by looking at the last byte.
 * Output is plain (no spaces), strings escaped as json-c escapes them with
 * '/' left alone: '"' '\\' \b \f \n \r \t, other bytes below 0x20 as \u00xx;
 * strings must already be valid UTF-8 (entry.c sanitises them).
 * Written for speed: a record is built with no allocation once the buffer
 * has grown to its working size (json-c objects cost a hash table each);
 * keys and the small writers are inline, so a literal key costs a copy of
 * known length (docs/benchmarks.md).
 *
 * Memory: the writer owns its buffer (pt_jw_free). Thread-safety: one
 * thread per writer (each core owns one).
 */
#ifndef PT_JSONW_H
#define PT_JSONW_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
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

/* Make room for n more bytes: 0, or -1 (w->oom set) on no memory. */
int pt_jw_grow(pt_jw *w, size_t n);

/* Value writers behind the inline functions below (no key, no comma). */
void pt_jw_str_value(pt_jw *w, const char *s);
void pt_jw_strn_value(pt_jw *w, const char *s, size_t n);
void pt_jw_int_value(pt_jw *w, int64_t v);
void pt_jw_num_value(pt_jw *w, double v);
void pt_jw_time_value(pt_jw *w, const pt_time *t);

/* Room for n more bytes, growing only when needed. */
static inline int pt_jw_room(pt_jw *w, size_t n)
{
    return w->len + n <= w->cap ? 0 : pt_jw_grow(w, n);
}

/* The separating comma (unless first in its container) and the key, if
 * any. Inline, so a literal key's length is known when compiling. */
static inline void pt_jw_key(pt_jw *w, const char *k)
{
    size_t n = k ? strlen(k) : 0;
    if (pt_jw_room(w, n + 4))
        return;
    char *b = w->buf + w->len;
    if (w->len && b[-1] != '{' && b[-1] != '[')
        *b++ = ',';
    if (k) {                    /* keys are the writer's own ASCII literals */
        *b++ = '"';
        memcpy(b, k, n);
        b += n;
        *b++ = '"';
        *b++ = ':';
    }
    w->len = (size_t)(b - w->buf);
}

/* Append one byte. */
static inline void pt_jw_byte(pt_jw *w, char c)
{
    if (pt_jw_room(w, 1) == 0)
        w->buf[w->len++] = c;
}

/* Open / close an object or array; key is NULL inside arrays. */
static inline void pt_jw_obj(pt_jw *w, const char *key)
{
    pt_jw_key(w, key);
    pt_jw_byte(w, '{');
}

static inline void pt_jw_obj_end(pt_jw *w)
{
    pt_jw_byte(w, '}');
}

static inline void pt_jw_arr(pt_jw *w, const char *key)
{
    pt_jw_key(w, key);
    pt_jw_byte(w, '[');
}

static inline void pt_jw_arr_end(pt_jw *w)
{
    pt_jw_byte(w, ']');
}

/* A string value (NUL-terminated); nothing when s is NULL. */
static inline void pt_jw_str(pt_jw *w, const char *key, const char *s)
{
    if (!s)
        return;
    pt_jw_key(w, key);
    pt_jw_str_value(w, s);
}

/* A string value of n bytes; nothing when s is NULL. */
static inline void pt_jw_strn(pt_jw *w, const char *key, const char *s, size_t n)
{
    if (!s)
        return;
    pt_jw_key(w, key);
    pt_jw_strn_value(w, s, n);
}

/* An integer value. */
static inline void pt_jw_int(pt_jw *w, const char *key, int64_t v)
{
    pt_jw_key(w, key);
    pt_jw_int_value(w, v);
}

/* A boolean value. */
static inline void pt_jw_bool(pt_jw *w, const char *key, int v)
{
    pt_jw_key(w, key);
    if (pt_jw_room(w, 5) == 0) {
        memcpy(w->buf + w->len, v ? "true" : "false", v ? 4 : 5);
        w->len += v ? 4 : 5;
    }
}

/* A number of seconds as Postfix writes it ("%.10g" form). */
static inline void pt_jw_num(pt_jw *w, const char *key, double v)
{
    pt_jw_key(w, key);
    pt_jw_num_value(w, v);
}

/* A time as an RFC 3339 string. */
static inline void pt_jw_time(pt_jw *w, const char *key, const pt_time *t)
{
    pt_jw_key(w, key);
    pt_jw_time_value(w, t);
}

#endif
