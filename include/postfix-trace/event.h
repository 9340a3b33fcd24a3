/*
 * event.h - what the parser understood of one Postfix line: a kind plus
 * typed fields (slices into the line, numbers). All Postfix knowledge lives
 * in the parser (lib/parse*.c); the correlator only reads events.
 *
 * Memory: every slice in a pt_event points into the pt_line it was parsed
 * from; the event is valid only while that line's buffer is. Parsing
 * allocates nothing. Thread-safety: pt_parse is reentrant (no state).
 */
#ifndef POSTFIX_TRACE_EVENT_H
#define POSTFIX_TRACE_EVENT_H

#include <stdint.h>
#include "postfix-trace/line.h"

typedef enum pt_ev_kind {
    PT_EV_NOT_POSTFIX = 0,      /* program is not a Postfix daemon */
    PT_EV_UNRECOGNISED,         /* Postfix line no rule understood */
    PT_EV_KNOWN,                /* understood, nothing to correlate */
    PT_EV_CONNECT,              /* smtpd: connect from NAME[IP]:PORT */
    PT_EV_DISCONNECT,           /* smtpd: disconnect / lost connection / timeout */
    PT_EV_TLS,                  /* smtpd: ... TLS connection established from ... */
    PT_EV_CLIENT,               /* smtpd/qmqpd: QID: client=NAME[IP]:PORT[, sasl_*] */
    PT_EV_REJECT,               /* smtpd/postscreen: NOQUEUE|QID: ACTION: STAGE from ... */
    PT_EV_SMTPD_FILTER,         /* smtpd: QID|NOQUEUE: filter: ... (info for the message) */
    PT_EV_PICKUP,               /* pickup: QID: uid=N from=<S> */
    PT_EV_MESSAGE_ID,           /* cleanup: QID: message-id=<ID> */
    PT_EV_CLEANUP_ACTION,       /* cleanup: QID: reject|warning|hold|discard|redirect|... */
    PT_EV_QMGR_FROM,            /* qmgr: QID: from=<S>, size=N, nrcpt=N (queue active) */
    PT_EV_QMGR_EXPIRED,         /* qmgr/postsuper: QID: from=<S>, status=expired|force-expired */
    PT_EV_REMOVED,              /* qmgr: QID: removed */
    PT_EV_DELIVERY,             /* delivery agent: QID: to=<R>, ... status=S (REPLY) */
    PT_EV_NOTIFICATION,         /* bounce: QID: sender non-delivery notification: NEWQID */
    PT_EV_ADMIN,                /* postsuper: QID: removed|placed on hold|released ... */
    PT_EV_INFO,                 /* any other line with a queue ID prefix: an event
                                   of its mail (action_name "info" or "warning",
                                   text after "QID: ") */
    PT_EV_AUTH_FAILED           /* smtpd: warning: CLIENT: SASL METHOD
                                   authentication failed: REASON[, sasl_username=U] */
} pt_ev_kind;

/* pt_event.admin values (postsuper and qmgr administrative actions). */
typedef enum pt_admin_kind {
    PT_ADMIN_NONE = 0,
    PT_ADMIN_DELETED,           /* postsuper: QID: removed */
    PT_ADMIN_HOLD,              /* postsuper: QID: placed on hold */
    PT_ADMIN_RELEASE,           /* postsuper: QID: released from hold */
    PT_ADMIN_REQUEUE,           /* postsuper: QID: requeued */
    PT_ADMIN_EXPIRE             /* postsuper -f: QID: expired (qmgr then force-expires it) */
} pt_admin_kind;

/* pt_event.notification values. */
typedef enum pt_notify_kind {
    PT_NOTIFY_NONE = 0,
    PT_NOTIFY_NON_DELIVERY,     /* "sender non-delivery notification" (and postmaster ...) */
    PT_NOTIFY_DELAY,            /* "sender delay notification" */
    PT_NOTIFY_SUCCESS           /* "sender delivery status notification" */
} pt_notify_kind;

/* The program name split up: "postfix-out/amavis/smtp". */
typedef struct pt_program {
    pt_slice syslog_name;       /* "postfix-out/amavis": all but the last part */
    pt_slice transport;         /* "amavis": between first and last part, or empty */
    pt_slice daemon;            /* "smtp": the last part */
} pt_program;

/* A client as Postfix writes it: NAME[IP]:PORT (name "unknown" is dropped). */
typedef struct pt_client {
    pt_slice name;
    pt_slice ip;
    int32_t port;               /* -1 when absent */
} pt_client;

typedef struct pt_event {
    pt_ev_kind kind;
    pt_program prog;
    pt_slice queue_id;          /* empty for NOQUEUE and session lines */

    /* Session and client facts (CONNECT, CLIENT, TLS, REJECT, DISCONNECT). */
    pt_client client;
    pt_slice helo;
    pt_slice sasl_method, sasl_username;
    pt_slice tls_trust;         /* "Anonymous", "Trusted", "Verified", "Untrusted" */
    pt_slice tls_protocol, tls_cipher;
    int32_t tls_bits;           /* -1 when absent */

    /* Envelope. */
    pt_slice from;              /* present (p != NULL) but empty for <> */
    pt_slice to, orig_to;
    int64_t size;               /* -1 when absent */
    int32_t nrcpt;              /* -1 when absent */
    int32_t uid;                /* pickup uid, -1 when absent */
    pt_slice message_id;

    /* Delivery (DELIVERY). */
    pt_slice relay;
    pt_slice status;            /* "sent", "deferred", "bounced", "expired" ... */
    pt_slice dsn;               /* "5.1.1" */
    pt_slice reply;             /* text inside the final parentheses */
    pt_slice queued_as;         /* next hop's ID from the reply, whole */
    int queued_as_qid;          /* 1 when queued_as has a Postfix queue ID's
                                   shape (only then it may link a local mail) */
    pt_slice forwarded_as;      /* local: "forwarded as NEWQID" */
    int32_t smtp_code;          /* -1 when absent */
    int32_t conn_use;           /* -1 when absent */
    double delay;               /* -1 when absent */
    double delays[4];           /* -1 each when absent */

    /* Actions (REJECT, CLEANUP_ACTION, SMTPD_FILTER). */
    pt_slice action;            /* "reject", "hold", "milter-reject", "warning" ... */
    pt_slice stage;             /* "RCPT", "END-OF-MESSAGE", "header Subject" ... */
    pt_slice reason;            /* text after the code / dsn */
    pt_slice proto;
    pt_slice text;              /* the event text for a message's events */

    /* Links and administration. */
    pt_notify_kind notification;
    pt_slice new_queue_id;      /* NOTIFICATION: the notification's queue ID */
    pt_admin_kind admin;
    int force_expired;          /* QMGR_EXPIRED: status=force-expired */
    int disconnect_lost;        /* DISCONNECT: lost connection / timeout */

    /* Added by the parser (see lib/parse*.c). */
    const char *action_name;    /* REJECT, CLEANUP_ACTION, SMTPD_FILTER: the
                                 * action in SCHEMA.md's events vocabulary
                                 * ("reject", "reject_warning", "warning",
                                 * "hold", "discard", "redirect", "filter",
                                 * "milter-reject", "milter-hold",
                                 * "milter-discard", "info"); a static
                                 * string, NULL when the line has no action */
    int daemon_inferred;        /* the program name had no daemon part: prog.daemon
                                   was inferred from the text (pt_infer_daemon) */
    pt_slice sasl_sender;       /* CLIENT: sasl_sender=S */
    pt_slice orig_queue_id;     /* CLIENT: orig_queue_id=QID (XFORWARD) */
} pt_event;

/* The syslog names that count as Postfix: a program whose first part starts
 * with one of them ("postfix" takes "postfix", "postfix-out", ...). Small
 * and self-contained: copied by value. */
#define PT_NAMES_MAX 8
#define PT_NAME_LEN 32
typedef struct pt_names {
    int n;
    uint8_t len[PT_NAMES_MAX];
    char name[PT_NAMES_MAX][PT_NAME_LEN];
} pt_names;

/* Read a comma-separated list ("postfix,mta") into *out; 0, or -1 when it
 * is empty, over-long, or a name holds '/', white space or control bytes. */
int pt_names_parse(const char *list, pt_names *out);

/* How a program name counts. */
typedef enum pt_prog_kind {
    PT_PROG_OTHER = 0,          /* not Postfix */
    PT_PROG_DAEMON,             /* "postfix/smtpd", "postfix-out/amavis/smtp" */
    PT_PROG_BARE                /* "postfix": the daemon part lost (rsyslog's
                                   RFC 5424 APP-NAME), or postfix(1) itself */
} pt_prog_kind;

/* Classify a program name against names (NULL: "postfix"). */
pt_prog_kind pt_program_kind(pt_slice program, const pt_names *names);

/* The daemon that logs msg, inferred from its text alone (for a bare
 * program name); "postfix" when no shape tells. A static string. */
const char *pt_infer_daemon(pt_slice msg);

/* Parse one line into *ev. Always fills ev->kind; never reads outside the
 * line's slices. Returns ev->kind. */
pt_ev_kind pt_parse(const pt_line *line, pt_event *ev);

/* pt_parse with the names that count as Postfix (NULL: "postfix"). */
pt_ev_kind pt_parse_names(const pt_line *line, const pt_names *names, pt_event *ev);

/* The line's place in a mail's life cycle (connect < client= < cleanup <
 * qmgr < delivery < notification < removed < disconnect): the canonical
 * order of one mail's lines that share one timestamp (the core groups a
 * timestamp's lines by queue ID first). */
int pt_event_rank(const pt_event *ev);

/* Split a program name ("postfix/submission/smtpd") into *out. Returns 1 if
 * it names a Postfix daemon (first part starts with "postfix"), else 0. */
int pt_program_split(pt_slice program, pt_program *out);

/* pt_program_split with the names that count as Postfix (NULL: "postfix"). */
int pt_program_split_names(pt_slice program, const pt_names *names, pt_program *out);

/* 1 if the program names a Postfix daemon, as pt_program_split says, but
 * cheaper (the core's first look at every line). */
int pt_program_is_postfix(pt_slice program);

/* The address in a delivery's relay field: 1 with *addr (an IP, or a socket
 * path: *is_socket), 0 when it has none. */
int pt_relay_address(pt_slice relay, pt_slice *addr, int *is_socket);

/* Split a delivery's relay field into name, ip (not for a UNIX-domain
 * socket: "host[private/dovecot-lmtp]") and port; 0 when it has no
 * "name[...]" part ("none", "local"). Slices point into relay. */
int pt_relay_split(pt_slice relay, pt_client *r);

/* Parse "NAME[IP]:PORT" or "NAME[IP]" or "[IP]:PORT" at s; fills *c.
 * Returns bytes consumed, 0 when s does not start with a client. */
size_t pt_parse_client(pt_slice s, pt_client *c);

#endif
