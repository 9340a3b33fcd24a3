/*
 * postfix-trace-sng.h - the postfix-trace() LogParser for syslog-ng 3.38:
 * feeds each message's parsed fields to one pt_runner per parser instance
 * and forwards every finished record as a new message down the log path.
 */
#ifndef PT_SNG_POSTFIX_TRACE_SNG_H
#define PT_SNG_POSTFIX_TRACE_SNG_H

#include "parser/parser-expr.h"

enum { PT_SNG_PASS_THROUGH = 0, PT_SNG_AGGREGATE_ONLY = 1 };

LogParser *pt_sng_parser_new(GlobalConfig *cfg);
void pt_sng_set_max_entries(LogParser *s, gint n);
void pt_sng_set_idle_timeout(LogParser *s, gdouble sec);
void pt_sng_set_linger(LogParser *s, gdouble sec);
void pt_sng_set_include_raw(LogParser *s, gboolean on);
void pt_sng_set_emit_deferred(LogParser *s, gboolean on);
void pt_sng_set_max_recipients(LogParser *s, gint n);
void pt_sng_set_max_events(LogParser *s, gint n);
void pt_sng_set_max_raw_lines(LogParser *s, gint n);
void pt_sng_set_max_text_bytes(LogParser *s, gint n);
void pt_sng_set_state_file(LogParser *s, const gchar *path);
void pt_sng_set_checkpoint_interval(LogParser *s, gdouble sec);
void pt_sng_set_reorder_window(LogParser *s, gdouble sec);
gboolean pt_sng_set_program_prefix(LogParser *s, const gchar *list);
void pt_sng_set_records_per_tick(LogParser *s, gint n);
gboolean pt_sng_set_inject_mode(LogParser *s, const gchar *mode);
void pt_sng_set_persist_name(LogParser *s, const gchar *name);
void pt_sng_global_init(void);

#endif
