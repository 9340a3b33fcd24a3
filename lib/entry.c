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

/* Are the n bytes at p all ASCII without NUL (stored as they are)? Eight
 * bytes per step: a byte with its top bit set, or a zero byte, shows in
 * the mask. */
static int ascii_clean(const unsigned char *p, size_t n)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t v;
        memcpy(&v, p + i, 8);
        if ((v | (v - ones)) & highs)
            return 0;
    }
    for (; i < n; i++)
        if (p[i] == 0 || p[i] >= 0x80)
            return 0;
    return 1;
}

/* Copy s into a as valid UTF-8; invalid bytes and NUL become U+FFFD. */
char *pt_utf8_dup(pt_arena *a, pt_slice s)
{
    if (!s.p)
        return NULL;
    if (ascii_clean((const unsigned char *)s.p, s.n))
        return pt_arena_strdup(a, s);
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

/* Cut stored string str (length n) to at most max bytes at a UTF-8
 * boundary; returns 1 when it was cut. */
static int cut_utf8(char *str, size_t n, size_t max)
{
    if (n <= max)
        return 0;
    size_t i = max;
    while (i > 0 && ((unsigned char)str[i] & 0xC0) == 0x80)
        i--;
    str[i] = '\0';
    return 1;
}

/* FNV-1a over the sanitised form of v (invalid bytes count as U+FFFD) cut
 * as pt_entry_str cuts it at max bytes, so raw bytes and their stored copy
 * hash alike. */
static uint64_t sanitised_hash(uint64_t h, pt_slice v, size_t max)
{
    const unsigned char *p = (const unsigned char *)v.p;
    size_t i = 0, out = 0;
    while (i < v.n) {
        size_t l = (p[i] >= 0x01 && p[i] < 0x80) ? 1 : utf8_seq(p + i, v.n - i);
        const unsigned char *q = l ? p + i : (const unsigned char *)"\xEF\xBF\xBD";
        size_t m = l ? l : 3;
        if (out + m > max)
            break;
        for (size_t k = 0; k < m; k++)
            h = (h ^ q[k]) * 1099511628211ULL;
        out += m;
        i += l ? l : 1;
    }
    return h;
}

/* Does stored string s equal raw bytes v once v is sanitised and cut at
 * max bytes (on a character boundary), as pt_entry_str stores it? */
static int utf8_same_max(const char *s, pt_slice v, size_t max)
{
    const unsigned char *p = (const unsigned char *)v.p;
    if (v.n == 0)
        return *s == '\0';
    if (v.n <= max && ascii_clean(p, v.n))     /* stored as it is: compare whole */
        return strncmp(s, v.p, v.n) == 0 && s[v.n] == '\0';
    size_t i = 0, out = 0;
    while (i < v.n) {
        size_t l = (p[i] >= 0x01 && p[i] < 0x80) ? 1 : utf8_seq(p + i, v.n - i);
        const char *q = l ? (const char *)p + i : "\xEF\xBF\xBD";
        size_t m = l ? l : 3;
        if (out + m > max)
            break;
        if (strncmp(s, q, m) != 0)
            return 0;
        s += m;
        out += m;
        i += l ? l : 1;
    }
    return *s == '\0';
}

/* Does stored (sanitised) string s equal raw bytes v once v is sanitised? */
int pt_utf8_same(const char *s, pt_slice v)
{
    return utf8_same_max(s, v, SIZE_MAX);
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

/* Status codes for overflow recipients, in pt_status_code order. */
static const char *const status_names[] = {
    "", "sent", "deferred", "bounced", "expired", "deliverable", "undeliverable", ""
};

/* Code of a status name. */
pt_status_code pt_status_code_of(const char *s)
{
    if (!s)
        return PT_ST_NONE;
    for (int i = PT_ST_SENT; i < PT_ST_OTHER; i++)
        if (strcmp(s, status_names[i]) == 0)
            return (pt_status_code)i;
    return PT_ST_OTHER;
}

/* Name of a status code. */
const char *pt_status_name(pt_status_code c)
{
    return (unsigned)c < sizeof status_names / sizeof status_names[0] ? status_names[c] : "";
}

/* Make an entry for host + queue ID. */
pt_entry *pt_entry_new(pt_slice host, pt_slice queue_id, const pt_core_options *opt)
{
    pt_entry *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->opt = opt;
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
    pt_dlist_init(&e->glob);
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
    free(e->rcpt_index);
    free(e->overflow);
    free(e->events);
    free(e->notes);
    free(e->raw);
    free(e->seen);
    pt_arena_free(&e->arena);
    free(e);
}

/* Has the entry folded in a line with hash h? */
int pt_entry_seen(const pt_entry *e, uint64_t h)
{
    h = h ? h : 1;
    if (!e->seen) {
        for (uint32_t i = 0; i < e->n_seen; i++)
            if (e->seen_few[i] == h)
                return 1;
        return 0;
    }
    for (uint32_t i = (uint32_t)h & e->seen_mask;; i = (i + 1) & e->seen_mask) {
        if (e->seen[i] == h)
            return 1;
        if (e->seen[i] == 0)
            return 0;
    }
}

/* Put hash h into the open-addressing table of `slots` at t. */
static void seen_put(uint64_t *t, uint32_t slots, uint64_t h)
{
    uint32_t j = (uint32_t)h & (slots - 1);
    while (t[j])
        j = (j + 1) & (slots - 1);
    t[j] = h;
}

/* Remember line hash h. */
void pt_entry_note_seen(pt_entry *e, uint64_t h)
{
    if (!pt_entry_seen(e, h))
        pt_entry_add_seen(e, h);
}

/* Remember line hash h, known not to be kept yet. */
void pt_entry_add_seen(pt_entry *e, uint64_t h)
{
    h = h ? h : 1;
    if (e->n_seen >= PT_SEEN_MAX)
        return;
    if (!e->seen && e->n_seen < PT_SEEN_FEW) {
        e->seen_few[e->n_seen++] = h;
        return;
    }
    if (!e->seen || (e->n_seen + 1) * 2 > e->seen_mask + 1) {     /* grow: load <= 1/2 */
        uint32_t slots = e->seen ? (e->seen_mask + 1) * 2 : 4 * PT_SEEN_FEW;
        uint64_t *n = calloc(slots, sizeof *n);
        if (!n)
            return;
        for (uint32_t i = 0; e->seen && i <= e->seen_mask; i++)
            if (e->seen[i])
                seen_put(n, slots, e->seen[i]);
        for (uint32_t i = 0; !e->seen && i < e->n_seen; i++)
            seen_put(n, slots, e->seen_few[i]);
        free(e->seen);
        e->seen = n;
        e->seen_mask = slots - 1;
    }
    seen_put(e->seen, e->seen_mask + 1, h);
    e->n_seen++;
}

/* The kept line hashes: *n of them at the return value, zeros to skip. */
const uint64_t *pt_entry_seen_all(const pt_entry *e, uint32_t *n)
{
    *n = e->seen ? e->seen_mask + 1 : e->n_seen;
    return e->seen ? e->seen : e->seen_few;
}

/* Bytes held by an entry. */
size_t pt_entry_bytes(const pt_entry *e)
{
    return sizeof *e + e->arena.total + e->cap_rcpts * sizeof *e->rcpts
        + (e->rcpt_index ? (e->rcpt_index_mask + 1) * sizeof *e->rcpt_index : 0)
        + (e->overflow ? (e->overflow_mask + 1) * sizeof *e->overflow : 0)
        + e->cap_events * sizeof *e->events + e->cap_notes * sizeof *e->notes
        + e->cap_raw * sizeof *e->raw
        + (e->seen ? (e->seen_mask + 1) * sizeof *e->seen : 0);
}

/* The record id: host/queue_id/first_seen_usec[/seq]. */
size_t pt_entry_id(const pt_entry *e, char *buf, size_t size)
{
    char num[48], *end = num + sizeof num, *p = end;
    int64_t fs = e->first_seen.valid ? pt_time_usec(&e->first_seen) : 0;
    uint64_t u = fs < 0 ? 0 : (uint64_t)fs;
    if (e->reuse_seq > 1) {
        uint32_t s = e->reuse_seq;
        do { *--p = (char)('0' + s % 10); s /= 10; } while (s);
        *--p = '/';
    }
    do { *--p = (char)('0' + u % 10); u /= 10; } while (u);
    size_t hl = strlen(e->host), ql = strlen(e->queue_id), nl = (size_t)(end - p);
    if (hl + ql + nl + 3 > size)
        return 0;
    memcpy(buf, e->host, hl);
    buf[hl] = '/';
    memcpy(buf + hl + 1, e->queue_id, ql);
    buf[hl + 1 + ql] = '/';
    memcpy(buf + hl + 2 + ql, p, nl);
    buf[hl + ql + nl + 2] = '\0';
    return hl + ql + nl + 2;
}

/* Does the record need a `truncated` object? */
int pt_entry_truncated(const pt_entry *e)
{
    const pt_truncated *t = &e->trunc;
    return t->recipients || t->events || t->notifications || t->raw || t->text;
}

/* Copy *f into arena a (when set). */
static void move_str(pt_arena *a, char **f)
{
    if (*f)
        *f = pt_arena_strdup(a, pt_slice_cstr(*f));
}

/* Copy every live string of e into a fresh arena and free the old one. */
static void entry_compact(pt_entry *e)
{
    pt_arena a = { 0 };
    char **top[] = {
        &e->host, &e->queue_id, &e->instance, &e->origin, &e->origin_program,
        &e->client.name, &e->client.ip, &e->client.helo, &e->client.sasl_method,
        &e->client.sasl_username, &e->client.tls_trust, &e->client.tls_protocol,
        &e->client.tls_cipher, &e->pickup_from, &e->message_id, &e->from,
        &e->bounce_id, &e->parent_id
    };
    for (size_t i = 0; i < sizeof top / sizeof top[0]; i++)
        move_str(&a, top[i]);
    for (uint32_t i = 0; i < e->n_rcpts; i++) {
        pt_rcpt *r = &e->rcpts[i];
        char **f[] = { &r->to, &r->orig_to, &r->status, &r->dsn, &r->service,
                       &r->transport, &r->relay, &r->reply, &r->queued_as };
        for (size_t k = 0; k < sizeof f / sizeof f[0]; k++)
            move_str(&a, f[k]);
    }
    for (uint32_t i = 0; i < e->n_events; i++) {
        move_str(&a, &e->events[i].service);
        move_str(&a, &e->events[i].action);
        move_str(&a, &e->events[i].text);
    }
    for (uint32_t i = 0; i < e->n_notes; i++)
        move_str(&a, &e->notes[i].queue_id);
    for (uint32_t i = 0; i < e->n_raw; i++)
        move_str(&a, &e->raw[i]);
    pt_arena_free(&e->arena);
    e->arena = a;
    e->arena_live = a.total;
    e->node.host = e->host;
    e->node.key = e->queue_id;
}

/* Compact when replaced strings outweigh the live ones. */
void pt_entry_maybe_compact(pt_entry *e)
{
    if (e->arena.total > 2 * e->arena_live + 16384)
        entry_compact(e);
}

/* Sanitised copy of s in the entry's arena, cut at max_text bytes. */
char *pt_entry_str(pt_entry *e, pt_slice s)
{
    pt_entry_maybe_compact(e);
    char *r = pt_utf8_dup(&e->arena, s);
    if (r && e->opt && cut_utf8(r, strlen(r), e->opt->max_text))
        e->trunc.text++;
    return r;
}

/* The longest text the entry stores. */
static size_t max_text(const pt_entry *e)
{
    return e->opt ? e->opt->max_text : SIZE_MAX;
}

/* Set *dst to s unless it already says the same (as stored: cut). */
void pt_entry_set(pt_entry *e, char **dst, pt_slice s)
{
    if (!s.p || (*dst && utf8_same_max(*dst, s, max_text(e))))
        return;
    *dst = pt_entry_str(e, s);
}

/* Grow a vector to hold one more element; 0 on success. */
static int grow(void **v, uint32_t *cap, uint32_t n, size_t elem)
{
    if (n < *cap)
        return 0;
    uint32_t nc = *cap ? *cap * 2 : 1;     /* most mails: one recipient, one event */
    void *nv = realloc(*v, (size_t)nc * elem);
    if (!nv)
        return -1;
    *v = nv;
    *cap = nc;
    return 0;
}

/* Set *dst to s, or clear it when s is absent (a field of the latest line). */
void pt_entry_replace(pt_entry *e, char **dst, pt_slice s)
{
    if (!s.p)
        *dst = NULL;
    else
        pt_entry_set(e, dst, s);
}

/* Does stored string s of e equal slice v as stored (absent equals absent)? */
static int same(const pt_entry *e, const char *s, pt_slice v)
{
    if (!s || !v.p)
        return !s && !v.p;
    return utf8_same_max(s, v, max_text(e));
}

/* Hash of a recipient key as stored: to, and orig_to or its absence. */
static uint64_t rcpt_hash(const pt_entry *e, pt_slice to, pt_slice orig_to)
{
    uint64_t h = sanitised_hash(1469598103934665603ULL, to, max_text(e));
    h = (h ^ (orig_to.p ? 0x01 : 0x02)) * 1099511628211ULL;
    h = sanitised_hash(h, orig_to, max_text(e));
    return h ? h : 1;
}

/* Put recipient i into the index (which has room). */
static void index_put(pt_entry *e, uint32_t i)
{
    uint32_t k = (uint32_t)e->rcpts[i].key_hash & e->rcpt_index_mask;
    while (e->rcpt_index[k])
        k = (k + 1) & e->rcpt_index_mask;
    e->rcpt_index[k] = i + 1;
}

/* Rebuild the index with room for twice the recipients; 0 on success. */
static int index_grow(pt_entry *e)
{
    uint32_t slots = 16;
    while (slots < 2 * (e->n_rcpts + 1))
        slots *= 2;
    uint32_t *ix = calloc(slots, sizeof *ix);
    if (!ix)
        return -1;
    free(e->rcpt_index);
    e->rcpt_index = ix;
    e->rcpt_index_mask = slots - 1;
    for (uint32_t i = 0; i < e->n_rcpts; i++)
        index_put(e, i);
    return 0;
}

/* Find or add the recipient to + orig_to. */
pt_rcpt *pt_entry_rcpt(pt_entry *e, pt_slice to, pt_slice orig_to)
{
    uint64_t h = rcpt_hash(e, to, orig_to);
    if (e->rcpt_index) {
        for (uint32_t k = (uint32_t)h & e->rcpt_index_mask; e->rcpt_index[k];
             k = (k + 1) & e->rcpt_index_mask) {
            pt_rcpt *r = &e->rcpts[e->rcpt_index[k] - 1];
            if (r->key_hash == h && same(e, r->to, to) && same(e, r->orig_to, orig_to))
                return r;
        }
    } else {
        for (uint32_t i = 0; i < e->n_rcpts; i++)
            if (e->rcpts[i].key_hash == h && same(e, e->rcpts[i].to, to)
                && same(e, e->rcpts[i].orig_to, orig_to))
                return &e->rcpts[i];
    }
    if (e->opt && e->n_rcpts >= e->opt->max_recipients)
        return NULL;
    if (grow((void **)&e->rcpts, &e->cap_rcpts, e->n_rcpts, sizeof *e->rcpts))
        return NULL;
    if (e->n_rcpts >= 8 && 2 * (e->n_rcpts + 1) > e->rcpt_index_mask && index_grow(e))
        return NULL;
    pt_rcpt *r = &e->rcpts[e->n_rcpts];
    memset(r, 0, sizeof *r);
    r->key_hash = h;
    r->delay = -1;
    for (int i = 0; i < 4; i++)
        r->delays[i] = -1;
    r->smtp_code = -1;
    e->n_rcpts++;
    if (e->rcpt_index)
        index_put(e, e->n_rcpts - 1);
    r->to = pt_entry_str(e, to);
    r->orig_to = pt_entry_str(e, orig_to);
    return r;
}

/* Note the latest status of a recipient beyond max_recipients. */
void pt_entry_rcpt_overflow(pt_entry *e, pt_slice to, pt_slice orig_to, pt_slice status)
{
    char name[16] = "";
    if (status.p && status.n < sizeof name) {
        memcpy(name, status.p, status.n);
        name[status.n] = '\0';
    }
    uint8_t code = (uint8_t)pt_status_code_of(status.p ? name : NULL);
    pt_entry_rcpt_overflow_key(e, rcpt_hash(e, to, orig_to), code);
}

/* Note status code of the overflow recipient with key hash h. */
void pt_entry_rcpt_overflow_key(pt_entry *e, uint64_t h, uint8_t code)
{
    uint32_t cap = e->opt && e->opt->max_recipients < (1u << 26)
                   ? 4 * e->opt->max_recipients : 1024;
    if (cap < 1024)
        cap = 1024;
    if (!e->overflow) {
        uint32_t slots = 16;
        while (slots < 2 * cap && slots < (1u << 30))
            slots *= 2;
        e->overflow = calloc(slots, sizeof *e->overflow);
        if (!e->overflow)
            return;
        e->overflow_mask = slots - 1;
    }
    uint32_t k = (uint32_t)h & e->overflow_mask;
    while (e->overflow[k].key_hash && e->overflow[k].key_hash != h)
        k = (k + 1) & e->overflow_mask;
    if (e->overflow[k].key_hash == h) {
        e->overflow[k].status = code;
        return;
    }
    e->trunc.recipients++;
    if (e->n_overflow >= cap) {             /* beyond the set: its status only */
        e->overflow_status_mask |= 1u << code;
        return;
    }
    e->overflow[k].key_hash = h;
    e->overflow[k].status = code;
    e->n_overflow++;
}

/* Append an event (counted in truncated beyond max_events). */
void pt_entry_add_event(pt_entry *e, const pt_time *t, pt_slice service,
                        pt_slice action, pt_slice text)
{
    if (e->opt && e->n_events >= e->opt->max_events) {
        e->trunc.events++;
        return;
    }
    if (grow((void **)&e->events, &e->cap_events, e->n_events, sizeof *e->events))
        return;
    pt_mail_event *ev = &e->events[e->n_events++];
    memset(ev, 0, sizeof *ev);
    ev->time = *t;
    ev->service = pt_entry_str(e, service);
    ev->action = pt_entry_str(e, action);
    ev->text = pt_entry_str(e, text);
}

/* Append a notification unless the same one is there already (at most
 * max_events: the scan is bounded by the cap). */
void pt_entry_add_notification(pt_entry *e, pt_notify_kind kind, pt_slice qid)
{
    for (uint32_t i = 0; i < e->n_notes; i++)
        if (e->notes[i].kind == kind && same(e, e->notes[i].queue_id, qid))
            return;
    if (e->opt && e->n_notes >= e->opt->max_events) {
        e->trunc.notifications++;
        return;
    }
    if (grow((void **)&e->notes, &e->cap_notes, e->n_notes, sizeof *e->notes))
        return;
    pt_notification *n = &e->notes[e->n_notes++];
    n->kind = kind;
    n->queue_id = NULL;
    n->queue_id = pt_entry_str(e, qid);
}

/* Append a raw line (counted in truncated beyond max_raw_lines). */
void pt_entry_add_raw(pt_entry *e, pt_slice line)
{
    if (e->opt && e->n_raw >= e->opt->max_raw_lines) {
        e->trunc.raw++;
        return;
    }
    if (grow((void **)&e->raw, &e->cap_raw, e->n_raw, sizeof *e->raw))
        return;
    uint32_t i = e->n_raw++;
    e->raw[i] = NULL;
    e->raw[i] = pt_entry_str(e, line);
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

/* Point the session's table nodes at its host and key ("PID IP", and
 * "PID" alone for pid_node); hashes are the table owner's. */
void pt_session_key_nodes(pt_session *s)
{
    s->node.host = s->pid_node.host = s->host;
    s->node.key = s->pid_node.key = s->pid;
    s->node.host_len = s->pid_node.host_len = (uint16_t)strlen(s->host);
    s->node.key_len = s->pid_node.key_len = (uint16_t)strlen(s->pid);
    const char *sp = strchr(s->pid, ' ');
    if (sp)
        s->pid_node.key_len = (uint16_t)(sp - s->pid);
}

/* Make a session for host + key ("PID IP"). */
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
    pt_session_key_nodes(s);
    pt_dlist_init(&s->order);
    pt_dlist_init(&s->glob);
    pt_dlist_init(&s->closing_link);
    s->client.port = -1;
    s->client.tls_bits = -1;
    return s;
}

/* Compact a session's arena when replaced strings outweigh live ones. */
void pt_session_maybe_compact(pt_session *s)
{
    if (s->arena.total <= 2 * s->arena_live + 16384)
        return;
    pt_arena a = { 0 };
    char **f[] = {
        &s->host, &s->pid, &s->client.name, &s->client.ip, &s->client.helo,
        &s->client.sasl_method, &s->client.sasl_username, &s->client.tls_trust,
        &s->client.tls_protocol, &s->client.tls_cipher, &s->from, &s->queue_id
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        move_str(&a, f[i]);
    for (uint32_t i = 0; i < s->n_pending; i++) {
        move_str(&a, &s->pending[i].service);
        move_str(&a, &s->pending[i].action);
        move_str(&a, &s->pending[i].text);
    }
    for (uint32_t i = 0; i < s->n_raw; i++)
        move_str(&a, &s->raw[i]);
    for (uint32_t i = 0; i < s->n_earlier; i++)
        move_str(&a, &s->earlier[i]);
    pt_arena_free(&s->arena);
    s->arena = a;
    s->arena_live = a.total;
    s->node.host = s->pid_node.host = s->host;
    s->node.key = s->pid_node.key = s->pid;
}

/* Room for one more earlier message. */
int pt_session_earlier_room(pt_session *s)
{
    if (s->n_earlier < s->cap_earlier)
        return 0;
    if (s->cap_earlier >= PT_SESSION_EARLIER)
        return -1;
    uint32_t cap = s->cap_earlier ? s->cap_earlier * 2 : 8;
    char **v = realloc(s->earlier, cap * sizeof *v);
    if (!v)
        return -1;
    s->earlier = v;
    s->cap_earlier = cap;
    return 0;
}

/* Free a session. */
void pt_session_free(pt_session *s)
{
    if (!s)
        return;
    free(s->earlier);
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

/* Fold an event's client facts into an entry (strings cut as stored). */
void pt_entry_client_update(pt_entry *e, const pt_event *ev)
{
    pt_client_info *ci = &e->client;
    pt_entry_set(e, &ci->name, ev->client.name);
    pt_entry_set(e, &ci->ip, ev->client.ip);
    if (ev->client.port >= 0)
        ci->port = ev->client.port;
    pt_entry_set(e, &ci->helo, ev->helo);
    pt_entry_set(e, &ci->sasl_method, ev->sasl_method);
    pt_entry_set(e, &ci->sasl_username, ev->sasl_username);
}

/* Set a session string unless equal. */
void pt_session_set(pt_session *s, char **dst, pt_slice v)
{
    arena_set(&s->arena, dst, v);
}
