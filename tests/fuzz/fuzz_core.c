/*
 * fuzz_core.c - libFuzzer target for the whole core. The first 8 bytes of
 * the input are an option header (see options() below: tiny max_entries,
 * linger, idle_timeout and per-mail caps, include_raw / emit_deferred), the
 * rest a log (lines split at '\n') fed through the header reader and
 * pt_core_feed. Marker lines move every host's clock between lines: "~MS"
 * (MS milliseconds after the latest line time) and "@RFC3339".
 * Invariants that abort: every record and the counters are one valid JSON
 * object without a newline; after the flush no entry is left; and a run
 * that saves its state halfway and continues in a fresh core from the
 * loaded state writes exactly the same records as the straight run. The
 * log bytes are also loaded as a (damaged or hostile) state file.
 * Built by tests/fuzz/build-and-run.
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "postfix-trace/core.h"

#define HDR 8                   /* option header bytes */

typedef struct out {
    char *buf;
    size_t len, cap;
    int mute;                   /* drop records (the stopped core's flush) */
} out;

/* Where a run is: the harness's own latest line time, for quiet ticks. */
typedef struct feeder {
    pt_header_reader *r;
    int64_t latest_usec;
    int have_latest;
} feeder;

/* Print what on stderr, then the text in question (cut at a newline or
 * 800 bytes). */
static void say(const char *what, const char *text, size_t len)
{
    fprintf(stderr, "fuzz_core: %s\n", what);
    const char *nl = text ? memchr(text, '\n', len) : NULL;
    if (nl)
        len = (size_t)(nl - text);
    if (text)
        fprintf(stderr, "  %.*s%s\n", (int)(len > 800 ? 800 : len), text,
                len > 800 ? "..." : "");
}

/* Say why, then abort (the crash libFuzzer reports). */
static void fail(const char *what, const char *text, size_t len)
{
    say(what, text, len);
    abort();
}

/* Abort unless json[0..len) is exactly one JSON object without a newline. */
static void check_json(const char *json, size_t len)
{
    if (memchr(json, '\n', len))
        fail("record with a newline", json, len);
    json_tokener *tok = json_tokener_new();
    json_object *j = json_tokener_parse_ex(tok, json, (int)len);
    if (!j || json_tokener_get_error(tok) != json_tokener_success
        || (size_t)json_tokener_get_parse_end(tok) != len
        || !json_object_is_type(j, json_type_object))
        fail("record is not one JSON object", json, len);
    json_object_put(j);
    json_tokener_free(tok);
}

/* Sink: check the record, append it to the output. */
static void sink(void *ctx, const char *json, size_t len)
{
    out *o = ctx;
    check_json(json, len);
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

/* Header byte b as a number in lo..hi: digits '0'..'9' stand for
 * themselves (values below lo become lo), other bytes wrap around. */
static uint32_t pick(uint8_t b, uint32_t lo, uint32_t hi)
{
    uint32_t v = (uint8_t)(b - '0') % (hi + 1);
    return v < lo ? lo : v;
}

/* A per-mail cap from header byte b: '0' the default, '1'..'4' literal. */
static uint32_t cap(uint8_t b, uint32_t dflt)
{
    uint32_t v = (uint8_t)(b - '0') % 5;
    return v ? v : dflt;
}

/* Options from the 8-byte header h ("21030000": max_entries 2, linger 1 s,
 * idle 0 s, emit_deferred, caps default, max_text 64):
 * [0] max_entries 1..8   [1] linger 0..3 s   [2] idle_timeout 0..3 s
 * [3] flags: 1 include_raw, 2 emit_deferred, 4 a reorder window of 8 lines ('0'..'7')
 * [4] max_recipients  [5] max_events  [6] max_raw_lines: '0' default, 1..4
 * [7] max_text 64 + (h[7] - '0') mod 137, so 64..200 */
static void options(const uint8_t *h, pt_core_options *o)
{
    pt_core_options_default(o);
    o->max_entries = pick(h[0], 1, 8);
    o->linger = pick(h[1], 0, 3);
    o->idle_timeout = pick(h[2], 0, 3);
    o->include_raw = (uint8_t)(h[3] - '0') & 1;
    o->emit_deferred = ((uint8_t)(h[3] - '0') >> 1) & 1;
    o->reorder_window = ((uint8_t)(h[3] - '0') >> 2) & 1 ? 8 : 0;
    o->max_recipients = cap(h[4], o->max_recipients);
    o->max_events = cap(h[5], o->max_events);
    o->max_raw_lines = cap(h[6], o->max_raw_lines);
    o->max_text = 64 + (uint8_t)(h[7] - '0') % 137;
}

/* Handle a marker line ("~MS" or "@RFC3339"); 0 if s is no marker. */
static int marker(pt_core *c, feeder *f, const char *s, size_t n)
{
    pt_time t;
    if (s[0] == '~') {
        int64_t ms = 0;
        for (size_t i = 1; i < n && i < 10 && s[i] >= '0' && s[i] <= '9'; i++)
            ms = ms * 10 + (s[i] - '0');
        if (f->have_latest && ms > 0) {
            int64_t u = f->latest_usec + ms * 1000;
            t = (pt_time){ .sec = u / 1000000, .usec = (int32_t)(u % 1000000), .valid = 1 };
            if (t.usec < 0) {
                t.sec--;
                t.usec += 1000000;
            }
            pt_core_advance_clock(c, pt_slice_make("", 0), &t);
        }
        return 1;
    }
    if (s[0] == '@') {
        if (pt_time_parse_rfc3339(s + 1, n - 1, &t) == 0)
            pt_core_advance_clock(c, pt_slice_make("", 0), &t);
        return 1;
    }
    return 0;
}

/* Feed lines [from, to) of data to core c. */
static void feed(pt_core *c, feeder *f, const char *data, size_t from, size_t to)
{
    size_t start = from;
    for (size_t i = from; i <= to; i++) {
        if (i == to || data[i] == '\n') {
            if (i > start && !marker(c, f, data + start, i - start)) {
                pt_line l;
                if (pt_header_read(f->r, data + start, i - start, &l) == PT_HEADER_OK) {
                    if (l.time.valid) {
                        int64_t u = pt_time_usec(&l.time);
                        if (!f->have_latest || u > f->latest_usec)
                            f->latest_usec = u;
                        f->have_latest = 1;
                    }
                    pt_core_feed(c, &l);
                } else {
                    pt_core_count_malformed(c);
                }
            }
            start = i + 1;
        }
    }
}

/* Abort unless the counters print as one JSON object. */
static void check_stats(pt_core *c)
{
    pt_stats st;
    char buf[4096];
    pt_core_stats(c, &st);
    size_t n = pt_stats_json(&st, buf, sizeof buf);
    if (n >= sizeof buf)
        abort();
    check_json(buf, n);
}

/* The JSON key nearest before offset pos of rec (a hint where records
 * differ), copied into key. */
static void key_before(const char *rec, size_t pos, char *key, size_t size)
{
    snprintf(key, size, "?");
    for (size_t j = pos; j >= 2; j--)
        if (rec[j - 1] == ':' && rec[j - 2] == '"') {
            size_t k = j - 2;
            while (k > 0 && rec[k - 1] != '"')
                k--;
            snprintf(key, size, "%.*s", (int)(j - 2 - k), rec + k);
            return;
        }
}

/* Report where the straight and the split run first differ, then abort. */
static void differ(const out *a, const out *b)
{
    size_t i = 0, line = 0, sa = 0;
    char key[64];
    while (i < a->len && i < b->len && a->buf[i] == b->buf[i])
        if (a->buf[i++] == '\n') {
            line++;
            sa = i;
        }
    key_before(a->buf + sa, i - sa, key, sizeof key);
    fprintf(stderr, "fuzz_core: record %zu differs after save/load halfway,"
            " first at key \"%s\" (byte %zu)\n", line + 1, key, i - sa);
    size_t from = i - sa > 300 ? i - 300 : sa;
    say("straight run, there:", a->buf + from, a->len - from);
    fail("run with save/load, there:", b->buf + from, b->len - from);
}

/* One input: the straight run, then the same with a save/load halfway. */
int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size)
{
    uint8_t h[HDR];
    memset(h, '0', sizeof h);
    memcpy(h, bytes, size < HDR ? size : HDR);
    const char *data = (const char *)bytes + (size < HDR ? size : HDR);
    size = size < HDR ? 0 : size - HDR;
    pt_core_options o;
    options(h, &o);
    size_t mid = size / 2;
    while (mid < size && data[mid] != '\n')
        mid++;
    size_t rest = mid < size ? mid + 1 : size;

    out straight = { 0 }, split = { 0 };
    feeder f1 = { pt_header_reader_new(2026), 0, 0 };
    feeder f2 = { pt_header_reader_new(2026), 0, 0 };
    pt_core *c = pt_core_new(&o, sink, &straight);
    if (!c || !f1.r || !f2.r)
        abort();
    feed(c, &f1, data, 0, mid);
    pt_core_drain(c);                   /* as a stopping daemon does before it saves */
    feed(c, &f1, data, rest, size);
    check_stats(c);
    pt_core_flush(c);
    pt_stats st;
    pt_core_stats(c, &st);
    if (st.cache_entries != 0)
        fail("entries left after pt_core_flush", NULL, 0);
    pt_core_free(c);

    /* the same input with a stop and restart (state file) at a line boundary */
    pt_core *a = pt_core_new(&o, sink, &split);
    feed(a, &f2, data, 0, mid);
    pt_core_drain(a);
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
    if (!b || !f || pt_core_load(b, f) != 0)
        abort();
    fclose(f);
    feed(b, &f2, data, rest, size);
    pt_core_free(b);
    if (straight.len != split.len
        || (straight.len && memcmp(straight.buf, split.buf, straight.len) != 0))
        differ(&straight, &split);
    free(state);
    /* the log bytes as a state file (damaged or hostile): it loads or is
     * refused, and never crashes the loader */
    if (size) {
        pt_core *d = pt_core_new(&o, sink, &split);
        split.mute = 1;
        f = fmemopen((void *)data, size, "r");
        if (!d || !f)
            abort();
        pt_core_load(d, f);
        fclose(f);
        pt_core_free(d);
    }
    free(straight.buf);
    free(split.buf);
    pt_header_reader_free(f1.r);
    pt_header_reader_free(f2.r);
    return 0;
}
