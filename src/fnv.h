/*
 * fnv.h - FNV-1a, the hash of the command's own tables (chains' queue-ID
 * index, the summary's counters). Reentrant; nothing kept.
 */
#ifndef PT_FNV_H
#define PT_FNV_H

#include <stddef.h>
#include <stdint.h>

#define PT_FNV_SEED 1469598103934665603ull

/* FNV-1a of n bytes of p, going on from h (PT_FNV_SEED to start). */
static inline uint64_t pt_fnv1a(uint64_t h, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
    return h;
}

#endif
