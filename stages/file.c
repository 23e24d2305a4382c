/* file.c — whole-file reads and read-only mappings (file.h): one place for
 * the open / fstat / regular-file check / read-or-mmap sequence that every
 * model, tokenizer and index loader needs. */
#define _POSIX_C_SOURCE 200809L
#include "stages/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Opens path for reading and checks that it is a regular file. */
static int open_regular(const char *path, int *fd, size_t *size, rf_err *err)
{
    *fd = open(path, O_RDONLY | O_CLOEXEC);
    if (*fd < 0)
        return rf_errf(err, RF_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(*fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(*fd);
        return rf_errf(err, RF_EIO, "%s: not a regular file", path);
    }
    *size = (size_t)st.st_size;
    return 0;
}

int rf_file_read(const char *path, unsigned char **data, size_t *n, rf_err *err)
{
    *data = NULL;
    *n = 0;
    int fd;
    size_t size;
    int rc = open_regular(path, &fd, &size, err);
    if (rc)
        return rc;
    unsigned char *buf = rf_xmalloc(size + 1);
    size_t got = 0;
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            int e = errno;
            close(fd);
            free(buf);
            return rf_errf(err, RF_EIO, "%s: read failed: %s", path,
                           r ? strerror(e) : "file shrank while reading");
        }
        got += (size_t)r;
    }
    close(fd);
    buf[size] = '\0';
    *data = buf;
    *n = size;
    return 0;
}

int rf_file_map_open(rf_file_map *m, const char *path, rf_err *err)
{
    m->p = NULL;
    m->n = 0;
    int fd;
    size_t size;
    int rc = open_regular(path, &fd, &size, err);
    if (rc)
        return rc;
    if (size) {
        void *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            int e = errno;
            close(fd);
            return rf_errf(err, RF_EIO, "%s: cannot map: %s", path, strerror(e));
        }
        m->p = p;
        m->n = size;
    }
    close(fd);
    return 0;
}

void rf_file_map_close(rf_file_map *m)
{
    if (m->p)
        munmap(m->p, m->n);
    m->p = NULL;
    m->n = 0;
}
