/*
 * program.c - program names ("postfix-out/amavis/smtp": which count as
 * Postfix, see pt_names), relays and client addresses ("name[ip]:port") as
 * Postfix writes them.
 * Allocates nothing; the filled slices point into the input (the line).
 */
#include <string.h>
#include "postfix-trace/event.h"
#include "parse_internal.h"

/* The names that count as Postfix when none are configured. */
static const pt_names default_names = { 1, { 7 }, { "postfix" } };

/* Read a comma-separated list of syslog_name prefixes ("postfix,mta") into
 * *out; -1 when it is empty, too long, or holds an empty, over-long or
 * non-printable name, or one with '/'. */
int pt_names_parse(const char *list, pt_names *out)
{
    memset(out, 0, sizeof(*out));
    if (list == NULL)
        return -1;
    const char *p = list;
    for (;;) {
        const char *q = p;
        while (*q && *q != ',')
            q++;
        size_t n = (size_t)(q - p);
        if (n == 0 || n >= PT_NAME_LEN || out->n >= PT_NAMES_MAX)
            return -1;
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)p[i] <= ' ' || (unsigned char)p[i] >= 0x7f || p[i] == '/')
                return -1;
        memcpy(out->name[out->n], p, n);
        out->len[out->n++] = (uint8_t)n;
        if (*q == '\0')
            return 0;
        p = q + 1;
    }
}

/* The length of the first of names that [p, e) starts with, 0 if none
 * (names hold no '/': a match lies within the program's first part). */
static size_t name_counts(const char *p, const char *e, const pt_names *names)
{
    if (names == NULL)
        names = &default_names;
    for (int i = 0; i < names->n; i++)
        if ((size_t)(e - p) >= names->len[i] && p[0] == names->name[i][0]
            && memcmp(p, names->name[i], names->len[i]) == 0)
            return names->len[i];
    return 0;
}

/* How a program name counts (names NULL: "postfix"): PT_PROG_DAEMON for
 * "NAME.../daemon", PT_PROG_BARE for a syslog name without its daemon
 * ("postfix", as rsyslog relays it), PT_PROG_OTHER for anything else. */
pt_prog_kind pt_program_kind(pt_slice program, const pt_names *names)
{
    const char *p = program.p, *e = p + program.n;
    if (p == NULL || program.n == 0)
        return PT_PROG_OTHER;
    size_t matched = name_counts(p, e, names);     /* the name's length, 0: none */
    if (matched == 0)
        return PT_PROG_OTHER;
    const char *first = p + matched;
    while (first < e && *first != '/')
        first++;
    if (first == e)
        return PT_PROG_BARE;
    return e[-1] == '/' ? PT_PROG_OTHER : PT_PROG_DAEMON;
}

/* Split a program name ("postfix/submission/smtpd") into *out; 1 if it
 * names a daemon of one of names (NULL: "postfix"). */
int pt_program_split_names(pt_slice program, const pt_names *names, pt_program *out)
{
    memset(out, 0, sizeof(*out));
    if (pt_program_kind(program, names) != PT_PROG_DAEMON)
        return 0;
    pt_program_split_daemon(program, out);
    return 1;
}

/* Split a name pt_program_kind called PT_PROG_DAEMON into *out. */
void pt_program_split_daemon(pt_slice program, pt_program *out)
{
    const char *p = program.p, *e, *first, *last;
    e = p + program.n;
    first = pu_findc(p, e, '/');
    last = e;
    while (last > p && last[-1] != '/')
        last--;
    /* last is the start of the daemon part; last - 1 is a '/' */
    out->syslog_name = pu_sl(p, last - 1);
    out->daemon = pu_sl(last, e);
    if (last - 1 > first)
        out->transport = pu_sl(first + 1, last - 1);
    else
        out->transport = pu_sl(last - 1, last - 1);
}

/* Split a program name with the default names ("postfix"); 1 if Postfix. */
int pt_program_split(pt_slice program, pt_program *out)
{
    return pt_program_split_names(program, NULL, out);
}

/* Does the program name a Postfix daemon (as pt_program_split says)? */
int pt_program_is_postfix(pt_slice program)
{
    return pt_program_kind(program, NULL) == PT_PROG_DAEMON;
}

/* The address part of a delivery's relay ("host[ip]:port", or
 * "host[private/socket]" for a UNIX-domain socket): 1 with *addr set and
 * *is_socket saying which, 0 when there is none ("none", "local"). */
int pt_relay_address(pt_slice relay, pt_slice *addr, int *is_socket)
{
    if (!relay.p)
        return 0;
    const char *e = relay.p + relay.n;
    const char *lb = pu_findc(relay.p, e, '[');
    const char *rb = lb ? pu_findc(lb, e, ']') : NULL;
    if (!rb || rb == lb + 1)
        return 0;
    *addr = pu_sl(lb + 1, rb);
    *is_socket = pu_findc(lb + 1, rb, '/') != NULL;
    return 1;
}

/* Split a delivery's relay field ("host[ip]:port", "host[private/lmtp]",
 * "host[/run/dovecot/lmtp]") into *r: name (not "unknown"), ip (not for a
 * socket), port (-1 when absent). 0 when it has no "name[...]" shape
 * ("none", "local", "dovecot"). */
int pt_relay_split(pt_slice relay, pt_client *r)
{
    pt_slice addr;
    int is_socket;
    memset(r, 0, sizeof(*r));
    r->port = -1;
    if (!pt_relay_address(relay, &addr, &is_socket))
        return 0;
    const char *e = relay.p + relay.n, *rb = addr.p + addr.n;
    if (!is_socket) {
        pt_client c;
        if (pt_parse_client(relay, &c) != relay.n)
            return 0;
        *r = c;
        return 1;
    }
    if (rb + 1 != e)            /* a socket has no port */
        return 0;
    r->name = pu_sl(relay.p, addr.p - 1);
    if (r->name.n == 0 || pt_slice_eq(r->name, "unknown"))
        r->name = pu_sl(relay.p, relay.p);
    return 1;
}

/* 1 when ch may appear between a client's brackets (IPv4, IPv6, scope, name). */
static int ip_char(unsigned char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z')
           || (ch >= 'A' && ch <= 'Z') || ch == '.' || ch == ':' || ch == '%'
           || ch == '_' || ch == '-';
}

/* Parse "NAME[IP]:PORT" at s into *c; bytes consumed, 0 if none. */
size_t pt_parse_client(pt_slice s, pt_client *c)
{
    static const pt_slice none = { NULL, 0 };
    const char *p = s.p, *e, *q, *name_end, *ip, *ip_end;
    int32_t port = -1;
    if (p == NULL || s.n == 0)
        return 0;
    e = p + s.n;
    for (q = p; q < e && *q != '['; q++) {
        unsigned char ch = (unsigned char)*q;
        if (ch <= ' ' || ch == 0x7f || ch == ']' || ch == '<' || ch == '>'
            || ch == ';' || ch == ',')
            return 0;
    }
    if (q >= e)
        return 0;
    name_end = q;
    ip = ++q;
    while (q < e && ip_char((unsigned char)*q) && q - ip <= 64)
        q++;
    if (q >= e || *q != ']' || q == ip)
        return 0;
    ip_end = q++;
    if (q + 1 < e && *q == ':' && q[1] >= '0' && q[1] <= '9') {
        pu_cur c2 = pu_cur_make(q + 1, e);
        int64_t v;
        if (!pu_uint(&c2, 65535, &v))
            return 0;
        port = (int32_t)v;
        q = c2.p;
    }
    c->name = pu_sl(p, name_end);
    if (pt_slice_eq(c->name, "unknown") || c->name.n == 0)
        c->name = none;
    c->ip = pu_sl(ip, ip_end);
    if (pt_slice_eq(c->ip, "unknown"))
        c->ip = none;
    c->port = port;
    return (size_t)(q - p);
}
