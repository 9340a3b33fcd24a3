/*
 * postfix-trace-parser.c - keywords of the postfix-trace() parser.
 */
#include "postfix-trace-sng.h"
#include "postfix-trace-parser.h"
#include "postfix-trace-grammar.h"

extern int postfix_trace_debug;

int postfix_trace_parse(CfgLexer *lexer, LogParser **instance, gpointer arg);

static CfgLexerKeyword postfix_trace_keywords[] = {
    { "postfix_trace",     KW_POSTFIX_TRACE },
    { "max_entries",       KW_MAX_ENTRIES },
    { "idle_timeout",      KW_IDLE_TIMEOUT },
    { "linger",            KW_LINGER },
    { "include_raw",       KW_INCLUDE_RAW },
    { "emit_deferred",     KW_EMIT_DEFERRED },
    { "max_recipients",    KW_MAX_RECIPIENTS },
    { "max_events",        KW_MAX_EVENTS },
    { "max_raw_lines",     KW_MAX_RAW_LINES },
    { "max_text_bytes",    KW_MAX_TEXT_BYTES },
    { "state_file",        KW_STATE_FILE },
    { "checkpoint_interval", KW_CHECKPOINT_INTERVAL },
    { "reorder_window",    KW_REORDER_WINDOW },
    { "program_prefix",    KW_PROGRAM_PREFIX },
    { "records_per_tick",  KW_RECORDS_PER_TICK },
    { "inject_mode",       KW_INJECT_MODE },
    { "persist_name",      KW_PT_PERSIST_NAME },
    { NULL }
};

CfgParser postfix_trace_parser = {
#if SYSLOG_NG_ENABLE_DEBUG
    .debug_flag = &postfix_trace_debug,
#endif
    .name = "postfix-trace",
    .keywords = postfix_trace_keywords,
    .parse = (gint (*)(CfgLexer *, gpointer *, gpointer)) postfix_trace_parse,
    .cleanup = (void (*)(gpointer)) log_pipe_unref,
};

CFG_PARSER_IMPLEMENT_LEXER_BINDING(postfix_trace_, POSTFIX_TRACE_, LogParser **)
