/*
 * test_header.c - unit tests of lib/header.c and header_json.c: every header
 * format (RFC 3164 and its day forms, RFC 3339, journalctl's short-precise,
 * short-iso, short-full, short-unix and json, RFC 5424, a container runtime's
 * prefix), <PRI>, tag forms, malformed lines, year inference and New Year
 * roll-over.
 */
#include <check.h>
#include "check_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "postfix-trace/line.h"

/* Slice equals string. */
#define ck_slice(s, lit) ck_assert_msg(pt_slice_eq((s), (lit)), "'%.*s' != '%s'", (int)(s).n, (s).p, (lit))

/* Read line s with reader r into *l and format its time into tbuf. */
static pt_header_result rd(pt_header_reader *r, const char *s, pt_line *l, char *tbuf)
{
    pt_header_result res = pt_header_read(r, s, strlen(s), l);
    if (res == PT_HEADER_OK)
        pt_time_format(&l->time, tbuf, 64);
    return res;
}

START_TEST(bsd_header)
{
    pt_header_reader *r = pt_header_reader_new(2026);
    pt_line l;
    char t[64];
    ck_assert_int_eq(rd(r, "Nov  3 12:00:01 mail postfix/smtp[123]: 4B3C21A2F3: to=<a@b>", &l, t), PT_HEADER_OK);
    ck_assert_str_eq(t, "2026-11-03T12:00:01+00:00");
    ck_slice(l.host, "mail");
    ck_slice(l.program, "postfix/smtp");
    ck_slice(l.pid, "123");
    ck_slice(l.msg, "4B3C21A2F3: to=<a@b>");
    ck_assert_int_eq(rd(r, "Nov 03 12:00:02 mail postfix/submission/smtpd[9]: connect from x[1.2.3.4]", &l, t), PT_HEADER_OK);
    ck_assert_str_eq(t, "2026-11-03T12:00:02+00:00");
    ck_slice(l.program, "postfix/submission/smtpd");
    pt_header_reader_free(r);
}
END_TEST

START_TEST(rfc3339_header)
{
    pt_header_reader *r = pt_header_reader_new(0);
    pt_line l;
    char t[64];
    ck_assert_int_eq(rd(r, "2026-11-23T03:33:57.419400+00:00 mail postfix/qmgr[15999]: ABC123: removed", &l, t), PT_HEADER_OK);
    ck_assert_str_eq(t, "2026-11-23T03:33:57.419400+00:00");
    ck_slice(l.program, "postfix/qmgr");
    ck_slice(l.pid, "15999");
    ck_slice(l.msg, "ABC123: removed");
    ck_assert_int_eq(rd(r, "<22>2026-11-23T03:33:57Z mail postfix/qmgr: x", &l, t), PT_HEADER_OK);
    ck_slice(l.pid, "");
    ck_slice(l.msg, "x");
    pt_header_reader_free(r);
}
END_TEST

/* Every other format of issue 8: the same line in each gives the same fields. */
START_TEST(journal_and_other_formats)
{
    pt_header_reader *r = pt_header_reader_new(2026);
    pt_line l;
    char t[64];
    static const struct { const char *line, *time; } ok[] = {
        { "Nov 3 12:00:01 mail postfix/smtp[123]: hi", "2026-11-03T12:00:01+00:00" },
        { "Nov 03 12:00:01.123456 mail postfix/smtp[123]: hi", "2026-11-03T12:00:01.123456+00:00" },
        { "2026-11-03T12:00:01+0000 mail postfix/smtp[123]: hi", "2026-11-03T12:00:01+00:00" },
        { "2026-11-03T13:00:01.5+0100 mail postfix/smtp[123]: hi", "2026-11-03T13:00:01.5+01:00" },
        { "Tue 2026-11-03 12:00:01 UTC mail postfix/smtp[123]: hi", "2026-11-03T12:00:01+00:00" },
        { "Tue 2026-11-03 12:00:01 CET mail postfix/smtp[123]: hi", "2026-11-03T12:00:01+00:00" },
        { "1793707201.250000 mail postfix/smtp[123]: hi", "2026-11-03T12:00:01.250000+00:00" },
        { "<22>1 2026-11-03T12:00:01.1Z mail postfix/smtp 123 - - hi", "2026-11-03T12:00:01.1+00:00" },
        { "<22>1 2026-11-03T12:00:01Z mail postfix/smtp 123 ID47 [ex@1 a=\"x\\\"]y\"][b c=\"d\"] hi",
          "2026-11-03T12:00:01+00:00" },
        { "2026-11-03T12:00:01.123456789Z stdout F Nov  3 12:00:01 mail postfix/smtp[123]: hi",
          "2026-11-03T12:00:01+00:00" },
        { "2026-11-03T12:00:01Z stderr F <22>1 2026-11-03T12:00:01Z mail postfix/smtp 123 - - hi",
          "2026-11-03T12:00:01+00:00" },
        { "{\"__REALTIME_TIMESTAMP\":\"1793707201000001\",\"_HOSTNAME\":\"mail\",\"SYSLOG_IDENTIFIER\":"
          "\"postfix/smtp\",\"SYSLOG_PID\":\"123\",\"_PID\":\"9\",\"MESSAGE\":\"hi\"}",
          "2026-11-03T12:00:01.000001+00:00" },
        { "\x1e{\"__REALTIME_TIMESTAMP\":\"1793707201000000\",\"_HOSTNAME\":\"mail\",\"_COMM\":"
          "\"postfix/smtp\",\"_PID\":\"123\",\"MESSAGE\":[104,105]}",
          "2026-11-03T12:00:01.000000+00:00" },
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        ck_assert_msg(rd(r, ok[i].line, &l, t) == PT_HEADER_OK, "%s", ok[i].line);
        ck_assert_msg(strcmp(t, ok[i].time) == 0, "%s: %s", ok[i].line, t);
        ck_slice(l.host, "mail");
        ck_slice(l.program, "postfix/smtp");
        ck_slice(l.pid, "123");
        ck_slice(l.msg, "hi");
    }
    /* RFC 5424 nil values; a BOM stays in MSG (the core drops it) */
    ck_assert_int_eq(rd(r, "<13>1 2026-11-03T12:00:01Z mail - - - -", &l, t), PT_HEADER_OK);
    ck_assert_int_eq(l.program.n, 0);
    ck_assert_int_eq(l.pid.n, 0);
    ck_assert_int_eq(l.msg.n, 0);
    ck_assert_int_eq(rd(r, "<13>1 2026-11-03T12:00:01Z mail postfix 7 - - \xEF\xBB\xBFhi", &l, t), PT_HEADER_OK);
    ck_slice(l.program, "postfix");
    ck_slice(l.msg, "\xEF\xBB\xBFhi");
    /* journalctl's notes are no lines */
    ck_assert_int_eq(rd(r, "-- Boot 0123456789abcdef --", &l, t), PT_HEADER_SKIP);
    ck_assert_int_eq(rd(r, "-- No entries --", &l, t), PT_HEADER_SKIP);
    pt_header_reader_free(r);
}
END_TEST

START_TEST(malformed)
{
    pt_header_reader *r = pt_header_reader_new(2026);
    pt_line l;
    static const char *bad[] = {
        "", "Nov", "Nov  3 12:00:01", "Nov  3 12:00:01 ", "Xyz  3 12:00:01 mail postfix/smtp[1]: x",
        "Nov 33 12:00:01 mail postfix/smtp[1]: x", "2026-11-23T03:33:57 mail x: y",
        "\x01\x02\x03\xff\xfe garbage", "Nov  3 25:00:01 mail a: b",
        "hello world", "{\"a\":1}", "{\"__REALTIME_TIMESTAMP\":\"1\",\"MESSAGE\":\"x\"}",
        "{\"__REALTIME_TIMESTAMP\":\"x\",\"_HOSTNAME\":\"h\",\"MESSAGE\":\"x\"}",
        "{\"__REALTIME_TIMESTAMP\":\"1\",\"_HOSTNAME\":\"h\",\"MESSAGE\":[300]}",
        "{\"__REALTIME_TIMESTAMP\":\"1\",\"_HOSTNAME\":\"h\",\"MESSAGE\":\"x\"} trailing",
        "2026-11-03T10:00:00Z stdout F hello world",
        "2026-11-03T10:00:00Z stdout P Nov  3 12:00:01 mail postfix/smtp[1]: x",
        "2026-11-03T10:00:00Z stdout F 2026-11-03T10:00:00Z stdout F Nov  3 12:00:01 mail a: b",
        "<13>1 - mail app - - - msg", "<13>1 2026-11-03T10:00:00Z - app - - - msg",
        "<13>1 2026-11-03T10:00:00Z mail app - - [unterminated msg",
        "Nov 3 12:00:01.", "Tue 2026-11-03 10:00:00 UTC", "Tue 2026-13-03 10:00:00 UTC h a: b",
        "1700000000 h a: b", "2026-11-03T10:00:00+000 h a: b"
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(pt_header_read(r, bad[i], strlen(bad[i]), &l) == PT_HEADER_MALFORMED, "%s", bad[i]);
    /* a tag-less message is not malformed: it is simply not Postfix */
    ck_assert_int_eq(pt_header_read(r, "Nov  3 12:00:01 mail last message repeated 3 times", 50, &l), PT_HEADER_OK);
    /* an empty host (a template with an empty HOSTNAME) is no host */
    ck_assert_int_eq(pt_header_read(r, "Nov  3 12:00:01  postfix/smtp[1]: x", 34, &l), PT_HEADER_MALFORMED);
    ck_assert_int_eq(pt_header_read(r, "2026-11-03T12:00:01Z  postfix/smtp[1]: x", 40, &l), PT_HEADER_MALFORMED);
    ck_assert_int_eq(l.program.n, 0);
    /* an unterminated pid is not a tag */
    const char *s = "Nov  3 12:00:01 mail postfix/smtp[12: x";
    ck_assert_int_eq(pt_header_read(r, s, strlen(s), &l), PT_HEADER_OK);
    ck_assert_int_eq(l.program.n, 0);
    pt_header_reader_free(r);
}
END_TEST

START_TEST(new_year)
{
    pt_header_reader *r = pt_header_reader_new(2025);
    pt_line l;
    char t[64];
    rd(r, "Dec 31 23:59:59 mail postfix/qmgr[1]: A: removed", &l, t);
    ck_assert_str_eq(t, "2025-12-31T23:59:59+00:00");
    rd(r, "Jan  1 00:00:01 mail postfix/qmgr[1]: A: removed", &l, t);
    ck_assert_str_eq(t, "2026-01-01T00:00:01+00:00");
    rd(r, "Dec 31 23:59:58 mail postfix/qmgr[1]: A: removed", &l, t);
    ck_assert_str_eq(t, "2025-12-31T23:59:58+00:00");
    rd(r, "Jan  1 00:00:02 mail postfix/qmgr[1]: A: removed", &l, t);
    ck_assert_str_eq(t, "2026-01-01T00:00:02+00:00");
    pt_header_reader_free(r);
}
END_TEST

START_TEST(inferred_year)
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    pt_header_reader *r = pt_header_reader_new(0);
    pt_line l;
    char t[64], want[16];
    /* a date far in the future of this year belongs to last year */
    int mon = tm.tm_mon <= 9 ? 12 : 1;
    int year = tm.tm_year + 1900 - (mon == 12 ? 1 : 0);
    const char *line = mon == 12 ? "Dec 30 10:00:00 h postfix/qmgr[1]: A: removed"
                                 : "Jan  2 10:00:00 h postfix/qmgr[1]: A: removed";
    rd(r, line, &l, t);
    snprintf(want, sizeof want, "%d", mon == 12 ? year : tm.tm_year + 1900);
    ck_assert_msg(strncmp(t, want, 4) == 0, "%s vs %s", t, want);
    pt_header_reader_free(r);
}
END_TEST

/* Run the suite. */
int main(void)
{
    setenv("TZ", "UTC", 1);
    tzset();
    Suite *s = suite_create("header");
    TCase *tc = tcase_create("header");
    tcase_add_test(tc, bsd_header);
    tcase_add_test(tc, rfc3339_header);
    tcase_add_test(tc, malformed);
    tcase_add_test(tc, journal_and_other_formats);
    tcase_add_test(tc, new_year);
    tcase_add_test(tc, inferred_year);
    suite_add_tcase(s, tc);
    return pt_check_run(s);
}
