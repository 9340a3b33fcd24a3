/*
 * parse_infer.c - which Postfix daemon wrote a message, from its text alone,
 * for lines whose program name lost the "/daemon" part: rsyslog relaying as
 * RFC 5424 sends APP-NAME "postfix" only (its programname stops at the first
 * '/'). Each rule is a shape only one daemon logs; what no rule knows is
 * postfix(1)'s own ("postfix"). The master.cf service name cannot be known
 * ("postfix/submission/smtpd" arrives as "postfix"), nor told apart where
 * two daemons log the same shape: a "QID: removed" is taken as qmgr's (a
 * postsuper delete logs the same words).
 * Allocates nothing; returns static strings. Thread-safety: reentrant.
 */
#include <string.h>
#include "parse_internal.h"

/* Session lines smtpd writes without a queue ID. */
static const char *const smtpd_starts[] = {
    "connect from ", "disconnect from ", "lost connection after ",
    "timeout after ", "too many errors after ", "improper command pipelining after ",
    "Anonymous TLS connection established from ",
    "Trusted TLS connection established from ",
    "Verified TLS connection established from ",
    "Untrusted TLS connection established from ",
    "SSL_accept error from ", "setting up TLS connection from ", "proxy-accept: ",
    "proxy-reject: ", "bare <LF> received after ", "discarding EHLO keywords: ",
    "Anonymous TLS connection established from ", NULL
};

/* postscreen's own words (its clients have no name: "[IP]:PORT"). */
static const char *const postscreen_starts[] = {
    "CONNECT from [", "PASS NEW [", "PASS OLD [", "DNSBL rank ", "HANGUP after ",
    "DISCONNECT [", "WHITELISTED [", "ALLOWLISTED [", "PREGREET ", "COMMAND ",
    "BARE NEWLINE ", "NON-SMTP COMMAND ", "BLACKLISTED [", "DENYLISTED [",
    "WHITELIST VETO [", "ALLOWLIST VETO [",
    "NOQUEUE: reject: CONNECT from [", "NOQUEUE: reject: RCPT from [", NULL
};

/* What the SMTP/LMTP client says without a queue ID. */
static const char *const smtp_starts[] = {
    "connect to ", "Anonymous TLS connection established to ",
    "Trusted TLS connection established to ", "Verified TLS connection established to ",
    "Untrusted TLS connection established to ", "SSL_connect error to ",
    "certificate verification failed for ", "server certificate verification failed for ",
    "Host or domain name not found", "lost connection with ", "conversation with ", NULL
};

/* What a delivery agent says about a queue ID besides its status lines. */
static const char *const smtp_qid_starts[] = {
    "host ", "lost connection with ", "conversation with ",
    "enabling PIX workarounds", "connect to ", "Cannot start TLS",
    "TLS is required, but", "SASL authentication failed", "breaking line", NULL
};

/* The replies of an SMTP client that reached no server (relay=none). */
static const char *const smtp_none_replies[] = {
    "connect to ", "Host or domain name not found", "Name service error",
    "lost connection with ", "conversation with ", "host ", "TLS is required",
    "Server certificate not ", "mail for ", "unable to look up host ", NULL
};

/* 1 when [p, e) starts with one of the NULL-terminated literals. */
static int starts_any(const char *p, const char *e, const char *const *list)
{
    for (int i = 0; list[i]; i++)
        if (pu_starts(p, e, list[i]))
            return 1;
    return 0;
}

/* The delivery agent of a "to=<...>, relay=R, ... status=S (...)" line,
 * from its relay: local, virtual, error / discard / qmgr for relay=none,
 * lmtp on a socket, pipe for a bare word, else smtp. */
static const char *delivery_daemon(const char *p, const char *e)
{
    const char *r = pu_find(p, e, ", relay=");
    if (r == NULL)
        return "postfix";
    r += 8;
    if (pu_starts(r, e, "local,"))
        return "local";
    if (pu_starts(r, e, "virtual,"))
        return "virtual";
    if (pu_starts(r, e, "none,")) {
        const char *st = pu_find(r, e, ", status=");
        const char *reply = st ? pu_find(st, e, " (") : NULL;
        if (reply == NULL)
            return "postfix";
        if (pu_starts(st + 9, e, "sent "))
            return "discard";
        if (pu_starts(reply + 2, e, "delivery temporarily suspended"))
            return "qmgr";
        if (starts_any(reply + 2, e, smtp_none_replies))
            return "smtp";              /* no server reached: relay=none */
        return "error";
    }
    const char *end = pu_findc(r, e, ',');
    if (end == NULL)
        return "postfix";
    const char *lb = pu_findc(r, end, '[');
    if (lb == NULL)
        return "pipe";                  /* relay=dovecot, relay=procmail */
    if (pu_findc(lb, end, '/') != NULL || pu_find(r, end, ":24") != NULL)
        return "lmtp";
    return "smtp";
}

/* The daemon of a "QID: ..." line, from what follows the queue ID. */
static const char *qid_line_daemon(const char *p, const char *e)
{
    static const char *const cleanup_objects[] = {
        "header ", "body ", "mime-header ", "content ", NULL
    };
    if (pu_starts(p, e, "client="))
        return "smtpd";
    if (pu_starts(p, e, "message-id=") || pu_starts(p, e, "resent-message-id="))
        return "cleanup";
    if (pu_starts(p, e, "from=<"))
        return pu_find(p, e, ", status=expired") || pu_find(p, e, ", status=force-expired")
               || pu_find(p, e, ", size=") ? "qmgr" : "postfix";
    if (pu_starts(p, e, "removed") || pu_starts(p, e, "skipped, "))
        return "qmgr";
    if (pu_starts(p, e, "uid="))
        return "pickup";
    if (pu_starts(p, e, "to="))
        return delivery_daemon(p, e);
    if (pu_starts(p, e, "sender ") || pu_starts(p, e, "postmaster "))
        return pu_find(p, e, " notification: ") ? "bounce" : "postfix";
    if (pu_starts(p, e, "placed on hold") || pu_starts(p, e, "released from hold")
        || pu_starts(p, e, "requeued") || pu_starts(p, e, "expired"))
        return "postsuper";
    if (starts_any(p, e, smtp_qid_starts))
        return "smtp";
    /* ACTION: OBJECT ...: cleanup's checks and milters, else smtpd's access */
    const char *colon = pu_find(p, e, ": ");
    if (colon != NULL && colon - p <= 24 && pu_findc(p, colon, ' ') == NULL) {
        if (starts_any(colon + 2, e, cleanup_objects)
            || (pu_starts(p, e, "milter-") && pu_starts(colon + 2, e, "END-OF-MESSAGE ")))
            return "cleanup";
        if (pu_find(colon + 2, e, " from ") != NULL)
            return "smtpd";
    }
    return "postfix";
}

/* Lines of the daemons with nothing to correlate (postfix(1), master,
 * postfix-script, dnsblog, verify, postscreen's tlsproxy ...), as they
 * arrive without their daemon's name: only these (and the warnings every
 * daemon writes) are known lines of a bare "postfix"; anything else is
 * counted unrecognised, so an inference gap shows in the counters. */
static const char *const other_starts[] = {
    "starting the Postfix mail system", "stopping the Postfix mail system",
    "refreshing the Postfix mail system", "waiting for the Postfix mail system",
    "the Postfix mail system is ", "daemon started -- version ", "reload -- version ",
    "terminating on signal ", "Postfix is running with backwards-compatible",
    "Postfix is using backwards-compatible", "See http://www.postfix.org/COMPATIBILITY_README",
    "To disable backwards compatibility use ", "addr ", "cache ", "CONNECT from [",
    "DISCONNECT [", "statistics: ", "warning: ", "error: ", "fatal: ", "panic: ",
    "Postfix ", NULL
};

/* 1 when a line without its daemon's name is one of the daemons' lines with
 * nothing to correlate (see other_starts). */
int pt_infer_known_other(pt_slice msg)
{
    pu_cur c = pu_cur_of(msg);
    return starts_any(c.p, c.e, other_starts);
}

/* The daemon that logs msg, or "postfix" (postfix(1) itself) when no shape
 * tells. */
const char *pt_infer_daemon(pt_slice msg)
{
    pu_cur c = pu_cur_of(msg);
    pt_slice qid;
    if (starts_any(c.p, c.e, postscreen_starts))
        return "postscreen";
    if (starts_any(c.p, c.e, smtpd_starts))
        return "smtpd";
    if (starts_any(c.p, c.e, smtp_starts))
        return "smtp";
    if (pu_starts(c.p, c.e, "warning: ") && pu_find(c.p, c.e, ": SASL ") != NULL
        && pu_find(c.p, c.e, " authentication ") != NULL)
        return "smtpd";
    static const char *const postsuper_starts[] = {
        "Deleted: ", "Placed on hold: ", "Released from hold: ", "Requeued: ",
        "Force-expired: ", NULL
    };
    if (starts_any(c.p, c.e, postsuper_starts))
        return "postsuper";
    switch (pu_qid_prefix(&c, &qid)) {
    case 1:
        return qid_line_daemon(c.p, c.e);
    case 2:                             /* NOQUEUE: ACTION: STAGE from ... */
        return "smtpd";
    default:
        return "postfix";
    }
}
