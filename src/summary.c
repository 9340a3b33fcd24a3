/*
 * summary.c - --summary: streaming counts over records (summary.h lists
 * what is counted). Tables are open-addressing hash tables of copied keys
 * with a fixed bound; delays are counted per distinct value in
 * milliseconds (Postfix writes two significant digits, so there are few),
 * and percentiles read off the sorted values at the end.
 * Memory: the summary owns its tables and the strings in them.
 * Thread-safety: single-threaded use.
 */
#include "summary.h"
#include "dsn.h"
#include "postfix-trace/line.h"

#include <ctype.h>
#include <json-c/json.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { C_N, C_SENT, C_DEFERRED, C_BOUNCED, C_EXPIRED, C_ONCE, C_REJECTED, C_OTHER, C_MAX };

typedef struct krow {           /* a string key and its counters */
    char *key;
    int64_t ikey;
    uint64_t c[C_MAX];
} krow;

typedef struct ktab {           /* string (or integer) keys -> counters */
    krow *rows;
    size_t cap, n;
    int truncated;
} ktab;

typedef struct qrow {           /* one recipient for a top list */
    char *host, *qid, *to, *first_seen, *time, *dsn, *reply;
    int64_t attempts, since;
    double delay;
} qrow;

enum { D_BEFORE, D_IN, D_CONN, D_XMIT, D_TOTAL, D_MAX };
static const char *const stage_names[D_MAX] = {
    "before_qmgr", "in_qmgr", "conn_setup", "transmission", "total"
};

struct pt_summary {
    uint64_t messages, recipients, rejects, auth, queued_msgs, queued_rcpts;
    int64_t first, last;                 /* span, Unix seconds */
    char *first_s, *last_s;
    ktab status, msg_status, dsn, domain, relay, reasons, sasl, hours;
    ktab delays[D_MAX];                  /* integer keys: milliseconds */
    qrow oldest[PT_SUMMARY_TOP], worst[PT_SUMMARY_TOP];
    int n_oldest, n_worst;
};

/* FNV-1a of a string, or mixed bits of an integer. */
static uint64_t hash_key(const char *k, int64_t ik)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)ik;
    for (; k && *k; k++)
        h = (h ^ (unsigned char)*k) * 1099511628211ull;
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

/* A string member, or NULL. */
static const char *str(json_object *o, const char *k)
{
    json_object *v;
    if (!o || !json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

/* A number member, or def. */
static double number(json_object *o, const char *k, double def)
{
    json_object *v;
    if (!o || !json_object_object_get_ex(o, k, &v))
        return def;
    if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
        return def;
    return json_object_get_double(v);
}

/* Unix seconds of an RFC 3339 string, or INT64_MIN. */
static int64_t when(const char *s)
{
    pt_time t;
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

/* Keep the span of the records' lines. */
static void note_span(pt_summary *s, const char *first, const char *last)
{
    int64_t a = when(first), b = when(last);
    if (a != INT64_MIN && a < s->first) {
        char *c = strdup(first);
        if (c) {
            free(s->first_s);
            s->first_s = c;
            s->first = a;
        }
    }
    if (b != INT64_MIN && b > s->last) {
        char *c = strdup(last);
        if (c) {
            free(s->last_s);
            s->last_s = c;
            s->last = b;
        }
    }
}

/* The per_hour counter for a record status. */
static int status_counter(const char *st)
{
    if (!st)
        return C_OTHER;
    if (!strcmp(st, "sent"))
        return C_SENT;
    if (!strcmp(st, "deferred"))
        return C_DEFERRED;
    if (!strcmp(st, "bounced"))
        return C_BOUNCED;
    if (!strcmp(st, "expired"))
        return C_EXPIRED;
    if (!strcmp(st, "rejected"))
        return C_REJECTED;
    return C_OTHER;
}

/* Count a mail in its hour of first_seen. */
static void count_hour(pt_summary *s, const char *t, const char *st)
{
    int64_t sec = when(t);
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

/* strdup of a possibly NULL string. */
static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* Put a recipient into a top list ordered by key (bigger first when
 * desc), keeping at most PT_SUMMARY_TOP. */
static void top_add(qrow *list, int *n, double key, int desc, json_object *rec, json_object *r)
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
    q->host = dup_or_null(str(rec, "host"));
    q->qid = dup_or_null(str(rec, "queue_id"));
    q->to = dup_or_null(str(r, "to"));
    q->first_seen = dup_or_null(str(rec, "first_seen"));
    q->time = dup_or_null(str(r, "time"));
    q->dsn = dup_or_null(str(r, "dsn"));
    q->reply = dup_or_null(str(r, "reply"));
    q->attempts = (int64_t)number(r, "attempts", 0);
    q->delay = number(r, "delay", 0);
    q->since = when(q->first_seen);
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
static void add_recipient(pt_summary *s, json_object *rec, json_object *r, int ended_open)
{
    const char *st = str(r, "status"), *end = str(rec, "end");
    const char *final = !st ? "none" : !strcmp(st, "deferred") && end && !strcmp(end, "deleted")
                        ? "deleted" : st;
    int c = status_counter(final);
    int64_t tries = (int64_t)number(r, "attempts", 0);
    int once = c == C_DEFERRED || c == C_EXPIRED || tries > 1;
    s->recipients++;
    ktab_count(&s->status, final, C_N);
    if (str(r, "dsn"))
        ktab_count(&s->dsn, str(r, "dsn"), C_N);
    char dom[256];
    const char *relay = str(r, "relay_host") ? str(r, "relay_host") : str(r, "relay");
    ktab *rate_tabs[2] = { &s->domain, &s->relay };
    const char *keys[2] = { domain_of(str(r, "to"), dom, sizeof dom), relay ? relay : "(none)" };
    for (int i = 0; i < 2; i++) {
        krow *row = ktab_get(rate_tabs[i], keys[i], 0);
        if (!row)
            continue;
        row->c[C_N]++;
        row->c[c]++;
        row->c[C_ONCE] += (uint64_t)once;
    }
    json_object *d;
    if (json_object_object_get_ex(r, "delays", &d))
        for (int i = 0; i < D_TOTAL; i++)
            count_delay(&s->delays[i], number(d, stage_names[i], -1));
    count_delay(&s->delays[D_TOTAL], number(r, "delay", -1));
    if (ended_open && (c == C_DEFERRED || !st)) {
        s->queued_rcpts++;
        top_add(s->oldest, &s->n_oldest, (double)when(str(rec, "first_seen")), 0, rec, r);
    }
    if (st && (!strcmp(st, "deferred") || !strcmp(st, "expired")))
        top_add(s->worst, &s->n_worst, number(r, "delay", 0), 1, rec, r);
}

/* Count a message record. */
static void add_message(pt_summary *s, json_object *rec)
{
    const char *end = str(rec, "end"), *st = str(rec, "status");
    int ended_open = end && (!strcmp(end, "shutdown") || !strcmp(end, "timeout")
                             || !strcmp(end, "evicted"));
    uint64_t queued_before = s->queued_rcpts;
    s->messages++;
    ktab_count(&s->msg_status, st ? st : "none", C_N);
    count_hour(s, str(rec, "first_seen"), st);
    note_span(s, str(rec, "first_seen"), str(rec, "last_seen"));
    json_object *rs;
    if (json_object_object_get_ex(rec, "recipients", &rs) && json_object_is_type(rs, json_type_array))
        for (size_t i = 0; i < json_object_array_length(rs); i++)
            add_recipient(s, rec, json_object_array_get_idx(rs, i), ended_open);
    if (s->queued_rcpts > queued_before || (ended_open && st && !strcmp(st, "none")))
        s->queued_msgs++;
}

/* The reason with what is inside <> and [] blanked, into buf. */
static const char *reason_key(json_object *rec, char *buf, size_t size)
{
    size_t n = 0;
    long long code = (long long)number(rec, "smtp_code", -1);
    if (code >= 0)
        n = (size_t)snprintf(buf, size, "%lld ", code);
    if (str(rec, "dsn") && n < size)
        n += (size_t)snprintf(buf + n, size - n, "%s ", str(rec, "dsn"));
    const char *p = str(rec, "reason");
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
static void add_reject(pt_summary *s, json_object *rec)
{
    const char *action = str(rec, "action");
    if (action && strcmp(action, "reject") != 0)
        return;                 /* hold, warn, discard ...: not a refusal */
    char buf[600];
    s->rejects++;
    ktab_count(&s->status, "rejected", C_N);
    if (str(rec, "dsn"))
        ktab_count(&s->dsn, str(rec, "dsn"), C_N);
    ktab_count(&s->reasons, reason_key(rec, buf, sizeof buf), C_N);
    count_hour(s, str(rec, "time"), "rejected");
    note_span(s, str(rec, "time"), str(rec, "time"));
}

/* Count an auth record. */
static void add_auth(pt_summary *s, json_object *rec)
{
    json_object *c;
    char buf[600];
    s->auth++;
    json_object_object_get_ex(rec, "client", &c);
    const char *name = str(c, "name"), *ip = str(c, "ip");
    snprintf(buf, sizeof buf, "%s[%s]", name ? name : "unknown", ip ? ip : "?");
    ktab_count(&s->sasl, buf, C_N);
    note_span(s, str(rec, "time"), str(rec, "time"));
}

/* Count one record. */
void pt_summary_add(pt_summary *s, json_object *rec)
{
    const char *kind = str(rec, "kind");
    if (!kind)
        return;
    if (!strcmp(kind, "message"))
        add_message(s, rec);
    else if (!strcmp(kind, "reject"))
        add_reject(s, rec);
    else if (!strcmp(kind, "auth"))
        add_auth(s, rec);
}

/* A JSON number of a double, printed shortly (no binary noise). */
static json_object *jnum(double v)
{
    char buf[32];
    if (v == floor(v) && fabs(v) < 1e15)
        return json_object_new_int64((int64_t)v);
    snprintf(buf, sizeof buf, "%.6g", v);
    return json_object_new_double_s(strtod(buf, NULL), buf);
}

/* Used rows of a table, most counted first (ties by key). */
static krow **sorted_rows(const ktab *t, size_t *n)
{
    krow **v = malloc((t->n + 1) * sizeof *v);
    *n = 0;
    if (!v)
        return NULL;
    for (size_t i = 0; i < t->cap; i++)
        if (t->rows[i].key || t->rows[i].c[C_N])
            v[(*n)++] = &t->rows[i];
    for (size_t i = 1; i < *n; i++) {               /* insertion sort is fine for tops */
        krow *x = v[i];
        size_t j = i;
        while (j > 0 && (v[j - 1]->c[C_N] < x->c[C_N]
                         || (v[j - 1]->c[C_N] == x->c[C_N] && v[j - 1]->key && x->key
                             && strcmp(v[j - 1]->key, x->key) > 0))) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
    return v;
}

/* {key: count, ...} of a table. */
static json_object *count_object(const ktab *t)
{
    json_object *o = json_object_new_object();
    size_t n;
    krow **v = sorted_rows(t, &n);
    for (size_t i = 0; v && i < n; i++)
        json_object_object_add(o, v[i]->key, json_object_new_int64((int64_t)v[i]->c[C_N]));
    free(v);
    return o;
}

/* [{name: key, count: n}, ...] of a table's top rows. */
static json_object *count_list(const ktab *t, const char *name, int with_meaning)
{
    json_object *a = json_object_new_array();
    size_t n;
    krow **v = sorted_rows(t, &n);
    for (size_t i = 0; v && i < n && i < PT_SUMMARY_TOP; i++) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, name, json_object_new_string(v[i]->key));
        json_object_object_add(o, "count", json_object_new_int64((int64_t)v[i]->c[C_N]));
        const char *m = with_meaning ? pt_dsn_meaning(v[i]->key) : NULL;
        if (m)
            json_object_object_add(o, "meaning", json_object_new_string(m));
        json_object_array_add(a, o);
    }
    free(v);
    return a;
}

/* [{name: key, recipients, sent, ..., bounce_rate, defer_rate}] of a rate table. */
static json_object *rate_list(const ktab *t, const char *name)
{
    static const char *const cols[] = { "recipients", "sent", "deferred", "bounced", "expired",
                                        "deferred_once" };
    static const int idx[] = { C_N, C_SENT, C_DEFERRED, C_BOUNCED, C_EXPIRED, C_ONCE };
    json_object *a = json_object_new_array();
    size_t n;
    krow **v = sorted_rows(t, &n);
    for (size_t i = 0; v && i < n && i < PT_SUMMARY_TOP; i++) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, name, json_object_new_string(v[i]->key));
        for (size_t k = 0; k < sizeof idx / sizeof idx[0]; k++)
            json_object_object_add(o, cols[k], json_object_new_int64((int64_t)v[i]->c[idx[k]]));
        double all = (double)v[i]->c[C_N];
        json_object_object_add(o, "bounce_rate", jnum(all ? (double)v[i]->c[C_BOUNCED] / all : 0));
        json_object_object_add(o, "defer_rate", jnum(all ? (double)v[i]->c[C_ONCE] / all : 0));
        json_object_array_add(a, o);
    }
    free(v);
    return a;
}

/* Compare two rows by integer key. */
static int by_ikey(const void *a, const void *b)
{
    int64_t x = (*(krow *const *)a)->ikey, y = (*(krow *const *)b)->ikey;
    return (x > y) - (x < y);
}

/* Rows of an integer-keyed table in key order. */
static krow **ikey_rows(const ktab *t, size_t *n)
{
    krow **v = sorted_rows(t, n);
    if (v)
        qsort(v, *n, sizeof *v, by_ikey);
    return v;
}

/* {count, p50, p90, p99, max} of a delay table (nearest rank). */
static json_object *percentiles(const ktab *t)
{
    static const double ps[] = { 50, 90, 99 };
    static const char *const names[] = { "p50", "p90", "p99" };
    json_object *o = json_object_new_object();
    size_t n;
    uint64_t total = 0;
    krow **v = ikey_rows(t, &n);
    for (size_t i = 0; v && i < n; i++)
        total += v[i]->c[C_N];
    json_object_object_add(o, "count", json_object_new_int64((int64_t)total));
    for (int k = 0; v && total && k < 3; k++) {
        uint64_t rank = (uint64_t)ceil(ps[k] / 100 * (double)total), seen = 0;
        size_t i = 0;
        while (i + 1 < n && (seen += v[i]->c[C_N]) < rank)
            i++;
        json_object_object_add(o, names[k], jnum((double)v[i]->ikey / 1000));
    }
    if (v && total)
        json_object_object_add(o, "max", jnum((double)v[n - 1]->ikey / 1000));
    free(v);
    return o;
}

/* [{hour, sent, deferred, bounced, expired, rejected, other}] in time order. */
static json_object *hours_list(const ktab *t)
{
    static const char *const cols[] = { "sent", "deferred", "bounced", "expired", "rejected", "other" };
    static const int idx[] = { C_SENT, C_DEFERRED, C_BOUNCED, C_EXPIRED, C_REJECTED, C_OTHER };
    json_object *a = json_object_new_array();
    size_t n;
    krow **v = ikey_rows(t, &n);
    for (size_t i = 0; v && i < n; i++) {
        json_object *o = json_object_new_object();
        pt_time tm = { .sec = v[i]->ikey * 3600 };
        char buf[64];
        pt_time_format(&tm, buf, sizeof buf);
        json_object_object_add(o, "hour", json_object_new_string(buf));
        for (size_t k = 0; k < sizeof idx / sizeof idx[0]; k++)
            json_object_object_add(o, cols[k], json_object_new_int64((int64_t)v[i]->c[idx[k]]));
        json_object_array_add(a, o);
    }
    free(v);
    return a;
}

/* Add a string member when set. */
static void add_str(json_object *o, const char *k, const char *v)
{
    if (v)
        json_object_object_add(o, k, json_object_new_string(v));
}

/* A top list as JSON. */
static json_object *top_list(const qrow *list, int n, int with_delay)
{
    json_object *a = json_object_new_array();
    for (int i = 0; i < n; i++) {
        json_object *o = json_object_new_object();
        add_str(o, "host", list[i].host);
        add_str(o, "queue_id", list[i].qid);
        add_str(o, "to", list[i].to);
        add_str(o, "first_seen", list[i].first_seen);
        add_str(o, "time", list[i].time);
        json_object_object_add(o, "attempts", json_object_new_int64(list[i].attempts));
        if (with_delay)
            json_object_object_add(o, "delay", jnum(list[i].delay));
        add_str(o, "dsn", list[i].dsn);
        add_str(o, "reply", list[i].reply);
        json_object_array_add(a, o);
    }
    return a;
}

/* The summary as JSON. */
json_object *pt_summary_json(const pt_summary *s)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "summary_version", json_object_new_int(1));
    add_str(o, "first_seen", s->first_s);
    add_str(o, "last_seen", s->last_s);
    json_object_object_add(o, "messages", json_object_new_int64((int64_t)s->messages));
    json_object_object_add(o, "recipients", json_object_new_int64((int64_t)s->recipients));
    json_object_object_add(o, "rejects", json_object_new_int64((int64_t)s->rejects));
    json_object_object_add(o, "auth_failures", json_object_new_int64((int64_t)s->auth));
    json_object_object_add(o, "by_status", count_object(&s->status));
    json_object_object_add(o, "by_message_status", count_object(&s->msg_status));
    json_object_object_add(o, "by_dsn", count_list(&s->dsn, "dsn", 1));
    json_object_object_add(o, "by_domain", rate_list(&s->domain, "domain"));
    json_object_object_add(o, "by_relay", rate_list(&s->relay, "relay"));
    json_object_object_add(o, "reject_reasons", count_list(&s->reasons, "reason", 0));
    json_object_object_add(o, "sasl_failures", count_list(&s->sasl, "client", 0));
    json_object *q = json_object_new_object();
    json_object_object_add(q, "messages", json_object_new_int64((int64_t)s->queued_msgs));
    json_object_object_add(q, "recipients", json_object_new_int64((int64_t)s->queued_rcpts));
    json_object_object_add(q, "oldest", top_list(s->oldest, s->n_oldest, 0));
    json_object_object_add(o, "still_queued", q);
    json_object *d = json_object_new_object();
    for (int i = 0; i < D_MAX; i++)
        json_object_object_add(d, stage_names[i], percentiles(&s->delays[i]));
    json_object_object_add(o, "delays", d);
    json_object_object_add(o, "per_hour", hours_list(&s->hours));
    json_object_object_add(o, "worst_deferred", top_list(s->worst, s->n_worst, 1));
    int trunc = s->status.truncated || s->msg_status.truncated || s->dsn.truncated
                || s->domain.truncated || s->relay.truncated || s->reasons.truncated
                || s->sasl.truncated || s->hours.truncated;
    for (int i = 0; i < D_MAX; i++)
        trunc |= s->delays[i].truncated;
    json_object_object_add(o, "truncated", json_object_new_boolean(trunc));
    return o;
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
