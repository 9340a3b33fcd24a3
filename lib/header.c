/*
 * header.c - read the header of a text log line into a pt_line: an optional
 * "<PRI>", the time, the host and the tag "program[pid]:". Times: RFC 3164
 * ("Nov  3 12:00:01", postlogd's "Nov 03", "Nov 3" after log shipping, with
 * journalctl -o short-precise's ".123456"), RFC 3339 ("2026-11-23T03:33:57
 * .419400+00:00", journalctl -o short-iso's "+0000"), journalctl -o
 * short-full ("Tue 2026-11-03 10:00:00 UTC") and -o short-unix. Also RFC 5424
 * lines ("<PRI>1 TIME HOST APP PROCID MSGID SD MSG"), a container runtime's
 * "TIME stdout F " prefix before any of these, journalctl's "-- ... --"
 * notes (skipped) and -o json lines (header_json.c). Anything else is
 * malformed: no field is guessed. Year-less times get a year: fixed, or
 * inferred from the wall clock (previous year when more than a day in the
 * future), moving on a year when the log goes from December to January.
 *
 * Memory: the reader owns itself and what header_json.c keeps; pt_line
 * slices point into the caller's buffer (or, for a journal line, into the
 * reader until the next read). Thread-safety: one thread per reader.
 */
#include "header_internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Make a reader (year 0: infer). */
pt_header_reader *pt_header_reader_new(int year)
{
    pt_header_reader *r = calloc(1, sizeof *r);
    if (r) {
        r->fixed_year = year;
        r->json_hour = -1;
    }
    return r;
}

/* Free a reader. */
void pt_header_reader_free(pt_header_reader *r)
{
    if (!r)
        return;
    pt_header_json_release(r);
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

/* Two digits at p as a number, -1 if not digits. */
static int two(const char *p)
{
    return is_digit(p[0]) && is_digit(p[1]) ? (p[0] - '0') * 10 + (p[1] - '0') : -1;
}

/* Read ".f{1,9}" at *pp (before e) into t's fraction; 0, or -1 if "." has
 * no digit. Nothing there is fine. */
static int read_fraction(const char **pp, const char *e, pt_time *t)
{
    const char *p = *pp;
    if (p >= e || *p != '.')
        return 0;
    p++;
    int32_t usec = 0;
    int fd = 0;
    while (p < e && is_digit(*p)) {
        if (fd < 6) {
            usec = usec * 10 + (*p - '0');
            fd++;
        }
        p++;
        if (p - *pp > 10)
            return -1;
    }
    if (fd == 0)
        return -1;
    for (int k = fd; k < 6; k++)
        usec *= 10;
    t->usec = usec;
    t->frac_digits = (int8_t)fd;
    *pp = p;
    return 0;
}

/* Read "Mmm dD HH:MM:SS" (day "dd", " d" or "d") with an optional fraction
 * at *pp; 0 on success with *pp after it. */
static int read_bsd_time(pt_header_reader *r, const char **pp, const char *e, pt_time *t)
{
    const char *p = *pp;
    if (e - p < 14)
        return -1;
    int mon = month_number(p);
    if (!mon || p[3] != ' ')
        return -1;
    p += 4;
    int day;
    if (p[0] == ' ' && is_digit(p[1]) && p[2] == ' ') {         /* "Nov  3" */
        day = p[1] - '0';
        p += 3;
    } else if (is_digit(p[0]) && p[1] == ' ') {                  /* "Nov 3" */
        day = p[0] - '0';
        p += 2;
    } else if ((day = two(p)) >= 0 && p[2] == ' ') {             /* "Nov 03" */
        p += 3;
    } else {
        return -1;
    }
    if (e - p < 8 || p[2] != ':' || p[5] != ':')
        return -1;
    int hh = two(p), mm = two(p + 3), ss = two(p + 6);
    if (day < 1 || day > 31 || hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60)
        return -1;
    p += 8;
    pt_header_local_time(r, mon, day, hh, mm, ss, t);
    if (read_fraction(&p, e, t))
        return -1;
    *pp = p;
    return 0;
}

/* journalctl -o short-full: "Www YYYY-MM-DD HH:MM:SS[.f] ZONE" at *pp, local
 * time (TZ), or UTC for the zone names UTC, GMT, UCT and Z. */
static int read_full_time(pt_header_reader *r, const char **pp, const char *e, pt_time *t)
{
    const char *p = *pp + 4;
    if (e - p < 20 || p[4] != '-' || p[7] != '-' || p[10] != ' ' || p[13] != ':'
        || p[16] != ':')
        return -1;
    int y = two(p) * 100 + two(p + 2), mo = two(p + 5), d = two(p + 8);
    int hh = two(p + 11), mi = two(p + 14), ss = two(p + 17);
    if (two(p) < 0 || two(p + 2) < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || hh < 0
        || hh > 23 || mi < 0 || mi > 59 || ss < 0 || ss > 60)
        return -1;
    p += 19;
    pt_time frac = { 0 };
    if (read_fraction(&p, e, &frac) || p >= e || *p != ' ')
        return -1;
    const char *z = ++p;
    while (p < e && *p != ' ')
        p++;
    size_t zn = (size_t)(p - z);
    if (zn == 0 || zn > 8)
        return -1;
    if ((zn == 3 && (!memcmp(z, "UTC", 3) || !memcmp(z, "GMT", 3) || !memcmp(z, "UCT", 3)))
        || (zn == 1 && *z == 'Z')) {
        t->sec = pt_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + hh * 3600
                 + mi * 60 + ss;
        t->utc_off_min = 0;
        t->valid = 1;
    } else {
        pt_time_from_local(&r->tz, y, mo, d, hh, mi, ss, t);
    }
    t->usec = frac.usec;
    t->frac_digits = frac.frac_digits;
    *pp = p;
    return 0;
}

/* journalctl -o short-unix: "SECONDS.FRACTION" at *pp, in TZ's offset. */
static int read_unix_time(pt_header_reader *r, const char **pp, const char *e, pt_time *t)
{
    const char *p = *pp;
    int64_t sec = 0;
    while (p < e && is_digit(*p) && p - *pp < 12)
        sec = sec * 10 + (*p++ - '0');
    if (p == *pp || p >= e || *p != '.')
        return -1;
    if (read_fraction(&p, e, t) || p >= e || *p != ' ')
        return -1;
    t->sec = sec;
    t->utc_off_min = (int16_t)pt_header_local_offset(r, sec);
    t->valid = 1;
    *pp = p;
    return 0;
}

/* The next space-separated token at *pp; empty at the end. */
static pt_slice token(const char **pp, const char *e)
{
    const char *p = *pp, *s = p;
    while (p < e && *p != ' ')
        p++;
    *pp = p < e ? p + 1 : p;
    return pt_slice_make(s, (size_t)(p - s));
}

/* Skip RFC 5424 STRUCTURED-DATA ("-" or "[id k=\"v\" ...]..."); 0 on success. */
static int skip_sd(const char **pp, const char *e)
{
    const char *p = *pp;
    if (p < e && *p == '-') {
        *pp = p + 1;
        return 0;
    }
    if (p >= e || *p != '[')
        return -1;
    while (p < e && *p == '[') {
        int quoted = 0;
        for (p++; p < e; p++) {
            if (quoted && *p == '\\' && p + 1 < e)
                p++;
            else if (*p == '"')
                quoted = !quoted;
            else if (!quoted && *p == ']')
                break;
        }
        if (p >= e)
            return -1;
        p++;
    }
    *pp = p;
    return 0;
}

/* RFC 5424 after "<PRI>1 ": TIME HOST APP-NAME PROCID MSGID SD [MSG]. The
 * time and host must be there; a nil APP-NAME leaves the program empty. */
static pt_header_result read_5424(const char *p, const char *e, pt_line *out)
{
    pt_slice ts = token(&p, e), host = token(&p, e), app = token(&p, e);
    pt_slice procid = token(&p, e), msgid = token(&p, e);
    if (msgid.n == 0 || pt_time_parse_rfc3339(ts.p, ts.n, &out->time) || host.n == 0
        || pt_slice_eq(host, "-") || skip_sd(&p, e) || (p < e && *p != ' '))
        return PT_HEADER_MALFORMED;
    if (p < e)
        p++;
    out->host = host;
    out->program = pt_slice_eq(app, "-") ? pt_slice_make(app.p, 0) : app;
    out->pid = pt_slice_eq(procid, "-") ? pt_slice_make(procid.p, 0) : procid;
    out->msg = pt_slice_make(p, (size_t)(e - p));
    return PT_HEADER_OK;
}

/* Host and "program[pid]: " at p, just after the time's one space; a line
 * without a tag is a message of no program. An empty host ("TIME  tag:",
 * what a template writes for an empty HOSTNAME) is malformed. */
static pt_header_result read_host_tag(const char *p, const char *end, pt_line *out)
{
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

/* 1 when [p, e) is one of journalctl's notes ("-- Boot 1a2b... --"). */
static int journal_note(const char *p, const char *e)
{
    return e - p >= 5 && p[0] == '-' && p[1] == '-' && p[2] == ' ' && e[-1] == '-'
           && e[-2] == '-' && e[-3] == ' ';
}

/* Is the weekday name of journalctl -o short-full at p? */
static int weekday_at(const char *p, const char *e)
{
    static const char names[] = "MonTueWedThuFriSatSun";
    if (e - p < 9 || p[3] != ' ' || !is_digit(p[4]) || p[8] != '-')
        return 0;                       /* "Www YYYY-": cheap before the names */
    for (int i = 0; i < 7; i++)
        if (!memcmp(p, names + 3 * i, 3))
            return 1;
    return 0;
}

/* Read one line [p, end); inner: inside a container runtime's prefix. */
static pt_header_result read_line(pt_header_reader *r, const char *p, const char *end,
                                  pt_line *out, int inner)
{
    if (p < end && *p == '\x1e' && !inner)          /* journalctl -o json-seq */
        p++;
    if (p < end && *p == '{' && !inner)
        return pt_header_read_json(r, p, (size_t)(end - p), out);
    if (journal_note(p, end) && !inner)
        return PT_HEADER_SKIP;
    if (p < end && *p == '<') {                     /* optional <PRI> */
        const char *q = p + 1;
        while (q < end && q - p <= 4 && is_digit(*q))
            q++;
        if (q < end && *q == '>' && q > p + 1) {
            p = q + 1;
            if (end - p >= 2 && p[0] == '1' && p[1] == ' ')
                return read_5424(p + 2, end, out);
        }
    }
    if (end - p >= 20 && is_digit(p[0]) && p[4] == '-') {
        const char *sp = memchr(p, ' ', (size_t)(end - p));
        if (!sp || pt_time_parse_rfc3339(p, (size_t)(sp - p), &out->time))
            return PT_HEADER_MALFORMED;
        p = sp + 1;
        if (end - p >= 9 && (!memcmp(p, "stdout ", 7) || !memcmp(p, "stderr ", 7))
            && p[8] == ' ' && (p[7] == 'F' || p[7] == 'P')) {
            /* a container runtime's (CRI) prefix: the line follows; a
               partial line ("P") is no line, nor a prefix in a prefix */
            if (p[7] == 'P' || inner)
                return PT_HEADER_MALFORMED;
            memset(&out->time, 0, sizeof out->time);
            return read_line(r, p + 9, end, out, 1);
        }
    } else {
        if (weekday_at(p, end) ? read_full_time(r, &p, end, &out->time)
            : is_digit(p < end ? *p : 'x') ? read_unix_time(r, &p, end, &out->time)
            : read_bsd_time(r, &p, end, &out->time))
            return PT_HEADER_MALFORMED;
        if (p >= end || *p != ' ')
            return PT_HEADER_MALFORMED;
        p++;
    }
    return read_host_tag(p, end, out);
}

/* Parse one text line's header; slices point into buf (or the reader). */
pt_header_result pt_header_read(pt_header_reader *r, const char *buf,
                                size_t n, pt_line *out)
{
    memset(out, 0, sizeof *out);
    out->raw = pt_slice_make(buf, n);
    pt_header_result res = read_line(r, buf, buf + n, out, 0);
    if (res != PT_HEADER_OK)
        memset(&out->time, 0, sizeof out->time);
    return res;
}
