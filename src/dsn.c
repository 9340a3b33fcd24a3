/*
 * dsn.c - what an enhanced status code (RFC 3463, the registry RFC 5248
 * set up) means, in plain words, and what to do next. Class (2/4/5),
 * subject (X.N) and each registered detail code (X.N.M); the wording is
 * ours. Memory: static strings only. Thread-safety: reentrant.
 */
#include "dsn.h"

#include <stdio.h>
#include <string.h>

typedef struct detail {
    int subject, detail;
    const char *meaning;
    const char *next;           /* a next step for a failure, or NULL */
} detail;

static const detail details[] = {
    { 0, 0, "other or undefined status", NULL },
    { 1, 0, "something about an address", NULL },
    { 1, 1, "the recipient's mailbox does not exist there", "check the spelling of the address, or ask the recipient for a working one" },
    { 1, 2, "the recipient's domain or mail system does not exist or takes no mail", "check the part after the @" },
    { 1, 3, "the recipient address is not valid syntax", "fix the address" },
    { 1, 4, "the recipient address is ambiguous (it matches several mailboxes)", "use the recipient's full address" },
    { 1, 5, "the recipient address is valid", NULL },
    { 1, 6, "the recipient's mailbox has moved and there is no forwarding address", "ask the recipient for the new address" },
    { 1, 7, "the sender address is not valid syntax", "fix the sender address (the From of the envelope)" },
    { 1, 8, "the sender's domain is not valid or takes no mail", "the sending domain needs DNS that resolves (MX or A) before others accept its mail" },
    { 1, 9, "the message was relayed to a mail system that does not support delivery status notifications", NULL },
    { 1, 10, "the recipient's domain has a null MX: it accepts no mail at all", "the address cannot receive mail; ask for another" },
    { 2, 0, "something about the recipient's mailbox", NULL },
    { 2, 1, "the recipient's mailbox is disabled and takes no mail", "ask the recipient or their provider; the account may be closed" },
    { 2, 2, "the recipient's mailbox is full", "the recipient must make room; try again later" },
    { 2, 3, "the message is larger than the recipient's system allows", "send a smaller message (a link instead of the attachment)" },
    { 2, 4, "expanding a mailing list failed", "tell the list's owner" },
    { 3, 0, "something about the receiving mail system", NULL },
    { 3, 1, "the receiving mail system is full", "wait; the receiving side must free space" },
    { 3, 2, "the receiving system is not accepting mail now", "wait and retry; if it lasts, contact the receiving side" },
    { 3, 3, "the receiving system cannot do a feature the message needs", NULL },
    { 3, 4, "the message is too big for the receiving system", "send a smaller message" },
    { 3, 5, "the receiving system is misconfigured", "contact the receiving side's postmaster" },
    { 3, 6, "the requested priority was changed", NULL },
    { 4, 0, "something about the network or routing", NULL },
    { 4, 1, "no answer from the receiving host (connection refused or timed out)", "the receiving server is down or blocks this one; Postfix retries" },
    { 4, 2, "the connection to the receiving host broke", "Postfix retries; if it lasts, look at the network between the two" },
    { 4, 3, "a directory (DNS) lookup failed", "check DNS for the recipient's domain; Postfix retries" },
    { 4, 4, "no route to the destination (no usable MX or address)", "check the recipient domain's MX records" },
    { 4, 5, "the mail system is congested", "wait; Postfix retries" },
    { 4, 6, "a routing loop was detected", "the mail went in a circle: check MX records and relay settings" },
    { 4, 7, "delivery time expired: the message stayed in the queue too long", "the receiving side was unreachable for days; the sender may resend" },
    { 5, 0, "something about the SMTP protocol", NULL },
    { 5, 1, "a command was not valid", NULL },
    { 5, 2, "a command had a syntax error", NULL },
    { 5, 3, "too many recipients in one message", "send to fewer recipients at once" },
    { 5, 4, "a command's arguments were not valid", NULL },
    { 5, 5, "wrong protocol version", NULL },
    { 5, 6, "an authentication exchange line was too long", NULL },
    { 6, 0, "something about the message's content or media", NULL },
    { 6, 1, "a media type in the message is not supported", NULL },
    { 6, 2, "a conversion was needed but is not allowed", NULL },
    { 6, 3, "a conversion was needed but is not supported", NULL },
    { 6, 4, "a conversion was done with loss", NULL },
    { 6, 5, "a conversion failed", NULL },
    { 6, 6, "the message content is not available", NULL },
    { 6, 7, "non-ASCII addresses are not allowed for that sender or recipient", "use an ASCII address" },
    { 6, 8, "a UTF-8 reply is needed but the client does not allow it", NULL },
    { 6, 9, "a message with UTF-8 headers cannot be passed to some recipients", NULL },
    { 6, 10, "(registered as a duplicate of X.6.8)", NULL },
    { 7, 0, "something about security or policy", NULL },
    { 7, 1, "the receiving side refused the message by its policy (spam filter, block list, not allowed to relay)", "ask the receiving side why, or check whether this server is on a block list" },
    { 7, 2, "expanding the mailing list is not allowed", NULL },
    { 7, 3, "a security conversion is needed but not possible", NULL },
    { 7, 4, "a security feature is not supported", NULL },
    { 7, 5, "a cryptographic operation failed", NULL },
    { 7, 6, "a cryptographic algorithm is not supported", NULL },
    { 7, 7, "the message's integrity check failed", NULL },
    { 7, 8, "the authentication credentials were not valid", "check the user name and password" },
    { 7, 9, "the authentication mechanism is too weak", NULL },
    { 7, 10, "encryption is needed", "turn on TLS between the two" },
    { 7, 11, "encryption is required for this authentication mechanism", "turn on TLS before authenticating" },
    { 7, 12, "a password transition is needed", NULL },
    { 7, 13, "the user account is disabled", NULL },
    { 7, 14, "a trust relationship is required", NULL },
    { 7, 15, "the priority level is too low", NULL },
    { 7, 16, "the message is too big for the requested priority", NULL },
    { 7, 17, "the mailbox has a new owner (RRVS)", NULL },
    { 7, 18, "the domain has a new owner (RRVS)", NULL },
    { 7, 19, "an RRVS test could not be completed", NULL },
    { 7, 20, "no passing DKIM signature was found", "sign outgoing mail with DKIM" },
    { 7, 21, "no acceptable DKIM signature was found", "sign outgoing mail with DKIM" },
    { 7, 22, "no valid DKIM signature of the author's domain was found", "sign with the From domain's DKIM key" },
    { 7, 23, "the sender's SPF check failed", "add this server to the sending domain's SPF record" },
    { 7, 24, "the sender's SPF check could not be done (an error)", "fix the sending domain's SPF record" },
    { 7, 25, "the reverse DNS check of this server failed", "give this server's IP address a PTR record that resolves back" },
    { 7, 26, "several authentication checks failed", "check SPF, DKIM and reverse DNS for the sending domain and server" },
    { 7, 27, "the sender's domain has a null MX (it takes no mail, so no replies)", "send from a domain that accepts mail" },
    { 7, 28, "a mail flood was detected", NULL },
    { 7, 29, "the ARC validation failed", NULL },
    { 7, 30, "REQUIRETLS support is required", NULL },
};

/* The class's words: 2 delivered, 4 temporary, 5 permanent. */
const char *pt_dsn_class_words(int cls)
{
    switch (cls) {
    case 2: return "success";
    case 4: return "a temporary failure (Postfix keeps trying)";
    case 5: return "a permanent failure (no more tries)";
    default: return NULL;
    }
}

/* Read "C.S.D" into its three numbers; 0, or -1 when it is no code. */
static int split(const char *code, int *c, int *s, int *d)
{
    char tail;
    if (!code || sscanf(code, "%d.%d.%d%c", c, s, d, &tail) != 3)
        return -1;
    return (*c == 2 || *c == 4 || *c == 5) && *s >= 0 && *s < 1000 && *d >= 0 && *d < 1000 ? 0 : -1;
}

/* The registered detail of a code, or NULL. */
static const detail *find(int s, int d)
{
    for (size_t i = 0; i < sizeof details / sizeof details[0]; i++)
        if (details[i].subject == s && details[i].detail == d)
            return &details[i];
    return NULL;
}

/* The plain meaning of an enhanced status code; NULL when unknown. */
const char *pt_dsn_meaning(const char *code)
{
    int c, s, d;
    if (split(code, &c, &s, &d))
        return NULL;
    const detail *x = find(s, d);
    if (!x)
        x = find(s, 0);                 /* an unregistered detail: its subject */
    return x ? x->meaning : NULL;
}

/* A next step for a failure's code; NULL when there is nothing to say. */
const char *pt_dsn_next_step(const char *code)
{
    int c, s, d;
    if (split(code, &c, &s, &d) || c == 2)
        return NULL;
    const detail *x = find(s, d);
    return x ? x->next : NULL;
}

/* How many detail codes the table knows (for the tests). */
size_t pt_dsn_known(void)
{
    return sizeof details / sizeof details[0];
}
