/*
 * checkpoint.c - the state file and its written-records journal (see
 * checkpoint.h). Journal lines: "W <seq>" (records up to seq written),
 * "D <id>" (the record of checkpointed entry id written) and "C <usec>
 * <host>" (that host's clock; "C <usec>" alone, from before per-host
 * clocks: every host's). A torn last line
 * (kill -9 mid-append) is ignored. Lines that concern an older file than
 * the one loaded are harmless: its ids and sequence numbers are not in it.
 */
#include "checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "output.h"
#include "table.h"

/* Copy of a + b. */
static char *concat(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    char *s = malloc(na + nb + 1);
    if (s) {
        memcpy(s, a, na);
        memcpy(s + na, b, nb + 1);
    }
    return s;
}

/* Set up the paths. */
int pt_checkpoint_init(pt_checkpoint *k, const char *path)
{
    memset(k, 0, sizeof *k);
    k->journal_fd = -1;
    k->path = concat(path, "");
    k->tmp_path = concat(path, ".tmp");
    k->journal_path = concat(path, ".journal");
    k->old_journal_path = concat(path, ".journal.old");
    if (!k->path || !k->tmp_path || !k->journal_path || !k->old_journal_path) {
        pt_checkpoint_destroy(k);
        return -1;
    }
    return 0;
}

/* Free everything. */
void pt_checkpoint_destroy(pt_checkpoint *k)
{
    if (k->journal_fd >= 0)
        close(k->journal_fd);
    free(k->path);
    free(k->tmp_path);
    free(k->journal_path);
    free(k->old_journal_path);
    memset(k, 0, sizeof *k);
    k->journal_fd = -1;
}

/* The written ids of a journal, as a hash table of nodes. */
typedef struct written_id {
    pt_tnode node;
    char id[];
} written_id;

typedef struct journal_view {
    pt_table ids;
    uint64_t seq;
    char *clocks;               /* "usec host\n" lines, host empty for every host */
    size_t clocks_len, clocks_cap;
} journal_view;

/* Keep a clock line's "usec host" text. */
static void keep_clock(journal_view *v, const char *text, size_t n)
{
    if (v->clocks_len + n + 2 > v->clocks_cap) {
        size_t cap = v->clocks_cap ? v->clocks_cap * 2 : 1024;
        while (cap < v->clocks_len + n + 2)
            cap *= 2;
        char *c = realloc(v->clocks, cap);
        if (!c)
            return;
        v->clocks = c;
        v->clocks_cap = cap;
    }
    memcpy(v->clocks + v->clocks_len, text, n);
    v->clocks_len += n;
    v->clocks[v->clocks_len++] = '\n';
    v->clocks[v->clocks_len] = '\0';
}

/* Read the journal into v (a missing journal is empty). */
static void journal_read(const char *path, journal_view *v)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0) {
        if (line[n - 1] != '\n' || n < 4 || line[1] != ' ')
            continue;                       /* torn or foreign line */
        line[--n] = '\0';
        if (line[0] == 'C') {
            keep_clock(v, line + 2, (size_t)n - 2);
        } else if (line[0] == 'W') {
            uint64_t s = strtoull(line + 2, NULL, 10);
            if (s > v->seq)
                v->seq = s;
        } else if (line[0] == 'D' && n - 2 <= PT_ENTRY_ID_MAX) {
            written_id *w = malloc(sizeof *w + (size_t)n - 1);
            if (!w)
                continue;
            memcpy(w->id, line + 2, (size_t)n - 1);
            pt_slice id = pt_slice_make(w->id, (size_t)n - 2);
            w->node.hash = pt_table_hash(pt_slice_make("", 0), id);
            w->node.host = "";
            w->node.key = w->id;
            w->node.host_len = 0;
            w->node.key_len = (uint16_t)id.n;
            if (pt_table_find(&v->ids, w->node.hash, pt_slice_make("", 0), id))
                free(w);
            else
                pt_table_insert(&v->ids, &w->node);
        }
    }
    free(line);
    fclose(f);
}

/* pt_state_written_fn over a journal view. */
static int journal_has(void *ctx, const char *id, size_t len)
{
    journal_view *v = ctx;
    pt_slice s = pt_slice_make(id, len);
    return pt_table_find(&v->ids, pt_table_hash(pt_slice_make("", 0), s),
                         pt_slice_make("", 0), s) != NULL;
}

/* Free a journal view's ids. */
static void journal_view_free(journal_view *v)
{
    for (size_t i = 0; i <= v->ids.mask && v->ids.buckets; i++) {
        pt_tnode *n = v->ids.buckets[i];
        while (n) {
            pt_tnode *next = n->next;
            free(n);
            n = next;
        }
    }
    pt_table_destroy(&v->ids);
    free(v->clocks);
}

/* Load the state file and journal. */
pt_ckpt_load pt_checkpoint_load(pt_checkpoint *k, pt_core *c, pt_outbox *b, int64_t wall_sec,
                                pt_state_error *why, char *aside, size_t size,
                                char **journal_clocks)
{
    *why = PT_STATE_OK;
    *journal_clocks = NULL;
    if (size)
        aside[0] = '\0';
    FILE *f = fopen(k->path, "re");
    if (!f) {
        if (errno == ENOENT) {
            unlink(k->journal_path);        /* a journal without its file means nothing */
            unlink(k->old_journal_path);
            return PT_CKPT_NONE;
        }
        *why = PT_STATE_IO;
    } else {
        journal_view v = { .seq = 0 };
        if (pt_table_init(&v.ids) != 0) {
            *why = PT_STATE_NOMEM;
        } else {
            journal_read(k->old_journal_path, &v);
            journal_read(k->journal_path, &v);
            pt_state_load(c, b, f, v.seq, journal_has, &v, why);
            *journal_clocks = v.clocks;
            v.clocks = NULL;
            journal_view_free(&v);
        }
        fclose(f);
        if (*why == PT_STATE_OK) {
            k->saved_max_seq = b && b->tail ? b->tail->seq : 0;
            return PT_CKPT_LOADED;
        }
    }
    if (size && snprintf(aside, size, "%s.bad-%" PRId64, k->path, wall_sec) < (int)size
        && rename(k->path, aside) != 0)
        aside[0] = '\0';
    unlink(k->journal_path);
    unlink(k->old_journal_path);
    return PT_CKPT_BAD;
}

/* Snapshot under the lock; start a new journal. */
int pt_checkpoint_begin(pt_checkpoint *k, pt_core *c, const pt_outbox *b, pt_snapshot *s)
{
    if (pt_snapshot_take(s, c, b) != 0) {
        errno = ENOMEM;
        return -1;
    }
    if (k->journal_fd >= 0) {
        close(k->journal_fd);
        k->journal_fd = -1;
    }
    /* keep the journal of the file on disk until the new file is there; if
     * an older rotation is still pending (its write failed), go on
     * appending: lines about older files are harmless */
    if (access(k->old_journal_path, F_OK) != 0)
        rename(k->journal_path, k->old_journal_path);
    k->saved_max_seq = b && b->tail ? b->tail->seq : 0;
    k->journaled_seq = 0;
    return 0;
}

/* Write the snapshot: temp file, fsync, rename (no lock needed). */
int pt_checkpoint_write(const pt_checkpoint *k, const pt_snapshot *s)
{
    int fd = open(k->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 && errno == ENOENT && pt_mkdirs_for(k->tmp_path, 0700) == 0)
        fd = open(k->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    size_t off = 0;
    int ok = 1;
    while (ok && off < s->len) {
        ssize_t w = write(fd, s->buf + off, s->len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = ENOSPC;
            ok = 0;
        } else {
            off += (size_t)w;
        }
    }
    ok = ok && fsync(fd) == 0;
    int e = errno;
    ok = (close(fd) == 0) && ok;
    if (ok && rename(k->tmp_path, k->path) != 0)
        ok = 0;
    if (!ok) {
        e = errno ? errno : e;
        unlink(k->tmp_path);
        errno = e;
        return -1;
    }
    return 0;
}

/* After the write: the old journal is done with when the file is there. */
void pt_checkpoint_end(pt_checkpoint *k, int written)
{
    if (written)
        unlink(k->old_journal_path);
}

/* Append written-records facts to the journal. */
int pt_checkpoint_journal(pt_checkpoint *k, uint64_t seq, const char *ids, size_t len,
                          const char *clocks, size_t clocks_len)
{
    int need_seq = seq && seq <= k->saved_max_seq && seq > k->journaled_seq;
    if (!need_seq && len == 0)
        return 1;
    if (k->journal_fd < 0) {
        k->journal_fd = open(k->journal_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (k->journal_fd < 0)
            return -1;
    }
    /* each id of l bytes + NUL becomes "D " + l + '\n' (2 bytes more, and
     * ids have at least one byte, so at most len / 2 ids): 2 * len; plus
     * the C and W lines */
    size_t n = 0;
    char *buf = malloc(2 * len + clocks_len + 64);
    if (!buf)
        return -1;
    if (clocks_len)
        memcpy(buf, clocks, clocks_len);
    n = clocks_len;
    if (need_seq)
        n += (size_t)snprintf(buf + n, 32, "W %" PRIu64 "\n", seq);
    for (size_t i = 0; i < len;) {
        size_t l = strlen(ids + i);
        buf[n++] = 'D';
        buf[n++] = ' ';
        memcpy(buf + n, ids + i, l);
        n += l;
        buf[n++] = '\n';
        i += l + 1;
    }
    ssize_t w = write(k->journal_fd, buf, n);
    free(buf);
    if (w != (ssize_t)n)
        return -1;
    if (need_seq)
        k->journaled_seq = seq;
    return 0;
}
