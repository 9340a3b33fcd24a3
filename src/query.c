/*
 * query.c - match finished records (parsed with json-c) against the
 * command's questions (see query.h). Times of records are read with the
 * core's RFC 3339 reader; option times with query's own small grammar.
 * Memory: nothing allocated; patterns point into argv.
 */
#include "query.h"
#include "jget.h"
#include "postfix-trace/line.h"

#include <ctype.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* The value without surrounding angle brackets. */
static pt_pattern pattern_of(const char *v)
{
    pt_pattern p = { v, strlen(v) };
    if (p.n >= 2 && v[0] == '<' && v[p.n - 1] == '>') {
        p.p++;
        p.n -= 2;
    }
    return p;
}

/* Case-insensitive: s equals pattern p. */
static int eq_ci(const char *s, pt_pattern p)
{
    return s && strlen(s) == p.n && strncasecmp(s, p.p, p.n) == 0;
}

/* An address against a pattern: the whole address, or "@domain". */
static int addr_matches(const char *addr, pt_pattern p)
{
    if (!addr)
        return 0;
    if (p.n > 1 && p.p[0] == '@') {
        const char *at = strrchr(addr, '@');
        return at && strlen(at) == p.n && strncasecmp(at, p.p, p.n) == 0;
    }
    return eq_ci(addr, p);
}

/* Any pattern of the list matches the address. */
static int any_addr(const pt_pattern_list *l, const char *addr)
{
    for (int i = 0; i < l->n; i++)
        if (addr_matches(addr, l->v[i]))
            return 1;
    return 0;
}

/* The address's domain is one of the --domain values. */
static int domain_of_matches(const pt_pattern_list *l, const char *addr)
{
    const char *at = addr ? strrchr(addr, '@') : NULL;
    for (int i = 0; at && i < l->n; i++) {
        pt_pattern p = l->v[i];
        if (p.n > 0 && p.p[0] == '@') {
            p.p++;
            p.n--;
        }
        if (eq_ci(at + 1, p))
            return 1;
    }
    return 0;
}

/* Add a value to a repeatable option's list. */
static int add_to(pt_pattern_list *l, const char *v, const char **why)
{
    if (l->n >= PT_QUERY_MAX) {
        *why = "given too many times (at most 16)";
        return -1;
    }
    l->v[l->n++] = pattern_of(v);
    return 0;
}

/* Local midnight of y-m-d plus h:mi:s; -1 when mktime cannot. */
static int64_t local_time(int y, int m, int d, int h, int mi, int s)
{
    struct tm tm = { 0 };
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    tm.tm_isdst = -1;
    time_t t = mktime(&tm);
    return t == (time_t)-1 ? -1 : (int64_t)t;
}

/* Read a time as the options take it (see query.h). */
int pt_query_time(const char *s, int64_t now, int64_t *out)
{
    pt_time t;
    size_t n = strlen(s);
    if (pt_time_parse_rfc3339(s, n, &t) == 0) {
        *out = t.sec;
        return 0;
    }
    if (!strcmp(s, "now")) {
        *out = now;
        return 0;
    }
    if (!strcmp(s, "today") || !strcmp(s, "yesterday")) {
        time_t tt = (time_t)now;
        struct tm lt;
        localtime_r(&tt, &lt);
        int64_t mid = local_time(lt.tm_year + 1900, lt.tm_mon + 1, lt.tm_mday, 0, 0, 0);
        if (mid < 0)
            return -1;
        *out = s[0] == 'y' ? local_time(lt.tm_year + 1900, lt.tm_mon + 1, lt.tm_mday - 1, 0, 0, 0)
                           : mid;
        return *out < 0 ? -1 : 0;
    }
    int y, mo, d, h = 0, mi = 0, se = 0, used = 0;
    char sep;
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &used) == 3 && used == 10) {
        if (s[10] != '\0') {
            int more = 0;
            if (sscanf(s + 10, "%c%2d:%2d%n", &sep, &h, &mi, &more) != 3 || (sep != ' ' && sep != 'T'))
                return -1;
            if (s[10 + more] == ':' && sscanf(s + 11 + more, "%2d", &se) != 1)
                return -1;
            if (s[10 + more] == ':')
                more += 3;
            if (s[10 + more] != '\0')
                return -1;
        }
        if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
            return -1;
        *out = local_time(y, mo, d, h, mi, se);
        return *out < 0 ? -1 : 0;
    }
    static const struct { const char *unit; int64_t sec; } units[] = {
        { "second", 1 }, { "minute", 60 }, { "hour", 3600 }, { "day", 86400 }, { "week", 604800 },
    };
    char unit[16] = "";
    long count = 0;
    used = 0;
    if (sscanf(s, "%ld %15[a-z] ago%n", &count, unit, &used) == 2 && used == (int)n && count >= 0
        && count < 100000) {
        size_t un = strlen(unit);
        if (un > 1 && unit[un - 1] == 's')
            unit[--un] = '\0';
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
            if (!strcmp(unit, units[i].unit)) {
                *out = now - count * units[i].sec;
                return 0;
            }
    }
    return -1;
}

/* Add one command-line value of a query option. */
int pt_query_add(pt_query *q, const char *name, const char *value, int64_t now,
                 const char **why)
{
    *why = NULL;
    if (!strcmp(name, "to"))
        return add_to(&q->to, value, why);
    if (!strcmp(name, "from"))
        return add_to(&q->from, value, why);
    if (!strcmp(name, "domain"))
        return add_to(&q->domain, value, why);
    if (!strcmp(name, "status"))
        return add_to(&q->status, value, why);
    pt_pattern *one = !strcmp(name, "queue-id") ? &q->queue_id
        : !strcmp(name, "message-id") ? &q->message_id
        : !strcmp(name, "client") ? &q->client : !strcmp(name, "host") ? &q->host : NULL;
    if (one) {
        *one = pattern_of(value);
        if (one->n == 0) {
            *why = "is empty";
            return -1;
        }
        return 0;
    }
    int64_t t;
    if (pt_query_time(value, now, &t)) {
        *why = "is not a time (2026-11-03, \"2026-11-03 10:00\", RFC 3339, today, yesterday, "
               "now, \"2 hours ago\")";
        return -1;
    }
    if (!strcmp(name, "since")) {
        q->since = t;
        q->has_since = 1;
    } else {
        q->until = t;
        q->has_until = 1;
    }
    return 0;
}

/* True when any option of the query is set. */
int pt_query_active(const pt_query *q)
{
    return q->to.n || q->from.n || q->domain.n || q->status.n || q->queue_id.p
           || q->message_id.p || q->client.p || q->host.p || q->has_since || q->has_until;
}

/* Does the record name the queue ID anywhere a link can? */
static int names_queue_id(struct json_object *rec, pt_pattern q)
{
    if (eq_ci(pt_jget_str(rec, "queue_id"), q) || eq_ci(pt_jget_str(rec, "parent_id"), q)
        || eq_ci(pt_jget_str(rec, "bounce_id"), q))
        return 1;
    struct json_object *a = pt_jget(rec, "notifications");
    for (size_t i = 0; a && i < json_object_array_length(a); i++)
        if (eq_ci(pt_jget_str(json_object_array_get_idx(a, i), "queue_id"), q))
            return 1;
    a = pt_jget(rec, "recipients");
    for (size_t i = 0; a && i < json_object_array_length(a); i++)
        if (eq_ci(pt_jget_str(json_object_array_get_idx(a, i), "queued_as"), q))
            return 1;
    return 0;
}

/* Does recipient object r pass --to (any recipient when --to is unset)? */
int pt_query_rcpt_matches(const pt_query *q, struct json_object *r)
{
    return q->to.n == 0 || any_addr(&q->to, pt_jget_str(r, "to")) || any_addr(&q->to, pt_jget_str(r, "orig_to"));
}

/* Does some recipient (or a reject's "to") satisfy test(list, address)? */
static int some_rcpt(struct json_object *rec, const pt_pattern_list *l,
                     int (*test)(const pt_pattern_list *, const char *))
{
    if (test(l, pt_jget_str(rec, "to")))
        return 1;
    struct json_object *a = pt_jget(rec, "recipients");
    for (size_t i = 0; a && i < json_object_array_length(a); i++) {
        struct json_object *r = json_object_array_get_idx(a, i);
        if (test(l, pt_jget_str(r, "to")) || test(l, pt_jget_str(r, "orig_to")))
            return 1;
    }
    return 0;
}

/* One of the --status values is the record's or a recipient's status
 * ("rejected" also takes reject records). */
static int status_matches(const pt_query *q, struct json_object *rec)
{
    const char *kind = pt_jget_str(rec, "kind"), *st = pt_jget_str(rec, "status");
    struct json_object *a = pt_jget(rec, "recipients");
    for (int i = 0; i < q->status.n; i++) {
        pt_pattern p = q->status.v[i];
        if (eq_ci(st, p) || (kind && !strcmp(kind, "reject") && (eq_ci("rejected", p)
                                                                 || eq_ci("reject", p))))
            return 1;
        for (size_t j = 0; a && j < json_object_array_length(a); j++)
            if (eq_ci(pt_jget_str(json_object_array_get_idx(a, j), "status"), p))
                return 1;
    }
    return 0;
}

/* Microseconds since the epoch of a record's time field, or def. */
static int64_t field_time(struct json_object *rec, const char *k, int64_t def)
{
    const char *s = pt_jget_str(rec, k);
    pt_time t;
    return s && pt_time_parse_rfc3339(s, strlen(s), &t) == 0 ? pt_time_usec(&t) : def;
}

/* Does a parsed record pass the query? */
int pt_query_matches(const pt_query *q, struct json_object *rec)
{
    if (q->to.n && !some_rcpt(rec, &q->to, any_addr))
        return 0;
    if (q->from.n && !any_addr(&q->from, pt_jget_str(rec, "from")))
        return 0;
    if (q->domain.n && !domain_of_matches(&q->domain, pt_jget_str(rec, "from"))
        && !some_rcpt(rec, &q->domain, domain_of_matches))
        return 0;
    if (q->status.n && !status_matches(q, rec))
        return 0;
    if (q->queue_id.p && !names_queue_id(rec, q->queue_id))
        return 0;
    if (q->message_id.p) {
        const char *m = pt_jget_str(rec, "message_id");
        if (!m || strlen(m) != q->message_id.n || memcmp(m, q->message_id.p, q->message_id.n))
            return 0;
    }
    if (q->client.p) {
        struct json_object *c = pt_jget(rec, "client");
        if (!eq_ci(pt_jget_str(c, "ip"), q->client) && !eq_ci(pt_jget_str(c, "name"), q->client))
            return 0;
    }
    if (q->host.p && !eq_ci(pt_jget_str(rec, "host"), q->host))
        return 0;
    if (q->has_since || q->has_until) {
        int64_t first = field_time(rec, "first_seen", field_time(rec, "time", INT64_MIN));
        int64_t last = field_time(rec, "last_seen", first);
        if (first == INT64_MIN || (q->has_since && last < q->since * 1000000)
            || (q->has_until && first > q->until * 1000000))
            return 0;
    }
    return 1;
}
