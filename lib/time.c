/*
 * time.c - calendar arithmetic for pt_time: RFC 3339 parsing, formatting,
 * and the year-less local time of RFC 3164 headers (zone offsets cached per
 * hour). No global state: the per-hour cache lives in the caller's
 * pt_header_reader (see header.c), passed in by pointer.
 * Memory: nothing allocated. Thread-safety: reentrant.
 */
#include "postfix-trace/line.h"
#include "time_internal.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Days since 1970-01-01 of a proleptic Gregorian civil date. */
int64_t pt_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* Civil date of a day count since 1970-01-01. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* Read exactly n decimal digits at s into *v; 0 on success. */
static int digits(const char *s, int n, int *v)
{
    int r = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        r = r * 10 + (s[i] - '0');
    }
    *v = r;
    return 0;
}

/* Parse YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|+HH:MM|-HH:MM), exactly n bytes;
 * also ISO 8601's "+HHMM" (journalctl -o short-iso). */
int pt_time_parse_rfc3339(const char *s, size_t n, pt_time *t)
{
    int y, mo, d, h, mi, se, oh = 0, om = 0;
    if (n < 20 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo)
        || s[7] != '-' || digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't'
        && s[10] != ' ') || digits(s + 11, 2, &h) || s[13] != ':'
        || digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &se))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return -1;
    size_t i = 19;
    int32_t usec = 0;
    int fd = 0;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            if (fd < 6) {
                usec = usec * 10 + (s[i] - '0');
                fd++;
            }
            i++;
        }
        if (fd == 0)
            return -1;
        for (int k = fd; k < 6; k++)
            usec *= 10;
    }
    int sign = 0;
    if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i + 6 <= n && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':'
               && !digits(s + i + 1, 2, &oh) && !digits(s + i + 4, 2, &om)
               && oh < 24 && om < 60) {
        sign = s[i] == '-' ? -1 : 1;
        i += 6;
    } else if (i + 5 == n && (s[i] == '+' || s[i] == '-') && !digits(s + i + 1, 2, &oh)
               && !digits(s + i + 3, 2, &om) && oh < 24 && om < 60) {
        sign = s[i] == '-' ? -1 : 1;
        i += 5;
    } else {
        return -1;
    }
    if (i != n)
        return -1;
    int off = sign * (oh * 60 + om);
    t->sec = pt_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400
        + h * 3600 + mi * 60 + se - (int64_t)off * 60;
    t->usec = usec;
    t->frac_digits = (int8_t)fd;
    t->utc_off_min = (int16_t)off;
    t->valid = 1;
    return 0;
}

/* UTC offset in minutes of local wall time y-m-d h:00 in the TZ zone. */
static int local_offset_min(int64_t y, int m, int d, int h)
{
    struct tm tm = { 0 };
    tm.tm_year = (int)(y - 1900);
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = 30;
    tm.tm_isdst = -1;
    time_t tt = mktime(&tm);
    if (tt == (time_t)-1)
        return 0;
    struct tm lt;
    if (!localtime_r(&tt, &lt))
        return 0;
    return (int)(lt.tm_gmtoff / 60);
}

/* Fill *t from local civil time, using and updating the per-hour cache. */
void pt_time_from_local(pt_tz_cache *cache, int64_t y, int m, int d, int hh,
                        int mm, int ss, pt_time *t)
{
    int64_t days = pt_days_from_civil(y, (unsigned)m, (unsigned)d);
    int64_t hour_key = days * 24 + hh;
    if (!cache->valid || cache->hour_key != hour_key) {
        cache->offset_min = local_offset_min(y, m, d, hh);
        cache->hour_key = hour_key;
        cache->valid = 1;
    }
    t->sec = days * 86400 + hh * 3600 + mm * 60 + ss
        - (int64_t)cache->offset_min * 60;
    t->usec = 0;
    t->frac_digits = 0;
    t->utc_off_min = (int16_t)cache->offset_min;
    t->valid = 1;
}

/* Write v as exactly `width` decimal digits at p; returns p + width. */
static char *put_digits(char *p, unsigned v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + width;
}

/* Format t as YYYY-MM-DDTHH:MM:SS[.f]+HH:MM in its own offset. */
size_t pt_time_format(const pt_time *t, char *buf, size_t size)
{
    int64_t local = t->sec + (int64_t)t->utc_off_min * 60;
    int64_t days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
    int64_t sod = local - days * 86400;
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    char tmp[48], *p = tmp;
    if (y < 0 || y > 9999)
        y = 0;
    p = put_digits(p, (unsigned)y, 4);
    *p++ = '-';
    p = put_digits(p, m, 2);
    *p++ = '-';
    p = put_digits(p, d, 2);
    *p++ = 'T';
    p = put_digits(p, (unsigned)(sod / 3600), 2);
    *p++ = ':';
    p = put_digits(p, (unsigned)(sod / 60 % 60), 2);
    *p++ = ':';
    p = put_digits(p, (unsigned)(sod % 60), 2);
    if (t->frac_digits > 0 && t->frac_digits <= 6) {
        unsigned v = (unsigned)t->usec;
        for (int k = t->frac_digits; k < 6; k++)
            v /= 10;
        *p++ = '.';
        p = put_digits(p, v, t->frac_digits);
    }
    int off = t->utc_off_min;
    *p++ = off < 0 ? '-' : '+';
    if (off < 0)
        off = -off;
    p = put_digits(p, (unsigned)(off / 60 % 100), 2);
    *p++ = ':';
    p = put_digits(p, (unsigned)(off % 60), 2);
    size_t n = (size_t)(p - tmp);
    if (size == 0)
        return n;
    size_t c = n < size - 1 ? n : size - 1;
    memcpy(buf, tmp, c);
    buf[c] = '\0';
    return n;
}

/* Order two times by instant. */
int pt_time_cmp(const pt_time *a, const pt_time *b)
{
    int64_t x = pt_time_usec(a), y = pt_time_usec(b);
    return x < y ? -1 : x > y;
}
