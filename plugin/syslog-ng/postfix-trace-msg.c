/*
 * postfix-trace-msg.c - syslog-ng messages to and from postfix-trace (see
 * postfix-trace-msg.h). No state beyond the name-value handles.
 */
#include "postfix-trace-msg.h"

#include "postfix-trace/jscan.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

static NVHandle h_rawmsg, h_kind, h_id, h_host, h_queue_id, h_end, h_status;

/* Look up the name-value handles once, at module load. */
void
pt_sng_msg_global_init(void)
{
    h_rawmsg = log_msg_get_value_handle("RAWMSG");
    h_kind = log_msg_get_value_handle(".postfix.kind");
    h_id = log_msg_get_value_handle(".postfix.id");
    h_host = log_msg_get_value_handle(".postfix.host");
    h_queue_id = log_msg_get_value_handle(".postfix.queue_id");
    h_end = log_msg_get_value_handle(".postfix.end");
    h_status = log_msg_get_value_handle(".postfix.status");
}

/* RAWMSG without a leading <PRI>. */
static const char *
skip_pri(const char *p, gssize *n)
{
    if (*n > 0 && p[0] == '<') {
        gssize i = 1;
        while (i < *n && i <= 4 && p[i] >= '0' && p[i] <= '9')
            i++;
        if (i < *n && p[i] == '>' && i > 1) {
            *n -= i + 1;
            return p + i + 1;
        }
    }
    return p;
}

/* Fraction digits of an RFC 3339 stamp at the start of p, -1 when p does not
 * start with one (a BSD stamp), so the record shows the input's precision. */
static int
rfc3339_frac_digits(const char *p, gssize n)
{
    gssize i;
    if (n < 20 || p[4] != '-' || p[0] < '0' || p[0] > '9')
        return -1;
    for (i = 0; i < n && p[i] != ' '; i++) {
        if (p[i] == '.' && i >= 19) {
            int d = 0;
            i++;
            while (i < n && p[i] >= '0' && p[i] <= '9') {
                d++;
                i++;
            }
            return d > 6 ? 6 : d;
        }
    }
    return 0;
}

/* The stamp of m as a pt_time (offset and usec as syslog-ng parsed them).
 * syslog-ng gives a year-less RFC 3164 time the current year; like the
 * command (SCHEMA.md) take the previous year when it lies more than a day in
 * the future. */
static void
msg_time(LogMessage *m, const char *raw, gssize rawlen, pt_time *t)
{
    const UnixTime *ut = &m->timestamps[LM_TS_STAMP];
    int off = ut->ut_gmtoff;
    int digits = raw ? rfc3339_frac_digits(raw, rawlen) : -1;

    if (off == -1) {
        struct tm lt;
        time_t s = (time_t) ut->ut_sec;
        localtime_r(&s, &lt);
        off = (int) lt.tm_gmtoff;
    }
    t->sec = ut->ut_sec;
    t->usec = (int32_t) ut->ut_usec;
    t->utc_off_min = (int16_t) (off / 60);
    t->valid = 1;
    if (digits >= 0) {
        static const int32_t scale[7] = { 1000000, 100000, 10000, 1000, 100, 10, 1 };
        t->frac_digits = (int8_t) digits;
        t->usec = t->usec / scale[digits] * scale[digits];
    } else {
        t->frac_digits = t->usec ? 6 : 0;
    }
    if (digits < 0 && t->sec > (int64_t) time(NULL) + 86400) {
        /* year-less (or unknown) stamp in the future: last year */
        struct tm f;
        time_t local = (time_t) (t->sec + off);
        gmtime_r(&local, &f);
        f.tm_year--;
        t->sec = (int64_t) timegm(&f) - off;
    }
}

/* include-raw without RAWMSG: the line as syslog-ng's default file template
 * would write it (BSD stamp in the message's own offset). */
static size_t
rebuild_raw(const pt_line *l, char *buf, size_t size)
{
    static const char mon[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    struct tm f;
    time_t local = (time_t) (l->time.sec + l->time.utc_off_min * 60);
    int n;
    gmtime_r(&local, &f);
    if (l->program.n)
        n = snprintf(buf, size, "%.3s %2d %02d:%02d:%02d %.*s %.*s%s%.*s%s: %.*s",
                     mon + 3 * f.tm_mon, f.tm_mday, f.tm_hour, f.tm_min, f.tm_sec,
                     (int) l->host.n, l->host.p, (int) l->program.n, l->program.p,
                     l->pid.n ? "[" : "", (int) l->pid.n, l->pid.p, l->pid.n ? "]" : "",
                     (int) l->msg.n, l->msg.p);
    else
        n = snprintf(buf, size, "%.3s %2d %02d:%02d:%02d %.*s %.*s",
                     mon + 3 * f.tm_mon, f.tm_mday, f.tm_hour, f.tm_min, f.tm_sec,
                     (int) l->host.n, l->host.p, (int) l->msg.n, l->msg.p);
    if (n < 0)
        return 0;
    return (size_t) n < size ? (size_t) n : size - 1;
}


void
pt_sng_msg_to_line(LogMessage *m, const gchar *input, gsize input_len, gboolean include_raw,
                   pt_line *l, gchar **rawbuf)
{
    gssize n, rawlen = 0;
    const char *raw, *p;

    memset(l, 0, sizeof *l);
    *rawbuf = NULL;
    raw = log_msg_get_value(m, h_rawmsg, &rawlen);
    raw = (raw && rawlen > 0) ? skip_pri(raw, &rawlen) : NULL;
    if (raw && rawlen >= 2 && raw[0] == '1' && raw[1] == ' ') {
        raw += 2;               /* RFC 5424: VERSION, then the stamp */
        rawlen -= 2;
    }
    msg_time(m, raw, rawlen, &l->time);
    p = log_msg_get_value(m, LM_V_HOST, &n);
    l->host = pt_slice_make(p, (size_t) n);
    p = log_msg_get_value(m, LM_V_PROGRAM, &n);
    l->program = pt_slice_make(p, (size_t) n);
    p = log_msg_get_value(m, LM_V_PID, &n);
    if (n == 1 && p[0] == '-')
        n = 0;                  /* RFC 5424 nil PROCID */
    l->pid = pt_slice_make(p, (size_t) n);
    l->msg = pt_slice_make(input, input_len);
    if (!include_raw)
        return;
    if (raw) {
        l->raw = pt_slice_make(raw, (size_t) rawlen);
    } else {
        size_t size = l->host.n + l->program.n + l->pid.n + l->msg.n + 64;
        *rawbuf = g_malloc(size);
        l->raw = pt_slice_make(*rawbuf, rebuild_raw(l, *rawbuf, size));
    }
}

/* A string value of a record as a name-value pair (unescaped when it has
 * an escape; our records' top-level strings rarely do). */
static void
set_field(LogMessage *m, NVHandle h, pt_jval v)
{
    char buf[1024];
    if (v.type != PT_J_STRING)
        return;
    if (!memchr(v.p, '\\', v.n))
        log_msg_set_value(m, h, v.p, (gssize) v.n);
    else if (v.n < sizeof buf && pt_jscan_str(v, buf, sizeof buf))
        log_msg_set_value(m, h, buf, -1);
}

/* The record's fields lifted into name-value pairs, read in place from
 * its text (a json-c tree per record cost twice the whole core:
 * docs/benchmarks.md). */
LogMessage *
pt_sng_record_msg(const gchar *json, gsize len)
{
    static const char *const names[] = { "kind", "id", "host", "queue_id", "end", "status" };
    pt_jval v[6];
    LogMessage *m = log_msg_new_local();

    log_msg_set_value(m, LM_V_MESSAGE, json, (gssize) len);
    log_msg_set_value(m, LM_V_PROGRAM, "postfix-trace", -1);
    log_msg_set_value(m, LM_V_PID, "", 0);
    pt_jscan_fields(pt_jscan_root(json, len), names, 6, v);
    set_field(m, h_kind, v[0]);
    set_field(m, h_id, v[1]);
    set_field(m, h_host, v[2]);
    set_field(m, h_queue_id, v[3]);
    set_field(m, h_end, v[4]);
    set_field(m, h_status, v[5]);
    set_field(m, LM_V_HOST, v[2]);
    return m;
}
