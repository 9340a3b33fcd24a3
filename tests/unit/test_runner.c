/*
 * test_runner.c - unit tests of the daemons' runner (lib/runner.c,
 * checkpoint.c, output.c, outbox.c) on a real log: checkpoints plus a
 * simulated kill (the runner freed without stopping) give the same records
 * as one straight run, with none twice; an unwritable records file holds
 * records, refuses lines at the bound, and resumes with nothing lost or
 * cut; damaged state files are renamed aside with the reason reported.
 */
#include <check.h>
#include "check_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "postfix-trace/runner.h"

#ifndef TOP_SRCDIR
#define TOP_SRCDIR "."
#endif
#define REAL_LOG TOP_SRCDIR "/tests/data/real/short-syslog/syslog-rfc3339.log"

typedef struct reports {
    char last[1024];
    int errors, notices;
} reports;

/* Report callback: keep the last message. */
static void report(void *ctx, int is_error, int err_no, const char *msg)
{
    reports *r = ctx;
    (void)err_no;
    snprintf(r->last, sizeof r->last, "%s", msg);
    if (is_error)
        r->errors++;
    else
        r->notices++;
}

/* The lines of a file (NULL-terminated array; free with free_lines). */
static char **read_lines(const char *path, int *n)
{
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    char **v = calloc(4096, sizeof *v), *line = NULL;
    size_t cap = 0;
    ssize_t len;
    *n = 0;
    while ((len = getline(&line, &cap, f)) > 0 && *n < 4095) {
        if (line[len - 1] == '\n')
            line[len - 1] = '\0';
        v[(*n)++] = strdup(line);
    }
    free(line);
    fclose(f);
    return v;
}

/* Free lines from read_lines. */
static void free_lines(char **v, int n)
{
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Feed lines [from, to) through a header reader; a refused line is
 * offered again a (fake) second later, as rsyslog's resumeInterval does;
 * after the third refusal the path `mend` (if any) is removed, as an admin
 * would free the disk. Returns the refusals. */
static int feed_mend(pt_runner *r, pt_header_reader *h, char **v, int from, int to,
                     int64_t *mono, const char *mend)
{
    int refused = 0;
    for (int i = from; i < to; i++) {
        pt_line l;
        if (pt_header_read(h, v[i], strlen(v[i]), &l) != PT_HEADER_OK) {
            pt_runner_count_malformed(r);
            continue;
        }
        while (pt_runner_feed(r, &l, *mono) == PT_RUN_SUSPENDED) {
            if (++refused == 3 && mend)
                unlink(mend);
            ck_assert_int_lt(refused, 100);
            *mono += 1000000;
            pt_runner_tick(r, *mono);
        }
        *mono += 1000;
        if (i % 20 == 0)
            pt_runner_tick(r, *mono);
    }
    return refused;
}

/* Feed lines [from, to). */
static int feed(pt_runner *r, pt_header_reader *h, char **v, int from, int to, int64_t *mono)
{
    return feed_mend(r, h, v, from, to, mono, NULL);
}

/* The whole content of a file ("" when missing); caller frees. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return strdup("");
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = calloc(1, (size_t)n + 1);
    ck_assert_int_eq(fread(s, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return s;
}

/* Records of a straight run over all lines, file only, no state. */
static char *straight_run(const char *dir, char **v, int n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/straight.json", dir);
    pt_runner_options o;
    pt_runner_options_default(&o);
    o.file = path;
    reports rep = { .errors = 0 };
    pt_runner *r = pt_runner_new(&o, NULL, report, &rep);
    pt_header_reader *h = pt_header_reader_new(2026);
    int64_t mono = 1;
    pt_runner_start(r, mono, 0);
    feed(r, h, v, 0, n, &mono);
    ck_assert_int_eq(pt_runner_stop(r), 0);
    pt_runner_free(r);
    pt_header_reader_free(h);
    ck_assert_int_eq(rep.errors, 0);
    return slurp(path);
}

/* Assert got == want; on a difference keep both in dir for diff(1). */
static void same_records(const char *dir, const char *got, const char *want, int tag)
{
    if (strcmp(got, want) == 0)
        return;
    char p1[700], p2[700];
    snprintf(p1, sizeof p1, "%s/want-%d", dir, tag);
    snprintf(p2, sizeof p2, "%s/got-%d", dir, tag);
    FILE *w1 = fopen(p1, "w"), *w2 = fopen(p2, "w");
    fputs(want, w1);
    fputs(got, w2);
    fclose(w1);
    fclose(w2);
    ck_abort_msg("records differ (%d): diff %s %s", tag, p1, p2);
}

/* One run over all lines with a quiet spell after line cut: a tick 5.5 s
 * later (a checkpoint is due: written) and one 12 s later (open mails time
 * out: their records are written and journaled). With kill, the runner is
 * freed there without stopping (kill -9) and a new one goes on from the
 * state file. Returns the records file's text. */
static char *run_with_quiet_spell(const char *dir, char **v, int n, int cut, int kill)
{
    char out[600], state[600];
    snprintf(out, sizeof out, "%s/out-%d.json", dir, kill);
    snprintf(state, sizeof state, "%s/sub/state-%d", dir, kill);
    unlink(out);
    unlink(state);
    pt_runner_options o;
    pt_runner_options_default(&o);
    o.file = out;
    o.state_file = state;
    o.checkpoint_interval = 10;
    o.core.idle_timeout = 10;
    reports rep = { .errors = 0 };
    pt_header_reader *h = pt_header_reader_new(2026);
    int64_t mono = 1;
    pt_runner *a = pt_runner_new(&o, NULL, report, &rep);
    pt_runner_start(a, mono, 0);
    mono += 5000000;                    /* the start's checkpoint is old now */
    feed(a, h, v, 0, cut, &mono);
    pt_runner_tick(a, mono + 5500000);  /* quiet: linger ends; checkpoint */
    pt_runner_tick(a, mono + 12000000); /* idle timeouts, no checkpoint */
    mono += 12000000;
    if (kill) {
        pt_runner_free(a);              /* kill -9: nothing saved at stop */
        a = pt_runner_new(&o, NULL, report, &rep);
        pt_runner_start(a, mono, 0);
        ck_assert_msg(strstr(rep.last, "loaded"), "%s", rep.last);
    }
    feed(a, h, v, cut, n, &mono);
    pt_runner_flush(a);                 /* open mails end as "shutdown" */
    ck_assert_int_eq(pt_runner_stop(a), 0);
    pt_runner_free(a);
    pt_header_reader_free(h);
    ck_assert_int_eq(rep.errors, 0);
    return slurp(out);
}

/* Kill -9 after a checkpoint and after records written past it, at every
 * tenth line: the records of both runs together equal those of a run
 * without the kill, byte for byte and in order; none is written twice. */
START_TEST(checkpoint_kill_restart)
{
    int n;
    char **v = read_lines(REAL_LOG, &n);
    char dir[] = "/tmp/pt-runner-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    int timeouts = 0;
    for (int cut = 10; cut < n; cut += 10) {
        char *want = run_with_quiet_spell(dir, v, n, cut, 0);
        char *got = run_with_quiet_spell(dir, v, n, cut, 1);
        same_records(dir, got, want, cut);
        timeouts += strstr(want, "\"end\":\"timeout\"") != NULL;
        free(want);
        free(got);
    }
    ck_assert_int_gt(timeouts, n / 20);         /* the journal had work to do */
    free_lines(v, n);
}
END_TEST

/* An unwritable records file: records are held, lines refused at the bound,
 * then everything is written, whole, once the path works again. */
START_TEST(unwritable_file_holds_and_resumes)
{
    int n;
    char **v = read_lines(REAL_LOG, &n);
    char dir[] = "/tmp/pt-runner-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char *want = straight_run(dir, v, n);
    char blocker[600], out[700];
    snprintf(blocker, sizeof blocker, "%s/blocker", dir);
    snprintf(out, sizeof out, "%s/out.json", blocker);
    FILE *f = fopen(blocker, "w");              /* a file where a directory must be */
    fclose(f);
    pt_runner_options o;
    pt_runner_options_default(&o);
    o.file = out;
    o.max_pending_bytes = 2000;
    o.core.reorder_window = 10000;              /* 10 ms: lines come 1 ms apart here */
    reports rep = { .errors = 0 };
    pt_header_reader *h = pt_header_reader_new(2026);
    int64_t mono = 1;
    pt_runner *r = pt_runner_new(&o, NULL, report, &rep);
    pt_runner_start(r, mono, 0);
    int refused = feed_mend(r, h, v, 0, n, &mono, blocker);
    ck_assert_int_ge(refused, 3);
    ck_assert_int_eq(rep.errors, 1);            /* said once, not per retry */
    ck_assert_int_eq(rep.notices, 1);           /* "works again" */
    pt_runner_stats st;
    pt_runner_stats_get(r, &st);
    ck_assert_uint_gt(st.write_retries, 0);
    ck_assert_uint_gt(st.suspended, 0);
    ck_assert_int_eq(pt_runner_stop(r), 0);
    pt_runner_free(r);
    pt_header_reader_free(h);
    char *got = slurp(out);
    same_records(dir, got, want, 0);            /* same records, in order, whole */
    free(got);
    free(want);
    free_lines(v, n);
}
END_TEST

/* The records file is made like omfile's: mode and directories as asked
 * (umask 0 here), none when createDirs is off; an existing file is left as
 * it is; a state file set late (relative to rsyslog's workDirectory) is the
 * one the stop writes. */
START_TEST(file_perms_and_late_state_file)
{
    char dir[] = "/tmp/pt-runner-XXXXXX", out[600], state[600], sub[600];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    int n;
    char **v = read_lines(REAL_LOG, &n);
    pt_header_reader *h = pt_header_reader_new(2026);
    int64_t mono = 1;
    mode_t old = umask(0);
    snprintf(out, sizeof out, "%s/a/b/out.json", dir);
    snprintf(state, sizeof state, "%s/late.state", dir);
    pt_runner_options o;
    pt_runner_options_default(&o);
    o.file = out;
    o.file_mode = 0600;
    o.dir_mode = 0711;
    o.file_uid = getuid();
    o.file_gid = getgid();
    reports rep = { .errors = 0 };
    pt_runner *r = pt_runner_new(&o, NULL, report, &rep);
    ck_assert_int_eq(pt_runner_set_state_file(r, state), 0);
    pt_runner_start(r, mono, 0);
    ck_assert_int_eq(feed_mend(r, h, v, 0, n, &mono, NULL), 0);
    mono += 10000000;                               /* lingering records come out */
    pt_runner_tick(r, mono);
    ck_assert_int_eq(pt_runner_stop(r), 0);
    pt_runner_free(r);
    struct stat st;
    ck_assert_msg(stat(out, &st) == 0, "no %s: %d errors, last: %s", out, rep.errors, rep.last);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    snprintf(sub, sizeof sub, "%s/a/b", dir);
    ck_assert_int_eq(stat(sub, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0711);
    ck_assert_int_eq(stat(state, &st), 0);          /* written at the stop */
    chmod(out, 0644);                                /* an existing file keeps its mode */
    r = pt_runner_new(&o, NULL, report, &(reports){ .errors = 0 });
    pt_runner_start(r, mono, 0);
    feed_mend(r, h, v, 0, n, &mono, NULL);
    mono += 10000000;
    pt_runner_tick(r, mono);
    ck_assert_int_eq(pt_runner_stop(r), 0);
    pt_runner_free(r);
    ck_assert_int_eq(stat(out, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0644);
    snprintf(out, sizeof out, "%s/c/out.json", dir);
    o.create_dirs = 0;
    o.file = out;
    o.max_pending_bytes = 1 << 20;
    r = pt_runner_new(&o, NULL, report, &(reports){ .errors = 0 });
    pt_runner_start(r, mono, 0);
    feed_mend(r, h, v, 0, n / 4, &mono, NULL);
    mono += 10000000;
    pt_runner_tick(r, mono);
    pt_runner_stats rs;
    pt_runner_stats_get(r, &rs);
    ck_assert_uint_gt(rs.write_errors, 0);           /* createDirs off: it cannot write */
    pt_runner_stop(r);
    pt_runner_free(r);
    snprintf(sub, sizeof sub, "%s/c", dir);
    ck_assert_int_ne(stat(sub, &st), 0);             /* ... and made no directory */
    umask(old);
    pt_header_reader_free(h);
    free_lines(v, n);
}
END_TEST

/* Damaged state files: each is renamed aside with its reason; the runner
 * starts empty and keeps working. */
START_TEST(bad_state_files_renamed_aside)
{
    static const struct { const char *content; const char *reason; } cases[] = {
        { "hello world\n", "is not a postfix-trace state file" },
        { "{\"format\":\"postfix-trace-state\",\"version\":99}\n", "format version" },
        { "{\"format\":\"postfix-trace-state\",\"version\":2,\"clock\":0}\n{\"x\":", "is truncated" },
        { "{\"format\":\"postfix-trace-state\",\"version\":2,\"clock\":0}\n"
          "{\"entries\":0,\"sessions\":0,\"records\":0,\"checksum\":\"0000000000000000\"}\n",
          "fails its checksum" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char dir[] = "/tmp/pt-runner-XXXXXX";
        ck_assert_ptr_nonnull(mkdtemp(dir));
        char state[600], aside[700];
        snprintf(state, sizeof state, "%s/state", dir);
        snprintf(aside, sizeof aside, "%s.bad-1234", state);
        FILE *f = fopen(state, "w");
        fputs(cases[i].content, f);
        fclose(f);
        pt_runner_options o;
        pt_runner_options_default(&o);
        o.state_file = state;
        reports rep = { .errors = 0 };
        pt_runner *r = pt_runner_new(&o, NULL, report, &rep);
        pt_runner_start(r, 1, 1234);
        ck_assert_int_eq(rep.errors, 1);
        ck_assert_msg(strstr(rep.last, cases[i].reason) && strstr(rep.last, "renamed to"),
                      "case %zu: %s", i, rep.last);
        struct stat sb;
        ck_assert_int_eq(stat(aside, &sb), 0);          /* kept for the admin */
        ck_assert_int_eq(pt_runner_stop(r), 0);
        ck_assert_int_eq(stat(state, &sb), 0);          /* a fresh one at stop */
        pt_runner_free(r);
    }
}
END_TEST

/* A record larger than one write batch (256 KiB) is written whole. */
START_TEST(huge_record_written_whole)
{
    char dir[] = "/tmp/pt-runner-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char out[600], line[400];
    snprintf(out, sizeof out, "%s/out.json", dir);
    pt_runner_options o;
    pt_runner_options_default(&o);
    o.file = out;
    o.core.include_raw = 1;
    o.core.max_events = 5000;
    o.core.max_raw_lines = 5000;
    pt_runner *r = pt_runner_new(&o, NULL, NULL, NULL);
    pt_header_reader *h = pt_header_reader_new(2026);
    int64_t mono = 1;
    pt_runner_start(r, mono, 0);
    char *v[2001];
    for (int i = 0; i < 2000; i++) {
        snprintf(line, sizeof line, "2026-11-03T12:00:00+00:00 mx postfix/cleanup[9]: ABCDE12345: "
                 "warning: header Subject: %0200d from h[192.0.2.1]; from=<a@b> to=<c@d> "
                 "proto=ESMTP helo=<h>", i);
        v[i] = strdup(line);
    }
    feed(r, h, v, 0, 2000, &mono);
    pt_runner_flush(r);
    ck_assert_int_eq(pt_runner_stop(r), 0);
    pt_runner_free(r);
    pt_header_reader_free(h);
    char *text = slurp(out);
    size_t len = strlen(text);
    ck_assert_uint_gt(len, 256 * 1024);
    ck_assert(text[len - 1] == '\n');
    ck_assert_ptr_eq(strchr(text, '\n'), text + len - 1);      /* one record, one line */
    free(text);
    for (int i = 0; i < 2000; i++)
        free(v[i]);
}
END_TEST

/* A state file of format 1 (written by the release before checkpoints:
 * FNV-1a checksum, no records) still loads, so an upgrade loses nothing;
 * the next checkpoint writes format 3. */
START_TEST(state_format_1_still_loads)
{
    char dir[] = "/tmp/pt-runner-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char state[600], cmd[1400];
    snprintf(state, sizeof state, "%s/state", dir);
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", TOP_SRCDIR "/tests/data/state-v1.state", state);
    ck_assert_int_eq(system(cmd), 0);
    pt_runner_options o;
    pt_runner_options_default(&o);
    o.state_file = state;
    reports rep = { .errors = 0 };
    pt_runner *r = pt_runner_new(&o, NULL, report, &rep);
    pt_runner_start(r, 1, 0);
    ck_assert_msg(strstr(rep.last, "loaded: 22 open mails, 1 sessions"), "%s", rep.last);
    ck_assert_int_eq(rep.errors, 0);
    ck_assert_int_eq(pt_runner_stop(r), 0);
    pt_runner_free(r);
    char *text = slurp(state);
    ck_assert_ptr_nonnull(strstr(text, "\"version\":3"));
    free(text);
}
END_TEST



/* A stop with a state file keeps the lines still in the reorder window
 * (not folded in, not lost): the restart holds them again, and the records
 * of both runs equal a straight run's. */
START_TEST(stop_keeps_window_lines)
{
    int n;
    char **v = read_lines(REAL_LOG, &n);
    char dir[] = "/tmp/pt-runner-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char *want = straight_run(dir, v, n);
    char out[600], state[600];
    snprintf(out, sizeof out, "%s/out.json", dir);
    snprintf(state, sizeof state, "%s/state", dir);
    pt_runner_options o;
    pt_runner_options_default(&o);
    o.file = out;
    o.state_file = state;
    reports rep = { .errors = 0 };
    pt_header_reader *h = pt_header_reader_new(2026);
    int64_t mono = 1;
    int cut = n / 2;
    while (cut < n && strncmp(v[cut], v[cut - 1], 26) == 0)    /* a second boundary */
        cut++;
    pt_runner *r = pt_runner_new(&o, NULL, report, &rep);
    pt_runner_start(r, mono, 0);
    feed(r, h, v, 0, cut, &mono);
    pt_runner_stats st;
    pt_runner_stats_get(r, &st);
    ck_assert_uint_gt(st.core.lines_held, 0);  /* stopped with lines in the window */
    ck_assert_int_eq(pt_runner_stop(r), 0);
    pt_runner_free(r);
    r = pt_runner_new(&o, NULL, report, &rep);
    pt_runner_start(r, mono, 0);
    pt_runner_stats_get(r, &st);
    ck_assert_uint_gt(st.core.lines_held, 0);  /* held again */
    feed(r, h, v, cut, n, &mono);
    ck_assert_int_eq(pt_runner_stop(r), 0);    /* a stop with a state file: open mails saved */
    pt_runner_free(r);
    r = pt_runner_new(&o, NULL, report, &rep);
    pt_runner_start(r, mono, 0);
    pt_runner_flush(r);                         /* the rest as a straight run ends it */
    ck_assert_int_eq(pt_runner_stop(r), 0);
    pt_runner_free(r);
    char *got = slurp(out);
    same_records(dir, got, want, 0);
    ck_assert_int_eq(rep.errors, 0);
    free(got);
    free(want);
    pt_header_reader_free(h);
    free_lines(v, n);
}
END_TEST

/* Lines later than the reorder window: counted in lines_late, said once in
 * the daemon's log with the remedy, still folded in. */
START_TEST(late_lines_said_once)
{
    static const char *const lines[] = {
        "2026-11-03T12:00:00.000001+00:00 mx postfix/pickup[1]: AAAAAAAAA1: uid=0 from=<a>",
        "2026-11-03T12:00:00.000002+00:00 mx postfix/qmgr[2]: AAAAAAAAA1: from=<a@mx>, size=1, nrcpt=1 (queue active)",
        "2026-11-03T12:00:00.000009+00:00 mx postfix/qmgr[2]: AAAAAAAAA1: removed",
    };
    static const char *const late[] = {  /* 5 s after its neighbours, window 1 s */
        "2026-11-03T12:00:00.000005+00:00 mx postfix/local[3]: AAAAAAAAA1: to=<b@mx>, relay=local, delay=0, delays=0/0/0/0, dsn=2.0.0, status=sent (delivered to mailbox)",
        "2026-11-03T12:00:00.000006+00:00 mx postfix/local[3]: AAAAAAAAA1: to=<c@mx>, relay=local, delay=0, delays=0/0/0/0, dsn=2.0.0, status=sent (delivered to mailbox)",
    };
    pt_runner_options o;
    pt_runner_options_default(&o);
    o.core.reorder_window = 1000000;
    o.core.linger = 10;
    reports rep = { .errors = 0 };
    pt_runner *r = pt_runner_new(&o, NULL, report, &rep);
    pt_header_reader *h = pt_header_reader_new(2026);
    int64_t mono = 1000;
    pt_runner_start(r, mono, 0);
    for (int i = 0; i < 3; i++) {
        pt_line l;
        ck_assert_int_eq(pt_header_read(h, lines[i], strlen(lines[i]), &l), PT_HEADER_OK);
        pt_runner_feed(r, &l, mono);
    }
    mono += 5000000;
    pt_runner_tick(r, mono);
    ck_assert_int_eq(rep.errors, 0);
    for (int i = 0; i < 2; i++) {
        pt_line l;
        ck_assert_int_eq(pt_header_read(h, late[i], strlen(late[i]), &l), PT_HEADER_OK);
        pt_runner_feed(r, &l, mono);
        mono += 1000;
    }
    mono += 2000000;
    pt_runner_tick(r, mono);
    pt_runner_stats st;
    pt_runner_stats_get(r, &st);
    ck_assert_uint_eq(st.core.lines_late, 2);
    ck_assert_int_eq(rep.errors, 1);
    ck_assert_msg(strstr(rep.last, "later than the reorder window") && strstr(rep.last, "raise"),
                  "%s", rep.last);
    pt_runner_stop(r);
    pt_runner_free(r);
    pt_header_reader_free(h);
}
END_TEST

/* Run the suite. */
int main(void)
{
    Suite *s = suite_create("runner");
    TCase *tc = tcase_create("runner");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, checkpoint_kill_restart);
    tcase_add_test(tc, unwritable_file_holds_and_resumes);
    tcase_add_test(tc, bad_state_files_renamed_aside);
    tcase_add_test(tc, state_format_1_still_loads);
    tcase_add_test(tc, huge_record_written_whole);
    tcase_add_test(tc, late_lines_said_once);
    tcase_add_test(tc, stop_keeps_window_lines);
    tcase_add_test(tc, file_perms_and_late_state_file);
    suite_add_tcase(s, tc);
    return pt_check_run(s);
}
