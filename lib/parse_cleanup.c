/*
 * parse_cleanup.c - cleanup:
 *   QID: message-id=<ID>                                   MESSAGE_ID
 *        (the ID without white space and brackets; empty for <>)
 *   QID: resent-message-id=<ID>                            KNOWN
 *   QID: ACTION: header|body|content TEXT from CLIENT; from=<S> to=<R>
 *        proto=P helo=<H>[: OPTIONAL TEXT]                 CLEANUP_ACTION
 *   QID: milter-ACTION: STAGE from CLIENT: TEXT; from=<S> ...
 *                                                          CLEANUP_ACTION
 * ev->text is everything after "ACTION: " and is always right; the
 * envelope fields, stage and reject text are filled only when exactly one
 * reading of the line exists (header values are the sender's text and
 * may imitate the trailer).
 * Allocates nothing; the event's slices point into the line.
 */
#include <string.h>
#include "parse_internal.h"

/* 1 when a is an action cleanup logs (reject, warning, ..., milter-header-*). */
static int cleanup_action(pt_slice a)
{
    static const char *const list[] = {
        "reject", "warning", "hold", "discard", "redirect", "filter", "info",
        "prepend", "replace", "strip", "bcc", "milter-reject",
        "milter-discard", "milter-hold", "milter-redirect", NULL
    };
    int i;
    for (i = 0; list[i]; i++)
        if (pt_slice_eq(a, list[i]))
            return 1;
    return a.n > 14 && memcmp(a.p, "milter-header-", 14) == 0;
}

/* 1 when ch may appear in a cleanup action word ([a-z_-]). */
static int action_char(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || ch == '-' || ch == '_';
}

/* One candidate " from " at f: the client ("local" or NAME[IP][:PORT]),
 * then either ";" trailer[: TEXT] (header form) or ": TEXT;" trailer
 * (milter form). Adds readings to *t / *count; the first goes to *best. */
typedef struct reading {
    pu_trailer tr;
    pt_slice client_text;       /* milter form: TEXT before the ';' */
    pt_client cl;
    const char *from_at;        /* the " from " */
} reading;

/* Try " from " at f as client plus trailer; count readings, the first into *best. */
static void try_from(const char *f, const char *e, int milter, int *count,
                     reading *best, int *budget)
{
    const char *p = f + 6;
    pt_client cl;
    size_t n;
    memset(&cl, 0, sizeof(cl));
    cl.port = -1;
    if (pu_starts(p, e, "local;") || pu_starts(p, e, "local: "))
        n = 5;
    else
        n = pt_parse_client(pu_sl(p, e), &cl);
    if (n == 0)
        return;
    p += n;
    if (!milter) {
        pu_tctx t;
        if (p >= e || *p != ';')
            return;
        pu_tctx_init(&t, 0, 1);
        t.budget = *budget;
        pu_trailer_walk(&t, p + 1, e);
        *budget = t.budget;
        if (t.count > 0 && *count == 0) {
            best->tr = t.best;
            best->cl = cl;
            best->from_at = f;
            best->client_text.p = NULL;
            best->client_text.n = 0;
        }
        *count += t.count;
    } else {
        pu_tctx t;
        const char *semi;
        int c;
        if (!pu_starts(p, e, ": "))
            return;
        p += 2;
        pu_tctx_init(&t, 0, 0);
        t.budget = *budget;
        c = pu_trailer_split(&t, p, e, &semi);
        *budget = t.budget;
        if (c == 1 && *count == 0) {
            best->tr = t.best;
            best->cl = cl;
            best->from_at = f;
            best->client_text = pu_sl(p, semi);
        }
        *count += c;
    }
}

/* s without white space at either end. */
static pt_slice trim_space(pt_slice s)
{
    while (s.n > 0 && (s.p[0] == ' ' || s.p[0] == '\t')) {
        s.p++;
        s.n--;
    }
    while (s.n > 0 && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t'))
        s.n--;
    return s;
}

/* The logged Message-ID without surrounding white space and angle brackets
 * (SCHEMA.md); empty for "<>" (the caller leaves the field out). */
static pt_slice message_id_of(pt_slice id)
{
    id = trim_space(id);
    if (id.n >= 2 && id.p[0] == '<' && id.p[id.n - 1] == '>') {
        id.p++;
        id.n -= 2;
        id = trim_space(id);
    }
    return id;
}

/* Parse a cleanup line: message-id=, resent-message-id= or a check action. */
pt_ev_kind pt_parse_cleanup(pt_slice msg, pt_event *ev)
{
    pu_cur c = pu_cur_of(msg);
    pt_slice qid, action;
    const char *s, *f, *e;
    int milter, count = 0, budget = 256;
    reading best;

    if (pu_qid_prefix(&c, &qid) != 1)
        return PT_EV_UNRECOGNISED;
    ev->queue_id = qid;
    if (pu_lit(&c, "message-id=")) {
        ev->message_id = message_id_of(pu_rest(&c));
        return PT_EV_MESSAGE_ID;
    }
    if (pu_lit(&c, "resent-message-id="))
        return PT_EV_KNOWN;
    s = c.p;
    while (c.p < c.e && action_char((unsigned char)*c.p))
        c.p++;
    action = pu_sl(s, c.p);
    if (!pu_lit(&c, ": ") || !cleanup_action(action)) {
        ev->queue_id.p = NULL;
        ev->queue_id.n = 0;
        return PT_EV_UNRECOGNISED;
    }
    milter = action.n > 7 && memcmp(action.p, "milter-", 7) == 0;
    if (!milter && !pu_starts(c.p, c.e, "header ")
        && !pu_starts(c.p, c.e, "body ") && !pu_starts(c.p, c.e, "content ")
        && !pu_starts(c.p, c.e, "mime-header ")) {
        /* "QID: warning: ..." that is no header/body check */
        if (pt_slice_eq(action, "warning"))
            return PT_EV_KNOWN;
        ev->queue_id.p = NULL;
        ev->queue_id.n = 0;
        return PT_EV_UNRECOGNISED;
    }
    ev->action = action;
    ev->action_name = pu_action_name(action);
    ev->text = pu_rest(&c);
    e = c.e;
    memset(&best, 0, sizeof(best));
    /* milter-header-* lines use the header form */
    if (milter && (pu_starts(c.p, e, "header ") || pu_starts(c.p, e, "body ")))
        milter = 0;
    for (f = pu_find(c.p, e, " from "); f != NULL && count < 2 && budget > 0;
         f = pu_find(f + 1, e, " from "))
        try_from(f, e, milter, &count, &best, &budget);
    if (count == 1) {
        const char *st_end = best.from_at;
        ev->from = best.tr.from;
        ev->to = best.tr.to;
        ev->proto = best.tr.proto;
        ev->helo = best.tr.helo;
        ev->client = best.cl;
        if (!milter) {
            /* "header Subject: ..." -> stage "header Subject" */
            const char *colon = pu_findc(c.p, st_end, ':');
            const char *sp = pu_findc(c.p, st_end, ' ');
            if (pu_starts(c.p, e, "header ") || pu_starts(c.p, e, "mime-header "))
                ev->stage = pu_sl(c.p, colon ? colon : st_end);
            else
                ev->stage = pu_sl(c.p, sp ? sp : st_end);
            if (best.tr.text.p != NULL) {
                int32_t code;
                ev->reason = best.tr.text;
                if (pt_slice_eq(action, "reject") || pt_slice_eq(action, "hold")
                    || pt_slice_eq(action, "discard")) {
                    pu_split_reply(best.tr.text, &code, &ev->dsn, &ev->reason);
                    ev->smtp_code = code;
                }
            }
        } else {
            ev->stage = pu_sl(c.p, st_end);
            pu_split_reply(best.client_text, &ev->smtp_code, &ev->dsn,
                           &ev->reason);
        }
    }
    return PT_EV_CLEANUP_ACTION;
}
