/*
 * postfix-trace-sng.c - the postfix-trace() parser for syslog-ng 3.38.
 *
 * Each parser instance (each clone: a named parser is cloned once per log
 * path that references it) owns one pt_runner (runner.h: the core, the
 * checkpoints of state-file(), the quiet-time clock) behind a mutex.
 * process() runs on syslog-ng's worker threads and feeds the message as a
 * pt_line; the runner hands each finished record to pt_forward (lock held),
 * which queues a copy; copies go down the log path as new messages outside
 * the lock. The original goes on (pass-through) or not (aggregate-only).
 * An iv_timer on the main thread calls pt_runner_tick every second (quiet-
 * time clock), starts a due checkpoint (snapshot under the lock, the file
 * written by a thread of its own) and forwards at most records-per-tick
 * waiting records. Records ask for flow control once the lines did
 * (flags(flow-control)): syslog-ng 3.38's memory queues never drop those.
 *
 * Lifetime: on reload the runner survives in syslog-ng's persist config.
 * At shutdown, without state-file() the open mails end as "shutdown"
 * records in the pre-shutdown hook while the destinations still run; with
 * it, pt_runner_stop saves them there.
 *
 * Thread-safety: PtShared.lock guards the runner and the FIFO of records;
 * the instance list has its own lock.
 */
#include "postfix-trace-sng.h"
#include "postfix-trace-msg.h"
#include "postfix-trace/event.h"

#include "logpipe.h"
#include "messages.h"
#include "apphook.h"
#include "cfg.h"
#include "stats/stats-registry.h"
#include "stats/stats-cluster-single.h"
#include <iv.h>

#include <string.h>
#include <strings.h>
#include <time.h>

#include "postfix-trace/runner.h"

#define PT_SNG_DEFAULT_RECORDS_PER_TICK 5000
#define PT_SNG_EXTRA_PER_MESSAGE 16     /* backlog records process() may take along */

/* The correlation state: survives a reload in the persist config. */
typedef struct PtShared {
    GMutex lock;
    pt_runner *runner;
    gchar *name;                /* the instance, for messages */
    gboolean starting;          /* in pt_runner_start: syslog-ng drops notices then */
    gchar *note;                /* a notice of the start, logged at the first tick */
    GQueue fifo;                /* records (NUL-terminated copies) not yet forwarded */
    pt_checkpoint_job *job;     /* a checkpoint being written by ckpt_thread */
    GThread *ckpt_thread;
    guint64 forwarded;          /* records forwarded down the log path (atomic) */
} PtShared;

enum { PT_NCOUNTERS = 31 };
static const char *const counter_names[PT_NCOUNTERS] = {
    "lines_seen", "lines_postfix", "lines_parsed", "lines_unrecognised", "lines_malformed",
    "records.removed", "records.expired", "records.deleted", "records.rejected",
    "records.discarded", "records.aborted", "records.timeout", "records.evicted",
    "records.shutdown", "records.reject", "records.progress",
    "cache_entries", "cache_high_water", "evictions", "timeouts",
    "sessions", "sessions_evicted", "records_truncated", "checkpoints", "checkpoint_errors",
    "records_forwarded", "records_pending", "lines_duplicate", "lines_late", "lines_held",
    "records.auth"
};

typedef struct PtSngParser {
    LogParser super;
    pt_runner_options opt;      /* file and state_file stay NULL here */
    gchar *state_file;
    gchar *persist_name_opt;
    gchar *program_prefix;      /* program-prefix(), or NULL: "postfix" */
    gint inject_mode;
    gint records_per_tick;
    gint clone_id;
    gint next_clone_id;
    gint flow_control;          /* the lines came with flow control */

    PtShared *sh;
    struct iv_timer tick;
    gchar *instance;            /* stats instance / persist key */
    StatsClusterKey sc_keys[PT_NCOUNTERS];
    StatsCounterItem *counters[PT_NCOUNTERS];
    gboolean stats_registered;
} PtSngParser;

/* live instances, for the pre-shutdown flush */
static GMutex instances_lock;
static GList *instances;
static gboolean hook_registered;

/* ------------------------------------------------------------- options */

/* The grammar's setters, one per option. */
#define PT_CORE(s) (((PtSngParser *) (s))->opt.core)
void pt_sng_set_max_entries(LogParser *s, gint n) { PT_CORE(s).max_entries = (uint32_t) n; }
void pt_sng_set_idle_timeout(LogParser *s, gdouble v) { PT_CORE(s).idle_timeout = v; }
void pt_sng_set_linger(LogParser *s, gdouble v) { PT_CORE(s).linger = v; }
void pt_sng_set_include_raw(LogParser *s, gboolean on) { PT_CORE(s).include_raw = on ? 1 : 0; }
void pt_sng_set_emit_deferred(LogParser *s, gboolean on) { PT_CORE(s).emit_deferred = on ? 1 : 0; }
void pt_sng_set_max_recipients(LogParser *s, gint n) { PT_CORE(s).max_recipients = (uint32_t) n; }
void pt_sng_set_max_events(LogParser *s, gint n) { PT_CORE(s).max_events = (uint32_t) n; }
void pt_sng_set_max_raw_lines(LogParser *s, gint n) { PT_CORE(s).max_raw_lines = (uint32_t) n; }
void pt_sng_set_max_text_bytes(LogParser *s, gint n) { PT_CORE(s).max_text = (uint32_t) n; }
void pt_sng_set_checkpoint_interval(LogParser *s, gdouble v) { ((PtSngParser *) s)->opt.checkpoint_interval = v; }
void pt_sng_set_reorder_window(LogParser *s, gdouble v) { PT_CORE(s).reorder_window = (int64_t) (v * 1e6); }
void pt_sng_set_records_per_tick(LogParser *s, gint n) { ((PtSngParser *) s)->records_per_tick = n; }

void
pt_sng_set_state_file(LogParser *s, const gchar *path)
{
    PtSngParser *self = (PtSngParser *) s;
    g_free(self->state_file);
    self->state_file = (path && *path) ? g_strdup(path) : NULL;
}

gboolean
pt_sng_set_program_prefix(LogParser *s, const gchar *list)
{
    PtSngParser *self = (PtSngParser *) s;
    pt_names names;
    if (pt_names_parse(list, &names) != 0)
        return FALSE;
    g_free(self->program_prefix);
    self->program_prefix = g_strdup(list);
    return TRUE;
}

void
pt_sng_set_persist_name(LogParser *s, const gchar *name)
{
    PtSngParser *self = (PtSngParser *) s;
    g_free(self->persist_name_opt);
    self->persist_name_opt = g_strdup(name);
}

gboolean
pt_sng_set_inject_mode(LogParser *s, const gchar *mode)
{
    PtSngParser *self = (PtSngParser *) s;
    if (!strcasecmp(mode, "pass-through") || !strcasecmp(mode, "pass_through"))
        self->inject_mode = PT_SNG_PASS_THROUGH;
    else if (!strcasecmp(mode, "aggregate-only") || !strcasecmp(mode, "aggregate_only"))
        self->inject_mode = PT_SNG_AGGREGATE_ONLY;
    else
        return FALSE;
    return TRUE;
}

/* ------------------------------------------------------- shared state */

/* The runner's forward callback (lock held): queue a copy. */
static void
pt_forward(void *ctx, const char *json, size_t len)
{
    g_queue_push_tail(&((PtShared *) ctx)->fifo, g_strndup(json, len));
}

/* The runner's report callback: syslog-ng's own log. A notice of the start
 * waits for the first tick (syslog-ng drops notices before its main loop). */
static void
pt_report(void *ctx, int is_error, int err_no, const char *msg)
{
    PtShared *sh = ctx;
    gchar *desc;
    if (!is_error && sh->starting) {
        g_free(sh->note);
        sh->note = g_strdup(msg);
        return;
    }
    desc = g_strdup_printf("postfix-trace(): %s", msg);
    if (is_error)
        msg_error(desc, evt_tag_str("instance", sh->name),
                  err_no ? evt_tag_errno("error", err_no) : NULL);
    else
        msg_notice(desc, evt_tag_str("instance", sh->name));
    g_free(desc);
}

/* Move up to max records from the FIFO to *out (lock held). */
static void
take_records(PtShared *sh, guint64 max, GQueue *out)
{
    for (; max > 0 && !g_queue_is_empty(&sh->fifo); max--)
        g_queue_push_tail(out, g_queue_pop_head(&sh->fifo));
}

static PtShared *
shared_new(const PtSngParser *self, const gchar *state_file)
{
    PtShared *sh = g_new0(PtShared, 1);
    pt_runner_options o = self->opt;
    o.state_file = state_file;
    o.core.program_prefix = self->program_prefix;
    g_mutex_init(&sh->lock);
    g_queue_init(&sh->fifo);
    sh->name = g_strdup(self->instance);
    sh->runner = pt_runner_new(&o, pt_forward, pt_report, sh);
    if (!sh->runner) {
        g_mutex_clear(&sh->lock);
        g_free(sh->name);
        g_free(sh);
        return NULL;
    }
    sh->starting = TRUE;
    pt_runner_start(sh->runner, g_get_monotonic_time(), (int64_t) time(NULL));
    sh->starting = FALSE;
    return sh;
}

/* A checkpoint's file is written on a thread of its own: neither under the
 * lock nor on syslog-ng's main loop. */
static gpointer
ckpt_run(gpointer p)
{
    PtShared *sh = p;
    pt_checkpoint_job_run(sh->job);
    g_mutex_lock(&sh->lock);
    pt_runner_checkpoint_done(sh->runner, sh->job);
    sh->job = NULL;
    g_mutex_unlock(&sh->lock);
    return NULL;
}

/* Stop (the state file saved; without one, open mails are reported lost)
 * and free. Records still waiting have no log path left. */
static void
shared_free(gpointer p)
{
    PtShared *sh = p;
    guint left;
    if (sh->ckpt_thread)
        g_thread_join(sh->ckpt_thread);
    g_mutex_lock(&sh->lock);
    pt_runner_begin_stop(sh->runner);
    pt_runner_stop(sh->runner);
    pt_runner_free(sh->runner);
    left = g_queue_get_length(&sh->fifo);
    g_queue_clear_full(&sh->fifo, g_free);
    g_mutex_unlock(&sh->lock);
    if (left)
        msg_error("postfix-trace(): records lost: no log path left to take them",
                  evt_tag_str("instance", sh->name), evt_tag_int("records", (gint) left));
    g_mutex_clear(&sh->lock);
    g_free(sh->note);
    g_free(sh->name);
    g_free(sh);
}

/* ------------------------------------------------------- forwarding */

/* Forward the records of *list as new messages (no lock held); empties it. */
static void
forward_records(PtSngParser *self, PtShared *sh, GQueue *list)
{
    guint n = g_queue_get_length(list);
    gchar *json;
    while ((json = g_queue_pop_head(list))) {
        LogMessage *m = pt_sng_record_msg(json, strlen(json));
        LogPathOptions po = LOG_PATH_OPTIONS_INIT;
        g_free(json);
        po.ack_needed = FALSE;
        po.flow_control_requested = g_atomic_int_get(&self->flow_control) ? TRUE : FALSE;
        log_pipe_forward_msg(&self->super.super, m, &po);
    }
    __atomic_add_fetch(&sh->forwarded, n, __ATOMIC_RELAXED);
}

/* End the open mails as "shutdown" records when asked, then forward
 * everything that waits. */
static void
drain(PtSngParser *self, PtShared *sh, gboolean flush)
{
    GQueue list = G_QUEUE_INIT;
    g_mutex_lock(&sh->lock);
    if (flush)
        pt_runner_flush(sh->runner);
    take_records(sh, G_MAXUINT64, &list);
    g_mutex_unlock(&sh->lock);
    forward_records(self, sh, &list);
}

static gboolean
pt_sng_process(LogParser *s, LogMessage **pmsg, const LogPathOptions *path_options,
               const gchar *input, gsize input_len)
{
    PtSngParser *self = (PtSngParser *) s;
    PtShared *sh = self->sh;
    pt_line l;
    gchar *rawbuf;
    guint before;
    GQueue list = G_QUEUE_INIT;

    if (!sh)
        return self->inject_mode != PT_SNG_AGGREGATE_ONLY;
    if (path_options->flow_control_requested && !g_atomic_int_get(&self->flow_control))
        g_atomic_int_set(&self->flow_control, 1);
    pt_sng_msg_to_line(*pmsg, input, input_len, self->opt.core.include_raw, &l, &rawbuf);

    g_mutex_lock(&sh->lock);
    before = g_queue_get_length(&sh->fifo);
    if (l.host.n == 0)
        pt_runner_count_malformed(sh->runner);
    else
        pt_runner_feed(sh->runner, &l, g_get_monotonic_time());    /* never refused: no records file */
    /* this line's records, and a few that wait */
    take_records(sh, g_queue_get_length(&sh->fifo) - before + PT_SNG_EXTRA_PER_MESSAGE, &list);
    g_mutex_unlock(&sh->lock);
    g_free(rawbuf);

    forward_records(self, sh, &list);
    return self->inject_mode != PT_SNG_AGGREGATE_ONLY;
}

/* ------------------------------------------------------- stats */

/* Copy the counters to syslog-ng's stats (lock held). */
static void
stats_update(PtSngParser *self, PtShared *sh)
{
    pt_runner_stats rs;
    const pt_stats *s = &rs.core;
    pt_runner_stats_get(sh->runner, &rs);
    uint64_t v[PT_NCOUNTERS] = {
        s->lines_seen, s->lines_postfix, s->lines_parsed, s->lines_unrecognised, s->lines_malformed,
        s->rec_removed, s->rec_expired, s->rec_deleted, s->rec_rejected, s->rec_discarded,
        s->rec_aborted, s->rec_timeout, s->rec_evicted, s->rec_shutdown, s->rec_reject,
        s->rec_progress, s->cache_entries, s->cache_high_water, s->evictions, s->timeouts,
        s->sessions, s->sessions_evicted, s->records_truncated, rs.checkpoints,
        rs.checkpoint_errors, __atomic_load_n(&sh->forwarded, __ATOMIC_RELAXED),
        g_queue_get_length(&sh->fifo), s->lines_duplicate, s->lines_late, s->lines_held,
        s->rec_auth
    };
    for (int i = 0; i < PT_NCOUNTERS; i++)
        if (self->counters[i])
            stats_counter_set(self->counters[i], (gsize) v[i]);
}

static void
stats_register(PtSngParser *self, gboolean on)
{
    if (on == self->stats_registered)
        return;
    stats_lock();
    for (int i = 0; i < PT_NCOUNTERS; i++) {
        if (!on) {
            stats_unregister_counter(&self->sc_keys[i], SC_TYPE_SINGLE_VALUE, &self->counters[i]);
            continue;
        }
        stats_cluster_single_key_set_with_name(&self->sc_keys[i], SCS_PARSER, "postfix-trace",
                                               self->instance, counter_names[i]);
        stats_register_counter(0, &self->sc_keys[i], SC_TYPE_SINGLE_VALUE, &self->counters[i]);
    }
    stats_unlock();
    self->stats_registered = on;
}

/* ------------------------------------------------------- timer, shutdown */

/* Every second: a due checkpoint, the runner's tick (quiet-time clock),
 * then at most records-per-tick waiting records go down the log path. */
static void
pt_sng_timer(gpointer s)
{
    PtSngParser *self = s;
    PtShared *sh = self->sh;
    GQueue list = G_QUEUE_INIT;

    g_mutex_lock(&sh->lock);
    if (sh->note) {
        pt_report(sh, 0, 0, sh->note);
        g_clear_pointer(&sh->note, g_free);
    }
    if (!sh->job && (sh->job = pt_runner_checkpoint_due(sh->runner, g_get_monotonic_time(), 0))) {
        if (sh->ckpt_thread)    /* the last one has finished */
            g_thread_join(sh->ckpt_thread);
        sh->ckpt_thread = g_thread_new("pt-checkpoint", ckpt_run, sh);
    }
    pt_runner_tick(sh->runner, g_get_monotonic_time());
    take_records(sh, (guint64) self->records_per_tick, &list);
    stats_update(self, sh);
    g_mutex_unlock(&sh->lock);
    forward_records(self, sh, &list);

    iv_validate_now();
    self->tick.expires = iv_now;
    self->tick.expires.tv_sec++;
    iv_timer_register(&self->tick);
}

/* Pre-shutdown (main thread, destinations still running): without a state
 * file every open mail ends as a "shutdown" record; what waits goes now. */
static void
pt_sng_pre_shutdown(gint type, gpointer user_data)
{
    (void) type;
    (void) user_data;
    g_mutex_lock(&instances_lock);
    for (GList *i = instances; i; i = i->next) {
        PtSngParser *self = i->data;
        if (self->sh)
            drain(self, self->sh, !self->state_file);
    }
    g_mutex_unlock(&instances_lock);
}

/* ------------------------------------------------------- pipe methods */

/* The stats instance and persist key: persist-name(), else "postfix-trace"
 * (".N" for the Nth clone of a named parser). */
static gchar *
instance_name(const PtSngParser *self)
{
    if (self->persist_name_opt)
        return g_strdup(self->persist_name_opt);
    if (self->clone_id == 0)
        return g_strdup("postfix-trace");
    return g_strdup_printf("postfix-trace.%d", self->clone_id);
}

static const gchar *
pt_sng_persist_name(const LogPipe *s)
{
    static gchar buf[512];
    gchar *name = instance_name((const PtSngParser *) s);
    g_snprintf(buf, sizeof buf, "postfix-trace(%s)", name);
    g_free(name);
    return buf;
}

static gboolean
pt_sng_init(LogPipe *s)
{
    PtSngParser *self = (PtSngParser *) s;
    PtShared *sh;

    g_free(self->instance);
    self->instance = instance_name(self);
    sh = cfg_persist_config_fetch(log_pipe_get_config(s), pt_sng_persist_name(s));
    if (!sh) {
        gchar *sf = NULL;       /* the Nth clone's state file is PATH.N */
        if (self->state_file)
            sf = self->clone_id == 0 ? g_strdup(self->state_file)
                 : g_strdup_printf("%s.%d", self->state_file, self->clone_id);
        sh = shared_new(self, sf);
        g_free(sf);
        if (!sh) {
            msg_error("postfix-trace(): cannot make the correlation core (out of memory?)",
                      log_pipe_location_tag(s));
            return FALSE;
        }
    }
    self->sh = sh;
    stats_register(self, TRUE);

    iv_validate_now();
    IV_TIMER_INIT(&self->tick);
    self->tick.cookie = self;
    self->tick.handler = pt_sng_timer;
    self->tick.expires = iv_now;
    self->tick.expires.tv_sec++;
    iv_timer_register(&self->tick);

    g_mutex_lock(&instances_lock);
    instances = g_list_prepend(instances, self);
    g_mutex_unlock(&instances_lock);
    return log_parser_init_method(s);
}

static gboolean
pt_sng_deinit(LogPipe *s)
{
    PtSngParser *self = (PtSngParser *) s;
    PtShared *sh = self->sh;

    if (iv_timer_registered(&self->tick))
        iv_timer_unregister(&self->tick);
    g_mutex_lock(&instances_lock);
    instances = g_list_remove(instances, self);
    g_mutex_unlock(&instances_lock);
    stats_register(self, FALSE);
    self->sh = NULL;
    if (!sh)
        return log_parser_deinit_method(s);

    if (!app_is_shutting_down()) {
        /* reload: the next configuration takes the runner over */
        drain(self, sh, FALSE);
        cfg_persist_config_add(log_pipe_get_config(s), pt_sng_persist_name(s), sh, shared_free, FALSE);
    } else {
        /* lines of the last moments, best effort: destinations deinited
         * before us may not write these */
        drain(self, sh, !self->state_file);
        shared_free(sh);        /* the state file saved */
    }
    return log_parser_deinit_method(s);
}

static LogPipe *
pt_sng_clone(LogPipe *s)
{
    PtSngParser *self = (PtSngParser *) s;
    PtSngParser *c = (PtSngParser *) pt_sng_parser_new(s->cfg);

    c->opt = self->opt;
    pt_sng_set_state_file(&c->super, self->state_file);
    if (self->persist_name_opt)
        pt_sng_set_persist_name(&c->super, self->persist_name_opt);
    if (self->program_prefix)
        pt_sng_set_program_prefix(&c->super, self->program_prefix);
    c->inject_mode = self->inject_mode;
    c->records_per_tick = self->records_per_tick;
    log_parser_set_template(&c->super, log_template_ref(self->super.template));
    c->clone_id = self->next_clone_id++;
    if (self->persist_name_opt && c->clone_id > 0) {
        g_free(c->persist_name_opt);
        c->persist_name_opt = g_strdup_printf("%s.%d", self->persist_name_opt, c->clone_id);
    }
    return &c->super.super;
}

static void
pt_sng_free(LogPipe *s)
{
    PtSngParser *self = (PtSngParser *) s;
    g_free(self->state_file);
    g_free(self->persist_name_opt);
    g_free(self->program_prefix);
    g_free(self->instance);
    log_parser_free_method(s);
}

LogParser *
pt_sng_parser_new(GlobalConfig *cfg)
{
    PtSngParser *self = g_new0(PtSngParser, 1);

    log_parser_init_instance(&self->super, cfg);
    self->super.super.init = pt_sng_init;
    self->super.super.deinit = pt_sng_deinit;
    self->super.super.free_fn = pt_sng_free;
    self->super.super.clone = pt_sng_clone;
    self->super.super.generate_persist_name = pt_sng_persist_name;
    self->super.process = pt_sng_process;
    pt_runner_options_default(&self->opt);
    self->records_per_tick = PT_SNG_DEFAULT_RECORDS_PER_TICK;
    self->inject_mode = PT_SNG_PASS_THROUGH;
    return &self->super;
}

void
pt_sng_global_init(void)
{
    pt_sng_msg_global_init();
    if (!hook_registered) {
        register_application_hook(AH_PRE_SHUTDOWN, pt_sng_pre_shutdown, NULL, AHM_RUN_ONCE);
        hook_registered = TRUE;
    }
}
