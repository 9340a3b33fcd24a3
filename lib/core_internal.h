/*
 * core_internal.h - the pt_core struct, shared by core.c (correlation),
 * record.c (JSON emission), stats.c and state.c (save / load).
 * Memory: the core owns its tables, every entry and session, and the
 * scratch arena used for reject records. Thread-safety: one thread.
 */
#ifndef PT_CORE_INTERNAL_H
#define PT_CORE_INTERNAL_H

#include "postfix-trace/core.h"
#include "entry.h"
#include "table.h"
#include "jsonw.h"
#include "outbox.h"
#include "reorder.h"
#include <stdio.h>

/* One host: its clock and its mails and sessions in the orders its clock
 * expires them. Lives while it holds an entry or a session (freed between
 * steps once empty). */
typedef struct pt_host {
    pt_tnode node;              /* key: host name, "" */
    pt_dlink all;               /* every host (the core's host list) */
    pt_dlink empty;             /* on the core's list of hosts to free */
    pt_dlink open_lru;          /* its open entries and placeholders, by touch */
    pt_dlink linger;            /* its finished entries, by finishing */
    pt_dlink session_lru;       /* its sessions, by touch */
    uint64_t n_items;           /* entries (any state) + sessions */
    int64_t clock_usec;         /* the host's clock */
    int have_clock;
    int64_t latest_usec;        /* latest line time folded (quiet ticks start there) */
    int have_line;
    int64_t last_arrival;       /* arrival stamp of its latest line */
    uint64_t clock_seq;         /* the core's clock_seq when its clock last moved */
    int64_t released_usec;      /* time of the latest bucket folded in */
    int have_released;
    char name[];
} pt_host;

/* The last clock of a freed host (daemons: still to be journaled). */
typedef struct pt_gone_clock {
    char *name;
    int64_t usec;
    uint64_t seq;
} pt_gone_clock;

#define PT_GONE_CLOCKS_MAX 4096

struct pt_core {
    pt_core_options opt;
    pt_record_sink sink;
    void *sink_ctx;
    pt_table entries;           /* open, lingering and placeholder entries */
    pt_dlink open_lru;          /* open entries and placeholders, least recently touched first */
    pt_dlink linger;            /* finished entries, in order of finishing */
    pt_table sessions;          /* by host + "PID IP" */
    pt_table session_pids;      /* the same sessions by host + "PID" */
    pt_dlink session_lru;       /* sessions, least recently touched first */
    pt_dlink closing;           /* sessions made closing by the timestamp being folded in */
    char **judge;               /* "host\0qid" of messages to judge after it (judge_later) */
    char **links;               /* "queued as" links to make after it (link_later) */
    size_t n_links, cap_links;
    struct pt_entry *memo;      /* the entry the last lookup found (a mail's lines
                                   come together): NULL when dropped */
    struct ranked *scratch_v;   /* the canonical sort's scratch (core.c) */
    pt_event *scratch_ev;
    uint32_t scratch_cap;
    size_t n_judge, cap_judge;
    pt_table hosts;
    pt_dlink host_list;
    pt_dlink empty_hosts;
    pt_host *cur;               /* the host of the line being folded in */
    uint64_t n_open, n_linger, n_placeholder;
    uint64_t touch_seq;         /* orders touches across hosts (capacity eviction) */
    uint64_t clock_seq;         /* counts clock moves (journaling the moved ones) */
    struct pt_gone_clock *gone; /* clocks of hosts freed since the runner journaled */
    size_t n_gone, cap_gone;
    int64_t arrivals;           /* lines fed with pt_core_feed (its unit of arrival) */
    int64_t busy_until;         /* no host is quiet before this arrival stamp */
    int64_t load_arrival;       /* arrival stamp of lines a state file's window held */
    int save_held;              /* snapshots hold the reorder window's lines (only a
                                   stop's: after a checkpoint they are folded in and
                                   journaled as records, not as lines) */
    pt_reorder ro;
    pt_names names;             /* syslog names that count as Postfix */
    pt_stats st;
    pt_jw jw;                   /* record text being built */
    char emit_id[PT_ENTRY_ID_MAX];  /* id of the record being emitted ... */
    size_t emit_id_len;         /* ... when it ends a checkpointed entry, else 0 */
};

/* Why a state file was not loaded. */
typedef enum pt_state_error {
    PT_STATE_OK = 0, PT_STATE_IO, PT_STATE_FOREIGN, PT_STATE_VERSION,
    PT_STATE_TRUNCATED, PT_STATE_CHECKSUM, PT_STATE_INVALID, PT_STATE_NOMEM
} pt_state_error;

/* Words for a pt_state_error. */
const char *pt_state_error_text(pt_state_error e);

/* Says whether a checkpointed entry's record (by id) was written already. */
typedef int (*pt_state_written_fn)(void *ctx, const char *id, size_t len);

#define PT_STATE_FILE_FORMAT "postfix-trace-state"
#define PT_STATE_FILE_VERSION 3     /* 2: CRC-32 (zlib) instead of FNV-1a;
                                       3: duplicate hashes of hash.h */

/* A state file's text, built in memory (state_write.c). */
typedef struct pt_snapshot {
    char *buf;
    size_t len, cap;
    uint64_t hash;              /* CRC-32 of the lines so far */
} pt_snapshot;

/* Snapshot entries, sessions, clock and the records still in outbox b (may
 * be NULL) into s (zeroed, or holding an earlier snapshot's buffer, which
 * is reused); marks the entries saved. 0, or -1 on no memory. */
int pt_snapshot_take(pt_snapshot *s, pt_core *c, const pt_outbox *b);

/* Free a snapshot's buffer. */
void pt_snapshot_free(pt_snapshot *s);

/* Save entries, sessions, clock and the records still in outbox b (may be
 * NULL) to f; marks the entries saved. 0, or -1 with errno. */
int pt_state_save(pt_core *c, const pt_outbox *b, FILE *f);

/* Load a file written by pt_state_save into an empty core (and its records
 * into b, when b is given, minus those with seq <= written_seq). Entries
 * whose id `written` says were written already are skipped. Nothing is
 * loaded on failure; *why says what was wrong. */
int pt_state_load(pt_core *c, pt_outbox *b, FILE *f, uint64_t written_seq,
                  pt_state_written_fn written, void *ctx, pt_state_error *why);

/* Emit / drop the oldest entries and sessions until the cache holds at
 * most max_entries; only between steps (core.c). */
void pt_core_enforce_bound(pt_core *c);

/* The host record of name h, made when missing; NULL on no memory. */
pt_host *pt_core_host(pt_core *c, pt_slice h);

/* Move host h's clock on to usec (if later) without expiring (state load). */
void pt_core_host_set_clock(pt_host *h, int64_t usec);

/* Link a loaded entry / session (its host, state and order set) into the
 * core's table and lists; 0, or -1 when its key is taken (caller frees). */
int pt_core_adopt_entry(pt_core *c, pt_entry *e);
int pt_core_adopt_session(pt_core *c, pt_session *s);

/* Free the hosts that hold nothing (between steps). */
void pt_core_free_empty_hosts(pt_core *c);

/* Build and emit the record of entry e (kind "message" or "progress"). */
void pt_record_emit_message(pt_core *c, pt_entry *e, int progress);

/* Build and emit a reject record for a REJECT event of line l. */
void pt_record_emit_reject(pt_core *c, const pt_line *l, const pt_event *ev);

/* Build and emit the auth record of an AUTH_FAILED line. */
void pt_record_emit_auth(pt_core *c, const pt_line *l, const pt_event *ev);

#endif
