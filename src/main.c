/*
 * main.c - the postfix-trace command: read Postfix logs (files in order,
 * or standard input), feed each line to the core, write one JSON record per
 * line to standard output (lines that are its own records already - the
 * modules' file - go straight to the output and the questions), flush open mails at the end (end "shutdown"),
 * and print the counters on standard error with --stats. A write error
 * (disk full) stops the reading and gives exit status 3.
 * Memory: one core, one reader at a time. Single-threaded.
 */
#include "options.h"
#include "reader.h"
#include "postfix-trace/core.h"
#include "postfix-trace/line.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sink: one record per line on stdout. */
static void write_record(void *ctx, const char *json, size_t len)
{
    FILE *out = ctx;
    fwrite(json, 1, len, out);
    putc('\n', out);
}

/* What the filtering sink needs. */
typedef struct filter_ctx {
    pt_filter *filter;
    FILE *out;
} filter_ctx;

/* Sink for the questions (--to, --from, ..., --explain): matching records only. */
static void write_filtered(void *ctx, const char *json, size_t len)
{
    filter_ctx *fc = ctx;
    pt_filter_write(fc->filter, json, len, fc->out);
}

/* Where finished records go: the core's sink, also for records read. */
typedef struct record_out {
    pt_record_sink fn;
    void *ctx;
} record_out;

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

/* Feed one input to the core (its own records go straight out); 0 on
 * success, -1 when it could not be read. */
static int feed_file(pt_core *core, pt_header_reader *hr, const record_out *ro, const char *path)
{
    pt_reader *r = pt_reader_open(path);
    if (!r) {
        fprintf(stderr, "postfix-trace: %s: %s\n", path, strerror(errno));
        return -1;
    }
    const char *s;
    size_t n;
    pt_read_result rr;
    pt_line line;
    while ((rr = pt_reader_next(r, &s, &n)) != PT_READ_EOF && !ferror(stdout)) {
        if (rr == PT_READ_ERROR) {
            fprintf(stderr, "postfix-trace: %s: %s\n", path, pt_reader_error(r));
            pt_reader_close(r);
            return -1;
        }
        if (rr != PT_READ_TOO_LONG && n > 0 && s[0] == '{' && is_record(s, n)) {
            ro->fn(ro->ctx, s, n);          /* a record already: answer from it */
            continue;
        }
        pt_header_result hres = rr == PT_READ_TOO_LONG ? PT_HEADER_MALFORMED
                                : pt_header_read(hr, s, n, &line);
        if (hres == PT_HEADER_OK)
            pt_core_feed(core, &line);
        else if (hres == PT_HEADER_MALFORMED)
            pt_core_count_malformed(core);   /* PT_HEADER_SKIP: journalctl's notes */
    }
    pt_reader_close(r);
    return 0;
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
    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    filter_ctx fc = { &opt.filter, stdout };
    record_out ro = { write_record, stdout };
    if (pt_filter_active(&opt.filter)) {
        ro.fn = write_filtered;
        ro.ctx = &fc;
    }
    pt_core *core = pt_core_new(&opt.core, ro.fn, ro.ctx);
    pt_header_reader *hr = pt_header_reader_new(opt.year);
    if (!core || !hr) {
        fprintf(stderr, "postfix-trace: out of memory\n");
        return 1;
    }
    int status = 0;
    if (opt.n_files == 0) {
        status = feed_file(core, hr, &ro, "-") ? 1 : 0;
    } else {
        for (int i = 0; i < opt.n_files && !ferror(stdout); i++)
            if (feed_file(core, hr, &ro, opt.files[i]))
                status = 1;
    }
    pt_core_flush(core);
    if (opt.stats) {
        pt_stats st;
        char buf[1024];
        pt_core_stats(core, &st);
        pt_stats_json(&st, buf, sizeof buf);
        fprintf(stderr, "%s\n", buf);
    }
    pt_core_free(core);
    pt_header_reader_free(hr);
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
