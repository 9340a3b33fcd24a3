/*
 * output.c - the records file (see output.h): whole-record appends, cut
 * back on a partial write, directories created on demand.
 */
#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Set up a records file. */
int pt_recfile_init(pt_recfile *f, const char *path, const pt_file_perms *perms)
{
    f->fd = -1;
    f->perms = *perms;
    f->path = strdup(path);
    return f->path ? 0 : -1;
}

/* Create the directories leading to path. */
int pt_mkdirs_for(const char *path, mode_t mode)
{
    size_t n = strlen(path);
    char *p = malloc(n + 1);
    if (!p)
        return -1;
    memcpy(p, path, n + 1);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, mode) != 0 && errno != EEXIST) {
            int e = errno;
            free(p);
            errno = e;
            return -1;
        }
        *s = '/';
    }
    free(p);
    return 0;
}

/* Create the file (O_EXCL) and give it its owner and group; the fd, or -1. */
static int create_file(pt_recfile *f, int flags)
{
    int fd = open(f->path, flags | O_CREAT | O_EXCL, f->perms.file_mode);
    if (fd < 0 && errno == ENOENT && f->perms.create_dirs
        && pt_mkdirs_for(f->path, f->perms.dir_mode) == 0)
        fd = open(f->path, flags | O_CREAT | O_EXCL, f->perms.file_mode);
    if (fd < 0 || (f->perms.uid == (uid_t)-1 && f->perms.gid == (gid_t)-1))
        return fd;
    if (fchown(fd, f->perms.uid, f->perms.gid) != 0) {
        int e = errno;
        close(fd);
        unlink(f->path);            /* not left behind with the wrong owner */
        errno = e;
        return -1;
    }
    return fd;
}

/* Open the file for appending; create it (and its directories) if missing. */
int pt_recfile_open(pt_recfile *f)
{
    if (f->fd >= 0)
        return 0;
    int flags = O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY;
    f->fd = open(f->path, flags);
    if (f->fd < 0 && errno == ENOENT)
        f->fd = create_file(f, flags);
    if (f->fd < 0 && errno == EEXIST)               /* made meanwhile by someone else */
        f->fd = open(f->path, flags);
    return f->fd < 0 ? -1 : 0;
}

/* Write whole records or nothing. */
int pt_recfile_write(pt_recfile *f, const char *data, size_t n)
{
    if (f->fd < 0 && pt_recfile_open(f) != 0)
        return -1;
    struct stat st;
    if (fstat(f->fd, &st) != 0) {
        int e = errno;
        pt_recfile_close(f);
        errno = e;
        return -1;
    }
    size_t off = 0;
    while (off < n) {
        ssize_t w = write(f->fd, data + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = w < 0 ? errno : ENOSPC;
            if (off > 0 && ftruncate(f->fd, st.st_size) != 0)
                e = errno;          /* could not cut back: say why */
            pt_recfile_close(f);
            errno = e;
            return -1;
        }
        off += (size_t)w;
    }
    return 0;
}

/* Close the file. */
void pt_recfile_close(pt_recfile *f)
{
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
}

/* Close and free. */
void pt_recfile_destroy(pt_recfile *f)
{
    pt_recfile_close(f);
    free(f->path);
    f->path = NULL;
}
