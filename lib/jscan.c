/*
 * jscan.c - JSON values as spans of their text (jscan.h): skip a value
 * (strings with escapes, nested containers by depth), find an object's
 * member, step through an array, unescape a string. Every step checks the
 * span's end; what is not valid JSON ends the walk.
 * Memory: nothing allocated. Thread-safety: reentrant.
 */
#include "postfix-trace/jscan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const pt_jval none = { PT_J_NONE, NULL, 0 };

/* Skip white space from i. */
static size_t ws(const char *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
        i++;
    return i;
}

/* The end of a string whose opening quote is at i (past the closing
 * quote), or 0 when it does not close. */
static size_t string_end(const char *s, size_t n, size_t i)
{
    for (i++; i < n;) {
        const char *q = memchr(s + i, '"', n - i);
        if (!q)
            return 0;
        size_t at = (size_t)(q - s), bs = 0;
        while (at - bs > i && s[at - bs - 1] == '\\')
            bs++;
        if (bs % 2 == 0)
            return at + 1;
        i = at + 1;                             /* an escaped quote */
    }
    return 0;
}

/* The characters a container skip stops at. */
static int special(unsigned char c)
{
    return c == '"' || c == '{' || c == '}' || c == '[' || c == ']';
}

/* Read the value at i into *v; the index past it, or 0 when malformed. */
static size_t value_at(const char *s, size_t n, size_t i, pt_jval *v)
{
    i = ws(s, n, i);
    if (i >= n)
        return 0;
    size_t start = i;
    if (s[i] == '"') {
        size_t e = string_end(s, n, i);
        if (!e)
            return 0;
        *v = (pt_jval){ PT_J_STRING, s + i + 1, e - i - 2 };
        return e;
    }
    if (s[i] == '{' || s[i] == '[') {           /* skip by depth, strings aware */
        char stack[PT_JSCAN_DEPTH];
        int depth = 0;
        for (; i < n; i++) {
            while (i < n && !special((unsigned char)s[i]))
                i++;
            if (i >= n)
                break;
            char c = s[i];
            if (c == '"') {
                size_t e = string_end(s, n, i);
                if (!e)
                    return 0;
                i = e - 1;
            } else if (c == '{' || c == '[') {
                if (depth == PT_JSCAN_DEPTH)
                    return 0;
                stack[depth++] = c == '{' ? '}' : ']';
            } else if (c == '}' || c == ']') {
                if (depth == 0 || stack[--depth] != c)
                    return 0;
                if (depth == 0) {
                    *v = (pt_jval){ s[start] == '{' ? PT_J_OBJECT : PT_J_ARRAY, s + start, i + 1 - start };
                    return i + 1;
                }
            }
        }
        return 0;
    }
    static const struct { const char *w; pt_jtype t; } lits[] = {
        { "true", PT_J_TRUE }, { "false", PT_J_FALSE }, { "null", PT_J_NULL }
    };
    for (size_t k = 0; k < 3; k++) {
        size_t l = strlen(lits[k].w);
        if (n - i >= l && !memcmp(s + i, lits[k].w, l)) {
            *v = (pt_jval){ lits[k].t, s + i, l };
            return i + l;
        }
    }
    while (i < n && (s[i] == '-' || s[i] == '+' || s[i] == '.' || s[i] == 'e' || s[i] == 'E'
                     || (s[i] >= '0' && s[i] <= '9')))
        i++;
    if (i == start)
        return 0;
    *v = (pt_jval){ PT_J_NUMBER, s + start, i - start };
    return i;
}

/* The whole text as one value: an object or array is taken by its
 * brackets (what is inside is checked as it is walked), anything else
 * read whole. */
pt_jval pt_jscan_root(const char *s, size_t n)
{
    pt_jval v;
    size_t a = ws(s, n, 0), b = n;
    while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t' || s[b - 1] == '\n' || s[b - 1] == '\r'))
        b--;
    if (b - a >= 2 && ((s[a] == '{' && s[b - 1] == '}') || (s[a] == '[' && s[b - 1] == ']')))
        return (pt_jval){ s[a] == '{' ? PT_J_OBJECT : PT_J_ARRAY, s + a, b - a };
    size_t e = value_at(s, n, 0, &v);
    return e && ws(s, n, e) == n ? v : none;
}

/* Step to the next member or element of a container (span c) from *pos:
 * 1 with key (objects) and value set, 0 at the end or on bad text. */
static int step(pt_jval c, size_t *pos, pt_jval *key, pt_jval *val)
{
    const char *s = c.p;
    size_t n = c.n - 1, i = *pos ? *pos : 1;          /* inside the brackets */
    i = ws(s, n, i);
    if (*pos) {                                       /* after a value: ',' or the end */
        if (i >= n || s[i] != ',')
            return 0;
        i++;
    } else if (ws(s, n, i) == n) {
        return 0;                                     /* empty */
    }
    if (c.type == PT_J_OBJECT) {
        i = value_at(s, n, i, key);
        if (!i || key->type != PT_J_STRING)
            return 0;
        i = ws(s, n, i);
        if (i >= n || s[i] != ':')
            return 0;
        i++;
    }
    i = value_at(s, n, i, val);
    if (!i)
        return 0;
    *pos = i;
    return 1;
}

/* The member `key` of an object. */
pt_jval pt_jscan_get(pt_jval obj, const char *key)
{
    pt_jval k, v;
    size_t pos = 0, kn = strlen(key);
    if (obj.type != PT_J_OBJECT)
        return none;
    while (step(obj, &pos, &k, &v))
        if (k.n == kn && !memcmp(k.p, key, kn))
            return v;
    return none;
}

/* Walk an object. */
int pt_jscan_member(pt_jval obj, size_t *pos, pt_jval *key, pt_jval *val)
{
    return obj.type == PT_J_OBJECT && step(obj, pos, key, val);
}

/* Fill several members (up to 32) in one walk. */
void pt_jscan_fields(pt_jval obj, const char *const *names, size_t n, pt_jval *out)
{
    pt_jval k, v;
    size_t pos = 0, len[32];
    for (size_t i = 0; i < n; i++) {
        out[i] = none;
        len[i] = i < 32 ? strlen(names[i]) : 0;
    }
    while (pt_jscan_member(obj, &pos, &k, &v))
        for (size_t i = 0; i < n && i < 32; i++)
            if (len[i] == k.n && out[i].type == PT_J_NONE && !memcmp(names[i], k.p, k.n)) {
                out[i] = v;
                break;
            }
}

/* Walk an array. */
int pt_jscan_next(pt_jval arr, size_t *pos, pt_jval *elem)
{
    pt_jval unused;
    return arr.type == PT_J_ARRAY && step(arr, pos, &unused, elem);
}

/* Four hex digits, or -1. */
static long hex4(const char *p, size_t left)
{
    if (left < 4)
        return -1;
    char h[5] = { p[0], p[1], p[2], p[3], 0 }, *e;
    long v = strtol(h, &e, 16);
    return *e || h[0] == '-' || h[0] == '+' || h[0] == ' ' ? -1 : v;
}

/* Put code point c into buf as UTF-8; bytes written (0 when no room). */
static size_t put_utf8(unsigned long c, char *buf, size_t room)
{
    size_t n = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    if (n > room)
        return 0;
    if (n == 1) {
        buf[0] = (char)c;
        return 1;
    }
    for (size_t k = n - 1; k > 0; k--, c >>= 6)
        buf[k] = (char)(0x80 | (c & 0x3f));
    buf[0] = (char)((n == 2 ? 0xc0 : n == 3 ? 0xe0 : 0xf0) | c);
    return n;
}

/* A string unescaped into buf. */
const char *pt_jscan_str(pt_jval v, char *buf, size_t size)
{
    if (v.type != PT_J_STRING || size == 0)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < v.n && o + 1 < size; i++) {
        char c = v.p[i];
        if (c != '\\' || i + 1 >= v.n) {
            buf[o++] = c;
            continue;
        }
        c = v.p[++i];
        const char *plain = strchr("\"\\/bfnrt", c);
        if (plain && c) {
            buf[o++] = "\"\\/\b\f\n\r\t"[plain - "\"\\/bfnrt"];
            continue;
        }
        long u = c == 'u' ? hex4(v.p + i + 1, v.n - i - 1) : -1;
        if (u < 0)
            break;
        i += 4;
        unsigned long cp = (unsigned long)u;
        long lo = u >= 0xd800 && u < 0xdc00 && i + 2 < v.n && v.p[i + 1] == '\\' && v.p[i + 2] == 'u'
                  ? hex4(v.p + i + 3, v.n - i - 3) : -1;
        if (lo >= 0xdc00 && lo < 0xe000) {
            cp = 0x10000 + (((unsigned long)u - 0xd800) << 10) + ((unsigned long)lo - 0xdc00);
            i += 6;
        } else if (u >= 0xd800 && u < 0xe000) {
            cp = 0xfffd;                                /* a lone surrogate */
        }
        size_t w = put_utf8(cp, buf + o, size - 1 - o);
        if (!w)
            break;
        o += w;
    }
    buf[o] = 0;
    return buf;
}

/* A number value, or def. */
double pt_jscan_num(pt_jval v, double def)
{
    char tmp[64], *end;
    if (v.type != PT_J_NUMBER || v.n >= sizeof tmp)
        return def;
    memcpy(tmp, v.p, v.n);
    tmp[v.n] = 0;
    double d = strtod(tmp, &end);
    return *end ? def : d;
}
