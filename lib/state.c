/*
 * state.c - save and load open entries (the daemons' state file). Not yet
 * implemented: saving reports ENOSYS and loading rejects every file.
 */
#include "core_internal.h"

#include <errno.h>

/* Save open entries (not yet implemented). */
int pt_core_save(pt_core *c, FILE *f)
{
    (void)c;
    (void)f;
    errno = ENOSYS;
    return -1;
}

/* Load saved entries (not yet implemented). */
int pt_core_load(pt_core *c, FILE *f)
{
    (void)c;
    (void)f;
    return -1;
}
