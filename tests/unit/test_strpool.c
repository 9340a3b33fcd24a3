/*
 * test_strpool.c - unit tests of the entry arena, UTF-8 sanitising and the
 * (host, key) table.
 */
#include <check.h>
#include "check_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../lib/strpool.h"
#include "../../lib/entry.h"
#include "../../lib/table.h"

START_TEST(arena_strings)
{
    pt_arena a = { 0 };
    char *s = pt_arena_strdup(&a, pt_slice_cstr("hello"));
    ck_assert_str_eq(s, "hello");
    ck_assert_ptr_null(pt_arena_strdup(&a, pt_slice_make(NULL, 0)));
    char big[10000];
    memset(big, 'x', sizeof big);
    char *b = pt_arena_strdup(&a, pt_slice_make(big, sizeof big));
    ck_assert_uint_eq(strlen(b), sizeof big);
    for (int i = 0; i < 1000; i++)
        ck_assert_ptr_nonnull(pt_arena_alloc(&a, 13));
    ck_assert_str_eq(s, "hello");
    pt_arena_free(&a);
    ck_assert_ptr_null(a.head);
}
END_TEST

START_TEST(utf8_sanitise)
{
    pt_arena a = { 0 };
    ck_assert_str_eq(pt_utf8_dup(&a, pt_slice_cstr("plain")), "plain");
    ck_assert_str_eq(pt_utf8_dup(&a, pt_slice_cstr("Gr\xC3\xBC\xC3\x9F" "e")), "Gr\xC3\xBC\xC3\x9F" "e");
    ck_assert_str_eq(pt_utf8_dup(&a, pt_slice_cstr("a\xFF" "b")), "a\xEF\xBF\xBD" "b");
    ck_assert_str_eq(pt_utf8_dup(&a, pt_slice_cstr("\xC3")), "\xEF\xBF\xBD");
    ck_assert_str_eq(pt_utf8_dup(&a, pt_slice_cstr("\xED\xA0\x80")), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    ck_assert_str_eq(pt_utf8_dup(&a, pt_slice_make("a\0b", 3)), "a\xEF\xBF\xBD" "b");
    ck_assert_str_eq(pt_utf8_dup(&a, pt_slice_cstr("\xF0\x9F\x98\x80")), "\xF0\x9F\x98\x80");
    /* equality of a stored copy with the raw bytes it came from */
    static const char *const raws[] = { "plain", "a\xFF" "b", "\xC3", "Gr\xC3\xBC" "e", "", "\xFF\xFF" };
    for (size_t i = 0; i < sizeof raws / sizeof raws[0]; i++) {
        pt_slice v = pt_slice_cstr(raws[i]);
        ck_assert(pt_utf8_same(pt_utf8_dup(&a, v), v));
    }
    ck_assert(!pt_utf8_same("a\xEF\xBF\xBD", pt_slice_cstr("a\xFF" "b")));
    ck_assert(!pt_utf8_same("", pt_slice_cstr("\xFF")));
    ck_assert(!pt_utf8_same("ab", pt_slice_cstr("a")));
    pt_arena_free(&a);
}
END_TEST

START_TEST(table_ops)
{
    pt_table t;
    ck_assert_int_eq(pt_table_init(&t), 0);
    enum { N = 5000 };
    static pt_tnode nodes[N];
    static char keys[N][16];
    for (int i = 0; i < N; i++) {
        snprintf(keys[i], sizeof keys[i], "Q%d", i);
        nodes[i].host = i % 2 ? "a" : "b";
        nodes[i].host_len = 1;
        nodes[i].key = keys[i];
        nodes[i].key_len = (uint16_t)strlen(keys[i]);
        nodes[i].hash = pt_table_hash(pt_slice_cstr(nodes[i].host), pt_slice_cstr(keys[i]));
        pt_table_insert(&t, &nodes[i]);
    }
    ck_assert_uint_eq(t.count, N);
    for (int i = 0; i < N; i++) {
        pt_slice h = pt_slice_cstr(i % 2 ? "a" : "b"), k = pt_slice_cstr(keys[i]);
        ck_assert_ptr_eq(pt_table_find(&t, pt_table_hash(h, k), h, k), &nodes[i]);
        pt_slice other = pt_slice_cstr(i % 2 ? "b" : "a");
        ck_assert_ptr_null(pt_table_find(&t, pt_table_hash(other, k), other, k));
    }
    for (int i = 0; i < N; i += 2)
        pt_table_remove(&t, &nodes[i]);
    ck_assert_uint_eq(t.count, N / 2);
    pt_slice h = pt_slice_cstr("b"), k = pt_slice_cstr(keys[0]);
    ck_assert_ptr_null(pt_table_find(&t, pt_table_hash(h, k), h, k));
    pt_table_destroy(&t);
}
END_TEST

START_TEST(entry_vectors)
{
    pt_core_options o;
    pt_core_options_default(&o);
    pt_entry *e = pt_entry_new(pt_slice_cstr("mail"), pt_slice_cstr("ABC"), &o);
    ck_assert_ptr_nonnull(e);
    pt_rcpt *r1 = pt_entry_rcpt(e, pt_slice_cstr("a@x"), pt_slice_make(NULL, 0));
    r1->attempts = 1;
    for (int i = 0; i < 50; i++) {
        char buf[32];
        snprintf(buf, sizeof buf, "r%d@x", i);
        ck_assert_ptr_nonnull(pt_entry_rcpt(e, pt_slice_cstr(buf), pt_slice_make(NULL, 0)));
    }
    pt_rcpt *again = pt_entry_rcpt(e, pt_slice_cstr("a@x"), pt_slice_make(NULL, 0));
    ck_assert_int_eq(again->attempts, 1);
    ck_assert_uint_eq(e->n_rcpts, 51);
    pt_entry_rcpt(e, pt_slice_cstr("a@x"), pt_slice_cstr("alias@x"));
    ck_assert_uint_eq(e->n_rcpts, 52);
    pt_entry_add_notification(e, PT_NOTIFY_NON_DELIVERY, pt_slice_cstr("N1"));
    pt_entry_add_notification(e, PT_NOTIFY_NON_DELIVERY, pt_slice_cstr("N1"));
    ck_assert_uint_eq(e->n_notes, 1);
    ck_assert_uint_gt(pt_entry_bytes(e), sizeof *e);
    pt_entry_free(e);
}
END_TEST

/* The per-mail caps: recipients past the cap are counted, not kept, and a
 * known one (even with invalid UTF-8) is found again through the index. */
START_TEST(entry_caps)
{
    pt_core_options o;
    pt_core_options_default(&o);
    o.max_recipients = 20;
    o.max_events = 3;
    o.max_raw_lines = 2;
    o.max_text = 64;
    pt_entry *e = pt_entry_new(pt_slice_cstr("mail"), pt_slice_cstr("ABC"), &o);
    ck_assert_ptr_nonnull(pt_entry_rcpt(e, pt_slice_cstr("bad\xff@x"), pt_slice_make(NULL, 0)));
    for (int i = 0; i < 30; i++) {
        char buf[32];
        snprintf(buf, sizeof buf, "r%d@x", i);
        pt_rcpt *r = pt_entry_rcpt(e, pt_slice_cstr(buf), pt_slice_make(NULL, 0));
        if (!r)
            pt_entry_rcpt_overflow(e, pt_slice_cstr(buf), pt_slice_make(NULL, 0),
                                   pt_slice_cstr("sent"));
        ck_assert(i < 19 ? r != NULL : r == NULL);
    }
    ck_assert_uint_eq(e->n_rcpts, 20);
    ck_assert_uint_eq(e->trunc.recipients, 11);
    /* the same overflow recipient again is not counted twice */
    pt_entry_rcpt_overflow(e, pt_slice_cstr("r25@x"), pt_slice_make(NULL, 0),
                           pt_slice_cstr("bounced"));
    ck_assert_uint_eq(e->trunc.recipients, 11);
    pt_rcpt *again = pt_entry_rcpt(e, pt_slice_cstr("bad\xff@x"), pt_slice_make(NULL, 0));
    ck_assert_ptr_eq(again, &e->rcpts[0]);
    pt_time t = { .sec = 1, .valid = 1 };
    for (int i = 0; i < 5; i++)
        pt_entry_add_event(e, &t, pt_slice_cstr("smtpd"), pt_slice_cstr("info"), pt_slice_cstr("x"));
    ck_assert_uint_eq(e->n_events, 3);
    ck_assert_uint_eq(e->trunc.events, 2);
    for (int i = 0; i < 4; i++)
        pt_entry_add_raw(e, pt_slice_cstr("line"));
    ck_assert_uint_eq(e->n_raw, 2);
    ck_assert_uint_eq(e->trunc.raw, 2);
    /* a long text is cut at a UTF-8 boundary within max_text bytes */
    char longtext[200];
    memset(longtext, 'a', sizeof longtext);
    memcpy(longtext + 63, "\xc3\xa9", 2);   /* cut inside it: 63 bytes */
    longtext[199] = '\0';
    char *cut = pt_entry_str(e, pt_slice_cstr(longtext));
    ck_assert_uint_eq(strlen(cut), 63);
    ck_assert_uint_eq(e->trunc.text, 1);
    ck_assert(pt_entry_truncated(e));
    /* a recipient longer than max_text is stored cut, and found again by its
     * whole text (fuzz_core found it split in two before) */
    pt_rcpt *l1 = pt_entry_rcpt(e, pt_slice_cstr(longtext), pt_slice_make(NULL, 0));
    ck_assert_ptr_null(l1);                     /* past max_recipients */
    pt_core_options o2 = o;                     /* room for recipients, same text cap */
    o2.max_recipients = 1000;
    e->opt = &o2;
    uint32_t before = e->n_rcpts;
    pt_rcpt *a1 = pt_entry_rcpt(e, pt_slice_cstr(longtext), pt_slice_make(NULL, 0));
    pt_rcpt *a2 = pt_entry_rcpt(e, pt_slice_cstr(longtext), pt_slice_make(NULL, 0));
    ck_assert_ptr_eq(a1, a2);
    ck_assert_uint_eq(e->n_rcpts, before + 1);
    pt_entry_set(e, &e->from, pt_slice_cstr(longtext));
    char *from = e->from;
    uint32_t cuts = e->trunc.text;
    pt_entry_set(e, &e->from, pt_slice_cstr(longtext));     /* the same: not stored again */
    ck_assert_ptr_eq(e->from, from);
    ck_assert_uint_eq(e->trunc.text, cuts);
    pt_entry_free(e);
}
END_TEST

/* Replacing a field over and over keeps the arena bounded (compaction). */
START_TEST(entry_compaction)
{
    pt_core_options o;
    pt_core_options_default(&o);
    pt_entry *e = pt_entry_new(pt_slice_cstr("mail"), pt_slice_cstr("ABC"), &o);
    char buf[64];
    for (int i = 0; i < 200000; i++) {
        snprintf(buf, sizeof buf, "sender-%d@example.org", i);
        pt_entry_set(e, &e->from, pt_slice_cstr(buf));
    }
    ck_assert_str_eq(e->from, "sender-199999@example.org");
    ck_assert_str_eq(e->host, "mail");
    ck_assert_uint_lt(e->arena.total, 64 * 1024);
    pt_entry_free(e);
}
END_TEST

/* Run the suite. */
int main(void)
{
    Suite *s = suite_create("strpool");
    TCase *tc = tcase_create("strpool");
    tcase_add_test(tc, arena_strings);
    tcase_add_test(tc, utf8_sanitise);
    tcase_add_test(tc, table_ops);
    tcase_add_test(tc, entry_vectors);
    tcase_add_test(tc, entry_caps);
    tcase_add_test(tc, entry_compaction);
    suite_add_tcase(s, tc);
    return pt_check_run(s);
}
