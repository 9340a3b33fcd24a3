/*
 * summary_json.c - the summary as a json-c object (summary.h lists its
 * members): tables sorted most counted first and cut to PT_SUMMARY_TOP
 * rows, nearest-rank percentiles off the sorted delay values, hours in
 * time order. Numbers are printed short ("0.01", not binary noise).
 * Memory: the caller owns the object returned. Thread-safety: reentrant
 * on distinct summaries.
 */
#include "summary_internal.h"
#include "dsn.h"
#include "postfix-trace/line.h"

#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
krow **pt_summary_rows(const ktab *t, size_t *n)
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
    krow **v = pt_summary_rows(t, &n);
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
    krow **v = pt_summary_rows(t, &n);
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
    krow **v = pt_summary_rows(t, &n);
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
    krow **v = pt_summary_rows(t, n);
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
        json_object_object_add(d, pt_summary_stages[i], percentiles(&s->delays[i]));
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
