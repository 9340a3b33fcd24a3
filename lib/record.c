/*
 * record.c - turn an entry (or a reject line) into its JSON record, the one
 * function every front end uses, so records are byte-identical. json-c
 * objects are built at emission only, serialised plain with '/' unescaped,
 * handed to the sink, then released.
 *
 * Memory: the json_object and its text live only during the sink call.
 * Strings from lines are sanitised to UTF-8 first. Thread-safety: as the
 * owning core.
 */
#include "core_internal.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#define SCHEMA_VERSION 1

/* Add a string field unless absent. */
static void add_str(json_object *o, const char *k, const char *v)
{
    if (v)
        json_object_object_add(o, k, json_object_new_string(v));
}

/* Add a number field from a double, written the way Postfix wrote it. */
static void add_num(json_object *o, const char *k, double v)
{
    if (v < 0)
        return;
    char buf[32];
    snprintf(buf, sizeof buf, "%.10g", v);
    json_object_object_add(o, k, json_object_new_double_s(v, buf));
}

/* Add an integer field unless negative (unknown). */
static void add_int(json_object *o, const char *k, int64_t v)
{
    if (v >= 0)
        json_object_object_add(o, k, json_object_new_int64(v));
}

/* Add a time field. */
static void add_time(json_object *o, const char *k, const pt_time *t)
{
    if (!t->valid)
        return;
    char buf[48];
    size_t n = pt_time_format(t, buf, sizeof buf);
    json_object_object_add(o, k, json_object_new_string_len(buf, (int)n));
}

/* The client object, or NULL when nothing is known. */
static json_object *client_object(const pt_client_info *ci)
{
    json_object *o = json_object_new_object();
    const char *name = ci->name && strcmp(ci->name, "unknown") != 0 ? ci->name : NULL;
    add_str(o, "name", name);
    add_str(o, "ip", ci->ip);
    add_int(o, "port", ci->port);
    add_str(o, "helo", ci->helo);
    add_str(o, "sasl_method", ci->sasl_method);
    add_str(o, "sasl_username", ci->sasl_username);
    if (ci->tls_protocol || ci->tls_cipher || ci->tls_trust) {
        json_object *t = json_object_new_object();
        add_str(t, "protocol", ci->tls_protocol);
        add_str(t, "cipher", ci->tls_cipher);
        add_int(t, "bits", ci->tls_bits);
        add_str(t, "trust", ci->tls_trust);
        json_object_object_add(o, "tls", t);
    }
    if (json_object_object_length(o) == 0) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

/* The dsn_class of an enhanced status code. */
static const char *dsn_class(const char *dsn)
{
    if (!dsn)
        return NULL;
    switch (dsn[0]) {
    case '2': return "success";
    case '4': return "transient";
    case '5': return "permanent";
    default: return NULL;
    }
}

/* A recipient's object; msg_expired turns a still-deferred one expired. */
static json_object *rcpt_object(const pt_rcpt *r, int msg_expired)
{
    json_object *o = json_object_new_object();
    add_str(o, "to", r->to);
    add_str(o, "orig_to", r->orig_to);
    const char *st = r->status;
    if (msg_expired && st && strcmp(st, "deferred") == 0)
        st = "expired";
    add_str(o, "status", st);
    add_str(o, "dsn", r->dsn);
    add_str(o, "dsn_class", dsn_class(r->dsn));
    add_str(o, "service", r->service);
    add_str(o, "transport", r->transport);
    add_str(o, "relay", r->relay);
    if (r->relay) {
        pt_client rc;
        pt_slice rs = pt_slice_cstr(r->relay);
        if (pt_parse_client(rs, &rc) == rs.n) {
            if (rc.name.n && !pt_slice_eq(rc.name, "unknown")) {
                char buf[256];
                snprintf(buf, sizeof buf, "%.*s", (int)rc.name.n, rc.name.p);
                add_str(o, "relay_host", buf);
            }
            if (rc.ip.n) {
                char buf[128];
                snprintf(buf, sizeof buf, "%.*s", (int)rc.ip.n, rc.ip.p);
                add_str(o, "relay_ip", buf);
            }
            add_int(o, "relay_port", rc.port);
        }
    }
    add_num(o, "delay", r->delay);
    if (r->delays[0] >= 0) {
        json_object *d = json_object_new_object();
        add_num(d, "before_qmgr", r->delays[0]);
        add_num(d, "in_qmgr", r->delays[1]);
        add_num(d, "conn_setup", r->delays[2]);
        add_num(d, "transmission", r->delays[3]);
        json_object_object_add(o, "delays", d);
    }
    add_str(o, "reply", r->reply);
    add_int(o, "smtp_code", r->smtp_code);
    add_str(o, "queued_as", r->queued_as);
    add_int(o, "attempts", r->attempts);
    add_time(o, "time", &r->time);
    return o;
}

/* The message status of SCHEMA.md. */
static const char *message_status(const pt_entry *e, int expired)
{
    switch (e->end) {
    case PT_END_EXPIRED: return "expired";
    case PT_END_DELETED: return "deleted";
    case PT_END_REJECTED: return "rejected";
    case PT_END_DISCARDED: return "discarded";
    case PT_END_ABORTED: return "aborted";
    default: break;
    }
    const char *common = NULL;
    for (uint32_t i = 0; i < e->n_rcpts; i++) {
        const char *s = e->rcpts[i].status;
        if (!s)
            continue;
        if (expired && strcmp(s, "deferred") == 0)
            s = "expired";
        if (!common)
            common = s;
        else if (strcmp(common, s) != 0)
            return "mixed";
    }
    return common ? common : "none";
}

/* Was the end one of the final lines (not a cache decision)? */
static int end_is_final(pt_end end)
{
    return end == PT_END_REMOVED || end == PT_END_EXPIRED || end == PT_END_DELETED
        || end == PT_END_REJECTED || end == PT_END_DISCARDED;
}

/* The notification kind's record name. */
static const char *notify_name(pt_notify_kind k)
{
    switch (k) {
    case PT_NOTIFY_NON_DELIVERY: return "non-delivery";
    case PT_NOTIFY_DELAY: return "delay";
    case PT_NOTIFY_SUCCESS: return "success";
    default: return "unknown";
    }
}

/* Serialise o, hand it to the sink, release it. */
static void emit(pt_core *c, json_object *o)
{
    size_t len = 0;
    const char *s = json_object_to_json_string_length(
        o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    c->sink(c->sink_ctx, s, len, o);
    json_object_put(o);
}

/* Build and emit the message (or progress) record of e. */
void pt_record_emit_message(pt_core *c, pt_entry *e, int progress)
{
    json_object *o = json_object_new_object();
    add_str(o, "kind", progress ? "progress" : "message");
    json_object_object_add(o, "schema", json_object_new_int(SCHEMA_VERSION));
    char id[512];
    int64_t fs = e->first_seen.valid ? pt_time_usec(&e->first_seen) : 0;
    if (e->reuse_seq > 1)
        snprintf(id, sizeof id, "%s/%s/%lld/%u", e->host, e->queue_id,
                 (long long)fs, e->reuse_seq);
    else
        snprintf(id, sizeof id, "%s/%s/%lld", e->host, e->queue_id, (long long)fs);
    add_str(o, "id", id);
    add_str(o, "host", e->host);
    add_str(o, "instance", e->instance);
    add_str(o, "queue_id", e->queue_id);
    add_time(o, "first_seen", &e->first_seen);
    add_time(o, "last_seen", &e->last_seen);
    pt_end end = progress ? PT_END_NONE : (pt_end)e->end;
    json_object_object_add(o, "complete",
                           json_object_new_boolean(!progress && e->created && end_is_final(end)));
    if (!progress)
        add_str(o, "end", pt_end_name(end));
    int expired = !progress && end == PT_END_EXPIRED;
    add_str(o, "status", progress ? message_status(e, 0) : message_status(e, expired));
    add_str(o, "origin", e->origin);
    add_str(o, "origin_program", e->origin_program);
    json_object *cl = client_object(&e->client);
    if (cl)
        json_object_object_add(o, "client", cl);
    if (e->has_pickup) {
        json_object *p = json_object_new_object();
        add_int(p, "uid", e->pickup_uid);
        add_str(p, "from", e->pickup_from);
        json_object_object_add(o, "pickup", p);
    }
    add_str(o, "message_id", e->message_id);
    add_str(o, "from", e->from);
    add_int(o, "size", e->size);
    add_int(o, "nrcpt", e->nrcpt);
    json_object *rs = json_object_new_array_ext((int)e->n_rcpts);
    for (uint32_t i = 0; i < e->n_rcpts; i++)
        json_object_array_add(rs, rcpt_object(&e->rcpts[i], expired));
    json_object_object_add(o, "recipients", rs);
    add_str(o, "bounce_id", e->bounce_id);
    if (e->n_notes) {
        json_object *ns = json_object_new_array_ext((int)e->n_notes);
        for (uint32_t i = 0; i < e->n_notes; i++) {
            json_object *n = json_object_new_object();
            add_str(n, "kind", notify_name(e->notes[i].kind));
            add_str(n, "queue_id", e->notes[i].queue_id);
            json_object_array_add(ns, n);
        }
        json_object_object_add(o, "notifications", ns);
    }
    add_str(o, "parent_id", e->parent_id);
    if (e->n_events) {
        json_object *es = json_object_new_array_ext((int)e->n_events);
        for (uint32_t i = 0; i < e->n_events; i++) {
            json_object *ev = json_object_new_object();
            add_time(ev, "time", &e->events[i].time);
            add_str(ev, "service", e->events[i].service);
            add_str(ev, "action", e->events[i].action);
            add_str(ev, "text", e->events[i].text);
            json_object_array_add(es, ev);
        }
        json_object_object_add(o, "events", es);
    }
    json_object_object_add(o, "lines", json_object_new_int64(e->lines));
    if (c->opt.include_raw) {
        json_object *raw = json_object_new_array_ext((int)e->n_raw);
        for (uint32_t i = 0; i < e->n_raw; i++)
            json_object_array_add(raw, json_object_new_string(e->raw[i] ? e->raw[i] : ""));
        json_object_object_add(o, "raw", raw);
    }
    if (progress) {
        c->st.rec_progress++;
    } else {
        uint64_t *by_end[] = {
            NULL, &c->st.rec_removed, &c->st.rec_expired, &c->st.rec_deleted,
            &c->st.rec_rejected, &c->st.rec_discarded, &c->st.rec_aborted,
            &c->st.rec_timeout, &c->st.rec_evicted, &c->st.rec_shutdown
        };
        if ((unsigned)end < sizeof by_end / sizeof by_end[0] && by_end[end])
            (*by_end[end])++;
    }
    emit(c, o);
}

/* Add a string field from a slice, sanitised, unless absent. */
static void add_slice(json_object *o, const char *k, pt_slice s, pt_arena *scratch)
{
    if (!s.p)
        return;
    char *v = pt_utf8_dup(scratch, s);
    if (v)
        json_object_object_add(o, k, json_object_new_string(v));
}

/* Build and emit the reject record of a REJECT line. */
void pt_record_emit_reject(pt_core *c, const pt_line *l, const pt_event *ev)
{
    pt_arena scratch = { 0 };
    json_object *o = json_object_new_object();
    add_str(o, "kind", "reject");
    json_object_object_add(o, "schema", json_object_new_int(SCHEMA_VERSION));
    add_slice(o, "host", l->host, &scratch);
    add_time(o, "time", &l->time);
    if (!pt_slice_empty(ev->queue_id))
        add_slice(o, "queue_id", ev->queue_id, &scratch);
    add_slice(o, "program", l->program, &scratch);
    add_slice(o, "service", ev->prog.daemon, &scratch);
    if (!pt_slice_empty(ev->stage))
        add_slice(o, "stage", ev->stage, &scratch);
    if (ev->action_name)
        add_str(o, "action", ev->action_name);
    else
        add_slice(o, "action", ev->action, &scratch);
    json_object *cl = json_object_new_object();
    if (!pt_slice_empty(ev->client.name) && !pt_slice_eq(ev->client.name, "unknown"))
        add_slice(cl, "name", ev->client.name, &scratch);
    if (!pt_slice_empty(ev->client.ip))
        add_slice(cl, "ip", ev->client.ip, &scratch);
    add_int(cl, "port", ev->client.port);
    if (json_object_object_length(cl))
        json_object_object_add(o, "client", cl);
    else
        json_object_put(cl);
    add_int(o, "smtp_code", ev->smtp_code);
    if (!pt_slice_empty(ev->dsn))
        add_slice(o, "dsn", ev->dsn, &scratch);
    add_slice(o, "reason", ev->reason, &scratch);
    add_slice(o, "from", ev->from, &scratch);
    add_slice(o, "to", ev->to, &scratch);
    if (!pt_slice_empty(ev->proto))
        add_slice(o, "proto", ev->proto, &scratch);
    add_slice(o, "helo", ev->helo, &scratch);
    c->st.rec_reject++;
    emit(c, o);
    pt_arena_free(&scratch);
}
