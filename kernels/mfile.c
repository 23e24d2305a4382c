/* mfile.c — opening a model file: recognises the container by content
 * (GGUF magic, else safetensors), maps it read-only, and for safetensors
 * reads config.json from the same directory. Also the metadata and tensor
 * lookups shared by both containers. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernels/mfile.h"

static int read_small(const char *path, char **out, size_t *len, rf_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return rf_errf(err, RF_EIO, "%s: %s", path, strerror(errno));
    size_t cap = 4096, n = 0, r;
    char *b = rf_xmalloc(cap);
    while ((r = fread(b + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            if (cap > ((size_t)16 << 20)) {
                fclose(f);
                free(b);
                return rf_errf(err, RF_EFORMAT, "%s: larger than 16 MiB, not a config", path);
            }
            cap *= 2;
            b = rf_xrealloc(b, cap);
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(b);
        return rf_errf(err, RF_EIO, "%s: read error", path);
    }
    *out = b;
    *len = n;
    return 0;
}

int rf_mfile_open(rf_mfile *m, const char *path, rf_err *err)
{
    memset(m, 0, sizeof *m);
    struct stat st;
    char *file = NULL, *dir = NULL;
    int rc = 0, fd = -1;
    if (stat(path, &st) != 0)
        return rf_errf(err, RF_EIO, "%s: %s", path, strerror(errno));
    size_t pl = strlen(path);
    if (S_ISDIR(st.st_mode)) {
        dir = rf_xstrdup(path);
        file = rf_xmalloc(pl + 32);
        snprintf(file, pl + 32, "%s/model.safetensors", path);
    } else {
        file = rf_xstrdup(path);
        const char *slash = strrchr(path, '/');
        dir = slash ? rf_xstrndup(path, (size_t)(slash - path)) : rf_xstrdup(".");
    }
    m->path = file;
    fd = open(file, O_RDONLY);
    if (fd < 0 || fstat(fd, &st) != 0) {
        rc = rf_errf(err, RF_EIO, "%s: %s", file, strerror(errno));
        goto out;
    }
    if (st.st_size < 8) {
        rc = rf_errf(err, RF_EFORMAT, "%s: too short to be a model file", file);
        goto out;
    }
    m->map_len = (size_t)st.st_size;
    m->map = mmap(NULL, m->map_len, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m->map == MAP_FAILED) {
        m->map = NULL;
        rc = rf_errf(err, RF_EIO, "%s: mmap: %s", file, strerror(errno));
        goto out;
    }
    if (!memcmp(m->map, "GGUF", 4)) {
        rc = rf_gguf_parse(m, m->map, m->map_len, err);
        goto out;
    }
    rc = rf_safetensors_parse(m, m->map, m->map_len, err);
    if (rc)
        goto out;
    size_t dl = strlen(dir) + 16;
    char *cfg = rf_xmalloc(dl);
    snprintf(cfg, dl, "%s/config.json", dir);
    rc = read_small(cfg, &m->config, &m->config_len, err);
    if (rc)
        rf_err_prefix(err, "safetensors model needs config.json beside it");
    else
        rc = rf_hfconfig_parse(m, m->config, m->config_len, err);
    if (rc)
        rf_err_prefix(err, "%s", cfg);
    free(cfg);
out:
    if (fd >= 0)
        close(fd);
    free(dir);
    return rc;
}

void rf_mfile_release(rf_mfile *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->ntensors; i++)
        free((char *)m->tensors[i].name);
    for (size_t i = 0; i < m->nmeta; i++)
        free((char *)m->meta[i].key);
    free(m->tensors);
    free(m->meta);
    free(m->config);
    if (m->map)
        munmap(m->map, m->map_len);
    free((char *)m->path);
    memset(m, 0, sizeof *m);
}

const rf_meta *rf_mfile_meta(const rf_mfile *m, const char *key)
{
    for (size_t i = 0; i < m->nmeta; i++)
        if (m->meta[i].key && !strcmp(m->meta[i].key, key))
            return &m->meta[i];
    return NULL;
}

const rf_tensor_view *rf_mfile_tensor(const rf_mfile *m, const char *name)
{
    for (size_t i = 0; i < m->ntensors; i++)
        if (m->tensors[i].name && !strcmp(m->tensors[i].name, name))
            return &m->tensors[i];
    return NULL;
}
