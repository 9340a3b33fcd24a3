/*
 * postfix-trace-sng.c - the postfix-trace() parser for syslog-ng 3.38.
 *
 * Each parser instance (each clone: a named parser is cloned once per log
 * path that references it) owns one pt_core behind a mutex. process() runs
 * on syslog-ng's worker threads: it builds a pt_line from the message's
 * parsed fields (HOST, PROGRAM, PID, MESSAGE, the stamp with its offset),
 * feeds it, and forwards the records the core finished as new messages down
 * the log path (MESSAGE = the record, .postfix.* name-value pairs), outside
 * the lock. The original message goes on unchanged (inject-mode
 * pass-through) or is dropped (aggregate-only).
 *
 * An iv_timer on the main thread ticks every second: while no line arrives,
 * the log's clock moves on by the wall time elapsed since the last line (as
 * ompostfix does), so linger and idle timeouts expire; it forwards at most
 * records-per-tick records a tick (synthetic messages have no flow control),
 * the rest wait for the next tick. It also updates the stats counters.
 *
 * Lifetime: on reload the core survives in syslog-ng's persist config (like
 * grouping-by()); at shutdown the open entries go to state-file() if set,
 * otherwise they are flushed as end "shutdown" records from the pre-shutdown
 * hook, while the destinations still run.
 *
 * Memory: records wait in a FIFO of copies until forwarded. Thread-safety:
 * PtShared.lock guards the core and the FIFO; the instance list has its own.
 */
#include "postfix-trace-sng.h"

#include "logmsg/logmsg.h"
#include "logpipe.h"
#include "messages.h"
#include "apphook.h"
#include "cfg.h"
#include "stats/stats-registry.h"
#include "stats/stats-cluster-single.h"
#include <iv.h>

#include <json-c/json.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "postfix-trace/core.h"

#define PT_SNG_DEFAULT_RECORDS_PER_TICK 5000
#define PT_SNG_EXTRA_PER_MESSAGE 16     /* backlog records process() may take along */

/* One finished record waiting to be forwarded. */
typedef struct PtRecord {
    struct PtRecord *next;
    size_t len;
    char json[];
} PtRecord;

/* The correlation state: survives a reload in the persist config. */
typedef struct PtShared {
    GMutex lock;
    pt_core *core;
    PtRecord *head, *tail;      /* records not yet forwarded */
    guint64 n_pending;
    gboolean discard;           /* sink drops records (no pipe to forward to) */
    gint64 last_mono_us;        /* monotonic time of the last line, 0: none yet */
    guint64 forwarded;          /* records forwarded down the log path */
    guint64 dropped;            /* records dropped (shutdown without a path) */
} PtShared;

enum { PT_NCOUNTERS = 23 };
static const char *const counter_names[PT_NCOUNTERS] = {
    "lines_seen", "lines_postfix", "lines_parsed", "lines_unrecognised", "lines_malformed",
    "records.removed", "records.expired", "records.deleted", "records.rejected",
    "records.discarded", "records.aborted", "records.timeout", "records.evicted",
    "records.shutdown", "records.reject", "records.progress",
    "cache_entries", "cache_high_water", "evictions", "timeouts",
    "records_forwarded", "records_pending", "records_dropped"
};

typedef struct PtSngParser {
    LogParser super;
    pt_core_options opt;
    gchar *state_file;
    gchar *persist_name_opt;
    gint inject_mode;
    gint records_per_tick;
    gint clone_id;
    gint next_clone_id;

    PtShared *sh;
    struct iv_timer tick;
    gboolean in_list;
    gchar *instance;            /* stats instance / persist key */
    StatsClusterKey sc_keys[PT_NCOUNTERS];
    StatsCounterItem *counters[PT_NCOUNTERS];
    gboolean stats_registered;
} PtSngParser;

static NVHandle h_rawmsg, h_kind, h_id, h_host, h_queue_id, h_end, h_status;

/* live instances, for the pre-shutdown flush */
static GMutex instances_lock;
static GList *instances;
static gboolean hook_registered;

/* ------------------------------------------------------------- options */

void pt_sng_set_max_entries(LogParser *s, gint n) { ((PtSngParser *) s)->opt.max_entries = (uint32_t) n; }
void pt_sng_set_idle_timeout(LogParser *s, gdouble v) { ((PtSngParser *) s)->opt.idle_timeout = v; }
void pt_sng_set_linger(LogParser *s, gdouble v) { ((PtSngParser *) s)->opt.linger = v; }
void pt_sng_set_include_raw(LogParser *s, gboolean on) { ((PtSngParser *) s)->opt.include_raw = on ? 1 : 0; }
void pt_sng_set_emit_deferred(LogParser *s, gboolean on) { ((PtSngParser *) s)->opt.emit_deferred = on ? 1 : 0; }
void pt_sng_set_records_per_tick(LogParser *s, gint n) { ((PtSngParser *) s)->records_per_tick = n; }

void
pt_sng_set_state_file(LogParser *s, const gchar *path)
{
    PtSngParser *self = (PtSngParser *) s;
    g_free(self->state_file);
    self->state_file = (path && *path) ? g_strdup(path) : NULL;
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

static gint64
mono_usec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (gint64) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The core's sink: queue a copy (lock held by the caller of the core). */
static void
pt_sink(void *ctx, const char *json, size_t len)
{
    PtShared *sh = ctx;
    PtRecord *r;
    if (sh->discard) {
        sh->dropped++;
        return;
    }
    r = g_malloc(sizeof(*r) + len + 1);
    r->next = NULL;
    r->len = len;
    memcpy(r->json, json, len);
    r->json[len] = '\0';
    if (sh->tail)
        sh->tail->next = r;
    else
        sh->head = r;
    sh->tail = r;
    sh->n_pending++;
}

/* Take up to max records off the FIFO (lock held); a NULL-terminated list. */
static PtRecord *
take_records(PtShared *sh, guint64 max)
{
    PtRecord *first = sh->head, *last = NULL, *r = sh->head;
    guint64 n = 0;
    while (r && n < max) {
        last = r;
        r = r->next;
        n++;
    }
    if (!last)
        return NULL;
    sh->head = r;
    if (!r)
        sh->tail = NULL;
    last->next = NULL;
    sh->n_pending -= n;
    return first;
}

static void
free_records(PtRecord *r)
{
    while (r) {
        PtRecord *n = r->next;
        g_free(r);
        r = n;
    }
}

static PtShared *
shared_new(const pt_core_options *opt)
{
    PtShared *sh = g_new0(PtShared, 1);
    g_mutex_init(&sh->lock);
    sh->core = pt_core_new(opt, pt_sink, sh);
    if (!sh->core) {
        g_mutex_clear(&sh->lock);
        g_free(sh);
        return NULL;
    }
    return sh;
}

/* Free: what is still open ends as "shutdown" records with nowhere to go. */
static void
shared_free(gpointer p)
{
    PtShared *sh = p;
    if (!sh)
        return;
    g_mutex_lock(&sh->lock);
    sh->discard = TRUE;
    if (sh->core) {
        pt_stats s;
        pt_core_stats(sh->core, &s);
        if (s.cache_entries > 0)
            msg_warning("postfix-trace(): open entries dropped (no state-file, no log path left)",
                        evt_tag_long("entries", (long) s.cache_entries));
        pt_core_free(sh->core);
        sh->core = NULL;
    }
    free_records(take_records(sh, G_MAXUINT64));
    g_mutex_unlock(&sh->lock);
    g_mutex_clear(&sh->lock);
    g_free(sh);
}

/* ------------------------------------------------------- forwarding */

/* The top-level string field `key` of a record as a name-value pair. */
static void
set_field(LogMessage *m, NVHandle h, struct json_object *o, const char *key)
{
    struct json_object *v;
    if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
        log_msg_set_value(m, h, json_object_get_string(v), json_object_get_string_len(v));
}

static void
forward_records(PtSngParser *self, PtShared *sh, PtRecord *list)
{
    guint64 n = 0;
    for (PtRecord *r = list; r; r = r->next) {
        LogMessage *m = log_msg_new_local();
        LogPathOptions po = LOG_PATH_OPTIONS_INIT;
        struct json_object *o;

        log_msg_set_value(m, LM_V_MESSAGE, r->json, (gssize) r->len);
        log_msg_set_value(m, LM_V_PROGRAM, "postfix-trace", -1);
        log_msg_set_value(m, LM_V_PID, "", 0);
        o = json_tokener_parse(r->json);
        if (o) {
            set_field(m, h_kind, o, "kind");
            set_field(m, h_id, o, "id");
            set_field(m, h_host, o, "host");
            set_field(m, h_queue_id, o, "queue_id");
            set_field(m, h_end, o, "end");
            set_field(m, h_status, o, "status");
            set_field(m, LM_V_HOST, o, "host");
            json_object_put(o);
        }
        po.ack_needed = FALSE;
        log_pipe_forward_msg(&self->super.super, m, &po);
        n++;
    }
    free_records(list);
    if (n) {
        g_mutex_lock(&sh->lock);
        sh->forwarded += n;
        g_mutex_unlock(&sh->lock);
    }
}

/* ------------------------------------------------------- building a pt_line */

static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era;
    unsigned yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned) (y - era * 400);
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t) doe - 719468;
}

/* RAWMSG without a leading <PRI>. */
static const char *
skip_pri(const char *p, gssize *n)
{
    if (*n > 0 && p[0] == '<') {
        gssize i = 1;
        while (i < *n && i <= 4 && p[i] >= '0' && p[i] <= '9')
            i++;
        if (i < *n && p[i] == '>' && i > 1) {
            *n -= i + 1;
            return p + i + 1;
        }
    }
    return p;
}

/* Fraction digits of an RFC 3339 stamp at the start of p, -1 when p does not
 * start with one (a BSD stamp), so the record shows the input's precision. */
static int
rfc3339_frac_digits(const char *p, gssize n)
{
    gssize i;
    if (n < 20 || p[4] != '-' || p[0] < '0' || p[0] > '9')
        return -1;
    for (i = 0; i < n && p[i] != ' '; i++) {
        if (p[i] == '.' && i >= 19) {
            int d = 0;
            i++;
            while (i < n && p[i] >= '0' && p[i] <= '9') {
                d++;
                i++;
            }
            return d > 6 ? 6 : d;
        }
    }
    return 0;
}

/* The stamp of m as a pt_time (offset and usec as syslog-ng parsed them).
 * syslog-ng gives a year-less RFC 3164 time the current year; like the
 * command (SCHEMA.md) take the previous year when it lies more than a day in
 * the future. */
static void
msg_time(LogMessage *m, const char *raw, gssize rawlen, pt_time *t)
{
    const UnixTime *ut = &m->timestamps[LM_TS_STAMP];
    int off = ut->ut_gmtoff;
    int digits = raw ? rfc3339_frac_digits(raw, rawlen) : -1;

    if (off == -1) {
        struct tm lt;
        time_t s = (time_t) ut->ut_sec;
        localtime_r(&s, &lt);
        off = (int) lt.tm_gmtoff;
    }
    t->sec = ut->ut_sec;
    t->usec = (int32_t) ut->ut_usec;
    t->utc_off_min = (int16_t) (off / 60);
    t->valid = 1;
    if (digits >= 0) {
        static const int32_t scale[7] = { 1000000, 100000, 10000, 1000, 100, 10, 1 };
        t->frac_digits = (int8_t) digits;
        t->usec = t->usec / scale[digits] * scale[digits];
    } else {
        t->frac_digits = t->usec ? 6 : 0;
    }
    if (digits < 0 && t->sec > (int64_t) time(NULL) + 86400) {
        /* year-less (or unknown) stamp in the future: last year */
        struct tm f;
        time_t local = (time_t) (t->sec + off);
        gmtime_r(&local, &f);
        t->sec = days_from_civil((int64_t) f.tm_year + 1900 - 1, (unsigned) f.tm_mon + 1,
                                 (unsigned) f.tm_mday) * 86400
                 + f.tm_hour * 3600 + f.tm_min * 60 + f.tm_sec - off;
    }
}

/* include-raw without RAWMSG: the line as syslog-ng's default file template
 * would write it (BSD stamp in the message's own offset). */
static size_t
rebuild_raw(const pt_line *l, char *buf, size_t size)
{
    static const char mon[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    struct tm f;
    time_t local = (time_t) (l->time.sec + l->time.utc_off_min * 60);
    int n;
    gmtime_r(&local, &f);
    if (l->program.n)
        n = snprintf(buf, size, "%.3s %2d %02d:%02d:%02d %.*s %.*s%s%.*s%s: %.*s",
                     mon + 3 * f.tm_mon, f.tm_mday, f.tm_hour, f.tm_min, f.tm_sec,
                     (int) l->host.n, l->host.p, (int) l->program.n, l->program.p,
                     l->pid.n ? "[" : "", (int) l->pid.n, l->pid.p, l->pid.n ? "]" : "",
                     (int) l->msg.n, l->msg.p);
    else
        n = snprintf(buf, size, "%.3s %2d %02d:%02d:%02d %.*s %.*s",
                     mon + 3 * f.tm_mon, f.tm_mday, f.tm_hour, f.tm_min, f.tm_sec,
                     (int) l->host.n, l->host.p, (int) l->msg.n, l->msg.p);
    if (n < 0)
        return 0;
    return (size_t) n < size ? (size_t) n : size - 1;
}

static gboolean
pt_sng_process(LogParser *s, LogMessage **pmsg, const LogPathOptions *path_options,
               const gchar *input, gsize input_len)
{
    PtSngParser *self = (PtSngParser *) s;
    PtShared *sh = self->sh;
    LogMessage *m = *pmsg;
    pt_line l;
    gssize n, rawlen = 0;
    const char *raw = NULL, *p;
    char *rawbuf = NULL;
    guint64 before, produced;
    PtRecord *list;
    (void) path_options;

    if (!sh)
        return self->inject_mode != PT_SNG_AGGREGATE_ONLY;
    memset(&l, 0, sizeof l);
    raw = log_msg_get_value(m, h_rawmsg, &rawlen);
    if (raw && rawlen > 0)
        raw = skip_pri(raw, &rawlen);
    else
        raw = NULL;
    msg_time(m, raw, rawlen, &l.time);
    p = log_msg_get_value(m, LM_V_HOST, &n);
    l.host = pt_slice_make(p, (size_t) n);
    p = log_msg_get_value(m, LM_V_PROGRAM, &n);
    l.program = pt_slice_make(p, (size_t) n);
    p = log_msg_get_value(m, LM_V_PID, &n);
    if (n == 1 && p[0] == '-')
        n = 0;                  /* RFC 5424 nil PROCID */
    l.pid = pt_slice_make(p, (size_t) n);
    l.msg = pt_slice_make(input, input_len);
    if (self->opt.include_raw) {
        if (raw) {
            l.raw = pt_slice_make(raw, (size_t) rawlen);
        } else {
            size_t size = l.host.n + l.program.n + l.pid.n + l.msg.n + 64;
            rawbuf = g_malloc(size);
            l.raw = pt_slice_make(rawbuf, rebuild_raw(&l, rawbuf, size));
        }
    }

    g_mutex_lock(&sh->lock);
    before = sh->n_pending;
    if (sh->core) {
        if (l.host.n == 0)
            pt_core_count_malformed(sh->core);
        else
            pt_core_feed(sh->core, &l);
    }
    sh->last_mono_us = mono_usec();
    produced = sh->n_pending > before ? sh->n_pending - before : 0;
    list = (produced || sh->n_pending) ? take_records(sh, produced + PT_SNG_EXTRA_PER_MESSAGE) : NULL;
    g_mutex_unlock(&sh->lock);
    g_free(rawbuf);

    forward_records(self, sh, list);
    return self->inject_mode != PT_SNG_AGGREGATE_ONLY;
}

/* ------------------------------------------------------- stats */

static void
stats_update(PtSngParser *self, const pt_stats *s, guint64 pending, guint64 fwd, guint64 dropped)
{
    uint64_t v[PT_NCOUNTERS] = {
        s->lines_seen, s->lines_postfix, s->lines_parsed, s->lines_unrecognised, s->lines_malformed,
        s->rec_removed, s->rec_expired, s->rec_deleted, s->rec_rejected, s->rec_discarded,
        s->rec_aborted, s->rec_timeout, s->rec_evicted, s->rec_shutdown, s->rec_reject,
        s->rec_progress, s->cache_entries, s->cache_high_water, s->evictions, s->timeouts,
        fwd, pending, dropped
    };
    if (!self->stats_registered)
        return;
    for (int i = 0; i < PT_NCOUNTERS; i++)
        if (self->counters[i])
            stats_counter_set(self->counters[i], (gsize) v[i]);
}

static void
stats_register(PtSngParser *self)
{
    stats_lock();
    for (int i = 0; i < PT_NCOUNTERS; i++) {
        stats_cluster_single_key_set_with_name(&self->sc_keys[i], SCS_PARSER, "postfix-trace",
                                               self->instance, counter_names[i]);
        stats_register_counter(0, &self->sc_keys[i], SC_TYPE_SINGLE_VALUE, &self->counters[i]);
    }
    stats_unlock();
    self->stats_registered = TRUE;
}

static void
stats_unregister(PtSngParser *self)
{
    if (!self->stats_registered)
        return;
    stats_lock();
    for (int i = 0; i < PT_NCOUNTERS; i++)
        stats_unregister_counter(&self->sc_keys[i], SC_TYPE_SINGLE_VALUE, &self->counters[i]);
    stats_unlock();
    self->stats_registered = FALSE;
}

/* ------------------------------------------------------- timer */

/* Advance the log's clock while quiet, take up to max records (lock held). */
static PtRecord *
tick_locked(PtSngParser *self, PtShared *sh, guint64 max, pt_stats *st)
{
    if (sh->core && sh->last_mono_us != 0) {
        gint64 el = mono_usec() - sh->last_mono_us;
        if (el >= 1000000)              /* quiet for a second: move the log's clock */
            pt_core_tick_quiet(sh->core, el);
    }
    if (sh->core)
        pt_core_stats(sh->core, st);
    (void) self;
    return take_records(sh, max);
}

static void
pt_sng_timer(gpointer s)
{
    PtSngParser *self = s;
    PtShared *sh = self->sh;
    PtRecord *list;
    pt_stats st;
    guint64 pending, fwd, dropped;

    memset(&st, 0, sizeof st);
    g_mutex_lock(&sh->lock);
    list = tick_locked(self, sh, (guint64) self->records_per_tick, &st);
    pending = sh->n_pending;
    g_mutex_unlock(&sh->lock);
    forward_records(self, sh, list);
    g_mutex_lock(&sh->lock);
    fwd = sh->forwarded;
    dropped = sh->dropped;
    g_mutex_unlock(&sh->lock);
    stats_update(self, &st, pending, fwd, dropped);

    iv_validate_now();
    self->tick.expires = iv_now;
    self->tick.expires.tv_sec++;
    iv_timer_register(&self->tick);
}

/* ------------------------------------------------------- shutdown hook */

/* Pre-shutdown (main thread, destinations still running): without a state
 * file, every open entry ends as a "shutdown" record and is forwarded now. */
static void
pt_sng_pre_shutdown(gint type, gpointer user_data)
{
    (void) type;
    (void) user_data;
    g_mutex_lock(&instances_lock);
    for (GList *i = instances; i; i = i->next) {
        PtSngParser *self = i->data;
        PtShared *sh = self->sh;
        PtRecord *list;
        if (!sh || self->state_file)
            continue;
        g_mutex_lock(&sh->lock);
        if (sh->core)
            pt_core_flush(sh->core);
        list = take_records(sh, G_MAXUINT64);
        g_mutex_unlock(&sh->lock);
        forward_records(self, sh, list);
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

static gchar *
effective_state_file(PtSngParser *self)
{
    if (!self->state_file)
        return NULL;
    if (self->clone_id == 0)
        return g_strdup(self->state_file);
    return g_strdup_printf("%s.%d", self->state_file, self->clone_id);
}

static gboolean
pt_sng_init(LogPipe *s)
{
    PtSngParser *self = (PtSngParser *) s;
    GlobalConfig *cfg = log_pipe_get_config(s);
    PtShared *sh;

    g_free(self->instance);
    self->instance = instance_name(self);

    sh = cfg_persist_config_fetch(cfg, pt_sng_persist_name(s));
    if (!sh) {
        gchar *sf = effective_state_file(self);
        sh = shared_new(&self->opt);
        if (!sh) {
            msg_error("postfix-trace(): cannot make the correlation core (out of memory?)",
                      log_pipe_location_tag(s));
            g_free(sf);
            return FALSE;
        }
        if (sf) {
            if (pt_core_load_file(sh->core, sf) != 0)
                msg_error("postfix-trace(): state-file() could not be loaded; starting empty",
                          evt_tag_str("file", sf), evt_tag_error("error"), log_pipe_location_tag(s));
            else
                msg_debug("postfix-trace(): state loaded", evt_tag_str("file", sf));
            /* each entry is loaded once: a crash must not replay it twice */
            unlink(sf);
            g_free(sf);
        }
    }
    g_mutex_lock(&sh->lock);
    sh->discard = FALSE;
    g_mutex_unlock(&sh->lock);
    self->sh = sh;

    stats_register(self);

    iv_validate_now();
    IV_TIMER_INIT(&self->tick);
    self->tick.cookie = self;
    self->tick.handler = pt_sng_timer;
    self->tick.expires = iv_now;
    self->tick.expires.tv_sec++;
    iv_timer_register(&self->tick);

    g_mutex_lock(&instances_lock);
    instances = g_list_prepend(instances, self);
    self->in_list = TRUE;
    g_mutex_unlock(&instances_lock);
    return log_parser_init_method(s);
}

static gboolean
pt_sng_deinit(LogPipe *s)
{
    PtSngParser *self = (PtSngParser *) s;
    GlobalConfig *cfg = log_pipe_get_config(s);
    PtShared *sh = self->sh;

    if (iv_timer_registered(&self->tick))
        iv_timer_unregister(&self->tick);
    g_mutex_lock(&instances_lock);
    if (self->in_list)
        instances = g_list_remove(instances, self);
    self->in_list = FALSE;
    g_mutex_unlock(&instances_lock);
    stats_unregister(self);
    self->sh = NULL;
    if (!sh)
        return log_parser_deinit_method(s);

    if (!app_is_shutting_down()) {
        /* reload: the next configuration takes the state over */
        PtRecord *left;
        g_mutex_lock(&sh->lock);
        left = take_records(sh, G_MAXUINT64);
        g_mutex_unlock(&sh->lock);
        forward_records(self, sh, left);
        cfg_persist_config_add(cfg, pt_sng_persist_name(s), sh, shared_free, FALSE);
        return log_parser_deinit_method(s);
    }

    gchar *sf = effective_state_file(self);
    g_mutex_lock(&sh->lock);
    if (sf && sh->core) {
        if (pt_core_save_file(sh->core, sf) == 0) {
            sh->discard = TRUE;         /* saved: they come back at the next start */
            msg_debug("postfix-trace(): state saved", evt_tag_str("file", sf));
        } else {
            msg_error("postfix-trace(): cannot write state-file(); open entries end as shutdown records",
                      evt_tag_str("file", sf), evt_tag_error("error"));
        }
    }
    if (!sh->discard && sh->core)
        pt_core_flush(sh->core);
    PtRecord *left = take_records(sh, G_MAXUINT64);
    g_mutex_unlock(&sh->lock);
    /* best effort: destinations deinited before us may not write these */
    forward_records(self, sh, left);
    g_free(sf);
    shared_free(sh);
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
    pt_core_options_default(&self->opt);
    self->records_per_tick = PT_SNG_DEFAULT_RECORDS_PER_TICK;
    self->inject_mode = PT_SNG_PASS_THROUGH;
    return &self->super;
}

void
pt_sng_global_init(void)
{
    h_rawmsg = log_msg_get_value_handle("RAWMSG");
    h_kind = log_msg_get_value_handle(".postfix.kind");
    h_id = log_msg_get_value_handle(".postfix.id");
    h_host = log_msg_get_value_handle(".postfix.host");
    h_queue_id = log_msg_get_value_handle(".postfix.queue_id");
    h_end = log_msg_get_value_handle(".postfix.end");
    h_status = log_msg_get_value_handle(".postfix.status");
    if (!hook_registered) {
        register_application_hook(AH_PRE_SHUTDOWN, pt_sng_pre_shutdown, NULL, AHM_RUN_ONCE);
        hook_registered = TRUE;
    }
}
