/*
 * parse_util.c - scanners shared by the daemon parsers (see parse_util.h).
 * Every function works on [p, e) and never reads outside it.
 * Allocates nothing; returned slices and pointers point into the input.
 */
#include <string.h>
#include "parse_util.h"

/* First occurrence of byte ch in [p, e), or NULL. */
const char *pu_findc(const char *p, const char *e, char ch)
{
    if (p >= e)
        return NULL;
    return memchr(p, ch, (size_t)(e - p));
}

/* First occurrence of lit in [p, e), or NULL (p for an empty lit). */
const char *pu_find(const char *p, const char *e, const char *lit)
{
    size_t n = strlen(lit);
    if (n == 0)
        return p;
    while ((size_t)(e - p) >= n) {
        const char *q = memchr(p, lit[0], (size_t)(e - p) - n + 1);
        if (q == NULL)
            return NULL;
        if (memcmp(q, lit, n) == 0)
            return q;
        p = q + 1;
    }
    return NULL;
}

/* 1 when slice s ends with lit. */
int pu_ends(pt_slice s, const char *lit)
{
    size_t n = strlen(lit);
    return s.p != NULL && s.n >= n && memcmp(s.p + s.n - n, lit, n) == 0;
}

/* 1 when ch is an ASCII digit. */
static int is_digit(unsigned char ch)
{
    return ch >= '0' && ch <= '9';
}

/* 1 when ch is an ASCII letter or digit. */
static int is_alnum(unsigned char ch)
{
    return is_digit(ch) || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z');
}

/* Unsigned decimal at the cursor (at least one digit, value <= max); 1 on success. */
int pu_uint(pu_cur *c, int64_t max, int64_t *out)
{
    const char *p = c->p;
    int64_t v = 0;
    if (p >= c->e || !is_digit((unsigned char)*p))
        return 0;
    while (p < c->e && is_digit((unsigned char)*p)) {
        int d = *p - '0';
        if (v > (max - d) / 10)
            return 0;
        v = v * 10 + d;
        p++;
    }
    c->p = p;
    *out = v;
    return 1;
}

/* Decimal number "D[.D]" at the cursor (Postfix delays); 1 on success. */
int pu_decimal(pu_cur *c, double *out)
{
    const char *p = c->p;
    double v = 0, scale = 1;
    int digits = 0;
    while (p < c->e && is_digit((unsigned char)*p)) {
        if (digits < 15)
            v = v * 10 + (*p - '0');
        else
            v *= 10;
        digits++;
        p++;
    }
    if (digits == 0)
        return 0;
    if (p < c->e && *p == '.') {
        const char *q = p + 1;
        int frac = 0;
        while (q < c->e && is_digit((unsigned char)*q)) {
            if (frac < 9) {
                scale /= 10;
                v += (*q - '0') * scale;
            }
            frac++;
            q++;
        }
        if (frac == 0)
            return 0;
        p = q;
    }
    c->p = p;
    *out = v;
    return 1;
}

/* Classes of queue-ID bytes: letters and digits, hex digits of short IDs
 * (0-9 A-F), and vowels (long IDs have none). */
enum { QC_ALNUM = 1, QC_HEX = 2, QC_VOWEL = 4 };
#define QC_D (QC_ALNUM | QC_HEX)
#define QC_H (QC_ALNUM | QC_HEX)
#define QC_V (QC_ALNUM | QC_VOWEL)
#define QC_HV (QC_ALNUM | QC_HEX | QC_VOWEL)
#define QC_L QC_ALNUM
static const unsigned char qid_class[256] = {
    ['0'] = QC_D, ['1'] = QC_D, ['2'] = QC_D, ['3'] = QC_D, ['4'] = QC_D,
    ['5'] = QC_D, ['6'] = QC_D, ['7'] = QC_D, ['8'] = QC_D, ['9'] = QC_D,
    ['A'] = QC_HV, ['B'] = QC_H, ['C'] = QC_H, ['D'] = QC_H, ['E'] = QC_HV, ['F'] = QC_H,
    ['G'] = QC_L, ['H'] = QC_L, ['I'] = QC_V, ['J'] = QC_L, ['K'] = QC_L, ['L'] = QC_L,
    ['M'] = QC_L, ['N'] = QC_L, ['O'] = QC_V, ['P'] = QC_L, ['Q'] = QC_L, ['R'] = QC_L,
    ['S'] = QC_L, ['T'] = QC_L, ['U'] = QC_V, ['V'] = QC_L, ['W'] = QC_L, ['X'] = QC_L,
    ['Y'] = QC_L, ['Z'] = QC_L,
    ['a'] = QC_V, ['b'] = QC_L, ['c'] = QC_L, ['d'] = QC_L, ['e'] = QC_V, ['f'] = QC_L,
    ['g'] = QC_L, ['h'] = QC_L, ['i'] = QC_V, ['j'] = QC_L, ['k'] = QC_L, ['l'] = QC_L,
    ['m'] = QC_L, ['n'] = QC_L, ['o'] = QC_V, ['p'] = QC_L, ['q'] = QC_L, ['r'] = QC_L,
    ['s'] = QC_L, ['t'] = QC_L, ['u'] = QC_V, ['v'] = QC_L, ['w'] = QC_L, ['x'] = QC_L,
    ['y'] = QC_L, ['z'] = QC_L,
};

/* 1 when [p, p+n) is a queue ID: short (upper hex) or long (no vowels), 5..32 bytes. */
int pu_qid_valid(const char *p, size_t n)
{
    unsigned all = QC_ALNUM | QC_HEX, any = 0;
    if (n < 5 || n > 32)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned c = qid_class[(unsigned char)p[i]];
        all &= c;
        any |= c;
    }
    /* every byte a letter or digit, and all hex (short ID) or no vowel (long ID) */
    return (all & QC_ALNUM) && ((all & QC_HEX) || !(any & QC_VOWEL));
}

/* End of the run of ASCII letters and digits starting at p. */
static const char *alnum_run(const char *p, const char *e)
{
    while (p < e && (qid_class[(unsigned char)*p] & QC_ALNUM))
        p++;
    return p;
}

/* A queue ID at the cursor (no ": " needed); consumes it; 1 on success. */
int pu_qid_word(pu_cur *c, pt_slice *qid)
{
    const char *q = alnum_run(c->p, c->e);
    if (!pu_qid_valid(c->p, (size_t)(q - c->p)))
        return 0;
    *qid = pu_sl(c->p, q);
    c->p = q;
    return 1;
}

/* "QID: " (1, *qid set) or "NOQUEUE: " (2) at the cursor, consumed; else 0. */
int pu_qid_prefix(pu_cur *c, pt_slice *qid)
{
    pu_cur t = *c;
    if (pu_lit(&t, "NOQUEUE: ")) {
        *qid = pu_sl(c->p, c->p);
        *c = t;
        return 2;
    }
    if (!pu_qid_word(&t, qid) || !pu_lit(&t, ": "))
        return 0;
    *c = t;
    return 1;
}

/* Shared body of pu_addr_gt / pu_addr_comma; space_ok: unquoted spaces
 * may occur (see pu_trailer_walk). */
static const char *addr_scan(const char *p, const char *e, char stop, int space_ok)
{
    int quoted = 0;
    while (p < e) {
        unsigned char ch = (unsigned char)*p;
        if (quoted) {
            if (ch == '\\') {
                if (p + 1 >= e)
                    return NULL;
                p += 2;
                continue;
            }
            if (ch == '"')
                quoted = 0;
        } else {
            if (ch == (unsigned char)stop)
                return p;
            if (ch < ' ' || ch == 0x7f || (ch == ' ' && !space_ok))
                return NULL;
            if (ch == '"')
                quoted = 1;
        }
        p++;
    }
    return NULL;
}

/* The next '>' in [p, e) outside a quoted local part; NULL if none or a space first. */
const char *pu_addr_gt(const char *p, const char *e)
{
    return addr_scan(p, e, '>', 0);
}

/* The next ',' in [p, e) outside quotes; NULL if none or a space first. */
const char *pu_addr_comma(const char *p, const char *e)
{
    return addr_scan(p, e, ',', 0);
}

/* Consume up to 4 digits at the cursor; 1 when there were 1 to 3. */
static int digits_1_3(pu_cur *c)
{
    int n = 0;
    while (c->p < c->e && is_digit((unsigned char)*c->p) && n < 4) {
        c->p++;
        n++;
    }
    return n >= 1 && n <= 3;
}

/* An enhanced status code D.D{1,3}.D{1,3} (D in 2,4,5) at the cursor; 1 on success. */
int pu_dsn(pu_cur *c, pt_slice *dsn)
{
    pu_cur t = *c;
    if (t.p >= t.e || (*t.p != '2' && *t.p != '4' && *t.p != '5'))
        return 0;
    t.p++;
    if (!pu_lit(&t, ".") || !digits_1_3(&t) || !pu_lit(&t, ".")
        || !digits_1_3(&t))
        return 0;
    if (t.p < t.e && is_digit((unsigned char)*t.p))
        return 0;
    *dsn = pu_sl(c->p, t.p);
    *c = t;
    return 1;
}

/* A 3-digit SMTP code [2-5]DD at p followed by end, ' ' or '-'; the code or -1. */
int32_t pu_smtp_code(const char *p, const char *e)
{
    if (e - p < 3 || p[0] < '2' || p[0] > '5' || !is_digit((unsigned char)p[1])
        || !is_digit((unsigned char)p[2]))
        return -1;
    if (e - p > 3 && p[3] != ' ' && p[3] != '-')
        return -1;
    return (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
}

/* Split "554 5.7.1 text" into code (or -1), dsn (or absent) and reason. */
void pu_split_reply(pt_slice text, int32_t *code, pt_slice *dsn,
                    pt_slice *reason)
{
    pu_cur c = pu_cur_of(text);
    pt_slice d = { NULL, 0 };
    *code = pu_smtp_code(c.p, c.e);
    if (*code >= 0) {
        c.p += 3;
        if (c.p < c.e)
            c.p++;
    }
    {
        pu_cur t = c;
        if (pu_dsn(&t, &d) && (t.p == t.e || *t.p == ' ')) {
            if (t.p < t.e)
                t.p++;
            c = t;
        } else {
            d.p = NULL;
            d.n = 0;
        }
    }
    *dsn = d;
    *reason = pu_rest(&c);
}

/* Map a logged action word to SCHEMA.md's vocabulary; NULL if unknown. */
const char *pu_action_name(pt_slice a)
{
    static const char *const same[] = {
        "reject", "reject_warning", "hold", "discard", "redirect", "filter",
        "replace", "prepend", "milter-reject", "milter-hold", "milter-discard",
        NULL
    };
    static const char *const info[] = {
        "info", "strip", "bcc", "ignore", "dunno", "ok", NULL
    };
    int i;
    for (i = 0; same[i]; i++)
        if (pt_slice_eq(a, same[i]))
            return same[i];
    if (pt_slice_eq(a, "warn") || pt_slice_eq(a, "warning"))
        return "warning";
    for (i = 0; info[i]; i++)
        if (pt_slice_eq(a, info[i]))
            return "info";
    if (a.n > 7 && memcmp(a.p, "milter-", 7) == 0)
        return "info";
    return NULL;
}

/* ---- trailer engine ---- */

#define PU_TRAILER_BUDGET 256

/* Initialise a trailer context: separator, ": TEXT" tail allowed, step budget. */
void pu_tctx_init(pu_tctx *t, int comma, int text_tail)
{
    memset(t, 0, sizeof(*t));
    t->comma = comma;
    t->text_tail = text_tail;
    t->budget = PU_TRAILER_BUDGET;
}

/* Count one complete trailer reading; the first one is kept in t->best. */
static void leaf(pu_tctx *t)
{
    if (t->count == 0)
        t->best = t->cur;
    t->count++;
}

static const pt_slice no_slice = { NULL, 0 };

/* The slot in t->cur for trailer field i (0 from, 1 to, 2 proto, else helo). */
static pt_slice *field_of(pu_tctx *t, int i)
{
    switch (i) {
    case 0: return &t->cur.from;
    case 1: return &t->cur.to;
    case 2: return &t->cur.proto;
    default: return &t->cur.helo;
    }
}

/* Read trailer fields idx.. from [p, e) in every possible way, counting readings. */
static void walk(pu_tctx *t, const char *p, const char *e, int idx, int first)
{
    static const char *const names[4] = { "from=<", "to=<", "proto=", "helo=<" };
    const char *sep, *s, *g;
    pt_slice *f;
    int i;

    if (t->count >= 2)
        return;
    if (--t->budget < 0) {
        t->count = 2;
        return;
    }
    if (p == e) {
        leaf(t);
        return;
    }
    if (t->text_tail && !first && pu_starts(p, e, ": ")) {
        t->cur.text = pu_sl(p + 2, e);
        leaf(t);
        t->cur.text = no_slice;
        return;
    }
    sep = first ? " " : (t->comma ? ", " : " ");
    if (!pu_starts(p, e, sep))
        return;
    p += strlen(sep);
    for (i = idx; i < 4; i++)
        if (pu_starts(p, e, names[i]))
            break;
    if (i == 4)
        return;
    s = p + strlen(names[i]);
    f = field_of(t, i);
    switch (i) {
    case 0:
    case 1:
        /* with spaces allowed, an address ends at its first '>' */
        for (g = addr_scan(s, e, '>', t->spaces); g != NULL && t->count < 2;
             g = t->spaces ? NULL : addr_scan(g + 1, e, '>', 0)) {
            *f = pu_sl(s, g);
            walk(t, g + 1, e, i + 1, 0);
        }
        break;
    case 2:
        for (g = s; g < e && (is_alnum((unsigned char)*g) || *g == '-'
                              || *g == '_' || *g == '.');
             g++)
            ;
        if (g == s)
            return;
        *f = pu_sl(s, g);
        walk(t, g, e, 3, 0);
        break;
    default:
        for (g = pu_findc(s, e, '>'); g != NULL && t->count < 2;
             g = pu_findc(g + 1, e, '>')) {
            *f = pu_sl(s, g);
            walk(t, g + 1, e, 4, 0);
        }
        break;
    }
    *f = no_slice;
}

/* Count the readings of [p, e) as a trailer (p after the ';'); first into
 * t->best. Addresses hold no unquoted space (Postfix quotes them) unless no
 * reading exists without: smtpd logs an address it could not parse as the
 * client sent it ("from=<Print Connections>"). */
void pu_trailer_walk(pu_tctx *t, const char *p, const char *e)
{
    int budget = t->budget;
    walk(t, p, e, 0, 1);
    if (t->count == 0 && !t->spaces && pu_findc(p, e, ' ') != NULL) {
        t->spaces = 1;
        t->budget = budget;
        walk(t, p, e, 0, 1);
        t->spaces = 0;
    }
}

/* Skip a quoted local part echoed in text ("<\"...\"" with escapes). */
static const char *skip_quoted_local(const char *q, const char *e)
{
    /* q is at the '"' after '<'; returns the closing '"' or NULL */
    for (q++; q < e; q++) {
        if (*q == '\\') {
            if (++q >= e)
                return NULL;
        } else if (*q == '"') {
            return q;
        }
    }
    return NULL;
}

/* One pass over the ';' candidates; with skip_quoted, those inside a
 * "<\"...\"" quoted local part (an address echoed in the text) are not
 * tried. */
static const char *split_pass(pu_tctx *t, const char *p, const char *e,
                              int skip_quoted)
{
    const char *q, *found = NULL;
    for (q = p; q < e && t->count < 2; q++) {
        if (skip_quoted && *q == '"' && q > p && q[-1] == '<') {
            const char *end = skip_quoted_local(q, e);
            if (end != NULL) {
                q = end;
                continue;
            }
        }
        if (*q == ';') {
            int before = t->count;
            pu_trailer_walk(t, q + 1, e);
            if (before == 0 && t->count > 0)
                found = q;
        }
    }
    return found;
}

/* Find the ';' in [p, e) that starts the trailer; readings (0-2), *semi on 1. */
int pu_trailer_split(pu_tctx *t, const char *p, const char *e,
                     const char **semi)
{
    const char *found;
    int budget = t->budget;
    *semi = NULL;
    /* First the ';' outside quoted addresses: a recipient quoted by Postfix
     * may imitate a trailer inside the reply text. */
    found = split_pass(t, p, e, 1);
    if (t->count == 0) {
        t->budget = budget;
        found = split_pass(t, p, e, 0);
    }
    if (t->count == 1)
        *semi = found;
    return t->count;
}
