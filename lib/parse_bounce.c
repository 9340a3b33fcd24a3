/*
 * parse_bounce.c - bounce (also run as defer / trace):
 *   QID: sender non-delivery notification: NEWQID       NOTIFICATION
 *   QID: postmaster non-delivery notification: NEWQID   NOTIFICATION
 *   QID: sender delay notification: NEWQID              NOTIFICATION
 *   QID: sender delivery status notification: NEWQID    NOTIFICATION
 * Allocates nothing; the event's slices point into the line.
 */
#include "parse_internal.h"

/* Parse a bounce "QID: sender|postmaster ... notification: NEWQID" line. */
pt_ev_kind pt_parse_bounce(pt_slice msg, pt_event *ev)
{
    static const struct {
        const char *text;
        pt_notify_kind kind;
    } kinds[] = {
        { "non-delivery notification: ", PT_NOTIFY_NON_DELIVERY },
        { "delay notification: ", PT_NOTIFY_DELAY },
        { "delivery status notification: ", PT_NOTIFY_SUCCESS },
    };
    pu_cur c = pu_cur_of(msg);
    pt_slice qid, newq;
    size_t i;
    if (pu_qid_prefix(&c, &qid) != 1)
        return PT_EV_UNRECOGNISED;
    if (!pu_lit(&c, "sender ") && !pu_lit(&c, "postmaster "))
        return PT_EV_UNRECOGNISED;
    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        pu_cur t = c;
        if (pu_lit(&t, kinds[i].text) && pu_qid_word(&t, &newq)
            && pu_at_end(&t)) {
            ev->queue_id = qid;
            ev->notification = kinds[i].kind;
            ev->new_queue_id = newq;
            return PT_EV_NOTIFICATION;
        }
    }
    return PT_EV_UNRECOGNISED;
}
