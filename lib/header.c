/*
 * header.c - read the syslog header of a text line into a pt_line: the
 * time (RFC 3164 "Nov  3 12:00:01", postlogd's "Nov 03 12:00:01", RFC 3339
 * "2026-11-23T03:33:57.419400+00:00"), an optional "<PRI>", the host and
 * the tag "program[pid]:". Year-less times get a year: fixed, or inferred
 * from the wall clock (previous year when more than a day in the future),
 * moving on a year when the log goes from December to January.
 *
 * Memory: the reader owns only itself; pt_line slices point into the
 * caller's buffer. Thread-safety: one thread per reader.
 */
#include "postfix-trace/line.h"
#include "time_internal.h"

#include <stdlib.h>
#include <time.h>

struct pt_header_reader {
    int fixed_year;             /* from the caller, 0 = infer */
    int64_t year;               /* year of the last year-less line, 0 = none yet */
    int last_mon;               /* month of the last year-less line */
    pt_tz_cache tz;
};

/* Make a reader (year 0: infer). */
pt_header_reader *pt_header_reader_new(int year)
{
    pt_header_reader *r = calloc(1, sizeof *r);
    if (r)
        r->fixed_year = year;
    return r;
}

/* Free a reader. */
void pt_header_reader_free(pt_header_reader *r)
{
    free(r);
}

/* Month number 1-12 of a three-letter English abbreviation, 0 if none. */
static int month_number(const char *s)
{
    static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    for (int i = 0; i < 12; i++)
        if (s[0] == names[3 * i] && s[1] == names[3 * i + 1]
            && s[2] == names[3 * i + 2])
            return i + 1;
    return 0;
}

/* The year a year-less date would get from the wall clock right now. */
static int64_t year_from_wall_clock(int mon, int day, pt_tz_cache *tz)
{
    time_t now = time(NULL);
    struct tm lt;
    localtime_r(&now, &lt);
    int64_t y = lt.tm_year + 1900;
    pt_time t;
    pt_time_from_local(tz, y, mon, day, 0, 0, 0, &t);
    if (t.sec > (int64_t)now + 86400)
        y--;
    return y;
}

/* Local time of a year-less date, with the reader's year inference. */
void pt_header_local_time(pt_header_reader *r, int mon, int day, int hh,
                          int mm, int ss, pt_time *t)
{
    int64_t y;
    if (r->year == 0) {
        r->year = r->fixed_year ? r->fixed_year
                                : year_from_wall_clock(mon, day, &r->tz);
        r->last_mon = mon;
    }
    if (r->last_mon == 12 && mon == 1) {
        r->year++;
        r->last_mon = mon;
    } else if (r->last_mon == 1 && mon == 12) {
        /* a late December line just after New Year: last year, no change */
        pt_time_from_local(&r->tz, r->year - 1, mon, day, hh, mm, ss, t);
        return;
    } else {
        r->last_mon = mon;
    }
    y = r->year;
    pt_time_from_local(&r->tz, y, mon, day, hh, mm, ss, t);
}

/* Is c an ASCII digit? */
static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Read "Mmm dD HH:MM:SS" at p (15 bytes); 0 on success. */
static int read_bsd_time(pt_header_reader *r, const char *p, pt_time *t)
{
    int mon = month_number(p);
    if (!mon || p[3] != ' ')
        return -1;
    int day;
    if (p[4] == ' ' && is_digit(p[5]))
        day = p[5] - '0';
    else if (is_digit(p[4]) && is_digit(p[5]))
        day = (p[4] - '0') * 10 + (p[5] - '0');
    else
        return -1;
    if (p[6] != ' ' || !is_digit(p[7]) || !is_digit(p[8]) || p[9] != ':'
        || !is_digit(p[10]) || !is_digit(p[11]) || p[12] != ':'
        || !is_digit(p[13]) || !is_digit(p[14]))
        return -1;
    int hh = (p[7] - '0') * 10 + (p[8] - '0');
    int mm = (p[10] - '0') * 10 + (p[11] - '0');
    int ss = (p[13] - '0') * 10 + (p[14] - '0');
    if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60)
        return -1;
    pt_header_local_time(r, mon, day, hh, mm, ss, t);
    return 0;
}

/* Parse one text line's header; slices point into buf. */
pt_header_result pt_header_read(pt_header_reader *r, const char *buf,
                                size_t n, pt_line *out)
{
    const char *p = buf, *end = buf + n;
    memset(out, 0, sizeof *out);
    out->raw = pt_slice_make(buf, n);
    if (p < end && *p == '<') {                     /* optional <PRI> */
        const char *q = p + 1;
        while (q < end && q - p <= 4 && is_digit(*q))
            q++;
        if (q < end && *q == '>' && q > p + 1)
            p = q + 1;
    }
    if (end - p >= 20 && is_digit(p[0]) && p[4] == '-') {
        const char *sp = memchr(p, ' ', (size_t)(end - p));
        if (!sp || pt_time_parse_rfc3339(p, (size_t)(sp - p), &out->time))
            return PT_HEADER_MALFORMED;
        p = sp + 1;
    } else if (end - p >= 16 && p[15] == ' ') {
        if (read_bsd_time(r, p, &out->time))
            return PT_HEADER_MALFORMED;
        p += 16;
    } else {
        return PT_HEADER_MALFORMED;
    }
    while (p < end && *p == ' ')
        p++;
    const char *h = p;
    while (p < end && *p != ' ')
        p++;
    if (p == h || p == end)
        return PT_HEADER_MALFORMED;
    out->host = pt_slice_make(h, (size_t)(p - h));
    p++;
    /* tag: program[pid]: or program: ; anything else is a tag-less message */
    const char *tag = p;
    while (p < end && *p != '[' && *p != ':' && *p != ' ')
        p++;
    if (p < end && p > tag && (*p == '[' || *p == ':')) {
        const char *prog_end = p;
        pt_slice pid = { NULL, 0 };
        int ok = 1;
        if (*p == '[') {
            const char *ps = ++p;
            while (p < end && is_digit(*p))
                p++;
            if (p < end && *p == ']') {
                pid = pt_slice_make(ps, (size_t)(p - ps));
                p++;
            } else {
                ok = 0;
            }
        }
        if (ok && p < end && *p == ':') {
            out->program = pt_slice_make(tag, (size_t)(prog_end - tag));
            out->pid = pid;
            p++;
            if (p < end && *p == ' ')
                p++;
            out->msg = pt_slice_make(p, (size_t)(end - p));
            return PT_HEADER_OK;
        }
    }
    out->program = pt_slice_make(tag, 0);
    out->msg = pt_slice_make(tag, (size_t)(end - tag));
    return PT_HEADER_OK;
}
