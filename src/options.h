/*
 * options.h - command-line options of postfix-trace.
 * Memory: file names point into argv. Thread-safety: single-threaded use.
 */
#ifndef PT_OPTIONS_H
#define PT_OPTIONS_H

#include "postfix-trace/core.h"
#include "postfix-trace/event.h"
#include "explain.h"

#define PT_CLI_REORDER_WINDOW 10000     /* lines a line may come late by */

typedef struct pt_cli_options {
    pt_core_options core;
    int year;                   /* 0 = infer */
    int stats;                  /* --stats: counters on stderr at the end */
    pt_filter filter;           /* --to, --from, --queue-id, --explain */
    const char *follow;         /* --follow FILE */
    int summary;                /* --summary */
    const char *report;         /* --report FILE.html */
    int color;                  /* --color: -1 auto, 0 never, 1 always */
    int shards;                 /* --shards: threads folding lines (1) */
    char **files;               /* input files; none = stdin */
    int n_files;
} pt_cli_options;

/* What parsing the options decided. */
typedef enum { PT_OPT_RUN, PT_OPT_EXIT_OK, PT_OPT_EXIT_USAGE } pt_opt_result;

/* Parse argv into *o; on a bad option writes a message to err. */
pt_opt_result pt_options_parse(int argc, char **argv, pt_cli_options *o, FILE *err);

#endif
