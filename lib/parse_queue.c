/*
 * parse_queue.c - qmgr / oqmgr, pickup, postsuper.
 *   qmgr:      QID: from=<S>, size=N, nrcpt=N (queue active)     QMGR_FROM
 *              QID: from=<S>, status=expired, returned to sender QMGR_EXPIRED
 *              QID: from=<S>, status=force-expired, returned ... QMGR_EXPIRED
 *              QID: removed                                      REMOVED
 *              QID: to=<R>, relay=none, ... status=deferred (...) DELIVERY
 *   pickup:    QID: uid=N from=<S>                               PICKUP
 *   postsuper: QID: removed | placed on hold | released from hold | requeued | expired
 *                                                                ADMIN
 * Allocates nothing; the event's slices point into the line.
 */
#include <string.h>
#include "parse_internal.h"

/* "from=<S>" followed by one of the qmgr tails; 1 on a full parse. */
static int qmgr_from(pu_cur c, pt_event *ev, pt_ev_kind *kind)
{
    const char *s, *g;
    int budget = 64;
    if (!pu_lit(&c, "from=<"))
        return 0;
    s = c.p;
    for (g = pu_addr_gt(s, c.e); g != NULL && --budget > 0;
         g = pu_addr_gt(g + 1, c.e)) {
        pu_cur t = pu_cur_make(g + 1, c.e);
        int64_t size, nrcpt;
        if (pu_lit(&t, ", size=") && pu_uint(&t, INT64_MAX, &size)
            && pu_lit(&t, ", nrcpt=") && pu_uint(&t, INT32_MAX, &nrcpt)
            && pu_rest_is(&t, " (queue active)")) {
            ev->from = pu_sl(s, g);
            ev->size = size;
            ev->nrcpt = (int32_t)nrcpt;
            *kind = PT_EV_QMGR_FROM;
            return 1;
        }
        t = pu_cur_make(g + 1, c.e);
        if (pu_rest_is(&t, ", status=expired, returned to sender")
            || pu_rest_is(&t, ", status=force-expired, returned to sender")) {
            ev->from = pu_sl(s, g);
            ev->force_expired = t.p[9] == 'f';
            *kind = PT_EV_QMGR_EXPIRED;
            return 1;
        }
    }
    return 0;
}

/* Parse a qmgr line: from=<S> (active / expired), removed, to= deferral, skipped. */
pt_ev_kind pt_parse_qmgr(pt_slice msg, pt_event *ev)
{
    pu_cur c = pu_cur_of(msg);
    pt_slice qid;
    pt_ev_kind k = PT_EV_UNRECOGNISED;
    if (pu_qid_prefix(&c, &qid) != 1)
        return PT_EV_UNRECOGNISED;   /* warnings etc.: generic rules */
    if (pu_rest_is(&c, "removed")) {
        ev->queue_id = qid;
        return PT_EV_REMOVED;
    }
    if (pu_starts(c.p, c.e, "from=<")) {
        if (!qmgr_from(c, ev, &k))
            return PT_EV_UNRECOGNISED;
        ev->queue_id = qid;
        return k;
    }
    if (pu_starts(c.p, c.e, "to=")) {
        if (pt_parse_delivery_line(qid, c, ev))
            return PT_EV_DELIVERY;
        return PT_EV_UNRECOGNISED;
    }
    if (pu_starts(c.p, c.e, "skipped, ")) {
        ev->queue_id = qid;
        return PT_EV_KNOWN;
    }
    return PT_EV_UNRECOGNISED;
}

/* Parse a pickup "QID: uid=N from=<S>" line (PICKUP). */
pt_ev_kind pt_parse_pickup(pt_slice msg, pt_event *ev)
{
    pu_cur c = pu_cur_of(msg);
    pt_slice qid;
    int64_t uid;
    if (pu_qid_prefix(&c, &qid) != 1)
        return PT_EV_UNRECOGNISED;
    if (!pu_lit(&c, "uid=") || !pu_uint(&c, 4294967295LL, &uid)
        || !pu_lit(&c, " from=<") || pu_left(&c) < 1 || c.e[-1] != '>')
        return PT_EV_UNRECOGNISED;
    ev->queue_id = qid;
    ev->uid = (int32_t)uid;   /* uids above 2^31 wrap; Postfix logs uid_t */
    ev->from = pu_sl(c.p, c.e - 1);
    return PT_EV_PICKUP;
}

/* Parse a postsuper line: per-message actions (ADMIN), expiry, summaries (KNOWN). */
pt_ev_kind pt_parse_postsuper(pt_slice msg, pt_event *ev)
{
    static const struct {
        const char *text;
        pt_admin_kind kind;
    } admin[] = {
        { "removed", PT_ADMIN_DELETED },
        { "placed on hold", PT_ADMIN_HOLD },
        { "released from hold", PT_ADMIN_RELEASE },
        { "requeued", PT_ADMIN_REQUEUE },
        { "expired", PT_ADMIN_EXPIRE },
    };
    static const char *const summary[] = {
        "Deleted: ", "Placed on hold: ", "Released from hold: ",
        "Requeued: ", "Force-expired: ", NULL
    };
    pu_cur c = pu_cur_of(msg);
    pt_slice qid;
    pt_ev_kind k = PT_EV_UNRECOGNISED;
    size_t i;
    for (i = 0; summary[i]; i++)
        if (pu_starts(c.p, c.e, summary[i]))
            return PT_EV_KNOWN;
    if (pu_qid_prefix(&c, &qid) != 1)
        return PT_EV_UNRECOGNISED;
    for (i = 0; i < sizeof(admin) / sizeof(admin[0]); i++) {
        if (pu_rest_is(&c, admin[i].text)) {
            ev->queue_id = qid;
            ev->admin = admin[i].kind;
            return PT_EV_ADMIN;
        }
    }
    if (pu_starts(c.p, c.e, "from=<") && qmgr_from(c, ev, &k)
        && k == PT_EV_QMGR_EXPIRED) {
        ev->queue_id = qid;
        return k;
    }
    if (k != PT_EV_UNRECOGNISED) {   /* a qmgr-only shape: undo */
        ev->from.p = NULL;
        ev->from.n = 0;
        ev->size = -1;
        ev->nrcpt = -1;
    }
    return PT_EV_UNRECOGNISED;
}
