/*
 * program.c - program names ("postfix-out/amavis/smtp") and client
 * addresses ("name[ip]:port") as Postfix writes them.
 * Allocates nothing; the filled slices point into the input (the line).
 */
#include <string.h>
#include "postfix-trace/event.h"
#include "parse_util.h"

/* Split a program name ("postfix/submission/smtpd") into *out; 1 if Postfix. */
int pt_program_split(pt_slice program, pt_program *out)
{
    const char *p = program.p, *e, *first, *last;
    memset(out, 0, sizeof(*out));
    if (p == NULL || program.n == 0)
        return 0;
    e = p + program.n;
    first = pu_findc(p, e, '/');
    if (first == NULL || !pu_starts(p, first, "postfix"))
        return 0;
    last = e;
    while (last > p && last[-1] != '/')
        last--;
    /* last is the start of the daemon part; last - 1 is a '/' */
    if (last == e)
        return 0;
    out->syslog_name = pu_sl(p, last - 1);
    out->daemon = pu_sl(last, e);
    if (last - 1 > first)
        out->transport = pu_sl(first + 1, last - 1);
    else
        out->transport = pu_sl(last - 1, last - 1);
    return 1;
}

/* Does the program name a Postfix daemon (as pt_program_split says, without
 * splitting it)? */
int pt_program_is_postfix(pt_slice program)
{
    const char *p = program.p, *e = p + program.n;
    if (!p || program.n < 9 || memcmp(p, "postfix", 7) != 0 || e[-1] == '/')
        return 0;
    const char *first = pu_findc(p, e, '/');
    return first != NULL && first > p;
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
