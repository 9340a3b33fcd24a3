/*
 * core.c - the correlator: keeps one entry per host + queue ID, folds each
 * parsed line into it, stitches smtpd sessions (host + pid) onto the queue
 * ID that follows, follows notification / re-injection / forwarding links
 * both ways, and ends entries (final lines, idle timeout on the log's
 * clock, capacity eviction, shutdown). Finished entries linger before they
 * are emitted so late linking lines still land.
 *
 * Memory: the core owns all entries and sessions (see entry.h); lines are
 * borrowed for the duration of pt_core_feed only. Thread-safety: a pt_core
 * is used by one thread at a time; it has no global state.
 */
#include "core_internal.h"
#include "hash.h"

#include <stdlib.h>
#include <string.h>

#define MAX_HOST_LEN 255
#define MAX_PID_LEN 20             /* digits; state.c accepts what the core keeps */

/* Defaults of the options. */
void pt_core_options_default(pt_core_options *o)
{
    memset(o, 0, sizeof *o);
    o->max_entries = 100000;
    o->idle_timeout = 7200;
    o->linger = 2;
    o->max_recipients = 10000;
    o->max_events = 1000;
    o->max_raw_lines = 1000;
    o->max_text = 4096;
    o->reorder_max_bytes = (size_t)32 << 20;
}

/* Make a core. */
pt_core *pt_core_new(const pt_core_options *o, pt_record_sink sink, void *ctx)
{
    if (!o || o->max_entries == 0 || o->idle_timeout < 0 || o->linger < 0 || !sink
        || o->max_recipients == 0 || o->max_events == 0 || o->max_raw_lines == 0
        || o->max_text < 64 || o->reorder_window < 0)
        return NULL;
    pt_names names;
    if (pt_names_parse(o->program_prefix ? o->program_prefix : "postfix", &names))
        return NULL;
    pt_core *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->opt = *o;
    c->opt.program_prefix = NULL;       /* the caller's string: read into names */
    c->names = names;
    c->sink = sink;
    c->sink_ctx = ctx;
    if (pt_table_init(&c->entries) || pt_table_init(&c->sessions) || pt_table_init(&c->hosts)
        || pt_table_init(&c->session_pids)
        || (o->reorder_window > 0
            && pt_reorder_init(&c->ro, o->reorder_window, o->reorder_max_bytes,
                               o->include_raw))) {
        pt_table_destroy(&c->entries);
        pt_table_destroy(&c->sessions);
        pt_table_destroy(&c->hosts);
        pt_table_destroy(&c->session_pids);
        free(c);
        return NULL;
    }
    pt_dlist_init(&c->open_lru);
    pt_dlist_init(&c->linger);
    pt_dlist_init(&c->session_lru);
    pt_dlist_init(&c->closing);
    pt_dlist_init(&c->host_list);
    pt_dlist_init(&c->empty_hosts);
    c->busy_until = INT64_MIN;
    return c;
}

/* The entry whose host-list link is l. */
static pt_entry *entry_of(pt_dlink *l)
{
    return (pt_entry *)((char *)l - offsetof(pt_entry, order));
}

/* The entry whose global-list link is l. */
static pt_entry *gentry_of(pt_dlink *l)
{
    return (pt_entry *)((char *)l - offsetof(pt_entry, glob));
}

/* The session whose host-list link is l. */
static pt_session *session_of(pt_dlink *l)
{
    return (pt_session *)((char *)l - offsetof(pt_session, order));
}

/* The session whose global-list link is l. */
static pt_session *gsession_of(pt_dlink *l)
{
    return (pt_session *)((char *)l - offsetof(pt_session, glob));
}

/* The host whose host-list link is l. */
static pt_host *host_of(pt_dlink *l)
{
    return (pt_host *)((char *)l - offsetof(pt_host, all));
}

/* The host record of name h, made when missing. */
pt_host *pt_core_host(pt_core *c, pt_slice h)
{
    uint64_t hash;
    pt_host *hp = (pt_host *)pt_table_find_name(&c->hosts, h, &hash);
    if (hp)
        return hp;
    hp = calloc(1, sizeof *hp + h.n + 1);
    if (!hp)
        return NULL;
    memcpy(hp->name, h.p, h.n);
    pt_tnode_set_name(&hp->node, hp->name, h.n, hash);
    pt_dlist_init(&hp->open_lru);
    pt_dlist_init(&hp->linger);
    pt_dlist_init(&hp->session_lru);
    pt_dlist_init(&hp->empty);
    pt_table_insert(&c->hosts, &hp->node);
    pt_dlist_push(&c->host_list, &hp->all);
    pt_dlist_push(&c->empty_hosts, &hp->empty);      /* until it holds something */
    return hp;
}

/* One item more (entry or session) on host h. */
static void host_hold(pt_host *h)
{
    if (h->n_items++ == 0)
        pt_dlist_del(&h->empty);
}

/* One item less on host h: once empty, it is freed between steps. */
static void host_release(pt_core *c, pt_host *h)
{
    if (--h->n_items == 0)
        pt_dlist_push(&c->empty_hosts, &h->empty);
}

/* Keep a freed host's clock until the runner has journaled it (a restart
 * after kill -9 must not bring back what expired on it); the oldest go
 * beyond PT_GONE_CLOCKS_MAX. */
static void keep_gone_clock(pt_core *c, const pt_host *h)
{
    if (c->n_gone == PT_GONE_CLOCKS_MAX) {
        free(c->gone[0].name);
        memmove(c->gone, c->gone + 1, --c->n_gone * sizeof *c->gone);
    }
    if (c->n_gone == c->cap_gone) {
        size_t cap = c->cap_gone ? c->cap_gone * 2 : 16;
        pt_gone_clock *g = realloc(c->gone, cap * sizeof *g);
        if (!g)
            return;
        c->gone = g;
        c->cap_gone = cap;
    }
    char *name = strdup(h->name);
    if (!name)
        return;
    c->gone[c->n_gone++] = (pt_gone_clock){ name, h->clock_usec, h->clock_seq };
}

/* Forget the freed hosts' clocks up to `upto` (journaled). */
void pt_core_forget_clocks(pt_core *c, uint64_t upto)
{
    size_t k = 0;
    for (size_t i = 0; i < c->n_gone; i++) {
        if (c->gone[i].seq <= upto)
            free(c->gone[i].name);
        else
            c->gone[k++] = c->gone[i];
    }
    c->n_gone = k;
}

/* Free the hosts that hold nothing. */
void pt_core_free_empty_hosts(pt_core *c)
{
    while (!pt_dlist_empty(&c->empty_hosts)) {
        pt_host *h = (pt_host *)((char *)c->empty_hosts.next - offsetof(pt_host, empty));
        pt_dlist_del(&h->empty);
        if (h == c->cur)
            c->cur = NULL;
        if (c->opt.quiet_clock && h->have_clock)
            keep_gone_clock(c, h);
        pt_table_remove(&c->hosts, &h->node);
        pt_dlist_del(&h->all);
        free(h);
    }
}

/* Move host h's clock on to usec if later (no expiry). */
void pt_core_host_set_clock(pt_host *h, int64_t usec)
{
    if (!h->have_clock || usec > h->clock_usec) {
        h->clock_usec = usec;
        h->have_clock = 1;
    }
}

/* Update the cache-size counter after a change (the high-water mark is
 * taken between steps, once the bound holds again). */
static void note_size(pt_core *c)
{
    c->st.cache_entries = c->n_open + c->n_linger;
}

/* Unlink an entry from table and lists, and free it. */
static void drop_entry(pt_core *c, pt_entry *e)
{
    if (c->memo == e)
        c->memo = NULL;
    pt_table_remove(&c->entries, &e->node);
    pt_dlist_del(&e->order);
    pt_dlist_del(&e->glob);
    if (e->state == PT_ENTRY_OPEN)
        c->n_open--;
    else if (e->state == PT_ENTRY_LINGER)
        c->n_linger--;
    else
        c->n_placeholder--;
    note_size(c);
    host_release(c, e->hp);
    pt_entry_free(e);
}

/* Emit a real entry's record with end `end` (unless it has one) and drop it. */
static void emit_and_drop(pt_core *c, pt_entry *e, pt_end end)
{
    if (e->state == PT_ENTRY_PLACEHOLDER) {
        drop_entry(c, e);
        return;
    }
    if (e->state == PT_ENTRY_OPEN || e->end == PT_END_NONE)
        e->end = (uint8_t)end;
    pt_record_emit_message(c, e, 0);
    drop_entry(c, e);
}

/* Move an open entry to the linger lists with end `end`. */
static void finish(pt_core *c, pt_entry *e, pt_end end)
{
    if (e->state == PT_ENTRY_LINGER) {
        e->end = (uint8_t)end;
        return;
    }
    if (e->state != PT_ENTRY_OPEN)
        return;
    e->end = (uint8_t)end;
    e->state = PT_ENTRY_LINGER;
    e->ended_usec = e->hp->clock_usec;
    pt_dlist_del(&e->order);
    pt_dlist_push(&e->hp->linger, &e->order);
    pt_dlist_del(&e->glob);
    pt_dlist_push(&c->linger, &e->glob);
    c->n_open--;
    c->n_linger++;
    note_size(c);
}

/* Put a session into the by-process table. */
static void session_index(pt_core *c, pt_session *s)
{
    s->pid_node.hash = pt_table_hash(pt_slice_make(s->pid_node.host, s->pid_node.host_len),
                                     pt_slice_make(s->pid_node.key, s->pid_node.key_len));
    pt_table_insert(&c->session_pids, &s->pid_node);
}

/* Forget a session. */
static void session_end(pt_core *c, pt_session *s)
{
    pt_table_remove(&c->session_pids, &s->pid_node);
    pt_table_remove(&c->sessions, &s->node);
    pt_dlist_del(&s->closing_link);
    pt_dlist_del(&s->order);
    pt_dlist_del(&s->glob);
    host_release(c, s->hp);
    pt_session_free(s);
}

/* Emit what is due on host h's clock: lingering records, idle entries,
 * idle sessions. */
static void expire(pt_core *c, pt_host *h)
{
    int64_t linger = (int64_t)(c->opt.linger * 1e6);
    int64_t idle = (int64_t)(c->opt.idle_timeout * 1e6);
    while (!pt_dlist_empty(&h->linger)) {
        pt_entry *e = entry_of(h->linger.next);
        if (e->ended_usec + linger > h->clock_usec)
            break;
        emit_and_drop(c, e, (pt_end)e->end);
    }
    while (!pt_dlist_empty(&h->open_lru)) {
        pt_entry *e = entry_of(h->open_lru.next);
        if (e->touched_usec + idle > h->clock_usec)
            break;
        if (e->state == PT_ENTRY_OPEN)
            c->st.timeouts++;
        emit_and_drop(c, e, PT_END_TIMEOUT);
    }
    while (!pt_dlist_empty(&h->session_lru)) {
        pt_session *s = session_of(h->session_lru.next);
        if (s->touched_usec + idle > h->clock_usec)
            break;
        session_end(c, s);
    }
}

/* Advance host h's clock to usec (never backwards) and expire. */
static void advance(pt_core *c, pt_host *h, int64_t usec)
{
    if (!h->have_clock || usec > h->clock_usec)
        h->clock_seq = ++c->clock_seq;
    pt_core_host_set_clock(h, usec);
    expire(c, h);
}

/* Keep open + lingering + placeholder entries and smtpd sessions within
 * max_entries. Runs only between steps (after a whole line was folded in),
 * never while a handler holds an entry or session pointer, so nothing a
 * step uses can be freed under it. Finished records are emitted early
 * first (they only lose their wait for late links); then the older (by
 * touch, across hosts) of the least recently updated open entry and the
 * least recently updated session goes (entries end as "evicted",
 * placeholders and sessions are dropped). */
void pt_core_enforce_bound(pt_core *c)
{
    while (c->n_open + c->n_linger + c->n_placeholder + c->sessions.count
           > c->opt.max_entries) {
        if (!pt_dlist_empty(&c->linger)) {
            pt_entry *e = gentry_of(c->linger.next);
            emit_and_drop(c, e, (pt_end)e->end);
            continue;
        }
        int have_e = !pt_dlist_empty(&c->open_lru);
        int have_s = !pt_dlist_empty(&c->session_lru);
        if (have_s && (!have_e || gsession_of(c->session_lru.next)->touch_seq
                                  < gentry_of(c->open_lru.next)->touch_seq)) {
            session_end(c, gsession_of(c->session_lru.next));
            c->st.sessions_evicted++;
            continue;
        }
        if (!have_e)
            break;
        pt_entry *e = gentry_of(c->open_lru.next);
        if (e->state == PT_ENTRY_OPEN)
            c->st.evictions++;
        emit_and_drop(c, e, PT_END_EVICTED);
    }
    if (c->st.cache_entries > c->st.cache_high_water)
        c->st.cache_high_water = c->st.cache_entries;
}

/* A loaded item's touch order: as saved (the core's count goes on past
 * it), or the next one for a file from before touch_seq. */
static void adopt_touch_seq(pt_core *c, uint64_t *seq)
{
    if (*seq == 0)
        *seq = ++c->touch_seq;
    else if (*seq > c->touch_seq)
        c->touch_seq = *seq;
}

/* Link a loaded entry (host, state, touch set) into table and lists. */
int pt_core_adopt_entry(pt_core *c, pt_entry *e)
{
    pt_slice host = pt_slice_cstr(e->host), qid = pt_slice_cstr(e->queue_id);
    e->node.hash = pt_table_hash(host, qid);
    if (pt_table_find(&c->entries, e->node.hash, host, qid))
        return -1;
    e->hp = pt_core_host(c, host);
    if (!e->hp)
        return -1;
    host_hold(e->hp);
    adopt_touch_seq(c, &e->touch_seq);
    pt_table_insert(&c->entries, &e->node);
    if (e->state == PT_ENTRY_LINGER) {
        pt_dlist_push(&e->hp->linger, &e->order);
        pt_dlist_push(&c->linger, &e->glob);
        c->n_linger++;
    } else {
        pt_dlist_push(&e->hp->open_lru, &e->order);
        pt_dlist_push(&c->open_lru, &e->glob);
        if (e->state == PT_ENTRY_OPEN)
            c->n_open++;
        else
            c->n_placeholder++;
    }
    note_size(c);
    if (c->st.cache_entries > c->st.cache_high_water)
        c->st.cache_high_water = c->st.cache_entries;
    return 0;
}

/* Link a loaded session into table and lists. */
int pt_core_adopt_session(pt_core *c, pt_session *s)
{
    pt_slice host = pt_slice_cstr(s->host), key = pt_slice_cstr(s->pid);
    s->node.hash = pt_table_hash(host, key);
    if (pt_table_find(&c->sessions, s->node.hash, host, key))
        return -1;
    s->hp = pt_core_host(c, host);
    if (!s->hp)
        return -1;
    host_hold(s->hp);
    adopt_touch_seq(c, &s->touch_seq);
    pt_table_insert(&c->sessions, &s->node);
    session_index(c, s);
    pt_dlist_push(&s->hp->session_lru, &s->order);
    pt_dlist_push(&c->session_lru, &s->glob);
    return 0;
}

/* Insert a new entry (open or placeholder) for the current host + qid. */
static pt_entry *insert_entry(pt_core *c, pt_slice host, pt_slice qid,
                              uint64_t h, int placeholder)
{
    pt_entry *e = pt_entry_new(host, qid, &c->opt);
    if (!e)
        return NULL;
    e->node.hash = h;
    e->hp = c->cur;
    host_hold(e->hp);
    e->state = placeholder ? PT_ENTRY_PLACEHOLDER : PT_ENTRY_OPEN;
    e->touched_usec = c->cur->clock_usec;
    e->touch_seq = ++c->touch_seq;
    pt_table_insert(&c->entries, &e->node);
    pt_dlist_push(&e->hp->open_lru, &e->order);
    pt_dlist_push(&c->open_lru, &e->glob);
    if (placeholder)
        c->n_placeholder++;
    else
        c->n_open++;
    note_size(c);
    return e;
}

/* Turn a placeholder into an open entry. */
static void promote(pt_core *c, pt_entry *e)
{
    if (e->state != PT_ENTRY_PLACEHOLDER)
        return;
    e->state = PT_ENTRY_OPEN;
    c->n_placeholder--;
    c->n_open++;
    note_size(c);
}

/* Put a lingering entry back among the open ones (its end was premature). */
static void reopen(pt_core *c, pt_entry *e)
{
    e->state = PT_ENTRY_OPEN;
    e->end = PT_END_NONE;
    pt_dlist_del(&e->order);
    pt_dlist_push(&e->hp->open_lru, &e->order);
    pt_dlist_del(&e->glob);
    pt_dlist_push(&c->open_lru, &e->glob);
    c->n_linger--;
    c->n_open++;
}

/* How a line wants its entry: a line that can only start a message (smtpd
 * client= or pickup; cleanup's message-id; qmgr's queue-active line) makes
 * a new entry when the old one has finished (queue ID reuse): when it is
 * newer than the old one's last line, or when the old one already has that
 * very line (reuse within one timestamp, SCHEMA's "/2"). Otherwise the line
 * merely arrived late (several workers, or one-second timestamps) and
 * belongs to the finished entry. (qmgr logs queue-active once per attempt,
 * so that line alone never proves reuse.) */
typedef enum { ATTACH, START_CREATE, START_MSGID, START_ACTIVE } want_mode;

/* Does finished entry e already have the start line mode names? */
static int has_start_line(const pt_entry *e, want_mode mode)
{
    switch (mode) {
    case START_CREATE: return e->created;
    case START_MSGID: return e->message_id != NULL;
    default: return 0;
    }
}

/* The entry (any state) keyed by host + qid, or NULL; *h gets the key's
 * hash (for an insert). The last one found is checked first: a mail's
 * lines come one after another, and its lookups repeat. */
static pt_entry *lookup(pt_core *c, pt_slice host, pt_slice qid, uint64_t *h)
{
    if (c->memo && pt_tnode_is(&c->memo->node, host, qid)) {
        *h = c->memo->node.hash;
        return c->memo;
    }
    *h = pt_table_hash(host, qid);
    pt_entry *e = (pt_entry *)pt_table_find(&c->entries, *h, host, qid);
    if (e)
        c->memo = e;
    return e;
}

/* The entry a line of host + qid folds into, made when needed. */
static pt_entry *entry_for(pt_core *c, const pt_line *l, pt_slice qid, want_mode mode)
{
    uint64_t h;
    pt_entry *e = lookup(c, l->host, qid, &h);
    uint32_t seq = 1;
    if (e && e->state == PT_ENTRY_LINGER && mode != ATTACH
        && !(e->end == PT_END_ABORTED && mode != START_CREATE)
        && (pt_time_cmp(&l->time, &e->last_seen) > 0 || has_start_line(e, mode))) {
        if (pt_time_usec(&e->first_seen) == pt_time_usec(&l->time))
            seq = e->reuse_seq + 1;
        emit_and_drop(c, e, (pt_end)e->end);
        e = NULL;
    }
    if (e && e->state == PT_ENTRY_LINGER && e->end == PT_END_ABORTED)
        reopen(c, e);       /* "aborted" was a guess from the session (its next
                               client= may come first within one timestamp); the
                               queue has it: cleanup or qmgr took it later */
    if (e) {
        promote(c, e);
        return e;
    }
    e = insert_entry(c, l->host, qid, h, 0);
    if (e)
        e->reuse_seq = seq;
    return e;
}

/* The entry for host + qid if any is open or lingering; else a placeholder
 * (a link target not seen yet), which gives no record on its own. */
static pt_entry *link_target(pt_core *c, pt_slice host, pt_slice qid)
{
    uint64_t h;
    pt_entry *e = lookup(c, host, qid, &h);
    return e ? e : insert_entry(c, host, qid, h, 1);
}

/* Look up an existing real entry (no creation). */
static pt_entry *entry_find(pt_core *c, pt_slice host, pt_slice qid)
{
    uint64_t h;
    pt_entry *e = lookup(c, host, qid, &h);
    return e && e->state != PT_ENTRY_PLACEHOLDER ? e : NULL;
}

/* Fold the line's bookkeeping into e: times, line count, LRU, raw. */
static void touch(pt_core *c, pt_entry *e, const pt_line *l)
{
    if (e->lines == 0 || !e->first_seen.valid)
        e->first_seen = l->time;
    if (!e->last_seen.valid || pt_time_cmp(&l->time, &e->last_seen) >= 0)
        e->last_seen = l->time;
    e->lines++;
    e->touched_usec = e->hp->clock_usec;
    e->touch_seq = ++c->touch_seq;
    if (!e->instance && l->program.n) {     /* until qmgr names it: the first part */
        const char *slash = memchr(l->program.p, '/', l->program.n);
        e->instance = pt_entry_str(e, pt_slice_make(l->program.p,
            slash ? (size_t)(slash - l->program.p) : l->program.n));
    }
    if (e->state != PT_ENTRY_LINGER) {
        pt_dlist_del(&e->order);
        pt_dlist_push(&e->hp->open_lru, &e->order);
        pt_dlist_del(&e->glob);
        pt_dlist_push(&c->open_lru, &e->glob);
    }
    if (c->opt.include_raw)
        pt_entry_add_raw(e, l->raw);
}

#define SESSION_KEY_MAX 128

/* A session's key: "PID IP", or "PID IP:PORT" where smtpd logs the client's
 * port (smtpd_client_port_logging): then sessions of one process with one
 * client address are told apart even within one timestamp. */
static pt_slice session_key(const pt_line *l, const pt_event *ev, char *buf)
{
    size_t n = l->pid.n, ipn = ev->client.ip.n;
    if (ipn > SESSION_KEY_MAX - 10 - n)
        ipn = SESSION_KEY_MAX - 10 - n;
    if (n)                      /* "postfix: ..." has no pid (p may be NULL) */
        memcpy(buf, l->pid.p, n);
    buf[n++] = ' ';
    if (ipn)
        memcpy(buf + n, ev->client.ip.p, ipn);
    n += ipn;
    if (ev->client.port >= 0 && ev->client.port <= 65535)
        n += (size_t)snprintf(buf + n, 8, ":%d", (int)ev->client.port);
    return pt_slice_make(buf, n);
}

/* The session of the line's smtpd process and client, made when `make`. */
static pt_session *session_for(pt_core *c, const pt_line *l, const pt_event *ev, int make)
{
    char kb[SESSION_KEY_MAX];
    pt_slice key = session_key(l, ev, kb);
    uint64_t h = pt_table_hash(l->host, key);
    pt_session *s = (pt_session *)pt_table_find(&c->sessions, h, l->host, key);
    if (!s && make) {
        s = pt_session_new(l->host, key);
        if (!s)
            return NULL;
        s->node.hash = h;
        s->hp = c->cur;
        host_hold(s->hp);
        pt_table_insert(&c->sessions, &s->node);
        session_index(c, s);
        pt_dlist_push(&s->hp->session_lru, &s->order);
        pt_dlist_push(&c->session_lru, &s->glob);
    }
    if (s) {
        pt_session_maybe_compact(s);
        s->last_line_usec = pt_time_usec(&l->time);
        s->touched_usec = s->hp->clock_usec;
        s->touch_seq = ++c->touch_seq;
        pt_dlist_del(&s->order);
        pt_dlist_push(&s->hp->session_lru, &s->order);
        pt_dlist_del(&s->glob);
        pt_dlist_push(&c->session_lru, &s->glob);
    }
    return s;
}

/* Count a line of the session that belongs to its next message (connect,
 * TLS, NOQUEUE hold / discard / filter); keep its text for include-raw. */
static void session_note_line(pt_core *c, pt_session *s, const pt_line *l)
{
    if (s->n_lines++ == 0)
        s->first_time = l->time;
    if (c->opt.include_raw && s->n_raw < PT_SESSION_RAW_MAX) {
        char *r = pt_utf8_dup(&s->arena, l->raw);
        if (r)
            s->raw[s->n_raw++] = r;
    }
}

/* Fold a session line that follows its message (disconnect, lost
 * connection) into the session's current message, if it is still held. */
static void session_fold_into_message(pt_core *c, pt_session *s, const pt_line *l)
{
    if (!s->queue_id)
        return;
    pt_entry *e = entry_find(c, l->host, pt_slice_cstr(s->queue_id));
    if (e)
        touch(c, e, l);
}

/* Copy an event's client facts into a session. */
static void session_client(pt_session *s, const pt_event *ev)
{
    pt_client_info_update(&s->arena, &s->client, ev);
}

/* The schema action of an event (the parser's normalised name if any). */
static pt_slice action_of(const pt_event *ev)
{
    if (ev->action_name)
        return pt_slice_cstr(ev->action_name);
    return ev->action;
}

/* The text of an event for a message's events. */
static pt_slice text_of(const pt_event *ev)
{
    return ev->text.p ? ev->text : ev->reason;
}

/* Take a from= of the mail's own line unless it has one of its own. */
static void set_from(pt_entry *e, pt_slice from)
{
    if (!from.p || (e->from && !e->from_weak))
        return;
    pt_entry_set(e, &e->from, from);
    e->from_weak = 0;
}

/* A message of a session whose session ended: did it reach the queue? */
static void message_gone(pt_core *c, pt_session *s, const char *qid, int lost)
{
    pt_entry *e = entry_find(c, pt_slice_cstr(s->host), pt_slice_cstr(qid));
    if (!e || e->state != PT_ENTRY_OPEN || e->qmgr_seen)
        return;
    if (e->discard_pending)
        finish(c, e, PT_END_DISCARDED);
    else if (!e->cleanup_seen || lost)
        finish(c, e, PT_END_ABORTED);
}

/* The session ends: judge its messages. They are judged at its end, not
 * at the next client=, because within one timestamp the next client= may
 * come before this message's cleanup line (canonical order). */
static void session_message_gone(pt_core *c, pt_session *s, int lost)
{
    for (uint32_t i = 0; i < s->n_earlier; i++)
        message_gone(c, s, s->earlier[i], 0);
    s->n_earlier = 0;
    if (s->queue_id)
        message_gone(c, s, s->queue_id, lost);
}

/* A message of a session with many messages to judge once the timestamp
 * being folded in is complete (its cleanup line may still come in it). */
static void judge_later(pt_core *c, const char *host, const char *qid)
{
    if (c->n_judge == c->cap_judge) {
        size_t cap = c->cap_judge ? c->cap_judge * 2 : 16;
        char **v = realloc(c->judge, cap * sizeof *v);
        if (!v)
            return;
        c->judge = v;
        c->cap_judge = cap;
    }
    size_t hn = strlen(host), qn = strlen(qid);
    char *k = malloc(hn + qn + 2);
    if (!k)
        return;
    memcpy(k, host, hn + 1);
    memcpy(k + hn + 1, qid, qn + 1);
    c->judge[c->n_judge++] = k;
}

/* Judge the messages put aside by judge_later once timestamp t is folded
 * in: gone without reaching cleanup (aborted) or discarded, unless the queue
 * has them. One with a line of t itself is left alone: which of the
 * session's messages of one timestamp came last (its cleanup may come
 * later) the canonical order cannot tell. */
static void judge_now(pt_core *c, int64_t t)
{
    for (size_t i = 0; i < c->n_judge; i++) {
        const char *host = c->judge[i], *qid = host + strlen(host) + 1;
        pt_entry *e = entry_find(c, pt_slice_cstr(host), pt_slice_cstr(qid));
        if (e && e->state == PT_ENTRY_OPEN && !e->qmgr_seen
            && pt_time_usec(&e->last_seen) < t) {
            c->cur = e->hp;
            if (e->discard_pending)
                finish(c, e, PT_END_DISCARDED);
            else if (!e->cleanup_seen)
                finish(c, e, PT_END_ABORTED);
        }
        free(c->judge[i]);
    }
    c->n_judge = 0;
}

/* A new message in the session: the current one joins the earlier ones
 * (the oldest is judged now when they are too many). */
static void session_next_message(pt_core *c, pt_session *s)
{
    if (!s->queue_id)
        return;
    if (pt_session_earlier_room(s) != 0) {       /* judged once this timestamp is in */
        if (s->n_earlier == 0) {
            judge_later(c, s->host, s->queue_id);
            s->queue_id = NULL;
            return;
        }
        judge_later(c, s->host, s->earlier[0]);
        memmove(s->earlier, s->earlier + 1, --s->n_earlier * sizeof *s->earlier);
    }
    s->earlier[s->n_earlier++] = s->queue_id;
    s->queue_id = NULL;         /* the string stays in the arena for earlier[] */
}

/* smtpd / qmqpd "QID: client=..." : a message is made. */
static void on_client(pt_core *c, const pt_line *l, const pt_event *ev)
{
    int smtpd = pt_slice_eq(ev->prog.daemon, "smtpd");
    pt_session *s = smtpd ? session_for(c, l, ev, 1) : NULL;
    if (s) {
        session_next_message(c, s);
        s->lost = 0;
    }
    pt_entry *e = entry_for(c, l, ev->queue_id, START_CREATE);
    if (!e)
        return;
    if (s && s->n_lines && e->lines == 0) {    /* the session's lines come first */
        e->first_seen = s->first_time;
        e->lines = s->n_lines;
        for (uint32_t i = 0; i < s->n_raw; i++)
            pt_entry_add_raw(e, pt_slice_cstr(s->raw[i]));
    }
    if (s)
        s->n_lines = s->n_raw = 0;
    touch(c, e, l);
    e->created = 1;
    e->origin = pt_entry_str(e, pt_slice_cstr(smtpd ? "smtpd" : "qmqpd"));
    e->origin_program = pt_entry_str(e, l->program);
    if (s) {
        pt_entry_copy_client(e, &e->client, &s->client);
        if (s->from && !e->from) {
            e->from = pt_entry_str(e, pt_slice_cstr(s->from));
            e->from_weak = 1;   /* a NOQUEUE line of the session: its own lines win */
        }
        for (uint32_t i = 0; i < s->n_pending; i++) {
            pt_mail_event *p = &s->pending[i];
            pt_entry_add_event(e, &p->time, pt_slice_cstr(p->service),
                               pt_slice_cstr(p->action), pt_slice_cstr(p->text));
            if (strcmp(p->action, "discard") == 0)
                e->discard_pending = 1;
        }
        s->n_pending = 0;
        pt_session_set(s, &s->queue_id, ev->queue_id);
    }
    pt_entry_client_update(e, ev);
}

/* smtpd / postscreen refusals and actions: a reject record, and the
 * session's or message's view of it (smtpd FILTER lines: the view only). */
static void on_reject(pt_core *c, const pt_line *l, const pt_event *ev)
{
    if (ev->kind == PT_EV_REJECT)       /* a FILTER is no refusal: no record */
        pt_record_emit_reject(c, l, ev);
    pt_slice action = action_of(ev);
    int smtpd = pt_slice_eq(ev->prog.daemon, "smtpd");
    pt_session *s = smtpd ? session_for(c, l, ev, 1) : NULL;
    if (s) {
        session_client(s, ev);
        pt_session_set(s, &s->from, ev->from);
    }
    if (!pt_slice_empty(ev->queue_id)) {
        pt_entry *e = entry_for(c, l, ev->queue_id, ATTACH);
        if (!e)
            return;
        touch(c, e, l);
        pt_entry_add_event(e, &l->time, ev->prog.daemon, action, text_of(ev));
        set_from(e, ev->from);
        if (pt_slice_eq(action, "discard") || pt_slice_eq(action, "milter-discard"))
            e->discard_pending = 1;
        /* refused after DATA: the whole message, not one recipient */
        if ((pt_slice_eq(action, "reject") || pt_slice_eq(action, "milter-reject"))
            && (pt_slice_eq(ev->stage, "DATA") || pt_slice_eq(ev->stage, "END-OF-MESSAGE")
                || pt_slice_eq(ev->stage, "BDAT")))
            finish(c, e, PT_END_REJECTED);
        return;
    }
    /* NOQUEUE hold / discard / filter: the message's queue ID comes next */
    if (s && s->n_pending < sizeof s->pending / sizeof s->pending[0]
        && (pt_slice_eq(action, "hold") || pt_slice_eq(action, "discard")
            || pt_slice_eq(action, "milter-hold")
            || pt_slice_eq(action, "milter-discard")
            || pt_slice_eq(action, "filter"))) {
        pt_mail_event *p = &s->pending[s->n_pending++];
        p->time = l->time;
        p->service = pt_utf8_dup(&s->arena, ev->prog.daemon);
        p->action = pt_utf8_dup(&s->arena,
                                pt_slice_eq(action, "milter-discard")
                                ? pt_slice_cstr("discard") : action);
        p->text = pt_utf8_dup(&s->arena, text_of(ev));
        if (!p->service || !p->action || !p->text) {
            s->n_pending--;
            return;
        }
        session_note_line(c, s, l);
        /* the same action at the same time held already: it reaches the
         * message once, as a queue-ID line would (a line delivered twice) */
        for (uint32_t i = 0; i + 1 < s->n_pending; i++)
            if (pt_time_cmp(&s->pending[i].time, &p->time) == 0
                && strcmp(s->pending[i].action, p->action) == 0
                && strcmp(s->pending[i].text, p->text) == 0) {
                s->n_pending--;
                break;
            }
    }
}

/* One smtpd process serves one client at a time: at a connect, the
 * process's other sessions whose latest line is older are over (their
 * disconnect not logged, or still to come within this timestamp: in the
 * canonical order connects come first). They become "closing": their own
 * disconnect ends them, or the process's next connect of a later time. */
static void end_earlier_sessions(pt_core *c, const pt_line *l)
{
    uint64_t h = pt_table_hash(l->host, l->pid);
    int64_t t = pt_time_usec(&l->time);
    pt_tnode *n = pt_table_find(&c->session_pids, h, l->host, l->pid);
    while (n) {
        pt_session *s = (pt_session *)((char *)n - offsetof(pt_session, pid_node));
        n = pt_table_find_next(n, l->host, l->pid);
        if (s->closing && s->closing_usec < t) {
            session_message_gone(c, s, 0);
            session_end(c, s);
        } else if (!s->closing && s->last_line_usec < t) {
            s->closing = 1;
            s->closing_usec = t;
            pt_dlist_push(&c->closing, &s->closing_link);
        }
    }
}

/* The key of a closing session: its key and " ~". */
static pt_slice closing_key(const pt_line *l, const pt_event *ev, char *buf)
{
    pt_slice k = session_key(l, ev, buf);
    buf[k.n] = ' ';
    buf[k.n + 1] = '~';
    return pt_slice_make(buf, k.n + 2);
}

/* The closing session of this line's process and client, if any. */
static pt_session *closing_session(pt_core *c, const pt_line *l, const pt_event *ev)
{
    char kb[SESSION_KEY_MAX + 2];
    pt_slice key = closing_key(l, ev, kb);
    pt_session *s = (pt_session *)pt_table_find(&c->sessions, pt_table_hash(l->host, key),
                                                l->host, key);
    if (s) {
        s->last_line_usec = pt_time_usec(&l->time);
        s->touch_seq = ++c->touch_seq;
    }
    return s;
}

/* A connect comes while the process's session with this client is open:
 * that session ended without its disconnect logged yet, or (one timestamp,
 * canonical order: connects come first) its disconnect is still to come.
 * It moves aside as "closing": the next disconnect of this process and
 * client ends it and judges its messages, or a later connect does. */
static void session_set_closing(pt_core *c, const pt_line *l, const pt_event *ev,
                                pt_session *old)
{
    char kb[SESSION_KEY_MAX + 2];
    pt_session *prev = closing_session(c, l, ev);
    if (prev) {                         /* two ends without a disconnect: it is over */
        session_message_gone(c, prev, 0);
        session_end(c, prev);
    }
    pt_slice key = closing_key(l, ev, kb);
    pt_table_remove(&c->sessions, &old->node);
    pt_session_set(old, &old->pid, key);
    pt_table_remove(&c->session_pids, &old->pid_node);
    pt_session_key_nodes(old);
    old->node.hash = pt_table_hash(l->host, key);
    pt_table_insert(&c->sessions, &old->node);
    session_index(c, old);
    old->closing = 1;
    old->closing_usec = pt_time_usec(&l->time);
    pt_dlist_del(&old->closing_link);   /* on the list already when an earlier connect of
                                           its process made it closing: linked once */
    pt_dlist_push(&c->closing, &old->closing_link);
}

static void link_now(pt_core *c);

/* The timestamp is folded in: the sessions a connect of it made closing
 * have had their chance of a disconnect of the same time; they are over. */
static void end_closing_sessions(pt_core *c, int64_t t)
{
    link_now(c);
    judge_now(c, t);
    while (!pt_dlist_empty(&c->closing)) {
        pt_session *s = (pt_session *)((char *)c->closing.next
                                       - offsetof(pt_session, closing_link));
        pt_dlist_del(&s->closing_link);
        c->cur = s->hp;
        session_message_gone(c, s, 0);
        session_end(c, s);
    }
}

/* smtpd connect / TLS / disconnect lines. */
static void on_session_line(pt_core *c, const pt_line *l, const pt_event *ev)
{
    if (ev->kind == PT_EV_CONNECT) {
        int64_t t = pt_time_usec(&l->time);
        pt_session *old = session_for(c, l, ev, 0);
        if (old && old->n_open > 0 && old->connect_usec == t) {
            /* another session of this process and client within one timestamp:
             * their lines cannot be told apart, so they share one session that
             * ends with the last of their disconnects */
            old->n_open++;
            session_client(old, ev);
            return;             /* counted once: which message it precedes is unknown */
        }
        if (old)
            session_set_closing(c, l, ev, old);
        end_earlier_sessions(c, l);
        pt_session *s = session_for(c, l, ev, 1);
        if (s) {
            s->n_open = 1;
            s->connect_usec = t;
            session_client(s, ev);
            session_note_line(c, s, l);
        }
        return;
    }
    pt_session *s = NULL;
    if (ev->kind == PT_EV_DISCONNECT)
        s = closing_session(c, l, ev);  /* the session before a connect of this timestamp */
    if (!s)
        s = session_for(c, l, ev, ev->kind == PT_EV_TLS);
    if (!s)
        return;
    if (ev->kind == PT_EV_TLS) {
        session_client(s, ev);
        pt_session_set(s, &s->client.tls_trust, ev->tls_trust);
        pt_session_set(s, &s->client.tls_protocol, ev->tls_protocol);
        pt_session_set(s, &s->client.tls_cipher, ev->tls_cipher);
        if (ev->tls_bits >= 0)
            s->client.tls_bits = ev->tls_bits;
        session_note_line(c, s, l);
        return;
    }
    if (s->n_open > 1 && !s->closing && !ev->disconnect_lost) {
        s->n_open--;            /* one of the sessions sharing it: which one, unknown */
        return;
    }
    session_fold_into_message(c, s, l);
    if (ev->disconnect_lost) {                   /* lost connection / timeout */
        if (!pt_slice_eq(ev->stage, "END-OF-MESSAGE") && !pt_slice_eq(ev->stage, "QUIT")
            && !pt_slice_eq(ev->stage, "RSET") && !pt_slice_eq(ev->stage, "CONNECT"))
            s->lost = 1;
        return;
    }
    session_message_gone(c, s, s->lost);
    session_end(c, s);
}

/* Is an address a loopback one (127.0.0.0/8, ::1, ::ffff:127.x)? */
static int is_loopback(pt_slice ip)
{
    return (ip.n >= 4 && memcmp(ip.p, "127.", 4) == 0) || pt_slice_eq(ip, "::1")
        || (ip.n >= 11 && memcmp(ip.p, "::ffff:127.", 11) == 0);
}

/* Did mail k come in from the place a delivery went to (relay "host[ip]:port"):
 * from that address, or from loopback when the relay was loopback or a
 * socket? Only then is a "queued as K" reply about this host's mail K (a
 * content filter or re-injection), not a remote server's queue ID. */
static int reinjected_from(const pt_entry *k, pt_slice relay)
{
    pt_slice rip;
    int socket;
    if (!k->client.ip || !pt_relay_address(relay, &rip, &socket))
        return 0;
    pt_slice kip = pt_slice_cstr(k->client.ip);
    if (rip.n == kip.n && memcmp(rip.p, kip.p, kip.n) == 0)
        return 1;
    return is_loopback(kip) && (socket || is_loopback(rip));
}

/* Remember a "queued as" link to make once the timestamp is folded in. */
static void link_later(pt_core *c, pt_slice host, pt_slice child, pt_slice parent,
                       pt_slice relay)
{
    if (child.n > 255 || parent.n > 255 || relay.n > 1024)
        return;
    if (c->n_links == c->cap_links) {
        size_t cap = c->cap_links ? c->cap_links * 2 : 16;
        char **v = realloc(c->links, cap * sizeof *v);
        if (!v)
            return;
        c->links = v;
        c->cap_links = cap;
    }
    char *k = malloc(host.n + child.n + parent.n + relay.n + 4);
    if (!k)
        return;
    char *p = k;
    const pt_slice parts[4] = { host, child, parent, relay };
    for (int i = 0; i < 4; i++) {
        memcpy(p, parts[i].p, parts[i].n);
        p += parts[i].n;
        *p++ = '\0';
    }
    c->links[c->n_links++] = k;
}

/* Make the remembered links whose child came in from the relay. */
static void link_now(pt_core *c)
{
    for (size_t i = 0; i < c->n_links; i++) {
        const char *host = c->links[i], *child = host + strlen(host) + 1;
        const char *parent = child + strlen(child) + 1, *relay = parent + strlen(parent) + 1;
        pt_entry *k = entry_find(c, pt_slice_cstr(host), pt_slice_cstr(child));
        if (k && strcmp(k->queue_id, parent) != 0 && reinjected_from(k, pt_slice_cstr(relay)))
            pt_entry_set(k, &k->parent_id, pt_slice_cstr(parent));
        free(c->links[i]);
    }
    c->n_links = 0;
}

/* A recipient's delivery status line. */
static void on_delivery(pt_core *c, const pt_line *l, const pt_event *ev)
{
    pt_entry *e = entry_for(c, l, ev->queue_id, ATTACH);
    if (!e)
        return;
    touch(c, e, l);
    pt_rcpt *r = pt_entry_rcpt(e, ev->to, ev->orig_to);
    if (r) {
        pt_entry_set(e, &r->status, ev->status);
        pt_entry_replace(e, &r->dsn, ev->dsn);
        pt_entry_set(e, &r->service, ev->prog.daemon);
        if (!pt_slice_empty(ev->prog.transport))
            pt_entry_set(e, &r->transport, ev->prog.transport);
        pt_entry_replace(e, &r->relay, ev->relay);
        pt_entry_replace(e, &r->reply, ev->reply);
        pt_entry_replace(e, &r->queued_as, ev->queued_as);
        r->smtp_code = ev->smtp_code;
        r->delay = ev->delay;
        memcpy(r->delays, ev->delays, sizeof r->delays);
        r->time = l->time;
        r->attempts++;
    } else {
        pt_entry_rcpt_overflow(e, ev->to, ev->orig_to, ev->status);
    }
    if (!pt_slice_empty(ev->forwarded_as)) {     /* local forwarding: a local queue ID */
        pt_entry *k = link_target(c, l->host, ev->forwarded_as);
        if (k && k != e) {
            pt_entry_set(k, &k->parent_id, ev->queue_id);
            k->created = 1;
            pt_entry_set(k, &k->origin, pt_slice_cstr("local"));
            pt_entry_set(k, &k->origin_program, l->program);
        }
    } else if (ev->queued_as_qid) {
        /* the child's client= line is in this timestamp or an earlier one
         * (the filter queues it, then replies): looked at once it is in */
        link_later(c, l->host, ev->queued_as, ev->queue_id, ev->relay);
    }
    if (c->opt.emit_deferred && !e->progress_emitted && pt_slice_eq(ev->status, "deferred")) {
        e->progress_emitted = 1;
        pt_record_emit_message(c, e, 1);
    }
}

/* bounce: "QID: sender ... notification: NEWQID". */
static void on_notification(pt_core *c, const pt_line *l, const pt_event *ev)
{
    /* the original may not be seen yet (lines out of order): a placeholder
     * keeps the link until it is, and gives no record if it never is */
    pt_entry *p = link_target(c, l->host, ev->queue_id);
    if (p) {
        touch(c, p, l);
        pt_entry_add_notification(p, ev->notification, ev->new_queue_id);
        if (ev->notification == PT_NOTIFY_NON_DELIVERY && !p->bounce_id)
            p->bounce_id = pt_entry_str(p, ev->new_queue_id);
    }
    pt_entry *k = link_target(c, l->host, ev->new_queue_id);
    if (k && k != p) {
        pt_entry_set(k, &k->parent_id, ev->queue_id);
        k->created = 1;
        pt_entry_set(k, &k->origin, pt_slice_cstr("bounce"));
        pt_entry_set(k, &k->origin_program, l->program);
    }
}

/* postsuper administration. */
static void on_admin(pt_core *c, const pt_line *l, const pt_event *ev)
{
    pt_entry *e = entry_for(c, l, ev->queue_id, ATTACH);
    if (!e)
        return;
    touch(c, e, l);
    static const char *const names[] = { "", "deleted", "hold", "release", "requeue", "info" };
    if (ev->admin == PT_ADMIN_DELETED) {
        finish(c, e, PT_END_DELETED);
    } else if ((unsigned)ev->admin < sizeof names / sizeof names[0]) {
        pt_slice text = l->msg;                 /* the text after "QID: " */
        if (text.n > ev->queue_id.n + 2 && memcmp(text.p, ev->queue_id.p, ev->queue_id.n) == 0) {
            text.p += ev->queue_id.n + 2;
            text.n -= ev->queue_id.n + 2;
        }
        pt_entry_add_event(e, &l->time, ev->prog.daemon,
                           pt_slice_cstr(names[ev->admin]), text);
    }
}

/* cleanup header/body/milter actions. */
static void on_cleanup_action(pt_core *c, const pt_line *l, const pt_event *ev)
{
    pt_entry *e = entry_for(c, l, ev->queue_id, ATTACH);
    if (!e)
        return;
    touch(c, e, l);
    e->cleanup_seen = 1;
    pt_slice action = action_of(ev);
    pt_entry_add_event(e, &l->time, ev->prog.daemon, action, text_of(ev));
    set_from(e, ev->from);
    if (pt_slice_eq(action, "reject") || pt_slice_eq(action, "milter-reject"))
        finish(c, e, PT_END_REJECTED);
    else if (pt_slice_eq(action, "discard") || pt_slice_eq(action, "milter-discard"))
        finish(c, e, PT_END_DISCARDED);
}

/* Does e still wait in the queue: no recipient seen, or one deferred? */
static int still_queued(const pt_entry *e)
{
    if (e->n_rcpts == 0 && e->n_overflow == 0)
        return 1;
    for (uint32_t i = 0; i < e->n_rcpts; i++)
        if (e->rcpts[i].status && strcmp(e->rcpts[i].status, "deferred") == 0)
            return 1;
    return (e->overflow_status_mask & (1u << PT_ST_DEFERRED)) != 0;
}

/* Fold one parsed line into the state. */
static void dispatch(pt_core *c, const pt_line *l, const pt_event *ev)
{
    pt_entry *e;
    switch (ev->kind) {
    case PT_EV_CONNECT:
    case PT_EV_TLS:
    case PT_EV_DISCONNECT:
        on_session_line(c, l, ev);
        break;
    case PT_EV_CLIENT:
        on_client(c, l, ev);
        break;
    case PT_EV_REJECT:
        on_reject(c, l, ev);
        break;
    case PT_EV_SMTPD_FILTER:
        if (pt_slice_empty(ev->queue_id)) {
            on_reject(c, l, ev);
            break;
        }
        e = entry_for(c, l, ev->queue_id, ATTACH);
        if (e) {
            touch(c, e, l);
            pt_entry_add_event(e, &l->time, ev->prog.daemon,
                               pt_slice_cstr("filter"), text_of(ev));
        }
        break;
    case PT_EV_PICKUP:
        e = entry_for(c, l, ev->queue_id, START_CREATE);
        if (!e)
            break;
        touch(c, e, l);
        e->created = 1;
        e->has_pickup = 1;
        pt_entry_set(e, &e->origin, pt_slice_cstr("pickup"));
        pt_entry_set(e, &e->origin_program, l->program);
        e->pickup_uid = ev->uid;
        pt_entry_set(e, &e->pickup_from, ev->from);
        set_from(e, ev->from);
        break;
    case PT_EV_MESSAGE_ID:
        e = entry_for(c, l, ev->queue_id, START_MSGID);
        if (!e)
            break;
        touch(c, e, l);
        e->cleanup_seen = 1;
        if (ev->message_id.n)       /* "message-id=<>": left out */
            pt_entry_set(e, &e->message_id, ev->message_id);
        break;
    case PT_EV_CLEANUP_ACTION:
        on_cleanup_action(c, l, ev);
        break;
    case PT_EV_QMGR_FROM:
        e = entry_for(c, l, ev->queue_id, START_ACTIVE);
        if (!e)
            break;
        touch(c, e, l);
        e->qmgr_seen = 1;
        pt_entry_set(e, &e->from, ev->from);
        e->from_weak = 0;
        if (ev->size >= 0)
            e->size = ev->size;
        if (ev->nrcpt >= 0)
            e->nrcpt = ev->nrcpt;
        pt_entry_set(e, &e->instance, ev->prog.syslog_name);
        break;
    case PT_EV_QMGR_EXPIRED:
        e = entry_for(c, l, ev->queue_id, ATTACH);
        if (!e)
            break;
        touch(c, e, l);
        e->expired = 1;
        e->qmgr_seen = 1;
        pt_entry_set(e, &e->from, ev->from);
        e->from_weak = 0;
        break;
    case PT_EV_REMOVED:
        e = entry_for(c, l, ev->queue_id, ATTACH);
        if (!e)
            break;
        touch(c, e, l);
        if (ev->daemon_inferred && !e->expired && still_queued(e)) {
            /* "QID: removed" without its daemon's name: qmgr removes a mail
               whose recipients are done, so this is postsuper's delete */
            finish(c, e, PT_END_DELETED);
            break;
        }
        e->qmgr_seen = 1;
        finish(c, e, e->expired ? PT_END_EXPIRED : PT_END_REMOVED);
        break;
    case PT_EV_DELIVERY:
        on_delivery(c, l, ev);
        break;
    case PT_EV_NOTIFICATION:
        on_notification(c, l, ev);
        break;
    case PT_EV_ADMIN:
        on_admin(c, l, ev);
        break;
    case PT_EV_INFO:            /* any other queue-ID line: an event of its mail */
        e = entry_for(c, l, ev->queue_id, ATTACH);
        if (e) {
            touch(c, e, l);
            pt_entry_add_event(e, &l->time, ev->prog.daemon,
                               pt_slice_cstr(ev->action_name), ev->text);
        }
        break;
    case PT_EV_AUTH_FAILED:
        pt_record_emit_auth(c, l, ev);
        break;
    default:
        break;
    }
}

/* Is h a syslog HOSTNAME (1-255 printable US-ASCII bytes, RFC 5424)? The
 * correlation key is stored as is, so it must need no sanitising. */
static int host_ok(pt_slice h)
{
    if (h.n == 0 || h.n > MAX_HOST_LEN)
        return 0;
    for (size_t i = 0; i < h.n; i++)
        if ((unsigned char)h.p[i] < 0x21 || (unsigned char)h.p[i] > 0x7e)
            return 0;
    return 1;
}

/* A hash of the whole line (time, program, pid, message): duplicates.
 * Never 0 (an empty slot of a mail's seen set). Kept in state files. Out
 * of line so that make bench can measure the duplicate check's share. */
__attribute__((noinline)) static uint64_t line_hash(const pt_line *l)
{
    uint64_t h = pt_hash_bytes((uint64_t)pt_time_usec(&l->time), l->program.p, l->program.n);
    h = pt_hash_bytes(h, l->pid.p, l->pid.n);
    h = pt_hash_bytes(h, l->msg.p, l->msg.n);
    return h ? h : 1;
}

/* Fold one parsed Postfix line of host c->cur into the state: a queue-ID
 * line its mail already holds is folded once (counted, no other change). */
static void fold_event(pt_core *c, const pt_line *l, pt_event *ev)
{
    c->st.lines_postfix++;
    if (ev->kind == PT_EV_UNRECOGNISED) {
        c->st.lines_unrecognised++;
        return;
    }
    c->st.lines_parsed++;
    uint64_t lh = 0;
    pt_entry *before = NULL;
    if (!pt_slice_empty(ev->queue_id)) {
        lh = line_hash(l);
        before = entry_find(c, l->host, ev->queue_id);
        if (before && pt_entry_seen(before, lh)) {
            c->st.lines_duplicate++;
            touch(c, before, l);
            return;
        }
    }
    dispatch(c, l, ev);
    if (lh) {
        pt_entry *e = entry_find(c, l->host, ev->queue_id);
        if (e && e == before)
            pt_entry_add_seen(e, lh);   /* checked above (a new entry at its address: empty) */
        else if (e)
            pt_entry_note_seen(e, lh);
    }
}

/* Make l's host current and move its clock to the line's time. 0, or -1
 * on no memory (the line is lost: counted as malformed). */
static int enter_host(pt_core *c, const pt_line *l, int64_t arrival)
{
    pt_host *h = pt_core_host(c, l->host);
    if (!h)
        return -1;
    c->cur = h;
    int64_t u = pt_time_usec(&l->time);
    if (!h->have_line || u > h->latest_usec) {
        h->latest_usec = u;
        h->have_line = 1;
    }
    if (arrival > h->last_arrival)
        h->last_arrival = arrival;
    advance(c, h, u);
    return 0;
}

/* Fold in one line at once (no reorder window, or it could not be held). */
static void fold_line(pt_core *c, const pt_line *l, int64_t arrival)
{
    if (enter_host(c, l, arrival)) {
        c->st.lines_malformed++;
        return;
    }
    pt_event ev;
    pt_parse_names(l, &c->names, &ev);
    fold_event(c, l, &ev);
    end_closing_sessions(c, pt_time_usec(&l->time));
    pt_core_enforce_bound(c);
}

/* A held line's place in the canonical order (small: sorting moves these,
 * not the parsed events). */
typedef struct ranked {
    uint64_t key;               /* phase, then the queue ID's first 7 bytes: most
                                   comparisons end here */
    const pt_line *l;
    pt_slice qid;               /* its queue ID, empty for session lines */
    uint32_t idx;               /* its event in the bucket's event array */
    int rank;
} ranked;

/* Compare two byte strings, shorter first on a common prefix. */
static int slice_cmp(pt_slice a, pt_slice b)
{
    size_t n = a.n < b.n ? a.n : b.n;
    int r = n ? memcmp(a.p, b.p, n) : 0;
    return r ? r : (a.n < b.n ? -1 : a.n > b.n);
}

/* The canonical order of lines with one host and time: the session lines
 * that open (connect, TLS, NOQUEUE actions), then each mail's lines together
 * by queue ID, each mail's in its life cycle's order (pt_event_rank), then
 * the session lines that close (disconnect); ties by content. A mail's lines
 * stay together, so folding them touches one entry at a time. */
static int ranked_cmp(const void *pa, const void *pb)
{
    const ranked *a = pa, *b = pb;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    int r = slice_cmp(a->qid, b->qid);
    if (r)
        return r;
    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    r = slice_cmp(a->l->msg, b->l->msg);
    if (!r)
        r = slice_cmp(a->l->program, b->l->program);
    if (!r)
        r = slice_cmp(a->l->pid, b->l->pid);
    if (!r)
        r = pt_time_cmp(&a->l->time, &b->l->time);      /* same instant, other offset */
    if (!r)
        r = slice_cmp(a->l->raw, b->l->raw);
    return r;
}

/* Does a come before b? The key decides most pairs without a call. */
static inline int ranked_before(const ranked *a, const ranked *b)
{
    if (a->key != b->key)
        return a->key < b->key;
    return ranked_cmp(a, b) < 0;
}

/* Sort v[0..n) by comparisons: insertion sort of runs of 8, then merges
 * through tmp (room for n). */
static void ranked_merge_sort(ranked *v, ranked *tmp, uint32_t n)
{
    const uint32_t run = 8;
    for (uint32_t lo = 0; lo < n; lo += run) {
        uint32_t hi = lo + run < n ? lo + run : n;
        for (uint32_t i = lo + 1; i < hi; i++) {
            ranked x = v[i];
            uint32_t j = i;
            for (; j > lo && ranked_before(&x, &v[j - 1]); j--)
                v[j] = v[j - 1];
            v[j] = x;
        }
    }
    ranked *src = v, *dst = tmp;
    for (uint32_t w = run; w < n; w *= 2) {
        for (uint32_t lo = 0; lo < n; lo += 2 * w) {
            uint32_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            uint32_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                dst[k++] = ranked_before(&src[j], &src[i]) ? src[j++] : src[i++];
            while (i < mid)
                dst[k++] = src[i++];
            while (j < hi)
                dst[k++] = src[j++];
        }
        ranked *t = src;
        src = dst;
        dst = t;
    }
    if (src != v)
        memcpy(v, src, n * sizeof *v);
}

/* Sort v[0..n) into the canonical order (tmp: room for n): a stable
 * radix sort on the keys, one pass per byte that differs among them (a
 * second's queue IDs share their first bytes), then each run of equal keys
 * (a mail's lines) by the full comparison. The same order as a comparison
 * sort, at a fraction of its cost on a busy second (docs/benchmarks.md). */
static void ranked_sort(ranked *v, ranked *tmp, uint32_t n)
{
    if (n <= 32) {
        ranked_merge_sort(v, tmp, n);
        return;
    }
    uint64_t any = 0, all = ~(uint64_t)0;
    for (uint32_t i = 0; i < n; i++) {
        any |= v[i].key;
        all &= v[i].key;
    }
    ranked *src = v, *dst = tmp;
    for (unsigned shift = 0; shift < 64; shift += 8) {
        if (!(((any ^ all) >> shift) & 0xff))
            continue;                   /* the same byte in every key */
        uint32_t pos[256] = { 0 };
        for (uint32_t i = 0; i < n; i++)
            pos[(src[i].key >> shift) & 0xff]++;
        uint32_t sum = 0;
        for (unsigned b = 0; b < 256; b++) {
            uint32_t c = pos[b];
            pos[b] = sum;
            sum += c;
        }
        for (uint32_t i = 0; i < n; i++)
            dst[pos[(src[i].key >> shift) & 0xff]++] = src[i];
        ranked *t = src;
        src = dst;
        dst = t;
    }
    if (src != v)
        memcpy(v, src, n * sizeof *v);
    for (uint32_t i = 0; i < n;) {
        uint32_t j = i + 1;
        while (j < n && v[j].key == v[i].key)
            j++;
        if (j - i > 1)
            ranked_merge_sort(v + i, tmp, j - i);
        i = j;
    }
}

/* A line's phase in the canonical order: 0 session lines before a mail,
 * 1 a mail's lines, 2 session lines after. */
static int phase_of(const pt_event *ev, int rank)
{
    if (!pt_slice_empty(ev->queue_id))
        return 1;
    return rank < 40 ? 0 : 2;
}

/* Room for n lines in the core's sort scratch (kept: a bucket of a busy
 * second holds thousands of lines, and fresh pages each time cost more than
 * the sort). 0, or -1 on no memory. */
static int scratch_room(pt_core *c, uint32_t n)
{
    if (n <= c->scratch_cap)
        return 0;
    uint32_t cap = c->scratch_cap ? c->scratch_cap : 64;
    while (cap < n)
        cap *= 2;
    ranked *v = realloc(c->scratch_v, 2 * (size_t)cap * sizeof *v);     /* + the merge's */
    if (!v)
        return -1;
    c->scratch_v = v;
    pt_event *ev = realloc(c->scratch_ev, cap * sizeof *ev);
    if (!ev)
        return -1;
    c->scratch_ev = ev;
    c->scratch_cap = cap;
    return 0;
}

/* Fold in a bucket that left the reorder window: its lines in canonical order. */
static void fold_bucket(pt_core *c, pt_bucket *b)
{
    if (scratch_room(c, b->n) != 0) {   /* no memory: in arrival order */
        for (pt_held *p = b->head; p; p = p->next)
            fold_line(c, &p->line, b->last_arrival);
        return;
    }
    ranked *v = c->scratch_v;
    pt_event *ev = c->scratch_ev;
    uint32_t n = 0;
    for (pt_held *p = b->head; p; p = p->next, n++) {
        v[n].l = &p->line;
        v[n].idx = n;
        pt_parse_names(&p->line, &c->names, &ev[n]);
        v[n].rank = pt_event_rank(&ev[n]);
        v[n].qid = ev[n].queue_id;
        v[n].key = (uint64_t)phase_of(&ev[n], v[n].rank) << 56;
        for (size_t i = 0; i < 7; i++)  /* big-endian: orders as the bytes do */
            v[n].key |= (uint64_t)(i < v[n].qid.n ? (unsigned char)v[n].qid.p[i] : 0)
                        << (48 - 8 * i);
    }
    if (n > 1)
        ranked_sort(v, v + c->scratch_cap, n);
    if (enter_host(c, v[0].l, b->last_arrival)) {
        c->st.lines_malformed += n;
        return;
    }
    pt_host *h = c->cur;
    if (h->have_released && b->time_usec <= h->released_usec)
        c->st.lines_late += n;          /* its timestamp had gone already */
    if (!h->have_released || b->time_usec > h->released_usec)
        h->released_usec = b->time_usec;
    h->have_released = 1;
    for (uint32_t i = 0; i < n; i++) {
        c->cur = h;
        fold_event(c, v[i].l, &ev[v[i].idx]);
        pt_core_enforce_bound(c);       /* may end this host's items, never free it */
    }
    end_closing_sessions(c, b->time_usec);
    pt_core_enforce_bound(c);
}

/* Fold in the buckets due at `now` (all of them when `all`). */
static void release_due(pt_core *c, int64_t now, int all)
{
    if (c->opt.reorder_window <= 0)
        return;
    pt_bucket *b;
    while ((b = pt_reorder_due(&c->ro, now, all)) != NULL) {
        fold_bucket(c, b);
        pt_reorder_bucket_free(b);
    }
}

/* The message text without what only framed it: UTF-8 byte order marks
 * (RFC 5424 MSG) and leading spaces (RFC 3164's, kept by relays that rewrite
 * a line as RFC 5424: rsyslog writes BOM, then " text"), in any order.
 * Postfix's own text starts with neither. */
static pt_slice message_text(pt_slice m)
{
    while (m.p && m.n > 0) {
        if (m.p[0] == ' ') {
            m.p++;
            m.n--;
        } else if (m.n >= 3 && memcmp(m.p, "\xEF\xBB\xBF", 3) == 0) {
            m.p += 3;
            m.n -= 3;
        } else {
            break;
        }
    }
    return m;
}

/* Hand one line that arrived at `now` to the core. */
void pt_core_feed_at(pt_core *c, const pt_line *l, int64_t now)
{
    c->st.lines_seen++;
    if (!host_ok(l->host) || !l->time.valid || l->pid.n > MAX_PID_LEN) {
        c->st.lines_malformed++;
        return;
    }
    pt_prog_kind kind = pt_program_kind(l->program, &c->names);
    if (kind == PT_PROG_OTHER)
        return;                         /* not Postfix: held nowhere, moves no clock */
    pt_line nl = *l;
    nl.msg = message_text(l->msg);
    l = &nl;
    if (c->opt.reorder_window <= 0 || pt_reorder_add(&c->ro, l, now) != 0)
        fold_line(c, l, now);
    release_due(c, now, 0);
    c->cur = NULL;
    pt_core_free_empty_hosts(c);
}

/* Hand one line to the core, arriving as the next input line. */
void pt_core_feed(pt_core *c, const pt_line *l)
{
    pt_core_feed_at(c, l, ++c->arrivals);
}

/* Count a malformed line. */
void pt_core_count_malformed(pt_core *c)
{
    c->st.lines_seen++;
    c->st.lines_malformed++;
}

/* Lines wait outside the core until now: nobody is quiet before. */
void pt_core_note_busy(pt_core *c, int64_t now)
{
    if (now > c->busy_until)
        c->busy_until = now;
}

#define QUIET_USEC 1000000      /* a host quiet this long has its clock moved on */

/* The timer: release what is due, move quiet hosts' clocks. */
void pt_core_tick(pt_core *c, int64_t now)
{
    release_due(c, now, 0);
    if (c->opt.quiet_clock) {
        for (pt_dlink *p = c->host_list.next; p != &c->host_list; p = p->next) {
            pt_host *h = host_of(p);
            int64_t since = h->last_arrival > c->busy_until ? h->last_arrival : c->busy_until;
            if (!h->have_line || now - since < QUIET_USEC
                || (c->opt.reorder_window > 0 && pt_reorder_held_for(&c->ro, pt_slice_cstr(h->name))))
                continue;
            c->cur = h;
            advance(c, h, h->latest_usec + (now - since));
        }
    }
    c->cur = NULL;
    pt_core_free_empty_hosts(c);
}

/* Order hosts by name. */
static int host_name_cmp(const void *a, const void *b)
{
    return strcmp((*(pt_host *const *)a)->name, (*(pt_host *const *)b)->name);
}

/* Move one host's clock (or every host's, in order of name: the records
 * then come in the same order whatever order the hosts were made in) on to t. */
void pt_core_advance_clock(pt_core *c, pt_slice host, const pt_time *t)
{
    if (!t->valid)
        return;
    size_t n = 0;
    for (pt_dlink *p = c->host_list.next; p != &c->host_list; p = p->next)
        n++;
    pt_host **v = n ? malloc(n * sizeof *v) : NULL;
    size_t k = 0;
    for (pt_dlink *p = c->host_list.next; p != &c->host_list; p = p->next) {
        pt_host *h = host_of(p);
        if (host.n && !(host.n == h->node.host_len && memcmp(host.p, h->name, host.n) == 0))
            continue;
        if (v) {
            v[k++] = h;
        } else {                        /* no memory: in the list's order */
            c->cur = h;
            advance(c, h, pt_time_usec(t));
        }
    }
    if (k > 1)
        qsort(v, k, sizeof *v, host_name_cmp);
    for (size_t i = 0; i < k; i++) {
        c->cur = v[i];
        advance(c, v[i], pt_time_usec(t));
    }
    free(v);
    c->cur = NULL;
    pt_core_free_empty_hosts(c);
}

/* Walk the clocks that moved since `since`. */
uint64_t pt_core_clocks(const pt_core *c, uint64_t since,
                        void (*fn)(void *ctx, pt_slice host, int64_t usec), void *ctx)
{
    for (const pt_dlink *p = c->host_list.next; p != &c->host_list; p = p->next) {
        const pt_host *h = (const pt_host *)((const char *)p - offsetof(pt_host, all));
        if (h->have_clock && h->clock_seq > since)
            fn(ctx, pt_slice_cstr(h->name), h->clock_usec);
    }
    for (size_t i = 0; i < c->n_gone; i++)
        if (c->gone[i].seq > since)
            fn(ctx, pt_slice_cstr(c->gone[i].name), c->gone[i].usec);
    return c->clock_seq;
}

/* Fold in everything held. */
void pt_core_drain(pt_core *c)
{
    release_due(c, 0, 1);
    c->cur = NULL;
    pt_core_free_empty_hosts(c);
}

/* Emit everything still held, lingering first, then open (end shutdown). */
void pt_core_flush(pt_core *c)
{
    pt_core_drain(c);
    while (!pt_dlist_empty(&c->linger))
        emit_and_drop(c, gentry_of(c->linger.next), PT_END_NONE);
    while (!pt_dlist_empty(&c->open_lru))
        emit_and_drop(c, gentry_of(c->open_lru.next), PT_END_SHUTDOWN);
    pt_core_free_empty_hosts(c);
}

/* Flush, then free everything. */
void pt_core_free(pt_core *c)
{
    if (!c)
        return;
    pt_core_flush(c);
    while (!pt_dlist_empty(&c->session_lru))
        session_end(c, gsession_of(c->session_lru.next));
    pt_core_free_empty_hosts(c);
    if (c->opt.reorder_window > 0)
        pt_reorder_destroy(&c->ro);
    pt_core_forget_clocks(c, UINT64_MAX);
    free(c->gone);
    for (size_t i = 0; i < c->n_judge; i++)
        free(c->judge[i]);
    free(c->judge);
    for (size_t i = 0; i < c->n_links; i++)
        free(c->links[i]);
    free(c->links);
    free(c->scratch_v);
    free(c->scratch_ev);
    pt_table_destroy(&c->entries);
    pt_table_destroy(&c->sessions);
    pt_table_destroy(&c->session_pids);
    pt_table_destroy(&c->hosts);
    pt_jw_free(&c->jw);
    free(c);
}

/* Copy the counters. */
void pt_core_stats(const pt_core *c, pt_stats *s)
{
    *s = c->st;
    s->sessions = c->sessions.count;
    s->lines_held = c->opt.reorder_window > 0 ? c->ro.lines : 0;
}
