/*
 * header_json.c - one line of `journalctl -o json` into a pt_line (what
 * Debian 12 without rsyslog has: `journalctl -u postfix@- -o json`). Fields
 * used: __REALTIME_TIMESTAMP (microseconds since the epoch; written in the
 * local zone's offset, 6 fraction digits), _HOSTNAME, SYSLOG_IDENTIFIER (else
 * _COMM), SYSLOG_PID (else _PID), MESSAGE (a string, or an array of byte
 * values when it is not UTF-8). A line without a time, a host or a MESSAGE
 * is malformed.
 *
 * Memory: the parsed object stays in the reader (r->last) and the line's
 * slices point into it until the next read; a MESSAGE given as bytes is
 * decoded into r->bytes. Thread-safety: one thread per reader.
 */
#include "header_internal.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Free what the last journal line left in the reader. */
void pt_header_json_release(pt_header_reader *r)
{
    if (r->last)
        json_object_put(r->last);
    r->last = NULL;
    if (r->tok)
        json_tokener_free(r->tok);
    r->tok = NULL;
    free(r->bytes);
    r->bytes = NULL;
    r->bytes_cap = 0;
}

/* The local zone's offset in minutes at Unix time sec (cached per hour). */
int pt_header_local_offset(pt_header_reader *r, int64_t sec)
{
    int64_t hour = sec >= 0 ? sec / 3600 : -((-sec + 3599) / 3600);
    if (hour != r->json_hour) {
        time_t t = (time_t)sec;
        struct tm lt;
        r->json_off_min = localtime_r(&t, &lt) ? (int)(lt.tm_gmtoff / 60) : 0;
        r->json_hour = hour;
    }
    return r->json_off_min;
}

/* A string field of o as a slice; empty (p NULL) when absent or no string. */
static pt_slice str_field(struct json_object *o, const char *key)
{
    struct json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return pt_slice_make(NULL, 0);
    return pt_slice_make(json_object_get_string(v), (size_t)json_object_get_string_len(v));
}

/* MESSAGE as an array of byte values, decoded into r->bytes; -1 if not one. */
static int bytes_field(pt_header_reader *r, struct json_object *a, pt_slice *out)
{
    size_t n = json_object_array_length(a);
    if (n > r->bytes_cap) {
        char *b = realloc(r->bytes, n);
        if (!b)
            return -1;
        r->bytes = b;
        r->bytes_cap = n;
    }
    for (size_t i = 0; i < n; i++) {
        struct json_object *v = json_object_array_get_idx(a, i);
        if (!json_object_is_type(v, json_type_int))
            return -1;
        int64_t b = json_object_get_int64(v);
        if (b < 0 || b > 255)
            return -1;
        r->bytes[i] = (char)b;
    }
    *out = pt_slice_make(r->bytes, n);
    return 0;
}

/* Microseconds since the epoch from a decimal string; -1 if not one. */
static int64_t usec_of(pt_slice s)
{
    int64_t v = 0;
    if (s.n == 0 || s.n > 18)
        return -1;
    for (size_t i = 0; i < s.n; i++) {
        if (s.p[i] < '0' || s.p[i] > '9')
            return -1;
        v = v * 10 + (s.p[i] - '0');
    }
    return v;
}

/* Read a journalctl -o json line (p at its '{') into *out. */
pt_header_result pt_header_read_json(pt_header_reader *r, const char *p, size_t n,
                                     pt_line *out)
{
    if (r->last) {
        json_object_put(r->last);
        r->last = NULL;
    }
    if (!r->tok && !(r->tok = json_tokener_new()))
        return PT_HEADER_MALFORMED;
    json_tokener_reset(r->tok);
    if (n > INT32_MAX)
        return PT_HEADER_MALFORMED;
    struct json_object *o = json_tokener_parse_ex(r->tok, p, (int)n);
    if (!o || json_tokener_get_error(r->tok) != json_tokener_success
        || json_tokener_get_parse_end(r->tok) != n) {
        if (o)
            json_object_put(o);
        return PT_HEADER_MALFORMED;
    }
    r->last = o;
    if (!json_object_is_type(o, json_type_object))
        return PT_HEADER_MALFORMED;
    int64_t us = usec_of(str_field(o, "__REALTIME_TIMESTAMP"));
    pt_slice host = str_field(o, "_HOSTNAME");
    struct json_object *m;
    if (us < 0 || host.n == 0 || !json_object_object_get_ex(o, "MESSAGE", &m))
        return PT_HEADER_MALFORMED;
    if (json_object_is_type(m, json_type_string))
        out->msg = pt_slice_make(json_object_get_string(m),
                                 (size_t)json_object_get_string_len(m));
    else if (!json_object_is_type(m, json_type_array) || bytes_field(r, m, &out->msg))
        return PT_HEADER_MALFORMED;
    out->time.sec = us / 1000000;
    out->time.usec = (int32_t)(us % 1000000);
    out->time.frac_digits = 6;
    out->time.utc_off_min = (int16_t)pt_header_local_offset(r, out->time.sec);
    out->time.valid = 1;
    out->host = host;
    out->program = str_field(o, "SYSLOG_IDENTIFIER");
    if (out->program.n == 0)
        out->program = str_field(o, "_COMM");
    out->pid = str_field(o, "SYSLOG_PID");
    if (out->pid.n == 0)
        out->pid = str_field(o, "_PID");
    if (!out->program.p)
        out->program = pt_slice_make("", 0);
    if (!out->pid.p)
        out->pid = pt_slice_make("", 0);
    return PT_HEADER_OK;
}
