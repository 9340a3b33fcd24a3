/*
 * runner.h - what a syslog daemon's module runs around the core, the same
 * for rsyslog and syslog-ng: the records file written only as whole
 * records, with back-pressure when it cannot be written (records held in
 * memory up to a bound, then no more lines taken: the daemon keeps them in
 * its queue and retries); the state file with checkpoints every few seconds
 * and a journal, so kill -9 loses at most the last interval and writes no
 * record twice; and the quiet-time ticks that move the log's clock.
 *
 * The adapter translates its daemon's message into a pt_line and its
 * timer into pt_runner_tick calls; the clocks (monotonic and wall) are
 * passed in. Conditions worth the admin's attention come back through the
 * report callback (the adapter logs them its daemon's way); nothing here
 * prints.
 *
 * Memory: the runner owns its core, the records waiting, copies of the
 * paths. Record text passed to the forward callback is valid only during
 * the call. Thread-safety: a pt_runner is NOT thread-safe: the adapter
 * holds one lock around every call.
 */
#ifndef POSTFIX_TRACE_RUNNER_H
#define POSTFIX_TRACE_RUNNER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "postfix-trace/core.h"

typedef struct pt_runner_options {
    pt_core_options core;
    const char *file;               /* records file (JSON Lines), or NULL */
    mode_t file_mode;               /* its mode when created (default 0640; umask applies) */
    mode_t dir_mode;                /* missing directories (default 0750) */
    uid_t file_uid;                 /* owner of a created file ((uid_t)-1: the process's) */
    gid_t file_gid;                 /* group of a created file ((gid_t)-1: the process's) */
    int create_dirs;                /* make missing directories (default 1) */
    const char *state_file;         /* or NULL: open mails end as "shutdown" at stop */
    double checkpoint_interval;     /* seconds between checkpoints (default 10); 0: at stop only */
    size_t max_pending_bytes;       /* records held while the file fails (default 64 MiB) */
} pt_runner_options;

/* Counters beyond the core's. */
typedef struct pt_runner_stats {
    pt_stats core;
    uint64_t records_pending;       /* waiting to be written */
    uint64_t pending_bytes;
    uint64_t records_written;
    uint64_t write_errors;          /* failed write attempts */
    uint64_t write_retries;         /* attempts after a failure */
    uint64_t checkpoints;
    uint64_t checkpoint_errors;
    uint64_t suspended;             /* lines refused while records could not be written
                                       (the daemons wait and offer them again) */
} pt_runner_stats;

typedef enum pt_run_status {
    PT_RUN_OK = 0,
    PT_RUN_SUSPENDED                /* the line was NOT taken: offer it again later */
} pt_run_status;

/* Hands a record to the daemon (rsyslog ruleset, syslog-ng log path). */
typedef void (*pt_forward_fn)(void *ctx, const char *json, size_t len);

/* A condition for the daemon's log: err_no is 0 or the errno behind it;
 * is_error is 0 for notices (a state file loaded, writing resumed). */
typedef void (*pt_report_fn)(void *ctx, int is_error, int err_no, const char *msg);

typedef struct pt_runner pt_runner;

/* Fill *o with the defaults. */
void pt_runner_options_default(pt_runner_options *o);

/* Make a runner (nothing opened or loaded yet); NULL on no memory or
 * invalid options. forward may be NULL (file only). */
pt_runner *pt_runner_new(const pt_runner_options *o, pt_forward_fn forward,
                         pt_report_fn report, void *ctx);

/* Set or replace the state file, before pt_runner_start (a daemon that
 * knows its work directory only once its configuration is read). 0, or -1
 * on no memory. */
int pt_runner_set_state_file(pt_runner *r, const char *path);

/* Load the state file (an unusable one is reported and renamed aside); it
 * stays in place until the first checkpoint. wall_sec names a renamed file. */
void pt_runner_start(pt_runner *r, int64_t mono_usec, int64_t wall_sec);

/* Take one line, unless records could not be written and the bound is
 * reached (PT_RUN_SUSPENDED: the line was not taken; offer it again, in
 * order, once pt_runner_try_resume or pt_runner_tick says PT_RUN_OK). The
 * bound is soft: what one line or tick emits is held in any case. */
pt_run_status pt_runner_feed(pt_runner *r, const pt_line *l, int64_t mono_usec);

/* Count a line whose header could not be read. */
void pt_runner_count_malformed(pt_runner *r);

/* Lines arrived but wait elsewhere (a reorder window): the input is not
 * quiet, so the quiet-time clock must not move yet. */
void pt_runner_note_input(pt_runner *r, int64_t mono_usec);

/* The daemon is shutting down: from here on nothing is forwarded (its
 * queues are going away) and no line is refused (the adapter hands over
 * what it still holds); then pt_runner_stop. */
void pt_runner_begin_stop(pt_runner *r);

/* The timer (about once a second): quiet-time clock, writing (and retrying)
 * records, checkpoints when due. PT_RUN_SUSPENDED while lines are refused. */
pt_run_status pt_runner_tick(pt_runner *r, int64_t mono_usec);

/* A checkpoint in three steps, so the daemon's lock is held only while the
 * snapshot is taken (a few microseconds per open mail), not while the file
 * is written and fsynced. Until pt_runner_checkpoint_due is first called,
 * pt_runner_tick writes due checkpoints itself, under the caller's lock;
 * an adapter calls it after each pt_runner_tick. */
typedef struct pt_checkpoint_job pt_checkpoint_job;

/* Under the lock: when a checkpoint is due (or `force`), snapshot the state
 * and return the job; else NULL. */
pt_checkpoint_job *pt_runner_checkpoint_due(pt_runner *r, int64_t mono_usec, int force);

/* Without the lock: write the job's file (temp file, fsync, rename). */
void pt_checkpoint_job_run(pt_checkpoint_job *j);

/* Under the lock again: account for the job, report a failure, free it. */
void pt_runner_checkpoint_done(pt_runner *r, pt_checkpoint_job *j);

/* Try to write what is held now; PT_RUN_OK when lines are taken again. */
pt_run_status pt_runner_try_resume(pt_runner *r);

/* Write what is held, then open the file afresh (HUP after rotation). */
void pt_runner_reopen(pt_runner *r);

/* End every open mail now as "shutdown" (records forwarded and written):
 * for a stop without a state file while the daemon's outputs still run. */
void pt_runner_flush(pt_runner *r);

/* Stop: with a state file, save the open state there (kept for the next
 * start); without, end every open mail as "shutdown" and write it. What
 * cannot be saved or written is reported with counts. 0, or -1 when
 * something was lost. forward is not called from here (the daemon's
 * queues may be gone). */
int pt_runner_stop(pt_runner *r);

/* Free (after pt_runner_stop; without it, records still held are lost). */
void pt_runner_free(pt_runner *r);

/* Copy the counters. */
void pt_runner_stats_get(const pt_runner *r, pt_runner_stats *s);

/* The core (for adapters that need its counters' JSON, tests). */
pt_core *pt_runner_core(pt_runner *r);

#endif
