/*
 * chain.h - show a mail with the mails linked to it: a query's answer holds
 * the original, its content-filter copy (or relay's re-injection), its
 * bounce notice and forwarded copies together, whichever of them matched.
 * Records are kept in an unlinked temporary file while the input is read;
 * memory holds only an index (host, queue ID, the IDs it links to, where
 * its text is), and the links join records into chains (union-find).
 * Following a live log, a record is written as soon as it comes, with the
 * linked mails that come after a match.
 * Memory: the chains own the index and the temporary file.
 * Thread-safety: single-threaded use.
 */
#ifndef PT_CHAIN_H
#define PT_CHAIN_H

#include <stddef.h>

struct json_object;

typedef struct pt_chains pt_chains;

/* Called per record of a chain that holds a match, chain by chain, in
 * order of first_seen within a chain. json is the record's text (not
 * NUL-terminated), rec its parse (NULL when not asked for); member is 0
 * for the first record of a chain, then 1, 2, ...; linked says it did not
 * match by itself. */
typedef void (*pt_chain_fn)(void *ctx, const char *json, size_t len, struct json_object *rec,
                            int member, int chain_size, int linked);

#define PT_CHAIN_FOLLOW_NODES 200000     /* following: queue IDs remembered at most */
#define PT_CHAIN_RING 4096               /* following: recent records kept for links */
#define PT_CHAIN_RING_BYTES (16u << 20)  /* ... and their bytes at most */

/* New chains; following: no text kept (pt_chains_follow only). NULL
 * (errno) when no memory or temporary file. */
pt_chains *pt_chains_new(int following);

/* Following: join the record's links. Returns 1 when it matched, 2 when
 * it is linked to a chain a matched record is in (write it as linked), 0
 * when not (it is kept among the recent records). Before returning 1 or 2
 * it hands the chain's recent records not written yet to earlier (linked
 * 1), oldest first. What is remembered is bounded: PT_CHAIN_RING recent
 * records, and past PT_CHAIN_FOLLOW_NODES queue IDs the chains start
 * afresh. */
int pt_chains_follow(pt_chains *c, const char *json, size_t len, struct json_object *rec,
                     int matched, pt_chain_fn earlier, void *ctx);

/* Keep a record; matched says the query chose it. 0, or -1 (errno). */
int pt_chains_add(pt_chains *c, const char *json, size_t len, struct json_object *rec,
                  int matched);

/* Hand every chain that holds a matched record to fn (with its parse
 * when parse is set, else rec NULL). 0, or -1 (errno) when the kept text
 * could not be read back. */
int pt_chains_emit(pt_chains *c, pt_chain_fn fn, void *ctx, int parse);

/* Free (and drop the temporary file). */
void pt_chains_free(pt_chains *c);

#endif
