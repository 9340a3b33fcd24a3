/*
 * checkpoint.h - the daemons' state file: the core's open state (entries,
 * sessions, per-log clock) and the records not yet written, saved
 * atomically (temp file, fsync, rename, checksummed, versioned) and kept in
 * place while the daemon runs; plus a journal beside it (STATE.journal)
 * that lists, since the last checkpoint, the ids of checkpointed entries
 * whose records were written and the highest written sequence number of
 * checkpointed records. A restart after kill -9 loads the file and skips
 * what the journal says was written, so no record is written twice.
 *
 * Memory: owns the paths and the journal's descriptor.
 * Thread-safety: as its owner (the runner: one thread at a time).
 */
#ifndef PT_CHECKPOINT_H
#define PT_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>
#include "core_internal.h"

typedef struct pt_checkpoint {
    char *path, *tmp_path, *journal_path, *old_journal_path;
    int journal_fd;             /* -1 until the first append */
    uint64_t saved_max_seq;     /* highest record seq in the last checkpoint */
    uint64_t journaled_seq;     /* highest written seq journaled since */
} pt_checkpoint;

/* Set up for state file path; -1 on no memory. */
int pt_checkpoint_init(pt_checkpoint *k, const char *path);

/* Free paths, close the journal. */
void pt_checkpoint_destroy(pt_checkpoint *k);

/* What loading found. */
typedef enum pt_ckpt_load {
    PT_CKPT_NONE = 0,           /* no state file: start empty */
    PT_CKPT_LOADED,             /* loaded */
    PT_CKPT_BAD                 /* unusable: renamed aside (or not), start empty */
} pt_ckpt_load;

/* Load the state file (and its journal) into an empty core and outbox. An
 * unusable file is renamed to PATH.bad-<wall_sec>; *why and aside (the new
 * name, size bytes) say what happened. *journal_clocks gets the journal's
 * clocks as "usec host\n" lines (host empty: every host), malloc'd, or NULL. */
pt_ckpt_load pt_checkpoint_load(pt_checkpoint *k, pt_core *c, pt_outbox *b, int64_t wall_sec,
                                pt_state_error *why, char *aside, size_t size,
                                char **journal_clocks);

/* A checkpoint in two steps, so the daemon's lock is held only for the
 * snapshot: pt_checkpoint_begin (under the lock) takes the snapshot into s
 * and starts a new journal (the old one, STATE.journal.old, still serves
 * the old file); pt_checkpoint_write (without the lock: touches only the
 * files) writes it to a temp file, fsyncs and renames it in place;
 * pt_checkpoint_end (under the lock) drops the old journal when it worked.
 * -1 with errno from begin (no memory) or write (the old file and both
 * journals stay valid). */
int pt_checkpoint_begin(pt_checkpoint *k, pt_core *c, const pt_outbox *b, pt_snapshot *s);
int pt_checkpoint_write(const pt_checkpoint *k, const pt_snapshot *s);
void pt_checkpoint_end(pt_checkpoint *k, int written);

/* Journal that records up to seq were written, and the ids (NUL-separated
 * list, total bytes len) of checkpointed entries among them, and the hosts'
 * clocks then ("C usec host\n" lines, clocks_len bytes: the restart moves
 * the clocks there, so what timed out before the kill times out again).
 * 0 when appended, 1 when there was nothing to append, -1 with errno. */
int pt_checkpoint_journal(pt_checkpoint *k, uint64_t seq, const char *ids, size_t len,
                          const char *clocks, size_t clocks_len);

#endif
