/*
 * slice.h - a borrowed view of bytes (pointer + length), not NUL-terminated.
 *
 * Memory: a slice never owns its bytes; it points into a buffer owned by
 * whoever filled it (usually the caller's line buffer), and is valid only
 * as long as that buffer is. Thread-safety: plain values, no shared state.
 */
#ifndef POSTFIX_TRACE_SLICE_H
#define POSTFIX_TRACE_SLICE_H

#include <stddef.h>
#include <string.h>

typedef struct pt_slice {
    const char *p;              /* first byte, or NULL when absent */
    size_t n;                   /* number of bytes */
} pt_slice;

/* A slice of a C string literal or NUL-terminated buffer. */
static inline pt_slice pt_slice_cstr(const char *s)
{
    pt_slice r = { s, s ? strlen(s) : 0 };
    return r;
}

/* A slice of n bytes at p. */
static inline pt_slice pt_slice_make(const char *p, size_t n)
{
    pt_slice r = { p, n };
    return r;
}

/* True when the slice holds no bytes (absent or empty). */
static inline int pt_slice_empty(pt_slice s)
{
    return s.n == 0;
}

/* True when the slice is present (possibly empty, e.g. the null sender). */
static inline int pt_slice_present(pt_slice s)
{
    return s.p != NULL;
}

/* True when the slice's bytes equal the NUL-terminated string lit. */
static inline int pt_slice_eq(pt_slice s, const char *lit)
{
    size_t n = strlen(lit);
    return s.n == n && (n == 0 || memcmp(s.p, lit, n) == 0);
}

#endif
