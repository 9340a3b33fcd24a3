/*
 * test_parse.c - unit tests of pt_parse and pt_program_split (Check).
 * Every line here is written for these tests (Postfix 3.7 formats).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "postfix-trace/event.h"

/* Each parse copies program and message into exact-size heap buffers so
 * that ASan reports any read past a slice. */

/* pt_program_is_postfix says what pt_program_split says, for every shape. */
START_TEST(is_postfix_agrees_with_split)
{
    static const char *const names[] = {
        "postfix/smtpd", "postfix-out/qmgr", "postfix/amavis/smtp", "postfix", "postfix/",
        "postfix/x", "postfi/smtpd", "postfixx/smtpd", "cron", "", "/postfix/smtpd",
        "postfix//", "postfix/smtpd/", "Postfix/smtpd", "postfix-in/10025/smtpd", NULL
    };
    for (int i = 0; names[i]; i++) {
        pt_program pg;
        pt_slice s = pt_slice_cstr(names[i]);
        ck_assert_msg(pt_program_is_postfix(s) == pt_program_split(s, &pg), "%s", names[i]);
    }
}
END_TEST

static char *g_prog, *g_msg;
static pt_event ev;

static void release(void)
{
    free(g_prog);
    free(g_msg);
    g_prog = g_msg = NULL;
}

static pt_ev_kind parse_n(const char *prog, const char *msg, size_t n)
{
    pt_line line;
    size_t pn = strlen(prog);
    release();
    g_prog = malloc(pn ? pn : 1);
    g_msg = malloc(n ? n : 1);
    memcpy(g_prog, prog, pn);
    memcpy(g_msg, msg, n);
    memset(&line, 0, sizeof(line));
    line.program = pt_slice_make(g_prog, pn);
    line.msg = pt_slice_make(g_msg, n);
    return pt_parse(&line, &ev);
}

static pt_ev_kind parse(const char *prog, const char *msg)
{
    return parse_n(prog, msg, strlen(msg));
}

#define ck_sl(s, lit) do { \
        pt_slice s_ = (s); \
        ck_assert_msg(s_.p != NULL && pt_slice_eq(s_, lit), \
                      "%s: got \"%.*s\"%s want \"%s\"", #s, (int)s_.n, \
                      s_.p ? s_.p : "", s_.p ? "" : " (absent)", lit); \
    } while (0)
#define ck_absent(s) ck_assert_msg((s).p == NULL, "%s: should be absent, got \"%.*s\"", \
                                   #s, (int)(s).n, (s).p)

/* ---- program names ---- */

START_TEST(t_program)
{
    pt_program p;
    ck_assert_int_eq(pt_program_split(pt_slice_cstr("postfix/smtpd"), &p), 1);
    ck_sl(p.syslog_name, "postfix");
    ck_assert_int_eq((int)p.transport.n, 0);
    ck_sl(p.daemon, "smtpd");
    ck_assert_int_eq(pt_program_split(pt_slice_cstr("postfix-out/smtp"), &p), 1);
    ck_sl(p.syslog_name, "postfix-out");
    ck_assert_int_eq((int)p.transport.n, 0);
    ck_sl(p.daemon, "smtp");
    ck_assert_int_eq(pt_program_split(pt_slice_cstr("postfix/submission/smtpd"), &p), 1);
    ck_sl(p.syslog_name, "postfix/submission");
    ck_sl(p.transport, "submission");
    ck_sl(p.daemon, "smtpd");
    ck_assert_int_eq(pt_program_split(pt_slice_cstr("postfix/amavis/smtp"), &p), 1);
    ck_sl(p.transport, "amavis");
    ck_sl(p.daemon, "smtp");
    ck_assert_int_eq(pt_program_split(pt_slice_cstr("postfix/10025/smtpd"), &p), 1);
    ck_sl(p.transport, "10025");
    ck_sl(p.syslog_name, "postfix/10025");
    ck_assert_int_eq(pt_program_split(pt_slice_cstr("postfix-in/x/y/smtpd"), &p), 1);
    ck_sl(p.transport, "x/y");
    ck_assert_int_eq(pt_program_split(pt_slice_cstr("sshd"), &p), 0);
    ck_assert_int_eq(pt_program_split(pt_slice_cstr("dovecot/imap"), &p), 0);
    ck_assert_int_eq(pt_program_split(pt_slice_cstr("postfix/"), &p), 0);
    ck_assert_int_eq(pt_program_split(pt_slice_cstr("postfix"), &p), 0);
    ck_assert_int_eq(pt_program_split(pt_slice_make(NULL, 0), &p), 0);
    ck_assert_int_eq(parse("sshd", "Accepted publickey for root"), PT_EV_NOT_POSTFIX);
}
END_TEST

START_TEST(t_client)
{
    pt_client c;
    const char *s = "mx.example.net[192.0.2.7]:4567: rest";
    ck_assert_uint_eq(pt_parse_client(pt_slice_cstr(s), &c), 30);
    ck_sl(c.name, "mx.example.net");
    ck_sl(c.ip, "192.0.2.7");
    ck_assert_int_eq(c.port, 4567);
    ck_assert_uint_eq(pt_parse_client(pt_slice_cstr("unknown[2001:db8::5]"), &c), 20);
    ck_absent(c.name);
    ck_sl(c.ip, "2001:db8::5");
    ck_assert_int_eq(c.port, -1);
    ck_assert_uint_eq(pt_parse_client(pt_slice_cstr("[198.51.100.3]:25"), &c), 17);
    ck_absent(c.name);
    ck_assert_int_eq(c.port, 25);
    ck_assert_uint_eq(pt_parse_client(pt_slice_cstr("unknown[unknown]"), &c), 16);
    ck_absent(c.ip);
    ck_assert_uint_eq(pt_parse_client(pt_slice_cstr("a b[1.2.3.4]"), &c), 0);
    ck_assert_uint_eq(pt_parse_client(pt_slice_cstr("host[1.2.3.4"), &c), 0);
    ck_assert_uint_eq(pt_parse_client(pt_slice_cstr("host[1.2.3.4]:99999"), &c), 0);
}
END_TEST

/* ---- smtpd ---- */

START_TEST(t_connect)
{
    ck_assert_int_eq(parse("postfix/smtpd", "connect from mail.example.org[203.0.113.9]"), PT_EV_CONNECT);
    ck_sl(ev.client.name, "mail.example.org");
    ck_sl(ev.client.ip, "203.0.113.9");
    ck_assert_int_eq(ev.client.port, -1);
    ck_absent(ev.queue_id);
    ck_sl(ev.prog.daemon, "smtpd");
    ck_assert_int_eq(parse("postfix/submission/smtpd", "connect from unknown[198.51.100.20]:51515"), PT_EV_CONNECT);
    ck_absent(ev.client.name);
    ck_assert_int_eq(ev.client.port, 51515);
    ck_sl(ev.prog.transport, "submission");
    ck_assert_int_eq(parse("postfix/smtpd", "connect from mail.example.org[203.0.113.9] junk"), PT_EV_UNRECOGNISED);
}
END_TEST

START_TEST(t_disconnect)
{
    ck_assert_int_eq(parse("postfix/smtpd", "disconnect from mail.example.org[203.0.113.9] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5"), PT_EV_DISCONNECT);
    ck_sl(ev.client.ip, "203.0.113.9");
    ck_assert_int_eq(ev.disconnect_lost, 0);
    ck_assert_int_eq(parse("postfix/smtpd", "disconnect from unknown[unknown] commands=0/0"), PT_EV_DISCONNECT);
    ck_absent(ev.client.ip);
    ck_assert_int_eq(parse("postfix/smtpd", "disconnect from h.example[10.0.0.1]"), PT_EV_DISCONNECT);
    ck_assert_int_eq(parse("postfix/smtpd", "lost connection after DATA (1024 bytes) from h.example[10.0.0.1]"), PT_EV_DISCONNECT);
    ck_assert_int_eq(ev.disconnect_lost, 1);
    ck_sl(ev.stage, "DATA (1024 bytes)");
    ck_sl(ev.client.name, "h.example");
    ck_assert_int_eq(parse("postfix/smtpd", "timeout after END-OF-MESSAGE from unknown[10.0.0.2]"), PT_EV_DISCONNECT);
    ck_assert_int_eq(ev.disconnect_lost, 1);
    ck_sl(ev.stage, "END-OF-MESSAGE");
    ck_sl(ev.client.ip, "10.0.0.2");
    ck_assert_int_eq(parse("postfix/smtpd", "lost connection after RCPT from"), PT_EV_UNRECOGNISED);
}
END_TEST

START_TEST(t_client_line)
{
    ck_assert_int_eq(parse("postfix/smtpd", "4B3C21A2F3: client=mail.example.org[203.0.113.9]:40123"), PT_EV_CLIENT);
    ck_sl(ev.queue_id, "4B3C21A2F3");
    ck_sl(ev.client.name, "mail.example.org");
    ck_assert_int_eq(ev.client.port, 40123);
    ck_absent(ev.sasl_method);
    ck_assert_int_eq(parse("postfix/submission/smtpd", "4jXs7c5Jprz1bp7c: client=laptop.example.net[198.51.100.4]:60001, sasl_method=PLAIN, sasl_username=alice@example.net"), PT_EV_CLIENT);
    ck_sl(ev.queue_id, "4jXs7c5Jprz1bp7c");
    ck_sl(ev.sasl_method, "PLAIN");
    ck_sl(ev.sasl_username, "alice@example.net");
    ck_absent(ev.sasl_sender);
    ck_assert_int_eq(parse("postfix/smtpd", "48rT2v1hQrz1J0N: client=a.example[192.0.2.1], sasl_method=LOGIN, sasl_username=bob, sasl_sender=carol@example.com"), PT_EV_CLIENT);
    ck_sl(ev.sasl_username, "bob");
    ck_sl(ev.sasl_sender, "carol@example.com");
    ck_assert_int_eq(parse("postfix/10025/smtpd", "6F1E2C0A11: client=localhost[127.0.0.1]:41000, orig_queue_id=5E0D1B09F0, orig_client=mail.example.org[203.0.113.9]"), PT_EV_CLIENT);
    ck_sl(ev.orig_queue_id, "5E0D1B09F0");
    ck_assert_int_eq(parse("postfix/qmqpd", "7A1B2C3D4E: client=relay.example[192.0.2.50]"), PT_EV_CLIENT);
    ck_sl(ev.client.ip, "192.0.2.50");
    ck_assert_int_eq(parse("postfix/smtpd", "7A1B2C3D4E: client=relay.example[192.0.2.50], bogus=1"), PT_EV_UNRECOGNISED);
}
END_TEST

START_TEST(t_tls)
{
    ck_assert_int_eq(parse("postfix/smtpd", "Anonymous TLS connection established from mail.example.org[203.0.113.9]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256"), PT_EV_TLS);
    ck_sl(ev.tls_trust, "Anonymous");
    ck_sl(ev.tls_protocol, "TLSv1.3");
    ck_sl(ev.tls_cipher, "TLS_AES_256_GCM_SHA384");
    ck_assert_int_eq(ev.tls_bits, 256);
    ck_sl(ev.client.ip, "203.0.113.9");
    ck_assert_int_eq(parse("postfix/smtpd", "Untrusted TLS connection established from x.example[10.1.1.1]:2222: TLSv1.2 with cipher ECDHE-RSA-AES128-GCM-SHA256 (128/128 bits)"), PT_EV_TLS);
    ck_sl(ev.tls_trust, "Untrusted");
    ck_assert_int_eq(ev.tls_bits, 128);
    ck_assert_int_eq(ev.client.port, 2222);
}
END_TEST

START_TEST(t_reject)
{
    ck_assert_int_eq(parse("postfix/smtpd", "NOQUEUE: reject: RCPT from unknown[192.0.2.99]: 554 5.7.1 <x@victim.example>: Relay access denied; from=<spam@sender.example> to=<x@victim.example> proto=ESMTP helo=<bad.example>"), PT_EV_REJECT);
    ck_assert_int_eq((int)ev.queue_id.n, 0);
    ck_sl(ev.action, "reject");
    ck_assert_str_eq(ev.action_name, "reject");
    ck_sl(ev.stage, "RCPT");
    ck_absent(ev.client.name);
    ck_sl(ev.client.ip, "192.0.2.99");
    ck_assert_int_eq(ev.smtp_code, 554);
    ck_sl(ev.dsn, "5.7.1");
    ck_sl(ev.reason, "<x@victim.example>: Relay access denied");
    ck_sl(ev.from, "spam@sender.example");
    ck_sl(ev.to, "x@victim.example");
    ck_sl(ev.proto, "ESMTP");
    ck_sl(ev.helo, "bad.example");

    ck_assert_int_eq(parse("postfix/smtpd", "NOQUEUE: reject: RCPT from bl.example[198.51.100.77]:3333: 554 5.7.1 Service unavailable; Client host [198.51.100.77] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/198.51.100.77; from=<> to=<u@example.com> proto=SMTP helo=<bl.example>"), PT_EV_REJECT);
    ck_sl(ev.reason, "Service unavailable; Client host [198.51.100.77] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/198.51.100.77");
    ck_sl(ev.from, "");
    ck_assert_int_eq(ev.client.port, 3333);
    ck_sl(ev.helo, "bl.example");

    /* with queue ID, no helo, reject_warning */
    ck_assert_int_eq(parse("postfix/smtpd", "1A2B3C4D5E: reject_warning: RCPT from h.example[192.0.2.1]: 450 4.1.2 <u@nx.example>: Recipient address rejected: Domain not found; from=<a@example.com> to=<u@nx.example> proto=ESMTP"), PT_EV_REJECT);
    ck_sl(ev.queue_id, "1A2B3C4D5E");
    ck_assert_str_eq(ev.action_name, "reject_warning");
    ck_assert_int_eq(ev.smtp_code, 450);
    ck_sl(ev.dsn, "4.1.2");
    ck_absent(ev.helo);
    ck_sl(ev.proto, "ESMTP");

    /* VRFY: only to= */
    ck_assert_int_eq(parse("postfix/smtpd", "NOQUEUE: reject: VRFY from h.example[192.0.2.1]: 550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown; to=<nobody@example.com> proto=SMTP helo=<me>"), PT_EV_REJECT);
    ck_sl(ev.stage, "VRFY");
    ck_absent(ev.from);
    ck_sl(ev.to, "nobody@example.com");

    /* hold / discard / warn */
    ck_assert_int_eq(parse("postfix/smtpd", "NOQUEUE: hold: RCPT from h.example[192.0.2.1]: <a@example.com>: Sender address triggers HOLD action; from=<a@example.com> to=<b@example.com> proto=ESMTP helo=<h.example>"), PT_EV_REJECT);
    ck_assert_str_eq(ev.action_name, "hold");
    ck_assert_int_eq(ev.smtp_code, -1);
    ck_absent(ev.dsn);
    ck_sl(ev.reason, "<a@example.com>: Sender address triggers HOLD action");
    ck_assert_int_eq(parse("postfix/smtpd", "NOQUEUE: discard: MAIL from h.example[192.0.2.1]: <a@example.com>: Sender address triggers DISCARD action; from=<a@example.com> proto=ESMTP helo=<h.example>"), PT_EV_REJECT);
    ck_assert_str_eq(ev.action_name, "discard");
    ck_sl(ev.stage, "MAIL");
    ck_assert_int_eq(parse("postfix/smtpd", "NOQUEUE: warn: EHLO from h.example[192.0.2.1]: odd helo; proto=SMTP helo=<x y z>"), PT_EV_REJECT);
    ck_assert_str_eq(ev.action_name, "warning");
    ck_sl(ev.helo, "x y z");
    ck_sl(ev.stage, "EHLO");

    /* CONNECT stage, empty trailer except proto */
    ck_assert_int_eq(parse("postfix/smtpd", "NOQUEUE: reject: CONNECT from h.example[192.0.2.1]: 554 5.7.1 <h.example[192.0.2.1]>: Client host rejected: Access denied; proto=SMTP"), PT_EV_REJECT);
    ck_sl(ev.stage, "CONNECT");
    ck_sl(ev.proto, "SMTP");
    ck_absent(ev.from);
}
END_TEST

START_TEST(t_milter_smtpd)
{
    ck_assert_int_eq(parse("postfix/smtpd", "9F8E7D6C5B: milter-reject: END-OF-MESSAGE from h.example[192.0.2.1]: 5.7.1 Blocked by policy; from=<a@example.com> to=<b@example.org> proto=ESMTP helo=<h.example>"), PT_EV_REJECT);
    ck_sl(ev.queue_id, "9F8E7D6C5B");
    ck_sl(ev.action, "milter-reject");
    ck_assert_str_eq(ev.action_name, "milter-reject");
    ck_sl(ev.stage, "END-OF-MESSAGE");
    ck_assert_int_eq(ev.smtp_code, -1);
    ck_sl(ev.dsn, "5.7.1");
    ck_sl(ev.reason, "Blocked by policy");
    ck_sl(ev.to, "b@example.org");
    ck_assert_int_eq(parse("postfix/smtpd", "NOQUEUE: milter-reject: RCPT from h.example[192.0.2.1]: 451 4.7.1 Try again later; from=<a@example.com> to=<b@example.org> proto=ESMTP helo=<h.example>"), PT_EV_REJECT);
    ck_assert_int_eq(ev.smtp_code, 451);
    ck_assert_int_eq(parse("postfix/smtpd", "9F8E7D6C5B: milter-discard: END-OF-MESSAGE from h.example[192.0.2.1]: milter triggers DISCARD action; from=<a@example.com> to=<b@example.org> proto=ESMTP helo=<h.example>"), PT_EV_REJECT);
    ck_assert_str_eq(ev.action_name, "milter-discard");
    ck_assert_int_eq(parse("postfix/smtpd", "9F8E7D6C5B: milter-hold: END-OF-MESSAGE from h.example[192.0.2.1]: milter triggers HOLD action; from=<a@example.com> to=<b@example.org> proto=ESMTP helo=<h.example>"), PT_EV_REJECT);
    ck_assert_str_eq(ev.action_name, "milter-hold");
}
END_TEST

START_TEST(t_filter)
{
    ck_assert_int_eq(parse("postfix/smtpd", "3C4D5E6F7A: filter: RCPT from h.example[192.0.2.1]: <a@example.com>: Sender address triggers FILTER smtp-amavis:[127.0.0.1]:10024; from=<a@example.com> to=<b@example.org> proto=ESMTP helo=<h.example>"), PT_EV_SMTPD_FILTER);
    ck_sl(ev.queue_id, "3C4D5E6F7A");
    ck_assert_str_eq(ev.action_name, "filter");
    ck_sl(ev.reason, "<a@example.com>: Sender address triggers FILTER smtp-amavis:[127.0.0.1]:10024");
    ck_sl(ev.from, "a@example.com");
}
END_TEST

START_TEST(t_smtpd_known)
{
    static const char *const lines[] = {
        "warning: hostname x.example does not resolve to address 192.0.2.5",
        "improper command pipelining after EHLO from unknown[192.0.2.5]: QUIT",
        "too many errors after RCPT from unknown[192.0.2.5]",
        "SSL_accept error from unknown[192.0.2.5]: lost connection",
        "discarding EHLO keywords: CHUNKING",
        "NOQUEUE: lost connection after RCPT",
        "setting up TLS connection from unknown[192.0.2.5]",
        "proxy-reject: END-OF-MESSAGE: 554 5.7.0 spam; from=<a@b> to=<c@d> proto=ESMTP helo=<x>",
        "warning: unknown[192.0.2.5]: SASL LOGIN authentication aborted",
        NULL
    };
    int i;
    for (i = 0; lines[i]; i++)
        ck_assert_msg(parse("postfix/smtpd", lines[i]) == PT_EV_KNOWN, "%s", lines[i]);
    /* a reject line that is cut off is not KNOWN */
    ck_assert_int_eq(parse("postfix/smtpd", "NOQUEUE: reject: RCPT from h.example[192.0.2.1]: 554 5.7.1 <x@y>: Relay access denied"), PT_EV_UNRECOGNISED);
}
END_TEST

/* ---- postscreen / dnsblog ---- */

START_TEST(t_postscreen)
{
    ck_assert_int_eq(parse("postfix/postscreen", "NOQUEUE: reject: RCPT from [192.0.2.66]:40404: 550 5.7.1 Service unavailable; client [192.0.2.66] blocked using zen.spamhaus.org; from=<s@example.net>, to=<r@example.com>, proto=ESMTP, helo=<spam.example>"), PT_EV_REJECT);
    ck_absent(ev.client.name);
    ck_sl(ev.client.ip, "192.0.2.66");
    ck_assert_int_eq(ev.client.port, 40404);
    ck_assert_int_eq(ev.smtp_code, 550);
    ck_sl(ev.reason, "Service unavailable; client [192.0.2.66] blocked using zen.spamhaus.org");
    ck_sl(ev.from, "s@example.net");
    ck_sl(ev.to, "r@example.com");
    ck_sl(ev.proto, "ESMTP");
    ck_sl(ev.helo, "spam.example");
    ck_assert_int_eq(parse("postfix/postscreen", "NOQUEUE: reject: CONNECT from [192.0.2.66]:40405: too many connections"), PT_EV_REJECT);
    ck_sl(ev.stage, "CONNECT");
    ck_assert_int_eq(ev.smtp_code, -1);
    ck_sl(ev.reason, "too many connections");
    ck_absent(ev.from);
    {
        static const char *const known[] = {
            "CONNECT from [192.0.2.66]:40404 to [192.0.2.1]:25",
            "PASS NEW [192.0.2.66]:40404", "PASS OLD [192.0.2.66]:40404",
            "DNSBL rank 4 for [192.0.2.66]:40404",
            "HANGUP after 1.2 from [192.0.2.66]:40404 in tests after SMTP handshake",
            "PREGREET 11 after 0.1 from [192.0.2.66]:40404: EHLO x\\r\\n",
            "COMMAND PIPELINING from [192.0.2.66]:40404 after RCPT: DATA",
            "WHITELISTED [192.0.2.66]:40404", "DISCONNECT [192.0.2.66]:40404",
            NULL
        };
        int i;
        for (i = 0; known[i]; i++)
            ck_assert_msg(parse("postfix/postscreen", known[i]) == PT_EV_KNOWN, "%s", known[i]);
    }
    ck_assert_int_eq(parse("postfix/dnsblog", "addr 192.0.2.66 listed by domain zen.spamhaus.org as 127.0.0.2"), PT_EV_KNOWN);
}
END_TEST

/* ---- cleanup ---- */

START_TEST(t_message_id)
{
    ck_assert_int_eq(parse("postfix/cleanup", "4B3C21A2F3: message-id=<20240101.abc@mail.example.org>"), PT_EV_MESSAGE_ID);
    ck_sl(ev.queue_id, "4B3C21A2F3");
    ck_sl(ev.message_id, "20240101.abc@mail.example.org");
    ck_assert_int_eq(parse("postfix/cleanup", "4B3C21A2F3: message-id=bare-id@x"), PT_EV_MESSAGE_ID);
    ck_sl(ev.message_id, "bare-id@x");
    ck_assert_int_eq(parse("postfix/cleanup", "4B3C21A2F3: message-id=<>"), PT_EV_MESSAGE_ID);
    ck_sl(ev.message_id, "");
    /* white space around the logged ID, inside and outside the brackets */
    ck_assert_int_eq(parse("postfix/cleanup", "4B3C21A2F3: message-id=<abc@x.example>  "), PT_EV_MESSAGE_ID);
    ck_sl(ev.message_id, "abc@x.example");
    ck_assert_int_eq(parse("postfix/cleanup", "4B3C21A2F3: message-id=< abc@x.example >"), PT_EV_MESSAGE_ID);
    ck_sl(ev.message_id, "abc@x.example");
    ck_assert_int_eq(parse("postfix/cleanup", "4B3C21A2F3: message-id=< >"), PT_EV_MESSAGE_ID);
    ck_sl(ev.message_id, "");
    ck_assert_int_eq(parse("postfix/cleanup", "4B3C21A2F3: message-id=<<a>>"), PT_EV_MESSAGE_ID);
    ck_sl(ev.message_id, "<a>");
    /* any other queue-ID line: an event of its mail */
    ck_assert_int_eq(parse("postfix/cleanup", "4B3C21A2F3: resent-message-id=<r@x>"), PT_EV_INFO);
    ck_assert_str_eq(ev.action_name, "info");
    ck_sl(ev.text, "resent-message-id=<r@x>");
}
END_TEST

START_TEST(t_cleanup_action)
{
    ck_assert_int_eq(parse("postfix/cleanup", "5D6E7F8A9B: reject: header Subject: buy now from h.example[192.0.2.1]; from=<a@example.com> to=<b@example.org> proto=ESMTP helo=<h.example>: 5.7.1 No spam please"), PT_EV_CLEANUP_ACTION);
    ck_sl(ev.queue_id, "5D6E7F8A9B");
    ck_sl(ev.action, "reject");
    ck_assert_str_eq(ev.action_name, "reject");
    ck_sl(ev.text, "header Subject: buy now from h.example[192.0.2.1]; from=<a@example.com> to=<b@example.org> proto=ESMTP helo=<h.example>: 5.7.1 No spam please");
    ck_sl(ev.stage, "header Subject");
    ck_sl(ev.from, "a@example.com");
    ck_sl(ev.to, "b@example.org");
    ck_sl(ev.helo, "h.example");
    ck_sl(ev.client.ip, "192.0.2.1");
    ck_sl(ev.dsn, "5.7.1");
    ck_sl(ev.reason, "No spam please");

    ck_assert_int_eq(parse("postfix/cleanup", "5D6E7F8A9B: warning: header X-Mailer: bulk from local; from=<root@example.com> to=<a@example.com>"), PT_EV_CLEANUP_ACTION);
    ck_assert_str_eq(ev.action_name, "warning");
    ck_sl(ev.from, "root@example.com");
    ck_absent(ev.proto);
    ck_absent(ev.reason);

    ck_assert_int_eq(parse("postfix/cleanup", "5D6E7F8A9B: info: header X: y from localhost[127.0.0.1]; from=<a@example.com> to=<b@example.org> proto=ESMTP helo=<localhost>"), PT_EV_CLEANUP_ACTION);
    ck_sl(ev.client.name, "localhost");
    ck_sl(ev.from, "a@example.com");
    ck_sl(ev.stage, "header X");

    ck_assert_int_eq(parse("postfix/cleanup", "5D6E7F8A9B: redirect: header To: x from h.example[192.0.2.1]; from=<a@example.com> to=<b@example.org> proto=SMTP helo=<h>: other@example.net"), PT_EV_CLEANUP_ACTION);
    ck_assert_str_eq(ev.action_name, "redirect");
    ck_sl(ev.reason, "other@example.net");

    ck_assert_int_eq(parse("postfix/cleanup", "5D6E7F8A9B: prepend: header Received: from x by y from h.example[192.0.2.1]; from=<a@example.com> to=<b@example.org> proto=SMTP helo=<h>: X-Tag: 1"), PT_EV_CLEANUP_ACTION);
    ck_assert_str_eq(ev.action_name, "prepend");
    ck_sl(ev.reason, "X-Tag: 1");
    ck_sl(ev.stage, "header Received");

    ck_assert_int_eq(parse("postfix/cleanup", "5D6E7F8A9B: hold: body click here from h.example[192.0.2.1]; from=<a@example.com> to=<b@example.org> proto=SMTP helo=<h>"), PT_EV_CLEANUP_ACTION);
    ck_assert_str_eq(ev.action_name, "hold");
    ck_sl(ev.stage, "body");

    ck_assert_int_eq(parse("postfix/cleanup", "5D6E7F8A9B: discard: header Subject: x from h.example[192.0.2.1]; from=<a@example.com> to=<b@example.org> proto=SMTP helo=<h>"), PT_EV_CLEANUP_ACTION);
    ck_assert_str_eq(ev.action_name, "discard");

    ck_assert_int_eq(parse("postfix/cleanup", "5D6E7F8A9B: milter-reject: END-OF-MESSAGE from h.example[192.0.2.1]: 5.7.1 Blocked by SpamAssassin; from=<a@example.com> to=<b@example.org> proto=ESMTP helo=<h.example>"), PT_EV_CLEANUP_ACTION);
    ck_assert_str_eq(ev.action_name, "milter-reject");
    ck_sl(ev.stage, "END-OF-MESSAGE");
    ck_sl(ev.dsn, "5.7.1");
    ck_sl(ev.reason, "Blocked by SpamAssassin");
    ck_sl(ev.from, "a@example.com");

    ck_assert_int_eq(parse("postfix/cleanup", "5D6E7F8A9B: milter-discard: END-OF-MESSAGE from h.example[192.0.2.1]: milter triggers DISCARD action; from=<a@example.com> to=<b@example.org> proto=ESMTP helo=<h.example>"), PT_EV_CLEANUP_ACTION);
    ck_assert_str_eq(ev.action_name, "milter-discard");

    ck_assert_int_eq(parse("postfix/cleanup", "5D6E7F8A9B: milter-header-redirect: header X-Spam: yes from h.example[192.0.2.1]; from=<a@example.com> to=<b@example.org> proto=ESMTP helo=<h.example>: c@example.net"), PT_EV_CLEANUP_ACTION);
    ck_assert_str_eq(ev.action_name, "info");
    ck_sl(ev.reason, "c@example.net");

    /* a cleanup warning that is no header check */
    ck_assert_int_eq(parse("postfix/cleanup", "5D6E7F8A9B: warning: milter unix:/run/m.sock: can't read SMFIC_BODYEOB reply packet header"), PT_EV_INFO);
    ck_assert_str_eq(ev.action_name, "warning");
    ck_assert_int_eq(parse("postfix/cleanup", "warning: 5D6E7F8A9B: sender_canonical_maps map lookup problem"), PT_EV_KNOWN);
}
END_TEST

/* ---- qmgr, pickup, postsuper ---- */

START_TEST(t_qmgr)
{
    ck_assert_int_eq(parse("postfix/qmgr", "4B3C21A2F3: from=<alice@example.com>, size=1234, nrcpt=2 (queue active)"), PT_EV_QMGR_FROM);
    ck_sl(ev.queue_id, "4B3C21A2F3");
    ck_sl(ev.from, "alice@example.com");
    ck_assert_int_eq((int)ev.size, 1234);
    ck_assert_int_eq(ev.nrcpt, 2);
    ck_assert_int_eq(parse("postfix-out/qmgr", "4B3C21A2F3: from=<>, size=99, nrcpt=1 (queue active)"), PT_EV_QMGR_FROM);
    ck_sl(ev.from, "");
    ck_sl(ev.prog.syslog_name, "postfix-out");
    ck_assert_int_eq(parse("postfix/qmgr", "4B3C21A2F3: from=<a@example.com>, status=expired, returned to sender"), PT_EV_QMGR_EXPIRED);
    ck_assert_int_eq(ev.force_expired, 0);
    ck_sl(ev.from, "a@example.com");
    ck_assert_int_eq(parse("postfix/qmgr", "4B3C21A2F3: from=<a@example.com>, status=force-expired, returned to sender"), PT_EV_QMGR_EXPIRED);
    ck_assert_int_eq(ev.force_expired, 1);
    ck_assert_int_eq(parse("postfix/qmgr", "4B3C21A2F3: removed"), PT_EV_REMOVED);
    ck_sl(ev.queue_id, "4B3C21A2F3");
    ck_assert_int_eq(parse("postfix/qmgr", "4B3C21A2F3: skipped, still being delivered"), PT_EV_INFO);
    ck_sl(ev.queue_id, "4B3C21A2F3");
    ck_sl(ev.text, "skipped, still being delivered");
    ck_assert_str_eq(ev.action_name, "info");
    ck_assert_int_eq(parse("postfix/qmgr", "warning: qmgr_active_corrupt: save corrupt file queue active id 4B3C21A2F3: No such file"), PT_EV_KNOWN);
    ck_assert_int_eq(parse("postfix/qmgr", "4B3C21A2F3: to=<b@example.org>, relay=none, delay=301, delays=300/1/0/0, dsn=4.4.1, status=deferred (delivery temporarily suspended: connect to mx.example.org[192.0.2.9]:25: Connection refused)"), PT_EV_DELIVERY);
    ck_sl(ev.status, "deferred");
    ck_assert_int_eq(parse("postfix/qmgr", "4B3C21A2F3: from=<a@example.com>, size=12"), PT_EV_UNRECOGNISED);
    ck_absent(ev.from);
    ck_assert_int_eq(ev.size, -1);
}
END_TEST

START_TEST(t_pickup)
{
    ck_assert_int_eq(parse("postfix/pickup", "A1B2C3D4E5: uid=1000 from=<alice>"), PT_EV_PICKUP);
    ck_sl(ev.queue_id, "A1B2C3D4E5");
    ck_assert_int_eq(ev.uid, 1000);
    ck_sl(ev.from, "alice");
    ck_assert_int_eq(parse("postfix/pickup", "A1B2C3D4E5: uid=0 from=<>"), PT_EV_PICKUP);
    ck_sl(ev.from, "");
    ck_assert_int_eq(ev.uid, 0);
}
END_TEST

START_TEST(t_postsuper)
{
    ck_assert_int_eq(parse("postfix/postsuper", "A1B2C3D4E5: removed"), PT_EV_ADMIN);
    ck_assert_int_eq(ev.admin, PT_ADMIN_DELETED);
    ck_sl(ev.queue_id, "A1B2C3D4E5");
    ck_assert_int_eq(parse("postfix/postsuper", "A1B2C3D4E5: placed on hold"), PT_EV_ADMIN);
    ck_assert_int_eq(ev.admin, PT_ADMIN_HOLD);
    ck_assert_int_eq(parse("postfix/postsuper", "A1B2C3D4E5: released from hold"), PT_EV_ADMIN);
    ck_assert_int_eq(ev.admin, PT_ADMIN_RELEASE);
    ck_assert_int_eq(parse("postfix/postsuper", "A1B2C3D4E5: requeued"), PT_EV_ADMIN);
    ck_assert_int_eq(ev.admin, PT_ADMIN_REQUEUE);
    ck_assert_int_eq(parse("postfix/postsuper", "Deleted: 3 messages"), PT_EV_KNOWN);
    ck_assert_int_eq(parse("postfix/postsuper", "Placed on hold: 1 message"), PT_EV_KNOWN);
    ck_assert_int_eq(parse("postfix/postsuper", "Released from hold: 1 message"), PT_EV_KNOWN);
    ck_assert_int_eq(parse("postfix/postsuper", "Requeued: 7 messages"), PT_EV_KNOWN);
}
END_TEST

/* ---- delivery ---- */

START_TEST(t_delivery_smtp)
{
    ck_assert_int_eq(parse("postfix/smtp", "4B3C21A2F3: to=<bob@example.org>, relay=mx.example.org[192.0.2.25]:25, delay=1.2, delays=0.1/0.02/0.5/0.58, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 7D8E9F0A1B)"), PT_EV_DELIVERY);
    ck_sl(ev.queue_id, "4B3C21A2F3");
    ck_sl(ev.to, "bob@example.org");
    ck_absent(ev.orig_to);
    ck_sl(ev.relay, "mx.example.org[192.0.2.25]:25");
    ck_assert(ev.delay > 1.19 && ev.delay < 1.21);
    ck_assert(ev.delays[0] > 0.09 && ev.delays[0] < 0.11);
    ck_assert(ev.delays[1] > 0.019 && ev.delays[1] < 0.021);
    ck_assert(ev.delays[3] > 0.57 && ev.delays[3] < 0.59);
    ck_sl(ev.dsn, "2.0.0");
    ck_sl(ev.status, "sent");
    ck_sl(ev.reply, "250 2.0.0 Ok: queued as 7D8E9F0A1B");
    ck_assert_int_eq(ev.smtp_code, 250);
    ck_sl(ev.queued_as, "7D8E9F0A1B");
    ck_assert_int_eq(ev.conn_use, -1);

    ck_assert_int_eq(parse("postfix/amavis/smtp", "4B3C21A2F3: to=<bob@example.org>, orig_to=<postmaster@example.org>, relay=127.0.0.1[127.0.0.1]:10024, conn_use=2, delay=3, delays=0/0/0/3, dsn=2.0.0, status=sent (250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as 4jXs7c5Jprz1bp7c)"), PT_EV_DELIVERY);
    ck_sl(ev.orig_to, "postmaster@example.org");
    ck_assert_int_eq(ev.conn_use, 2);
    ck_sl(ev.queued_as, "4jXs7c5Jprz1bp7c");
    ck_sl(ev.prog.transport, "amavis");

    ck_assert_int_eq(parse("postfix/smtp", "4B3C21A2F3: to=<bob@example.org>, relay=mx.example.org[192.0.2.25]:25, delay=5, delays=0.1/0/4/0.9, dsn=5.1.1, status=bounced (host mx.example.org[192.0.2.25] said: 550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown (in reply to RCPT TO command))"), PT_EV_DELIVERY);
    ck_sl(ev.status, "bounced");
    ck_assert_int_eq(ev.smtp_code, 550);
    ck_absent(ev.queued_as);
    ck_sl(ev.reply, "host mx.example.org[192.0.2.25] said: 550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown (in reply to RCPT TO command)");

    ck_assert_int_eq(parse("postfix/smtp", "4B3C21A2F3: to=<bob@example.org>, relay=none, delay=30, delays=0/0/30/0, dsn=4.4.1, status=deferred (connect to mx.example.org[192.0.2.25]:25: Connection refused)"), PT_EV_DELIVERY);
    ck_assert_int_eq(ev.smtp_code, -1);
    ck_sl(ev.relay, "none");
    ck_assert_int_eq(parse("postfix/smtp", "4B3C21A2F3: to=<bob@example.org>, relay=mx.example.org[192.0.2.25]:25, delay=1, delays=0/0/1/0, dsn=4.3.2, status=deferred (host mx.example.org[192.0.2.25] refused to talk to me: 421 4.3.2 busy)"), PT_EV_DELIVERY);
    ck_assert_int_eq(ev.smtp_code, 421);
    /* tls= field of newer Postfix */
    ck_assert_int_eq(parse("postfix/smtp", "4B3C21A2F3: to=<bob@example.org>, relay=mx.example.org[192.0.2.25]:25, delay=1, delays=0/0/1/0, tls=may:none, dsn=2.0.0, status=sent (250 ok)"), PT_EV_DELIVERY);
    ck_sl(ev.dsn, "2.0.0");
    /* deliverable (address verification) */
    ck_assert_int_eq(parse("postfix/smtp", "4B3C21A2F3: to=<bob@example.org>, relay=mx.example.org[192.0.2.25]:25, delay=1, delays=0/0/1/0, dsn=2.1.5, status=deliverable (250 2.1.5 Ok)"), PT_EV_DELIVERY);
    ck_sl(ev.status, "deliverable");
}
END_TEST

START_TEST(t_delivery_local)
{
    ck_assert_int_eq(parse("postfix/local", "2A22C263F6: to=<alice@mail.example.com>, orig_to=<root@localhost>, relay=local, delay=0.07, delays=0.04/0/0/0.03, dsn=2.0.0, status=sent (delivered to mailbox)"), PT_EV_DELIVERY);
    ck_sl(ev.to, "alice@mail.example.com");
    ck_sl(ev.orig_to, "root@localhost");
    ck_sl(ev.relay, "local");
    ck_assert_int_eq(ev.smtp_code, -1);
    ck_assert_int_eq(parse("postfix/local", "2A22C263F6: to=alice@mail.example.com, orig_to=root@localhost, relay=local, delay=0.07, delays=0.04/0/0/0.03, dsn=2.0.0, status=sent (delivered to command: procmail -a \"$EXTENSION\")"), PT_EV_DELIVERY);
    ck_sl(ev.to, "alice@mail.example.com");
    ck_sl(ev.orig_to, "root@localhost");
    ck_sl(ev.reply, "delivered to command: procmail -a \"$EXTENSION\"");
    ck_assert_int_eq(parse("postfix/local", "2A22C263F6: to=<list@mail.example.com>, relay=local, delay=0.1, delays=0.05/0/0/0.05, dsn=2.0.0, status=sent (forwarded as 9C8B7A6F5E)"), PT_EV_DELIVERY);
    ck_sl(ev.forwarded_as, "9C8B7A6F5E");
    ck_absent(ev.queued_as);
    ck_assert_int_eq(parse("postfix/virtual", "B657F2DB195D: to=<pm@example.com>, relay=virtual, delay=0.52, delays=0.51/0.01/0/0, dsn=2.0.0, status=sent (delivered to maildir)"), PT_EV_DELIVERY);
    ck_assert_int_eq(parse("postfix/pipe", "0F5383D1E2: to=<tom@example.com>, relay=dovecot, delay=4.3, delays=4.1/0.01/0/0.15, dsn=2.0.0, status=sent (delivered via dovecot service)"), PT_EV_DELIVERY);
    ck_sl(ev.relay, "dovecot");
    ck_assert_int_eq(parse("postfix/error", "2DC5552A34: to=<u@example.net>, relay=none, delay=0.01, delays=0.01/0/0/0, dsn=5.1.1, status=undeliverable-but-not-cached (User unknown)"), PT_EV_DELIVERY);
    ck_sl(ev.status, "undeliverable-but-not-cached");
    ck_assert_int_eq(parse("postfix/discard", "25F2E5E061: to=<g@example.com>, relay=none, delay=0.05, delays=0.05/0/0/0, dsn=2.0.0, status=sent (example.com)"), PT_EV_DELIVERY);
    ck_assert_int_eq(parse("postfix/retry", "25F2E5E061: to=<g@example.com>, relay=none, delay=9, delays=9/0/0/0, dsn=4.4.1, status=deferred (delivery temporarily suspended: x)"), PT_EV_DELIVERY);
    ck_assert_int_eq(parse("postfix/lmtp", "7EE6680391: to=<a@example.com>, relay=mx[private/dovecot-lmtp], delay=0.15, delays=0.04/0/0.02/0.08, dsn=2.0.0, status=sent (250 2.0.0 <a@example.com> qYyyBMsl9FRuZQAAA15QOA Saved)"), PT_EV_DELIVERY);
    ck_assert_int_eq(ev.smtp_code, 250);
    ck_absent(ev.queued_as);
    /* quoted local part with > and , */
    ck_assert_int_eq(parse("postfix/smtp", "4B3C21A2F3: to=<\"a>, relay=evil, x\"@example.org>, relay=mx[192.0.2.1]:25, delay=1, delays=0/0/1/0, dsn=2.0.0, status=sent (250 ok)"), PT_EV_DELIVERY);
    ck_sl(ev.to, "\"a>, relay=evil, x\"@example.org");
    ck_sl(ev.relay, "mx[192.0.2.1]:25");
}
END_TEST

/* The daemon inferred from the text for a bare program name ("postfix", as
 * rsyslog relays it in RFC 5424), and the names that count as Postfix. */
START_TEST(t_infer_daemon)
{
    static const struct { const char *msg, *daemon; } cases[] = {
        { "connect from unknown[192.0.2.1]:25", "smtpd" },
        { "disconnect from h[192.0.2.1] ehlo=1 quit=1 commands=2", "smtpd" },
        { "4B3C21A2F3: client=h[192.0.2.1], sasl_method=PLAIN", "smtpd" },
        { "NOQUEUE: reject: RCPT from h[192.0.2.1]: 554 5.7.1 x; from=<a> to=<b> proto=ESMTP helo=<h>", "smtpd" },
        { "NOQUEUE: reject: RCPT from [192.0.2.1]:4321: 550 5.7.1 x; from=<a>, to=<b>, proto=ESMTP, helo=<h>", "postscreen" },
        { "CONNECT from [192.0.2.1]:4321 to [192.0.2.2]:25", "postscreen" },
        { "warning: h[192.0.2.1]: SASL LOGIN authentication failed: x", "smtpd" },
        { "4B3C21A2F3: message-id=<a@b>", "cleanup" },
        { "4B3C21A2F3: reject: header Subject: x from h[192.0.2.1]; from=<a> to=<b> proto=ESMTP helo=<h>: 5.7.1 no", "cleanup" },
        { "4B3C21A2F3: milter-reject: END-OF-MESSAGE from h[192.0.2.1]: 5.7.1 no; from=<a> to=<b> proto=ESMTP helo=<h>", "cleanup" },
        { "4B3C21A2F3: hold: RCPT from h[192.0.2.1]: <b>: held; from=<a> to=<b> proto=ESMTP helo=<h>", "smtpd" },
        { "4B3C21A2F3: from=<a@b>, size=1, nrcpt=1 (queue active)", "qmgr" },
        { "4B3C21A2F3: from=<a@b>, status=expired, returned to sender", "qmgr" },
        { "4B3C21A2F3: removed", "qmgr" },
        { "4B3C21A2F3: skipped, still being delivered", "qmgr" },
        { "4B3C21A2F3: uid=0 from=<root>", "pickup" },
        { "4B3C21A2F3: to=<a@b>, relay=mx[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)", "smtp" },
        { "4B3C21A2F3: to=<a@b>, relay=h[private/dovecot-lmtp], delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)", "lmtp" },
        { "4B3C21A2F3: to=<a@b>, relay=local, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (delivered to mailbox)", "local" },
        { "4B3C21A2F3: to=<a@b>, relay=virtual, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (delivered to maildir)", "virtual" },
        { "4B3C21A2F3: to=<a@b>, relay=dovecot, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (delivered via dovecot service)", "pipe" },
        { "4B3C21A2F3: to=<a@b>, relay=none, delay=1, delays=0/0/1/0, dsn=4.4.1, status=deferred (connect to mx[192.0.2.1]:25: Connection refused)", "smtp" },
        { "4B3C21A2F3: to=<a@b>, relay=none, delay=1, delays=0/0/0/0, dsn=4.4.1, status=deferred (delivery temporarily suspended: x)", "qmgr" },
        { "4B3C21A2F3: to=<a@b>, relay=none, delay=1, delays=0/0/0/0, dsn=5.0.0, status=bounced (User unknown)", "error" },
        { "4B3C21A2F3: to=<a@b>, relay=none, delay=1, delays=0/0/0/0, dsn=2.0.0, status=sent (discarded)", "discard" },
        { "4B3C21A2F3: sender non-delivery notification: 5D6E7F8A9B", "bounce" },
        { "4B3C21A2F3: host mx[192.0.2.1] said: 450 busy (in reply to RCPT TO command)", "smtp" },
        { "4B3C21A2F3: placed on hold", "postsuper" },
        { "connect to mx[192.0.2.1]:25: Connection refused", "smtp" },
        { "Untrusted TLS connection established to mx[192.0.2.1]:25: TLSv1.3 with cipher X (256/256 bits)", "smtp" },
        { "Deleted: 3 messages", "postsuper" },
        { "Postfix is running with backwards-compatible default settings", "postfix" },
        { "4B3C21A2F3: something new", "postfix" },
        { "", "postfix" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        ck_assert_msg(strcmp(pt_infer_daemon(pt_slice_cstr(cases[i].msg)), cases[i].daemon) == 0,
                      "%s: got %s want %s", cases[i].msg,
                      pt_infer_daemon(pt_slice_cstr(cases[i].msg)), cases[i].daemon);
    /* a bare name parses as the inferred daemon, flagged */
    ck_assert_int_eq(parse("postfix", "4B3C21A2F3: message-id=<a@b>"), PT_EV_MESSAGE_ID);
    ck_sl(ev.prog.daemon, "cleanup");
    ck_sl(ev.prog.syslog_name, "postfix");
    ck_assert_int_eq(ev.daemon_inferred, 1);
    ck_assert_int_eq(parse("postfix-out", "4B3C21A2F3: removed"), PT_EV_REMOVED);
    ck_assert_int_eq(parse("postfix", "Postfix is running with backwards-compatible default settings"), PT_EV_KNOWN);
    ck_assert_int_eq(parse("postfix", "daemon started -- version 3.7.11, configuration /etc/postfix"), PT_EV_KNOWN);
    ck_assert_int_eq(parse("postfix", "warning: anything at all"), PT_EV_KNOWN);
    /* no daemon in the name, none in the text: an inference gap, counted */
    ck_assert_int_eq(parse("postfix", "something no rule knows"), PT_EV_UNRECOGNISED);
    ck_assert_int_eq(parse("postfix", "4B3C21A2F3: something no rule knows"), PT_EV_INFO);
    ck_assert_int_eq(parse("postfixadmin/x", "hello"), PT_EV_UNRECOGNISED);   /* prefix match */
    ck_assert_int_eq(parse("sshd", "connect from x[192.0.2.1]"), PT_EV_NOT_POSTFIX);
    ck_assert_int_eq(parse("postfix/smtpd", "connect from x[192.0.2.1]"), PT_EV_CONNECT);
    ck_assert_int_eq(ev.daemon_inferred, 0);

    pt_names n;
    ck_assert_int_eq(pt_names_parse("postfix,mta", &n), 0);
    ck_assert_int_eq(n.n, 2);
    ck_assert_int_eq(pt_program_kind(pt_slice_cstr("mta-out/smtpd"), &n), PT_PROG_DAEMON);
    ck_assert_int_eq(pt_program_kind(pt_slice_cstr("mta"), &n), PT_PROG_BARE);
    ck_assert_int_eq(pt_program_kind(pt_slice_cstr("mta/"), &n), PT_PROG_OTHER);
    ck_assert_int_eq(pt_program_kind(pt_slice_cstr("exim/smtpd"), &n), PT_PROG_OTHER);
    ck_assert_int_eq(pt_program_kind(pt_slice_cstr("mta/smtpd"), NULL), PT_PROG_OTHER);
    ck_assert_int_eq(pt_names_parse("", &n), -1);
    ck_assert_int_eq(pt_names_parse("a,,b", &n), -1);
    ck_assert_int_eq(pt_names_parse("a/b", &n), -1);
    ck_assert_int_eq(pt_names_parse("a b", &n), -1);
    ck_assert_int_eq(pt_names_parse("a,b,c,d,e,f,g,h,i", &n), -1);
    ck_assert_int_eq(pt_names_parse("0123456789012345678901234567890123", &n), -1);
}
END_TEST

/* SASL authentication failures (SCHEMA.md auth records). */
START_TEST(t_auth_failed)
{
    ck_assert_int_eq(parse("postfix/smtpd", "warning: unknown[192.0.2.5]:4321: SASL LOGIN authentication failed: UGFzc3dvcmQ6"), PT_EV_AUTH_FAILED);
    ck_sl(ev.sasl_method, "LOGIN");
    ck_sl(ev.reason, "UGFzc3dvcmQ6");
    ck_absent(ev.sasl_username);
    ck_absent(ev.client.name);
    ck_sl(ev.client.ip, "192.0.2.5");
    ck_assert_int_eq(ev.client.port, 4321);
    ck_assert_int_eq(parse("postfix/submission/smtpd", "warning: h.example[192.0.2.5]: SASL PLAIN authentication failed: authentication failure, sasl_username=a b@x, sasl_username=y"), PT_EV_AUTH_FAILED);
    ck_sl(ev.client.name, "h.example");
    ck_sl(ev.reason, "authentication failure");
    ck_sl(ev.sasl_username, "a b@x, sasl_username=y");   /* the client's text, whole */
    ck_assert_int_eq(parse("postfix/smtpd", "warning: unknown[192.0.2.5]: SASL PLAIN authentication failed: , sasl_username=u"), PT_EV_AUTH_FAILED);
    ck_absent(ev.reason);
    ck_sl(ev.sasl_username, "u");
    ck_assert_int_eq(parse("postfix/smtpd", "warning: unknown[192.0.2.5]: SASL PLAIN authentication failed: (reason unavailable), sasl_username=(unavailable)"), PT_EV_AUTH_FAILED);
    ck_absent(ev.reason);
    ck_absent(ev.sasl_username);
    ck_assert_int_eq(parse("postfix/smtpd", "warning: unknown[192.0.2.5]: SASL CRAM-MD5 authentication failed"), PT_EV_AUTH_FAILED);
    ck_sl(ev.sasl_method, "CRAM-MD5");
    ck_absent(ev.reason);
    /* other shapes stay plain warnings */
    ck_assert_int_eq(parse("postfix/smtpd", "warning: unknown[192.0.2.5]: SASL LOGIN authentication failedX"), PT_EV_KNOWN);
    ck_assert_int_eq(parse("postfix/smtpd", "warning: SASL authentication failure: Password verification failed"), PT_EV_KNOWN);
}
END_TEST

/* Fields that were wrong before (issue 8): queued_as whole, relays on
 * sockets, addresses with unquoted spaces in a reject's trailer. */
START_TEST(t_fields_whole)
{
    pt_client r;
    ck_assert_int_eq(parse("postfix/smtp", "4B3C21A2F3: to=<b@example.org>, relay=x.example[192.0.2.9]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as C789453108_48E0164F)"), PT_EV_DELIVERY);
    ck_sl(ev.queued_as, "C789453108_48E0164F");
    ck_assert_int_eq(ev.queued_as_qid, 0);
    ck_assert_int_eq(parse("postfix/smtp", "4B3C21A2F3: to=<b@example.org>, relay=127.0.0.1[127.0.0.1]:10025, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 5D6E7F8A9B)"), PT_EV_DELIVERY);
    ck_sl(ev.queued_as, "5D6E7F8A9B");
    ck_assert_int_eq(ev.queued_as_qid, 1);
    ck_assert_int_eq(pt_relay_split(pt_slice_cstr("mail.example.com[private/dovecot-lmtp]"), &r), 1);
    ck_sl(r.name, "mail.example.com");
    ck_absent(r.ip);
    ck_assert_int_eq(r.port, -1);
    ck_assert_int_eq(pt_relay_split(pt_slice_cstr("mx.example[/var/run/dovecot/lmtp]"), &r), 1);
    ck_sl(r.name, "mx.example");
    ck_assert_int_eq(pt_relay_split(pt_slice_cstr("mx.example[192.0.2.1]:25"), &r), 1);
    ck_sl(r.ip, "192.0.2.1");
    ck_assert_int_eq(r.port, 25);
    ck_assert_int_eq(pt_relay_split(pt_slice_cstr("none"), &r), 0);
    ck_assert_int_eq(pt_relay_split(pt_slice_cstr("x[private/lmtp]:24"), &r), 0);
    ck_assert_int_eq(parse("postfix/smtpd", "NOQUEUE: reject: RCPT from unknown[192.0.2.7]: 504 5.5.2 <Print Connections>: Sender address rejected: need fully-qualified address; from=<Print Connections> to=<a@example.org> proto=ESMTP helo=<PRINTER>"), PT_EV_REJECT);
    ck_sl(ev.from, "Print Connections");
    ck_sl(ev.to, "a@example.org");
    ck_sl(ev.helo, "PRINTER");
    ck_sl(ev.reason, "<Print Connections>: Sender address rejected: need fully-qualified address");
    ck_assert_int_eq(parse("postfix/cleanup", "5D6E7F8A9B: replace: header Subject: hi from h.example[192.0.2.1]; from=<a@example.com> to=<b@example.org> proto=SMTP helo=<h>: Subject: [SPAM] hi"), PT_EV_CLEANUP_ACTION);
    ck_assert_str_eq(ev.action_name, "replace");
}
END_TEST

START_TEST(t_delivery_known)
{
    static const char *const lines[] = {
        "connect to mx.example.org[192.0.2.25]:25: Connection refused",
        "Untrusted TLS connection established to mx.example.org[192.0.2.25]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)",
        "warning: problem talking to service private/scache: Connection timed out",
        NULL
    };
    /* a delivery agent's other queue-ID lines: events of the mail (SCHEMA.md) */
    static const char *const info[] = {
        "host mx.example.org[192.0.2.25] said: 450 4.7.1 Greylisted (in reply to RCPT TO command)",
        "host mx.example.org[192.0.2.25] refused to talk to me: 554 5.7.1 go away",
        "lost connection with mx.example.org[192.0.2.25] while sending RCPT TO",
        "conversation with mx.example.org[192.0.2.25] timed out while receiving the initial server greeting",
        "enabling PIX workarounds: disable_esmtp delay_dotcrlf for mx.example.org[192.0.2.25]:25",
        NULL
    };
    int i;
    char buf[512];
    for (i = 0; lines[i]; i++)
        ck_assert_msg(parse("postfix/smtp", lines[i]) == PT_EV_KNOWN, "%s", lines[i]);
    for (i = 0; info[i]; i++) {
        snprintf(buf, sizeof buf, "4B3C21A2F3: %s", info[i]);
        ck_assert_msg(parse("postfix/smtp", buf) == PT_EV_INFO, "%s", buf);
        ck_sl(ev.queue_id, "4B3C21A2F3");
        ck_sl(ev.text, info[i]);
        ck_assert_str_eq(ev.action_name, "info");
    }
    ck_assert_int_eq(parse("postfix/smtp", "4B3C21A2F3: warning: TLS library problem"), PT_EV_INFO);
    ck_assert_str_eq(ev.action_name, "warning");
    /* a cut-off status line is not KNOWN */
    ck_assert_int_eq(parse("postfix/smtp", "4B3C21A2F3: to=<bob@example.org>, relay=none, delay=1, delays=0/0/1/0, dsn=4.4.1, status=deferred (connect to"), PT_EV_UNRECOGNISED);
    ck_absent(ev.to);
    /* unknown daemon: only status lines are understood */
    ck_assert_int_eq(parse("postfix/mydaemon", "4B3C21A2F3: to=<bob@example.org>, relay=none, delay=1, delays=0/0/1/0, dsn=4.4.1, status=deferred (x)"), PT_EV_DELIVERY);
    ck_assert_int_eq(parse("postfix/mydaemon", "hello"), PT_EV_UNRECOGNISED);
    ck_assert_int_eq(parse("postfix/mydaemon", "warning: hello"), PT_EV_KNOWN);
}
END_TEST

/* ---- bounce ---- */

START_TEST(t_bounce)
{
    ck_assert_int_eq(parse("postfix/bounce", "17CCA80440: sender non-delivery notification: ADD2F80521"), PT_EV_NOTIFICATION);
    ck_sl(ev.queue_id, "17CCA80440");
    ck_assert_int_eq(ev.notification, PT_NOTIFY_NON_DELIVERY);
    ck_sl(ev.new_queue_id, "ADD2F80521");
    ck_assert_int_eq(parse("postfix/bounce", "17CCA80440: postmaster non-delivery notification: 4jXs7c5Jprz1bp7c"), PT_EV_NOTIFICATION);
    ck_assert_int_eq(ev.notification, PT_NOTIFY_NON_DELIVERY);
    ck_sl(ev.new_queue_id, "4jXs7c5Jprz1bp7c");
    ck_assert_int_eq(parse("postfix/bounce", "17CCA80440: sender delay notification: 0A87A1A08B"), PT_EV_NOTIFICATION);
    ck_assert_int_eq(ev.notification, PT_NOTIFY_DELAY);
    ck_assert_int_eq(parse("postfix/bounce", "17CCA80440: sender delivery status notification: 1DF3591700"), PT_EV_NOTIFICATION);
    ck_assert_int_eq(ev.notification, PT_NOTIFY_SUCCESS);
    ck_assert_int_eq(parse("postfix/bounce", "17CCA80440: sender non-delivery notification: "), PT_EV_UNRECOGNISED);
    ck_assert_int_eq(parse("postfix/bounce", "warning: 17CCA80440: malformed record"), PT_EV_KNOWN);
}
END_TEST

/* ---- other daemons ---- */

START_TEST(t_other)
{
    static const struct { const char *prog, *msg; } lines[] = {
        { "postfix/anvil", "statistics: max connection rate 1/60s for (smtp:192.0.2.1) at Nov  3 12:00:01" },
        { "postfix/scache", "statistics: start interval Nov  3 12:00:01" },
        { "postfix/master", "daemon started -- version 3.7.11, configuration /etc/postfix" },
        { "postfix/tlsproxy", "CONNECT from [192.0.2.1]:4444" },
        { "postfix/tlsmgr", "warning: request to update table btree:/x in non-postfix directory /y" },
        { "postfix/verify", "cache btree:/var/lib/postfix/verify_cache full cleanup: retained=1 dropped=0 entries" },
        { "postfix/trivial-rewrite", "warning: do not list domain example.com in BOTH mydestination and virtual_alias_domains" },
        { "postfix/postdrop", "warning: uid=0: File too large" },
        { "postfix/sendmail", "fatal: root(0): message file too big" },
        { "postfix/postmap", "warning: /etc/postfix/x.db: duplicate entry: \"a\"" },
        { "postfix/postfix-script", "starting the Postfix mail system" },
        { "postfix/postqueue", "fatal: Queue report unavailable - mail system is down" },
        { "postfix/postlog", "anything at all" },
        { "postfix/postlogd", "anything" },
        { "postfix/smtpd", "fatal: config error" },
        { "postfix/cleanup", "panic: oops" },
        { "postfix/qmgr", "error: something" },
        { NULL, NULL }
    };
    int i;
    for (i = 0; lines[i].prog; i++)
        ck_assert_msg(parse(lines[i].prog, lines[i].msg) == PT_EV_KNOWN, "%s: %s", lines[i].prog, lines[i].msg);
}
END_TEST

/* ---- queue IDs ---- */

START_TEST(t_queue_ids)
{
    ck_assert_int_eq(parse("postfix/qmgr", "NOQUEUE: removed"), PT_EV_UNRECOGNISED);
    ck_assert_int_eq(parse("postfix/qmgr", "4b3c21b2f3: removed"), PT_EV_REMOVED);   /* long-ID charset, no vowels */
    ck_assert_int_eq(parse("postfix/qmgr", "warning: removed"), PT_EV_KNOWN);
    ck_assert_int_eq(parse("postfix/qmgr", "ABC: removed"), PT_EV_UNRECOGNISED);    /* too short */
    ck_assert_int_eq(parse("postfix/qmgr", "4B3C-21A2F3: removed"), PT_EV_UNRECOGNISED);
    ck_assert_int_eq(parse("postfix/qmgr", "ED06590130AA1C9D6D862: removed"), PT_EV_REMOVED);
    ck_sl(ev.queue_id, "ED06590130AA1C9D6D862");
}
END_TEST

/* ---- hostile input ---- */

START_TEST(t_hostile_reject)
{
    /* the recipient (quoted by Postfix) imitates a trailer */
    ck_assert_int_eq(parse("postfix/smtpd", "NOQUEUE: reject: RCPT from h.example[192.0.2.1]: 554 5.7.1 <\"x; from=<evil> to=<evil2> proto=SMTP helo=<e>\"@victim.example>: Relay access denied; from=<real@sender.example> to=<\"x; from=<evil> to=<evil2> proto=SMTP helo=<e>\"@victim.example> proto=ESMTP helo=<h.example>"), PT_EV_REJECT);
    ck_sl(ev.from, "real@sender.example");
    ck_sl(ev.to, "\"x; from=<evil> to=<evil2> proto=SMTP helo=<e>\"@victim.example");
    ck_sl(ev.helo, "h.example");
    ck_sl(ev.reason, "<\"x; from=<evil> to=<evil2> proto=SMTP helo=<e>\"@victim.example>: Relay access denied");

    /* an unquoted '>' forged into the sender cannot extend past a space */
    ck_assert_int_eq(parse("postfix/smtpd", "NOQUEUE: reject: RCPT from h.example[192.0.2.1]: 554 5.7.1 nope; from=<a>b@x> to=<c@d> proto=ESMTP helo=<h>"), PT_EV_REJECT);
    ck_sl(ev.from, "a>b@x");
    ck_sl(ev.to, "c@d");

    /* a helo that imitates a whole trailer: two readings, no trailer fields */
    ck_assert_int_eq(parse("postfix/smtpd", "NOQUEUE: reject: RCPT from h.example[192.0.2.1]: 554 5.7.1 nope; from=<a@b> to=<c@d> proto=ESMTP helo=<x; from=<forged@evil> to=<forged2@evil> proto=SMTP helo=<y>"), PT_EV_REJECT);
    ck_absent(ev.from);
    ck_absent(ev.to);
    ck_absent(ev.helo);
    ck_assert_int_eq(ev.smtp_code, 554);

    /* reply text with control bytes and invalid UTF-8 */
    ck_assert_int_eq(parse("postfix/smtpd", "NOQUEUE: reject: RCPT from h.example[192.0.2.1]: 550 5.1.1 \x01\xff\xfe bad \\ \"; from=<a@b> to=<c@d> proto=ESMTP helo=<h>"), PT_EV_REJECT);
    ck_sl(ev.reason, "\x01\xff\xfe bad \\ \"");
    ck_sl(ev.from, "a@b");
}
END_TEST

START_TEST(t_hostile_delivery)
{
    /* a reply imitating status fields cannot move the real ones */
    ck_assert_int_eq(parse("postfix/smtp", "4B3C21A2F3: to=<b@example.org>, relay=mx[192.0.2.1]:25, delay=1, delays=0/0/1/0, dsn=5.0.0, status=bounced (host mx said: 550 relay=x, delay=9, delays=9/9/9/9, dsn=2.0.0, status=sent (250 queued as AAAAAAAAAA))"), PT_EV_DELIVERY);
    ck_sl(ev.status, "bounced");
    ck_sl(ev.dsn, "5.0.0");
    ck_sl(ev.relay, "mx[192.0.2.1]:25");
    ck_absent(ev.queued_as);
    /* unquoted address containing the structure: the space stops it */
    ck_assert_int_eq(parse("postfix/smtp", "4B3C21A2F3: to=<a>, relay=evil, delay=0, delays=0/0/0/0, dsn=2.0.0, status=sent (x)@y>, relay=mx, delay=1, delays=0/0/1/0, dsn=5.0.0, status=bounced (no)"), PT_EV_DELIVERY);
    ck_sl(ev.to, "a");
    ck_sl(ev.relay, "evil");
    /* well: Postfix would have quoted that address; the reading is the
     * first that parses. With quoting it is unambiguous: */
    ck_assert_int_eq(parse("postfix/smtp", "4B3C21A2F3: to=<\"a>, relay=evil, delay=0, delays=0/0/0/0, dsn=2.0.0, status=sent (x)\"@y>, relay=mx, delay=1, delays=0/0/1/0, dsn=5.0.0, status=bounced (no)"), PT_EV_DELIVERY);
    ck_sl(ev.relay, "mx");
    ck_sl(ev.status, "bounced");
    /* unterminated quote: no reading */
    ck_assert_int_eq(parse("postfix/smtp", "4B3C21A2F3: to=<\"a@y>, relay=mx, delay=1, delays=0/0/1/0, dsn=5.0.0, status=bounced (no)"), PT_EV_UNRECOGNISED);
    ck_absent(ev.to);
    ck_absent(ev.status);
}
END_TEST

START_TEST(t_hostile_cleanup)
{
    /* a header value that imitates the trailer: two readings, text only */
    ck_assert_int_eq(parse("postfix/cleanup", "5D6E7F8A9B: reject: header Subject: x from local; from=<forged@evil>: y from h.example[192.0.2.1]; from=<a@example.com> to=<b@example.org> proto=ESMTP helo=<h>: 5.7.1 no"), PT_EV_CLEANUP_ACTION);
    ck_assert_str_eq(ev.action_name, "reject");
    ck_absent(ev.from);
    ck_sl(ev.text, "header Subject: x from local; from=<forged@evil>: y from h.example[192.0.2.1]; from=<a@example.com> to=<b@example.org> proto=ESMTP helo=<h>: 5.7.1 no");
}
END_TEST

/* All test lines, for the truncation and garbage loops. */
static const struct { const char *prog, *msg; } all_lines[] = {
    { "postfix/smtpd", "connect from mail.example.org[203.0.113.9]:25" },
    { "postfix/smtpd", "disconnect from mail.example.org[203.0.113.9] ehlo=1 commands=1" },
    { "postfix/smtpd", "lost connection after DATA (1024 bytes) from h.example[10.0.0.1]" },
    { "postfix/smtpd", "4B3C21A2F3: client=a.example[192.0.2.1]:1, sasl_method=LOGIN, sasl_username=bob, sasl_sender=c@d, orig_queue_id=5E0D1B09F0, orig_client=x[1.2.3.4]" },
    { "postfix/smtpd", "Anonymous TLS connection established from m.example[203.0.113.9]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)" },
    { "postfix/smtpd", "NOQUEUE: reject: RCPT from unknown[192.0.2.99]:1234: 554 5.7.1 <\"q>\\\"x\"@v.example>: Relay access denied; from=<s@e> to=<\"q>\\\"x\"@v.example> proto=ESMTP helo=<b>" },
    { "postfix/smtpd", "3C4D5E6F7A: filter: RCPT from h.example[192.0.2.1]: <a@b>: Sender address triggers FILTER smtp:[127.0.0.1]:10024; from=<a@b> to=<c@d> proto=ESMTP helo=<h>" },
    { "postfix/postscreen", "NOQUEUE: reject: RCPT from [192.0.2.66]:40404: 550 5.7.1 Service unavailable; from=<s@e>, to=<r@e>, proto=ESMTP, helo=<s>" },
    { "postfix/cleanup", "4B3C21A2F3: message-id=<20240101.abc@mail.example.org>" },
    { "postfix/cleanup", "5D6E7F8A9B: reject: header Subject: buy now from h.example[192.0.2.1]:25; from=<a@e> to=<b@e> proto=ESMTP helo=<h>: 5.7.1 No" },
    { "postfix/cleanup", "5D6E7F8A9B: milter-reject: END-OF-MESSAGE from h.example[192.0.2.1]: 5.7.1 Blocked; from=<a@e> to=<b@e> proto=ESMTP helo=<h>" },
    { "postfix/qmgr", "4B3C21A2F3: from=<alice@example.com>, size=1234, nrcpt=2 (queue active)" },
    { "postfix/qmgr", "4B3C21A2F3: from=<a@example.com>, status=force-expired, returned to sender" },
    { "postfix/qmgr", "4B3C21A2F3: removed" },
    { "postfix/pickup", "A1B2C3D4E5: uid=1000 from=<alice>" },
    { "postfix/postsuper", "A1B2C3D4E5: released from hold" },
    { "postfix/smtp", "4B3C21A2F3: to=<bob@example.org>, orig_to=<p@e>, relay=mx[192.0.2.25]:25, conn_use=3, delay=1.2, delays=0.1/0.02/0.5/0.58, tls=may, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 7D8E9F0A1B)" },
    { "postfix/local", "2A22C263F6: to=a@m.example, orig_to=root@localhost, relay=local, delay=0.07, delays=0.04/0/0/0.03, dsn=2.0.0, status=sent (forwarded as 9C8B7A6F5E)" },
    { "postfix/bounce", "17CCA80440: sender non-delivery notification: ADD2F80521" },
    { "postfix/anvil", "statistics: max cache size 1 at Nov  3 12:00:01" },
    { NULL, NULL }
};

START_TEST(t_truncate_everywhere)
{
    int i;
    for (i = 0; all_lines[i].prog; i++) {
        size_t n = strlen(all_lines[i].msg), k;
        pt_ev_kind full = parse(all_lines[i].prog, all_lines[i].msg);
        ck_assert_msg((full != PT_EV_UNRECOGNISED && full != PT_EV_KNOWN)
                      || i == 19, "full line %d: kind %d", i, full);
        for (k = 0; k < n; k++) {
            pt_ev_kind kk = parse_n(all_lines[i].prog, all_lines[i].msg, k);
            ck_assert(kk >= PT_EV_NOT_POSTFIX && kk <= PT_EV_AUTH_FAILED);
            /* any slice the parser filled lies within the message */
            if (ev.to.p)
                ck_assert(ev.to.p >= g_msg && ev.to.p + ev.to.n <= g_msg + k);
            if (ev.reply.p)
                ck_assert(ev.reply.p >= g_msg && ev.reply.p + ev.reply.n <= g_msg + k);
            if (ev.from.p)
                ck_assert(ev.from.p >= g_msg && ev.from.p + ev.from.n <= g_msg + k);
            if (ev.helo.p)
                ck_assert(ev.helo.p >= g_msg && ev.helo.p + ev.helo.n <= g_msg + k);
        }
        /* also truncate the program name */
        for (k = 0; k < strlen(all_lines[i].prog); k++) {
            char p[64];
            memcpy(p, all_lines[i].prog, k);
            p[k] = '\0';
            parse(p, all_lines[i].msg);
        }
    }
}
END_TEST

START_TEST(t_garbage)
{
    /* every line with each byte replaced by hostile bytes, and a huge line */
    static const char subst[] = { '>', '<', '"', '\\', ',', ';', ' ', ':', '[', ']', '(', ')', '\0', '\xff' };
    int i;
    size_t k, j;
    char *big;
    for (i = 0; all_lines[i].prog; i++) {
        size_t n = strlen(all_lines[i].msg);
        char *buf = malloc(n);
        for (k = 0; k < n; k++)
            for (j = 0; j < sizeof(subst); j++) {
                memcpy(buf, all_lines[i].msg, n);
                buf[k] = subst[j];
                parse_n(all_lines[i].prog, buf, n);
            }
        free(buf);
    }
    big = malloc(1 << 20);
    for (k = 0; k < (1u << 20); k++)
        big[k] = "; from=<a> to=<\">"[k % 17];
    memcpy(big, "NOQUEUE: reject: RCPT from h[1.2.3.4]: ", 39);
    parse_n("postfix/smtpd", big, 1 << 20);
    memcpy(big, "4B3C21A2F3: to=<", 16);
    parse_n("postfix/smtp", big, 1 << 20);
    memcpy(big, "4B3C21A2F3: reject: header ", 27);
    for (k = 27; k < (1u << 20); k++)
        big[k] = " from local; from=<>"[k % 20];
    parse_n("postfix/cleanup", big, 1 << 20);
    free(big);
}
END_TEST

/* Lines of real logs, if a colleague's run left any: each must parse as
 * something other than UNRECOGNISED. The syslog header is split here
 * crudely ("... PROGRAM[PID]: MSG"); the core tests use pt_header_read. */
START_TEST(t_real_logs)
{
    const char *top = getenv("top_srcdir");
    char path[1024], *line = NULL;
    size_t cap = 0;
    DIR *d, *sd;
    struct dirent *de, *se;
    long total = 0, bad = 0;
    snprintf(path, sizeof(path), "%s/tests/data/real", top ? top : ".");
    d = opendir(path);
    if (d == NULL)
        return;
    while ((de = readdir(d)) != NULL) {
        char dir[2048];
        if (de->d_name[0] == '.')
            continue;
        snprintf(dir, sizeof(dir), "%s/%s", path, de->d_name);
        if ((sd = opendir(dir)) == NULL)
            continue;
        while ((se = readdir(sd)) != NULL) {
            char file[4096];
            FILE *f;
            ssize_t len;
            size_t nl = strlen(se->d_name);
            if (nl < 4 || strcmp(se->d_name + nl - 4, ".log") != 0)
                continue;
            snprintf(file, sizeof(file), "%s/%s", dir, se->d_name);
            if ((f = fopen(file, "r")) == NULL)
                continue;
            while ((len = getline(&line, &cap, f)) > 0) {
                char *m, *b, *ps;
                if (line[len - 1] == '\n')
                    line[--len] = '\0';
                m = strstr(line, "]: ");
                if (m == NULL)
                    continue;
                b = m;
                while (b > line && *b != '[')
                    b--;
                ps = b;
                while (ps > line && ps[-1] != ' ')
                    ps--;
                *b = '\0';
                if (strncmp(ps, "postfix", 7) != 0)
                    continue;
                total++;
                if (parse(ps, m + 3) == PT_EV_UNRECOGNISED) {
                    if (bad < 20)
                        fprintf(stderr, "unrecognised: %s: %s\n", ps, m + 3);
                    bad++;
                }
            }
            fclose(f);
        }
        closedir(sd);
    }
    closedir(d);
    free(line);
    fprintf(stderr, "real logs: %ld postfix lines, %ld unrecognised\n", total, bad);
    ck_assert_int_eq(bad, 0);
}
END_TEST

static Suite *parse_suite(void)
{
    Suite *s = suite_create("parse");
    TCase *tc = tcase_create("lines");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, t_program);
    tcase_add_test(tc, is_postfix_agrees_with_split);
    tcase_add_test(tc, t_client);
    tcase_add_test(tc, t_connect);
    tcase_add_test(tc, t_disconnect);
    tcase_add_test(tc, t_client_line);
    tcase_add_test(tc, t_tls);
    tcase_add_test(tc, t_reject);
    tcase_add_test(tc, t_milter_smtpd);
    tcase_add_test(tc, t_filter);
    tcase_add_test(tc, t_smtpd_known);
    tcase_add_test(tc, t_postscreen);
    tcase_add_test(tc, t_message_id);
    tcase_add_test(tc, t_cleanup_action);
    tcase_add_test(tc, t_qmgr);
    tcase_add_test(tc, t_pickup);
    tcase_add_test(tc, t_postsuper);
    tcase_add_test(tc, t_delivery_smtp);
    tcase_add_test(tc, t_delivery_local);
    tcase_add_test(tc, t_delivery_known);
    tcase_add_test(tc, t_auth_failed);
    tcase_add_test(tc, t_infer_daemon);
    tcase_add_test(tc, t_fields_whole);
    tcase_add_test(tc, t_bounce);
    tcase_add_test(tc, t_other);
    tcase_add_test(tc, t_queue_ids);
    tcase_add_test(tc, t_hostile_reject);
    tcase_add_test(tc, t_hostile_delivery);
    tcase_add_test(tc, t_hostile_cleanup);
    tcase_add_test(tc, t_truncate_everywhere);
    tcase_add_test(tc, t_garbage);
    tcase_add_test(tc, t_real_logs);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(parse_suite());
    int failed;
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    release();
    return failed != 0;
}
