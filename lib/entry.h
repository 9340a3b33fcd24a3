/*
 * entry.h - one open mail (host + queue ID) as compact C structs: what the
 * correlator has folded in so far, turned into JSON only at emission
 * (record.c). Also the smtpd session (host + pid) that stitches connect,
 * TLS, SASL and helo onto the queue ID that follows.
 *
 * Memory: an entry owns its arena (all its strings) and its malloc'd
 * vectors (recipients, events, notifications, raw lines); pt_entry_free
 * releases everything. Strings are sanitised UTF-8 (invalid bytes and NUL
 * become U+FFFD) when stored. Thread-safety: as the owning core.
 */
#ifndef PT_ENTRY_H
#define PT_ENTRY_H

#include <stdint.h>
#include "postfix-trace/core.h"
#include "postfix-trace/event.h"
#include "strpool.h"
#include "table.h"

/* Why a record ended (SCHEMA.md `end`). */
typedef enum pt_end {
    PT_END_NONE = 0, PT_END_REMOVED, PT_END_EXPIRED, PT_END_DELETED,
    PT_END_REJECTED, PT_END_DISCARDED, PT_END_ABORTED, PT_END_TIMEOUT,
    PT_END_EVICTED, PT_END_SHUTDOWN
} pt_end;

/* Name of an end value as written in records. */
const char *pt_end_name(pt_end e);

/* Client facts from smtpd lines. */
typedef struct pt_client_info {
    char *name, *ip, *helo, *sasl_method, *sasl_username;
    char *tls_trust, *tls_protocol, *tls_cipher;
    int32_t port, tls_bits;     /* -1 when unknown */
} pt_client_info;

typedef struct pt_rcpt {
    uint64_t key_hash;          /* hash of to + orig_to (the index's key) */
    char *to, *orig_to, *status, *dsn, *service, *transport, *relay;
    char *reply, *queued_as;
    pt_time time;
    double delay, delays[4];    /* -1 when unknown */
    int32_t smtp_code, attempts;
} pt_rcpt;

typedef struct pt_mail_event {
    pt_time time;
    char *service, *action, *text;
} pt_mail_event;

typedef struct pt_notification {
    pt_notify_kind kind;
    char *queue_id;
} pt_notification;

typedef enum pt_entry_state {
    PT_ENTRY_OPEN = 0,          /* in the table and the LRU list */
    PT_ENTRY_LINGER,            /* finished, in the table and the linger FIFO */
    PT_ENTRY_PLACEHOLDER        /* only a pending link: no record of its own */
} pt_entry_state;

/* What the caps left out of one entry (SCHEMA.md `truncated`). */
typedef struct pt_truncated {
    uint32_t recipients, events, notifications, raw, text;
} pt_truncated;

/* A recipient beyond max_recipients: only its key and latest status, so
 * the message status stays computed over every recipient seen. */
typedef struct pt_rcpt_overflow {
    uint64_t key_hash;          /* 0 = free slot */
    uint8_t status;             /* pt_status_code */
} pt_rcpt_overflow;

struct pt_host;

#define PT_SEEN_FEW 8             /* line hashes kept in the entry itself */

typedef struct pt_entry {
    pt_tnode node;              /* key: host + queue ID */
    const pt_core_options *opt; /* the owning core's caps */
    struct pt_host *hp;         /* its host (clock, lists) */
    pt_dlink order;             /* its host's LRU (open) or linger FIFO (finished) */
    pt_dlink glob;              /* the same across all hosts (capacity) */
    uint64_t touch_seq;         /* when last touched, across hosts */
    uint64_t seen_few[PT_SEEN_FEW]; /* hashes of the queue-ID lines folded in, while
                                   n_seen <= PT_SEEN_FEW (no allocation for most mails) */
    uint64_t *seen;             /* then all of them here (open addressing, 0 free):
                                   duplicates are folded once */
    uint32_t seen_mask, n_seen;
    pt_arena arena;
    char *host, *queue_id;
    int64_t touched_usec;       /* log clock at last update */
    int64_t ended_usec;         /* log clock when it finished */
    pt_time first_seen, last_seen;
    uint32_t reuse_seq;         /* 1 normally; 2, 3 ... for reuse at one time */
    uint32_t lines;
    uint8_t state, end;
    uint8_t created, expired, discard_pending, cleanup_seen, qmgr_seen;
    uint8_t progress_emitted, has_pickup;
    uint8_t from_weak;          /* `from` came from the session, not a line of its own */
    uint8_t saved;              /* held in a checkpoint written since it began */
    char *instance, *origin, *origin_program;
    pt_client_info client;
    int32_t pickup_uid;
    char *pickup_from, *message_id, *from, *bounce_id, *parent_id;
    int64_t size;
    int32_t nrcpt;
    pt_rcpt *rcpts;
    uint32_t n_rcpts, cap_rcpts;
    uint32_t *rcpt_index;       /* open addressing: index + 1 into rcpts, 0 free */
    uint32_t rcpt_index_mask;   /* slots - 1 (0 while there is no index) */
    pt_rcpt_overflow *overflow; /* open addressing: up to max(4 x max_recipients,
                                   1024) recipients; beyond, only their statuses */
    uint32_t n_overflow, overflow_mask;
    uint32_t overflow_status_mask;  /* statuses of overflow recipients not kept */
    pt_truncated trunc;
    size_t arena_live;          /* arena bytes after the last compaction */
    pt_mail_event *events;
    uint32_t n_events, cap_events;
    pt_notification *notes;
    uint32_t n_notes, cap_notes;
    char **raw;
    uint32_t n_raw, cap_raw;
} pt_entry;

#define PT_SESSION_RAW_MAX 8      /* session lines kept for include-raw */
#define PT_SESSION_EARLIER 256    /* earlier messages of a session kept until it ends */

/* An smtpd process's session with one client, keyed by host + "PID IP"
 * (one process may serve several clients within one timestamp). */
typedef struct pt_session {
    pt_tnode node;
    pt_tnode pid_node;          /* key: host + "PID" (the core's sessions by process) */
    struct pt_host *hp;
    int64_t last_line_usec;     /* time of its latest line */
    int64_t connect_usec;       /* time of its connect line */
    uint32_t n_open;            /* connects within that timestamp not yet disconnected */
    uint8_t closing;            /* a connect came: only a disconnect still belongs to it */
    int64_t closing_usec;       /* the time of that connect */
    pt_dlink closing_link;      /* on the core's list of sessions to end after this timestamp */
    pt_dlink order;             /* its host's LRU by last update */
    pt_dlink glob;              /* the same across all hosts */
    uint64_t touch_seq;
    pt_arena arena;
    char *host, *pid;           /* pid: the key, "PID IP" */
    int64_t touched_usec;
    pt_client_info client;
    char *from;
    char *queue_id;             /* the session's current message */
    char **earlier;             /* its earlier messages, judged when it ends (malloc'd) */
    uint32_t n_earlier, cap_earlier;
    pt_mail_event pending[4];   /* hold/discard logged as NOQUEUE before client= */
    uint32_t n_pending;
    uint8_t lost;               /* lost connection / timeout mid-transaction */
    uint32_t n_lines;           /* lines waiting for the next queue ID (connect, TLS ...) */
    pt_time first_time;         /* time of the first of them */
    size_t arena_live;          /* arena bytes after the last compaction */
    char *raw[PT_SESSION_RAW_MAX];  /* their text, with include-raw */
    uint32_t n_raw;
} pt_session;

/* Delivery statuses as small codes (for overflow recipients). */
typedef enum pt_status_code {
    PT_ST_NONE = 0, PT_ST_SENT, PT_ST_DEFERRED, PT_ST_BOUNCED, PT_ST_EXPIRED,
    PT_ST_DELIVERABLE, PT_ST_UNDELIVERABLE, PT_ST_OTHER
} pt_status_code;

/* Code of a status name; name of a code ("" for NONE / OTHER). */
pt_status_code pt_status_code_of(const char *s);
const char *pt_status_name(pt_status_code c);

/* A new entry for host + queue ID under the caps of opt (which must
 * outlive it); NULL on no memory. */
pt_entry *pt_entry_new(pt_slice host, pt_slice queue_id, const pt_core_options *opt);

#define PT_ENTRY_ID_MAX 600     /* host (255) + queue ID + two numbers */

/* The record id host/queue_id/first_seen_usec[/seq] into buf (NUL-ended);
 * returns its length, 0 when it does not fit. */
size_t pt_entry_id(const pt_entry *e, char *buf, size_t size);

/* Does the entry's record carry a `truncated` object? */
int pt_entry_truncated(const pt_entry *e);

#define PT_SEEN_MAX 4096          /* line hashes kept per mail for duplicates */

/* Has the entry folded in a line with hash h? */
int pt_entry_seen(const pt_entry *e, uint64_t h);

/* Remember line hash h (nothing once PT_SEEN_MAX are kept). */
void pt_entry_note_seen(pt_entry *e, uint64_t h);

/* The same for a hash pt_entry_seen just said e does not keep. */
void pt_entry_add_seen(pt_entry *e, uint64_t h);

/* The kept line hashes (state files): *n slots, zeros are free ones. */
const uint64_t *pt_entry_seen_all(const pt_entry *e, uint32_t *n);

/* Free an entry and all it owns. */
void pt_entry_free(pt_entry *e);

/* Approximate bytes held by an entry (struct, arena, vectors). */
size_t pt_entry_bytes(const pt_entry *e);

/* Store a sanitised copy of s in the entry's arena (NULL if absent). */
char *pt_entry_str(pt_entry *e, pt_slice s);

/* Replace *dst by a copy of s unless it is equal already. */
void pt_entry_set(pt_entry *e, char **dst, pt_slice s);

/* The same, but an absent s clears *dst (a field of the latest line). */
void pt_entry_replace(pt_entry *e, char **dst, pt_slice s);

/* The recipient with this to + orig_to, appended if new; NULL on no memory
 * or when max_recipients are kept already (then its status is tracked in
 * the overflow set: pt_entry_rcpt_overflow). O(1) amortised. */
pt_rcpt *pt_entry_rcpt(pt_entry *e, pt_slice to, pt_slice orig_to);

/* Note the latest status of a recipient that was not kept (cap). */
void pt_entry_rcpt_overflow(pt_entry *e, pt_slice to, pt_slice orig_to, pt_slice status);

/* The same by key hash and status code (state files). */
void pt_entry_rcpt_overflow_key(pt_entry *e, uint64_t h, uint8_t code);

/* Free the garbage of replaced strings when it outgrows the live ones
 * (copies every live string into a fresh arena). Amortised O(1). */
void pt_entry_maybe_compact(pt_entry *e);

/* Append an event; copies the strings. */
void pt_entry_add_event(pt_entry *e, const pt_time *t, pt_slice service,
                        pt_slice action, pt_slice text);

/* Append a notification. */
void pt_entry_add_notification(pt_entry *e, pt_notify_kind kind, pt_slice qid);

/* Append a raw line. */
void pt_entry_add_raw(pt_entry *e, pt_slice line);

/* Copy the client facts of src into dst (strings copied into e's arena). */
void pt_entry_copy_client(pt_entry *e, pt_client_info *dst, const pt_client_info *src);

/* A new session for host + pid; NULL on no memory. */
pt_session *pt_session_new(pt_slice host, pt_slice pid);

/* Free the garbage of replaced session strings when it outgrows the live
 * ones. Amortised O(1). */
void pt_session_maybe_compact(pt_session *s);

/* Room for one more earlier message (up to PT_SESSION_EARLIER); 0 or -1. */
int pt_session_earlier_room(pt_session *s);

/* Point the session's table nodes at its host and key (after a new key). */
void pt_session_key_nodes(pt_session *s);

/* Free a session. */
void pt_session_free(pt_session *s);

/* Store s into *dst in the session's arena unless equal already. */
void pt_session_set(pt_session *s, char **dst, pt_slice v);

/* Fold an event's client facts into an entry (its strings cut as stored). */
void pt_entry_client_update(pt_entry *e, const pt_event *ev);

/* Fold an event's client facts (name, ip, port, helo, SASL) into ci,
 * storing strings in arena a (sessions: uncut, bounded by the line). */
void pt_client_info_update(pt_arena *a, pt_client_info *ci, const pt_event *ev);

/* Does stored (sanitised) string s equal raw bytes v once sanitised? */
int pt_utf8_same(const char *s, pt_slice v);

/* Copy s as sanitised UTF-8 (invalid bytes and NUL → U+FFFD) into arena a. */
char *pt_utf8_dup(pt_arena *a, pt_slice s);

#endif
