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
int pt_recfile_init(pt_recfile *f, const char *path, mode_t file_mode, mode_t dir_mode)
{
    f->fd = -1;
    f->file_mode = file_mode;
    f->dir_mode = dir_mode;
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

/* Open the file for appending, making its directories first. */
int pt_recfile_open(pt_recfile *f)
{
    if (f->fd >= 0)
        return 0;
    int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY;
    f->fd = open(f->path, flags, f->file_mode);
    if (f->fd < 0 && errno == ENOENT && pt_mkdirs_for(f->path, f->dir_mode) == 0)
        f->fd = open(f->path, flags, f->file_mode);
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
