/*
 * jscan.h - look up members of a JSON text in place, without building a
 * tree: --summary reads a few fields of every record, and a json-c tree
 * per record cost twice the whole core (docs/benchmarks.md). A value is a
 * span of the text; objects and arrays are walked member by member.
 * Any text is safe: a malformed or truncated one gives PT_J_NONE values,
 * never a read outside the span; nesting deeper than PT_JSCAN_DEPTH is
 * treated as malformed.
 * Memory: values point into the caller's text. Thread-safety: reentrant.
 */
#ifndef PT_JSCAN_H
#define PT_JSCAN_H

#include <stddef.h>

#define PT_JSCAN_DEPTH 64

typedef enum { PT_J_NONE, PT_J_OBJECT, PT_J_ARRAY, PT_J_STRING, PT_J_NUMBER, PT_J_TRUE,
               PT_J_FALSE, PT_J_NULL } pt_jtype;

typedef struct pt_jval {
    pt_jtype type;
    const char *p;              /* the value's text: a string without its quotes */
    size_t n;
} pt_jval;

/* The whole text as one value (PT_J_NONE when it is not one JSON value). */
pt_jval pt_jscan_root(const char *s, size_t n);

/* The member `key` of an object (PT_J_NONE when absent or not an object). */
pt_jval pt_jscan_get(pt_jval obj, const char *key);

/* Walk an object: *pos starts at 0; 1 with *key (a string: compare its
 * raw text) and *val set, 0 at the end. */
int pt_jscan_member(pt_jval obj, size_t *pos, pt_jval *key, pt_jval *val);

/* Fill out[i] with the member names[i] of an object (PT_J_NONE when
 * absent), in one walk over its members; n at most 32. */
void pt_jscan_fields(pt_jval obj, const char *const *names, size_t n, pt_jval *out);

/* Walk an array: *pos starts at 0; 1 with *elem set, 0 at the end. */
int pt_jscan_next(pt_jval arr, size_t *pos, pt_jval *elem);

/* A string value unescaped into buf (NUL-terminated, cut at size - 1);
 * NULL when v is not a string. */
const char *pt_jscan_str(pt_jval v, char *buf, size_t size);

/* A number value, or def when v is not a number. */
double pt_jscan_num(pt_jval v, double def);

#endif
