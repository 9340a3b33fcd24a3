/*
 * parse_internal.h - the daemon parsers behind pt_parse (lib/parse.c).
 *
 * Each takes the message text (after "program[pid]: ") and an event that
 * pt_parse has already reset (kind UNRECOGNISED, numbers -1, prog filled),
 * and returns the kind it set. A parser fills fields only once the whole
 * line has parsed; on failure it leaves them untouched and returns
 * PT_EV_UNRECOGNISED so the generic rules can still try.
 */
#ifndef PT_PARSE_INTERNAL_H
#define PT_PARSE_INTERNAL_H

#include "postfix-trace/event.h"
#include "parse_util.h"

pt_ev_kind pt_parse_smtpd(pt_slice msg, pt_event *ev);      /* smtpd, qmqpd */
pt_ev_kind pt_parse_postscreen(pt_slice msg, pt_event *ev);
pt_ev_kind pt_parse_cleanup(pt_slice msg, pt_event *ev);
pt_ev_kind pt_parse_qmgr(pt_slice msg, pt_event *ev);       /* qmgr, oqmgr */
pt_ev_kind pt_parse_pickup(pt_slice msg, pt_event *ev);
pt_ev_kind pt_parse_postsuper(pt_slice msg, pt_event *ev);
pt_ev_kind pt_parse_delivery(pt_slice msg, pt_event *ev);   /* any daemon */
pt_ev_kind pt_parse_bounce(pt_slice msg, pt_event *ev);
pt_ev_kind pt_parse_other(pt_slice msg, pt_event *ev);      /* anvil, master ... */

/* 1 when msg, read without its daemon's name, is a line of a daemon with
 * nothing to correlate (postfix(1), master, postfix-script, dnsblog ...). */
int pt_infer_known_other(pt_slice msg);

/* Split a name pt_program_kind called PT_PROG_DAEMON (no check again). */
void pt_program_split_daemon(pt_slice program, pt_program *out);

/* 1 when daemon names a delivery agent (smtp, lmtp, local, ...). */
int pt_daemon_is_delivery(pt_slice daemon);

/* 1 when daemon is one of the daemons with nothing to correlate. */
int pt_daemon_is_other(pt_slice daemon);

/* Generic lines any daemon may log: "warning: ", "fatal: ", "panic: ",
 * "error: ", "statistics: " (also after "QID: "). Returns PT_EV_KNOWN or
 * PT_EV_UNRECOGNISED. */
pt_ev_kind pt_parse_generic(pt_slice msg, pt_event *ev);

/* "QID: to=<...>, ..." delivery status line; on success fills ev (kind
 * DELIVERY). Used by the delivery agents and by qmgr (deferrals). */
int pt_parse_delivery_line(pt_slice qid, pu_cur rest, pt_event *ev);

#endif
