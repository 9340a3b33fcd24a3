/*
 * jsonw.c - the streaming JSON writer of jsonw.h.
 */
#include "jsonw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bytes a JSON string must escape: '"', '\\' and control characters. */
static const unsigned char needs_escape[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    ['"'] = 1, ['\\'] = 1
};

/* Make room for n more bytes; 0 on success. */
int pt_jw_grow(pt_jw *w, size_t n)
{
    if (w->len + n <= w->cap)
        return 0;
    size_t nc = w->cap ? w->cap : 1024;
    while (nc < w->len + n)
        nc *= 2;
    char *nb = realloc(w->buf, nc);
    if (!nb) {
        w->oom = 1;
        return -1;
    }
    w->buf = nb;
    w->cap = nc;
    return 0;
}

/* Append n bytes. */
static void put(pt_jw *w, const char *s, size_t n)
{
    if (pt_jw_room(w, n))
        return;
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

/* Append a JSON-escaped string with its quotes. */
static void put_escaped(pt_jw *w, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    if (pt_jw_room(w, n + 2))
        return;
    w->buf[w->len++] = '"';
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!needs_escape[c])
            continue;
        put(w, s + start, i - start);
        start = i + 1;
        char esc[6] = { '\\', 0, 0, 0, 0, 0 };
        size_t el = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            esc[1] = 'u'; esc[2] = '0'; esc[3] = '0';
            esc[4] = hex[c >> 4]; esc[5] = hex[c & 15];
            el = 6;
        }
        put(w, esc, el);
    }
    put(w, s + start, n - start);
    pt_jw_byte(w, '"');
}

/* Empty the buffer. */
void pt_jw_reset(pt_jw *w)
{
    w->len = 0;
    w->oom = 0;
}

/* Free the buffer. */
void pt_jw_free(pt_jw *w)
{
    free(w->buf);
    memset(w, 0, sizeof *w);
}

/* A string value (NUL-terminated): one pass that finds the end and the
 * bytes to escape; runs without escapes are copied whole. */
void pt_jw_str_value(pt_jw *w, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p && !needs_escape[*p])
        p++;
    if (*p == '\0') {                  /* the common case: nothing to escape */
        size_t n = (size_t)(p - (const unsigned char *)s);
        if (pt_jw_room(w, n + 2))
            return;
        w->buf[w->len++] = '"';
        memcpy(w->buf + w->len, s, n);
        w->len += n;
        w->buf[w->len++] = '"';
        return;
    }
    put_escaped(w, s, strlen(s));
}

/* A string value of n bytes. */
void pt_jw_strn_value(pt_jw *w, const char *s, size_t n)
{
    put_escaped(w, s, n);
}

/* Decimal digits of v (v >= 0) into the end of buf; returns the start. */
static char *utoa_end(uint64_t v, char *end)
{
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return end;
}

/* An integer value. */
void pt_jw_int_value(pt_jw *w, int64_t v)
{
    char buf[24], *end = buf + sizeof buf;
    char *p = utoa_end(v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, end);
    if (v < 0)
        *--p = '-';
    put(w, p, (size_t)(end - p));
}

/* Seconds as "%.10g" writes them, with a fast path for values with at most
 * two decimals below 10^7 (all Postfix writes). */
void pt_jw_num_value(pt_jw *w, double v)
{
    char buf[40];
    size_t n;
    double c = v * 100.0;
    int64_t ci = v >= 0 && v < 1e7 ? (int64_t)(c + 0.5) : -1;
    if (ci >= 0 && (double)ci - c < 1e-6 && c - (double)ci < 1e-6) {
        char *end = buf + sizeof buf, *p = end;
        int64_t ip = ci / 100, fr = ci % 100;
        if (fr) {
            if (fr % 10) {
                *--p = (char)('0' + fr % 10);
                *--p = (char)('0' + fr / 10);
            } else {
                *--p = (char)('0' + fr / 10);
            }
            *--p = '.';
        }
        p = utoa_end((uint64_t)ip, p);
        n = (size_t)(end - p);
        memmove(buf, p, n);
    } else {
        int r = snprintf(buf, sizeof buf, "%.10g", v);
        n = r < 0 ? 0 : (size_t)r;
    }
    put(w, buf, n);
}

/* A time as an RFC 3339 string. */
void pt_jw_time_value(pt_jw *w, const pt_time *t)
{
    if (pt_jw_room(w, 50))
        return;
    w->buf[w->len++] = '"';
    w->len += pt_time_format(t, w->buf + w->len, 48);
    w->buf[w->len++] = '"';
}
