/*
 * shards.h - the core split by host over several threads. Queue IDs are
 * unique per host only, so every piece of correlation state (mails,
 * sessions, links, the reorder window, clocks) belongs to one host: a
 * host's lines all go to one shard, a core of its own run by a thread of
 * its own, and the shards share nothing but the sink. A central log
 * server receiving many mail hosts folds them on several cores; the
 * records are those of one core, in another order across hosts.
 *
 * The caller's thread reads and splits the headers, then hands each line
 * to pt_shards_feed, which copies it into its shard's batch; full batches
 * go to the shard's thread through a bounded queue (the caller waits when
 * a shard is behind: memory stays bounded). Every record goes to the sink
 * with the shards' sink lock held, so the sink need not be thread-safe
 * and records never interleave.
 *
 * Bounds: each shard's core gets max_entries / n (rounded up) and
 * reorder_max_bytes / n; the queue holds at most 4 batches of 512 lines
 * per shard.
 *
 * Memory: the shards own their cores, threads and batches; record text is
 * valid only during the sink call. Thread-safety: pt_shards_feed,
 * pt_shards_count_malformed and pt_shards_finish from one thread (the
 * reader); the sink runs on the shards' threads, one call at a time.
 */
#ifndef POSTFIX_TRACE_SHARDS_H
#define POSTFIX_TRACE_SHARDS_H

#include <stdint.h>
#include "postfix-trace/core.h"

#define PT_SHARDS_MAX 64

typedef struct pt_shards pt_shards;

/* Start n (1..PT_SHARDS_MAX) shards, each a core with options o (bounds
 * divided) and a thread. NULL on no memory, invalid options or when a
 * thread cannot be started. */
pt_shards *pt_shards_new(unsigned n, const pt_core_options *o, pt_record_sink sink, void *ctx);

/* Hand one line that arrived at `now` (units of arrival, never
 * decreasing: the command counts input lines) to its host's shard. 0, or
 * -1 when the line could not be kept (no memory: counted as malformed). */
int pt_shards_feed(pt_shards *s, const pt_line *l, int64_t now);

/* Hand a finished record read from the input (a module's records file)
 * to the sink, with the sink lock held like the shards' own. */
void pt_shards_forward(pt_shards *s, const char *json, size_t len);

/* Count a line whose header could not be read. */
void pt_shards_count_malformed(pt_shards *s);

/* End of input: every shard folds in what it has, ends its open mails as
 * "shutdown" (pt_core_flush) and stops its thread. */
void pt_shards_finish(pt_shards *s);

/* The counters summed over the shards (cache_high_water: the sum of the
 * shards' high waters, an upper bound of the whole's). After finish. */
void pt_shards_stats(const pt_shards *s, pt_stats *st);

/* Free (finishing first when pt_shards_finish was not called). */
void pt_shards_free(pt_shards *s);

/* The shard of a host among n: the same for every run and build. */
unsigned pt_shard_of(pt_slice host, unsigned n);

#endif
