/*
 * output.h - the records file: JSON Lines appended with O_APPEND, written
 * only as whole records. A write that fails part-way (ENOSPC, EIO) is cut
 * back to the size the file had before it, so a reader never sees half a
 * record; the caller keeps the records and retries later. Missing parent
 * directories are created, and a created file gets its mode, owner and
 * group, as rsyslog's omfile does (createDirs, fileCreateMode ...).
 *
 * Memory: owns a copy of the path and its batch buffer.
 * Thread-safety: as its owner (the runner: one thread at a time).
 */
#ifndef PT_OUTPUT_H
#define PT_OUTPUT_H

#include <stddef.h>
#include <sys/types.h>

/* How the file and its directories are made. */
typedef struct pt_file_perms {
    mode_t file_mode, dir_mode; /* when created (the process's umask applies) */
    uid_t uid;                  /* owner given to a created file; (uid_t)-1: keep */
    gid_t gid;                  /* group given to a created file; (gid_t)-1: keep */
    int create_dirs;            /* make missing parent directories */
} pt_file_perms;

typedef struct pt_recfile {
    char *path;
    pt_file_perms perms;
    int fd;                     /* -1 while closed */
} pt_recfile;

/* Set up (nothing opened yet); -1 on no memory. */
int pt_recfile_init(pt_recfile *f, const char *path, const pt_file_perms *perms);

/* Write n bytes (whole records, each ending in '\n'), opening the file
 * (and its directories) first when needed. 0: all written; -1 with errno:
 * nothing of it is in the file (a partial write was cut back) and the file
 * is closed, to be opened afresh at the next try. */
int pt_recfile_write(pt_recfile *f, const char *data, size_t n);

/* Open now (creating it, with its owner and group, and its directories
 * when allowed); 0 or -1 with errno. A created file that cannot be given
 * its owner or group is removed again and -1 returned (EPERM ...). */
int pt_recfile_open(pt_recfile *f);

/* Close (reopened by the next write: log rotation). */
void pt_recfile_close(pt_recfile *f);

/* Close and free the path. */
void pt_recfile_destroy(pt_recfile *f);

/* Create the directories leading to path (not path itself); 0 or -1. */
int pt_mkdirs_for(const char *path, mode_t mode);

#endif
