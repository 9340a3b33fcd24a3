/*
 * fuzz_jscan.c - libFuzzer target: arbitrary bytes through the in-place
 * JSON reader (lib/jscan.c) that --summary and the syslog-ng plugin use on
 * records: the root value, every member and element walked to the depth
 * limit, every string unescaped, the plugin's field lookup. Every span
 * must lie inside the input, and an unescaped string must fit its buffer.
 * Built by tests/fuzz/build-and-run.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "postfix-trace/jscan.h"

static const char *lo, *hi;

/* Abort unless v's text lies inside the input. */
static void check(pt_jval v)
{
    if (v.type != PT_J_NONE && v.p != NULL && (v.p < lo || v.p + v.n > hi))
        abort();
}

/* Walk v and everything in it. */
static void walk(pt_jval v, int depth)
{
    char buf[64];
    check(v);
    if (depth > PT_JSCAN_DEPTH + 2)
        abort();                        /* deeper than the reader allows */
    if (v.type == PT_J_STRING) {
        const char *s = pt_jscan_str(v, buf, sizeof buf);
        if (s && strlen(s) >= sizeof buf)
            abort();
    } else if (v.type == PT_J_OBJECT) {
        size_t pos = 0;
        pt_jval k, m;
        while (pt_jscan_member(v, &pos, &k, &m)) {
            check(k);
            walk(m, depth + 1);
        }
    } else if (v.type == PT_J_ARRAY) {
        size_t pos = 0;
        pt_jval e;
        while (pt_jscan_next(v, &pos, &e))
            walk(e, depth + 1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = { "kind", "id", "host", "queue_id", "end", "status" };
    pt_jval out[6];
    char *copy = malloc(size ? size : 1);   /* exactly the input: reads past it are caught */
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    lo = copy;
    hi = copy + size;
    pt_jval root = pt_jscan_root(copy, size);
    walk(root, 0);
    pt_jscan_fields(root, names, 6, out);
    for (int i = 0; i < 6; i++)
        check(out[i]);
    check(pt_jscan_get(root, "recipients"));
    free(copy);
    return 0;
}
