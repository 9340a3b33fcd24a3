/*
 * parse_smtpd.c - smtpd, qmqpd, postscreen (and dnsblog via parse_other).
 *
 *   connect from NAME[IP]                      CONNECT
 *   disconnect from NAME[IP] ehlo=1 ...        DISCONNECT
 *   lost connection after CMD from NAME[IP]    DISCONNECT (lost)
 *   timeout after CMD from NAME[IP]            DISCONNECT (lost)
 *   QID: client=NAME[IP]:PORT[, sasl_...]      CLIENT
 *   T TLS connection established from ...      TLS
 *   NOQUEUE|QID: ACTION: STAGE from NAME[IP]: TEXT; from=<> to=<> ...
 *                                              REJECT / SMTPD_FILTER
 *   warning: NAME[IP]: SASL M authentication failed: R[, sasl_username=U]
 *                                              AUTH_FAILED
 * Everything else they log is KNOWN; a line that starts like one of the
 * shapes above but does not parse to its end is UNRECOGNISED.
 * Allocates nothing; the event's slices point into the line.
 */
#include <string.h>
#include "parse_internal.h"

static const pt_slice no_slice = { NULL, 0 };

/* A client that must run to the end of [p, e). */
static int client_to_end(const char *p, const char *e, pt_client *cl)
{
    size_t n = pt_parse_client(pu_sl(p, e), cl);
    return n > 0 && p + n == e;
}

/* The actions smtpd / postscreen log in "ACTION: STAGE from ..." lines. */
static int smtpd_action(pt_slice a, int *filter)
{
    static const char *const rej[] = {
        "reject", "reject_warning", "hold", "discard", "warn",
        "milter-reject", "milter-hold", "milter-discard", NULL
    };
    static const char *const flt[] = { "filter", "redirect", NULL };
    int i;
    for (i = 0; rej[i]; i++)
        if (pt_slice_eq(a, rej[i])) {
            *filter = 0;
            return 1;
        }
    for (i = 0; flt[i]; i++)
        if (pt_slice_eq(a, flt[i])) {
            *filter = 1;
            return 1;
        }
    return 0;
}

/* 1 when ch may appear in an action or stage word ([A-Za-z0-9_-]). */
static int stage_char(unsigned char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '-'
           || ch == '_' || (ch >= '0' && ch <= '9');
}

/* c is at "ACTION: " (after the queue ID prefix). Returns the kind, or
 * UNRECOGNISED when the line is not an action line (*shaped = 0) or does
 * not parse (*shaped = 1). */
static pt_ev_kind action_line(pu_cur c, pt_slice qid, int postscreen,
                              pt_event *ev, int *shaped)
{
    const char *s = c.p, *colon, *stage_s, *text_s, *semi = NULL;
    pt_slice action, stage, text;
    pt_client cl;
    int filter = 0, n;
    size_t cn;
    pu_tctx t;

    *shaped = 0;
    while (c.p < c.e && (stage_char((unsigned char)*c.p)))
        c.p++;
    colon = c.p;
    action = pu_sl(s, colon);
    if (!pu_lit(&c, ": ") || !smtpd_action(action, &filter))
        return PT_EV_UNRECOGNISED;
    *shaped = 1;
    stage_s = c.p;
    while (c.p < c.e && stage_char((unsigned char)*c.p))
        c.p++;
    stage = pu_sl(stage_s, c.p);
    if (stage.n == 0 || !pu_lit(&c, " from "))
        return PT_EV_UNRECOGNISED;
    cn = pt_parse_client(pu_rest(&c), &cl);
    if (cn == 0)
        return PT_EV_UNRECOGNISED;
    c.p += cn;
    if (!pu_lit(&c, ": "))
        return PT_EV_UNRECOGNISED;
    text_s = c.p;
    pu_tctx_init(&t, postscreen, 0);
    n = pu_trailer_split(&t, text_s, c.e, &semi);
    if (n == 0) {
        /* postscreen's CONNECT rejects carry no trailer at all */
        if (!postscreen || pu_findc(text_s, c.e, ';') != NULL)
            return PT_EV_UNRECOGNISED;
        text = pu_sl(text_s, c.e);
    } else if (n == 1) {
        text = pu_sl(text_s, semi);
        ev->from = t.best.from;
        ev->to = t.best.to;
        ev->proto = t.best.proto;
        ev->helo = t.best.helo;
    } else {
        /* ambiguous (or too costly): keep what is certain */
        text = pu_sl(text_s, c.e);
    }
    ev->queue_id = qid;
    ev->action = action;
    ev->action_name = pu_action_name(action);
    ev->stage = stage;
    ev->client = cl;
    ev->text = text;
    pu_split_reply(text, &ev->smtp_code, &ev->dsn, &ev->reason);
    return filter ? PT_EV_SMTPD_FILTER : PT_EV_REJECT;
}

/* ", name=value" fields after client=...; value ends at the next known
 * field or the end. Returns 1 when everything to the end parsed. */
static int client_fields(pu_cur c, pt_event *ev)
{
    static const char *const names[] = {
        ", sasl_method=", ", sasl_username=", ", sasl_sender=",
        ", orig_queue_id=", ", orig_client=", NULL
    };
    pt_slice vals[5] = { { NULL, 0 }, { NULL, 0 }, { NULL, 0 }, { NULL, 0 },
                         { NULL, 0 } };
    int i = 0, j;
    while (!pu_at_end(&c)) {
        const char *s, *end = c.e;
        while (names[i] && !pu_starts(c.p, c.e, names[i]))
            i++;
        if (names[i] == NULL)
            return 0;
        c.p += strlen(names[i]);
        s = c.p;
        for (j = i + 1; names[j]; j++) {
            const char *q = pu_find(s, c.e, names[j]);
            if (q != NULL && q < end)
                end = q;
        }
        vals[i] = pu_sl(s, end);
        c.p = end;
        i++;
    }
    if (vals[3].p != NULL) {
        pu_cur q = pu_cur_of(vals[3]);
        pt_slice id;
        if (!pu_qid_word(&q, &id) || !pu_at_end(&q))
            return 0;
    }
    ev->sasl_method = vals[0];
    ev->sasl_username = vals[1];
    ev->sasl_sender = vals[2];
    ev->orig_queue_id = vals[3];
    return 1;
}

/* Parse "TRUST TLS connection established from CLIENT: PROTO with cipher C (N/". */
static pt_ev_kind tls_line(pu_cur c, pt_event *ev)
{
    static const char *const trust[] = {
        "Anonymous", "Trusted", "Verified", "Untrusted", NULL
    };
    const char *s = c.p, *q;
    pt_slice tr, proto, cipher;
    pt_client cl;
    size_t cn;
    int64_t bits;
    int i;
    for (i = 0; trust[i]; i++)
        if (pu_lit(&c, trust[i]))
            break;
    if (trust[i] == NULL)
        return PT_EV_UNRECOGNISED;
    tr = pu_sl(s, c.p);
    if (!pu_lit(&c, " TLS connection established from "))
        return PT_EV_UNRECOGNISED;
    cn = pt_parse_client(pu_rest(&c), &cl);
    if (cn == 0)
        return PT_EV_UNRECOGNISED;
    c.p += cn;
    if (!pu_lit(&c, ": "))
        return PT_EV_UNRECOGNISED;
    for (q = c.p; q < c.e && *q != ' '; q++)
        ;
    proto = pu_sl(c.p, q);
    c.p = q;
    if (proto.n == 0 || !pu_lit(&c, " with cipher "))
        return PT_EV_UNRECOGNISED;
    for (q = c.p; q < c.e && *q != ' '; q++)
        ;
    cipher = pu_sl(c.p, q);
    c.p = q;
    if (cipher.n == 0 || !pu_lit(&c, " (") || !pu_uint(&c, 1000000, &bits)
        || !pu_lit(&c, "/"))
        return PT_EV_UNRECOGNISED;
    ev->tls_trust = tr;
    ev->tls_protocol = proto;
    ev->tls_cipher = cipher;
    ev->tls_bits = (int32_t)bits;
    ev->client = cl;
    return PT_EV_TLS;
}

/* "warning: CLIENT: SASL METHOD authentication failed[: REASON][,
 * sasl_username=USER]" (SCHEMA.md auth records). The user name is the
 * client's text, so it is split off at the first ", sasl_username=". */
static pt_ev_kind auth_failed(pu_cur c, pt_event *ev)
{
    static const pt_slice none = { NULL, 0 };
    pt_client cl;
    const char *m, *u;
    size_t cn;
    if (!pu_lit(&c, "warning: "))
        return PT_EV_UNRECOGNISED;
    cn = pt_parse_client(pu_rest(&c), &cl);
    if (cn == 0)
        return PT_EV_UNRECOGNISED;
    c.p += cn;
    if (!pu_lit(&c, ": SASL "))
        return PT_EV_UNRECOGNISED;
    m = c.p;
    while (c.p < c.e && *c.p != ' ' && (unsigned char)*c.p > ' ' && c.p - m < 64)
        c.p++;
    pt_slice method = pu_sl(m, c.p);
    if (c.p == m || !pu_lit(&c, " authentication failed"))
        return PT_EV_UNRECOGNISED;
    if (!pu_at_end(&c) && !pu_lit(&c, ": ") && !pu_lit(&c, ":")
        && !pu_starts(c.p, c.e, ", sasl_username="))
        return PT_EV_UNRECOGNISED;
    u = pu_find(c.p, c.e, ", sasl_username=");
    ev->reason = pu_sl(c.p, u ? u : c.e);
    if (ev->reason.n == 0 || pt_slice_eq(ev->reason, "(reason unavailable)"))
        ev->reason = none;          /* Postfix's placeholders name nothing */
    if (u && !pt_slice_eq(pu_sl(u + 16, c.e), "(unavailable)"))
        ev->sasl_username = pu_sl(u + 16, c.e);
    ev->client = cl;
    ev->sasl_method = method;
    return PT_EV_AUTH_FAILED;
}

/* Parse an smtpd / qmqpd line: connect, disconnect, client=, TLS or action lines. */
pt_ev_kind pt_parse_smtpd(pt_slice msg, pt_event *ev)
{
    pu_cur c = pu_cur_of(msg);
    pt_slice qid;
    pt_client cl;
    int q, shaped;
    pt_ev_kind k;

    if (pu_lit(&c, "connect from ")) {
        if (!client_to_end(c.p, c.e, &cl))
            return PT_EV_UNRECOGNISED;
        ev->client = cl;
        return PT_EV_CONNECT;
    }
    if (pu_lit(&c, "disconnect from ")) {
        size_t n = pt_parse_client(pu_rest(&c), &cl);
        if (n == 0 || (c.p + n < c.e && c.p[n] != ' '))
            return PT_EV_UNRECOGNISED;
        ev->client = cl;
        return PT_EV_DISCONNECT;
    }
    if (pu_lit(&c, "lost connection after ") || pu_lit(&c, "timeout after ")) {
        /* CMD is Postfix's own word ("DATA (123 bytes)"): first " from " */
        const char *f = pu_find(c.p, c.e, " from ");
        if (f == NULL || f == c.p || !client_to_end(f + 6, c.e, &cl))
            return PT_EV_UNRECOGNISED;
        ev->stage = pu_sl(c.p, f);
        ev->client = cl;
        ev->disconnect_lost = 1;
        return PT_EV_DISCONNECT;
    }
    k = tls_line(c, ev);
    if (k != PT_EV_UNRECOGNISED)
        return k;
    if (pu_starts(c.p, c.e, "warning: ")
        && (k = auth_failed(c, ev)) != PT_EV_UNRECOGNISED)
        return k;
    q = pu_qid_prefix(&c, &qid);
    if (q == 0)
        return PT_EV_KNOWN;
    if (q == 1 && pu_lit(&c, "client=")) {
        size_t n = pt_parse_client(pu_rest(&c), &cl);
        if (n == 0)
            return PT_EV_UNRECOGNISED;
        c.p += n;
        if (!client_fields(c, ev))
            return PT_EV_UNRECOGNISED;
        ev->queue_id = qid;
        ev->client = cl;
        return PT_EV_CLIENT;
    }
    k = action_line(c, q == 1 ? qid : no_slice, 0, ev, &shaped);
    if (k != PT_EV_UNRECOGNISED || shaped)
        return k;
    if (q == 1)
        ev->queue_id = qid;
    return PT_EV_KNOWN;
}

/* Parse a postscreen line: action lines (REJECT ...), everything else KNOWN. */
pt_ev_kind pt_parse_postscreen(pt_slice msg, pt_event *ev)
{
    pu_cur c = pu_cur_of(msg);
    pt_slice qid;
    int q = pu_qid_prefix(&c, &qid), shaped;
    pt_ev_kind k;
    if (q == 0)
        return PT_EV_KNOWN;   /* CONNECT, PASS, DNSBL rank, HANGUP, ... */
    k = action_line(c, q == 1 ? qid : no_slice, 1, ev, &shaped);
    if (k != PT_EV_UNRECOGNISED || shaped)
        return k;
    return PT_EV_KNOWN;
}
