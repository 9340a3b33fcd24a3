/*
 * parse_delivery.c - every delivery agent's status line:
 *   QID: to=<R>, [orig_to=<O>, ]relay=RELAY, [conn_use=N, ]delay=D,
 *        delays=a/b/c/d, [tls=..., ]dsn=X.Y.Z, status=S (REPLY)
 * (smtp, lmtp, local, virtual, pipe, error, discard, retry, and qmgr's own
 * deferrals). Addresses may lack angle brackets (local). The whole line
 * must parse; each possible end of an address is tried in turn and the
 * first reading whose remainder parses to the end of the line wins.
 * Allocates nothing; the event's slices point into the line.
 */
#include <string.h>
#include "parse_internal.h"

typedef struct dl {
    pt_slice to, orig_to, relay, dsn, status, reply;
    int32_t conn_use;
    double delay, delays[4];
} dl;

/* 1 when ch may appear in a field name or status word ([a-z_-]). */
static int lower_word_char(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || ch == '_' || ch == '-';
}

/* Extra "name=value, " fields Postfix versions add (conn_use=, tls=...);
 * stops before stop_name. Cursor is after ", ". */
static int extra_fields(pu_cur *c, const char *stop_name, dl *out)
{
    int n = 0;
    while (!pu_starts(c->p, c->e, stop_name)) {
        const char *s = c->p, *q = c->p;
        pt_slice name;
        if (++n > 8)
            return 0;
        while (q < c->e && lower_word_char((unsigned char)*q))
            q++;
        if (q == s || q >= c->e || *q != '=')
            return 0;
        name = pu_sl(s, q);
        c->p = q + 1;
        if (pt_slice_eq(name, "conn_use")) {
            int64_t v;
            if (!pu_uint(c, 1000000000, &v))
                return 0;
            out->conn_use = (int32_t)v;
        } else {
            while (c->p < c->e && *c->p != ',' && *c->p != ' ')
                c->p++;
        }
        if (!pu_lit(c, ", "))
            return 0;
    }
    return 1;
}

/* From ", relay=" to the end of the line. */
static int tail_parse(const char *p, const char *e, dl *out)
{
    pu_cur c = pu_cur_make(p, e);
    const char *s;
    int i;
    if (!pu_lit(&c, ", relay="))
        return 0;
    s = c.p;
    while (c.p < c.e && *c.p != ',' && *c.p != ' ')
        c.p++;
    if (c.p == s)
        return 0;
    out->relay = pu_sl(s, c.p);
    out->conn_use = -1;
    if (!pu_lit(&c, ", ") || !extra_fields(&c, "delay=", out)
        || !pu_lit(&c, "delay=") || !pu_decimal(&c, &out->delay)
        || !pu_lit(&c, ", delays="))
        return 0;
    for (i = 0; i < 4; i++) {
        if (i > 0 && !pu_lit(&c, "/"))
            return 0;
        if (!pu_decimal(&c, &out->delays[i]))
            return 0;
    }
    if (!pu_lit(&c, ", ") || !extra_fields(&c, "dsn=", out)
        || !pu_lit(&c, "dsn=") || !pu_dsn(&c, &out->dsn)
        || !pu_lit(&c, ", status="))
        return 0;
    s = c.p;
    while (c.p < c.e && lower_word_char((unsigned char)*c.p))
        c.p++;
    if (c.p == s)
        return 0;
    out->status = pu_sl(s, c.p);
    if (!pu_lit(&c, " (") || c.e - c.p < 1 || c.e[-1] != ')')
        return 0;
    out->reply = pu_sl(c.p, c.e - 1);
    return 1;
}

/* Next candidate end of an address starting at s (after "to=" or
 * "to=<"); from is where to continue searching. */
static const char *addr_next(int bracket, const char *from, const char *e)
{
    return bracket ? pu_addr_gt(from, e) : pu_addr_comma(from, e);
}

/* After the recipient's end: [", orig_to=" ADDR] tail. */
static int after_to(const char *p, const char *e, dl *out, int *budget)
{
    pu_cur c = pu_cur_make(p, e);
    if (pu_lit(&c, ", orig_to=")) {
        int bracket = pu_lit(&c, "<");
        const char *s = c.p, *g;
        for (g = addr_next(bracket, s, e); g != NULL;
             g = addr_next(bracket, g + 1, e)) {
            if (--*budget < 0)
                return 0;
            if (tail_parse(g + bracket, e, out)) {
                out->orig_to = pu_sl(s, g);
                return 1;
            }
        }
        return 0;
    }
    return tail_parse(p, e, out);
}

/* SMTP code at the start of r, or after " said: " / "refused to talk to me: "; -1. */
static int32_t reply_code(pt_slice r)
{
    const char *e = r.p + r.n, *q;
    int32_t code = pu_smtp_code(r.p, e);
    if (code >= 0)
        return code;
    if ((q = pu_find(r.p, e, " said: ")) != NULL)
        return pu_smtp_code(q + 7, e);
    if ((q = pu_find(r.p, e, "refused to talk to me: ")) != NULL)
        return pu_smtp_code(q + 23, e);
    return -1;
}

/* The next hop's ID after the first "queued as " in [p, e), whole, whatever
 * characters it holds (other MTAs' IDs such as "C789453108_48E0164F"): up to
 * white space, without trailing punctuation. Empty if none. */
static pt_slice queued_as_word(const char *p, const char *e)
{
    pt_slice none = { NULL, 0 };
    const char *q = pu_find(p, e, "queued as "), *s, *w;
    if (q == NULL)
        return none;
    s = w = q + 10;
    while (w < e && *w != ' ' && *w != '\t')
        w++;
    while (w > s && (w[-1] == ')' || w[-1] == ',' || w[-1] == ';'
                     || w[-1] == '.' || w[-1] == '>'))
        w--;
    return w > s ? pu_sl(s, w) : none;
}

/* Parse "to=<R>, ... status=S (REPLY)" at c into ev (kind DELIVERY); 1 on success. */
int pt_parse_delivery_line(pt_slice qid, pu_cur c, pt_event *ev)
{
    int bracket, budget = 64;
    const char *s, *g, *e = c.e;
    dl out;
    if (!pu_lit(&c, "to="))
        return 0;
    bracket = pu_lit(&c, "<");
    s = c.p;
    for (g = addr_next(bracket, s, e); g != NULL;
         g = addr_next(bracket, g + 1, e)) {
        if (--budget < 0)
            return 0;
        memset(&out, 0, sizeof(out));
        if (!after_to(g + bracket, e, &out, &budget))
            continue;
        out.to = pu_sl(s, g);
        ev->queue_id = qid;
        ev->to = out.to;
        ev->orig_to = out.orig_to;
        ev->relay = out.relay;
        ev->conn_use = out.conn_use;
        ev->delay = out.delay;
        memcpy(ev->delays, out.delays, sizeof(ev->delays));
        ev->dsn = out.dsn;
        ev->status = out.status;
        ev->reply = out.reply;
        ev->smtp_code = reply_code(out.reply);
        {
            const char *rp = out.reply.p, *re = out.reply.p + out.reply.n;
            if (pt_slice_eq(out.status, "sent")) {
                ev->queued_as = queued_as_word(rp, re);
                ev->queued_as_qid = pu_qid_valid(ev->queued_as.p, ev->queued_as.n);
            }
            if (pu_starts(rp, re, "forwarded as ")) {
                pu_cur fc = pu_cur_make(rp + 13, re);
                pt_slice f;
                if (pu_qid_word(&fc, &f))
                    ev->forwarded_as = f;
            }
        }
        ev->kind = PT_EV_DELIVERY;
        return 1;
    }
    return 0;
}

/* Parse a "QID: to=..." status line; other lines are KNOWN for delivery agents only. */
pt_ev_kind pt_parse_delivery(pt_slice msg, pt_event *ev)
{
    pu_cur c = pu_cur_of(msg);
    pt_slice qid;
    int q = pu_qid_prefix(&c, &qid);
    if (q == 1 && pu_starts(c.p, c.e, "to=")) {
        if (pt_parse_delivery_line(qid, c, ev))
            return PT_EV_DELIVERY;
        return PT_EV_UNRECOGNISED;
    }
    if (!pt_daemon_is_delivery(ev->prog.daemon))
        return PT_EV_UNRECOGNISED;
    /* Anything else a delivery agent says: connection trouble, TLS setup,
     * "host X said", PIX workarounds, SASL ... nothing to correlate. */
    if (q == 1)
        ev->queue_id = qid;
    return PT_EV_KNOWN;
}
