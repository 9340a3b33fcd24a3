/*
 * runner.c - the daemons' shared machinery around the core (see runner.h):
 * records queue (outbox) and file with back-pressure, checkpoints and the
 * journal, quiet-time ticks.
 *
 * Records: the core's sink forwards each record at once (when a forward
 * callback is set) and queues it for the file. The queue is written in
 * batches when 64 KiB wait, at every tick and at HUP / checkpoint / stop.
 * A failed write leaves the records queued; once max_pending_bytes wait,
 * lines are refused (PT_RUN_SUSPENDED) and the quiet clock stops, so
 * nothing new is emitted until writing works again.
 *
 * Memory: see runner.h. Thread-safety: one caller at a time.
 */
#include "postfix-trace/runner.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "checkpoint.h"
#include "core_internal.h"
#include "outbox.h"
#include "output.h"

#define FLUSH_BYTES (64 * 1024)     /* write when this much waits */
#define BATCH_BYTES (256 * 1024)    /* bytes per write() at most */

struct pt_runner {
    pt_runner_options opt;
    pt_core *core;
    pt_outbox out;              /* records for the file */
    int have_file;
    pt_recfile file;
    int have_ckpt;
    pt_checkpoint ckpt;
    pt_forward_fn forward;
    pt_report_fn report;
    void *ctx;
    char *ids;                  /* ids of checkpointed entries forwarded, NUL-separated */
    size_t ids_len, ids_cap;
    char *batch;                /* one write's bytes */
    size_t batch_cap;           /* BATCH_BYTES, more for a record larger than that */
    int failing;                /* the last write failed */
    int recovered;              /* writing works again: lines were waiting meanwhile */
    int stopping;               /* no forwarding from here on */
    int dirty;                  /* something changed since the last checkpoint */
    int64_t last_ckpt_mono;
    char *catch_up;             /* clocks the journal reached before a kill ("usec host\n") */
    char *clocks;               /* "C usec host\n" lines for the next journal append */
    size_t clocks_len, clocks_cap;
    uint64_t clocks_since;      /* the core's clock count when last journaled */
    int late_said;              /* lines later than the window were reported */
    int64_t paused_usec;        /* time the records could not be written, summed */
    int64_t fail_since;         /* when the current failure began (0: none) */
    pt_snapshot spare;          /* the last checkpoint's buffer, for reuse */
    int ckpt_busy;              /* a checkpoint job is out */
    int ckpt_failing;           /* the last checkpoint could not be written */
    int caller_checkpoints;     /* the adapter takes them out of its lock */
    pt_runner_stats st;
};

/* Defaults. */
void pt_runner_options_default(pt_runner_options *o)
{
    memset(o, 0, sizeof *o);
    pt_core_options_default(&o->core);
    o->file_mode = 0640;
    o->dir_mode = 0750;
    o->file_uid = (uid_t)-1;
    o->file_gid = (gid_t)-1;
    o->create_dirs = 1;
    o->checkpoint_interval = 10;
    o->max_pending_bytes = (size_t)64 << 20;
    o->core.reorder_window = 2000000;           /* 2 s of wall time */
    o->core.quiet_clock = 1;
}

/* Report a formatted condition. */
static void say(pt_runner *r, int is_error, int err_no, const char *fmt, ...)
{
    if (!r->report)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    r->report(r->ctx, is_error, err_no, msg);
}

/* Remember an id for the journal; 0 or -1 on no memory. */
static int note_id(pt_runner *r, const char *id, size_t len)
{
    if (r->ids_len + len + 1 > r->ids_cap) {
        size_t cap = r->ids_cap ? r->ids_cap * 2 : 4096;
        while (cap < r->ids_len + len + 1)
            cap *= 2;
        char *n = realloc(r->ids, cap);
        if (!n)
            return -1;
        r->ids = n;
        r->ids_cap = cap;
    }
    memcpy(r->ids + r->ids_len, id, len);
    r->ids[r->ids_len + len] = '\0';
    r->ids_len += len + 1;
    return 0;
}

/* Add one host's clock to the next journal append. */
static void add_clock(void *ctx, pt_slice host, int64_t usec)
{
    pt_runner *r = ctx;
    size_t need = r->clocks_len + host.n + 32;
    if (need > r->clocks_cap) {
        size_t cap = r->clocks_cap ? r->clocks_cap * 2 : 1024;
        while (cap < need)
            cap *= 2;
        char *n = realloc(r->clocks, cap);
        if (!n)
            return;
        r->clocks = n;
        r->clocks_cap = cap;
    }
    r->clocks_len += (size_t)snprintf(r->clocks + r->clocks_len, 32, "C %lld ", (long long)usec);
    memcpy(r->clocks + r->clocks_len, host.p, host.n);
    r->clocks_len += host.n;
    r->clocks[r->clocks_len++] = '\n';
}

/* Append to the journal: records up to seq written, the ids noted, and the
 * clocks that moved since the last append. 0, or -1 with errno. */
static int journal(pt_runner *r, uint64_t seq)
{
    r->clocks_len = 0;
    uint64_t now = pt_core_clocks(r->core, r->clocks_since, add_clock, r);
    int rc = pt_checkpoint_journal(&r->ckpt, seq, r->ids, r->ids_len, r->clocks, r->clocks_len);
    if (rc == 0) {
        r->clocks_since = now;
        pt_core_forget_clocks(r->core, now);
    }
    return rc < 0 ? -1 : 0;
}

/* Journal what was forwarded (no file) since the last call. */
static void journal_forwarded(pt_runner *r)
{
    if (!r->have_ckpt || r->ids_len == 0)
        return;
    if (journal(r, 0) != 0)
        say(r, 1, errno, "cannot append to the journal '%s'", r->ckpt.journal_path);
    r->ids_len = 0;
}

/* The core's sink: forward now, queue for the file. */
static void sink(void *ctx, const char *json, size_t len)
{
    pt_runner *r = ctx;
    const char *id = r->core->emit_id_len ? r->core->emit_id : NULL;
    size_t id_len = r->core->emit_id_len;
    r->dirty = 1;
    if (r->forward && !r->stopping) {
        r->forward(r->ctx, json, len);
        if (!r->have_file && id && r->have_ckpt)
            note_id(r, id, id_len);
    }
    if (!r->have_file)
        return;
    if (pt_outbox_push(&r->out, json, len, id, id_len) != 0) {
        r->st.write_errors++;
        say(r, 1, ENOMEM, "no memory to hold a record: one record lost");
    }
}

/* Make a runner. */
pt_runner *pt_runner_new(const pt_runner_options *o, pt_forward_fn forward,
                         pt_report_fn report, void *ctx)
{
    if (!o || o->checkpoint_interval < 0 || o->max_pending_bytes == 0)
        return NULL;
    pt_runner *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->opt = *o;
    r->forward = forward;
    r->report = report;
    r->ctx = ctx;
    r->opt.core.quiet_clock = 1;                /* arrival stamps are monotonic microseconds */
    r->core = pt_core_new(&r->opt.core, sink, r);
    r->batch = malloc(BATCH_BYTES);
    r->batch_cap = BATCH_BYTES;
    if (!r->core || !r->batch)
        goto fail;
    if (o->file) {
        pt_file_perms perms = { o->file_mode, o->dir_mode, o->file_uid, o->file_gid,
                                o->create_dirs };
        if (pt_recfile_init(&r->file, o->file, &perms) != 0)
            goto fail;
        r->have_file = 1;
    }
    if (o->state_file) {
        if (pt_checkpoint_init(&r->ckpt, o->state_file) != 0)
            goto fail;
        r->have_ckpt = 1;
    }
    r->opt.file = r->opt.state_file = NULL;     /* the copies live in file / ckpt */
    return r;
fail:
    pt_runner_free(r);
    return NULL;
}

/* Write queued records (whole batches); 0 when nothing waits any more. */
static int write_out(pt_runner *r)
{
    if (!r->have_file)
        return 0;
    while (r->out.head) {
        size_t n = 0;
        uint64_t last_seq = 0;
        int rc = 0;
        for (const pt_outrec *q = r->out.head;
             q && (n == 0 || n + q->len + 1 <= BATCH_BYTES); q = q->next) {
            if (q->len + 1 > r->batch_cap) {    /* a record larger than a batch: alone */
                char *b = realloc(r->batch, q->len + 1);
                if (!b) {
                    errno = ENOMEM;
                    rc = -1;
                    break;
                }
                r->batch = b;
                r->batch_cap = q->len + 1;
            }
            memcpy(r->batch + n, q->text, q->len);
            r->batch[n + q->len] = '\n';
            n += q->len + 1;
            last_seq = q->seq;
        }
        if (rc == 0)
            rc = pt_recfile_write(&r->file, r->batch, n);
        if (r->failing)
            r->st.write_retries++;
        if (rc != 0) {
            r->st.write_errors++;
            if (!r->failing)
                say(r, 1, errno, "cannot write records to '%s': %zu records (%zu bytes) held, "
                    "retrying", r->file.path, r->out.count, r->out.bytes);
            r->failing = 1;
            return -1;
        }
        if (r->failing) {
            say(r, 0, 0, "writing records to '%s' works again", r->file.path);
            r->recovered = 1;
        }
        r->failing = 0;
        /* these records are in the file: journal the checkpointed ones */
        r->ids_len = 0;
        pt_outrec *p;
        while ((p = r->out.head) && p->seq <= last_seq) {
            if (p->id_len && r->have_ckpt)
                note_id(r, pt_outrec_id(p), p->id_len);
            free(pt_outbox_pop(&r->out));
            r->st.records_written++;
        }
        if (r->have_ckpt && journal(r, last_seq) != 0)
            say(r, 1, errno, "cannot append to the journal '%s'", r->ckpt.journal_path);
        r->ids_len = 0;
    }
    return 0;
}

/* Is the bound of held records reached (lines refused)? Lines in the
 * reorder window count too: they are records to be. */
static int held_full(const pt_runner *r)
{
    size_t window = r->opt.core.reorder_window > 0 ? r->core->ro.bytes : 0;
    return r->failing && r->out.bytes + window >= r->opt.max_pending_bytes;
}

/* The core's clock of arrival: monotonic time that stands still while
 * records cannot be written. Lines then wait upstream (the daemon's queue),
 * so neither the reorder window nor a host's quiet time may run on: the
 * lines that come after the outage are no later than before it. */
static int64_t core_now(pt_runner *r, int64_t mono_usec)
{
    if (r->failing && !r->fail_since)
        r->fail_since = mono_usec;
    else if (!r->failing && r->fail_since) {
        r->paused_usec += mono_usec - r->fail_since;
        r->fail_since = 0;
    }
    return (r->fail_since ? r->fail_since : mono_usec) - r->paused_usec;
}

static void catch_up(pt_runner *r);

struct pt_checkpoint_job {
    pt_snapshot snap;
    const pt_checkpoint *ckpt;
    int rc, err;
};

/* Take a checkpoint's snapshot now (records written first, where
 * possible); NULL on no memory (reported). */
static pt_checkpoint_job *checkpoint_begin(pt_runner *r, int64_t mono_usec)
{
    catch_up(r);
    write_out(r);
    journal_forwarded(r);
    r->last_ckpt_mono = mono_usec;
    pt_checkpoint_job *j = calloc(1, sizeof *j);
    if (j) {
        j->snap = r->spare;
        memset(&r->spare, 0, sizeof r->spare);
        j->ckpt = &r->ckpt;
        if (pt_checkpoint_begin(&r->ckpt, r->core, &r->out, &j->snap) == 0) {
            r->ckpt_busy = 1;
            r->dirty = 0;
            return j;
        }
        pt_snapshot_free(&j->snap);
        free(j);
    }
    r->st.checkpoint_errors++;
    say(r, 1, ENOMEM, "no memory for a checkpoint of the state file '%s'", r->ckpt.path);
    return NULL;
}

/* Is a checkpoint due? (Timers fire about once a second, a little early
 * or late: 50 ms of tolerance keeps an interval of 1 s from becoming 2.) */
static int checkpoint_is_due(const pt_runner *r, int64_t mono_usec)
{
    return r->have_ckpt && !r->ckpt_busy && r->opt.checkpoint_interval > 0 && r->dirty
        && mono_usec - r->last_ckpt_mono >= (int64_t)(r->opt.checkpoint_interval * 1e6) - 50000;
}

/* Checkpoint due (or forced)? Then its snapshot. From the first call on,
 * pt_runner_tick leaves checkpoints to the caller. */
pt_checkpoint_job *pt_runner_checkpoint_due(pt_runner *r, int64_t mono_usec, int force)
{
    r->caller_checkpoints = 1;
    if (!r->have_ckpt || r->ckpt_busy || (!force && !checkpoint_is_due(r, mono_usec)))
        return NULL;
    return checkpoint_begin(r, mono_usec);
}

/* Write the job's file. */
void pt_checkpoint_job_run(pt_checkpoint_job *j)
{
    errno = 0;
    j->rc = pt_checkpoint_write(j->ckpt, &j->snap);
    j->err = errno;
}

/* Account for a finished job. */
void pt_runner_checkpoint_done(pt_runner *r, pt_checkpoint_job *j)
{
    pt_checkpoint_end(&r->ckpt, j->rc == 0);
    if (j->rc == 0) {
        r->st.checkpoints++;
        if (r->st.checkpoint_errors && r->ckpt_failing)
            say(r, 0, 0, "writing the state file '%s' works again", r->ckpt.path);
        r->ckpt_failing = 0;
    } else {
        r->st.checkpoint_errors++;
        r->dirty = 1;
        if (!r->ckpt_failing)
            say(r, 1, j->err, "cannot write the state file '%s'", r->ckpt.path);
        r->ckpt_failing = 1;
    }
    pt_snapshot_free(&r->spare);
    r->spare = j->snap;                 /* its buffer serves the next snapshot */
    free(j);
    r->ckpt_busy = 0;
}

/* Write a checkpoint now, all under the caller's lock; 0 when written. */
static int checkpoint(pt_runner *r, int64_t mono_usec)
{
    if (r->ckpt_busy)
        return -1;
    pt_checkpoint_job *j = checkpoint_begin(r, mono_usec);
    if (!j)
        return -1;
    pt_checkpoint_job_run(j);
    int rc = j->rc;
    pt_runner_checkpoint_done(r, j);
    return rc;
}

/* Set or replace the state file before pt_runner_start (a daemon that
 * learns its work directory late). 0, or -1 on no memory. */
int pt_runner_set_state_file(pt_runner *r, const char *path)
{
    pt_checkpoint k;
    if (pt_checkpoint_init(&k, path) != 0)
        return -1;
    if (r->have_ckpt)
        pt_checkpoint_destroy(&r->ckpt);
    r->ckpt = k;
    r->have_ckpt = 1;
    return 0;
}

/* Load the state file. The file and its journal stay as they are until
 * the first checkpoint (they describe the state until then). */
void pt_runner_start(pt_runner *r, int64_t mono_usec, int64_t wall_sec)
{
    r->last_ckpt_mono = mono_usec;
    if (!r->have_ckpt)
        return;
    pt_state_error why;
    char aside[4200];
    r->core->load_arrival = core_now(r, mono_usec);    /* held lines wait a window again */
    switch (pt_checkpoint_load(&r->ckpt, r->core, &r->out, wall_sec, &why, aside, sizeof aside,
                               &r->catch_up)) {
    case PT_CKPT_LOADED: {
        pt_stats s;
        pt_core_stats(r->core, &s);
        if (!r->have_file && r->out.count) {    /* saved by a configuration with a file */
            say(r, 1, 0, "state file '%s': %zu records waiting for a records file are dropped "
                "(no file is configured now)", r->ckpt.path, r->out.count);
            pt_outbox_clear(&r->out);
        }
        say(r, 0, 0, "state file '%s' loaded: %llu open mails, %llu sessions, %zu records to write",
            r->ckpt.path, (unsigned long long)s.cache_entries, (unsigned long long)s.sessions,
            r->out.count);
        break;
    }
    case PT_CKPT_BAD:
        say(r, 1, why == PT_STATE_IO ? errno : 0,
            "state file '%s' %s: %s%s; correlation starts empty", r->ckpt.path,
            pt_state_error_text(why), aside[0] ? "renamed to " : "could not be renamed aside",
            aside);
        break;
    case PT_CKPT_NONE:
        break;
    }
    r->dirty = 1;
}

/* After a kill: move the hosts' clocks to where the journal says they
 * were, so what had timed out then times out again (from the first feed or
 * tick: the daemon's outputs run by then). */
static void catch_up(pt_runner *r)
{
    if (!r->catch_up)
        return;
    char *text = r->catch_up;
    r->catch_up = NULL;
    for (char *line = text, *nl; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        if (!nl)
            break;
        char *end;
        long long u = strtoll(line, &end, 10);
        if (end == line || u <= 0)
            continue;
        pt_slice host = pt_slice_make("", 0);
        if (*end == ' ')
            host = pt_slice_make(end + 1, (size_t)(nl - end - 1));
        pt_time t = { .sec = u / 1000000, .usec = (int32_t)(u % 1000000), .valid = 1 };
        pt_core_advance_clock(r->core, host, &t);
    }
    free(text);
    journal_forwarded(r);
}

/* Say once that lines come later than the reorder window allows. */
static void check_late(pt_runner *r)
{
    if (r->late_said || r->core->st.lines_late == 0)
        return;
    r->late_said = 1;
    say(r, 1, 0, "lines arrive later than the reorder window allows (%llu so far): their "
        "mails may be split or end wrongly; raise the reorder window (rsyslog: reorderWindow, "
        "syslog-ng: reorder-window()) or give the daemon's queue fewer workers; counted in "
        "lines_late", (unsigned long long)r->core->st.lines_late);
}

/* Take one line. */
pt_run_status pt_runner_feed(pt_runner *r, const pt_line *l, int64_t mono_usec)
{
    catch_up(r);
    if (!r->stopping && held_full(r) && (write_out(r) != 0 || held_full(r))) {
        r->st.suspended++;
        core_now(r, mono_usec);                 /* lines wait: the core's clock stands */
        return PT_RUN_SUSPENDED;
    }
    pt_core_feed_at(r->core, l, core_now(r, mono_usec));
    r->dirty = 1;
    journal_forwarded(r);
    check_late(r);
    if (!r->failing && (r->out.bytes >= FLUSH_BYTES
                        || r->out.bytes >= r->opt.max_pending_bytes / 2))
        write_out(r);
    return PT_RUN_OK;
}

/* Lines wait elsewhere: not quiet. */
void pt_runner_note_input(pt_runner *r, int64_t mono_usec)
{
    pt_core_note_busy(r->core, core_now(r, mono_usec));
}

/* Shutting down: no forwarding, no refusals. */
void pt_runner_begin_stop(pt_runner *r)
{
    r->stopping = 1;
}

/* Count a malformed line. */
void pt_runner_count_malformed(pt_runner *r)
{
    pt_core_count_malformed(r->core);
}

/* The timer. */
pt_run_status pt_runner_tick(pt_runner *r, int64_t mono_usec)
{
    catch_up(r);
    write_out(r);
    int64_t now = core_now(r, mono_usec);
    if (r->recovered) {         /* the outage was no quiet time: lines waited upstream */
        r->recovered = 0;
        pt_core_note_busy(r->core, now);
    }
    if (!r->failing) {
        pt_core_tick(r->core, now);
        journal_forwarded(r);
        check_late(r);
        if (!r->failing)
            write_out(r);
    }
    if (!r->caller_checkpoints && checkpoint_is_due(r, mono_usec))
        checkpoint(r, mono_usec);       /* the adapter does not take it out of its lock */
    return held_full(r) ? PT_RUN_SUSPENDED : PT_RUN_OK;
}

/* Retry writing now. */
pt_run_status pt_runner_try_resume(pt_runner *r)
{
    write_out(r);
    return held_full(r) ? PT_RUN_SUSPENDED : PT_RUN_OK;     /* the clock: at the next call */
}

/* HUP: write what waits, then open the file afresh (log rotation moved
 * it); a failure shows at the next write. */
void pt_runner_reopen(pt_runner *r)
{
    write_out(r);
    if (r->have_file) {
        pt_recfile_close(&r->file);
        pt_recfile_open(&r->file);
    }
}

/* End every open mail now. */
void pt_runner_flush(pt_runner *r)
{
    pt_core_flush(r->core);
    journal_forwarded(r);
    write_out(r);
}

/* Stop: save the state (or end the open mails), write, report losses. */
int pt_runner_stop(pt_runner *r)
{
    r->stopping = 1;
    int lost = 0;
    if (r->have_ckpt) {         /* lines in the reorder window go into the state file too */
        r->core->save_held = 1;
        if (checkpoint(r, r->last_ckpt_mono) != 0) {
            pt_stats s;
            pt_core_stats(r->core, &s);
            say(r, 1, 0, "stopping: the state file could not be written: %llu open mails "
                "and %zu records not yet written are lost", (unsigned long long)s.cache_entries,
                r->out.count);
            lost = 1;
        }
        return lost ? -1 : 0;
    }
    pt_stats s;
    pt_core_stats(r->core, &s);
    if (!r->have_file && s.cache_entries > 0) {
        say(r, 1, 0, "stopping: %llu open mails dropped (no file and no state file)",
            (unsigned long long)s.cache_entries);
        lost = 1;
    }
    pt_core_flush(r->core);
    if (r->have_file && write_out(r) != 0) {
        say(r, 1, errno, "stopping: %zu records could not be written to '%s' and are lost",
            r->out.count, r->file.path);
        lost = 1;
    }
    return lost ? -1 : 0;
}

/* Free everything. */
void pt_runner_free(pt_runner *r)
{
    if (!r)
        return;
    if (r->core) {
        r->stopping = 1;
        r->have_file = 0;                       /* nothing more to write */
        pt_core_free(r->core);
    }
    pt_outbox_clear(&r->out);
    if (r->file.path)
        pt_recfile_destroy(&r->file);
    if (r->have_ckpt)
        pt_checkpoint_destroy(&r->ckpt);
    pt_snapshot_free(&r->spare);
    free(r->ids);
    free(r->batch);
    free(r->catch_up);
    free(r->clocks);
    free(r);
}

/* Copy the counters. */
void pt_runner_stats_get(const pt_runner *r, pt_runner_stats *s)
{
    *s = r->st;
    pt_core_stats(r->core, &s->core);
    s->records_pending = r->out.count;
    s->pending_bytes = r->out.bytes;
}

/* The core. */
pt_core *pt_runner_core(pt_runner *r)
{
    return r->core;
}
