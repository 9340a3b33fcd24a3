/*
 * postfix-trace-parser.h - the configuration parser (grammar glue) of the
 * syslog-ng postfix-trace() parser plugin.
 */
#ifndef PT_SNG_POSTFIX_TRACE_PARSER_H
#define PT_SNG_POSTFIX_TRACE_PARSER_H

#include "cfg-parser.h"
#include "parser/parser-expr.h"

extern CfgParser postfix_trace_parser;

CFG_PARSER_DECLARE_LEXER_BINDING(postfix_trace_, POSTFIX_TRACE_, LogParser **)

#endif
