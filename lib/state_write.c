/*
 * state_write.c - the state file's text (format: state.c's head comment),
 * written with the fast JSON writer into one memory buffer: the snapshot a
 * checkpoint takes under the daemon's lock costs about a microsecond per
 * entry; the buffer then goes to disk without the lock (checkpoint.c).
 *
 * Memory: the snapshot owns its buffer (pt_snapshot_free). Thread-safety:
 * building reads the core (the core's thread); a finished snapshot is
 * independent of it.
 */
#include "core_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* Append the writer's text and a newline as one line; -1 on no memory. */
static int put_line(pt_snapshot *s, pt_jw *w)
{
    if (w->oom)
        return -1;
    if (s->len + w->len + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 65536;
        while (cap < s->len + w->len + 1)
            cap *= 2;
        char *n = realloc(s->buf, cap);
        if (!n)
            return -1;
        s->buf = n;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, w->buf, w->len);
    s->buf[s->len + w->len] = '\n';
    s->len += w->len + 1;
    s->hash = crc32(s->hash, (const unsigned char *)w->buf, (unsigned)w->len);
    s->hash = crc32(s->hash, (const unsigned char *)"\n", 1);
    return 0;
}

/* A pt_time as [sec, usec, frac_digits, utc_off_min, valid]. */
static void put_time(pt_jw *w, const char *key, const pt_time *t)
{
    pt_jw_arr(w, key);
    pt_jw_int(w, NULL, t->sec);
    pt_jw_int(w, NULL, t->usec);
    pt_jw_int(w, NULL, t->frac_digits);
    pt_jw_int(w, NULL, t->utc_off_min);
    pt_jw_int(w, NULL, t->valid);
    pt_jw_arr_end(w);
}

/* The client facts as flat members. */
static void put_client(pt_jw *w, const pt_client_info *ci)
{
    pt_jw_str(w, "client.name", ci->name);
    pt_jw_str(w, "client.ip", ci->ip);
    pt_jw_str(w, "client.helo", ci->helo);
    pt_jw_str(w, "client.sasl_method", ci->sasl_method);
    pt_jw_str(w, "client.sasl_username", ci->sasl_username);
    pt_jw_str(w, "client.tls_trust", ci->tls_trust);
    pt_jw_str(w, "client.tls_protocol", ci->tls_protocol);
    pt_jw_str(w, "client.tls_cipher", ci->tls_cipher);
}

/* One recipient. */
static void put_rcpt(pt_jw *w, const pt_rcpt *r)
{
    pt_jw_obj(w, NULL);
    pt_jw_str(w, "to", r->to);
    pt_jw_str(w, "orig_to", r->orig_to);
    pt_jw_str(w, "status", r->status);
    pt_jw_str(w, "dsn", r->dsn);
    pt_jw_str(w, "service", r->service);
    pt_jw_str(w, "transport", r->transport);
    pt_jw_str(w, "relay", r->relay);
    pt_jw_str(w, "reply", r->reply);
    pt_jw_str(w, "queued_as", r->queued_as);
    put_time(w, "time", &r->time);
    pt_jw_arr(w, "delays");
    pt_jw_num(w, NULL, r->delay);
    for (int k = 0; k < 4; k++)
        pt_jw_num(w, NULL, r->delays[k]);
    pt_jw_arr_end(w);
    pt_jw_int(w, "smtp_code", r->smtp_code);
    pt_jw_int(w, "attempts", r->attempts);
    pt_jw_obj_end(w);
}

/* One entry as a line. */
static void put_entry(pt_jw *w, const pt_entry *e)
{
    pt_jw_reset(w);
    pt_jw_obj(w, NULL);
    pt_jw_str(w, "host", e->host);
    pt_jw_str(w, "queue_id", e->queue_id);
    pt_jw_str(w, "instance", e->instance);
    pt_jw_str(w, "origin", e->origin);
    pt_jw_str(w, "origin_program", e->origin_program);
    put_client(w, &e->client);
    pt_jw_str(w, "pickup_from", e->pickup_from);
    pt_jw_str(w, "message_id", e->message_id);
    pt_jw_str(w, "from", e->from);
    pt_jw_str(w, "bounce_id", e->bounce_id);
    pt_jw_str(w, "parent_id", e->parent_id);
    pt_jw_int(w, "state", e->state);
    pt_jw_int(w, "end", e->end);
    pt_jw_int(w, "flags", e->created | e->expired << 1 | e->discard_pending << 2
              | e->cleanup_seen << 3 | e->qmgr_seen << 4 | e->progress_emitted << 5
              | e->has_pickup << 7 | e->from_weak << 8);
    pt_jw_int(w, "touched", e->touched_usec);
    pt_jw_int(w, "touch_seq", (int64_t)e->touch_seq);
    pt_jw_arr(w, "seen");                   /* hashes of its queue-ID lines (duplicates) */
    uint32_t n_seen;
    const uint64_t *seen = pt_entry_seen_all(e, &n_seen);
    for (uint32_t i = 0; i < n_seen; i++)
        if (seen[i])
            pt_jw_int(w, NULL, (int64_t)seen[i]);
    pt_jw_arr_end(w);
    pt_jw_int(w, "ended", e->ended_usec);
    pt_jw_int(w, "reuse_seq", e->reuse_seq);
    pt_jw_int(w, "lines", e->lines);
    pt_jw_int(w, "port", e->client.port);
    pt_jw_int(w, "tls_bits", e->client.tls_bits);
    pt_jw_int(w, "pickup_uid", e->pickup_uid);
    pt_jw_int(w, "size", e->size);
    pt_jw_int(w, "nrcpt", e->nrcpt);
    put_time(w, "first_seen", &e->first_seen);
    put_time(w, "last_seen", &e->last_seen);
    pt_jw_arr(w, "rcpts");
    for (uint32_t i = 0; i < e->n_rcpts; i++)
        put_rcpt(w, &e->rcpts[i]);
    pt_jw_arr_end(w);
    pt_jw_arr(w, "events");
    for (uint32_t i = 0; i < e->n_events; i++) {
        pt_jw_obj(w, NULL);
        put_time(w, "time", &e->events[i].time);
        pt_jw_str(w, "service", e->events[i].service ? e->events[i].service : "");
        pt_jw_str(w, "action", e->events[i].action ? e->events[i].action : "");
        pt_jw_str(w, "text", e->events[i].text ? e->events[i].text : "");
        pt_jw_obj_end(w);
    }
    pt_jw_arr_end(w);
    pt_jw_arr(w, "notes");
    for (uint32_t i = 0; i < e->n_notes; i++) {
        pt_jw_obj(w, NULL);
        pt_jw_int(w, "kind", e->notes[i].kind);
        pt_jw_str(w, "queue_id", e->notes[i].queue_id ? e->notes[i].queue_id : "");
        pt_jw_obj_end(w);
    }
    pt_jw_arr_end(w);
    pt_jw_arr(w, "raw");
    for (uint32_t i = 0; i < e->n_raw; i++)
        pt_jw_str(w, NULL, e->raw[i] ? e->raw[i] : "");
    pt_jw_arr_end(w);
    const pt_truncated *t = &e->trunc;
    pt_jw_arr(w, "trunc");
    pt_jw_int(w, NULL, t->recipients);
    pt_jw_int(w, NULL, t->events);
    pt_jw_int(w, NULL, t->notifications);
    pt_jw_int(w, NULL, t->raw);
    pt_jw_int(w, NULL, t->text);
    pt_jw_arr_end(w);
    pt_jw_arr(w, "overflow");
    for (uint32_t i = 0; e->overflow && i <= e->overflow_mask; i++) {
        if (!e->overflow[i].key_hash)
            continue;
        char hx[24];
        snprintf(hx, sizeof hx, "%016" PRIx64 "%u", e->overflow[i].key_hash,
                 (unsigned)e->overflow[i].status);
        pt_jw_str(w, NULL, hx);
    }
    pt_jw_arr_end(w);
    pt_jw_int(w, "overflow_mask", e->overflow_status_mask);
    pt_jw_obj_end(w);
}

/* One smtpd session as a line (marked "session"). */
static void put_session(pt_jw *w, const pt_session *ss)
{
    pt_jw_reset(w);
    pt_jw_obj(w, NULL);
    pt_jw_bool(w, "session", 1);
    pt_jw_str(w, "host", ss->host);
    pt_jw_str(w, "pid", ss->pid);
    put_client(w, &ss->client);
    pt_jw_str(w, "from", ss->from);
    pt_jw_str(w, "queue_id", ss->queue_id);
    pt_jw_arr(w, "earlier");
    for (uint32_t i = 0; i < ss->n_earlier; i++)
        pt_jw_str(w, NULL, ss->earlier[i]);
    pt_jw_arr_end(w);
    pt_jw_int(w, "touched", ss->touched_usec);
    pt_jw_int(w, "touch_seq", (int64_t)ss->touch_seq);
    pt_jw_int(w, "last_line", ss->last_line_usec);
    pt_jw_int(w, "connect", ss->connect_usec);
    pt_jw_int(w, "open", ss->n_open);
    pt_jw_int(w, "closing", ss->closing);
    pt_jw_int(w, "closing_at", ss->closing_usec);
    pt_jw_int(w, "port", ss->client.port);
    pt_jw_int(w, "tls_bits", ss->client.tls_bits);
    pt_jw_int(w, "lost", ss->lost);
    pt_jw_int(w, "n_lines", ss->n_lines);
    put_time(w, "first_time", &ss->first_time);
    pt_jw_arr(w, "raw");
    for (uint32_t i = 0; i < ss->n_raw; i++)
        pt_jw_str(w, NULL, ss->raw[i]);
    pt_jw_arr_end(w);
    pt_jw_arr(w, "pending");
    for (uint32_t i = 0; i < ss->n_pending; i++) {
        pt_jw_obj(w, NULL);
        put_time(w, "time", &ss->pending[i].time);
        pt_jw_str(w, "service", ss->pending[i].service);
        pt_jw_str(w, "action", ss->pending[i].action);
        pt_jw_str(w, "text", ss->pending[i].text);
        pt_jw_obj_end(w);
    }
    pt_jw_arr_end(w);
    pt_jw_obj_end(w);
}

/* Put the entries of one list (and mark them saved: their records are
 * journaled once written, so a restart from this snapshot skips them). */
static int put_list(pt_snapshot *s, pt_jw *w, pt_dlink *head, uint64_t *count)
{
    for (pt_dlink *l = head->next; l != head; l = l->next) {
        pt_entry *e = (pt_entry *)((char *)l - offsetof(pt_entry, glob));
        e->saved = 1;
        put_entry(w, e);
        if (put_line(s, w))
            return -1;
        (*count)++;
    }
    return 0;
}

/* Where held lines are written (pt_reorder_walk's callback). */
typedef struct held_out {
    pt_snapshot *s;
    pt_jw *w;
    uint64_t n;
    int rc;
} held_out;

/* One line held in the reorder window, as a state-file line. */
static void put_held(void *ctx, const pt_line *l)
{
    held_out *h = ctx;
    if (h->rc)
        return;
    pt_jw_reset(h->w);
    pt_jw_obj(h->w, NULL);
    put_time(h->w, "held", &l->time);
    pt_jw_strn(h->w, "host", l->host.p, l->host.n);
    pt_jw_strn(h->w, "program", l->program.p, l->program.n);
    pt_jw_strn(h->w, "pid", l->pid.p, l->pid.n);
    pt_jw_strn(h->w, "msg", l->msg.p, l->msg.n);
    if (l->raw.n)
        pt_jw_strn(h->w, "raw", l->raw.p, l->raw.n);
    pt_jw_obj_end(h->w);
    h->rc = put_line(h->s, h->w);
    h->n++;
}

/* Snapshot of the core's state and the records waiting in b (may be NULL);
 * s's buffer (zeroed, or kept from an earlier snapshot) is reused. */
int pt_snapshot_take(pt_snapshot *s, pt_core *c, const pt_outbox *b)
{
    s->len = 0;
    s->hash = crc32(0L, Z_NULL, 0);
    pt_jw w = { 0 };
    uint64_t entries = 0, sessions = 0, records = 0;
    pt_jw_obj(&w, NULL);
    pt_jw_str(&w, "format", PT_STATE_FILE_FORMAT);
    pt_jw_int(&w, "version", PT_STATE_FILE_VERSION);
    int64_t latest = 0;
    for (pt_dlink *l = c->host_list.next; l != &c->host_list; l = l->next) {
        const pt_host *h = (const pt_host *)((char *)l - offsetof(pt_host, all));
        if (h->have_clock && h->clock_usec > latest)
            latest = h->clock_usec;
    }
    pt_jw_int(&w, "clock", latest);     /* what readers before per-host clocks take */
    pt_jw_arr(&w, "clocks");                /* [[host, usec], ...] */
    for (pt_dlink *l = c->host_list.next; l != &c->host_list; l = l->next) {
        const pt_host *h = (const pt_host *)((char *)l - offsetof(pt_host, all));
        if (!h->have_clock)
            continue;
        pt_jw_arr(&w, NULL);
        pt_jw_str(&w, NULL, h->name);
        pt_jw_int(&w, NULL, h->clock_usec);
        pt_jw_arr_end(&w);
    }
    pt_jw_arr_end(&w);
    pt_jw_int(&w, "next_seq", b ? (int64_t)b->next_seq : 0);
    pt_jw_obj_end(&w);
    int rc = put_line(s, &w);
    if (!rc)
        rc = put_list(s, &w, &c->linger, &entries);
    if (!rc)
        rc = put_list(s, &w, &c->open_lru, &entries);
    for (pt_dlink *l = c->session_lru.next; !rc && l != &c->session_lru; l = l->next) {
        put_session(&w, (pt_session *)((char *)l - offsetof(pt_session, glob)));
        rc = put_line(s, &w);
        sessions++;
    }
    held_out ho = { s, &w, 0, 0 };
    if (!rc && c->save_held && c->opt.reorder_window > 0) {    /* lines in the window */
        pt_reorder_walk(&c->ro, put_held, &ho);
        rc = ho.rc;
    }
    for (const pt_outrec *r = b ? b->head : NULL; !rc && r; r = r->next) {
        pt_jw_reset(&w);
        pt_jw_obj(&w, NULL);
        pt_jw_strn(&w, "record", r->text, r->len);
        pt_jw_int(&w, "seq", (int64_t)r->seq);
        pt_jw_obj_end(&w);
        rc = put_line(s, &w);
        records++;
    }
    if (!rc) {                              /* the trailer: counts and checksum */
        char sum[24];
        snprintf(sum, sizeof sum, "%08" PRIx64, s->hash);
        pt_jw_reset(&w);
        pt_jw_obj(&w, NULL);
        pt_jw_int(&w, "entries", (int64_t)entries);
        pt_jw_int(&w, "sessions", (int64_t)sessions);
        pt_jw_int(&w, "records", (int64_t)records);
        pt_jw_int(&w, "held", (int64_t)ho.n);
        pt_jw_str(&w, "checksum", sum);
        pt_jw_obj_end(&w);
        rc = put_line(s, &w);
    }
    pt_jw_free(&w);
    if (rc)
        pt_snapshot_free(s);
    return rc;
}

/* Free a snapshot's buffer. */
void pt_snapshot_free(pt_snapshot *s)
{
    free(s->buf);
    memset(s, 0, sizeof *s);
}

/* Save state and waiting records to f. */
int pt_state_save(pt_core *c, const pt_outbox *b, FILE *f)
{
    pt_snapshot s = { 0 };
    if (pt_snapshot_take(&s, c, b))
        return -1;
    int rc = fwrite(s.buf, 1, s.len, f) == s.len && fflush(f) == 0 ? 0 : -1;
    pt_snapshot_free(&s);
    return rc;
}

/* Save without waiting records (the command, tests). */
int pt_core_save(pt_core *c, FILE *f)
{
    return pt_state_save(c, NULL, f);
}
