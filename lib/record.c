/*
 * record.c - turn an entry (or a reject line) into its JSON record: the one
 * function every front end uses, so records are byte-identical. Written
 * straight into the core's reusable buffer (jsonw.c), then handed to the
 * sink; field order and escaping are fixed here.
 *
 * Memory: the record text lives in the core's writer buffer and is valid
 * only during the sink call. Strings from lines are sanitised to UTF-8
 * before they are written. Thread-safety: as the owning core.
 */
#include "core_internal.h"

#include <string.h>

#define SCHEMA_VERSION 1

/* An integer field unless negative (unknown). */
static void add_int(pt_jw *w, const char *k, int64_t v)
{
    if (v >= 0)
        pt_jw_int(w, k, v);
}

/* A seconds field unless negative (unknown). */
static void add_num(pt_jw *w, const char *k, double v)
{
    if (v >= 0)
        pt_jw_num(w, k, v);
}

/* A time field unless unknown. */
static void add_time(pt_jw *w, const char *k, const pt_time *t)
{
    if (t->valid)
        pt_jw_time(w, k, t);
}

/* A string field from a slice, sanitised; nothing when absent. */
static void add_slice(pt_jw *w, const char *k, pt_slice s, pt_arena *scratch)
{
    if (!s.p)
        return;
    pt_jw_str(w, k, pt_utf8_dup(scratch, s));
}

/* The client object, unless nothing is known. */
static void client_object(pt_jw *w, const pt_client_info *ci)
{
    const char *name = ci->name && strcmp(ci->name, "unknown") != 0 ? ci->name : NULL;
    int tls = ci->tls_protocol || ci->tls_cipher || ci->tls_trust;
    if (!name && !ci->ip && ci->port < 0 && !ci->helo && !ci->sasl_method
        && !ci->sasl_username && !tls)
        return;
    pt_jw_obj(w, "client");
    pt_jw_str(w, "name", name);
    pt_jw_str(w, "ip", ci->ip);
    add_int(w, "port", ci->port);
    pt_jw_str(w, "helo", ci->helo);
    pt_jw_str(w, "sasl_method", ci->sasl_method);
    pt_jw_str(w, "sasl_username", ci->sasl_username);
    if (tls) {
        pt_jw_obj(w, "tls");
        pt_jw_str(w, "protocol", ci->tls_protocol);
        pt_jw_str(w, "cipher", ci->tls_cipher);
        add_int(w, "bits", ci->tls_bits);
        pt_jw_str(w, "trust", ci->tls_trust);
        pt_jw_obj_end(w);
    }
    pt_jw_obj_end(w);
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
static void rcpt_object(pt_jw *w, const pt_rcpt *r, int msg_expired)
{
    pt_jw_obj(w, NULL);
    pt_jw_str(w, "to", r->to);
    pt_jw_str(w, "orig_to", r->orig_to);
    const char *st = r->status;
    if (msg_expired && st && strcmp(st, "deferred") == 0)
        st = "expired";
    pt_jw_str(w, "status", st);
    pt_jw_str(w, "dsn", r->dsn);
    pt_jw_str(w, "dsn_class", dsn_class(r->dsn));
    pt_jw_str(w, "service", r->service);
    pt_jw_str(w, "transport", r->transport);
    pt_jw_str(w, "relay", r->relay);
    if (r->relay) {
        pt_client rc;
        pt_slice rs = pt_slice_cstr(r->relay);
        if (pt_relay_split(rs, &rc)) {
            if (rc.name.n)
                pt_jw_strn(w, "relay_host", rc.name.p, rc.name.n);
            if (rc.ip.n)
                pt_jw_strn(w, "relay_ip", rc.ip.p, rc.ip.n);
            add_int(w, "relay_port", rc.port);
        }
    }
    add_num(w, "delay", r->delay);
    if (r->delays[0] >= 0) {
        pt_jw_obj(w, "delays");
        add_num(w, "before_qmgr", r->delays[0]);
        add_num(w, "in_qmgr", r->delays[1]);
        add_num(w, "conn_setup", r->delays[2]);
        add_num(w, "transmission", r->delays[3]);
        pt_jw_obj_end(w);
    }
    pt_jw_str(w, "reply", r->reply);
    add_int(w, "smtp_code", r->smtp_code);
    pt_jw_str(w, "queued_as", r->queued_as);
    add_int(w, "attempts", r->attempts);
    add_time(w, "time", &r->time);
    pt_jw_obj_end(w);
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
    /* recipients beyond max_recipients: their codes (OTHER: unknown name) */
    uint32_t mask = e->overflow_status_mask;
    for (uint32_t i = 0; e->overflow && i <= e->overflow_mask; i++)
        if (e->overflow[i].key_hash)
            mask |= 1u << e->overflow[i].status;
    for (int code = PT_ST_SENT; code <= PT_ST_OTHER; code++) {
        if (!(mask & (1u << code)))
            continue;
        const char *s = pt_status_name((pt_status_code)code);
        if (expired && code == PT_ST_DEFERRED)
            s = "expired";
        if (code == PT_ST_OTHER || (common && strcmp(common, s) != 0))
            return "mixed";
        common = s;
    }
    return common ? common : "none";
}

/* The `truncated` object: what the caps left out (only when something was). */
static void truncated_object(pt_jw *w, const pt_entry *e)
{
    const pt_truncated *t = &e->trunc;
    pt_jw_obj(w, "truncated");
    if (t->recipients)
        pt_jw_int(w, "recipients", t->recipients);
    if (t->events)
        pt_jw_int(w, "events", t->events);
    if (t->notifications)
        pt_jw_int(w, "notifications", t->notifications);
    if (t->raw)
        pt_jw_int(w, "raw", t->raw);
    if (t->text)
        pt_jw_int(w, "text", t->text);
    pt_jw_obj_end(w);
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

/* The record id; noted in the core for the runner's journal when the
 * record ends an entry held in a checkpoint. */
static void write_id(pt_core *c, pt_jw *w, const pt_entry *e, int progress)
{
    size_t n = pt_entry_id(e, c->emit_id, sizeof c->emit_id);
    c->emit_id_len = !progress && e->saved ? n : 0;
    if (n)
        pt_jw_strn(w, "id", c->emit_id, n);
}

/* Hand the finished text to the sink. */
static void emit(pt_core *c)
{
    c->sink(c->sink_ctx, c->jw.buf, c->jw.len);
}

/* Build and emit the message (or progress) record of e. */
void pt_record_emit_message(pt_core *c, pt_entry *e, int progress)
{
    pt_jw *w = &c->jw;
    pt_jw_reset(w);
    pt_jw_obj(w, NULL);
    pt_jw_str(w, "kind", progress ? "progress" : "message");
    pt_jw_int(w, "schema", SCHEMA_VERSION);
    write_id(c, w, e, progress);
    pt_jw_str(w, "host", e->host);
    pt_jw_str(w, "instance", e->instance);
    pt_jw_str(w, "queue_id", e->queue_id);
    add_time(w, "first_seen", &e->first_seen);
    add_time(w, "last_seen", &e->last_seen);
    pt_end end = progress ? PT_END_NONE : (pt_end)e->end;
    pt_jw_bool(w, "complete", !progress && e->created && end_is_final(end));
    if (!progress)
        pt_jw_str(w, "end", pt_end_name(end));
    int expired = !progress && end == PT_END_EXPIRED;
    pt_jw_str(w, "status", message_status(e, expired));
    pt_jw_str(w, "origin", e->origin);
    pt_jw_str(w, "origin_program", e->origin_program);
    client_object(w, &e->client);
    if (e->has_pickup) {
        pt_jw_obj(w, "pickup");
        add_int(w, "uid", e->pickup_uid);
        pt_jw_str(w, "from", e->pickup_from);
        pt_jw_obj_end(w);
    }
    pt_jw_str(w, "message_id", e->message_id);
    pt_jw_str(w, "from", e->from);
    add_int(w, "size", e->size);
    add_int(w, "nrcpt", e->nrcpt);
    if (e->n_rcpts) {                   /* SCHEMA: no field holds an empty array */
        pt_jw_arr(w, "recipients");
        for (uint32_t i = 0; i < e->n_rcpts; i++)
            rcpt_object(w, &e->rcpts[i], expired);
        pt_jw_arr_end(w);
    }
    pt_jw_str(w, "bounce_id", e->bounce_id);
    if (e->n_notes) {
        pt_jw_arr(w, "notifications");
        for (uint32_t i = 0; i < e->n_notes; i++) {
            pt_jw_obj(w, NULL);
            pt_jw_str(w, "kind", notify_name(e->notes[i].kind));
            pt_jw_str(w, "queue_id", e->notes[i].queue_id);
            pt_jw_obj_end(w);
        }
        pt_jw_arr_end(w);
    }
    pt_jw_str(w, "parent_id", e->parent_id);
    if (e->n_events) {
        pt_jw_arr(w, "events");
        for (uint32_t i = 0; i < e->n_events; i++) {
            pt_jw_obj(w, NULL);
            add_time(w, "time", &e->events[i].time);
            pt_jw_str(w, "service", e->events[i].service);
            pt_jw_str(w, "action", e->events[i].action);
            pt_jw_str(w, "text", e->events[i].text);
            pt_jw_obj_end(w);
        }
        pt_jw_arr_end(w);
    }
    int truncated = pt_entry_truncated(e);
    if (truncated)
        truncated_object(w, e);
    pt_jw_int(w, "lines", e->lines);
    if (c->opt.include_raw) {
        pt_jw_arr(w, "raw");
        for (uint32_t i = 0; i < e->n_raw; i++)
            pt_jw_str(w, NULL, e->raw[i] ? e->raw[i] : "");
        pt_jw_arr_end(w);
    }
    pt_jw_obj_end(w);
    if (progress) {
        c->st.rec_progress++;
    } else {
        if (truncated)
            c->st.records_truncated++;
        uint64_t *by_end[] = {
            NULL, &c->st.rec_removed, &c->st.rec_expired, &c->st.rec_deleted,
            &c->st.rec_rejected, &c->st.rec_discarded, &c->st.rec_aborted,
            &c->st.rec_timeout, &c->st.rec_evicted, &c->st.rec_shutdown
        };
        if ((unsigned)end < sizeof by_end / sizeof by_end[0] && by_end[end])
            (*by_end[end])++;
    }
    emit(c);
}

/* The "client" object of a reject or auth record, from the line itself. */
static void add_client(pt_jw *w, const pt_client *cl, pt_arena *scratch)
{
    int name = !pt_slice_empty(cl->name) && !pt_slice_eq(cl->name, "unknown");
    int ip = !pt_slice_empty(cl->ip);
    if (!name && !ip && cl->port < 0)
        return;
    pt_jw_obj(w, "client");
    if (name)
        add_slice(w, "name", cl->name, scratch);
    if (ip)
        add_slice(w, "ip", cl->ip, scratch);
    add_int(w, "port", cl->port);
    pt_jw_obj_end(w);
}

/* Start a record of one line (reject, auth): kind, schema, host, time. */
static pt_jw *line_record_begin(pt_core *c, const char *kind, const pt_line *l,
                                pt_arena *scratch)
{
    c->emit_id_len = 0;
    pt_jw *w = &c->jw;
    pt_jw_reset(w);
    pt_jw_obj(w, NULL);
    pt_jw_str(w, "kind", kind);
    pt_jw_int(w, "schema", SCHEMA_VERSION);
    add_slice(w, "host", l->host, scratch);
    add_time(w, "time", &l->time);
    return w;
}

/* Build and emit the auth record of an AUTH_FAILED line (SCHEMA.md). */
void pt_record_emit_auth(pt_core *c, const pt_line *l, const pt_event *ev)
{
    pt_arena scratch = { 0 };
    pt_jw *w = line_record_begin(c, "auth", l, &scratch);
    add_slice(w, "program", l->program, &scratch);
    add_slice(w, "service", ev->prog.daemon, &scratch);
    add_client(w, &ev->client, &scratch);
    add_slice(w, "sasl_method", ev->sasl_method, &scratch);
    if (!pt_slice_empty(ev->sasl_username))
        add_slice(w, "sasl_username", ev->sasl_username, &scratch);
    add_slice(w, "reason", ev->reason, &scratch);
    pt_jw_obj_end(w);
    c->st.rec_auth++;
    emit(c);
    pt_arena_free(&scratch);
}

/* Build and emit the reject record of a REJECT line. */
void pt_record_emit_reject(pt_core *c, const pt_line *l, const pt_event *ev)
{
    pt_arena scratch = { 0 };
    pt_jw *w = line_record_begin(c, "reject", l, &scratch);
    if (!pt_slice_empty(ev->queue_id))
        add_slice(w, "queue_id", ev->queue_id, &scratch);
    add_slice(w, "program", l->program, &scratch);
    add_slice(w, "service", ev->prog.daemon, &scratch);
    if (!pt_slice_empty(ev->stage))
        add_slice(w, "stage", ev->stage, &scratch);
    if (ev->action_name)
        pt_jw_str(w, "action", ev->action_name);
    else
        add_slice(w, "action", ev->action, &scratch);
    add_client(w, &ev->client, &scratch);
    add_int(w, "smtp_code", ev->smtp_code);
    if (!pt_slice_empty(ev->dsn))
        add_slice(w, "dsn", ev->dsn, &scratch);
    add_slice(w, "reason", ev->reason, &scratch);
    add_slice(w, "from", ev->from, &scratch);
    add_slice(w, "to", ev->to, &scratch);
    if (!pt_slice_empty(ev->proto))
        add_slice(w, "proto", ev->proto, &scratch);
    add_slice(w, "helo", ev->helo, &scratch);
    pt_jw_obj_end(w);
    c->st.rec_reject++;
    emit(c);
    pt_arena_free(&scratch);
}
