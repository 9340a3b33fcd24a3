/*
 * parse_util.h - small scanners for the Postfix line parser: a cursor over
 * a byte range, literals, numbers, queue IDs, quote-aware address ends,
 * SMTP reply splitting and the "; from=<..> to=<..> proto=.. helo=<..>"
 * trailer engine. Nothing here allocates or keeps state between calls, and
 * no function reads outside [p, e).
 */
#ifndef PT_PARSE_UTIL_H
#define PT_PARSE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "postfix-trace/event.h"

/* A cursor: the unread bytes are [p, e). */
typedef struct pu_cur {
    const char *p;
    const char *e;
} pu_cur;

static inline pu_cur pu_cur_of(pt_slice s)
{
    pu_cur c;
    c.p = s.p ? s.p : "";
    c.e = c.p + (s.p ? s.n : 0);
    return c;
}

static inline pu_cur pu_cur_make(const char *p, const char *e)
{
    pu_cur c = { p, e };
    return c;
}

static inline size_t pu_left(const pu_cur *c)
{
    return (size_t)(c->e - c->p);
}

static inline int pu_at_end(const pu_cur *c)
{
    return c->p >= c->e;
}

/* The slice [a, b). */
static inline pt_slice pu_sl(const char *a, const char *b)
{
    pt_slice s = { a, (size_t)(b - a) };
    return s;
}

/* The rest of the cursor as a slice. */
static inline pt_slice pu_rest(const pu_cur *c)
{
    return pu_sl(c->p, c->e);
}

/* The literal matchers are inline: their literal's length is known when
 * compiling, and the compare of a few bytes needs no call. */

/* 1 when [p, e) starts with lit. */
static inline int pu_starts(const char *p, const char *e, const char *lit)
{
    size_t n = strlen(lit);
    return (size_t)(e - p) >= n && memcmp(p, lit, n) == 0;
}

/* Consume lit if the cursor starts with it; 1 on success. */
static inline int pu_lit(pu_cur *c, const char *lit)
{
    size_t n = strlen(lit);
    if (pu_left(c) < n || memcmp(c->p, lit, n) != 0)
        return 0;
    c->p += n;
    return 1;
}

/* 1 when the cursor's rest equals lit exactly. */
static inline int pu_rest_is(const pu_cur *c, const char *lit)
{
    size_t n = strlen(lit);
    return pu_left(c) == n && memcmp(c->p, lit, n) == 0;
}

/* First occurrence of lit in [p, e), or NULL. */
const char *pu_find(const char *p, const char *e, const char *lit);

/* First occurrence of byte ch in [p, e), or NULL. */
const char *pu_findc(const char *p, const char *e, char ch);

/* 1 when slice s ends with lit. */
int pu_ends(pt_slice s, const char *lit);

/* Unsigned decimal (at least one digit, value <= max); 1 on success. */
int pu_uint(pu_cur *c, int64_t max, int64_t *out);

/* Decimal number "D[.D]" (Postfix delays; also "1e-05"-free); 1 on success. */
int pu_decimal(pu_cur *c, double *out);

/* 1 when [p, p+n) is a valid queue ID: short (upper-case hex) or long
 * (enable_long_queue_ids: [0-9A-Za-z] without vowels), 5..32 bytes. */
int pu_qid_valid(const char *p, size_t n);

/* "QID: " or "NOQUEUE: " at the cursor. Returns 1 for a queue ID (*qid set,
 * cursor moved past ": "), 2 for NOQUEUE (*qid empty), 0 otherwise (cursor
 * unchanged). */
int pu_qid_prefix(pu_cur *c, pt_slice *qid);

/* A queue ID at the cursor (no ": " needed); consumes it; 1 on success.
 * The byte after it must not be an ID character. */
int pu_qid_word(pu_cur *c, pt_slice *qid);

/* The next '>' in [p, e) outside a "quoted string" of a local part (with
 * backslash escapes inside the quotes); NULL when there is none or an
 * unquoted space / control byte comes first (Postfix quotes those). */
const char *pu_addr_gt(const char *p, const char *e);

/* Same for unbracketed addresses: the next ',' outside quotes, or NULL;
 * stops (NULL) at an unquoted space. */
const char *pu_addr_comma(const char *p, const char *e);

/* An enhanced status code D.D{1,3}.D{1,3} (D in 2,4,5) at the cursor;
 * consumed, 1 on success (the caller checks what follows). */
int pu_dsn(pu_cur *c, pt_slice *dsn);

/* A 3-digit SMTP code [2-5]DD at [p, e) followed by end, ' ' or '-';
 * returns the code or -1. */
int32_t pu_smtp_code(const char *p, const char *e);

/* Split "554 5.7.1 text" into code (or -1), dsn (or absent) and reason
 * (the rest; "554-5.7.1" multi-line forms too). Either may be absent:
 * "5.7.1 text" gives dsn + reason, "text" gives reason only. */
void pu_split_reply(pt_slice text, int32_t *code, pt_slice *dsn,
                    pt_slice *reason);

/* Map a logged action word to SCHEMA.md's vocabulary; NULL if unknown. */
const char *pu_action_name(pt_slice action);

/* ---- The trailer engine --------------------------------------------------
 * smtpd:      "; from=<S> to=<R> proto=P helo=<H>"       (each optional)
 * postscreen: "; from=<S>, to=<R>, proto=P, helo=<H>"
 * cleanup:    "; from=<S> to=<R> proto=P helo=<H>: TEXT"  (TEXT optional)
 * Addresses are scanned quote-aware; every way the remainder can be read
 * as a whole is counted (at most 2 are looked for), so the caller can
 * refuse to fill fields from an ambiguous (possibly forged) line. */
typedef struct pu_trailer {
    pt_slice from, to, proto, helo, text;
} pu_trailer;

typedef struct pu_tctx {
    int comma;                  /* ", " between fields (postscreen) */
    int text_tail;              /* allow ": TEXT" after the fields (cleanup) */
    int budget;                 /* steps left; < 0 means gave up */
    int count;                  /* complete readings found (capped at 2) */
    int spaces;                 /* addresses may hold unquoted spaces (the
                                   second try of pu_trailer_walk) */
    pu_trailer cur, best;       /* the first reading found is in best */
} pu_tctx;

/* Initialise a trailer context. */
void pu_tctx_init(pu_tctx *t, int comma, int text_tail);

/* Count the readings of [p, e) as a trailer, where p is just after the ';'.
 * Adds to t->count (stopping at 2); the first reading goes to t->best. */
void pu_trailer_walk(pu_tctx *t, const char *p, const char *e);

/* Find the ';' in [p, e) that starts the trailer: every ';' is tried.
 * Returns the number of readings (0, 1, or 2 meaning "2 or more", also
 * when the step budget ran out); on 1, *semi is the ';' and t->best the
 * fields. */
int pu_trailer_split(pu_tctx *t, const char *p, const char *e,
                     const char **semi);

#endif
