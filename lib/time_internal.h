/*
 * time_internal.h - calendar helpers shared by time.c and header.c.
 * pt_tz_cache: the zone offset of the last local hour converted; owned by
 * its caller (one per header reader). Thread-safety: as its owner.
 */
#ifndef PT_TIME_INTERNAL_H
#define PT_TIME_INTERNAL_H

#include <stdint.h>
#include "postfix-trace/line.h"

typedef struct pt_tz_cache {
    int64_t hour_key;           /* days * 24 + hour of the cached offset */
    int offset_min;
    int valid;
} pt_tz_cache;

/* Days since 1970-01-01 of the civil date y-m-d. */
int64_t pt_days_from_civil(int64_t y, unsigned m, unsigned d);

/* Local civil time (TZ zone) to *t, offset cached per hour in *cache. */
void pt_time_from_local(pt_tz_cache *cache, int64_t y, int m, int d, int hh,
                        int mm, int ss, pt_time *t);

#endif
