/*
 * fuzz_core.c - libFuzzer target for the whole core: the input is a log
 * (lines split at '\n') fed through the header reader and pt_core_feed with
 * a tiny cache (so eviction, linger and reuse paths run). Invariants that
 * abort: every record is one valid JSON object without a newline; after
 * the flush no entry is left; and a run that saves its state halfway and
 * continues in a fresh core from the loaded state writes exactly the same
 * records as the straight run. Built by tests/fuzz/build-and-run.
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "postfix-trace/core.h"

typedef struct out {
    char *buf;
    size_t len, cap;
    int mute;                   /* drop records (the stopped core's flush) */
} out;

/* Sink: check the record, append it to the output. */
static void sink(void *ctx, const char *json, size_t len)
{
    out *o = ctx;
    if (memchr(json, '\n', len))
        abort();
    json_tokener *tok = json_tokener_new();
    json_object *j = json_tokener_parse_ex(tok, json, (int)len);
    if (!j || json_tokener_get_error(tok) != json_tokener_success
        || (size_t)json_tokener_get_parse_end(tok) != len
        || !json_object_is_type(j, json_type_object))
        abort();
    json_object_put(j);
    json_tokener_free(tok);
    if (o->mute)
        return;
    if (o->len + len + 1 > o->cap) {
        o->cap = (o->len + len + 1) * 2;
        o->buf = realloc(o->buf, o->cap);
        if (!o->buf)
            abort();
    }
    memcpy(o->buf + o->len, json, len);
    o->len += len;
    o->buf[o->len++] = '\n';
}

/* Feed lines [from, to) of data to core c. */
static void feed(pt_core *c, pt_header_reader *r, const char *data, size_t size,
                 size_t from, size_t to)
{
    size_t start = from;
    for (size_t i = from; i <= to; i++) {
        if (i == to || data[i] == '\n') {
            if (i > start) {
                pt_line l;
                if (pt_header_read(r, data + start, i - start, &l) == PT_HEADER_OK)
                    pt_core_feed(c, &l);
                else
                    pt_core_count_malformed(c);
            }
            start = i + 1;
        }
    }
    (void)size;
}

int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size)
{
    const char *data = (const char *)bytes;
    pt_core_options o;
    pt_core_options_default(&o);
    o.max_entries = 8;
    o.include_raw = size & 1;
    o.emit_deferred = (size >> 1) & 1;
    size_t mid = size / 2;
    while (mid < size && data[mid] != '\n')
        mid++;

    out straight = { 0 }, split = { 0 };
    pt_header_reader *r1 = pt_header_reader_new(2026), *r2 = pt_header_reader_new(2026);
    pt_core *c = pt_core_new(&o, sink, &straight);
    feed(c, r1, data, size, 0, size);
    pt_core_flush(c);
    pt_stats st;
    pt_core_stats(c, &st);
    if (st.cache_entries != 0)
        abort();
    pt_core_free(c);

    /* the same input with a stop and restart (state file) at a line boundary */
    pt_core *a = pt_core_new(&o, sink, &split);
    feed(a, r2, data, size, 0, mid);
    char *state = NULL;
    size_t state_len = 0;
    FILE *f = open_memstream(&state, &state_len);
    if (!f || pt_core_save(a, f) != 0)
        abort();
    fclose(f);
    split.mute = 1;
    pt_core_free(a);
    split.mute = 0;
    pt_core *b = pt_core_new(&o, sink, &split);
    f = fmemopen(state, state_len, "r");
    if (!f || pt_core_load(b, f) != 0)
        abort();
    fclose(f);
    feed(b, r2, data, size, mid < size ? mid + 1 : size, size);
    pt_core_free(b);
    if (straight.len != split.len
        || (straight.len && memcmp(straight.buf, split.buf, straight.len) != 0))
        abort();
    free(state);
    free(straight.buf);
    free(split.buf);
    pt_header_reader_free(r1);
    pt_header_reader_free(r2);
    return 0;
}
