/*
 * ompostfix.c - rsyslog output module: correlates Postfix log lines into
 * postfix-trace records (SCHEMA.md) with the postfix-trace core library.
 *
 *   module(load="ompostfix")
 *   action(type="ompostfix" name="postfix-trace"
 *          file="/var/log/postfix-trace.json"   # JSON lines, reopened on HUP
 *          ruleset="postfix_records"            # and/or: one new message per record
 *          maxEntries="100000" idleTimeout="7200" linger="2"
 *          includeRaw="off" emitDeferred="off"
 *          stateFile="/var/spool/rsyslog/ompostfix.state" checkpointInterval="10"
 *          reorderWindow="2" programPrefix="postfix")
 *
 * The action gets the message object (OMSR_TPL_AS_MSG) and hands its parsed
 * fields - time reported, HOSTNAME, program and pid (from the TAG for RFC 3164,
 * APP-NAME and PROCID for RFC 5424), MSG - to the core without reformatting.
 *
 * The reorder window (lines wait reorderWindow seconds and are folded in in
 * order of time, a canonical order within one timestamp, so rsyslog's
 * workers may deliver them in any order), the records file, its
 * back-pressure, the state file's checkpoints and the hosts' quiet-time
 * clocks are the core's pt_runner (include/postfix-trace/runner.h):
 * when records cannot be written and the bound of held records is reached,
 * doAction waits (the lock released) until they can be written again, so
 * the lines wait in rsyslog's queue in order. It does not return
 * RS_RET_SUSPENDED: rsyslog 8.2302 puts a message refused that way back at
 * the tail of the action's queue (out of order) or, for a direct action,
 * drops it (runtime/action.c processBatchMain, runtime/queue.c
 * DeleteProcessedBatch), and the records need the lines in order.
 *
 * Threads: one pt_runner per action instance, guarded by pData->mut;
 * doAction may run on several workers at once, doHUP on the main thread,
 * and a tick thread per instance drives the runner's timer. Every record
 * leaves (file, submitMsg2 into the ruleset) with that lock held, so records
 * leave in the order the core emits them.
 *
 * Life cycle: newActInst checks parameters (config errors name the
 * parameter); activateCnf (never reached by `rsyslogd -N1`) loads the state
 * file and starts the tick thread; freeInstance runs after the queues are
 * gone: the runner saves open entries to the state file, or writes them to
 * the file with end "shutdown" - it never submits messages.
 */
#include "config.h"
#include "rsyslog.h"
#include <stdio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <assert.h>
#include <signal.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <time.h>
#include <pthread.h>
#include <syslog.h>
#include <sys/stat.h>
#include <sys/time.h>
#include "conf.h"
#include "syslogd-types.h"
#include "srUtils.h"
#include "template.h"
#include "module-template.h"
#include "errmsg.h"
#include "msg.h"
#include "prop.h"
#include "ruleset.h"
#include "statsobj.h"
#include "glbl.h"
#include "dirty.h"
#include "rsconf.h"

/* After rsyslog's headers (the core's API uses no JSON library types). */
#include "postfix-trace/core.h"
#include "postfix-trace/line.h"
#include "postfix-trace/event.h"
#include "postfix-trace/runner.h"

MODULE_TYPE_OUTPUT
MODULE_TYPE_NOKEEP
MODULE_CNFNAME("ompostfix")

DEF_OMOD_STATIC_DATA
DEFobjCurrIf(ruleset)
DEFobjCurrIf(prop)
DEFobjCurrIf(statsobj)
DEFobjCurrIf(glbl)

static prop_t *pInputName = NULL;       /* "ompostfix", for emitted messages */

/* The counters of SCHEMA.md, in impstats under these names. */
enum {
    C_LINES_SEEN, C_LINES_POSTFIX, C_LINES_PARSED, C_LINES_UNRECOGNISED,
    C_LINES_MALFORMED,
    C_REC_REMOVED, C_REC_EXPIRED, C_REC_DELETED, C_REC_REJECTED,
    C_REC_DISCARDED, C_REC_ABORTED, C_REC_TIMEOUT, C_REC_EVICTED,
    C_REC_SHUTDOWN, C_REC_REJECT, C_REC_PROGRESS,
    C_CACHE_ENTRIES, C_CACHE_HIGH_WATER, C_EVICTIONS, C_TIMEOUTS,
    C_SESSIONS, C_SESSIONS_EVICTED, C_RECORDS_TRUNCATED,
    C_WRITE_ERRORS, C_WRITE_RETRIES, C_RECORDS_PENDING, C_RECORDS_WRITTEN,
    C_SUSPENDED, C_CHECKPOINTS, C_CHECKPOINT_ERRORS,
    C_LINES_DUPLICATE, C_LINES_LATE, C_LINES_HELD, C_REC_AUTH,
    C_N
};
static const char *const ctr_names[C_N] = {
    "lines_seen", "lines_postfix", "lines_parsed", "lines_unrecognised",
    "lines_malformed",
    "records.removed", "records.expired", "records.deleted", "records.rejected",
    "records.discarded", "records.aborted", "records.timeout", "records.evicted",
    "records.shutdown", "records.reject", "records.progress",
    "cache_entries", "cache_high_water", "evictions", "timeouts",
    "sessions", "sessions_evicted", "records_truncated",
    "write_errors", "write_retries", "records_pending", "records_written",
    "backpressure_waits", "checkpoints", "checkpoint_errors",
    "lines_duplicate", "lines_late", "lines_held", "records.auth"
};

typedef struct _instanceData {
    /* configuration */
    char *name;                 /* action name, for messages and the stats object */
    char *file;                 /* output file or NULL */
    char *rulesetName;          /* target ruleset or NULL */
    ruleset_t *pRuleset;
    char *stateFile;
    char *programPrefix;        /* syslog names that count as Postfix, or NULL */
    pt_runner_options opt;      /* file / stateFile point at the strings above */

    /* run time, all guarded by mut */
    pthread_mutex_t mut;
    pt_runner *runner;
    struct fjson_tokener *tok;
    int suspended;              /* the runner refused a line: workers wait for room */
    pthread_cond_t room_cond;   /* signalled by the tick thread when records were written */
    int activated;

    /* the tick thread */
    pthread_t tick_thread;
    int tick_running;
    int tick_stop;
    pthread_cond_t tick_cond;

    /* impstats */
    statsobj_t *stats;
    intctr_t ctr[C_N];

    struct _instanceData *next, *prev;  /* every instance, for activateCnf */
} instanceData;

typedef struct wrkrInstanceData {
    instanceData *pData;
} wrkrInstanceData_t;

struct modConfData_s {
    rsconf_t *pConf;
};
static modConfData_t *loadModConf = NULL;

/* every live instance; touched only on the main thread (config, free) */
static instanceData *instances = NULL;

static struct cnfparamdescr actpdescr[] = {
    { "name", eCmdHdlrGetWord, 0 },
    { "file", eCmdHdlrString, 0 },
    { "ruleset", eCmdHdlrString, 0 },
    { "maxentries", eCmdHdlrString, 0 },
    { "idletimeout", eCmdHdlrString, 0 },
    { "linger", eCmdHdlrString, 0 },
    { "includeraw", eCmdHdlrBinary, 0 },
    { "emitdeferred", eCmdHdlrBinary, 0 },
    { "statefile", eCmdHdlrString, 0 },
    { "checkpointinterval", eCmdHdlrString, 0 },
    { "maxpendingbytes", eCmdHdlrString, 0 },
    { "maxrecipients", eCmdHdlrString, 0 },
    { "maxevents", eCmdHdlrString, 0 },
    { "maxrawlines", eCmdHdlrString, 0 },
    { "maxtextbytes", eCmdHdlrString, 0 },
    { "reorderwindow", eCmdHdlrString, 0 },
    { "programprefix", eCmdHdlrString, 0 },
    { "orderby", eCmdHdlrString, 0 },
    { "filecreatemode", eCmdHdlrFileCreateMode, 0 },
    { "dircreatemode", eCmdHdlrFileCreateMode, 0 },
    { "fileowner", eCmdHdlrUID, 0 },
    { "filegroup", eCmdHdlrGID, 0 },
    { "createdirs", eCmdHdlrBinary, 0 }
};
static struct cnfparamblk actpblk = {
    CNFPARAMBLK_VERSION,
    sizeof(actpdescr) / sizeof(struct cnfparamdescr),
    actpdescr
};

static const char *
instName(const instanceData *pData)
{
    return pData->name ? pData->name : "ompostfix";
}

/* ---------------------------------------------------------------- output */

/* A new message for the ruleset: MSG is the record's JSON text, $!postfix
 * the record parsed, HOSTNAME the record's host. The runner's forward
 * callback; called with pData->mut held, never after shutdown began. */
static void
submitRecord(void *ctx, const char *json, size_t len)
{
    instanceData *pData = ctx;
    smsg_t *pMsg = NULL;
    struct fjson_object *obj, *host = NULL;

    if(pData->pRuleset == NULL)     /* not found at config time (reported then) */
        return;
    fjson_tokener_reset(pData->tok);
    obj = fjson_tokener_parse_ex(pData->tok, json, (int) len);
    if(obj == NULL) {
        LogError(0, RS_RET_JSON_PARSE_ERR,
                 "ompostfix[%s]: record is not valid JSON, not submitted: %.80s",
                 instName(pData), json);
        return;
    }
    if(msgConstruct(&pMsg) != RS_RET_OK) {
        fjson_object_put(obj);
        return;
    }
    MsgSetInputName(pMsg, pInputName);
    MsgSetRawMsg(pMsg, json, len);
    MsgSetMSGoffs(pMsg, 0);
    if(fjson_object_object_get_ex(obj, "host", &host) && host != NULL) {
        const char *h = fjson_object_get_string(host);
        MsgSetHOSTNAME(pMsg, (const uchar *) h, (int) strlen(h));
    } else {
        const uchar *h = glbl.GetLocalHostName();
        MsgSetHOSTNAME(pMsg, h, (int) strlen((const char *) h));
    }
    MsgSetTAG(pMsg, (const uchar *) "postfix-trace:", sizeof("postfix-trace:") - 1);
    msgSetPRI(pMsg, LOG_MAIL | LOG_INFO);
    msgAddJSON(pMsg, (uchar *) "!postfix", obj, 0, 0);   /* takes obj */
    MsgSetRuleset(pMsg, pData->pRuleset);
    MsgSetFlowControlType(pMsg, eFLOWCTL_NO_DELAY);
    submitMsg2(pMsg);
}

/* The runner's report callback: into rsyslog's own log. */
static void
reportCondition(void *ctx, int is_error, int err_no, const char *msg)
{
    instanceData *pData = ctx;
    if(is_error)
        LogError(err_no, RS_RET_IO_ERROR, "ompostfix[%s]: %s", instName(pData), msg);
    else
        LogMsg(0, NO_ERRCODE, LOG_INFO, "ompostfix[%s]: %s", instName(pData), msg);
}

/* Copy the runner's counters to the statsobj counters; mut held. */
static void
updateStats(instanceData *pData)
{
    pt_runner_stats rs;
    const pt_stats *s = &rs.core;
    uint64_t w[C_N];
    int i;

    if(pData->runner == NULL)
        return;
    pt_runner_stats_get(pData->runner, &rs);
    w[C_LINES_SEEN] = s->lines_seen;
    w[C_LINES_POSTFIX] = s->lines_postfix;
    w[C_LINES_PARSED] = s->lines_parsed;
    w[C_LINES_UNRECOGNISED] = s->lines_unrecognised;
    w[C_LINES_MALFORMED] = s->lines_malformed;
    w[C_REC_REMOVED] = s->rec_removed;
    w[C_REC_EXPIRED] = s->rec_expired;
    w[C_REC_DELETED] = s->rec_deleted;
    w[C_REC_REJECTED] = s->rec_rejected;
    w[C_REC_DISCARDED] = s->rec_discarded;
    w[C_REC_ABORTED] = s->rec_aborted;
    w[C_REC_TIMEOUT] = s->rec_timeout;
    w[C_REC_EVICTED] = s->rec_evicted;
    w[C_REC_SHUTDOWN] = s->rec_shutdown;
    w[C_REC_REJECT] = s->rec_reject;
    w[C_REC_PROGRESS] = s->rec_progress;
    w[C_REC_AUTH] = s->rec_auth;
    w[C_CACHE_ENTRIES] = s->cache_entries;
    w[C_CACHE_HIGH_WATER] = s->cache_high_water;
    w[C_EVICTIONS] = s->evictions;
    w[C_TIMEOUTS] = s->timeouts;
    w[C_SESSIONS] = s->sessions;
    w[C_SESSIONS_EVICTED] = s->sessions_evicted;
    w[C_RECORDS_TRUNCATED] = s->records_truncated;
    w[C_WRITE_ERRORS] = rs.write_errors;
    w[C_WRITE_RETRIES] = rs.write_retries;
    w[C_RECORDS_PENDING] = rs.records_pending;
    w[C_RECORDS_WRITTEN] = rs.records_written;
    w[C_SUSPENDED] = rs.suspended;
    w[C_CHECKPOINTS] = rs.checkpoints;
    w[C_CHECKPOINT_ERRORS] = rs.checkpoint_errors;
    w[C_LINES_DUPLICATE] = s->lines_duplicate;
    w[C_LINES_LATE] = s->lines_late;
    w[C_LINES_HELD] = s->lines_held;
    for(i = 0; i < C_N; ++i)
        __atomic_store_n(&pData->ctr[i], (intctr_t) w[i], __ATOMIC_RELAXED);
}

/* ---------------------------------------------------------------- feeding */

static int64_t
monoUsec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Feed one line to the runner; -1 when it refused it (records cannot be
 * written and the bound is reached); mut held. */
static int
feedLine(instanceData *pData, const pt_line *l, int64_t now_us)
{
    if(pt_runner_feed(pData->runner, l, now_us) == PT_RUN_SUSPENDED) {
        pData->suspended = 1;
        return -1;
    }
    return 0;
}

/* ----------------------------------------------------------- tick thread */

static void *
tickThread(void *arg)
{
    instanceData *pData = arg;
    sigset_t sigs;

    sigfillset(&sigs);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    pthread_mutex_lock(&pData->mut);
    while(!pData->tick_stop) {
        struct timespec deadline;
        long step_ns = 1000000000L;     /* a quarter of a short window, else 1 s */
        double win = pData->opt.core.reorder_window / 1e6;
        if(win > 0 && win < 4.0)
            step_ns = (long)(win * 1e9 / 4);
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_nsec += step_ns;
        while(deadline.tv_nsec >= 1000000000L) {
            deadline.tv_nsec -= 1000000000L;
            deadline.tv_sec += 1;
        }
        pthread_cond_timedwait(&pData->tick_cond, &pData->mut, &deadline);
        if(pData->tick_stop)
            break;
        /* once shutdown begins, queues go away: emit nothing from here */
        if(glbl.GetGlobalInputTermState() != 0)
            continue;
        int64_t now = monoUsec();
        pt_checkpoint_job *job;
        if(pt_runner_tick(pData->runner, now) == PT_RUN_OK && pData->suspended) {
            pData->suspended = 0;
            pthread_cond_broadcast(&pData->room_cond);
        }
        /* a due checkpoint: snapshot under the lock, the file written without it */
        if((job = pt_runner_checkpoint_due(pData->runner, now, 0)) != NULL) {
            pthread_mutex_unlock(&pData->mut);
            pt_checkpoint_job_run(job);
            pthread_mutex_lock(&pData->mut);
            pt_runner_checkpoint_done(pData->runner, job);
        }
        updateStats(pData);
    }
    pthread_mutex_unlock(&pData->mut);
    return NULL;
}

static void
stopTick(instanceData *pData)
{
    if(!pData->tick_running)
        return;
    pthread_mutex_lock(&pData->mut);
    pData->tick_stop = 1;
    pthread_cond_signal(&pData->tick_cond);
    pthread_mutex_unlock(&pData->mut);
    pthread_join(pData->tick_thread, NULL);
    pData->tick_running = 0;
}

/* ----------------------------------------------------- module interface */

BEGINcreateInstance
CODESTARTcreateInstance
    pthread_mutex_init(&pData->mut, NULL);
    pthread_cond_init(&pData->tick_cond, NULL);
    pthread_cond_init(&pData->room_cond, NULL);
    pt_runner_options_default(&pData->opt);
ENDcreateInstance

BEGINcreateWrkrInstance
CODESTARTcreateWrkrInstance
ENDcreateWrkrInstance

BEGINisCompatibleWithFeature
CODESTARTisCompatibleWithFeature
ENDisCompatibleWithFeature

BEGINfreeInstance
CODESTARTfreeInstance
    /* unlink from the instance list */
    if(pData->prev != NULL)
        pData->prev->next = pData->next;
    else if(instances == pData)
        instances = pData->next;
    if(pData->next != NULL)
        pData->next->prev = pData->prev;

    stopTick(pData);
    pthread_mutex_lock(&pData->mut);
    if(pData->runner != NULL) {
        if(pData->activated) {
            /* the queues are gone: the runner submits nothing from here */
            pt_runner_begin_stop(pData->runner);
            pt_runner_stop(pData->runner);      /* folds in what the window holds */
        }
        pt_runner_free(pData->runner);          /* a config check run: nothing to write */
        pData->runner = NULL;
    }
    pthread_mutex_unlock(&pData->mut);
    if(pData->stats != NULL)
        statsobj.Destruct(&pData->stats);
    if(pData->tok != NULL)
        fjson_tokener_free(pData->tok);
    pthread_cond_destroy(&pData->tick_cond);
    pthread_cond_destroy(&pData->room_cond);
    pthread_mutex_destroy(&pData->mut);
    free(pData->name);
    free(pData->file);
    free(pData->rulesetName);
    free(pData->stateFile);
    free(pData->programPrefix);
ENDfreeInstance

BEGINfreeWrkrInstance
CODESTARTfreeWrkrInstance
ENDfreeWrkrInstance

BEGINdbgPrintInstInfo
CODESTARTdbgPrintInstInfo
    dbgprintf("ompostfix[%s]: file='%s' ruleset='%s' stateFile='%s'\n", instName(pData),
              pData->file ? pData->file : "", pData->rulesetName ? pData->rulesetName : "",
              pData->stateFile ? pData->stateFile : "");
ENDdbgPrintInstInfo

BEGINtryResume
CODESTARTtryResume
ENDtryResume

BEGINdoHUP
CODESTARTdoHUP
    pthread_mutex_lock(&pData->mut);
    if(pData->runner != NULL)
        pt_runner_reopen(pData->runner);
    pthread_mutex_unlock(&pData->mut);
ENDdoHUP

/* "postfix/qmgr[15999]:" -> program "postfix/qmgr", pid "15999" */
static void
splitTag(const char *tag, size_t n, pt_line *l)
{
    size_t i = 0;
    while(n > 0 && tag[n - 1] == ':')
        --n;
    while(i < n && tag[i] != '[')
        ++i;
    l->program = pt_slice_make(tag, i);
    if(i < n && n > i + 1 && tag[n - 1] == ']')
        l->pid = pt_slice_make(tag + i + 1, n - i - 2);
    else
        l->pid = pt_slice_make(tag + n, 0);
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t
daysFromCivil(int64_t y, unsigned m, unsigned d)
{
    int64_t era;
    unsigned yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t) doe - 719468;
}

/* The message's time reported as a pt_time, straight from rsyslog's parsed
 * struct (what getTimeReported(RFC 3339) would print, without printing and
 * parsing it again). -1 for anything unusual: the caller takes the text path. */
static int
msgTime(const struct syslogTime *st, int yearDelta, pt_time *t)
{
    static const int32_t scale[7] = { 1000000, 100000, 10000, 1000, 100, 10, 1 };
    int off, p = st->secfracPrecision;
    if(st->timeType == 0 || p < 0 || p > 6 || st->month < 1 || st->month > 12 || st->day < 1
       || st->day > 31 || st->hour > 23 || st->minute > 59 || st->second > 59 || st->secfrac < 0
       || (p > 0 && st->secfrac >= 1000000 / scale[p]) || st->OffsetHour > 23
       || st->OffsetMinute > 59 || (st->OffsetMode != '+' && st->OffsetMode != '-'
                                    && st->OffsetMode != 'Z'))
        return -1;
    off = st->OffsetMode == 'Z' ? 0 : (st->OffsetHour * 60 + st->OffsetMinute);
    if(st->OffsetMode == '-')
        off = -off;
    t->sec = daysFromCivil(st->year + yearDelta, (unsigned) st->month, (unsigned) st->day) * 86400
           + st->hour * 3600 + st->minute * 60 + st->second - (int64_t) off * 60;
    t->usec = p > 0 ? st->secfrac * scale[p] : 0;
    t->frac_digits = (int8_t) p;
    t->utc_off_min = (int16_t) off;
    t->valid = 1;
    return 0;
}

/* rsyslog gives a year-less RFC 3164 time the year of reception; like the
 * command (and SCHEMA.md), take the previous year when that puts the line more
 * than a day into the future (a December line received in January). */
static void
fixYear(smsg_t *pMsg, pt_time *t)
{
    uchar *raw;
    int rawlen, off = pMsg->offAfterPRI;

    if(t->sec <= (int64_t) time(NULL) + 86400)
        return;
    getRawMsg(pMsg, &raw, &rawlen);
    if(raw == NULL || off < 0 || off >= rawlen || !(raw[off] >= 'A' && raw[off] <= 'Z'))
        return;                 /* the timestamp carried a year: keep it */
    msgTime(&pMsg->tTIMESTAMP, -1, t);
}

/* Records cannot be written and the bound is reached: wait, the lock
 * released, until the tick thread has written them (or rsyslog shuts down:
 * then take lines anyway, the state file keeps what is held). While a
 * worker waits, its line is input that is not quiet. mut held. */
static void
waitForRoom(instanceData *pData)
{
    while(pData->suspended) {
        struct timespec until;
        if(glbl.GetGlobalInputTermState() != 0) {
            pt_runner_begin_stop(pData->runner);    /* no refusals, no submits */
            pData->suspended = 0;
            break;
        }
        if(pt_runner_try_resume(pData->runner) == PT_RUN_OK) {
            pData->suspended = 0;
            break;
        }
        pt_runner_note_input(pData->runner, monoUsec());
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 200000000L;
        if(until.tv_nsec >= 1000000000L) {
            until.tv_nsec -= 1000000000L;
            until.tv_sec += 1;
        }
        pthread_cond_timedwait(&pData->room_cond, &pData->mut, &until);
    }
}

/* Feed a line, waiting for room while the runner refuses it; mut held. */
static void
feedOrWait(instanceData *pData, const pt_line *l, int64_t now)
{
    while(feedLine(pData, l, now) != 0) {
        waitForRoom(pData);
        now = monoUsec();
    }
}

BEGINdoAction_NoStrings
    smsg_t **ppMsg = (smsg_t **) pMsgData;
    smsg_t *pMsg = ppMsg[0];
    instanceData *pData = pWrkrData->pData;
    pt_line l;
    const char *ts;
    uchar *p;
    int n;
    int malformed = 0;
CODESTARTdoAction
    memset(&l, 0, sizeof(l));
    if(msgTime(&pMsg->tTIMESTAMP, 0, &l.time) != 0) {
        ts = getTimeReported(pMsg, tplFmtRFC3339Date);
        if(ts == NULL || pt_time_parse_rfc3339(ts, strlen(ts), &l.time) != 0)
            malformed = 1;
    }
    if(!malformed && msgGetProtocolVersion(pMsg) != MSG_RFC5424_PROTOCOL)
        fixYear(pMsg, &l.time);
    l.host = pt_slice_make(getHOSTNAME(pMsg), (size_t) getHOSTNAMELen(pMsg));

    if(msgGetProtocolVersion(pMsg) == MSG_RFC5424_PROTOCOL) {
        const char *app = getAPPNAME(pMsg, LOCK_MUTEX);
        const char *pid = getPROCID(pMsg, LOCK_MUTEX);
        if(app != NULL && app[0] != '\0' && strcmp(app, "-") != 0)
            l.program = pt_slice_cstr(app);
        if(pid != NULL && strcmp(pid, "-") != 0)
            l.pid = pt_slice_cstr(pid);
        else
            l.pid = pt_slice_make("", 0);
    }
    if(l.program.n == 0) {
        /* RFC 3164: programname and APP-NAME stop at the first '/', the
         * daemon survives only in the TAG */
        getTAG(pMsg, &p, &n, LOCK_MUTEX);
        if(p != NULL && n > 0)
            splitTag((const char *) p, (size_t) n, &l);
    }
    if(l.program.n == 0)
        malformed = 1;

    p = getMSG(pMsg);
    n = getMSGLen(pMsg);
    if(p == NULL || n < 0) {
        p = (uchar *) "";
        n = 0;
    }
    if(msgGetProtocolVersion(pMsg) != MSG_RFC5424_PROTOCOL && n > 0 && p[0] == ' ') {
        ++p;
        --n;
    }
    l.msg = pt_slice_make((const char *) p, (size_t) n);

    if(pData->opt.core.include_raw) {
        uchar *raw;
        int rawlen;
        getRawMsg(pMsg, &raw, &rawlen);
        if(raw != NULL && pMsg->offAfterPRI >= 0 && pMsg->offAfterPRI <= rawlen)
            l.raw = pt_slice_make((const char *) raw + pMsg->offAfterPRI,
                                  (size_t)(rawlen - pMsg->offAfterPRI));
    }

    pthread_mutex_lock(&pData->mut);
    waitForRoom(pData);             /* back-pressure: the line waits in rsyslog's queue */
    if(pData->runner != NULL) {
        if(malformed)
            pt_runner_count_malformed(pData->runner);
        else
            feedOrWait(pData, &l, monoUsec());
    }
    pthread_mutex_unlock(&pData->mut);
ENDdoAction

/* "1.5" -> 1.5; a number >= 0 (or > 0), no trailing garbage */
static int
parseSeconds(const char *s, double *out)
{
    char *end;
    double d;
    errno = 0;
    d = strtod(s, &end);
    if(errno != 0 || end == s || *end != '\0' || !(d >= 0) || d > 1e9)
        return -1;
    *out = d;
    return 0;
}

static int
parseCount(const char *s, uint32_t *out)
{
    char *end;
    unsigned long long v;
    errno = 0;
    if(*s == '-' || *s == '\0')
        return -1;
    v = strtoull(s, &end, 10);
    if(errno != 0 || *end != '\0' || v == 0 || v > 100000000ULL)
        return -1;
    *out = (uint32_t) v;
    return 0;
}

/* The parameters rsyslog parses itself (file modes like omfile's, owner,
 * group, createDirs): set one; 1 when pname was one of them. */
static int
setFileParam(instanceData *pData, const char *pname, long long n)
{
    if(!strcmp(pname, "filecreatemode"))
        pData->opt.file_mode = (mode_t) n;
    else if(!strcmp(pname, "dircreatemode"))
        pData->opt.dir_mode = (mode_t) n;
    else if(!strcmp(pname, "fileowner"))
        pData->opt.file_uid = (uid_t) n;
    else if(!strcmp(pname, "filegroup"))
        pData->opt.file_gid = (gid_t) n;
    else if(!strcmp(pname, "createdirs"))
        pData->opt.create_dirs = (int) n;
    else
        return 0;
    return 1;
}

/* A relative stateFile lives in rsyslog's workDirectory, as imfile's and
 * the disk queues' files do (global() settings apply once the whole
 * configuration is read: called from checkCnf). Without one it is a
 * configuration error, and the action keeps no state file. */
static void
stateFileInWorkDir(instanceData *pData, rsconf_t *conf)
{
    const uchar *dir = glblGetWorkDirRaw(conf);
    char *path;
    if(dir == NULL || dir[0] == '\0') {
        LogError(0, RS_RET_PARAM_ERROR, "ompostfix[%s]: parameter 'stateFile': '%s' is relative "
                 "and rsyslog has no workDirectory (global(workDirectory=\"...\")); give an "
                 "absolute path or set one - running without a state file", instName(pData),
                 pData->stateFile);
        return;
    }
    if(asprintf(&path, "%s/%s", (const char *) dir, pData->stateFile) < 0)
        path = NULL;
    if(path == NULL || pt_runner_set_state_file(pData->runner, path) != 0) {
        LogError(0, RS_RET_OUT_OF_MEMORY, "ompostfix[%s]: no memory for the state file",
                 instName(pData));
        free(path);
        return;
    }
    free(pData->stateFile);
    pData->stateFile = path;
}

BEGINnewActInst
    struct cnfparamvals *pvals;
    int i;
    char *sval = NULL;
CODESTARTnewActInst
    if((pvals = nvlstGetParams(lst, &actpblk, NULL)) == NULL)
        ABORT_FINALIZE(RS_RET_MISSING_CNFPARAMS);

    CODE_STD_STRING_REQUESTnewActInst(1)
    CHKiRet(OMSRsetEntry(*ppOMSR, 0, NULL, OMSR_TPL_AS_MSG));
    CHKiRet(createInstance(&pData));

    for(i = 0; i < actpblk.nParams; ++i) {
        const char *pname = actpblk.descr[i].name;
        if(!pvals[i].bUsed)
            continue;
        if(!strcmp(pname, "includeraw")) {
            pData->opt.core.include_raw = (int) pvals[i].val.d.n;
            continue;
        }
        if(!strcmp(pname, "emitdeferred")) {
            pData->opt.core.emit_deferred = (int) pvals[i].val.d.n;
            continue;
        }
        if(setFileParam(pData, pname, pvals[i].val.d.n))
            continue;               /* modes, owner, group, createDirs: rsyslog parsed them */
        free(sval);
        sval = es_str2cstr(pvals[i].val.d.estr, NULL);
        if(sval == NULL)
            ABORT_FINALIZE(RS_RET_OUT_OF_MEMORY);
        if(!strcmp(pname, "name")) {
            pData->name = sval;
            sval = NULL;
        } else if(!strcmp(pname, "file") || !strcmp(pname, "ruleset")
                  || !strcmp(pname, "statefile")) {
            if(sval[0] == '\0') {
                LogError(0, RS_RET_PARAM_ERROR, "ompostfix: parameter '%s' must not be empty",
                         pname);
                ABORT_FINALIZE(RS_RET_PARAM_ERROR);
            }
            if(!strcmp(pname, "file"))
                pData->file = sval;
            else if(!strcmp(pname, "ruleset"))
                pData->rulesetName = sval;
            else
                pData->stateFile = sval;
            sval = NULL;
        } else if(!strcmp(pname, "maxentries")) {
            if(parseCount(sval, &pData->opt.core.max_entries) != 0) {
                LogError(0, RS_RET_PARAM_ERROR, "ompostfix: parameter 'maxEntries': invalid "
                         "value '%s' (a whole number from 1 to 100000000)", sval);
                ABORT_FINALIZE(RS_RET_PARAM_ERROR);
            }
        } else if(!strcmp(pname, "orderby")) {
            const char *v = sval[0] == '$' ? sval + 1 : sval;
            if((v[0] != '!' && v[0] != '.' && v[0] != '/') || v[1] == '\0') {
                LogError(0, RS_RET_PARAM_ERROR, "ompostfix: parameter 'orderBy': '%s' is not a "
                         "message variable ($!name, $.name or $/name)", sval);
                ABORT_FINALIZE(RS_RET_PARAM_ERROR);
            }
            LogMsg(0, NO_ERRCODE, LOG_INFO, "ompostfix: parameter 'orderBy' is no longer "
                   "needed and is ignored: lines are put in order of time, and lines of one "
                   "timestamp in a canonical order, within reorderWindow");
        } else if(!strcmp(pname, "programprefix")) {
            pt_names names;
            if(pt_names_parse(sval, &names) != 0) {
                LogError(0, RS_RET_PARAM_ERROR, "ompostfix: parameter 'programPrefix': invalid "
                         "value '%s' (comma-separated syslog names, up to %d, no '/' or spaces)",
                         sval, PT_NAMES_MAX);
                ABORT_FINALIZE(RS_RET_PARAM_ERROR);
            }
            free(pData->programPrefix);
            pData->programPrefix = sval;
            sval = NULL;
        } else if(!strcmp(pname, "reorderwindow")) {
            double d;
            if(parseSeconds(sval, &d) != 0 || d > 60) {
                LogError(0, RS_RET_PARAM_ERROR, "ompostfix: parameter 'reorderWindow': invalid "
                         "value '%s' (seconds, a number from 0 to 60)", sval);
                ABORT_FINALIZE(RS_RET_PARAM_ERROR);
            }
            pData->opt.core.reorder_window = (int64_t)(d * 1e6);
        } else if(!strcmp(pname, "maxrecipients") || !strcmp(pname, "maxevents")
                  || !strcmp(pname, "maxrawlines") || !strcmp(pname, "maxtextbytes")) {
            uint32_t *dst = !strcmp(pname, "maxrecipients") ? &pData->opt.core.max_recipients
                : !strcmp(pname, "maxevents") ? &pData->opt.core.max_events
                : !strcmp(pname, "maxrawlines") ? &pData->opt.core.max_raw_lines
                : &pData->opt.core.max_text;
            if(parseCount(sval, dst) != 0 || (dst == &pData->opt.core.max_text && *dst < 64)) {
                LogError(0, RS_RET_PARAM_ERROR, "ompostfix: parameter '%s': invalid value '%s' "
                         "(a whole number from %d to 100000000)", actpblk.descr[i].name, sval,
                         dst == &pData->opt.core.max_text ? 64 : 1);
                ABORT_FINALIZE(RS_RET_PARAM_ERROR);
            }
        } else if(!strcmp(pname, "maxpendingbytes")) {
            uint32_t v;
            if(parseCount(sval, &v) != 0 || v < 4096) {
                LogError(0, RS_RET_PARAM_ERROR, "ompostfix: parameter 'maxPendingBytes': invalid "
                         "value '%s' (bytes, a whole number from 4096 to 100000000)", sval);
                ABORT_FINALIZE(RS_RET_PARAM_ERROR);
            }
            pData->opt.max_pending_bytes = v;
        } else if(!strcmp(pname, "checkpointinterval")) {
            double d;
            if(parseSeconds(sval, &d) != 0 || d > 86400) {
                LogError(0, RS_RET_PARAM_ERROR, "ompostfix: parameter 'checkpointInterval': "
                         "invalid value '%s' (seconds, a number from 0 to 86400; 0: only at stop)",
                         sval);
                ABORT_FINALIZE(RS_RET_PARAM_ERROR);
            }
            pData->opt.checkpoint_interval = d;
        } else if(!strcmp(pname, "idletimeout") || !strcmp(pname, "linger")) {
            double d;
            int idle = !strcmp(pname, "idletimeout");
            if(parseSeconds(sval, &d) != 0 || (idle && d <= 0)) {
                LogError(0, RS_RET_PARAM_ERROR, "ompostfix: parameter '%s': invalid value '%s' "
                         "(seconds, a number %s 0)", idle ? "idleTimeout" : "linger", sval,
                         idle ? ">" : ">=");
                ABORT_FINALIZE(RS_RET_PARAM_ERROR);
            }
            if(idle)
                pData->opt.core.idle_timeout = d;
            else
                pData->opt.core.linger = d;
        } else {
            DBGPRINTF("ompostfix: program error, non-handled param '%s'\n", pname);
        }
    }
    if(pData->file == NULL && pData->rulesetName == NULL) {
        LogError(0, RS_RET_PARAM_ERROR, "ompostfix: parameter 'file' or 'ruleset' is "
                 "required (at least one of them)");
        ABORT_FINALIZE(RS_RET_PARAM_ERROR);
    }
    if(pData->rulesetName != NULL && loadModConf != NULL) {
        /* may be defined later in the config: then checkCnf resolves it */
        if(ruleset.GetRuleset(loadModConf->pConf, &pData->pRuleset,
                              (uchar *) pData->rulesetName) != RS_RET_OK)
            pData->pRuleset = NULL;
    }

    pData->opt.file = pData->file;
    pData->opt.state_file = pData->stateFile;
    if(pData->stateFile != NULL && pData->stateFile[0] != '/')
        pData->opt.state_file = NULL;   /* in workDirectory: known at checkCnf */
    pData->opt.core.program_prefix = pData->programPrefix;
    if((pData->runner = pt_runner_new(&pData->opt, pData->rulesetName ? submitRecord : NULL,
                                      reportCondition, pData)) == NULL) {
        LogError(0, RS_RET_OUT_OF_MEMORY, "ompostfix: cannot create the correlation core");
        ABORT_FINALIZE(RS_RET_OUT_OF_MEMORY);
    }
    if((pData->tok = fjson_tokener_new()) == NULL)
        ABORT_FINALIZE(RS_RET_OUT_OF_MEMORY);

    CHKiRet(statsobj.Construct(&pData->stats));
    CHKiRet(statsobj.SetName(pData->stats, (uchar *) instName(pData)));
    CHKiRet(statsobj.SetOrigin(pData->stats, (uchar *) "ompostfix"));
    for(i = 0; i < C_N; ++i) {
        pData->ctr[i] = 0;
        CHKiRet(statsobj.AddCounter(pData->stats, (const uchar *) ctr_names[i],
                                    ctrType_IntCtr, CTR_FLAG_NONE, &pData->ctr[i]));
    }
    CHKiRet(statsobj.ConstructFinalize(pData->stats));

    /* success: register (last step, nothing can fail after this) */
    pData->next = instances;
    pData->prev = NULL;
    if(instances != NULL)
        instances->prev = pData;
    instances = pData;
CODE_STD_FINALIZERnewActInst
    free(sval);
    cnfparamvalsDestruct(pvals, &actpblk);
ENDnewActInst

NO_LEGACY_CONF_parseSelectorAct

BEGINbeginCnfLoad
CODESTARTbeginCnfLoad
    loadModConf = pModConf;
    pModConf->pConf = pConf;
ENDbeginCnfLoad

BEGINendCnfLoad
CODESTARTendCnfLoad
ENDendCnfLoad

BEGINcheckCnf
    instanceData *inst;
CODESTARTcheckCnf
    for(inst = instances; inst != NULL; inst = inst->next) {
        if(inst->stateFile != NULL && inst->stateFile[0] != '/')
            stateFileInWorkDir(inst, pModConf->pConf);
        if(inst->rulesetName != NULL && inst->pRuleset == NULL) {
            if(ruleset.GetRuleset(pModConf->pConf, &inst->pRuleset,
                                  (uchar *) inst->rulesetName) != RS_RET_OK) {
                inst->pRuleset = NULL;
                LogError(0, RS_RET_RULESET_NOT_FOUND, "ompostfix[%s]: parameter 'ruleset': "
                         "ruleset '%s' not found", instName(inst), inst->rulesetName);
            }
        }
    }
    loadModConf = NULL;
ENDcheckCnf

BEGINactivateCnf
    instanceData *inst;
CODESTARTactivateCnf
    for(inst = instances; inst != NULL; inst = inst->next) {
        if(inst->activated)
            continue;
        pthread_mutex_lock(&inst->mut);
        inst->activated = 1;
        pt_runner_start(inst->runner, monoUsec(), (int64_t) time(NULL));
        updateStats(inst);
        pthread_mutex_unlock(&inst->mut);
        inst->tick_stop = 0;
        if(pthread_create(&inst->tick_thread, NULL, tickThread, inst) == 0)
            inst->tick_running = 1;
        else
            LogError(errno, RS_RET_ERR, "ompostfix[%s]: cannot start the timer thread; "
                     "idle timeouts advance only with new lines", instName(inst));
    }
ENDactivateCnf

BEGINfreeCnf
CODESTARTfreeCnf
ENDfreeCnf

BEGINmodExit
CODESTARTmodExit
    if(pInputName != NULL)
        prop.Destruct(&pInputName);
    objRelease(glbl, CORE_COMPONENT);
    objRelease(statsobj, CORE_COMPONENT);
    objRelease(prop, CORE_COMPONENT);
    objRelease(ruleset, CORE_COMPONENT);
ENDmodExit

BEGINqueryEtryPt
CODESTARTqueryEtryPt
CODEqueryEtryPt_STD_OMOD_QUERIES
CODEqueryEtryPt_STD_OMOD8_QUERIES
CODEqueryEtryPt_STD_CONF2_QUERIES
CODEqueryEtryPt_STD_CONF2_OMOD_QUERIES
CODEqueryEtryPt_doHUP
ENDqueryEtryPt

BEGINmodInit()
    rsRetVal localRet;
    rsRetVal (*pomsrGetSupportedTplOpts)(unsigned long *pOpts);
    unsigned long opts;
CODESTARTmodInit
    *ipIFVersProvided = CURR_MOD_IF_VERSION;
CODEmodInit_QueryRegCFSLineHdlr
    localRet = pHostQueryEtryPt((uchar *) "OMSRgetSupportedTplOpts", &pomsrGetSupportedTplOpts);
    if(localRet != RS_RET_OK)
        ABORT_FINALIZE(RS_RET_NO_MSG_PASSING);
    CHKiRet((*pomsrGetSupportedTplOpts)(&opts));
    if(!(opts & OMSR_TPL_AS_MSG))
        ABORT_FINALIZE(RS_RET_NO_MSG_PASSING);
    CHKiRet(objUse(ruleset, CORE_COMPONENT));
    CHKiRet(objUse(prop, CORE_COMPONENT));
    CHKiRet(objUse(statsobj, CORE_COMPONENT));
    CHKiRet(objUse(glbl, CORE_COMPONENT));
    CHKiRet(prop.Construct(&pInputName));
    CHKiRet(prop.SetString(pInputName, (uchar *) "ompostfix", sizeof("ompostfix") - 1));
    CHKiRet(prop.ConstructFinalize(pInputName));
    DBGPRINTF("ompostfix: module loaded, postfix-trace core %s\n", pt_version());
ENDmodInit
