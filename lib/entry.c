/*
 * entry.c - open mails and smtpd sessions as compact structs (see entry.h):
 * creation, string storage (sanitised UTF-8 in the entry's arena), the
 * recipient / event / notification / raw vectors, and freeing.
 */
#include "entry.h"

#include <stdlib.h>
#include <string.h>

/* Record name of an end value. */
const char *pt_end_name(pt_end e)
{
    static const char *const names[] = {
        "", "removed", "expired", "deleted", "rejected", "discarded",
        "aborted", "timeout", "evicted", "shutdown"
    };
    return (unsigned)e < sizeof names / sizeof names[0] ? names[e] : "";
}

/* Length of the valid UTF-8 sequence at p (max n bytes), 0 if invalid. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    size_t len;
    unsigned min;
    unsigned cp;
    if (c < 0x80)
        return c ? 1 : 0;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2; cp = c & 0x1F; min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3; cp = c & 0x0F; min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4; cp = c & 0x07; min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

/* Copy s into a as valid UTF-8; invalid bytes and NUL become U+FFFD. */
char *pt_utf8_dup(pt_arena *a, pt_slice s)
{
    if (!s.p)
        return NULL;
    const unsigned char *p = (const unsigned char *)s.p;
    size_t bad = 0, i = 0;
    while (i < s.n) {
        if (p[i] >= 0x01 && p[i] < 0x80) {
            i++;
            continue;
        }
        size_t l = utf8_seq(p + i, s.n - i);
        if (l == 0) {
            bad++;
            i++;
        } else {
            i += l;
        }
    }
    if (bad == 0)
        return pt_arena_strdup(a, s);
    char *out = pt_arena_alloc(a, s.n + bad * 2 + 1);
    if (!out)
        return NULL;
    char *o = out;
    i = 0;
    while (i < s.n) {
        size_t l = (p[i] >= 0x01 && p[i] < 0x80) ? 1 : utf8_seq(p + i, s.n - i);
        if (l == 0) {
            memcpy(o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        } else {
            memcpy(o, p + i, l);
            o += l;
            i += l;
        }
    }
    *o = '\0';
    return out;
}

/* Does stored (sanitised) string s equal raw bytes v once v is sanitised? */
int pt_utf8_same(const char *s, pt_slice v)
{
    const unsigned char *p = (const unsigned char *)v.p;
    size_t i = 0;
    while (i < v.n) {
        size_t l = (p[i] >= 0x01 && p[i] < 0x80) ? 1 : utf8_seq(p + i, v.n - i);
        if (l == 0) {
            if (strncmp(s, "\xEF\xBF\xBD", 3) != 0)
                return 0;
            s += 3;
            i++;
            continue;
        }
        if (strncmp(s, (const char *)p + i, l) != 0)
            return 0;
        s += l;
        i += l;
    }
    return *s == '\0';
}

/* Store v into *dst in arena a unless it says the same already. */
static void arena_set(pt_arena *a, char **dst, pt_slice v)
{
    if (!v.p)
        return;
    if (*dst && pt_utf8_same(*dst, v))
        return;
    *dst = pt_utf8_dup(a, v);
}

/* Make an entry for host + queue ID. */
pt_entry *pt_entry_new(pt_slice host, pt_slice queue_id)
{
    pt_entry *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->host = pt_utf8_dup(&e->arena, host);
    e->queue_id = pt_utf8_dup(&e->arena, queue_id);
    if (!e->host || !e->queue_id) {
        pt_entry_free(e);
        return NULL;
    }
    e->node.host = e->host;
    e->node.key = e->queue_id;
    e->node.host_len = (uint16_t)strlen(e->host);
    e->node.key_len = (uint16_t)strlen(e->queue_id);
    pt_dlist_init(&e->order);
    e->size = -1;
    e->nrcpt = -1;
    e->pickup_uid = -1;
    e->client.port = -1;
    e->client.tls_bits = -1;
    e->reuse_seq = 1;
    return e;
}

/* Free an entry. */
void pt_entry_free(pt_entry *e)
{
    if (!e)
        return;
    free(e->rcpts);
    free(e->events);
    free(e->notes);
    free(e->raw);
    pt_arena_free(&e->arena);
    free(e);
}

/* Bytes held by an entry. */
size_t pt_entry_bytes(const pt_entry *e)
{
    return sizeof *e + e->arena.total + e->cap_rcpts * sizeof *e->rcpts
        + e->cap_events * sizeof *e->events + e->cap_notes * sizeof *e->notes
        + e->cap_raw * sizeof *e->raw;
}

/* Sanitised copy of s in the entry's arena. */
char *pt_entry_str(pt_entry *e, pt_slice s)
{
    return pt_utf8_dup(&e->arena, s);
}

/* Set *dst to s unless it already says the same. */
void pt_entry_set(pt_entry *e, char **dst, pt_slice s)
{
    arena_set(&e->arena, dst, s);
}

/* Grow a vector to hold one more element; 0 on success. */
static int grow(void **v, uint32_t *cap, uint32_t n, size_t elem)
{
    if (n < *cap)
        return 0;
    uint32_t nc = *cap ? *cap * 2 : 2;
    void *nv = realloc(*v, (size_t)nc * elem);
    if (!nv)
        return -1;
    *v = nv;
    *cap = nc;
    return 0;
}

/* Does stored string s equal slice v (absent equals absent)? */
static int same(const char *s, pt_slice v)
{
    if (!s || !v.p)
        return !s && !v.p;
    return pt_utf8_same(s, v);
}

/* Find or add the recipient to + orig_to. */
pt_rcpt *pt_entry_rcpt(pt_entry *e, pt_slice to, pt_slice orig_to)
{
    for (uint32_t i = 0; i < e->n_rcpts; i++)
        if (same(e->rcpts[i].to, to) && same(e->rcpts[i].orig_to, orig_to))
            return &e->rcpts[i];
    if (grow((void **)&e->rcpts, &e->cap_rcpts, e->n_rcpts, sizeof *e->rcpts))
        return NULL;
    pt_rcpt *r = &e->rcpts[e->n_rcpts++];
    memset(r, 0, sizeof *r);
    r->to = pt_entry_str(e, to);
    r->orig_to = pt_entry_str(e, orig_to);
    r->delay = -1;
    for (int i = 0; i < 4; i++)
        r->delays[i] = -1;
    r->smtp_code = -1;
    return r;
}

/* Append an event. */
void pt_entry_add_event(pt_entry *e, const pt_time *t, pt_slice service,
                        pt_slice action, pt_slice text)
{
    if (grow((void **)&e->events, &e->cap_events, e->n_events, sizeof *e->events))
        return;
    pt_mail_event *ev = &e->events[e->n_events++];
    ev->time = *t;
    ev->service = pt_entry_str(e, service);
    ev->action = pt_entry_str(e, action);
    ev->text = pt_entry_str(e, text);
}

/* Append a notification unless the same one is there already. */
void pt_entry_add_notification(pt_entry *e, pt_notify_kind kind, pt_slice qid)
{
    for (uint32_t i = 0; i < e->n_notes; i++)
        if (e->notes[i].kind == kind && same(e->notes[i].queue_id, qid))
            return;
    if (grow((void **)&e->notes, &e->cap_notes, e->n_notes, sizeof *e->notes))
        return;
    e->notes[e->n_notes].kind = kind;
    e->notes[e->n_notes].queue_id = pt_entry_str(e, qid);
    e->n_notes++;
}

/* Append a raw line. */
void pt_entry_add_raw(pt_entry *e, pt_slice line)
{
    if (grow((void **)&e->raw, &e->cap_raw, e->n_raw, sizeof *e->raw))
        return;
    e->raw[e->n_raw++] = pt_entry_str(e, line);
}

/* Copy a string into the entry unless absent. */
static void copy_str(pt_entry *e, char **dst, const char *src)
{
    if (src)
        pt_entry_set(e, dst, pt_slice_cstr(src));
}

/* Copy client facts. */
void pt_entry_copy_client(pt_entry *e, pt_client_info *dst, const pt_client_info *src)
{
    copy_str(e, &dst->name, src->name);
    copy_str(e, &dst->ip, src->ip);
    copy_str(e, &dst->helo, src->helo);
    copy_str(e, &dst->sasl_method, src->sasl_method);
    copy_str(e, &dst->sasl_username, src->sasl_username);
    copy_str(e, &dst->tls_trust, src->tls_trust);
    copy_str(e, &dst->tls_protocol, src->tls_protocol);
    copy_str(e, &dst->tls_cipher, src->tls_cipher);
    if (src->port >= 0)
        dst->port = src->port;
    if (src->tls_bits >= 0)
        dst->tls_bits = src->tls_bits;
}

/* Make a session for host + pid. */
pt_session *pt_session_new(pt_slice host, pt_slice pid)
{
    pt_session *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->host = pt_utf8_dup(&s->arena, host);
    s->pid = pt_utf8_dup(&s->arena, pid);
    if (!s->host || !s->pid) {
        pt_session_free(s);
        return NULL;
    }
    s->node.host = s->host;
    s->node.key = s->pid;
    s->node.host_len = (uint16_t)strlen(s->host);
    s->node.key_len = (uint16_t)strlen(s->pid);
    pt_dlist_init(&s->order);
    s->client.port = -1;
    s->client.tls_bits = -1;
    return s;
}

/* Free a session. */
void pt_session_free(pt_session *s)
{
    if (!s)
        return;
    pt_arena_free(&s->arena);
    free(s);
}

/* Fold an event's client facts (name, ip, port, helo, SASL) into ci. */
void pt_client_info_update(pt_arena *a, pt_client_info *ci, const pt_event *ev)
{
    arena_set(a, &ci->name, ev->client.name);
    arena_set(a, &ci->ip, ev->client.ip);
    if (ev->client.port >= 0)
        ci->port = ev->client.port;
    arena_set(a, &ci->helo, ev->helo);
    arena_set(a, &ci->sasl_method, ev->sasl_method);
    arena_set(a, &ci->sasl_username, ev->sasl_username);
}

/* Set a session string unless equal. */
void pt_session_set(pt_session *s, char **dst, pt_slice v)
{
    arena_set(&s->arena, dst, v);
}
