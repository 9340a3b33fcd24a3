/*
 * main.c - the postfix-trace command: read Postfix logs (files in time
 * order, or standard input), feed each line to the core, write one JSON
 * record per line to standard output (lines that are its own records
 * already - the modules' file - join the records), flush open mails at the
 * end (end "shutdown"), and print the counters on standard error with
 * --stats. Questions pick records and keep linked mails together (chain.c);
 * --explain says it in words; --summary / --report count instead.
 * A pipe on standard input or --follow FILE is read as it grows: lines
 * are stamped with the monotonic clock, the core's timer runs while the
 * input is idle, and each record is flushed as soon as it is written.
 * A write error (disk full) stops the reading and gives exit status 3.
 * With --shards N the lines go to N cores on N threads, a host's lines all
 * to one (lib/shards.c); records reach on_record one at a time.
 * Memory: one core (or the shards), one reader at a time. Single-threaded
 * but for the shards' threads; the only global is the flag the stop
 * signals set.
 */
#include "chain.h"
#include "options.h"
#include "order.h"
#include "reader.h"
#include "report.h"
#include "summary.h"
#include "postfix-trace/core.h"
#include "postfix-trace/line.h"
#include "postfix-trace/shards.h"

#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TICK_MS 250                     /* the follower's timer */
#define FOLLOW_WINDOW_US 1000000        /* follow: lines wait 1 s of wall time */
#define FOLLOW_HELD_BYTES (4u << 20)    /* ... and at most 4 MiB of them */

static volatile sig_atomic_t stop_requested;

/* What a run holds: the core, where records go, what is counted. */
typedef struct app {
    pt_cli_options *opt;
    pt_core *core;              /* or NULL, and: */
    pt_shards *shards;          /* --shards N > 1 (batch input only) */
    int64_t arrivals;           /* lines handed to the shards */
    pt_header_reader *hr;
    FILE *out;
    int streaming;              /* flush each record (follow, pipes) */
    int plain;                  /* records go out as they are (no question) */
    pt_summary *summary;
    pt_chains *chains;
    int chain_error;
    json_tokener *tok;          /* reused for every record */
} app;

/* Stop following (SIGINT, SIGTERM). */
static void on_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* Monotonic microseconds. */
static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Write one chosen record: JSON or words. */
static void write_one(app *a, const char *json, size_t len, json_object *rec, int member,
                      int size, int linked)
{
    if (a->opt->filter.explain) {
        pt_explain_record(&a->opt->filter, rec, member, size, linked, a->out);
    } else {
        fwrite(json, 1, len, a->out);
        putc('\n', a->out);
    }
    if (a->streaming)
        fflush(a->out);
}

/* Chain callback: write a record of a chosen chain. */
static void write_chained(void *ctx, const char *json, size_t len, json_object *rec, int member,
                          int size, int linked)
{
    write_one(ctx, json, len, rec, member, size, linked);
}

/* The sink for every record, made or read. */
static void on_record(void *ctx, const char *json, size_t len)
{
    app *a = ctx;
    if (a->summary && !pt_query_active(&a->opt->filter.q)) {
        pt_summary_add(a->summary, json, len);      /* no tree needed */
        return;
    }
    if (a->plain) {
        fwrite(json, 1, len, a->out);
        putc('\n', a->out);
        if (a->streaming)
            fflush(a->out);
        return;
    }
    if (!a->tok && !(a->tok = json_tokener_new()))
        return;
    json_tokener_reset(a->tok);
    json_object *rec = json_tokener_parse_ex(a->tok, json, (int)len);
    if (!rec)
        return;
    int matched = pt_filter_match(&a->opt->filter, rec);
    if (a->summary) {
        if (matched)
            pt_summary_add(a->summary, json, len);
    } else if (a->streaming) {
        int w = pt_chains_follow(a->chains, json, len, rec, matched, write_chained, a);
        if (w)
            write_one(a, json, len, rec, 0, 1, w == 2);
    } else if (pt_chains_add(a->chains, json, len, rec, matched)) {
        a->chain_error = errno ? errno : EIO;
    }
    json_object_put(rec);
}

/* Is the line one of postfix-trace's own records (the modules' file)? Our
 * writer starts every record with "kind"; the whole line must be a JSON
 * object with a string "kind" and a "schema". */
static int is_record(const char *s, size_t n)
{
    static const char head[] = "{\"kind\":\"";
    if (n < sizeof head - 1 || memcmp(s, head, sizeof head - 1) != 0 || n > INT32_MAX)
        return 0;
    json_tokener *tok = json_tokener_new();
    if (!tok)
        return 0;
    json_object *o = json_tokener_parse_ex(tok, s, (int)n), *v;
    int ok = o && json_tokener_get_parse_end(tok) == n && json_object_is_type(o, json_type_object)
             && json_object_object_get_ex(o, "schema", &v);
    json_object_put(o);
    json_tokener_free(tok);
    return ok;
}

/* Hand one input line to the core (or, a record already, to the sink);
 * now < 0: batch (the core counts lines). */
static void feed_line(app *a, pt_read_result rr, const char *s, size_t n, int64_t now)
{
    pt_line line;
    if (rr != PT_READ_TOO_LONG && n > 0 && s[0] == '{' && is_record(s, n)) {
        if (a->shards)                      /* a record already: answer from it */
            pt_shards_forward(a->shards, s, n);
        else
            on_record(a, s, n);
        return;
    }
    pt_header_result hres = rr == PT_READ_TOO_LONG ? PT_HEADER_MALFORMED
                            : pt_header_read(a->hr, s, n, &line);
    if (a->shards) {                        /* arrivals counted as pt_core_feed does */
        if (hres == PT_HEADER_OK)
            pt_shards_feed(a->shards, &line, ++a->arrivals);
        else if (hres == PT_HEADER_MALFORMED)
            pt_shards_count_malformed(a->shards);
        return;
    }
    if (hres == PT_HEADER_OK && now < 0)
        pt_core_feed(a->core, &line);
    else if (hres == PT_HEADER_OK)
        pt_core_feed_at(a->core, &line, now);
    else if (hres == PT_HEADER_MALFORMED)
        pt_core_count_malformed(a->core);   /* PT_HEADER_SKIP: journalctl's notes */
}

/* Feed a whole input (a file, or standard input that is a file); 0, or
 * -1 when it could not be read. */
static int feed_batch(app *a, const char *path)
{
    pt_reader *r = pt_reader_open(path);
    if (!r) {
        fprintf(stderr, "postfix-trace: %s: %s\n", path, strerror(errno));
        return -1;
    }
    const char *s;
    size_t n;
    pt_read_result rr;
    while ((rr = pt_reader_next(r, &s, &n)) != PT_READ_EOF && !ferror(a->out)) {
        if (rr == PT_READ_ERROR) {
            fprintf(stderr, "postfix-trace: %s: %s\n", path, pt_reader_error(r));
            pt_reader_close(r);
            return -1;
        }
        feed_line(a, rr, s, n, -1);
    }
    pt_reader_close(r);
    return 0;
}

/* Follow an input as it grows (a pipe until its end, a file until a stop
 * signal): lines stamped with the monotonic clock, the timer run every
 * TICK_MS. 0, or -1 on a read error. */
static int feed_follow(app *a, const char *path)
{
    pt_reader *r = pt_reader_open(path);
    if (!r) {
        fprintf(stderr, "postfix-trace: %s: %s\n", path, strerror(errno));
        return -1;
    }
    pt_reader_follow(r);
    int is_file = strcmp(path, "-") != 0, rc = 0;
    int64_t last_tick = mono_us();
    while (!stop_requested && !ferror(a->out)) {
        int64_t now = mono_us();
        if (now - last_tick >= TICK_MS * 1000) {
            pt_core_tick(a->core, now);
            fflush(a->out);
            last_tick = now;
        }
        if (!is_file && !pt_reader_ready(r)) {
            struct pollfd p = { .fd = pt_reader_fd(r), .events = POLLIN };
            if (poll(&p, 1, TICK_MS) <= 0)
                continue;                   /* idle (or a signal): tick, look again */
        }
        const char *s;
        size_t n;
        pt_read_result rr = pt_reader_next(r, &s, &n);
        if (rr == PT_READ_EOF)
            break;
        if (rr == PT_READ_ERROR) {
            fprintf(stderr, "postfix-trace: %s: %s\n", path, pt_reader_error(r));
            rc = -1;
            break;
        }
        if (rr == PT_READ_IDLE) {
            if (is_file && pt_reader_check_rotation(r) == 0)
                poll(NULL, 0, TICK_MS);     /* nothing new: wait */
            continue;
        }
        feed_line(a, rr, s, n, mono_us());
    }
    pt_reader_close(r);
    return rc;
}

/* Is standard input something that grows while we read (a pipe, socket
 * or terminal) rather than a file? */
static int stdin_streams(void)
{
    struct stat st;
    return fstat(0, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode);
}

/* Write the summary: the page to --report's file, and a table (terminal)
 * or JSON to standard output. 0, or 1 when the page could not be written. */
static int write_summary(app *a)
{
    json_object *sum = pt_summary_json(a->summary);
    int rc = 0;
    if (a->opt->report) {
        FILE *f = fopen(a->opt->report, "w");
        if (!f || pt_report_write(sum, f) != 0 || fclose(f) != 0) {
            fprintf(stderr, "postfix-trace: --report %s: %s\n", a->opt->report, strerror(errno));
            rc = 1;
        }
    }
    if (a->opt->summary) {
        if (isatty(fileno(a->out)))
            pt_summary_table(sum, a->out);
        else
            fprintf(a->out, "%s\n", json_object_to_json_string_ext(sum, JSON_C_TO_STRING_PLAIN
                                                                       | JSON_C_TO_STRING_NOSLASHESCAPE));
    }
    json_object_put(sum);
    return rc;
}

/* Set up the run from the options: core, reader, sinks. 0 or -1. */
static int app_init(app *a, pt_cli_options *opt, int streaming)
{
    memset(a, 0, sizeof *a);
    a->opt = opt;
    a->out = stdout;
    a->streaming = streaming;
    pt_filter *f = &opt->filter;
    f->color = opt->color < 0 ? isatty(1) && !getenv("NO_COLOR") : opt->color;
    if (opt->summary || opt->report) {
        if (!(a->summary = pt_summary_new()))
            return -1;
    } else if (pt_filter_active(f)) {
        if (!(a->chains = pt_chains_new(streaming)))
            return -1;
    } else if (!pt_filter_active(f)) {
        a->plain = 1;
    }
    if (streaming) {
        opt->core.quiet_clock = 1;
        opt->core.reorder_window = opt->core.reorder_window ? FOLLOW_WINDOW_US : 0;
        if (opt->core.reorder_max_bytes > FOLLOW_HELD_BYTES)
            opt->core.reorder_max_bytes = FOLLOW_HELD_BYTES;
    }
    if (opt->shards > 1 && !streaming)
        a->shards = pt_shards_new((unsigned)opt->shards, &opt->core, on_record, a);
    else
        a->core = pt_core_new(&opt->core, on_record, a);
    a->hr = pt_header_reader_new(opt->year);
    return (a->core || a->shards) && a->hr ? 0 : -1;
}

/* Read every input; 0, or 1 when one could not be read. */
static int read_inputs(app *a)
{
    pt_cli_options *opt = a->opt;
    if (opt->follow || (opt->n_files == 0 && a->streaming))
        return feed_follow(a, opt->follow ? opt->follow : "-") ? 1 : 0;
    if (opt->n_files == 0)
        return feed_batch(a, "-") ? 1 : 0;
    pt_order_files(opt->files, opt->n_files, opt->year, stderr);
    int status = 0;
    for (int i = 0; i < opt->n_files && !ferror(a->out); i++)
        if (feed_batch(a, opt->files[i]))
            status = 1;
    return status;
}

/* Run the command. */
int main(int argc, char **argv)
{
    pt_cli_options opt;
    switch (pt_options_parse(argc, argv, &opt, stderr)) {
    case PT_OPT_EXIT_OK:
        return 0;
    case PT_OPT_EXIT_USAGE:
        return 2;
    default:
        break;
    }
    int streaming = opt.follow || (opt.n_files == 0 && stdin_streams() && !opt.summary && !opt.report);
    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    struct sigaction sa = { .sa_handler = on_stop };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    app a;
    if (app_init(&a, &opt, streaming)) {
        fprintf(stderr, "postfix-trace: out of memory (or no temporary file: %s)\n", strerror(errno));
        return 1;
    }
    if (opt.shards > 1 && streaming)
        fprintf(stderr, "postfix-trace: --shards: not while following (one thread folds the lines)\n");
    int status = read_inputs(&a);
    if (a.shards)
        pt_shards_finish(a.shards);
    else
        pt_core_flush(a.core);
    if (opt.stats) {
        pt_stats st;
        char buf[1024];
        if (a.shards)
            pt_shards_stats(a.shards, &st);
        else
            pt_core_stats(a.core, &st);
        pt_stats_json(&st, buf, sizeof buf);
        fprintf(stderr, "%s\n", buf);
    }
    pt_core_free(a.core);
    pt_shards_free(a.shards);
    pt_header_reader_free(a.hr);
    if (a.chains && !a.streaming && (a.chain_error || pt_chains_emit(a.chains, write_chained, &a, opt.filter.explain))) {
        fprintf(stderr, "postfix-trace: keeping the records for the answer failed: %s\n",
                strerror(a.chain_error ? a.chain_error : errno));
        status = 1;
    }
    pt_chains_free(a.chains);
    if (a.summary && write_summary(&a))
        status = 1;
    pt_summary_free(a.summary);
    if (a.tok)
        json_tokener_free(a.tok);
    if (status == 0 && pt_query_active(&opt.filter.q) && opt.filter.matched == 0) {
        pt_filter_none(&opt.filter, stdout, stderr);
        status = 1;                     /* nothing matched: say so, exit 1 */
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "postfix-trace: cannot write the records: %s (reading stopped "
                "there; the output is incomplete)\n", strerror(errno));
        status = 3;
    }
    return status;
}
