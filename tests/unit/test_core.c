/*
 * test_core.c - unit tests of the correlator (lib/core.c) through the
 * public API: lines in, records out. Covers folding, session stitching,
 * links both ways, linger, queue ID reuse, idle timeout, eviction, abort,
 * expiry, progress records, shutdown flush, and the counters.
 */
#include <check.h>
#include "check_main.h"
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "postfix-trace/core.h"

typedef struct collected {
    json_object *recs[256];
    int n;
} collected;

/* Sink that keeps every record. */
static void keep(void *ctx, const char *json, size_t len)
{
    collected *c = ctx;
    ck_assert_int_lt(c->n, 256);
    ck_assert_ptr_null(memchr(json, '\n', len));
    json_tokener *tok = json_tokener_new();
    c->recs[c->n++] = json_tokener_parse_ex(tok, json, (int)len);
    ck_assert_int_eq(json_tokener_get_error(tok), json_tokener_success);
    json_tokener_free(tok);
    ck_assert_ptr_nonnull(c->recs[c->n - 1]);
}

/* Feed lines (NULL-terminated) to a fresh core with options o; free it. */
static void run(const pt_core_options *o, const char *const *lines, collected *out, pt_stats *st)
{
    memset(out, 0, sizeof *out);
    pt_core *c = pt_core_new(o, keep, out);
    ck_assert_ptr_nonnull(c);
    pt_header_reader *r = pt_header_reader_new(2026);
    for (int i = 0; lines[i]; i++) {
        pt_line l;
        if (pt_header_read(r, lines[i], strlen(lines[i]), &l) == PT_HEADER_OK)
            pt_core_feed(c, &l);
        else
            pt_core_count_malformed(c);
    }
    pt_core_flush(c);
    if (st)
        pt_core_stats(c, st);
    pt_core_free(c);
    pt_header_reader_free(r);
}

/* Feed lines[from] up to (not including) lines[to] or the NULL end, each
 * with a valid header; returns the time of the last line fed. */
static pt_time feed(pt_core *c, pt_header_reader *r, const char *const *lines, int from, int to)
{
    pt_time last = { 0 };
    for (int i = from; lines[i] && (to < 0 || i < to); i++) {
        pt_line l;
        ck_assert_int_eq(pt_header_read(r, lines[i], strlen(lines[i]), &l), PT_HEADER_OK);
        pt_core_feed(c, &l);
        last = l.time;
    }
    return last;
}

/* Feed one line with a valid header. */
static void feed_one(pt_core *c, pt_header_reader *r, const char *line)
{
    const char *const one[] = { line, NULL };
    feed(c, r, one, 0, -1);
}

/* Free collected records. */
static void release(collected *c)
{
    for (int i = 0; i < c->n; i++)
        json_object_put(c->recs[i]);
}

/* A string field by dotted path ("client.ip", "recipients.0.status"). */
static const char *str_at(json_object *o, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    json_object *cur = o;
    for (char *tok = strtok(buf, "."); tok && cur; tok = strtok(NULL, ".")) {
        if (json_object_is_type(cur, json_type_array))
            cur = json_object_array_get_idx(cur, (size_t)atoi(tok));
        else if (!json_object_object_get_ex(cur, tok, &cur))
            return NULL;
    }
    return cur ? json_object_get_string(cur) : NULL;
}

/* The first record whose field k equals v. */
static json_object *find(collected *c, const char *k, const char *v)
{
    for (int i = 0; i < c->n; i++) {
        const char *s = str_at(c->recs[i], k);
        if (s && strcmp(s, v) == 0)
            return c->recs[i];
    }
    return NULL;
}

#define ck_field(o, path, want) do { const char *got_ = str_at((o), (path)); \
    ck_assert_msg(got_ && strcmp(got_, (want)) == 0, "%s: got %s want %s", (path), got_ ? got_ : "(absent)", (want)); } while (0)
#define ck_absent(o, path) ck_assert_msg(str_at((o), (path)) == NULL, "%s present", (path))

static const char *const sent_lines[] = {
    "Nov  3 12:00:00 mx postfix/smtpd[100]: connect from client.example[192.0.2.7]",
    "Nov  3 12:00:00 mx postfix/smtpd[100]: Anonymous TLS connection established from client.example[192.0.2.7]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)",
    "Nov  3 12:00:01 mx postfix/smtpd[100]: 4B3C21A2F3: client=client.example[192.0.2.7], sasl_method=PLAIN, sasl_username=alice",
    "Nov  3 12:00:01 mx postfix/cleanup[101]: 4B3C21A2F3: message-id=<m1@example>",
    "Nov  3 12:00:01 mx postfix/qmgr[102]: 4B3C21A2F3: from=<alice@example>, size=1234, nrcpt=2 (queue active)",
    "Nov  3 12:00:01 mx postfix/smtpd[100]: disconnect from client.example[192.0.2.7] ehlo=1 mail=1 rcpt=2 data=1 quit=1 commands=6",
    "Nov  3 12:00:02 mx postfix/smtp[103]: 4B3C21A2F3: to=<bob@dest.example>, relay=mx.dest.example[198.51.100.1]:25, delay=1.2, delays=0.05/0.01/0.3/0.84, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 8F9E0D1C2B)",
    "Nov  3 12:00:02 mx postfix/smtp[103]: 4B3C21A2F3: to=<carol@dest.example>, relay=mx.dest.example[198.51.100.1]:25, delay=1.2, delays=0.05/0.01/0.3/0.84, dsn=5.1.1, status=bounced (host mx.dest.example[198.51.100.1] said: 550 5.1.1 User unknown (in reply to RCPT TO command))",
    "Nov  3 12:00:02 mx postfix/cleanup[101]: 5C4D32B3A4: message-id=<bounce1@mx>",
    "Nov  3 12:00:02 mx postfix/qmgr[102]: 5C4D32B3A4: from=<>, size=3000, nrcpt=1 (queue active)",
    "Nov  3 12:00:02 mx postfix/bounce[104]: 4B3C21A2F3: sender non-delivery notification: 5C4D32B3A4",
    "Nov  3 12:00:02 mx postfix/qmgr[102]: 4B3C21A2F3: removed",
    "Nov  3 12:00:03 mx postfix/local[105]: 5C4D32B3A4: to=<alice@example>, relay=local, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (delivered to mailbox)",
    "Nov  3 12:00:03 mx postfix/qmgr[102]: 5C4D32B3A4: removed",
    NULL
};

START_TEST(sent_and_bounce_linked)
{
    pt_core_options o;
    pt_core_options_default(&o);
    collected c;
    pt_stats st;
    run(&o, sent_lines, &c, &st);
    ck_assert_int_eq(c.n, 2);
    json_object *m = find(&c, "queue_id", "4B3C21A2F3");
    ck_assert_ptr_nonnull(m);
    ck_field(m, "kind", "message");
    ck_field(m, "id", "mx/4B3C21A2F3/1793707200000000");   /* first line: connect */
    ck_field(m, "end", "removed");
    ck_field(m, "complete", "true");
    ck_field(m, "status", "mixed");
    ck_field(m, "instance", "postfix");
    ck_field(m, "origin", "smtpd");
    ck_field(m, "client.name", "client.example");
    ck_field(m, "client.ip", "192.0.2.7");
    ck_field(m, "client.sasl_username", "alice");
    ck_field(m, "client.tls.protocol", "TLSv1.3");
    ck_field(m, "client.tls.bits", "256");
    ck_field(m, "client.tls.trust", "Anonymous");
    ck_field(m, "message_id", "m1@example");
    ck_field(m, "from", "alice@example");
    ck_field(m, "size", "1234");
    ck_field(m, "recipients.0.to", "bob@dest.example");
    ck_field(m, "recipients.0.status", "sent");
    ck_field(m, "recipients.0.queued_as", "8F9E0D1C2B");
    ck_field(m, "recipients.0.relay_ip", "198.51.100.1");
    ck_field(m, "recipients.0.relay_port", "25");
    ck_field(m, "recipients.0.delays.transmission", "0.84");
    ck_field(m, "recipients.1.status", "bounced");
    ck_field(m, "recipients.1.smtp_code", "550");
    ck_field(m, "recipients.1.dsn_class", "permanent");
    ck_field(m, "bounce_id", "5C4D32B3A4");
    ck_field(m, "notifications.0.kind", "non-delivery");
    ck_field(m, "lines", "10");    /* 7 with the queue ID + connect, TLS, disconnect */
    json_object *b = find(&c, "queue_id", "5C4D32B3A4");
    ck_assert_ptr_nonnull(b);
    ck_field(b, "parent_id", "4B3C21A2F3");
    ck_field(b, "origin", "bounce");
    ck_field(b, "origin_program", "postfix/bounce");
    ck_field(b, "from", "");
    ck_field(b, "complete", "true");
    ck_assert_int_eq(st.lines_seen, 14);
    ck_assert_int_eq(st.lines_parsed, 14);
    ck_assert_int_eq(st.lines_unrecognised, 0);
    ck_assert_int_eq(st.rec_removed, 2);
    ck_assert_int_eq(st.cache_entries, 0);
    ck_assert_int_eq(st.cache_high_water, 2);
    release(&c);
}
END_TEST

START_TEST(late_link_lands_while_lingering)
{
    static const char *const lines[] = {
        "Nov  3 12:00:00 mx postfix/pickup[1]: AAAAA1: uid=0 from=<root>",
        "Nov  3 12:00:00 mx postfix/qmgr[2]: AAAAA1: from=<root@mx>, size=10, nrcpt=1 (queue active)",
        "Nov  3 12:00:01 mx postfix/cleanup[3]: BBBBB2: message-id=<x@mx>",
        "Nov  3 12:00:01 mx postfix/qmgr[2]: BBBBB2: from=<>, size=10, nrcpt=1 (queue active)",
        "Nov  3 12:00:01 mx postfix/qmgr[2]: BBBBB2: removed",
        "Nov  3 12:00:01 mx postfix/qmgr[2]: AAAAA1: removed",
        "Nov  3 12:00:02 mx postfix/bounce[4]: AAAAA1: sender non-delivery notification: BBBBB2",
        "Nov  3 12:00:10 mx postfix/bounce[4]: AAAAA1: sender non-delivery notification: CCCCC3",
        NULL
    };
    pt_core_options o;
    pt_core_options_default(&o);
    collected c;
    run(&o, lines, &c, NULL);
    ck_assert_int_eq(c.n, 2);       /* CCCCC3 never seen: no record of its own */
    json_object *a = find(&c, "queue_id", "AAAAA1");
    json_object *b = find(&c, "queue_id", "BBBBB2");
    ck_field(a, "bounce_id", "BBBBB2");
    ck_field(a, "origin", "pickup");
    ck_field(a, "pickup.uid", "0");
    ck_field(a, "pickup.from", "root");
    ck_field(b, "parent_id", "AAAAA1");
    ck_field(b, "complete", "true");
    release(&c);
}
END_TEST

START_TEST(reuse_and_timeout_and_eviction)
{
    static const char *const lines[] = {
        "Nov  3 12:00:00 mx postfix/pickup[1]: 1E05E1: uid=0 from=<a>",
        "Nov  3 12:00:00 mx postfix/qmgr[2]: 1E05E1: removed",
        "Nov  3 12:00:00 mx postfix/pickup[1]: 1E05E1: uid=0 from=<b>",
        "Nov  3 12:00:00 mx postfix/qmgr[2]: 1E05E1: removed",
        "Nov  3 12:00:01 mx postfix/pickup[1]: 1D1E01: uid=0 from=<c>",
        "Nov  3 12:00:02 mx postfix/pickup[1]: E1C701: uid=0 from=<d>",
        "Nov  3 12:00:03 mx postfix/pickup[1]: E1C702: uid=0 from=<e>",
        "Nov  3 12:00:04 mx postfix/pickup[1]: E1C703: uid=0 from=<f>",
        "Nov  3 14:00:05 mx postfix/pickup[1]: 1A7E01: uid=0 from=<g>",
        NULL
    };
    pt_core_options o;
    pt_core_options_default(&o);
    o.max_entries = 3;
    collected c;
    pt_stats st;
    run(&o, lines, &c, &st);
    ck_assert_int_eq(c.n, 7);
    ck_field(c.recs[0], "id", "mx/1E05E1/1793707200000000");
    ck_field(c.recs[0], "from", "a");
    ck_field(c.recs[1], "id", "mx/1E05E1/1793707200000000/2");
    ck_field(c.recs[1], "from", "b");
    ck_field(find(&c, "queue_id", "1D1E01"), "end", "evicted");
    ck_field(find(&c, "queue_id", "E1C701"), "end", "timeout");
    ck_field(find(&c, "queue_id", "E1C703"), "end", "timeout");
    ck_field(find(&c, "queue_id", "1A7E01"), "end", "shutdown");
    ck_field(find(&c, "queue_id", "1A7E01"), "complete", "false");
    ck_assert_int_eq(st.evictions, 1);
    ck_assert_int_eq(st.timeouts, 3);
    ck_assert_int_eq(st.rec_shutdown, 1);
    release(&c);
}
END_TEST

START_TEST(noqueue_reject_and_aborted_session)
{
    static const char *const lines[] = {
        "Nov  3 12:00:00 mx postfix/smtpd[7]: connect from unknown[203.0.113.9]",
        "Nov  3 12:00:01 mx postfix/smtpd[7]: NOQUEUE: reject: RCPT from unknown[203.0.113.9]: 554 5.7.1 <x@y>: Relay access denied; from=<spam@bad> to=<x@y> proto=ESMTP helo=<bad.example>",
        "Nov  3 12:00:02 mx postfix/smtpd[7]: D1D1D1D1: client=unknown[203.0.113.9]",
        "Nov  3 12:00:03 mx postfix/smtpd[7]: lost connection after RCPT from unknown[203.0.113.9]",
        "Nov  3 12:00:03 mx postfix/smtpd[7]: disconnect from unknown[203.0.113.9] ehlo=1 mail=1 rcpt=1/2 commands=3/4",
        NULL
    };
    pt_core_options o;
    pt_core_options_default(&o);
    collected c;
    run(&o, lines, &c, NULL);
    ck_assert_int_eq(c.n, 2);
    json_object *r = find(&c, "kind", "reject");
    ck_field(r, "stage", "RCPT");
    ck_field(r, "action", "reject");
    ck_field(r, "smtp_code", "554");
    ck_field(r, "dsn", "5.7.1");
    ck_field(r, "client.ip", "203.0.113.9");
    ck_absent(r, "client.name");
    ck_absent(r, "queue_id");
    ck_field(r, "from", "spam@bad");
    ck_field(r, "helo", "bad.example");
    json_object *m = find(&c, "kind", "message");
    ck_field(m, "end", "aborted");
    ck_field(m, "status", "aborted");
    ck_field(m, "complete", "false");
    ck_field(m, "client.helo", "bad.example");
    ck_field(m, "from", "spam@bad");
    release(&c);
}
END_TEST

/* A process's session made closing by a connect of another client, then
 * set closing again by its own client's next connect in that second, is on
 * the closing list once (it was linked twice: a use after free once the
 * list was walked; ASan builds catch it, found by tests/cli/test-shards). */
START_TEST(session_closing_twice_in_one_second)
{
    static const char *const lines[] = {
        "Nov 23 04:19:56 mail00 postfix/smtpd[4792]: connect from localhost[127.0.0.1]:47614",
        "Nov 23 04:20:10 mail00 postfix/smtpd[4792]: connect from localhost[127.0.0.1]:47598",
        "Nov 23 04:20:10 mail00 postfix/smtpd[4792]: connect from localhost[127.0.0.1]:47614",
        "Nov 23 04:20:11 mail00 postfix/smtpd[4792]: connect from localhost[127.0.0.1]:47600",
        "Nov 23 04:20:11 mail00 postfix/smtpd[4792]: disconnect from localhost[127.0.0.1]:47600 ehlo=1 quit=1 commands=2",
        NULL
    };
    pt_core_options o;
    pt_core_options_default(&o);
    o.reorder_window = 100;
    collected c;
    pt_stats st;
    run(&o, lines, &c, &st);
    ck_assert_int_eq(st.lines_parsed, 5);
    ck_assert_int_eq(st.sessions, 0);
    release(&c);
}
END_TEST

START_TEST(expiry_and_progress)
{
    static const char *const lines[] = {
        "Nov  3 12:00:00 mx postfix/pickup[1]: E0F001: uid=0 from=<a>",
        "Nov  3 12:00:00 mx postfix/qmgr[2]: E0F001: from=<a@mx>, size=10, nrcpt=1 (queue active)",
        "Nov  3 12:00:01 mx postfix/smtp[3]: E0F001: to=<z@far>, relay=none, delay=1, delays=0/0/1/0, dsn=4.4.1, status=deferred (connect to far[192.0.2.1]:25: Connection refused)",
        "Nov  3 12:10:01 mx postfix/smtp[3]: E0F001: to=<z@far>, relay=none, delay=601, delays=0/600/1/0, dsn=4.4.1, status=deferred (connect to far[192.0.2.1]:25: Connection refused)",
        "Nov  3 12:20:00 mx postfix/qmgr[2]: E0F001: from=<a@mx>, status=expired, returned to sender",
        "Nov  3 12:20:00 mx postfix/qmgr[2]: E0F001: removed",
        NULL
    };
    pt_core_options o;
    pt_core_options_default(&o);
    o.emit_deferred = 1;
    collected c;
    pt_stats st;
    run(&o, lines, &c, &st);
    ck_assert_int_eq(c.n, 2);
    ck_field(c.recs[0], "kind", "progress");
    ck_field(c.recs[0], "status", "deferred");
    ck_absent(c.recs[0], "end");
    ck_field(c.recs[1], "kind", "message");
    ck_assert_str_eq(str_at(c.recs[0], "id"), str_at(c.recs[1], "id"));
    ck_field(c.recs[1], "end", "expired");
    ck_field(c.recs[1], "status", "expired");
    ck_field(c.recs[1], "recipients.0.status", "expired");
    ck_field(c.recs[1], "recipients.0.dsn", "4.4.1");
    ck_field(c.recs[1], "recipients.0.attempts", "2");
    ck_assert_int_eq(st.rec_progress, 1);
    ck_assert_int_eq(st.rec_expired, 1);
    release(&c);
}
END_TEST

START_TEST(counters_for_junk)
{
    static const char *const lines[] = {
        "garbage",
        "Nov  3 12:00:00 mx kernel: something",
        "Nov  3 12:00:00 mx postfix/qmgr[1]: 1234567: this is no line Postfix writes",
        "Nov  3 12:00:00 mx postfix/anvil[1]: statistics: max cache size 1 at Nov  3 12:00:00",
        "Nov  3 12:00:00 m\xffx postfix/qmgr[1]: ABCDE1: removed",
        NULL
    };
    pt_core_options o;
    pt_core_options_default(&o);
    collected c;
    pt_stats st;
    run(&o, lines, &c, &st);
    ck_assert_int_eq(c.n, 0);
    ck_assert_int_eq(st.lines_seen, 5);
    ck_assert_int_eq(st.lines_malformed, 2);    /* a HOSTNAME must be printable ASCII */
    ck_assert_int_eq(st.lines_postfix, 2);
    ck_assert_int_eq(st.lines_unrecognised, 1);
    ck_assert_int_eq(st.lines_parsed, 1);
    char buf[1024];
    size_t n = pt_stats_json(&st, buf, sizeof buf);
    ck_assert_uint_lt(n, sizeof buf);
    json_object *j = json_tokener_parse(buf);
    ck_assert_ptr_nonnull(j);
    ck_field(j, "lines_unrecognised", "1");
    ck_field(j, "records.removed", "0");
    json_object_put(j);
    release(&c);
}
END_TEST

/* A bare program name: the daemon from the text, lines without a pid
 * (UBSan: no memcpy from a NULL pid), postsuper's delete told from qmgr's
 * removal by the mail's state, and a BOM before the text. */
START_TEST(bare_program_names)
{
    static const char *const lines[] = {
        "Nov  3 12:00:00 mx postfix: connect from client.example[192.0.2.7]",
        "Nov  3 12:00:00 mx postfix: 4B3C21A2F3: client=client.example[192.0.2.7]",
        "Nov  3 12:00:00 mx postfix[2]: 4B3C21A2F3: message-id=<m1@example>",
        "Nov  3 12:00:01 mx postfix[3]: 4B3C21A2F3: from=<a@example>, size=1, nrcpt=1 (queue active)",
        "Nov  3 12:00:01 mx postfix[4]: 4B3C21A2F3: to=<b@example.org>, relay=none, delay=1, delays=0/0/1/0, dsn=4.4.1, status=deferred (connect to mx[192.0.2.9]:25: Connection refused)",
        "Nov  3 12:00:02 mx postfix[5]: 4B3C21A2F3: removed",
        "Nov  3 12:00:02 mx postfix: disconnect from client.example[192.0.2.7] quit=1 commands=1",
        "Nov  3 12:00:02 mx postfix: connect from client.example[192.0.2.7]",
        "Nov  3 12:00:02 mx postfix: connect from other.example[192.0.2.8]",
        "<22>1 2026-11-03T12:00:03Z mx postfix 6 - - \xEF\xBB\xBF warning: client.example[192.0.2.7]: SASL LOGIN authentication failed: x",
        NULL
    };
    pt_core_options o;
    pt_core_options_default(&o);
    collected c;
    pt_stats st;
    run(&o, lines, &c, &st);
    ck_assert_int_eq(st.lines_postfix, 10);
    ck_assert_int_eq(st.lines_unrecognised, 0);
    json_object *m = find(&c, "queue_id", "4B3C21A2F3");
    ck_assert_ptr_nonnull(m);
    ck_field(m, "end", "deleted");              /* still deferred: postsuper's */
    ck_field(m, "origin", "smtpd");
    ck_field(m, "origin_program", "postfix");
    ck_field(m, "client.ip", "192.0.2.7");
    ck_field(m, "recipients.0.service", "smtp");
    ck_absent(m, "recipients.0.transport");
    json_object *a = find(&c, "kind", "auth");
    ck_assert_ptr_nonnull(a);
    ck_field(a, "service", "smtpd");
    ck_field(a, "sasl_method", "LOGIN");
    release(&c);
}
END_TEST

START_TEST(bad_options)
{
    pt_core_options o;
    pt_core_options_default(&o);
    ck_assert_int_eq(o.max_entries, 100000);
    o.max_entries = 0;
    ck_assert_ptr_null(pt_core_new(&o, keep, NULL));
}
END_TEST


START_TEST(state_roundtrip)
{
    /* the same lines, once straight through, once with a save/load halfway */
    pt_core_options o;
    pt_core_options_default(&o);
    o.include_raw = 1;
    collected whole, split;
    run(&o, sent_lines, &whole, NULL);
    memset(&split, 0, sizeof split);
    char path[] = "/tmp/pt-state-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    pt_header_reader *r = pt_header_reader_new(2026);
    pt_core *c = pt_core_new(&o, keep, &split);
    feed(c, r, sent_lines, 0, 7);
    ck_assert_int_eq(pt_core_save_file(c, path), 0);
    /* a daemon restarting: a new core loads the state and takes the rest */
    collected dropped;
    memset(&dropped, 0, sizeof dropped);
    pt_core *c2 = pt_core_new(&o, keep, &split);
    ck_assert_int_eq(pt_core_load_file(c2, path), 0);
    pt_stats st;
    pt_core_stats(c2, &st);
    ck_assert_int_eq(st.cache_entries, 1);
    feed(c2, r, sent_lines, 7, -1);
    pt_core_free(c2);
    ck_assert_int_eq(split.n, whole.n);
    for (int k = 0; k < whole.n; k++)
        ck_assert_str_eq(json_object_to_json_string(split.recs[k]),
                         json_object_to_json_string(whole.recs[k]));
    /* a corrupted file loads nothing */
    FILE *f = fopen(path, "r+");
    ck_assert_ptr_nonnull(f);
    fseek(f, 30, SEEK_SET);
    fputc('#', f);
    fclose(f);
    pt_core *c3 = pt_core_new(&o, keep, &dropped);
    ck_assert_int_eq(pt_core_load_file(c3, path), -1);
    pt_core_stats(c3, &st);
    ck_assert_int_eq(st.cache_entries, 0);
    pt_core_free(c3);
    ck_assert_int_eq(dropped.n, 0);
    ck_assert_int_eq(pt_core_load_file(c3 = pt_core_new(&o, keep, &dropped), "/nonexistent/x"), 0);
    pt_core_free(c3);
    /* the first core still holds its entry: flush it into a throwaway sink */
    collected rest;
    memset(&rest, 0, sizeof rest);
    pt_core_free(c);
    unlink(path);
    pt_header_reader_free(r);
    release(&whole);
    release(&split);
}
END_TEST

START_TEST(capacity_counts_lingering)
{
    /* three finished mails linger; a cache of 2 still never holds more than 2 */
    static const char *const lines[] = {
        "Nov  3 12:00:00 mx postfix/pickup[1]: AAAAA1: uid=0 from=<a>",
        "Nov  3 12:00:00 mx postfix/qmgr[2]: AAAAA1: removed",
        "Nov  3 12:00:00 mx postfix/pickup[1]: BBBBB2: uid=0 from=<b>",
        "Nov  3 12:00:00 mx postfix/qmgr[2]: BBBBB2: removed",
        "Nov  3 12:00:00 mx postfix/pickup[1]: CCCCC3: uid=0 from=<c>",
        "Nov  3 12:00:00 mx postfix/qmgr[2]: CCCCC3: removed",
        "Nov  3 12:00:00 mx postfix/pickup[1]: DDDDD4: uid=0 from=<d>",
        NULL
    };
    pt_core_options o;
    pt_core_options_default(&o);
    o.max_entries = 2;
    collected c;
    pt_stats st;
    run(&o, lines, &c, &st);
    ck_assert_int_eq(c.n, 4);
    ck_assert_int_le(st.cache_high_water, 2);
    ck_assert_int_eq(st.evictions, 0);
    ck_assert_int_eq(st.rec_removed, 3);
    ck_field(c.recs[0], "queue_id", "AAAAA1");
    release(&c);
}
END_TEST

START_TEST(filter_discard_reconnect_and_tick)
{
    static const char *const lines[] = {
        /* a FILTER action before the queue ID, then one after it */
        "Nov  3 12:00:00 mx postfix/smtpd[5]: connect from a.example[192.0.2.1]",
        "Nov  3 12:00:01 mx postfix/smtpd[5]: NOQUEUE: filter: RCPT from a.example[192.0.2.1]: <u@mx>: Recipient address triggers FILTER smtp-amavis:[127.0.0.1]:10024; from=<s@a.example> to=<u@mx> proto=ESMTP helo=<a.example>",
        "Nov  3 12:00:01 mx postfix/smtpd[5]: F11111: client=a.example[192.0.2.1]",
        "Nov  3 12:00:01 mx postfix/smtpd[5]: F11111: filter: RCPT from a.example[192.0.2.1]: <v@mx>: Recipient address triggers FILTER smtp-amavis:[127.0.0.1]:10024; from=<s@a.example> to=<v@mx> proto=ESMTP helo=<a.example>",
        /* the same smtpd process connects again: the unfinished message was aborted */
        "Nov  3 12:00:02 mx postfix/smtpd[5]: connect from b.example[192.0.2.2]",
        "Nov  3 12:00:02 mx postfix/smtpd[5]: D22222: client=b.example[192.0.2.2]",
        "Nov  3 12:00:02 mx postfix/cleanup[6]: D22222: message-id=<d@b>",
        "Nov  3 12:00:02 mx postfix/cleanup[6]: D22222: discard: header Subject: spam from b.example[192.0.2.2]; from=<x@b.example> to=<u@mx> proto=ESMTP helo=<b.example>: drop it",
        NULL
    };
    pt_core_options o;
    pt_core_options_default(&o);
    collected c;
    memset(&c, 0, sizeof c);
    pt_core *core = pt_core_new(&o, keep, &c);
    pt_header_reader *r = pt_header_reader_new(2026);
    pt_time last = feed(core, r, lines, 0, -1);
    /* the discarded message lingers: no record until the clock moves on */
    int before = c.n;
    pt_time t = last;
    t.sec += 1;
    pt_core_advance_clock(core, pt_slice_make("", 0), &t);
    ck_assert_int_eq(c.n, before);
    t.sec += 2;
    pt_core_advance_clock(core, pt_slice_make("", 0), &t);   /* past linger: emitted */
    ck_assert_int_eq(before, 0);                /* a FILTER line is no reject record */
    ck_assert_int_eq(c.n, 2);                   /* the aborted one lingered as well */
    json_object *d = find(&c, "queue_id", "D22222");
    ck_field(d, "end", "discarded");
    ck_field(d, "status", "discarded");
    ck_field(d, "complete", "true");
    ck_field(d, "events.0.action", "discard");
    ck_field(d, "from", "x@b.example");
    json_object *f = find(&c, "queue_id", "F11111");
    ck_field(f, "end", "aborted");
    ck_field(f, "events.0.action", "filter");
    ck_field(f, "events.1.action", "filter");
    ck_field(f, "client.helo", "a.example");
    t.sec += 7200;
    pt_core_advance_clock(core, pt_slice_make("", 0), &t);   /* nothing left for the idle timeout */
    pt_stats st;
    pt_core_stats(core, &st);
    ck_assert_int_eq(st.cache_entries, 0);
    ck_assert_int_eq(st.rec_aborted, 1);
    ck_assert_int_eq(st.rec_discarded, 1);
    ck_assert_int_eq(st.rec_reject, 0);
    pt_core_free(core);
    pt_header_reader_free(r);
    release(&c);
}
END_TEST

START_TEST(state_rejects_every_damage)
{
    /* any cut or changed byte of a state file loads nothing */
    pt_core_options o;
    pt_core_options_default(&o);
    collected c;
    memset(&c, 0, sizeof c);
    pt_core *core = pt_core_new(&o, keep, &c);
    pt_header_reader *r = pt_header_reader_new(2026);
    feed(core, r, sent_lines, 0, 6);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_int_eq(pt_core_save(core, f), 0);
    fclose(f);
    for (size_t cut = 0; cut < len; cut += 7) {
        pt_core *k = pt_core_new(&o, keep, &c);
        FILE *g = fmemopen(buf, cut ? cut : 1, "r");
        ck_assert_msg(pt_core_load(k, g) == -1, "cut at %zu of %zu loads", cut, len);
        fclose(g);
        pt_stats st;
        pt_core_stats(k, &st);
        ck_assert_int_eq(st.cache_entries, 0);
        pt_core_free(k);
    }
    for (size_t pos = 0; pos + 1 < len; pos += 13) {
        char saved = buf[pos];
        buf[pos] = (char)(saved ^ 0x20);
        pt_core *k = pt_core_new(&o, keep, &c);
        FILE *g = fmemopen(buf, len, "r");
        ck_assert_msg(pt_core_load(k, g) == -1, "byte %zu changed loads", pos);
        fclose(g);
        pt_core_free(k);
        buf[pos] = saved;
    }
    /* the intact file loads, and only into an empty core */
    pt_core *k = pt_core_new(&o, keep, &c);
    FILE *g = fmemopen(buf, len, "r");
    ck_assert_int_eq(pt_core_load(k, g), 0);
    fclose(g);
    g = fmemopen(buf, len, "r");
    ck_assert_int_eq(pt_core_load(k, g), -1);
    fclose(g);
    pt_core_free(k);
    free(buf);
    pt_core_free(core);
    pt_header_reader_free(r);
    release(&c);
}
END_TEST

START_TEST(quiet_tick_moves_the_log_clock)
{
    /* an old log replayed: the quiet tick counts from the host's latest
     * line time, not from the wall clock, so an open mail times out only
     * after the idle timeout has passed in quiet time (arrival stamps in
     * microseconds: the lines arrive at 1, 2 and 3) */
    static const char *const lines[] = {
        "Nov  3 12:00:00 mx postfix/pickup[1]: ABCDE1: uid=0 from=<a>",
        "Nov  3 12:00:05 mx postfix/pickup[1]: BCDEF2: uid=0 from=<b>",
        "Nov  3 12:00:05 mx postfix/qmgr[2]: BCDEF2: removed",
        NULL
    };
    pt_core_options o;
    pt_core_options_default(&o);
    o.idle_timeout = 60;
    o.quiet_clock = 1;
    collected c;
    memset(&c, 0, sizeof c);
    pt_core *core = pt_core_new(&o, keep, &c);
    pt_core_tick(core, 1000000000);             /* before any line: nothing */
    pt_header_reader *r = pt_header_reader_new(2026);
    feed(core, r, lines, 0, -1);
    ck_assert_int_eq(c.n, 0);
    pt_core_tick(core, 3 + 1500000);            /* 1.5 s: the linger of 2 s not over */
    ck_assert_int_eq(c.n, 0);
    pt_core_tick(core, 3 + 2000000);            /* 2 s after the latest line */
    ck_assert_int_eq(c.n, 1);
    ck_field(c.recs[0], "queue_id", "BCDEF2");
    pt_core_tick(core, 3 + 54000000);           /* 59 s after ABCDE1's line: still open */
    ck_assert_int_eq(c.n, 1);
    pt_core_tick(core, 3 + 55000000);           /* 60 s */
    ck_assert_int_eq(c.n, 2);
    ck_field(c.recs[1], "end", "timeout");
    pt_core_free(core);
    pt_header_reader_free(r);
    release(&c);
}
END_TEST

/* Regression (issue 6): a late "forwarded as" line while the cache is full
 * must not free the finished mail it belongs to (it used to: SIGSEGV under
 * emit-deferred). Every mail still ends as exactly one final record. */
START_TEST(full_cache_link_keeps_current_entry)
{
    static const char *const lines[] = {
        "2026-11-03T12:00:00+00:00 mx postfix/qmgr[1]: AAAAAAAAA1: from=<a@b.example>, size=1, nrcpt=1 (queue active)",
        "2026-11-03T12:00:00+00:00 mx postfix/qmgr[1]: AAAAAAAAA1: removed",
        "2026-11-03T12:00:00+00:00 mx postfix/qmgr[1]: BBBBBBBBB2: from=<a@b.example>, size=1, nrcpt=1 (queue active)",
        "2026-11-03T12:00:00+00:00 mx postfix/local[2]: AAAAAAAAA1: to=<x@mx.example>, relay=local, delay=0, delays=0/0/0/0, dsn=2.0.0, status=deferred (forwarded as CCCCCCCCC3)",
        "2026-11-03T12:00:00+00:00 mx postfix/qmgr[1]: CCCCCCCCC3: from=<a@b.example>, size=1, nrcpt=1 (queue active)",
        "2026-11-03T12:00:01+00:00 mx postfix/smtp[3]: CCCCCCCCC3: to=<y@remote.example>, relay=r.example[192.0.2.1]:25, delay=0, delays=0/0/0/0, dsn=2.0.0, status=sent (250 ok)",
        "2026-11-03T12:00:01+00:00 mx postfix/qmgr[1]: CCCCCCCCC3: removed",
        NULL
    };
    pt_core_options o;
    pt_core_options_default(&o);
    o.max_entries = 2;
    o.emit_deferred = 1;
    collected c;
    pt_stats st;
    run(&o, lines, &c, &st);
    int finals = 0;
    for (int i = 0; i < c.n; i++)
        if (strcmp(str_at(c.recs[i], "kind"), "message") == 0)
            finals++;
    ck_assert_int_eq(finals, 3);
    json_object *a = find(&c, "queue_id", "AAAAAAAAA1");
    ck_assert_ptr_nonnull(a);
    ck_field(a, "recipients.0.to", "x@mx.example");
    ck_field(find(&c, "queue_id", "CCCCCCCCC3"), "parent_id", "AAAAAAAAA1");
    ck_assert_int_le(st.cache_high_water, 2);
    release(&c);
}
END_TEST

/* Sessions that never disconnect count toward max_entries: the oldest go. */
START_TEST(sessions_count_toward_max_entries)
{
    pt_core_options o;
    pt_core_options_default(&o);
    o.max_entries = 10;
    collected c;
    memset(&c, 0, sizeof c);
    pt_core *core = pt_core_new(&o, keep, &c);
    pt_header_reader *r = pt_header_reader_new(2026);
    char buf[200];
    for (int i = 0; i < 1000; i++) {
        snprintf(buf, sizeof buf, "Nov  3 12:00:%02d mx postfix/smtpd[%d]: connect from "
                 "c%d.example[192.0.2.%d]", i % 60, 1000 + i, i, i % 250);
        feed_one(core, r, buf);
    }
    pt_stats st;
    pt_core_stats(core, &st);
    ck_assert_int_eq(st.sessions, 10);
    ck_assert_int_eq(st.sessions_evicted, 990);
    pt_core_free(core);
    pt_header_reader_free(r);
    release(&c);
}
END_TEST

/* A mail with more recipients than max_recipients: the record keeps the
 * first ones, counts the rest in truncated, and its status covers all. */
START_TEST(recipient_cap_truncates_record)
{
    pt_core_options o;
    pt_core_options_default(&o);
    o.max_recipients = 3;
    collected c;
    memset(&c, 0, sizeof c);
    pt_core *core = pt_core_new(&o, keep, &c);
    pt_header_reader *r = pt_header_reader_new(2026);
    char buf[300];
    for (int i = 0; i < 12; i++) {
        if (i < 10)
            snprintf(buf, sizeof buf, "Nov  3 12:00:01 mx postfix/smtp[9]: ABCDE1: to=<r%d@x.example>, "
                     "relay=x[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)", i);
        else if (i == 10)
            snprintf(buf, sizeof buf, "Nov  3 12:00:01 mx postfix/smtp[9]: ABCDE1: to=<r9@x.example>, "
                     "relay=x[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (550 no)");
        else
            snprintf(buf, sizeof buf, "Nov  3 12:00:01 mx postfix/qmgr[2]: ABCDE1: removed");
        feed_one(core, r, buf);
    }
    pt_core_flush(core);
    pt_stats st;
    pt_core_stats(core, &st);
    ck_assert_int_eq(c.n, 1);
    ck_assert_int_eq(json_object_array_length(json_object_object_get(c.recs[0], "recipients")), 3);
    ck_field(c.recs[0], "truncated.recipients", "7");
    ck_field(c.recs[0], "status", "mixed");
    ck_field(c.recs[0], "lines", "12");
    ck_assert_int_eq(st.records_truncated, 1);
    pt_core_free(core);
    pt_header_reader_free(r);
    release(&c);
}
END_TEST


/* SCHEMA.md's `queued as` rule: a remote server's queue ID never links a
 * local mail that shares it; a content filter (loopback or not) and a
 * re-injection through a socket do. */
START_TEST(queued_as_links_only_reinjections)
{
    static const char *const lines[] = {
        /* a local mail from outside whose ID a remote server also uses */
        "Nov  3 12:00:00 mx postfix/smtpd[10]: AAAA000001: client=outside.example[203.0.113.9]",
        "Nov  3 12:00:00 mx postfix/qmgr[2]: AAAA000001: from=<x@outside.example>, size=10, nrcpt=1 (queue active)",
        /* P1 relayed to a remote MX that answers "queued as AAAA000001" */
        "Nov  3 12:00:01 mx postfix/pickup[3]: BBBB000001: uid=0 from=<root>",
        "Nov  3 12:00:01 mx postfix/qmgr[2]: BBBB000001: from=<root@mx>, size=10, nrcpt=1 (queue active)",
        "Nov  3 12:00:01 mx postfix/smtp[4]: BBBB000001: to=<u@remote.example>, relay=mx.remote.example[198.51.100.5]:25, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as AAAA000001)",
        /* P2 through a loopback content filter that re-injects as CCCC000002 */
        "Nov  3 12:00:02 mx postfix/smtpd[11]: CCCC000002: client=localhost[127.0.0.1]",
        "Nov  3 12:00:02 mx postfix/pickup[3]: BBBB000002: uid=0 from=<root>",
        "Nov  3 12:00:02 mx postfix/amavis/smtp[5]: BBBB000002: to=<v@mx>, relay=127.0.0.1[127.0.0.1]:10024, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as CCCC000002)",
        /* P3 through a filter on another box that re-injects from its address */
        "Nov  3 12:00:03 mx postfix/smtpd[12]: DDDD000003: client=filter.example[10.0.0.5]",
        "Nov  3 12:00:03 mx postfix/pickup[3]: BBBB000003: uid=0 from=<root>",
        "Nov  3 12:00:03 mx postfix/scan/smtp[6]: BBBB000003: to=<w@mx>, relay=filter.example[10.0.0.5]:10024, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as DDDD000003)",
        /* P4 through an LMTP socket to a loopback re-injection */
        "Nov  3 12:00:04 mx postfix/smtpd[13]: EEEE000004: client=localhost[127.0.0.1]",
        "Nov  3 12:00:04 mx postfix/pickup[3]: BBBB000004: uid=0 from=<root>",
        "Nov  3 12:00:04 mx postfix/lmtp[7]: BBBB000004: to=<y@mx>, relay=mx[private/filter]:0, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as EEEE000004)",
        /* a remote MX on loopback's address family but not loopback: no link */
        "Nov  3 12:00:05 mx postfix/smtpd[14]: FFFF000005: client=other.example[192.0.2.99]",
        "Nov  3 12:00:05 mx postfix/pickup[3]: BBBB000005: uid=0 from=<root>",
        "Nov  3 12:00:05 mx postfix/smtp[8]: BBBB000005: to=<z@mx>, relay=127.0.0.1[127.0.0.1]:10024, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as FFFF000005)",
        NULL
    };
    pt_core_options o;
    pt_core_options_default(&o);
    collected c;
    run(&o, lines, &c, NULL);
    ck_absent(find(&c, "queue_id", "AAAA000001"), "parent_id");
    ck_field(find(&c, "queue_id", "CCCC000002"), "parent_id", "BBBB000002");
    ck_field(find(&c, "queue_id", "DDDD000003"), "parent_id", "BBBB000003");
    ck_field(find(&c, "queue_id", "EEEE000004"), "parent_id", "BBBB000004");
    ck_absent(find(&c, "queue_id", "FFFF000005"), "parent_id");
    ck_field(find(&c, "queue_id", "BBBB000001"), "recipients.0.queued_as", "AAAA000001");
    release(&c);
}
END_TEST

/* Each host has its own clock: a host 3 h ahead, or a future line of another
 * program, times out nobody else's mails. */
START_TEST(per_host_clocks)
{
    static const char *const lines[] = {
        "Nov  3 12:00:00 a postfix/pickup[1]: A00001: uid=0 from=<a>",
        "Nov  3 15:00:00 b postfix/pickup[1]: B00001: uid=0 from=<b>",
        "Nov  3 23:59:00 a cron[7]: (root) CMD (true)",
        "Nov  3 12:00:01 a postfix/qmgr[2]: A00001: from=<a@a>, size=1, nrcpt=1 (queue active)",
        "Nov  3 15:00:01 b postfix/qmgr[2]: B00001: from=<b@b>, size=1, nrcpt=1 (queue active)",
        "Nov  3 12:00:02 a postfix/qmgr[2]: A00001: removed",
        "Nov  3 15:00:02 b postfix/qmgr[2]: B00001: removed",
        NULL
    };
    pt_core_options o;
    pt_core_options_default(&o);
    o.idle_timeout = 60;
    collected c;
    pt_stats st;
    run(&o, lines, &c, &st);
    ck_assert_int_eq(c.n, 2);
    ck_field(find(&c, "queue_id", "A00001"), "end", "removed");
    ck_field(find(&c, "queue_id", "B00001"), "end", "removed");
    ck_assert_int_eq(st.timeouts, 0);
    release(&c);
}
END_TEST

/* Every line twice: the same records but for `lines`, duplicates counted;
 * an smtpd process's two identical connect lines are two sessions. */
START_TEST(duplicates_fold_once)
{
    collected once, twice;
    pt_core_options o;
    pt_core_options_default(&o);
    pt_stats st1, st2;
    run(&o, sent_lines, &once, &st1);
    const char *dup[64];
    int n = 0;
    for (int i = 0; sent_lines[i]; i++) {
        dup[n++] = sent_lines[i];
        dup[n++] = sent_lines[i];
    }
    dup[n] = NULL;
    run(&o, dup, &twice, &st2);
    ck_assert_int_eq(once.n, twice.n);
    for (int i = 0; i < once.n; i++) {
        json_object_object_del(once.recs[i], "lines");
        json_object_object_del(twice.recs[i], "lines");
        ck_assert_str_eq(json_object_to_json_string(once.recs[i]),
                         json_object_to_json_string(twice.recs[i]));
    }
    ck_assert_int_eq(st1.lines_duplicate, 0);
    ck_assert_int_gt(st2.lines_duplicate, 9);
    release(&once);
    release(&twice);
}
END_TEST

/* The reorder window: lines of one timestamp in any order, and lines late
 * by less than the window, give the records of the log in order; a line
 * later than the window is counted in lines_late and still folded in. */
START_TEST(reorder_window_orders_lines)
{
    pt_core_options o;
    pt_core_options_default(&o);
    o.reorder_window = 4;                       /* lines */
    collected want, got;
    run(&o, sent_lines, &want, NULL);
    const char *rev[32];
    int n = 0;
    while (sent_lines[n])
        n++;
    for (int i = 0; i < n; i++)                 /* each second's lines reversed */
        rev[i] = sent_lines[i];
    for (int a = 0; a < n;) {
        int b = a;
        while (b < n && strncmp(sent_lines[a], sent_lines[b], 15) == 0)
            b++;
        for (int i = a; i < b; i++)
            rev[i] = sent_lines[b - 1 - (i - a)];
        a = b;
    }
    rev[n] = NULL;
    pt_stats st;
    run(&o, rev, &got, &st);
    ck_assert_int_eq(want.n, got.n);
    for (int i = 0; i < want.n; i++)
        ck_assert_str_eq(json_object_to_json_string(want.recs[i]),
                         json_object_to_json_string(got.recs[i]));
    ck_assert_int_eq(st.lines_late, 0);
    release(&got);
    /* the first line moved 10 lines later: more than the window */
    const char *late[32];
    for (int i = 0; i < n; i++)
        late[i] = sent_lines[i < 10 ? i + 1 : i == 10 ? 0 : i];
    late[n] = NULL;
    run(&o, late, &got, &st);
    ck_assert_int_eq(st.lines_late, 1);
    ck_assert_int_eq(got.n, want.n);
    release(&got);
    release(&want);
}
END_TEST

/* Run the suite. */
int main(void)
{
    setenv("TZ", "UTC", 1);
    Suite *s = suite_create("core");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, sent_and_bounce_linked);
    tcase_add_test(tc, queued_as_links_only_reinjections);
    tcase_add_test(tc, per_host_clocks);
    tcase_add_test(tc, duplicates_fold_once);
    tcase_add_test(tc, reorder_window_orders_lines);
    tcase_add_test(tc, late_link_lands_while_lingering);
    tcase_add_test(tc, reuse_and_timeout_and_eviction);
    tcase_add_test(tc, noqueue_reject_and_aborted_session);
    tcase_add_test(tc, expiry_and_progress);
    tcase_add_test(tc, counters_for_junk);
    tcase_add_test(tc, bare_program_names);
    tcase_add_test(tc, bad_options);
    tcase_add_test(tc, state_roundtrip);
    tcase_add_test(tc, capacity_counts_lingering);
    tcase_add_test(tc, filter_discard_reconnect_and_tick);
    tcase_add_test(tc, state_rejects_every_damage);
    tcase_add_test(tc, quiet_tick_moves_the_log_clock);
    tcase_add_test(tc, full_cache_link_keeps_current_entry);
    tcase_add_test(tc, sessions_count_toward_max_entries);
    tcase_add_test(tc, recipient_cap_truncates_record);
    tcase_add_test(tc, session_closing_twice_in_one_second);
    suite_add_tcase(s, tc);
    return pt_check_run(s);
}
