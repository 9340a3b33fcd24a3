/*
 * state.c - save and load the core's open and lingering entries (the
 * daemons' state file) and the smtpd sessions that stitch client facts onto
 * the next queue ID, so a mail whose lines straddle a restart still gets one
 * complete record. Format: JSON Lines — a header object, one object per
 * entry (then one per smtpd session and per record not yet written), and a
 * trailer with the counts and a CRC-32 (zlib) of all bytes before it. A file that fails any check loads nothing.
 * pt_core_save_file writes a temp file, fsyncs it and renames it in place.
 *
 * Writing is state_write.c (fast, into memory); loading here uses json-c.
 *
 * Memory: json-c objects are built and freed per entry; loaded entries are
 * owned by the core. Thread-safety: as the core (one thread at a time).
 */
#include "core_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define MAX_STATE_BYTES ((size_t)1 << 32)

/* A string field of pt_entry, by offset, for the generic (de)serialiser. */
typedef struct str_field {
    const char *name;
    size_t off;
} str_field;

#define EF(f) { #f, offsetof(pt_entry, f) }
static const str_field entry_strings[] = {
    EF(instance), EF(origin), EF(origin_program), EF(client.name), EF(client.ip),
    EF(client.helo), EF(client.sasl_method), EF(client.sasl_username),
    EF(client.tls_trust), EF(client.tls_protocol), EF(client.tls_cipher),
    EF(pickup_from), EF(message_id), EF(from), EF(bounce_id), EF(parent_id)
};
#define RF(f) { #f, offsetof(pt_rcpt, f) }
static const str_field rcpt_strings[] = {
    RF(to), RF(orig_to), RF(status), RF(dsn), RF(service), RF(transport),
    RF(relay), RF(reply), RF(queued_as)
};

/* Read a pt_time written as [sec, usec, frac_digits, utc_off_min, valid]. */
static int time_read(json_object *a, pt_time *t)
{
    if (!json_object_is_type(a, json_type_array) || json_object_array_length(a) != 5)
        return -1;
    t->sec = json_object_get_int64(json_object_array_get_idx(a, 0));
    t->usec = json_object_get_int(json_object_array_get_idx(a, 1));
    t->frac_digits = (int8_t)json_object_get_int(json_object_array_get_idx(a, 2));
    t->utc_off_min = (int16_t)json_object_get_int(json_object_array_get_idx(a, 3));
    t->valid = (int8_t)json_object_get_int(json_object_array_get_idx(a, 4));
    return t->usec < 0 || t->usec > 999999 || t->frac_digits < 0 || t->frac_digits > 6 ? -1 : 0;
}

/* Read the string fields f from o into base, copying into e's arena. */
static void get_strings(pt_entry *e, json_object *o, void *base, const str_field *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        json_object *v;
        if (json_object_object_get_ex(o, f[i].name, &v) && json_object_is_type(v, json_type_string))
            *(char **)((char *)base + f[i].off) = pt_entry_str(
                e, pt_slice_make(json_object_get_string(v), (size_t)json_object_get_string_len(v)));
    }
}

/* An integer member, or def when absent. */
static int64_t get_int(json_object *o, const char *k, int64_t def)
{
    json_object *v;
    return json_object_object_get_ex(o, k, &v) ? json_object_get_int64(v) : def;
}

/* Restore the truncation counts and overflow recipients of e from o. */
static int truncation_from_json(pt_entry *e, json_object *o)
{
    json_object *tr, *ov;
    if (json_object_object_get_ex(o, "trunc", &tr) && json_object_is_type(tr, json_type_array)
        && json_object_array_length(tr) == 5) {
        uint32_t *tv[5] = { &e->trunc.recipients, &e->trunc.events, &e->trunc.notifications,
                            &e->trunc.raw, &e->trunc.text };
        for (size_t k = 0; k < 5; k++)
            *tv[k] += (uint32_t)json_object_get_int64(json_object_array_get_idx(tr, k));
    }
    e->overflow_status_mask = (uint32_t)get_int(o, "overflow_mask", 0);
    if (!json_object_object_get_ex(o, "overflow", &ov) || !json_object_is_type(ov, json_type_array))
        return 0;
    uint32_t had = e->trunc.recipients;
    for (size_t i = 0; i < json_object_array_length(ov); i++) {
        const char *hx = json_object_get_string(json_object_array_get_idx(ov, i));
        if (!hx || strlen(hx) != 17 || hx[16] < '0' || hx[16] > '7')
            return -1;
        char name[24];
        snprintf(name, sizeof name, "%.16s", hx);
        uint64_t h = strtoull(name, NULL, 16);
        pt_entry_rcpt_overflow_key(e, h, (uint8_t)(hx[16] - '0'));
    }
    e->trunc.recipients = had;
    return 0;
}

/* A string member as a slice (absent: NULL slice). */
static pt_slice get_slice(json_object *o, const char *k)
{
    json_object *v;
    if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_string))
        return pt_slice_make(NULL, 0);
    return pt_slice_make(json_object_get_string(v), (size_t)json_object_get_string_len(v));
}

/* An array member, or NULL. */
static json_object *get_array(json_object *o, const char *k)
{
    json_object *v;
    return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_array) ? v : NULL;
}

/* Rebuild an entry from its JSON object; NULL when it is not valid. */
static pt_entry *entry_from_json(const pt_core *c, json_object *o, int64_t version)
{
    pt_slice host = get_slice(o, "host"), qid = get_slice(o, "queue_id");
    int64_t state = get_int(o, "state", -1), end = get_int(o, "end", -1);
    if (!host.p || !qid.p || host.n == 0 || host.n > 255 || qid.n == 0 || qid.n > 64
        || state < PT_ENTRY_OPEN || state > PT_ENTRY_PLACEHOLDER
        || end < PT_END_NONE || end > PT_END_SHUTDOWN)
        return NULL;
    pt_entry *e = pt_entry_new(host, qid, &c->opt);
    if (!e)
        return NULL;
    get_strings(e, o, e, entry_strings, sizeof entry_strings / sizeof entry_strings[0]);
    e->state = (uint8_t)state;
    e->end = (uint8_t)end;
    int64_t fl = get_int(o, "flags", 0);
    e->created = fl & 1; e->expired = fl >> 1 & 1; e->discard_pending = fl >> 2 & 1;
    e->cleanup_seen = fl >> 3 & 1; e->qmgr_seen = fl >> 4 & 1;
    e->progress_emitted = fl >> 5 & 1; e->has_pickup = fl >> 7 & 1;
    e->from_weak = fl >> 8 & 1;
    e->touched_usec = get_int(o, "touched", 0);
    e->touch_seq = (uint64_t)get_int(o, "touch_seq", 0);
    /* absent in older files; before version 3 hashed otherwise (dropped:
       only a line replayed across the upgrade goes undetected) */
    json_object *seen = version >= 3 ? get_array(o, "seen") : NULL;
    size_t n_seen = seen ? json_object_array_length(seen) : 0;
    for (size_t i = 0; i < n_seen && i < PT_SEEN_MAX; i++) {
        json_object *h = json_object_array_get_idx(seen, i);
        if (json_object_is_type(h, json_type_int))
            pt_entry_note_seen(e, (uint64_t)json_object_get_int64(h));
    }
    e->ended_usec = get_int(o, "ended", 0);
    e->reuse_seq = (uint32_t)get_int(o, "reuse_seq", 1);
    e->lines = (uint32_t)get_int(o, "lines", 0);
    e->client.port = (int32_t)get_int(o, "port", -1);
    e->client.tls_bits = (int32_t)get_int(o, "tls_bits", -1);
    e->pickup_uid = (int32_t)get_int(o, "pickup_uid", -1);
    e->size = get_int(o, "size", -1);
    e->nrcpt = (int32_t)get_int(o, "nrcpt", -1);
    json_object *v;
    if (!json_object_object_get_ex(o, "first_seen", &v) || time_read(v, &e->first_seen)
        || !json_object_object_get_ex(o, "last_seen", &v) || time_read(v, &e->last_seen))
        goto bad;
    json_object *rs = get_array(o, "rcpts"), *es = get_array(o, "events");
    json_object *ns = get_array(o, "notes"), *raw = get_array(o, "raw");
    if (!rs || !es || !ns || !raw)
        goto bad;
    for (size_t i = 0; i < json_object_array_length(rs); i++) {
        json_object *ro = json_object_array_get_idx(rs, i), *d;
        pt_rcpt *r = pt_entry_rcpt(e, get_slice(ro, "to"), get_slice(ro, "orig_to"));
        if (!r || !json_object_object_get_ex(ro, "time", &v) || time_read(v, &r->time)
            || !(d = get_array(ro, "delays")) || json_object_array_length(d) != 5)
            goto bad;
        get_strings(e, ro, r, rcpt_strings + 2, sizeof rcpt_strings / sizeof rcpt_strings[0] - 2);
        r->delay = json_object_get_double(json_object_array_get_idx(d, 0));
        for (int k = 0; k < 4; k++)
            r->delays[k] = json_object_get_double(json_object_array_get_idx(d, (size_t)k + 1));
        r->smtp_code = (int32_t)get_int(ro, "smtp_code", -1);
        r->attempts = (int32_t)get_int(ro, "attempts", 0);
    }
    for (size_t i = 0; i < json_object_array_length(es); i++) {
        json_object *eo = json_object_array_get_idx(es, i);
        pt_time t;
        if (!json_object_object_get_ex(eo, "time", &v) || time_read(v, &t))
            goto bad;
        pt_entry_add_event(e, &t, get_slice(eo, "service"), get_slice(eo, "action"),
                           get_slice(eo, "text"));
    }
    for (size_t i = 0; i < json_object_array_length(ns); i++) {
        json_object *no = json_object_array_get_idx(ns, i);
        int64_t k = get_int(no, "kind", 0);
        if (k <= PT_NOTIFY_NONE || k > PT_NOTIFY_SUCCESS)
            goto bad;
        pt_entry_add_notification(e, (pt_notify_kind)k, get_slice(no, "queue_id"));
    }
    for (size_t i = 0; i < json_object_array_length(raw); i++) {
        json_object *s = json_object_array_get_idx(raw, i);
        pt_entry_add_raw(e, pt_slice_make(json_object_get_string(s),
                                          (size_t)json_object_get_string_len(s)));
    }
    if (truncation_from_json(e, o))
        goto bad;
    return e;
bad:
    pt_entry_free(e);
    return NULL;
}

/* Session string fields, by offset. */
#define SF(f) { #f, offsetof(pt_session, f) }
static const str_field session_strings[] = {
    SF(client.name), SF(client.ip), SF(client.helo), SF(client.sasl_method),
    SF(client.sasl_username), SF(client.tls_trust), SF(client.tls_protocol),
    SF(client.tls_cipher), SF(from), SF(queue_id)
};

/* Rebuild a session from its JSON object; NULL when it is not valid. */
static pt_session *session_from_json(json_object *o)
{
    pt_slice host = get_slice(o, "host"), pid = get_slice(o, "pid");
    json_object *ps = get_array(o, "pending");
    if (!host.p || !pid.p || host.n == 0 || host.n > 255 || pid.n > 160 || !ps
        || json_object_array_length(ps) > sizeof ((pt_session *)0)->pending
                                           / sizeof ((pt_session *)0)->pending[0])
        return NULL;
    pt_session *ss = pt_session_new(host, pid);
    if (!ss)
        return NULL;
    for (size_t i = 0; i < sizeof session_strings / sizeof session_strings[0]; i++) {
        pt_slice v = get_slice(o, session_strings[i].name);
        if (v.p)
            *(char **)((char *)ss + session_strings[i].off) = pt_utf8_dup(&ss->arena, v);
    }
    ss->touched_usec = get_int(o, "touched", 0);
    ss->touch_seq = (uint64_t)get_int(o, "touch_seq", 0);
    ss->last_line_usec = get_int(o, "last_line", ss->touched_usec);
    ss->connect_usec = get_int(o, "connect", 0);
    int64_t open_n = get_int(o, "open", 1);
    ss->n_open = open_n < 0 ? 0 : open_n > 1000000 ? 1000000 : (uint32_t)open_n;
    ss->closing = get_int(o, "closing", 0) != 0;
    ss->closing_usec = get_int(o, "closing_at", 0);
    ss->client.port = (int32_t)get_int(o, "port", -1);
    ss->client.tls_bits = (int32_t)get_int(o, "tls_bits", -1);
    ss->lost = (uint8_t)get_int(o, "lost", 0);
    ss->n_lines = (uint32_t)get_int(o, "n_lines", 0);
    json_object *earlier = get_array(o, "earlier");     /* absent in older files */
    if (earlier && json_object_array_length(earlier) > PT_SESSION_EARLIER)
        goto bad;
    for (size_t i = 0; earlier && i < json_object_array_length(earlier); i++) {
        json_object *q = json_object_array_get_idx(earlier, i);
        if (!json_object_is_type(q, json_type_string) || json_object_get_string_len(q) == 0
            || json_object_get_string_len(q) > 64)
            goto bad;
        if (pt_session_earlier_room(ss) != 0)
            goto bad;
        ss->earlier[ss->n_earlier] = pt_utf8_dup(&ss->arena, pt_slice_make(
            json_object_get_string(q), (size_t)json_object_get_string_len(q)));
        if (!ss->earlier[ss->n_earlier])
            goto bad;
        ss->n_earlier++;
    }
    json_object *ft, *raw = get_array(o, "raw");
    if (!json_object_object_get_ex(o, "first_time", &ft) || time_read(ft, &ss->first_time)
        || !raw || json_object_array_length(raw) > PT_SESSION_RAW_MAX)
        goto bad;
    for (size_t i = 0; i < json_object_array_length(raw); i++) {
        json_object *r = json_object_array_get_idx(raw, i);
        ss->raw[ss->n_raw] = pt_utf8_dup(&ss->arena, pt_slice_make(
            json_object_get_string(r), (size_t)json_object_get_string_len(r)));
        if (!ss->raw[ss->n_raw])
            goto bad;
        ss->n_raw++;
    }
    for (size_t i = 0; i < json_object_array_length(ps); i++) {
        json_object *po = json_object_array_get_idx(ps, i), *v;
        pt_mail_event *p = &ss->pending[ss->n_pending];
        if (!json_object_object_get_ex(po, "time", &v) || time_read(v, &p->time))
            goto bad;
        p->service = pt_utf8_dup(&ss->arena, get_slice(po, "service"));
        p->action = pt_utf8_dup(&ss->arena, get_slice(po, "action"));
        p->text = pt_utf8_dup(&ss->arena, get_slice(po, "text"));
        if (!p->service || !p->action || !p->text)
            goto bad;
        ss->n_pending++;
    }
    return ss;
bad:
    pt_session_free(ss);
    return NULL;
}

/* Insert a loaded entry into the core's table and lists (a duplicate key
 * keeps the first). */
static void adopt(pt_core *c, pt_entry *e)
{
    e->saved = 1;                               /* it is in the file it came from */
    if (pt_core_adopt_entry(c, e))
        pt_entry_free(e);
}

/* Insert a loaded session (a duplicate host + key keeps the first). A
 * session of a file from before keys held the client ("PID" only) gets
 * its client's address added. */
static void adopt_session(pt_core *c, pt_session *ss)
{
    if (!strchr(ss->pid, ' ')) {
        char key[160];
        snprintf(key, sizeof key, "%s %.100s", ss->pid, ss->client.ip ? ss->client.ip : "");
        ss->pid = pt_utf8_dup(&ss->arena, pt_slice_cstr(key));
        if (!ss->pid) {
            pt_session_free(ss);
            return;
        }
        pt_session_key_nodes(ss);
    }
    if (pt_core_adopt_session(c, ss))
        pt_session_free(ss);
}

/* The hosts' clocks from the header: "clocks" [[host, usec] ...] (files
 * from before per-host clocks: one "clock" for every host). */
static void set_clocks(pt_core *c, json_object *hdr)
{
    int64_t all = get_int(hdr, "clock", 0);
    json_object *clocks = NULL;
    if (!json_object_object_get_ex(hdr, "clocks", &clocks)
        || !json_object_is_type(clocks, json_type_array))
        clocks = NULL;
    if (!clocks) {
        for (pt_dlink *p = c->host_list.next; all && p != &c->host_list; p = p->next)
            pt_core_host_set_clock((pt_host *)((char *)p - offsetof(pt_host, all)), all);
        return;
    }
    size_t n = json_object_array_length(clocks);
    for (size_t i = 0; i < n; i++) {
        json_object *pair = json_object_array_get_idx(clocks, i);
        if (!json_object_is_type(pair, json_type_array) || json_object_array_length(pair) != 2)
            continue;
        json_object *hn = json_object_array_get_idx(pair, 0), *u = json_object_array_get_idx(pair, 1);
        if (!json_object_is_type(hn, json_type_string) || !json_object_is_type(u, json_type_int))
            continue;
        pt_slice name = pt_slice_make(json_object_get_string(hn),
                                      (size_t)json_object_get_string_len(hn));
        uint64_t hash;
        pt_host *h = (pt_host *)pt_table_find_name(&c->hosts, name, &hash);
        if (h)                              /* hosts without mails need no clock */
            pt_core_host_set_clock(h, json_object_get_int64(u));
    }
}

/* Words for a pt_state_error. */
const char *pt_state_error_text(pt_state_error e)
{
    switch (e) {
    case PT_STATE_OK: return "ok";
    case PT_STATE_IO: return "cannot be read";
    case PT_STATE_FOREIGN: return "is not a postfix-trace state file";
    case PT_STATE_VERSION: return "has a state format version this build does not read";
    case PT_STATE_TRUNCATED: return "is truncated";
    case PT_STATE_CHECKSUM: return "fails its checksum";
    case PT_STATE_INVALID: return "holds an invalid entry";
    case PT_STATE_NOMEM: return "is too large for memory";
    }
    return "is not usable";
}

/* Read all of f into a NUL-terminated buffer; NULL on failure (*why set). */
static char *slurp(FILE *f, size_t *len_out, pt_state_error *why)
{
    size_t cap = 1 << 16, len = 0, n;
    char *buf = malloc(cap);
    if (!buf) {
        *why = PT_STATE_NOMEM;
        return NULL;
    }
    while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (len == cap - 1) {
            char *nb = cap < MAX_STATE_BYTES ? realloc(buf, cap * 2) : NULL;
            if (!nb) {
                free(buf);
                *why = PT_STATE_NOMEM;
                return NULL;
            }
            buf = nb;
            cap *= 2;
        }
    }
    if (ferror(f)) {
        free(buf);
        *why = PT_STATE_IO;
        return NULL;
    }
    buf[len] = '\0';
    *len_out = len;
    return buf;
}

/* Check the header line (first line of buf, NUL-ended in place); *version
 * is the file's format version (1: FNV-1a checksum, no records; 2: CRC-32;
 * 3: now, duplicate hashes of hash.h). */
static pt_state_error check_header(const char *line, json_object **hdr, int64_t *version)
{
    *hdr = json_tokener_parse(line);
    json_object *fmt;
    if (!*hdr || !json_object_is_type(*hdr, json_type_object)
        || !json_object_object_get_ex(*hdr, "format", &fmt)
        || !json_object_is_type(fmt, json_type_string)
        || strcmp(json_object_get_string(fmt), PT_STATE_FILE_FORMAT) != 0)
        return PT_STATE_FOREIGN;
    *version = get_int(*hdr, "version", 0);
    return *version >= 1 && *version <= PT_STATE_FILE_VERSION ? PT_STATE_OK : PT_STATE_VERSION;
}

/* The checksum text of the n bytes at p as format version v writes it. */
static void checksum_text(int64_t v, const char *p, size_t n, char *out, size_t size)
{
    if (v == 1) {                           /* FNV-1a 64, read for upgrades */
        uint64_t h = 1469598103934665603ULL;
        for (size_t i = 0; i < n; i++)
            h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
        h = (h ^ (unsigned char)'\n') * 1099511628211ULL;
        snprintf(out, size, "%016" PRIx64, h);
        return;
    }
    uLong h = crc32(0L, Z_NULL, 0);
    h = crc32(h, (const unsigned char *)p, (uInt)n);
    h = crc32(h, (const unsigned char *)"\n", 1);
    snprintf(out, size, "%08lx", (unsigned long)h);
}

/* Load a state file written by pt_state_save into an empty core. */
/* A line of the reorder window read back from a state file. */
typedef struct held_line {
    pt_line line;
    char *buf;
} held_line;

/* Read a held line (its time is `t`) into (*v)[*n]; 0, or -1 when invalid. */
static int held_from_json(json_object *o, json_object *t, held_line **v, size_t *n)
{
    pt_slice host = get_slice(o, "host"), prog = get_slice(o, "program"),
             pid = get_slice(o, "pid"), msg = get_slice(o, "msg"), raw = get_slice(o, "raw");
    if (!host.p || !prog.p || !pid.p || !msg.p || *n >= 10000000)
        return -1;
    held_line *nv = realloc(*v, (*n + 1) * sizeof *nv);
    if (!nv)
        return -1;
    *v = nv;
    held_line *h = &nv[*n];
    memset(h, 0, sizeof *h);
    if (time_read(t, &h->line.time) || !h->line.time.valid)
        return -1;
    size_t total = host.n + prog.n + pid.n + msg.n + raw.n;
    h->buf = malloc(total + 1);
    if (!h->buf)
        return -1;
    size_t off = 0;
    pt_slice *dst[5] = { &h->line.host, &h->line.program, &h->line.pid, &h->line.msg,
                         &h->line.raw };
    const pt_slice src[5] = { host, prog, pid, msg, raw };
    for (int i = 0; i < 5; i++) {
        if (src[i].n)
            memcpy(h->buf + off, src[i].p, src[i].n);
        *dst[i] = pt_slice_make(h->buf + off, src[i].n);
        off += src[i].n;
    }
    (*n)++;
    return 0;
}

int pt_state_load(pt_core *c, pt_outbox *b, FILE *f, uint64_t written_seq,
                  pt_state_written_fn written, void *ctx, pt_state_error *why)
{
    held_line *held = NULL;     /* lines the reorder window held at the save */
    size_t n_held = 0;
    pt_state_error dummy;
    if (!why)
        why = &dummy;
    *why = PT_STATE_INVALID;
    if (c->entries.count != 0)
        return -1;
    size_t len = 0;
    char *buf = slurp(f, &len, why);
    if (!buf)
        return -1;
    int rc = -1;
    pt_entry **loaded = NULL;
    pt_session **sessions = NULL;
    size_t n_loaded = 0, n_sessions = 0, n_recs = 0;
    json_object *hdr = NULL, *trl = NULL;
    pt_outbox recs = { 0 };
    /* the header first: a foreign or newer file is told apart from damage */
    char *nl = strchr(buf, '\n');
    if (nl)
        *nl = '\0';
    int64_t version = 0;
    if ((*why = check_header(buf, &hdr, &version)) != PT_STATE_OK)
        goto out;
    if (nl)
        *nl = '\n';
    *why = PT_STATE_TRUNCATED;
    if (len < 2 || buf[len - 1] != '\n')
        goto out;
    /* the trailer is the last line; the checksum covers all bytes before it */
    buf[len - 1] = '\0';
    char *trailer = strrchr(buf, '\n');
    if (!trailer)
        goto out;
    *trailer++ = '\0';
    trl = json_tokener_parse(trailer);
    json_object *cs;
    if (!trl || !json_object_object_get_ex(trl, "checksum", &cs))
        goto out;
    char want[32];                  /* over all lines before the trailer, with their newlines */
    checksum_text(version, buf, (size_t)(trailer - buf - 1), want, sizeof want);
    *why = PT_STATE_CHECKSUM;
    if (strcmp(json_object_get_string(cs), want) != 0)
        goto out;
    *why = PT_STATE_INVALID;
    int64_t count = get_int(trl, "entries", -1), n_sess = get_int(trl, "sessions", -1);
    int64_t n_rec_want = get_int(trl, "records", version == 1 ? 0 : -1);
    if (count < 0 || n_sess < 0 || n_rec_want < 0 || count > (int64_t)len
        || n_sess > (int64_t)len)
        goto out;
    loaded = calloc((size_t)count + 1, sizeof *loaded);
    sessions = calloc((size_t)n_sess + 1, sizeof *sessions);
    if (!loaded || !sessions)
        goto out;
    char *line;
    nl = strchr(buf, '\n');
    while (nl) {
        line = nl + 1;
        nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        json_object *o = json_tokener_parse(line), *mark;
        if (o && json_object_object_get_ex(o, "session", &mark)) {
            pt_session *ss = session_from_json(o);
            json_object_put(o);
            if (!ss || n_sessions >= (size_t)n_sess) {
                pt_session_free(ss);
                goto out;
            }
            sessions[n_sessions++] = ss;
            continue;
        }
        if (o && json_object_object_get_ex(o, "held", &mark)) {
            int bad = held_from_json(o, mark, &held, &n_held) != 0;
            json_object_put(o);
            if (bad)
                goto out;
            continue;
        }
        if (o && json_object_object_get_ex(o, "record", &mark)) {
            int64_t seq = get_int(o, "seq", -1);
            int bad = seq < 0 || !json_object_is_type(mark, json_type_string);
            if (!bad && b && (uint64_t)seq > written_seq)
                bad = pt_outbox_push_seq(&recs, (uint64_t)seq, json_object_get_string(mark),
                                         (size_t)json_object_get_string_len(mark)) != 0;
            json_object_put(o);
            if (bad)
                goto out;
            n_recs++;
            continue;
        }
        pt_entry *e = o ? entry_from_json(c, o, version) : NULL;
        json_object_put(o);
        if (!e || n_loaded >= (size_t)count) {
            pt_entry_free(e);
            goto out;
        }
        loaded[n_loaded++] = e;
    }
    if (n_loaded != (size_t)count || n_sessions != (size_t)n_sess || n_recs != (size_t)n_rec_want
        || (int64_t)n_held != get_int(trl, "held", 0))
        goto out;
    for (size_t i = 0; i < n_loaded; i++) {
        char id[PT_ENTRY_ID_MAX];
        size_t n = pt_entry_id(loaded[i], id, sizeof id);
        if (written && n && loaded[i]->state != PT_ENTRY_PLACEHOLDER && written(ctx, id, n))
            pt_entry_free(loaded[i]);           /* its record was written already */
        else
            adopt(c, loaded[i]);
    }
    for (size_t i = 0; i < n_sessions; i++)
        adopt_session(c, sessions[i]);
    n_loaded = n_sessions = 0;
    set_clocks(c, hdr);
    if (b) {
        pt_outrec *r;
        while ((r = pt_outbox_pop(&recs))) {
            pt_outbox_push_seq(b, r->seq, r->text, r->len);
            free(r);
        }
        uint64_t next = (uint64_t)get_int(hdr, "next_seq", 0);
        if (next > b->next_seq)
            b->next_seq = next;
    }
    pt_core_enforce_bound(c);
    for (size_t i = 0; i < n_held; i++)         /* back into the reorder window */
        pt_core_feed_at(c, &held[i].line, c->load_arrival);
    *why = PT_STATE_OK;
    rc = 0;
out:
    for (size_t i = 0; i < n_held; i++)
        free(held[i].buf);
    free(held);
    pt_outbox_clear(&recs);
    for (size_t i = 0; i < n_loaded; i++)
        pt_entry_free(loaded[i]);
    for (size_t i = 0; i < n_sessions; i++)
        pt_session_free(sessions[i]);
    free(sessions);
    free(loaded);
    json_object_put(hdr);
    json_object_put(trl);
    free(buf);
    return rc;
}

/* Load a state file written by pt_core_save into an empty core. */
int pt_core_load(pt_core *c, FILE *f)
{
    return pt_state_load(c, NULL, f, 0, NULL, NULL, NULL);
}

/* Save to path atomically: temp file, fsync, rename. */
int pt_core_save_file(pt_core *c, const char *path)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
        errno = ENAMETOOLONG;
        return -1;
    }
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    if (pt_core_save(c, f) || fsync(fileno(f))) {
        int e = errno;
        fclose(f);
        unlink(tmp);
        errno = e;
        return -1;
    }
    if (fclose(f) || rename(tmp, path)) {
        int e = errno;
        unlink(tmp);
        errno = e;
        return -1;
    }
    return 0;
}

/* Load from path; a missing file loads nothing and is not an error. */
int pt_core_load_file(pt_core *c, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return errno == ENOENT ? 0 : -1;
    int r = pt_core_load(c, f);
    fclose(f);
    return r;
}
