/*
 * hash.h - the core's hash of byte strings: eight bytes per step (two
 * 64-bit words multiplied into 128 bits and folded, the "mum" step of
 * wyhash), so a 100-byte line costs about 15 steps where byte-at-a-time
 * FNV-1a cost 100 dependent multiplies (docs/benchmarks.md). Not a
 * cryptographic hash: tables keyed by hostile text are bounded by the
 * caller (entries, sessions), and duplicate detection compares a mail's
 * own lines only.
 *
 * The values are stable across runs and builds on one byte order: the
 * duplicate check keeps them in state files (format version 3).
 *
 * Memory: none. Thread-safety: pure functions.
 */
#ifndef PT_HASH_H
#define PT_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define PT_HASH_K0 0xa0761d6478bd642fULL
#define PT_HASH_K1 0xe7037ed1a0b428dbULL
#define PT_HASH_K2 0x8ebc6af09c88c6e3ULL

/* Multiply a by b into 128 bits and fold the halves. */
static inline uint64_t pt_hash_mum(uint64_t a, uint64_t b)
{
    __extension__ typedef unsigned __int128 u128;
    u128 r = (u128)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/* The 8 bytes at p, in the machine's order. */
static inline uint64_t pt_hash_load8(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* The 1-7 bytes at p, as one word. */
static inline uint64_t pt_hash_load_tail(const unsigned char *p, size_t n)
{
    if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, p, 4);
        memcpy(&b, p + n - 4, 4);
        return (uint64_t)a << 32 | b;
    }
    return (uint64_t)p[0] << 16 | (uint64_t)p[n >> 1] << 8 | p[n - 1];
}

/* Hash n bytes at s, going on from seed (chain calls to hash several). */
static inline uint64_t pt_hash_bytes(uint64_t seed, const void *s, size_t n)
{
    const unsigned char *p = s;
    uint64_t h = seed ^ PT_HASH_K0;
    size_t left = n;
    while (left > 16) {
        h = pt_hash_mum(pt_hash_load8(p) ^ PT_HASH_K1, pt_hash_load8(p + 8) ^ h);
        p += 16;
        left -= 16;
    }
    uint64_t a = 0, b = 0;
    if (left > 8) {
        a = pt_hash_load8(p);
        b = pt_hash_load8(p + left - 8);
    } else if (left > 0) {
        a = pt_hash_load_tail(p, left);
    }
    h = pt_hash_mum(a ^ PT_HASH_K1, b ^ h);
    return pt_hash_mum(h ^ PT_HASH_K2, (uint64_t)n ^ PT_HASH_K1);
}

#endif
