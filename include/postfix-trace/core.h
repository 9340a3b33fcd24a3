/*
 * core.h - the postfix-trace engine: feed it lines, it calls the sink with
 * finished records (JSON text, one per record, SCHEMA.md version 1).
 *
 * One pt_core owns every open entry (host + queue ID), the smtpd session
 * table and pending links, the reorder stage and the counters. Each host
 * has its own clock: the latest time of its Postfix lines (or more, when a
 * daemon says the host has been quiet); a host's mails time out and linger
 * on that clock only. Lines of other programs move no clock.
 *
 * Order: with a reorder window, lines wait (counted in the caller's unit of
 * arrival: monotonic microseconds for the daemons, input lines for the
 * command) and are folded in per host in order of time, the lines of one
 * timestamp in a canonical order (Postfix's life cycle, then content), so
 * records do not depend on the order in which lines of one timestamp came.
 *
 * Memory: the core copies what it keeps from a line; callers may reuse
 * their buffers once pt_core_feed returns. Record text handed to the sink
 * is owned by the core and valid only during the callback.
 * Thread-safety: a pt_core is NOT thread-safe; one thread at a time (the
 * daemon adapters hold a lock around every call). Different cores share
 * nothing.
 */
#ifndef POSTFIX_TRACE_CORE_H
#define POSTFIX_TRACE_CORE_H

#include <stdint.h>
#include <stdio.h>
#include "postfix-trace/line.h"

/* Options; fill with pt_core_options_default() then change fields. */
typedef struct pt_core_options {
    uint32_t max_entries;       /* open + lingering entries and smtpd sessions
                                   at most (default 100000) */
    double idle_timeout;        /* seconds without a line (default 7200) */
    double linger;              /* seconds a finished record waits (default 2) */
    int include_raw;            /* add "raw" lines to records (default 0) */
    int emit_deferred;          /* "progress" record at first deferral (default 0) */
    uint32_t max_recipients;    /* recipients kept per mail (default 10000) */
    uint32_t max_events;        /* events (and notifications) per mail (default 1000) */
    uint32_t max_raw_lines;     /* raw lines per mail with include_raw (default 1000) */
    uint32_t max_text;          /* longest stored text in bytes (default 4096) */
    int64_t reorder_window;     /* how late a line may come, in units of arrival
                                   (see pt_core_feed_at); 0: fold lines in as they
                                   come (default 0) */
    size_t reorder_max_bytes;   /* lines held at most (default 32 MiB); beyond,
                                   the oldest go early */
    const char *program_prefix; /* comma-separated syslog_name prefixes that
                                   count as Postfix (default "postfix"); read
                                   by pt_core_new, not kept */
    int quiet_clock;            /* arrival stamps are monotonic microseconds:
                                   pt_core_tick moves a quiet host's clock on by
                                   how long it has been quiet (the daemons) */
} pt_core_options;

/* The counters of SCHEMA.md. */
typedef struct pt_stats {
    uint64_t lines_seen;
    uint64_t lines_postfix;
    uint64_t lines_parsed;
    uint64_t lines_unrecognised;
    uint64_t lines_malformed;
    uint64_t rec_removed, rec_expired, rec_deleted, rec_rejected, rec_discarded,
             rec_aborted, rec_timeout, rec_evicted, rec_shutdown,
             rec_reject, rec_progress, rec_auth;
    uint64_t cache_entries;
    uint64_t cache_high_water;
    uint64_t evictions;
    uint64_t timeouts;
    uint64_t sessions;          /* open smtpd sessions now */
    uint64_t sessions_evicted;  /* sessions dropped to stay within max_entries */
    uint64_t records_truncated; /* records that hit a per-mail cap */
    uint64_t lines_duplicate;   /* queue-ID lines their mail already held */
    uint64_t lines_late;        /* lines later than the reorder window allowed */
    uint64_t lines_held;        /* lines waiting in the reorder window now */
} pt_stats;

/* Sink: called once per finished record. json is one line without '\n',
 * not NUL-terminated; it is valid only during the call. */
typedef void (*pt_record_sink)(void *ctx, const char *json, size_t len);

typedef struct pt_core pt_core;

/* Fill *o with the defaults of SCHEMA.md and the issue. */
void pt_core_options_default(pt_core_options *o);

/* Make a core. NULL on no memory or invalid options (max_entries 0). */
pt_core *pt_core_new(const pt_core_options *o, pt_record_sink sink, void *ctx);

/* Finish every open and lingering entry (end "shutdown"), then free. */
void pt_core_free(pt_core *c);

/* Hand one line to the core (counts, parses, correlates, may emit), its
 * arrival counted as the next input line (the command's unit). */
void pt_core_feed(pt_core *c, const pt_line *line);

/* Hand one line to the core that arrived at `now` (units of arrival: never
 * decreasing; the daemons pass monotonic microseconds). */
void pt_core_feed_at(pt_core *c, const pt_line *line, int64_t now);

/* Count a line whose syslog header could not be read. */
void pt_core_count_malformed(pt_core *c);

/* The timer, at `now` (units of arrival): fold in the lines whose window is
 * over; with quiet_clock, move each host that sent nothing for a second or
 * more on by how long it has been quiet, and emit what is due. */
void pt_core_tick(pt_core *c, int64_t now);

/* Lines are waiting outside the core until `now` (the daemon refused them,
 * or could not take them): no host counts as quiet before then. */
void pt_core_note_busy(pt_core *c, int64_t now);

/* Move the clock of `host` (every host when host.n is 0) on to t, if
 * later, and emit what is due (a restart catching up with its journal). */
void pt_core_advance_clock(pt_core *c, pt_slice host, const pt_time *t);

/* Fold in every line still held in the reorder window (end of input, stop). */
void pt_core_drain(pt_core *c);

/* Fold in what is held, then emit every open and lingering entry now, with
 * end "shutdown". */
void pt_core_flush(pt_core *c);

/* Copy the counters into *s. */
void pt_core_stats(const pt_core *c, pt_stats *s);

/* Write the counters as one JSON object (no newline) to buf; returns len,
 * or the length needed if it did not fit (as snprintf). */
size_t pt_stats_json(const pt_stats *s, char *buf, size_t size);

/* Walk the hosts' clocks that moved since `since` (0: all): fn(ctx, host,
 * clock_usec) for each; returns the value to pass as `since` next time. */
uint64_t pt_core_clocks(const pt_core *c, uint64_t since,
                        void (*fn)(void *ctx, pt_slice host, int64_t usec), void *ctx);

/* With quiet_clock, the last clocks of hosts that were let go (nothing
 * open on them) are kept for pt_core_clocks until this says they were
 * journaled (up to the value pt_core_clocks returned). */
void pt_core_forget_clocks(pt_core *c, uint64_t upto);

/* Save every open and lingering entry to f (the daemons' state file);
 * 0 on success, -1 with errno on failure. Entries stay in the core. */
int pt_core_save(pt_core *c, FILE *f);

/* Load entries saved by pt_core_save into an empty core; 0 on success, -1
 * when the file is not a valid state file (nothing is loaded then). */
int pt_core_load(pt_core *c, FILE *f);

/* Save to path atomically (temp file, fsync, rename); 0 or -1 with errno. */
int pt_core_save_file(pt_core *c, const char *path);

/* Load from path into an empty core; a missing file loads nothing (0);
 * -1 when the file cannot be read or is not a valid state file. */
int pt_core_load_file(pt_core *c, const char *path);

/* The library's version string. */
const char *pt_version(void);

#endif
