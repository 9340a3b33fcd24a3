/*
 * test_time.c - unit tests of lib/time.c: RFC 3339 parsing and formatting,
 * civil-date arithmetic, local (TZ) conversion with DST.
 */
#include <check.h>
#include "check_main.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "postfix-trace/line.h"
#include "../../lib/time_internal.h"

/* Parse s and format it back; the text must survive unchanged. */
static void roundtrip(const char *s)
{
    pt_time t;
    ck_assert_int_eq(pt_time_parse_rfc3339(s, strlen(s), &t), 0);
    char buf[64];
    pt_time_format(&t, buf, sizeof buf);
    ck_assert_str_eq(buf, s);
}

START_TEST(rfc3339_roundtrip)
{
    roundtrip("2026-11-23T03:33:57.419400+00:00");
    roundtrip("2026-11-23T03:33:57+01:00");
    roundtrip("1999-12-31T23:59:59.5-05:30");
    roundtrip("2024-02-29T12:00:00.000001+14:00");
}
END_TEST

START_TEST(rfc3339_values)
{
    pt_time t;
    const char *s = "2026-11-23T03:33:57.419400+01:00";
    ck_assert_int_eq(pt_time_parse_rfc3339(s, strlen(s), &t), 0);
    ck_assert_int_eq(t.sec, 1795404837 - 3600);
    ck_assert_int_eq(t.usec, 419400);
    ck_assert_int_eq(t.frac_digits, 6);
    ck_assert_int_eq(t.utc_off_min, 60);
    s = "2026-11-23T03:33:57Z";
    ck_assert_int_eq(pt_time_parse_rfc3339(s, strlen(s), &t), 0);
    ck_assert_int_eq(t.utc_off_min, 0);
    char buf[64];
    pt_time_format(&t, buf, sizeof buf);
    ck_assert_str_eq(buf, "2026-11-23T03:33:57+00:00");
}
END_TEST

START_TEST(rfc3339_rejects)
{
    static const char *bad[] = {
        "2026-11-23", "2026-13-01T00:00:00Z", "2026-11-23T25:00:00Z",
        "2026-11-23T03:33:57", "2026-11-23T03:33:57.+00:00",
        "2026-11-23T03:33:57+000", "2026-11-23T03:33:57+00000", "2026-11-23X03:33:57Z",
        "xxxx-11-23T03:33:57Z", "2026-11-23T03:33:57Zjunk", "2026-11-23T03:33:57+2500"
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pt_time t;
        ck_assert_msg(pt_time_parse_rfc3339(bad[i], strlen(bad[i]), &t) != 0, "%s", bad[i]);
    }
    /* ISO 8601's "+HHMM" (journalctl -o short-iso) */
    pt_time t;
    ck_assert_int_eq(pt_time_parse_rfc3339("2026-11-23T04:33:57-0130", 24, &t), 0);
    ck_assert_int_eq(t.utc_off_min, -90);
}
END_TEST

START_TEST(civil_days)
{
    ck_assert_int_eq(pt_days_from_civil(1970, 1, 1), 0);
    ck_assert_int_eq(pt_days_from_civil(2000, 3, 1), 11017);
    ck_assert_int_eq(pt_days_from_civil(1969, 12, 31), -1);
}
END_TEST

START_TEST(local_time_dst)
{
    setenv("TZ", "Europe/Berlin", 1);
    tzset();
    pt_tz_cache cache = { 0 };
    pt_time t;
    pt_time_from_local(&cache, 2026, 1, 15, 12, 0, 0, &t);
    ck_assert_int_eq(t.utc_off_min, 60);
    pt_time_from_local(&cache, 2026, 7, 15, 12, 0, 0, &t);
    ck_assert_int_eq(t.utc_off_min, 120);
    char buf[64];
    pt_time_format(&t, buf, sizeof buf);
    ck_assert_str_eq(buf, "2026-07-15T12:00:00+02:00");
    setenv("TZ", "UTC", 1);
    tzset();
}
END_TEST

START_TEST(compare)
{
    pt_time a = { .sec = 10, .usec = 5, .valid = 1 }, b = { .sec = 10, .usec = 6, .valid = 1 };
    ck_assert_int_lt(pt_time_cmp(&a, &b), 0);
    ck_assert_int_gt(pt_time_cmp(&b, &a), 0);
    ck_assert_int_eq(pt_time_cmp(&a, &a), 0);
}
END_TEST

/* Run the suite. */
int main(void)
{
    Suite *s = suite_create("time");
    TCase *tc = tcase_create("time");
    tcase_add_test(tc, rfc3339_roundtrip);
    tcase_add_test(tc, rfc3339_values);
    tcase_add_test(tc, rfc3339_rejects);
    tcase_add_test(tc, civil_days);
    tcase_add_test(tc, local_time_dst);
    tcase_add_test(tc, compare);
    suite_add_tcase(s, tc);
    return pt_check_run(s);
}
