/*
 * options.c - parse postfix-trace's command line (getopt_long); print
 * --help and --version. Errors are reported to the given stream, never
 * fatal here: the caller decides the exit code.
 */
#include "options.h"
#include "postfix-trace/shards.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage_text[] =
"Usage: postfix-trace [OPTION]... [FILE]...\n"
"Correlate Postfix log lines by host + queue ID and write one JSON record per\n"
"mail (and per SMTP reject) to standard output. Reads FILEs in order (.gz is\n"
"read transparently), or standard input when none is given.\n"
"\n"
"  --year=N            year of year-less (RFC 3164) timestamps; default: inferred\n"
"  --max-entries=N     open mails held at most (default 100000); beyond it the\n"
"                      least recently updated ends as \"evicted\"\n"
"  --idle-timeout=SEC  end a mail after SEC seconds without a line, on the log's\n"
"                      clock (default 7200)\n"
"  --linger=SEC        a finished record waits SEC seconds for late linking lines\n"
"                      (default 2)\n"
"  --include-raw       add the folded log lines to each record (\"raw\")\n"
"  --max-recipients=N  recipients kept per mail (default 10000)\n"
"  --max-events=N      events and notifications kept per mail (default 1000)\n"
"  --max-raw-lines=N   raw lines kept per mail with --include-raw (default 1000)\n"
"  --max-text-bytes=N  longest stored text, cut at a UTF-8 boundary (default\n"
"                      4096, at least 64); what a cap leaves out is counted in\n"
"                      the record's \"truncated\" object\n"
"  --reorder-window=N  hold each line until N more lines were read (default\n"
"                      10000; 0: none), so lines written out of order (a\n"
"                      daemon with several workers) are folded in in order of\n"
"                      time, and lines of one timestamp in a canonical order\n"
"  --program-prefix=LIST  syslog names that count as Postfix, comma-separated\n"
"                      (default \"postfix\": postfix, postfix-out, ...); a name\n"
"                      without \"/daemon\" gets its daemon from the text\n"
"  --emit-deferred     emit a \"progress\" record at a mail's first deferral\n"
"  --stats             print the counters as one JSON object on standard error\n"
"  --shards=N          fold the hosts' lines on N threads, a host's lines all in\n"
"                      one (default 1; at most 64): a log of many hosts uses N\n"
"                      cores; the same records, in another order across hosts;\n"
"                      --max-entries is divided among them; not when following\n"
"\n"
"Questions (\"what happened to the mail to X?\"): every option given must\n"
"match; one given again adds alternatives. Exit status 1 when nothing matches.\n"
"  --to=ADDR           mail to ADDR (recipient or original recipient; rejects by\n"
"                      their to=); \"<a@b>\" or \"a@b\", any case; \"@example.org\":\n"
"                      the whole domain\n"
"  --from=ADDR         mail whose envelope sender is ADDR (\"<>\": the null sender)\n"
"  --domain=DOMAIN     mail from or to DOMAIN\n"
"  --status=STATUS     records or recipients with STATUS (sent, deferred, bounced,\n"
"                      expired, rejected, deleted, ...)\n"
"  --client=IP|NAME    mail received from that SMTP client\n"
"  --host=HOST         lines logged by HOST\n"
"  --message-id=ID     the mail with that Message-ID\n"
"  --queue-id=QID      records that are, or link to, queue ID QID\n"
"  --since=TIME, --until=TIME  records whose lines fall in the span: 2026-11-03,\n"
"                      \"2026-11-03 10:00\", RFC 3339, today, yesterday, now,\n"
"                      \"2 hours ago\"\n"
"  --explain           say what happened in plain words instead of JSON: per\n"
"                      recipient the verdict first, then the evidence and a\n"
"                      next step; a mail's linked mails (content-filter copy,\n"
"                      bounce notice) are shown with it (also in JSON)\n"
"  --color=WHEN        colour the verdicts: auto (a terminal; default), always,\n"
"                      never (NO_COLOR in the environment means never)\n"
"  --queue-lifetime=T  Postfix's maximal_queue_lifetime (default 5d), to say when\n"
"                      it gives up on a deferred mail\n"
"\n"
"Summaries:\n"
"  --summary           counts instead of records: by final status, status code,\n"
"                      recipient domain and relay (bounce and defer rates), top\n"
"                      reject reasons, SASL failures, what is still queued, delay\n"
"                      percentiles per stage; a table on a terminal, else one\n"
"                      JSON object. Questions above narrow what is counted\n"
"  --report=FILE.html  the summary as one self-contained HTML page with charts\n"
"\n"
"Following:\n"
"  --follow=FILE       read FILE and keep reading what is appended, across\n"
"                      rotation (like tail -F), until interrupted; each record\n"
"                      is written as soon as it is final. Standard input that is\n"
"                      a pipe is read the same way (until its end). Lines wait a\n"
"                      1 s reorder window of wall time; a quiet host's clock\n"
"                      moves on with wall time, so --linger is wall time too\n"
"\n"
"  --help              show this help and exit\n"
"  --version           show the version and exit\n"
"\n"
"Exit status: 0 on success, 1 when an input could not be read, 2 on bad usage,\n"
"3 when the records could not be written (e.g. disk full).\n";

/* Parse a non-negative integer in [min, max]; 0 on success. */
static int parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* Parse a non-negative number of seconds; 0 on success. */
static int parse_seconds(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v < 0 || v > 1e9)
        return -1;
    *out = v;
    return 0;
}

/* Parse the command line. */
pt_opt_result pt_options_parse(int argc, char **argv, pt_cli_options *o, FILE *err)
{
    enum { O_YEAR = 256, O_MAX, O_IDLE, O_LINGER, O_RAW, O_DEFERRED, O_STATS,
           O_HELP, O_VERSION, O_TO, O_FROM, O_QID, O_EXPLAIN,
           O_FOLLOW, O_SUMMARY, O_REPORT, O_COLOR,
           O_DOMAIN, O_STATUS, O_CLIENT, O_HOST, O_MSGID, O_SINCE, O_UNTIL,
           O_MAX_RCPT, O_MAX_EVENTS, O_MAX_RAW, O_MAX_TEXT, O_REORDER, O_PREFIX, O_LIFETIME, O_SHARDS };
    static const struct option longopts[] = {
        { "year", required_argument, NULL, O_YEAR },
        { "max-entries", required_argument, NULL, O_MAX },
        { "idle-timeout", required_argument, NULL, O_IDLE },
        { "linger", required_argument, NULL, O_LINGER },
        { "include-raw", no_argument, NULL, O_RAW },
        { "emit-deferred", no_argument, NULL, O_DEFERRED },
        { "stats", no_argument, NULL, O_STATS },
        { "help", no_argument, NULL, O_HELP },
        { "version", no_argument, NULL, O_VERSION },
        { "to", required_argument, NULL, O_TO },
        { "from", required_argument, NULL, O_FROM },
        { "queue-id", required_argument, NULL, O_QID },
        { "explain", no_argument, NULL, O_EXPLAIN },
        { "follow", required_argument, NULL, O_FOLLOW },
        { "summary", no_argument, NULL, O_SUMMARY },
        { "report", required_argument, NULL, O_REPORT },
        { "color", required_argument, NULL, O_COLOR },
        { "domain", required_argument, NULL, O_DOMAIN },
        { "status", required_argument, NULL, O_STATUS },
        { "client", required_argument, NULL, O_CLIENT },
        { "host", required_argument, NULL, O_HOST },
        { "message-id", required_argument, NULL, O_MSGID },
        { "since", required_argument, NULL, O_SINCE },
        { "until", required_argument, NULL, O_UNTIL },
        { "max-recipients", required_argument, NULL, O_MAX_RCPT },
        { "max-events", required_argument, NULL, O_MAX_EVENTS },
        { "max-raw-lines", required_argument, NULL, O_MAX_RAW },
        { "max-text-bytes", required_argument, NULL, O_MAX_TEXT },
        { "reorder-window", required_argument, NULL, O_REORDER },
        { "program-prefix", required_argument, NULL, O_PREFIX },
        { "queue-lifetime", required_argument, NULL, O_LIFETIME },
        { "shards", required_argument, NULL, O_SHARDS },
        { NULL, 0, NULL, 0 }
    };
    memset(o, 0, sizeof *o);
    pt_core_options_default(&o->core);
    o->color = -1;
    o->shards = 1;
    o->core.reorder_window = PT_CLI_REORDER_WINDOW;
    opterr = 0;
    optind = 1;
    int ch, idx = 0;
    long v;
    while ((ch = getopt_long(argc, argv, "", longopts, &idx)) != -1) {
        switch (ch) {
        case O_YEAR:
            if (parse_long(optarg, 1970, 9999, &v)) {
                fprintf(err, "postfix-trace: --year: '%s' is not a year (1970-9999)\n", optarg);
                return PT_OPT_EXIT_USAGE;
            }
            o->year = (int)v;
            break;
        case O_MAX:
            if (parse_long(optarg, 1, UINT32_MAX >> 1, &v)) {
                fprintf(err, "postfix-trace: --max-entries: '%s' is not a positive number\n", optarg);
                return PT_OPT_EXIT_USAGE;
            }
            o->core.max_entries = (uint32_t)v;
            break;
        case O_MAX_RCPT:
        case O_MAX_EVENTS:
        case O_MAX_RAW:
        case O_MAX_TEXT: {
            uint32_t *dst = ch == O_MAX_RCPT ? &o->core.max_recipients
                : ch == O_MAX_EVENTS ? &o->core.max_events
                : ch == O_MAX_RAW ? &o->core.max_raw_lines : &o->core.max_text;
            if (parse_long(optarg, ch == O_MAX_TEXT ? 64 : 1, UINT32_MAX >> 4, &v)) {
                fprintf(err, "postfix-trace: %s: '%s' is not a number (at least %d)\n",
                        argv[optind - 1], optarg, ch == O_MAX_TEXT ? 64 : 1);
                return PT_OPT_EXIT_USAGE;
            }
            *dst = (uint32_t)v;
            break;
        }
        case O_IDLE:
        case O_LINGER: {
            double d;
            if (parse_seconds(optarg, &d)) {
                fprintf(err, "postfix-trace: --%s: '%s' is not a number of seconds\n",
                        ch == O_IDLE ? "idle-timeout" : "linger", optarg);
                return PT_OPT_EXIT_USAGE;
            }
            if (ch == O_IDLE)
                o->core.idle_timeout = d;
            else
                o->core.linger = d;
            break;
        }
        case O_SHARDS:
            if (parse_long(optarg, 1, PT_SHARDS_MAX, &v)) {
                fprintf(err, "postfix-trace: --shards: '%s' is not a number of threads (1 to %d)\n",
                        optarg, PT_SHARDS_MAX);
                return PT_OPT_EXIT_USAGE;
            }
            o->shards = (int)v;
            break;
        case O_REORDER:
            if (parse_long(optarg, 0, 100000000, &v)) {
                fprintf(err, "postfix-trace: --reorder-window: '%s' is not a number of lines "
                        "(0 to 100000000)\n", optarg);
                return PT_OPT_EXIT_USAGE;
            }
            o->core.reorder_window = v;
            break;
        case O_PREFIX: {
            pt_names names;
            if (pt_names_parse(optarg, &names)) {
                fprintf(err, "postfix-trace: --program-prefix: '%s' is not a comma-separated "
                        "list of up to %d names (no '/', no spaces, each under %d bytes)\n",
                        optarg, PT_NAMES_MAX, PT_NAME_LEN);
                return PT_OPT_EXIT_USAGE;
            }
            o->core.program_prefix = optarg;
            break;
        }
        case O_LIFETIME: {
            char *end;
            errno = 0;
            long long n = strtoll(optarg, &end, 10);
            static const char units[] = "smhdw";
            static const long long mult[] = { 1, 60, 3600, 86400, 604800 };
            const char *u = *end ? strchr(units, *end) : units + 3;   /* bare: days */
            if (errno || end == optarg || n <= 0 || n > 100000 || !u || !*u
                || (*end && end[1])) {
                fprintf(err, "postfix-trace: --queue-lifetime: '%s' is not a time as Postfix's "
                        "maximal_queue_lifetime takes it (5d, 12h, 3600s; a bare number: days)\n",
                        optarg);
                return PT_OPT_EXIT_USAGE;
            }
            o->filter.queue_lifetime = n * mult[u - units];
            break;
        }
        case O_RAW:
            o->core.include_raw = 1;
            break;
        case O_DEFERRED:
            o->core.emit_deferred = 1;
            break;
        case O_STATS:
            o->stats = 1;
            break;
        case O_TO:
        case O_FROM:
        case O_QID:
        case O_DOMAIN:
        case O_STATUS:
        case O_CLIENT:
        case O_HOST:
        case O_MSGID:
        case O_SINCE:
        case O_UNTIL: {
            const char *opt_name = longopts[idx].name, *why;
            if (pt_query_add(&o->filter.q, opt_name, optarg, (int64_t)time(NULL), &why)) {
                fprintf(err, "postfix-trace: --%s: '%s' %s\n", opt_name, optarg, why);
                return PT_OPT_EXIT_USAGE;
            }
            break;
        }
        case O_EXPLAIN:
            o->filter.explain = 1;
            break;
        case O_FOLLOW:
            o->follow = optarg;
            break;
        case O_SUMMARY:
            o->summary = 1;
            break;
        case O_REPORT:
            o->report = optarg;
            break;
        case O_COLOR:
            if (strcmp(optarg, "auto") && strcmp(optarg, "always") && strcmp(optarg, "never")) {
                fprintf(err, "postfix-trace: --color: '%s' is not auto, always or never\n", optarg);
                return PT_OPT_EXIT_USAGE;
            }
            o->color = optarg[0] == 'a' ? (optarg[1] == 'u' ? -1 : 1) : 0;
            break;
        case O_HELP:
            fputs(usage_text, stdout);
            return PT_OPT_EXIT_OK;
        case O_VERSION:
            printf("postfix-trace %s (record schema 1)\n", pt_version());
            return PT_OPT_EXIT_OK;
        default:
            if (optopt && optopt < 256)
                fprintf(err, "postfix-trace: unknown option '-%c'\n", optopt);
            else
                fprintf(err, "postfix-trace: unknown or incomplete option '%s'\n",
                        argv[optind - 1]);
            fputs("Try 'postfix-trace --help'.\n", err);
            return PT_OPT_EXIT_USAGE;
        }
    }
    o->files = argv + optind;
    o->n_files = argc - optind;
    if (o->follow && o->n_files) {
        fprintf(err, "postfix-trace: --follow reads one file; leave out the other file names\n");
        return PT_OPT_EXIT_USAGE;
    }
    if (o->follow && (o->summary || o->report)) {
        fprintf(err, "postfix-trace: --summary and --report need the input's end; they do not go "
                "with --follow\n");
        return PT_OPT_EXIT_USAGE;
    }
    return PT_OPT_RUN;
}
