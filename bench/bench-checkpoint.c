/*
 * bench-checkpoint.c - what a checkpoint costs the daemons: the time the
 * adapter's lock is held for the snapshot (pt_runner_checkpoint_due) and
 * the time of the write + fsync + rename done without the lock
 * (pt_checkpoint_job_run), for 1,000 / 10,000 / 100,000 open mails (each:
 * an smtpd session's client= line, cleanup, qmgr and one deferred
 * recipient, and an open smtpd session). Run by `make bench`; prints one
 * line per size. Memory: one runner per size, freed after.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "postfix-trace/runner.h"

/* Monotonic seconds. */
static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Feed one formatted line. */
static void feed(pt_runner *r, pt_header_reader *h, const char *s)
{
    pt_line l;
    if (pt_header_read(h, s, strlen(s), &l) == PT_HEADER_OK)
        pt_runner_feed(r, &l, 1);
}

/* Fill a runner with n open mails. */
static void fill(pt_runner *r, int n)
{
    pt_header_reader *h = pt_header_reader_new(2026);
    char b[512];
    for (int i = 0; i < n; i++) {
        snprintf(b, sizeof b, "2026-11-03T12:00:00+00:00 mx postfix/smtpd[%d]: connect from "
                 "client%d.example[192.0.2.%d]", 100000 + i, i, i % 250);
        feed(r, h, b);
        snprintf(b, sizeof b, "2026-11-03T12:00:00+00:00 mx postfix/smtpd[%d]: Q%09X: "
                 "client=client%d.example[192.0.2.%d]", 100000 + i, i, i, i % 250);
        feed(r, h, b);
        snprintf(b, sizeof b, "2026-11-03T12:00:00+00:00 mx postfix/cleanup[9]: Q%09X: "
                 "message-id=<m%d@example.org>", i, i);
        feed(r, h, b);
        snprintf(b, sizeof b, "2026-11-03T12:00:00+00:00 mx postfix/qmgr[8]: Q%09X: "
                 "from=<sender%d@example.org>, size=2000, nrcpt=1 (queue active)", i, i);
        feed(r, h, b);
        snprintf(b, sizeof b, "2026-11-03T12:00:00+00:00 mx postfix/smtp[7]: Q%09X: "
                 "to=<rcpt%d@example.net>, relay=none, delay=1, delays=0/0/1/0, dsn=4.4.1, "
                 "status=deferred (connect to mx.example.net[198.51.100.1]:25: Connection refused)",
                 i, i);
        feed(r, h, b);
    }
    pt_header_reader_free(h);
}

/* Measure one size. */
static void measure(const char *dir, int n)
{
    char state[512];
    snprintf(state, sizeof state, "%s/state-%d", dir, n);
    pt_runner_options o;
    pt_runner_options_default(&o);
    o.core.max_entries = (uint32_t)(3 * n);
    o.core.reorder_window = 0;          /* the mails open at once, not held in the window */
    o.state_file = state;
    pt_runner *r = pt_runner_new(&o, NULL, NULL, NULL);
    pt_runner_start(r, 1, 0);
    fill(r, n);
    double best_snap = 1e9, best_write = 1e9;
    for (int round = 0; round < 3; round++) {
        double t0 = now();
        pt_checkpoint_job *j = pt_runner_checkpoint_due(r, 2, 1);
        double t1 = now();
        pt_checkpoint_job_run(j);
        double t2 = now();
        pt_runner_checkpoint_done(r, j);
        if (t1 - t0 < best_snap)
            best_snap = t1 - t0;
        if (t2 - t1 < best_write)
            best_write = t2 - t1;
    }
    struct stat st;
    stat(state, &st);
    printf("%7d open mails: lock held %8.2f ms (%.2f us/mail), write+fsync %8.2f ms, "
           "file %lld bytes (%lld B/mail)\n", n, best_snap * 1e3, best_snap * 1e6 / n,
           best_write * 1e3, (long long)st.st_size, (long long)st.st_size / n);
    pt_runner_free(r);
    unlink(state);
}

/* Sizes 1,000 / 10,000 / 100,000 (or argv[2..]) in directory argv[1]. */
int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "/tmp";
    if (argc > 2) {
        for (int i = 2; i < argc; i++)
            measure(dir, atoi(argv[i]));
        return 0;
    }
    measure(dir, 1000);
    measure(dir, 10000);
    measure(dir, 100000);
    return 0;
}
