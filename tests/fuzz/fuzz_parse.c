/*
 * fuzz_parse.c - libFuzzer target: arbitrary bytes through the syslog
 * header reader and the Postfix line parser. Also parses the bytes as a
 * bare message under a few program names (and "postfix", whose daemon is
 * inferred from the text), so the daemon parsers see the input without a
 * header in front. Built by tests/fuzz/build-and-run.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "postfix-trace/event.h"
#include "postfix-trace/line.h"

static void check_slice(pt_slice s, const char *lo, const char *hi)
{
    if (s.p != NULL && (s.p < lo || s.p + s.n > hi))
        abort();
}

static void check_event(const pt_event *ev, const char *lo, const char *hi)
{
    check_slice(ev->queue_id, lo, hi);
    check_slice(ev->from, lo, hi);
    check_slice(ev->to, lo, hi);
    check_slice(ev->orig_to, lo, hi);
    check_slice(ev->relay, lo, hi);
    check_slice(ev->reply, lo, hi);
    check_slice(ev->helo, lo, hi);
    check_slice(ev->reason, lo, hi);
    check_slice(ev->text, lo, hi);
    check_slice(ev->client.ip, lo, hi);
    check_slice(ev->client.name, lo, hi);
    check_slice(ev->queued_as, lo, hi);
    check_slice(ev->message_id, lo, hi);
    check_slice(ev->sasl_method, lo, hi);
    check_slice(ev->sasl_username, lo, hi);
    if (ev->kind < PT_EV_NOT_POSTFIX || ev->kind > PT_EV_AUTH_FAILED)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static pt_header_reader *r;
    static const char *const progs[] = {
        "postfix/smtpd", "postfix/postscreen", "postfix/cleanup",
        "postfix/qmgr", "postfix/smtp", "postfix/local", "postfix/bounce",
        "postfix/pickup", "postfix/postsuper", "postfix/anvil",
        "postfix"               /* the daemon inferred from the text */
    };
    char *buf = malloc(size ? size : 1);
    pt_line line;
    pt_event ev;
    size_t i;

    if (buf == NULL)
        return 0;
    memcpy(buf, data, size);
    if (r == NULL)
        r = pt_header_reader_new(2026);
    if (r != NULL && pt_header_read(r, buf, size, &line) == PT_HEADER_OK) {
        /* the header reader's slices point into buf (a journal JSON
           line's into the reader: bounded by json-c, not checked here) */
        pt_parse(&line, &ev);
        if (ev.kind != PT_EV_NOT_POSTFIX && line.raw.p == buf
            && line.msg.p >= buf && line.msg.p <= buf + size)
            check_event(&ev, buf, buf + size);
    }
    memset(&line, 0, sizeof(line));
    line.msg = pt_slice_make(buf, size);
    for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
        line.program = pt_slice_cstr(progs[i]);
        pt_parse(&line, &ev);
        check_event(&ev, buf, buf + size);
    }
    free(buf);
    return 0;
}
