/*
 * explain.c - filter records by address or queue ID and describe them in
 * plain words ("what happened to the mail to X?"). Reads the record's
 * fields through json-c; writes English sentences, one block per record.
 */
#include "explain.h"
#include "dsn.h"
#include "postfix-trace/line.h"

#include <json-c/json.h>
#include <string.h>
#include <strings.h>

/* A string member, or NULL. */
static const char *str(json_object *o, const char *k)
{
    json_object *v;
    if (!o || !json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

/* An integer member, or def. */
static long long num(json_object *o, const char *k, long long def)
{
    json_object *v;
    if (!o || !json_object_object_get_ex(o, k, &v))
        return def;
    return json_object_get_int64(v);
}

/* A member of any type, or NULL. */
static json_object *get(json_object *o, const char *k)
{
    json_object *v;
    return o && json_object_object_get_ex(o, k, &v) ? v : NULL;
}

/* Case-insensitive equality of two possibly NULL strings. */
static int same_addr(const char *a, const char *b)
{
    return a && b && strcasecmp(a, b) == 0;
}

/* "name[ip]" or "[ip]" or "name" of a client object. */
static void client_words(json_object *c, FILE *out)
{
    const char *name = str(c, "name"), *ip = str(c, "ip");
    if (name && ip)
        fprintf(out, "%s[%s]", name, ip);
    else if (ip)
        fprintf(out, "[%s]", ip);
    else
        fputs(name ? name : "an unknown client", out);
}

/* "; Postfix gives up at T ..." for a recipient still being retried. */
static void give_up_words(const pt_filter *f, json_object *rec, FILE *out)
{
    const char *first = str(rec, "first_seen");
    int64_t life = f->queue_lifetime > 0 ? f->queue_lifetime : 5 * 86400;
    pt_time t;
    char buf[64];
    if (!first || pt_time_parse_rfc3339(first, strlen(first), &t))
        return;
    t.sec += life;
    t.usec = 0;
    t.frac_digits = 0;
    pt_time_format(&t, buf, sizeof buf);
    fprintf(out, "; Postfix keeps trying and gives up at %s (queued + maximal_queue_lifetime, "
            "%lld %s%s)", buf, (long long)(life % 86400 ? life : life / 86400),
            life % 86400 ? "s" : "day", life % 86400 || life == 86400 ? "" : "s");
}

/* The sentence for one recipient. */
static void recipient_words(const pt_filter *f, json_object *rec, json_object *r, FILE *out)
{
    const char *st = str(r, "status"), *reply = str(r, "reply"), *t = str(r, "time");
    const char *end = str(rec, "end");
    long long tries = num(r, "attempts", 0);
    fprintf(out, "  to <%s>", str(r, "to") ? str(r, "to") : "");
    if (str(r, "orig_to"))
        fprintf(out, " (originally <%s>)", str(r, "orig_to"));
    fputs(": ", out);
    if (!st) {
        fputs("no delivery attempt was logged", out);
    } else if (!strcmp(st, "sent")) {
        fprintf(out, "delivered at %s by %s to %s", t ? t : "?",
                str(r, "service") ? str(r, "service") : "?", str(r, "relay") ? str(r, "relay") : "?");
        if (str(r, "queued_as"))
            fprintf(out, ", which queued it as %s", str(r, "queued_as"));
    } else if (!strcmp(st, "bounced")) {
        fprintf(out, "bounced at %s", t ? t : "?");
        if (str(rec, "bounce_id"))
            fprintf(out, "; a non-delivery notice (queue ID %s) went back to the sender",
                    str(rec, "bounce_id"));
    } else if (!strcmp(st, "expired")) {
        fprintf(out, "given up after %lld attempt%s: the message stayed in the queue too long "
                "and was returned to the sender", tries, tries == 1 ? "" : "s");
    } else if (!strcmp(st, "deferred")) {
        fprintf(out, "not delivered yet: %lld attempt%s, the last at %s", tries,
                tries == 1 ? "" : "s", t ? t : "?");
        if (end && !strcmp(end, "deleted"))
            fputs("; then an administrator deleted the message", out);
        else if (end && strcmp(end, "removed") != 0)
            give_up_words(f, rec, out);
    } else {
        fprintf(out, "status %s at %s", st, t ? t : "?");
    }
    if (reply)
        fprintf(out, "\n      server said: %s", reply);
    const char *dsn = str(r, "dsn"), *meaning = pt_dsn_meaning(dsn);
    int expired = st && !strcmp(st, "expired");
    int over = expired || (end && !strcmp(end, "deleted"));     /* no more tries either way */
    if (dsn)
        fprintf(out, "\n      status code %s%s", dsn, expired ? " (of the last try)" : "");
    if (dsn && meaning)
        fprintf(out, ": %s", meaning);
    if (dsn && !over && pt_dsn_class_words(dsn[0] - '0'))
        fprintf(out, " — %s", pt_dsn_class_words(dsn[0] - '0'));
    const char *next = pt_dsn_next_step(dsn);
    if (st && !strcmp(st, "sent"))
        fputs("\n      next step: the receiving server accepted it; if the recipient did not get it, "
              "the problem is on the receiving side", out);
    else if (expired)
        fputs("\n      next step: Postfix gave up and told the sender; once the receiving side "
              "works again the sender may send it again", out);
    else if (next && !over)
        fprintf(out, "\n      next step: %s", next);
    fputc('\n', out);
}

/* Plain words for a message record. */
static void message_words(const pt_filter *f, json_object *rec, FILE *out)
{
    const char *from = str(rec, "from"), *origin = str(rec, "origin"), *end = str(rec, "end");
    fprintf(out, "Mail%s (queue ID %s on %s), first seen %s, last seen %s\n",
            same_addr(str(rec, "kind"), "progress") ? " in progress" : "",
            str(rec, "queue_id"), str(rec, "host"), str(rec, "first_seen"), str(rec, "last_seen"));
    fprintf(out, "  from <%s>", from ? from : "?");
    if (from && !*from)
        fputs(" (the null sender: a bounce or notification)", out);
    if (str(rec, "message_id"))
        fprintf(out, ", Message-ID <%s>", str(rec, "message_id"));
    fputc('\n', out);
    if (origin && !strcmp(origin, "smtpd")) {
        fputs("  received over SMTP from ", out);
        client_words(get(rec, "client"), out);
        const char *user = str(get(rec, "client"), "sasl_username");
        if (user)
            fprintf(out, ", logged in as %s", user);
        fputc('\n', out);
    } else if (origin && !strcmp(origin, "pickup")) {
        fputs("  submitted locally (sendmail / pickup)\n", out);
    } else if (origin && !strcmp(origin, "bounce")) {
        fprintf(out, "  a notification Postfix made about queue ID %s\n",
                str(rec, "parent_id") ? str(rec, "parent_id") : "?");
    } else if (origin && !strcmp(origin, "local")) {
        fprintf(out, "  forwarded by local delivery of queue ID %s\n",
                str(rec, "parent_id") ? str(rec, "parent_id") : "?");
    }
    if (str(rec, "parent_id") && origin && !strcmp(origin, "smtpd"))
        fprintf(out, "  re-injected after a content filter; the original was queue ID %s\n",
                str(rec, "parent_id"));
    json_object *ev = get(rec, "events");
    for (size_t i = 0; ev && i < json_object_array_length(ev); i++) {
        json_object *e = json_object_array_get_idx(ev, i);
        fprintf(out, "  %s: %s by %s: %s\n", str(e, "time"), str(e, "action"),
                str(e, "service"), str(e, "text") ? str(e, "text") : "");
    }
    json_object *rs = get(rec, "recipients");
    for (size_t i = 0; rs && i < json_object_array_length(rs); i++) {
        json_object *r = json_object_array_get_idx(rs, i);
        if (pt_query_rcpt_matches(&f->q, r))
            recipient_words(f, rec, r, out);
    }
    if (end && !strcmp(end, "deleted"))
        fprintf(out, "  deleted from the queue by an administrator (postsuper) at %s\n", str(rec, "last_seen"));
    else if (end && !strcmp(end, "rejected"))
        fputs("  refused after it was received (see the events above); nothing was delivered\n", out);
    else if (end && !strcmp(end, "discarded"))
        fputs("  accepted but discarded on purpose (see the events above); nothing was delivered\n", out);
    else if (end && !strcmp(end, "aborted"))
        fputs("  never completed: the client went away before the message was in the queue\n", out);
    else if (end && (!strcmp(end, "timeout") || !strcmp(end, "evicted") || !strcmp(end, "shutdown")))
        fprintf(out, "  the log says no more about it (%s)\n",
                !strcmp(end, "shutdown") ? "the input ended while it was still in the queue"
                : !strcmp(end, "timeout") ? "no line about it for the idle timeout"
                : "dropped from a full cache");
    fputc('\n', out);
}

/* Plain words for a reject record. */
static void reject_words(json_object *rec, FILE *out)
{
    const char *action = str(rec, "action"), *qid = str(rec, "queue_id");
    const char *stage = str(rec, "stage");
    fprintf(out, "%s: %s ", str(rec, "time"),
            action && !strcmp(action, "reject") ? "refused" : action ? action : "?");
    if (!qid)
        fputs("before queueing", out);
    else if (stage && !strcmp(stage, "RCPT"))
        fprintf(out, "for one recipient of queue ID %s", qid);
    else
        fprintf(out, "for queue ID %s", qid);
    fprintf(out, " by %s at %s: ", str(rec, "program"), stage ? stage : "?");
    client_words(get(rec, "client"), out);
    fprintf(out, " tried mail from <%s> to <%s>\n", str(rec, "from") ? str(rec, "from") : "?",
            str(rec, "to") ? str(rec, "to") : "?");
    long long code = num(rec, "smtp_code", -1);
    fputs("  reply: ", out);
    if (code >= 0)
        fprintf(out, "%lld ", code);
    if (str(rec, "dsn"))
        fprintf(out, "%s ", str(rec, "dsn"));
    fprintf(out, "%s\n\n", str(rec, "reason") ? str(rec, "reason") : "");
}

/* Is any query option or --explain set? */
int pt_filter_active(const pt_filter *f)
{
    return pt_query_active(&f->q) || f->explain;
}

/* Say that no record matched, and where to look instead. */
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

/* Filter and write one record. */
int pt_filter_write(pt_filter *f, const char *json, size_t len, FILE *out)
{
    json_tokener *tok = json_tokener_new();
    if (!tok)
        return 0;
    json_object *rec = json_tokener_parse_ex(tok, json, (int)len);
    json_tokener_free(tok);
    if (!rec)
        return 0;
    int ok = pt_query_matches(&f->q, rec);
    if (ok) {
        f->matched++;
        if (!f->explain) {
            fwrite(json, 1, len, out);
            fputc('\n', out);
        } else if (same_addr(str(rec, "kind"), "reject")) {
            reject_words(rec, out);
        } else {
            message_words(f, rec, out);
        }
    }
    json_object_put(rec);
    return ok;
}
