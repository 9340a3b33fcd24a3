/*
 * summary.c - --summary: streaming counts over records (summary.h lists
 * what is counted). Records are read in place with jscan (no tree per
 * record); tables are open-addressing hash tables of copied keys with a
 * fixed bound; delays are counted per distinct value in milliseconds
 * (Postfix writes two significant digits, so there are few). The JSON
 * object is built by summary_json.c.
 * Memory: the summary owns its tables and the strings in them.
 * Thread-safety: single-threaded use.
 */
#include "summary_internal.h"
#include "fnv.h"
#include "postfix-trace/jscan.h"
#include "postfix-trace/line.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXT 1024                       /* longest field text used (cut beyond) */

const char *const pt_summary_stages[D_MAX] = {
    "before_qmgr", "in_qmgr", "conn_setup", "transmission", "total"
};

/* FNV-1a of a string, or mixed bits of an integer. */
static uint64_t hash_key(const char *k, int64_t ik)
{
    uint64_t h = pt_fnv1a(PT_FNV_SEED ^ (uint64_t)ik, k, k ? strlen(k) : 0);
    return h ^ (h >> 29);
}

/* Double the table's slots. 0, or -1 on no memory. */
static int ktab_grow(ktab *t)
{
    size_t cap = t->cap ? t->cap * 2 : 64;
    krow *rows = calloc(cap, sizeof *rows);
    if (!rows)
        return -1;
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->rows[i].key && !t->rows[i].c[C_N])
            continue;
        size_t j = hash_key(t->rows[i].key, t->rows[i].ikey) & (cap - 1);
        while (rows[j].key || rows[j].c[C_N])
            j = (j + 1) & (cap - 1);
        rows[j] = t->rows[i];
    }
    free(t->rows);
    t->rows = rows;
    t->cap = cap;
    return 0;
}

/* The row of key k (a string) or ik (k NULL); made when new while the
 * table holds fewer than limit keys. Beyond, a string key counts in the
 * "(other)" row (always room for it); NULL there for an integer key, or
 * on no memory. */
static krow *ktab_get_limit(ktab *t, const char *k, int64_t ik, size_t limit)
{
    if ((t->n + 1) * 2 > t->cap && t->n <= limit && ktab_grow(t))
        return NULL;
    size_t i = hash_key(k, ik) & (t->cap - 1);
    while (t->rows[i].key || t->rows[i].c[C_N]) {
        krow *r = &t->rows[i];
        if (k ? r->key && !strcmp(r->key, k) : !r->key && r->ikey == ik)
            return r;
        i = (i + 1) & (t->cap - 1);
    }
    int other = k && !strcmp(k, "(other)");
    if (t->n >= limit && !other) {
        t->truncated = 1;
        return k ? ktab_get_limit(t, "(other)", 0, limit) : NULL;
    }
    krow *r = &t->rows[i];
    if (k && !(r->key = strdup(k)))
        return NULL;
    r->ikey = ik;
    r->c[C_N] = 0;
    t->n++;
    return r;
}

/* The row of a key, within the usual bound. */
static krow *ktab_get(ktab *t, const char *k, int64_t ik)
{
    return ktab_get_limit(t, k, ik, PT_SUMMARY_MAX_KEYS);
}

/* Add one to counter c of key k (string) - the first counter also counts
 * the row as used. */
static void ktab_count(ktab *t, const char *k, int c)
{
    krow *r = ktab_get(t, k, 0);
    if (r) {
        r->c[C_N]++;
        if (c != C_N)
            r->c[c]++;
    }
}

/* Free a table's keys and slots. */
static void ktab_free(ktab *t)
{
    for (size_t i = 0; i < t->cap; i++)
        free(t->rows[i].key);
    free(t->rows);
}

/* A string member's text into buf, or NULL. */
static const char *text(pt_jval v, char *buf)
{
    return pt_jscan_str(v, buf, TEXT);
}

/* Unix seconds of an RFC 3339 string value, or INT64_MIN. */
static int64_t when_v(pt_jval v)
{
    char buf[64];
    pt_time t;
    const char *s = pt_jscan_str(v, buf, sizeof buf);
    return s && !pt_time_parse_rfc3339(s, strlen(s), &t) ? t.sec : INT64_MIN;
}

/* A new summary. */
pt_summary *pt_summary_new(void)
{
    pt_summary *s = calloc(1, sizeof *s);
    if (s) {
        s->first = INT64_MAX;
        s->last = INT64_MIN;
    }
    return s;
}

/* Replace *dst with a copy of v's text. */
static void keep_text(char **dst, pt_jval v)
{
    char buf[64];
    const char *t = pt_jscan_str(v, buf, sizeof buf);
    char *c = t ? strdup(t) : NULL;
    if (c) {
        free(*dst);
        *dst = c;
    }
}

/* Keep the span of the records' lines. */
static void note_span(pt_summary *s, pt_jval first, pt_jval last)
{
    int64_t a = when_v(first), b = when_v(last);
    if (a != INT64_MIN && a < s->first) {
        keep_text(&s->first_s, first);
        s->first = a;
    }
    if (b != INT64_MIN && b > s->last) {
        keep_text(&s->last_s, last);
        s->last = b;
    }
}

/* The counter for a status. */
static int status_counter(const char *st)
{
    static const struct { const char *w; int c; } map[] = {
        { "sent", C_SENT }, { "deferred", C_DEFERRED }, { "bounced", C_BOUNCED },
        { "expired", C_EXPIRED }, { "rejected", C_REJECTED }
    };
    for (size_t i = 0; st && i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(st, map[i].w))
            return map[i].c;
    return C_OTHER;
}

/* Count a mail in its hour of first_seen. */
static void count_hour(pt_summary *s, pt_jval t, const char *st)
{
    int64_t sec = when_v(t);
    if (sec == INT64_MIN)
        return;
    int64_t hour = sec >= 0 ? sec / 3600 : (sec - 3599) / 3600;
    krow *r = ktab_get(&s->hours, NULL, hour);
    if (r) {
        r->c[C_N]++;
        r->c[status_counter(st)]++;
    }
}

/* Count a delay of v seconds. */
static void count_delay(ktab *t, double v)
{
    if (!(v >= 0) || v > 1e12)
        return;
    int64_t ms = (int64_t)llround(v * 1000);
    krow *r = ktab_get(t, NULL, ms);
    if (!r) {                   /* many distinct values: two significant digits */
        double mag = ms >= 100 ? pow(10, floor(log10((double)ms)) - 1) : 1;
        ms = (int64_t)(llround((double)ms / mag) * mag);
        r = ktab_get_limit(t, NULL, ms, 2 * PT_SUMMARY_MAX_KEYS);
    }
    if (r)
        r->c[C_N]++;
}

/* Free one top-list row's strings. */
static void qrow_free(qrow *q)
{
    free(q->host);
    free(q->qid);
    free(q->to);
    free(q->first_seen);
    free(q->time);
    free(q->dsn);
    free(q->reply);
    memset(q, 0, sizeof *q);
}

/* A copy of a string value's text, or NULL. */
static char *dup_v(pt_jval v)
{
    char buf[TEXT];
    const char *t = text(v, buf);
    return t ? strdup(t) : NULL;
}

/* The members of a message record the summary reads. */
enum { M_KIND, M_END, M_STATUS, M_FIRST, M_LAST, M_HOST, M_QID, M_RCPTS, M_N };
static const char *const msg_names[M_N] = {
    "kind", "end", "status", "first_seen", "last_seen", "host", "queue_id", "recipients"
};

/* The members of a recipient the summary reads. */
enum { R_TO, R_STATUS, R_DSN, R_RELAY_HOST, R_RELAY, R_ATTEMPTS, R_DELAYS, R_DELAY, R_TIME, R_REPLY, R_N };
static const char *const rcpt_names[R_N] = {
    "to", "status", "dsn", "relay_host", "relay", "attempts", "delays", "delay", "time", "reply"
};

/* Put a recipient into a top list ordered by key (bigger first when
 * desc), keeping at most PT_SUMMARY_TOP. */
static void top_add(qrow *list, int *n, double key, int desc, const pt_jval *m, const pt_jval *r)
{
    int pos = *n;
    while (pos > 0) {
        double k = desc ? list[pos - 1].delay : (double)list[pos - 1].since;
        if (desc ? k >= key : k <= key)
            break;
        pos--;
    }
    if (pos >= PT_SUMMARY_TOP)
        return;
    if (*n == PT_SUMMARY_TOP)
        qrow_free(&list[--*n]);
    memmove(&list[pos + 1], &list[pos], (size_t)(*n - pos) * sizeof *list);
    qrow *q = &list[pos];
    memset(q, 0, sizeof *q);
    q->host = dup_v(m[M_HOST]);
    q->qid = dup_v(m[M_QID]);
    q->to = dup_v(r[R_TO]);
    q->first_seen = dup_v(m[M_FIRST]);
    q->time = dup_v(r[R_TIME]);
    q->dsn = dup_v(r[R_DSN]);
    q->reply = dup_v(r[R_REPLY]);
    q->attempts = (int64_t)pt_jscan_num(r[R_ATTEMPTS], 0);
    q->delay = pt_jscan_num(r[R_DELAY], 0);
    q->since = when_v(m[M_FIRST]);
    (*n)++;
}

/* The recipient's domain, lower case, into buf. */
static const char *domain_of(const char *to, char *buf, size_t size)
{
    const char *at = to ? strrchr(to, '@') : NULL;
    if (!at || !at[1])
        return "(local)";
    size_t i = 0;
    for (at++; *at && i + 1 < size; at++)
        buf[i++] = (char)tolower((unsigned char)*at);
    buf[i] = 0;
    return buf;
}

/* Count one recipient of a message record. */
static void add_recipient(pt_summary *s, const pt_jval *m, const char *end, pt_jval rv, int ended_open)
{
    pt_jval r[R_N];
    char st_buf[64], to_buf[TEXT], relay_buf[TEXT], dsn_buf[64], dom[256];
    pt_jscan_fields(rv, rcpt_names, R_N, r);
    const char *st = pt_jscan_str(r[R_STATUS], st_buf, sizeof st_buf);
    const char *final = !st ? "none" : !strcmp(st, "deferred") && end && !strcmp(end, "deleted")
                        ? "deleted" : st;
    int c = status_counter(final);
    int64_t tries = (int64_t)pt_jscan_num(r[R_ATTEMPTS], 0);
    int once = c == C_DEFERRED || c == C_EXPIRED || tries > 1;
    s->recipients++;
    ktab_count(&s->status, final, C_N);
    const char *dsn = pt_jscan_str(r[R_DSN], dsn_buf, sizeof dsn_buf);
    if (dsn)
        ktab_count(&s->dsn, dsn, C_N);
    const char *relay = text(r[R_RELAY_HOST], relay_buf);
    if (!relay)
        relay = text(r[R_RELAY], relay_buf);
    ktab *rate_tabs[2] = { &s->domain, &s->relay };
    const char *keys[2] = { domain_of(text(r[R_TO], to_buf), dom, sizeof dom), relay ? relay : "(none)" };
    for (int i = 0; i < 2; i++) {
        krow *row = ktab_get(rate_tabs[i], keys[i], 0);
        if (!row)
            continue;
        row->c[C_N]++;
        row->c[c]++;
        row->c[C_ONCE] += (uint64_t)once;
    }
    if (r[R_DELAYS].type == PT_J_OBJECT) {
        pt_jval d[D_TOTAL];
        pt_jscan_fields(r[R_DELAYS], pt_summary_stages, D_TOTAL, d);
        for (int i = 0; i < D_TOTAL; i++)
            count_delay(&s->delays[i], pt_jscan_num(d[i], -1));
    }
    count_delay(&s->delays[D_TOTAL], pt_jscan_num(r[R_DELAY], -1));
    if (ended_open && (c == C_DEFERRED || !st)) {
        s->queued_rcpts++;
        top_add(s->oldest, &s->n_oldest, (double)when_v(m[M_FIRST]), 0, m, r);
    }
    if (st && (!strcmp(st, "deferred") || !strcmp(st, "expired")))
        top_add(s->worst, &s->n_worst, pt_jscan_num(r[R_DELAY], 0), 1, m, r);
}

/* Count a message record. */
static void add_message(pt_summary *s, pt_jval rec)
{
    pt_jval m[M_N], rv;
    char end_buf[64], st_buf[64];
    pt_jscan_fields(rec, msg_names, M_N, m);
    const char *end = pt_jscan_str(m[M_END], end_buf, sizeof end_buf);
    const char *st = pt_jscan_str(m[M_STATUS], st_buf, sizeof st_buf);
    int ended_open = end && (!strcmp(end, "shutdown") || !strcmp(end, "timeout")
                             || !strcmp(end, "evicted"));
    uint64_t queued_before = s->queued_rcpts;
    s->messages++;
    ktab_count(&s->msg_status, st ? st : "none", C_N);
    count_hour(s, m[M_FIRST], st);
    note_span(s, m[M_FIRST], m[M_LAST]);
    for (size_t pos = 0; pt_jscan_next(m[M_RCPTS], &pos, &rv);)
        add_recipient(s, m, end, rv, ended_open);
    if (s->queued_rcpts > queued_before || (ended_open && st && !strcmp(st, "none")))
        s->queued_msgs++;
}

/* The members of a reject or auth record the summary reads. */
enum { J_ACTION, J_DSN, J_CODE, J_REASON, J_TIME, J_CLIENT, J_N };
static const char *const rej_names[J_N] = { "action", "dsn", "smtp_code", "reason", "time", "client" };

/* The reason with what is inside <> and [] blanked, into buf. */
static const char *reason_key(const pt_jval *j, char *buf, size_t size)
{
    char dsn_buf[64], reason_buf[TEXT];
    size_t n = 0;
    double code = pt_jscan_num(j[J_CODE], -1);
    const char *dsn = pt_jscan_str(j[J_DSN], dsn_buf, sizeof dsn_buf), *p = text(j[J_REASON], reason_buf);
    if (code >= 0 && code < 1000)
        n = (size_t)snprintf(buf, size, "%.0f ", code);
    if (dsn && n < size)
        n += (size_t)snprintf(buf + n, size - n, "%s ", dsn);
    char close_ = 0;
    for (; p && *p && n + 4 < size; p++) {
        if (close_ && *p != close_)
            continue;
        if (close_) {
            memcpy(buf + n, "\xe2\x80\xa6", 3);     /* "…" */
            n += 3;
            close_ = 0;
        } else if (*p == '<' || *p == '[') {
            close_ = *p == '<' ? '>' : ']';
        }
        buf[n++] = *p;
    }
    buf[n < size ? n : size - 1] = 0;
    return buf;
}

/* Count a reject record. */
static void add_reject(pt_summary *s, pt_jval rec)
{
    pt_jval j[J_N];
    char action_buf[64], dsn_buf[64], buf[TEXT + 64];
    pt_jscan_fields(rec, rej_names, J_N, j);
    const char *action = pt_jscan_str(j[J_ACTION], action_buf, sizeof action_buf);
    if (action && strcmp(action, "reject") != 0)
        return;                 /* hold, warn, discard ...: not a refusal */
    s->rejects++;
    ktab_count(&s->status, "rejected", C_N);
    const char *dsn = pt_jscan_str(j[J_DSN], dsn_buf, sizeof dsn_buf);
    if (dsn)
        ktab_count(&s->dsn, dsn, C_N);
    ktab_count(&s->reasons, reason_key(j, buf, sizeof buf), C_N);
    count_hour(s, j[J_TIME], "rejected");
    note_span(s, j[J_TIME], j[J_TIME]);
}

/* Count an auth record. */
static void add_auth(pt_summary *s, pt_jval rec)
{
    pt_jval j[J_N];
    char name_buf[TEXT], ip_buf[64], buf[TEXT + 80];
    pt_jscan_fields(rec, rej_names, J_N, j);
    const char *name = text(pt_jscan_get(j[J_CLIENT], "name"), name_buf);
    const char *ip = pt_jscan_str(pt_jscan_get(j[J_CLIENT], "ip"), ip_buf, sizeof ip_buf);
    s->auth++;
    snprintf(buf, sizeof buf, "%s[%s]", name ? name : "unknown", ip ? ip : "?");
    ktab_count(&s->sasl, buf, C_N);
    note_span(s, j[J_TIME], j[J_TIME]);
}

/* Count one record (its JSON text). */
void pt_summary_add(pt_summary *s, const char *json, size_t len)
{
    pt_jval rec = pt_jscan_root(json, len);
    char kind_buf[16];
    const char *kind = pt_jscan_str(pt_jscan_get(rec, "kind"), kind_buf, sizeof kind_buf);
    if (!kind)
        return;
    if (!strcmp(kind, "message"))
        add_message(s, rec);
    else if (!strcmp(kind, "reject"))
        add_reject(s, rec);
    else if (!strcmp(kind, "auth"))
        add_auth(s, rec);
}

/* Free. */
void pt_summary_free(pt_summary *s)
{
    if (!s)
        return;
    ktab *tabs[] = { &s->status, &s->msg_status, &s->dsn, &s->domain, &s->relay, &s->reasons,
                     &s->sasl, &s->hours };
    for (size_t i = 0; i < sizeof tabs / sizeof tabs[0]; i++)
        ktab_free(tabs[i]);
    for (int i = 0; i < D_MAX; i++)
        ktab_free(&s->delays[i]);
    for (int i = 0; i < s->n_oldest; i++)
        qrow_free(&s->oldest[i]);
    for (int i = 0; i < s->n_worst; i++)
        qrow_free(&s->worst[i]);
    free(s->first_s);
    free(s->last_s);
    free(s);
}
