/*
 * line.h - one syslog line as the core sees it: time, host, program, pid and
 * message, each a slice. The command fills a pt_line from a text line with
 * pt_header_read(); the daemon adapters fill it from the fields their daemon
 * already parsed, so nothing is formatted only to be parsed again.
 *
 * Memory: a pt_line borrows every byte it points at; the caller keeps the
 * buffers alive while the core handles the line (pt_core_feed copies what it
 * keeps). pt_header_reader holds small state (the year inference and a
 * time-zone offset cache) and the last journal (JSON) line it read.
 * Thread-safety: a pt_header_reader is used by one thread at a time.
 */
#ifndef POSTFIX_TRACE_LINE_H
#define POSTFIX_TRACE_LINE_H

#include <stdint.h>
#include "postfix-trace/slice.h"

/* A point in time with the input's precision and UTC offset, for output. */
typedef struct pt_time {
    int64_t sec;                /* Unix seconds (UTC) */
    int32_t usec;               /* microseconds, 0..999999 */
    int8_t frac_digits;         /* digits of fraction the input had: 0..6 */
    int8_t valid;               /* 0 when the time is unknown */
    int16_t utc_off_min;        /* offset of the zone it was written in */
} pt_time;

typedef struct pt_line {
    pt_time time;
    pt_slice host;              /* syslog HOSTNAME */
    pt_slice program;           /* full tag name: "postfix/submission/smtpd" */
    pt_slice pid;               /* digits, may be empty */
    pt_slice msg;               /* message text, no leading space */
    pt_slice raw;               /* the line as received, for include-raw */
} pt_line;

/* Result of reading a text line's syslog header. */
typedef enum pt_header_result {
    PT_HEADER_OK = 0,
    PT_HEADER_MALFORMED = 1,    /* no time / host / tag could be read */
    PT_HEADER_SKIP = 2          /* no log line: journalctl's "-- ... --" notes */
} pt_header_result;

typedef struct pt_header_reader pt_header_reader;

/* Make a reader; year is the fixed year for year-less times, or 0 to infer
 * it from now (wall clock) with New Year roll-over. NULL on no memory. */
pt_header_reader *pt_header_reader_new(int year);

/* Free a reader made by pt_header_reader_new (NULL is fine). */
void pt_header_reader_free(pt_header_reader *r);

/* Parse a text line into *out, pointing into buf (a journal line: into the
 * reader, until its next read). Accepted (README "Input formats"): RFC 3164
 * times ("Nov  3 12:00:01", "Nov 03", "Nov 3", with a fraction as journalctl
 * -o short-precise writes), RFC 3339 ("2026-11-23T03:33:57.419400+00:00",
 * "+0000"), journalctl -o short-full and -o short-unix, each then host and
 * "program[pid]: message"; RFC 5424 lines; journalctl -o json (and
 * json-seq) lines; any of these after a container runtime's "TIME stdout F "
 * prefix. */
pt_header_result pt_header_read(pt_header_reader *r, const char *buf,
                                size_t n, pt_line *out);

/* Parse an RFC 3339 timestamp (as given by a daemon) into *t. 0 on success. */
int pt_time_parse_rfc3339(const char *s, size_t n, pt_time *t);

/* Turn a year-less local time (month 1-12, day, h, m, s) into *t using the
 * reader's year inference and the TZ environment's zone. */
void pt_header_local_time(pt_header_reader *r, int mon, int day, int hh,
                          int mm, int ss, pt_time *t);

/* Format t as RFC 3339 into buf (at least 40 bytes); returns length. */
size_t pt_time_format(const pt_time *t, char *buf, size_t size);

/* Compare two times: <0, 0, >0. */
int pt_time_cmp(const pt_time *a, const pt_time *b);

/* Microseconds since the epoch. */
static inline int64_t pt_time_usec(const pt_time *t)
{
    return t->sec * 1000000 + t->usec;
}

#endif
