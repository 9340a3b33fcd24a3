/*
 * parse.c - pt_parse: split the program name, dispatch on the daemon, and
 * fall back to the rules every daemon shares (warnings, delivery lines).
 * Allocates nothing; every slice in the event points into the line.
 */
#include <string.h>
#include "parse_internal.h"

/* Reset *ev: all zero, kind UNRECOGNISED, every numeric field -1 (absent). */
static void event_reset(pt_event *ev)
{
    memset(ev, 0, sizeof(*ev));
    ev->kind = PT_EV_UNRECOGNISED;
    ev->client.port = -1;
    ev->tls_bits = -1;
    ev->size = -1;
    ev->nrcpt = -1;
    ev->uid = -1;
    ev->smtp_code = -1;
    ev->conn_use = -1;
    ev->delay = -1;
    ev->delays[0] = ev->delays[1] = ev->delays[2] = ev->delays[3] = -1;
}

/* Generic lines any daemon logs ("warning: ", "fatal: ", ...); KNOWN or UNRECOGNISED. */
pt_ev_kind pt_parse_generic(pt_slice msg, pt_event *ev)
{
    static const char *const prefixes[] = {
        "warning: ", "fatal: ", "panic: ", "error: ", "statistics: ", NULL
    };
    pu_cur c = pu_cur_of(msg);
    pt_slice qid = { NULL, 0 };
    int i, had_qid = pu_qid_prefix(&c, &qid);
    for (i = 0; prefixes[i]; i++) {
        if (pu_lit(&c, prefixes[i])) {
            if (had_qid == 1)
                ev->queue_id = qid;
            ev->kind = PT_EV_KNOWN;
            return ev->kind;
        }
    }
    return PT_EV_UNRECOGNISED;
}

/* 1 when daemon name d is in the NULL-terminated list. */
static int daemon_in(pt_slice d, const char *const *list)
{
    int i;
    for (i = 0; list[i]; i++)
        if (pt_slice_eq(d, list[i]))
            return 1;
    return 0;
}

/* 1 when daemon d names a delivery agent (smtp, lmtp, local, ...). */
int pt_daemon_is_delivery(pt_slice d)
{
    static const char *const list[] = {
        "smtp", "lmtp", "local", "virtual", "pipe", "error", "discard",
        "retry", "relay", NULL
    };
    return daemon_in(d, list);
}

/* 1 when daemon d is one with nothing to correlate (anvil, master, ...). */
int pt_daemon_is_other(pt_slice d)
{
    static const char *const list[] = {
        "anvil", "scache", "master", "tlsproxy", "tlsmgr", "verify",
        "trivial-rewrite", "trivial_rewrite", "postdrop", "sendmail",
        "postmap", "postalias", "postlogd", "proxymap", "showq", "flush",
        "spawn", "postfix-script", "postqueue", "postlog", "postconf",
        "postcat", "postkick", "postlock", "postmulti", "postfix",
        "dnsblog", "script", "mailq", "newaliases", NULL
    };
    return daemon_in(d, list);
}

/* A known line that carries a queue ID and nothing else to correlate ("QID:
 * host X said: ...", "QID: skipped, still being delivered", "QID: warning:
 * ..."): an event of its mail, action "warning" or "info", its text all
 * after "QID: " (SCHEMA.md, events). */
static pt_ev_kind info_line(pt_slice msg, pt_event *ev)
{
    pu_cur c = pu_cur_of(msg);
    pt_slice qid;
    if (pu_qid_prefix(&c, &qid) != 1)
        return PT_EV_KNOWN;
    ev->queue_id = qid;
    ev->text = pu_rest(&c);
    ev->action_name = pu_starts(c.p, c.e, "warning: ") ? "warning" : "info";
    return PT_EV_INFO;
}

/* Parse one line into *ev with the default names ("postfix"). */
pt_ev_kind pt_parse(const pt_line *line, pt_event *ev)
{
    return pt_parse_names(line, NULL, ev);
}

/* Parse one line into *ev: split the program, dispatch on the daemon; returns ev->kind. */
pt_ev_kind pt_parse_names(const pt_line *line, const pt_names *names, pt_event *ev)
{
    pt_slice d, msg = line->msg;
    pt_ev_kind k;
    pt_program prog;

    event_reset(ev);
    switch (pt_program_kind(line->program, names)) {
    case PT_PROG_DAEMON:
        pt_program_split_daemon(line->program, &prog);
        break;
    case PT_PROG_BARE:                  /* "postfix": the text tells the daemon */
        prog.syslog_name = line->program;
        prog.transport = pt_slice_make(line->program.p + line->program.n, 0);
        prog.daemon = pt_slice_cstr(pt_infer_daemon(msg));
        ev->daemon_inferred = 1;
        break;
    default:
        ev->kind = PT_EV_NOT_POSTFIX;
        return ev->kind;
    }
    ev->prog = prog;
    if (msg.p == NULL) {
        msg.p = "";
        msg.n = 0;
    }
    d = prog.daemon;
    if (pt_slice_eq(d, "smtpd") || pt_slice_eq(d, "qmqpd"))
        k = pt_parse_smtpd(msg, ev);
    else if (pt_slice_eq(d, "postscreen"))
        k = pt_parse_postscreen(msg, ev);
    else if (pt_slice_eq(d, "cleanup"))
        k = pt_parse_cleanup(msg, ev);
    else if (pt_slice_eq(d, "qmgr") || pt_slice_eq(d, "oqmgr"))
        k = pt_parse_qmgr(msg, ev);
    else if (pt_slice_eq(d, "pickup"))
        k = pt_parse_pickup(msg, ev);
    else if (pt_slice_eq(d, "postsuper"))
        k = pt_parse_postsuper(msg, ev);
    else if (pt_slice_eq(d, "bounce") || pt_slice_eq(d, "defer")
             || pt_slice_eq(d, "trace"))
        k = pt_parse_bounce(msg, ev);
    else if (pt_daemon_is_delivery(d))
        k = pt_parse_delivery(msg, ev);
    else if (pt_daemon_is_other(d)) {
        k = pt_parse_other(msg, ev);
        /* no daemon in the name, none told by the text: known only as one
           of the lines those daemons write (an inference gap is counted) */
        if (ev->daemon_inferred && pt_slice_empty(ev->queue_id)
            && !pt_infer_known_other(msg))
            k = PT_EV_UNRECOGNISED;
    }
    else
        k = pt_parse_delivery(msg, ev);   /* unknown daemon: to= lines only */
    if (k == PT_EV_UNRECOGNISED)
        k = pt_parse_generic(msg, ev);
    if (k == PT_EV_KNOWN && !pt_slice_empty(ev->queue_id))
        k = info_line(msg, ev);
    ev->kind = k;
    return k;
}

/* Is the stage one at which the whole message is refused? */
static int stage_is_data(pt_slice s)
{
    return pt_slice_eq(s, "DATA") || pt_slice_eq(s, "END-OF-MESSAGE") || pt_slice_eq(s, "BDAT");
}

/* Where a line stands in Postfix's life cycle of a mail (SCHEMA.md "Order
 * and duplicates"): lines of one host and timestamp are folded in by this
 * rank, then by content. A session's lines before its message, the
 * message's creation, cleanup, the queue manager, delivery, notifications,
 * the end, and the session's end last. */
int pt_event_rank(const pt_event *ev)
{
    int qid = !pt_slice_empty(ev->queue_id);
    switch (ev->kind) {
    case PT_EV_CONNECT: return 10;
    case PT_EV_TLS: return 20;
    case PT_EV_REJECT:
    case PT_EV_SMTPD_FILTER:
        if (!qid)
            return 30;          /* NOQUEUE: before the queue ID it precedes */
        return stage_is_data(ev->stage) ? 55 : 45;
    case PT_EV_CLIENT:
    case PT_EV_PICKUP: return 40;
    case PT_EV_MESSAGE_ID: return 50;
    case PT_EV_CLEANUP_ACTION: return 52;
    case PT_EV_QMGR_FROM: return 60;
    case PT_EV_DELIVERY: return 70;
    case PT_EV_ADMIN: return ev->admin == PT_ADMIN_DELETED ? 90 : 72;
    case PT_EV_QMGR_EXPIRED: return 75;
    case PT_EV_NOTIFICATION: return 80;
    case PT_EV_REMOVED: return 90;
    case PT_EV_DISCONNECT: return 95;
    default: return 65;         /* warnings, info lines, the rest */
    }
}
