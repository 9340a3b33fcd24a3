/*
 * core_internal.h - the pt_core struct, shared by core.c (correlation),
 * record.c (JSON emission), stats.c and state.c (save / load).
 * Memory: the core owns its tables, every entry and session, and the
 * scratch arena used for reject records. Thread-safety: one thread.
 */
#ifndef PT_CORE_INTERNAL_H
#define PT_CORE_INTERNAL_H

#include "postfix-trace/core.h"
#include "entry.h"
#include "table.h"
#include "jsonw.h"

struct pt_core {
    pt_core_options opt;
    pt_record_sink sink;
    void *sink_ctx;
    pt_table entries;           /* open, lingering and placeholder entries */
    pt_dlink open_lru;          /* open entries and placeholders, oldest first */
    pt_dlink linger;            /* finished entries, in order of finishing */
    pt_table sessions;
    pt_dlink session_lru;
    uint64_t n_open, n_linger, n_placeholder;
    int64_t clock_usec;         /* the log's clock */
    int have_clock;
    int64_t latest_line_usec;   /* latest line time fed (the base of quiet ticks) */
    int have_line;
    pt_stats st;
    pt_jw jw;                   /* record text being built */
};

/* Emit / drop the oldest entries and sessions until the cache holds at
 * most max_entries; only between steps (core.c). */
void pt_core_enforce_bound(pt_core *c);

/* Build and emit the record of entry e (kind "message" or "progress"). */
void pt_record_emit_message(pt_core *c, pt_entry *e, int progress);

/* Build and emit a reject record for a REJECT event of line l. */
void pt_record_emit_reject(pt_core *c, const pt_line *l, const pt_event *ev);

#endif
