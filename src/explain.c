/*
 * explain.c - say in plain words what happened to a mail, per recipient:
 * the verdict first, then the evidence (server, reply, status code and
 * its meaning, delays in words, attempts, when Postfix gives up, the
 * mail's origin and events) and a next step. Reads the record's fields
 * through json-c; writes English sentences, one block per recipient.
 * Memory: nothing kept. Thread-safety: reentrant.
 */
#include "explain.h"
#include "dsn.h"
#include "jget.h"
#include "postfix-trace/line.h"

#include <json-c/json.h>
#include <string.h>
#include <strings.h>

/* Is s (possibly NULL) equal to word? */
static int is(const char *s, const char *word)
{
    return s && strcmp(s, word) == 0;
}

/* s, or "?" when NULL. */
static const char *or_q(const char *s)
{
    return s ? s : "?";
}

/* "name[ip]" or "[ip]" or "name" of a client object. */
static void client_words(json_object *c, FILE *out)
{
    const char *name = pt_jget_str(c, "name"), *ip = pt_jget_str(c, "ip");
    if (name && ip)
        fprintf(out, "%s[%s]", name, ip);
    else if (ip)
        fprintf(out, "[%s]", ip);
    else
        fputs(name ? name : "an unknown client", out);
}

/* A duration in words: "0.05 s", "12 s", "4 min 10 s", "2 h 5 min", "3 days 4 h". */
static void duration_words(double s, FILE *out)
{
    long long t = (long long)(s + 0.5);
    if (s < 10)
        fprintf(out, "%.2g s", s);
    else if (t < 60)
        fprintf(out, "%lld s", t);
    else if (t < 3600)
        fprintf(out, "%lld min %lld s", t / 60, t % 60);
    else if (t < 86400)
        fprintf(out, "%lld h %lld min", t / 3600, t % 3600 / 60);
    else
        fprintf(out, "%lld day%s %lld h", t / 86400, t / 86400 == 1 ? "" : "s", t % 86400 / 3600);
}

/* The verdict line, coloured on a terminal. */
static void verdict(const pt_filter *f, const char *who, const char *what, int bad, FILE *out)
{
    const char *on = !f->color ? "" : bad == 0 ? "\033[1;32m" : bad == 1 ? "\033[1;33m" : "\033[1;31m";
    fprintf(out, "%s: %s%s%s\n", who, on, what, f->color ? "\033[0m" : "");
}

/* "; Postfix keeps trying and gives up at T ..." for a recipient still deferred. */
static void give_up_words(const pt_filter *f, json_object *rec, FILE *out)
{
    const char *first = pt_jget_str(rec, "first_seen");
    int64_t life = f->queue_lifetime > 0 ? f->queue_lifetime : 5 * 86400;
    pt_time t;
    char buf[64];
    if (!first || pt_time_parse_rfc3339(first, strlen(first), &t))
        return;
    t.sec += life;
    t.usec = 0;
    t.frac_digits = 0;
    pt_time_format(&t, buf, sizeof buf);
    fprintf(out, "  Postfix keeps trying and gives up at %s (queued + maximal_queue_lifetime, "
            "%lld %s%s)\n", buf, (long long)(life % 86400 ? life : life / 86400),
            life % 86400 ? "s" : "day", life % 86400 || life == 86400 ? "" : "s");
}

/* The last event of an action, or NULL. */
static json_object *last_event(json_object *rec, const char *action)
{
    json_object *ev = pt_jget(rec, "events"), *hit = NULL;
    for (size_t i = 0; ev && json_object_is_type(ev, json_type_array)
                       && i < json_object_array_length(ev); i++)
        if (is(pt_jget_str(json_object_array_get_idx(ev, i), "action"), action))
            hit = json_object_array_get_idx(ev, i);
    return hit;
}

/* Is the mail in the hold queue when its record ends (held, not released)? */
static int still_held(json_object *rec)
{
    json_object *h = last_event(rec, "hold"), *r = last_event(rec, "release");
    const char *end = pt_jget_str(rec, "end");
    if (!h || !(is(end, "shutdown") || is(end, "timeout") || is(end, "evicted")))
        return 0;
    return !r || strcmp(or_q(pt_jget_str(r, "time")), or_q(pt_jget_str(h, "time"))) < 0;
}

/* Did the record end with the input (nothing final seen)? */
static int ended_open(json_object *rec)
{
    const char *end = pt_jget_str(rec, "end");
    return is(end, "shutdown") || is(end, "timeout") || is(end, "evicted");
}

/* The verdict and the first evidence line for one recipient. Returns 1
 * when the code's class words would mislead (expired, deleted, held:
 * whatever the last try's class said, no more tries follow). */
static int recipient_verdict(const pt_filter *f, json_object *rec, json_object *r, const char *who,
                             FILE *out)
{
    const char *st = pt_jget_str(r, "status"), *end = pt_jget_str(rec, "end"), *t = pt_jget_str(r, "time");
    const char *relay = pt_jget_str(r, "relay"), *reply = pt_jget_str(r, "reply"), *service = pt_jget_str(r, "service");
    double tries = pt_jget_num(r, "attempts", 0);
    if (still_held(rec)) {
        json_object *h = last_event(rec, "hold");
        verdict(f, who, "held", 1, out);
        fprintf(out, "  it waits in the hold queue since %s (%s)\n", or_q(pt_jget_str(h, "time")),
                or_q(pt_jget_str(h, "text")));
        fprintf(out, "  next step: it stays there until an administrator releases it (postsuper -H %s) "
                "or deletes it (postsuper -d %s)\n", or_q(pt_jget_str(rec, "queue_id")), or_q(pt_jget_str(rec, "queue_id")));
        return 1;
    }
    if (is(st, "sent")) {
        verdict(f, who, "delivered", 0, out);
        if (is(service, "smtp") || is(service, "lmtp"))
            fprintf(out, "  accepted by %s at %s with \"%s\"\n", or_q(relay), or_q(t), or_q(reply));
        else
            fprintf(out, "  delivered by %s (%s) at %s: %s\n", or_q(service), or_q(relay), or_q(t),
                    or_q(reply));
        if (tries > 1)
            fprintf(out, "  it got through on attempt %.0f: the tries before were deferred\n", tries);
        return 0;
    }
    if (is(st, "bounced")) {
        verdict(f, who, "bounced", 2, out);
        fprintf(out, "  refused at %s%s%s: \"%s\"\n", or_q(t), relay ? " via " : "", relay ? relay : "",
                or_q(reply));
        return 0;
    }
    if (is(st, "expired")) {
        verdict(f, who, "expired", 2, out);
        fprintf(out, "  Postfix gave up after %.0f attempt%s: the mail stayed in the queue longer than "
                "maximal_queue_lifetime; the last try, at %s, said: \"%s\"\n", tries,
                tries == 1 ? "" : "s", or_q(t), or_q(reply));
        return 1;
    }
    if (is(st, "deferred") && is(end, "deleted")) {
        verdict(f, who, "deleted", 2, out);
        fprintf(out, "  deleted from the queue by an administrator (postsuper) at %s while it was being "
                "retried; the last try, at %s, said: \"%s\"\n", or_q(pt_jget_str(rec, "last_seen")), or_q(t),
                or_q(reply));
        return 1;
    }
    if (is(st, "deferred")) {
        verdict(f, who, "still being retried", 1, out);
        fprintf(out, "  queued since %s; the last try, at %s%s%s, said: \"%s\"\n",
                or_q(pt_jget_str(rec, "first_seen")), or_q(t), relay ? " via " : "", relay ? relay : "",
                or_q(reply));
        if (ended_open(rec))
            give_up_words(f, rec, out);
        return 0;
    }
    if (st) {
        verdict(f, who, st, 1, out);
        fprintf(out, "  at %s via %s: \"%s\"\n", or_q(t), or_q(relay), or_q(reply));
        return 1;
    }
    if (is(end, "deleted")) {
        verdict(f, who, "deleted", 2, out);
        fprintf(out, "  deleted from the queue by an administrator (postsuper) at %s before any "
                "delivery attempt\n", or_q(pt_jget_str(rec, "last_seen")));
    } else if (is(end, "rejected") || is(end, "discarded")) {
        json_object *e = last_event(rec, is(end, "rejected") ? "reject" : "discard");
        verdict(f, who, is(end, "rejected") ? "rejected after it was received" : "discarded", 2, out);
        fprintf(out, "  %s by %s at %s: %s; nothing was delivered\n",
                is(end, "rejected") ? "refused" : "thrown away on purpose", or_q(pt_jget_str(e, "service")),
                or_q(pt_jget_str(e, "time")), or_q(pt_jget_str(e, "text")));
    } else if (is(end, "aborted")) {
        verdict(f, who, "never queued", 2, out);
        fputs("  the client went away before the message was in the queue\n", out);
    } else {
        verdict(f, who, "waiting in the queue", 1, out);
        fprintf(out, "  queued since %s; no delivery attempt was logged before %s\n",
                or_q(pt_jget_str(rec, "first_seen")), ended_open(rec) ? "the input ended" : "its record ended");
    }
    return 1;
}

/* "took X in all: A before the queue manager, ..." and attempts. */
static void delay_words(json_object *r, FILE *out)
{
    static const char *const stage[] = { "before_qmgr", "in_qmgr", "conn_setup", "transmission" };
    static const char *const words[] = { "before the queue manager", "in the queue",
                                         "to connect", "to send" };
    double all = pt_jget_num(r, "delay", -1), tries = pt_jget_num(r, "attempts", 0);
    json_object *d = pt_jget(r, "delays");
    if (all < 0 && !d)
        return;
    fputs("  took ", out);
    if (all >= 0)
        duration_words(all, out);
    for (int i = 0; d && i < 4; i++) {
        double v = pt_jget_num(d, stage[i], -1);
        if (v < 0)
            continue;
        fputs(i == 0 ? (all >= 0 ? " in all: " : "") : ", ", out);
        duration_words(v, out);
        fprintf(out, " %s", words[i]);
    }
    if (tries > 0)
        fprintf(out, "; %.0f attempt%s", tries, tries == 1 ? "" : "s");
    fputc('\n', out);
}

/* The status code, its meaning and a next step for one recipient. */
static void code_and_next(const char *st, const char *dsn, int over, json_object *r, FILE *out)
{
    const char *meaning = pt_dsn_meaning(dsn), *next = pt_dsn_next_step(dsn);
    int expired = is(st, "expired");
    if (dsn) {
        fprintf(out, "  status code %s%s", dsn, expired ? " (of the last try)" : "");
        if (meaning)
            fprintf(out, ": %s", meaning);
        if (!over && pt_dsn_class_words(dsn[0] - '0'))
            fprintf(out, " — %s", pt_dsn_class_words(dsn[0] - '0'));
        fputc('\n', out);
    }
    delay_words(r, out);
    if (is(st, "sent"))
        fputs("  next step: the receiving server accepted it; if the recipient did not get it, "
              "the problem is on the receiving side\n", out);
    else if (expired)
        fputs("  next step: Postfix gave up and told the sender; once the receiving side works "
              "again the sender may send it again\n", out);
    else if (next && (!over || is(st, "bounced")))
        fprintf(out, "  next step: %s\n", next);
    else if (is(st, "bounced"))
        fputs("  next step: the receiving side refused it for good and the sender was told; the "
              "reply above says why — if it looks wrong, ask the receiving side's postmaster\n", out);
    else if (is(st, "deferred") && !over)
        fputs("  next step: nothing yet — Postfix retries by itself; if it lasts, the reply above "
              "says what the receiving side needs\n", out);
}

/* The lines about the mail itself: sender, IDs, origin, events, links. */
static void mail_words(json_object *rec, FILE *out)
{
    const char *from = pt_jget_str(rec, "from"), *origin = pt_jget_str(rec, "origin"), *parent = pt_jget_str(rec, "parent_id");
    fprintf(out, "  the mail: from <%s>%s", or_q(from), from && !*from ? " (the null sender: a "
            "bounce or notification)" : "");
    if (pt_jget_str(rec, "message_id"))
        fprintf(out, ", Message-ID <%s>", or_q(pt_jget_str(rec, "message_id")));
    fprintf(out, ", queue ID %s on %s", or_q(pt_jget_str(rec, "queue_id")), or_q(pt_jget_str(rec, "host")));
    if (pt_jget(rec, "size"))
        fprintf(out, ", %.0f bytes", pt_jget_num(rec, "size", 0));
    fputc('\n', out);
    if (is(origin, "smtpd") && parent) {
        fprintf(out, "  re-injected after a content filter or relay at %s; the original was queue ID %s\n",
                or_q(pt_jget_str(rec, "first_seen")), parent);
    } else if (is(origin, "smtpd") || is(origin, "qmqpd")) {
        fputs("  received over SMTP from ", out);
        client_words(pt_jget(rec, "client"), out);
        if (pt_jget_str(pt_jget(rec, "client"), "sasl_username"))
            fprintf(out, ", logged in as %s", or_q(pt_jget_str(pt_jget(rec, "client"), "sasl_username")));
        fprintf(out, " at %s\n", or_q(pt_jget_str(rec, "first_seen")));
    } else if (is(origin, "pickup")) {
        fprintf(out, "  submitted locally (sendmail / pickup) at %s\n", or_q(pt_jget_str(rec, "first_seen")));
    } else if (is(origin, "bounce")) {
        fprintf(out, "  a notice Postfix made at %s about queue ID %s\n", or_q(pt_jget_str(rec, "first_seen")),
                or_q(parent));
    } else if (is(origin, "local")) {
        fprintf(out, "  forwarded by local delivery of queue ID %s at %s\n", or_q(parent),
                or_q(pt_jget_str(rec, "first_seen")));
    } else {
        fprintf(out, "  first seen at %s\n", or_q(pt_jget_str(rec, "first_seen")));
    }
    if (pt_jget_str(rec, "bounce_id"))
        fprintf(out, "  a non-delivery notice (queue ID %s) went back to the sender\n",
                or_q(pt_jget_str(rec, "bounce_id")));
    json_object *ev = pt_jget(rec, "events");
    for (size_t i = 0; ev && json_object_is_type(ev, json_type_array)
                       && i < json_object_array_length(ev); i++) {
        json_object *e = json_object_array_get_idx(ev, i);
        fprintf(out, "  %s: %s by %s: %s\n", or_q(pt_jget_str(e, "time")), or_q(pt_jget_str(e, "action")),
                or_q(pt_jget_str(e, "service")), pt_jget_str(e, "text") ? pt_jget_str(e, "text") : "");
    }
    const char *end = pt_jget_str(rec, "end");
    if (ended_open(rec))
        fprintf(out, "  the log says no more about it (%s)\n",
                is(end, "shutdown") ? "the input ended while it was still in the queue"
                : is(end, "timeout") ? "no line about it for the idle timeout"
                : "dropped from a full cache");
}

/* Plain words for a message record: one block per recipient shown. */
static void message_words(const pt_filter *f, json_object *rec, int linked, int in_chain, FILE *out)
{
    json_object *rs = pt_jget(rec, "recipients");
    size_t n = rs && json_object_is_type(rs, json_type_array) ? json_object_array_length(rs) : 0;
    int shown = 0;
    char who[600];
    for (size_t i = 0; i <= n; i++) {
        json_object *r = i < n ? json_object_array_get_idx(rs, i) : NULL;
        if (i == n && shown)
            break;
        if (r && !linked && !pt_query_rcpt_matches(&f->q, r))
            continue;
        if (!r && n && !linked)
            continue;           /* no recipient matched (a --from query): say nothing twice */
        const char *origin = pt_jget_str(rec, "origin");
        snprintf(who, sizeof who, "%s <%s>", is(origin, "bounce") ? "Notice to"
                 : is(origin, "local") ? "Forwarded copy to"
                 : is(origin, "smtpd") && pt_jget_str(rec, "parent_id") ? "Filtered copy to" : "Mail to",
                 r ? or_q(pt_jget_str(r, "to")) : "(no recipient logged)");
        int over = recipient_verdict(f, rec, r, who, out);
        if (r) {
            if (pt_jget_str(r, "orig_to"))
                fprintf(out, "  (the address it was sent to: <%s>)\n", or_q(pt_jget_str(r, "orig_to")));
            if (pt_jget_str(r, "queued_as"))
                fprintf(out, "  the next hop queued it as %s%s\n", or_q(pt_jget_str(r, "queued_as")),
                        in_chain ? " (a linked mail here, if that is this host's queue ID)" : "");
            code_and_next(pt_jget_str(r, "status"), pt_jget_str(r, "dsn"), over || is(pt_jget_str(rec, "end"), "deleted"),
                          r, out);
        }
        mail_words(rec, out);
        fputc('\n', out);
        shown = 1;
    }
}

/* Plain words for a reject record (refused at SMTP time). */
static void reject_words(const pt_filter *f, json_object *rec, FILE *out)
{
    const char *action = pt_jget_str(rec, "action"), *qid = pt_jget_str(rec, "queue_id"), *dsn = pt_jget_str(rec, "dsn");
    char who[600];
    snprintf(who, sizeof who, "Mail to <%s>", or_q(pt_jget_str(rec, "to")));
    if (!action || is(action, "reject"))
        verdict(f, who, "rejected at SMTP time", 2, out);
    else
        verdict(f, who, is(action, "hold") ? "held by a restriction at SMTP time"
                : is(action, "discard") ? "discarded by a restriction at SMTP time"
                : action, 1, out);
    fprintf(out, "  %s by %s on %s at %s, at the %s command: \"", is(action, "reject") || !action
            ? "refused" : is(action, "hold") ? "held" : is(action, "discard") ? "discarded" : action,
            or_q(pt_jget_str(rec, "program")), or_q(pt_jget_str(rec, "host")),
            or_q(pt_jget_str(rec, "time")), or_q(pt_jget_str(rec, "stage")));
    if (pt_jget(rec, "smtp_code"))
        fprintf(out, "%.0f ", pt_jget_num(rec, "smtp_code", 0));
    if (dsn)
        fprintf(out, "%s ", dsn);
    fprintf(out, "%s\"\n", pt_jget_str(rec, "reason") ? pt_jget_str(rec, "reason") : "");
    fputs("  the client: ", out);
    client_words(pt_jget(rec, "client"), out);
    fprintf(out, ", mail from <%s>%s%s\n", or_q(pt_jget_str(rec, "from")), qid ? ", queue ID " : "",
            qid ? qid : "");
    if (dsn && pt_dsn_meaning(dsn))
        fprintf(out, "  status code %s: %s\n", dsn, pt_dsn_meaning(dsn));
    if (!action || is(action, "reject"))
        fprintf(out, "  next step: this server never took the mail; the sending server got the "
                "refusal and must tell its sender.%s%s\n", pt_dsn_next_step(dsn) ? " The sender: " : "",
                pt_dsn_next_step(dsn) ? pt_dsn_next_step(dsn) : "");
    fputc('\n', out);
}

/* Plain words for an auth record (a failed SMTP AUTH). */
static void auth_words(const pt_filter *f, json_object *rec, FILE *out)
{
    verdict(f, "Login", "failed", 2, out);
    fprintf(out, "  %s on %s at %s: ", or_q(pt_jget_str(rec, "program")), or_q(pt_jget_str(rec, "host")),
            or_q(pt_jget_str(rec, "time")));
    client_words(pt_jget(rec, "client"), out);
    fprintf(out, " tried %s", or_q(pt_jget_str(rec, "sasl_method")));
    if (pt_jget_str(rec, "sasl_username"))
        fprintf(out, " as %s", or_q(pt_jget_str(rec, "sasl_username")));
    if (pt_jget_str(rec, "reason"))
        fprintf(out, ": %s", or_q(pt_jget_str(rec, "reason")));
    fputs("\n\n", out);
}

/* Is any query option or --explain set? */
int pt_filter_active(const pt_filter *f)
{
    return pt_query_active(&f->q) || f->explain;
}

/* Does the record pass the query (counted)? */
int pt_filter_match(pt_filter *f, json_object *rec)
{
    if (!pt_query_matches(&f->q, rec))
        return 0;
    f->matched++;
    return 1;
}

/* A record in plain words, placed in its chain. */
void pt_explain_record(const pt_filter *f, json_object *rec, int member, int chain_size,
                       int linked, FILE *out)
{
    const char *kind = pt_jget_str(rec, "kind");
    if (chain_size > 1 && member == 0)
        fprintf(out, "=== %d linked mails: the mail, then what it led to or came from ===\n\n",
                chain_size);
    if (chain_size > 1)
        fprintf(out, "[%d/%d%s] ", member + 1, chain_size, linked ? ", linked" : "");
    else if (linked)
        fputs("[linked to a mail above] ", out);
    if (is(kind, "reject"))
        reject_words(f, rec, out);
    else if (is(kind, "auth"))
        auth_words(f, rec, out);
    else
        message_words(f, rec, linked, chain_size > 1, out);
}

/* Say that no record matched the query, and where to look instead. */
void pt_filter_none(const pt_filter *f, FILE *out, FILE *err)
{
    const pt_query *q = &f->q;
    if (!f->explain) {
        fputs("postfix-trace: no record matches the question\n", err);
        return;
    }
    if (q->to.n) {
        fputs("No line in these logs mentions mail to", out);
        for (int i = 0; i < q->to.n; i++)
            fprintf(out, "%s <%.*s>", i ? " or" : "", (int)q->to.v[i].n, q->to.v[i].p);
        fputs(".\n", out);
    } else {
        fputs("No mail in these logs matches the question.\n", out);
    }
    fputs("If the sender says it was sent, it never reached this server (or these logs do not "
          "cover the time):\nlook at the sending server's log for the delivery attempt and its "
          "reply, and check that the\nrecipient domain's MX records point here.\n", out);
}
