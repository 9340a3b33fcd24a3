/*
 * stats.c - the counters of SCHEMA.md as one JSON object (for --stats and
 * the daemons' own reporting). Memory: writes into the caller's buffer.
 * Thread-safety: reentrant.
 */
#include "postfix-trace/core.h"

#include <inttypes.h>
#include <stdio.h>

/* Counters as JSON text, snprintf-style return. */
size_t pt_stats_json(const pt_stats *s, char *buf, size_t size)
{
    int n = snprintf(buf, size,
        "{\"lines_seen\":%" PRIu64 ",\"lines_postfix\":%" PRIu64
        ",\"lines_parsed\":%" PRIu64 ",\"lines_unrecognised\":%" PRIu64
        ",\"lines_malformed\":%" PRIu64 ",\"records\":{\"removed\":%" PRIu64
        ",\"expired\":%" PRIu64 ",\"deleted\":%" PRIu64 ",\"rejected\":%" PRIu64
        ",\"discarded\":%" PRIu64 ",\"aborted\":%" PRIu64 ",\"timeout\":%" PRIu64
        ",\"evicted\":%" PRIu64 ",\"shutdown\":%" PRIu64 ",\"reject\":%" PRIu64
        ",\"progress\":%" PRIu64 ",\"auth\":%" PRIu64 "},\"cache_entries\":%" PRIu64
        ",\"cache_high_water\":%" PRIu64 ",\"evictions\":%" PRIu64
        ",\"timeouts\":%" PRIu64 ",\"sessions\":%" PRIu64
        ",\"sessions_evicted\":%" PRIu64 ",\"records_truncated\":%" PRIu64
        ",\"lines_duplicate\":%" PRIu64 ",\"lines_late\":%" PRIu64 "}",
        s->lines_seen, s->lines_postfix, s->lines_parsed, s->lines_unrecognised,
        s->lines_malformed, s->rec_removed, s->rec_expired, s->rec_deleted,
        s->rec_rejected, s->rec_discarded, s->rec_aborted, s->rec_timeout,
        s->rec_evicted, s->rec_shutdown, s->rec_reject, s->rec_progress, s->rec_auth,
        s->cache_entries, s->cache_high_water, s->evictions, s->timeouts,
        s->sessions, s->sessions_evicted, s->records_truncated, s->lines_duplicate,
        s->lines_late);
    return n < 0 ? 0 : (size_t)n;
}

/* The library version: configure's (AC_INIT), the one every artifact carries. */
const char *pt_version(void)
{
#ifdef PT_PACKAGE_VERSION
    return PT_PACKAGE_VERSION;
#else
    return "unknown";
#endif
}
