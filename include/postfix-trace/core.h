/*
 * core.h - the postfix-trace engine: feed it lines, it calls the sink with
 * finished records (JSON text, one per record, SCHEMA.md version 1).
 *
 * One pt_core owns every open entry (host + queue ID), the smtpd session
 * table and pending links, and the counters. Time is the log's clock: the
 * latest line time seen, or what pt_core_tick() says when input is quiet.
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
             rec_reject, rec_progress;
    uint64_t cache_entries;
    uint64_t cache_high_water;
    uint64_t evictions;
    uint64_t timeouts;
    uint64_t sessions;          /* open smtpd sessions now */
    uint64_t sessions_evicted;  /* sessions dropped to stay within max_entries */
    uint64_t records_truncated; /* records that hit a per-mail cap */
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

/* Hand one line to the core (counts, parses, correlates, may emit). */
void pt_core_feed(pt_core *c, const pt_line *line);

/* Count a line whose syslog header could not be read. */
void pt_core_count_malformed(pt_core *c);

/* Advance the log's clock to now (if later) and emit what is due. */
void pt_core_tick(pt_core *c, const pt_time *now);

/* The input has been quiet for quiet_usec (by the caller's monotonic
 * clock) since the last line: move the log's clock to the latest line time
 * plus quiet_usec and emit what is due. Nothing happens before a line was
 * fed. The daemons call this from their timer so linger and idle timeouts
 * run while no lines arrive, also when an old log is being replayed. */
void pt_core_tick_quiet(pt_core *c, int64_t quiet_usec);

/* Emit every open and lingering entry now, with end "shutdown". */
void pt_core_flush(pt_core *c);

/* Copy the counters into *s. */
void pt_core_stats(const pt_core *c, pt_stats *s);

/* Write the counters as one JSON object (no newline) to buf; returns len,
 * or the length needed if it did not fit (as snprintf). */
size_t pt_stats_json(const pt_stats *s, char *buf, size_t size);

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
