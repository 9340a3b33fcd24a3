/*
 * parse_other.c - daemons with nothing to correlate (anvil, scache, master,
 * tlsproxy, tlsmgr, verify, trivial-rewrite, postdrop, sendmail, postmap,
 * postalias, postlogd, proxymap, showq, flush, spawn, postfix-script,
 * postqueue, postlog, dnsblog ...): every line they write is KNOWN. A
 * queue ID prefix, when there is one, is kept (sendmail / postdrop
 * sometimes name the message).
 * Allocates nothing; the queue ID slice points into the line.
 */
#include "parse_internal.h"

/* Any line of a daemon with nothing to correlate: KNOWN, keeping a queue ID prefix. */
pt_ev_kind pt_parse_other(pt_slice msg, pt_event *ev)
{
    pu_cur c = pu_cur_of(msg);
    pt_slice qid;
    if (pu_qid_prefix(&c, &qid) == 1)
        ev->queue_id = qid;
    return PT_EV_KNOWN;
}
