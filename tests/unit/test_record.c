/*
 * test_record.c - unit tests of record text (lib/record.c): JSON escaping
 * of hostile text, invalid UTF-8 as U+FFFD, '/' unescaped, the null
 * sender as "", include-raw, fields left out when unknown, number forms.
 */
#include <check.h>
#include "check_main.h"
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "postfix-trace/core.h"

typedef struct texts {
    char buf[8][8192];
    int n;
} texts;

/* Sink that keeps record texts. */
static void keep(void *ctx, const char *json, size_t len)
{
    texts *t = ctx;
    ck_assert_int_lt(t->n, 8);
    ck_assert_uint_lt(len, sizeof t->buf[0]);
    memcpy(t->buf[t->n], json, len);
    t->buf[t->n][len] = '\0';
    t->n++;
}

/* Feed the lines to a fresh core and flush. */
static void run(const char *const *lines, int raw, texts *out)
{
    pt_core_options o;
    pt_core_options_default(&o);
    o.include_raw = raw;
    memset(out, 0, sizeof *out);
    pt_core *c = pt_core_new(&o, keep, out);
    pt_header_reader *r = pt_header_reader_new(2026);
    for (int i = 0; lines[i]; i++) {
        pt_line l;
        size_t n = strlen(lines[i]);
        if (pt_header_read(r, lines[i], n, &l) == PT_HEADER_OK)
            pt_core_feed(c, &l);
    }
    pt_core_free(c);
    pt_header_reader_free(r);
}

START_TEST(escaping_and_utf8)
{
    static const char *const lines[] = {
        "Nov  3 12:00:00 mx postfix/pickup[1]: ABCDE1: uid=0 from=<>",
        "Nov  3 12:00:00 mx postfix/cleanup[2]: ABCDE1: message-id=<a/b\"c\\d\x01\xff@x>",
        "Nov  3 12:00:01 mx postfix/qmgr[3]: ABCDE1: removed",
        NULL
    };
    texts t;
    run(lines, 0, &t);
    ck_assert_int_eq(t.n, 1);
    const char *s = t.buf[0];
    ck_assert_ptr_nonnull(strstr(s, "\"message_id\":\"a/b\\\"c\\\\d\\u0001\xEF\xBF\xBD@x\""));
    ck_assert_ptr_nonnull(strstr(s, "\"from\":\"\""));
    ck_assert_ptr_null(strstr(s, "\"raw\""));
    ck_assert_ptr_null(strstr(s, "\"size\""));         /* unknown: left out */
    ck_assert_ptr_null(strstr(s, "\"client\""));
    ck_assert_ptr_null(strstr(s, "\"recipients\""));    /* none seen: left out (no empty arrays) */
    ck_assert_ptr_nonnull(strstr(s, "\"status\":\"none\""));
    ck_assert_ptr_nonnull(strstr(s, "\"pickup\":{\"uid\":0,\"from\":\"\"}"));
    json_object *j = json_tokener_parse(s);
    ck_assert_ptr_nonnull(j);
    json_object_put(j);
}
END_TEST

START_TEST(include_raw)
{
    static const char *const lines[] = {
        "Nov  3 12:00:00 mx postfix/pickup[1]: ABCDE1: uid=0 from=<root>",
        "Nov  3 12:00:01 mx postfix/qmgr[3]: ABCDE1: removed",
        NULL
    };
    texts t;
    run(lines, 1, &t);
    ck_assert_int_eq(t.n, 1);
    ck_assert_ptr_nonnull(strstr(t.buf[0],
        "\"raw\":[\"Nov  3 12:00:00 mx postfix/pickup[1]: ABCDE1: uid=0 from=<root>\","
        "\"Nov  3 12:00:01 mx postfix/qmgr[3]: ABCDE1: removed\"]"));
    ck_assert_ptr_nonnull(strstr(t.buf[0], "\"lines\":2"));
}
END_TEST

START_TEST(numbers_as_logged)
{
    static const char *const lines[] = {
        "Nov  3 12:00:00 mx postfix/smtp[1]: ABCDE1: to=<a@b>, relay=x[192.0.2.1]:25, conn_use=2, delay=63495, delays=63350/144/0.01/0.3, dsn=2.0.0, status=sent (250 ok)",
        NULL
    };
    texts t;
    run(lines, 0, &t);
    ck_assert_int_eq(t.n, 1);
    ck_assert_ptr_nonnull(strstr(t.buf[0], "\"delay\":63495,"));
    ck_assert_ptr_nonnull(strstr(t.buf[0],
        "\"delays\":{\"before_qmgr\":63350,\"in_qmgr\":144,\"conn_setup\":0.01,\"transmission\":0.3}"));
    ck_assert_ptr_nonnull(strstr(t.buf[0], "\"end\":\"shutdown\""));
    ck_assert_ptr_nonnull(strstr(t.buf[0], "\"complete\":false"));
}
END_TEST

/* Run the suite. */
int main(void)
{
    setenv("TZ", "UTC", 1);
    Suite *s = suite_create("record");
    TCase *tc = tcase_create("record");
    tcase_add_test(tc, escaping_and_utf8);
    tcase_add_test(tc, include_raw);
    tcase_add_test(tc, numbers_as_logged);
    suite_add_tcase(s, tc);
    return pt_check_run(s);
}
