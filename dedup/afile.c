/* afile.c — atomic, seekable output files for the dedup steps (see afile.h)
 * and a checked pread. */
#define _XOPEN_SOURCE 700
#include "dedup/afile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dedup/dedup.h"
#include "stages/buf.h"
#include "stages/io.h"

int rf_afile_open(rf_afile *f, const char *path, rf_err *err)
{
    memset(f, 0, sizeof *f);
    int rc = rf_mkdir_parents(path, err);
    if (rc)
        return rc;
    rf_buf t = RF_BUF_INIT;
    rf_buf_addf(&t, "%s.tmp.%ld", path, (long)getpid());
    f->tmp = rf_buf_detach(&t, NULL);
    f->f = fopen(f->tmp, "wb");
    if (!f->f) {
        rc = rf_errf(err, RF_EIO, "%s: cannot create: %s", f->tmp, strerror(errno));
        free(f->tmp);
        f->tmp = NULL;
        return rc;
    }
    f->path = rf_xstrdup(path);
    return 0;
}

int rf_afile_write(rf_afile *f, const void *p, size_t n, rf_err *err)
{
    if (n && fwrite(p, 1, n, f->f) != n)
        return rf_errf(err, RF_EIO, "%s: write failed: %s", f->tmp, strerror(errno));
    return 0;
}

int rf_afile_commit(rf_afile *f, const void *head, size_t n, rf_err *err)
{
    int rc = 0;
    if (head && (fseek(f->f, 0, SEEK_SET) != 0 || fwrite(head, 1, n, f->f) != n))
        rc = rf_errf(err, RF_EIO, "%s: write failed: %s", f->tmp, strerror(errno));
    if (!rc && fflush(f->f) != 0)
        rc = rf_errf(err, RF_EIO, "%s: write failed: %s", f->tmp, strerror(errno));
    if (!rc)
        rf_dedup_crash_point();
    if (fclose(f->f) != 0 && !rc)
        rc = rf_errf(err, RF_EIO, "%s: close failed: %s", f->tmp, strerror(errno));
    f->f = NULL;
    if (!rc && rename(f->tmp, f->path) != 0)
        rc = rf_errf(err, RF_EIO, "cannot rename %s to %s: %s", f->tmp, f->path,
                     strerror(errno));
    if (rc) {
        rf_afile_abort(f);
        return rc;
    }
    rf_dedup_unit_committed();
    free(f->tmp);
    free(f->path);
    memset(f, 0, sizeof *f);
    return 0;
}

void rf_afile_abort(rf_afile *f)
{
    if (!f->tmp)
        return;
    if (f->f)
        fclose(f->f);
    unlink(f->tmp);
    free(f->tmp);
    free(f->path);
    memset(f, 0, sizeof *f);
}

void rf_heap_sift(void **h, size_t n, size_t i, int (*less)(const void *a, const void *b))
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && less(h[l], h[m]))
            m = l;
        if (r < n && less(h[r], h[m]))
            m = r;
        if (m == i)
            return;
        void *t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

int rf_pread_full(int fd, void *p, size_t n, uint64_t off, const char *path, rf_err *err)
{
    char *c = p;
    while (n) {
        ssize_t r = pread(fd, c, n, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return rf_errf(err, RF_EIO, "%s: read failed: %s", path, strerror(errno));
        if (r == 0)
            return rf_errf(err, RF_EFORMAT, "%s: file is shorter than its header says", path);
        c += r;
        n -= (size_t)r;
        off += (uint64_t)r;
    }
    return 0;
}

/* ---- a tiny work queue over units ---- */

#include <pthread.h>

typedef struct par {
    size_t n, next;
    int failed;
    rf_err err;
    pthread_mutex_t mu;
    int (*fn)(void *ctx, size_t i, rf_err *err);
    void *ctx;
} par;

static void *par_main(void *arg)
{
    par *P = arg;
    for (;;) {
        pthread_mutex_lock(&P->mu);
        size_t i = P->next;
        int stop = P->failed || i >= P->n;
        if (!stop)
            P->next++;
        pthread_mutex_unlock(&P->mu);
        if (stop)
            break;
        rf_err e = {0, ""};
        if (P->fn(P->ctx, i, &e)) {
            pthread_mutex_lock(&P->mu);
            if (!P->failed) {
                P->failed = 1;
                P->err = e;
            }
            pthread_mutex_unlock(&P->mu);
            break;
        }
    }
    return NULL;
}

int rf_dedup_parallel(size_t n, int threads, int (*fn)(void *ctx, size_t i, rf_err *err),
                      void *ctx, rf_err *err)
{
    par P;
    memset(&P, 0, sizeof P);
    P.n = n;
    P.fn = fn;
    P.ctx = ctx;
    pthread_mutex_init(&P.mu, NULL);
    if (threads < 1)
        threads = 1;
    if ((size_t)threads > n)
        threads = n ? (int)n : 1;
    pthread_t *tid = rf_xcalloc((size_t)threads, sizeof *tid);
    int started = 0;
    for (int t = 1; t < threads; t++) {
        if (pthread_create(&tid[t], NULL, par_main, &P) != 0)
            break;
        started++;
    }
    par_main(&P);
    for (int t = 1; t <= started; t++)
        pthread_join(tid[t], NULL);
    free(tid);
    pthread_mutex_destroy(&P.mu);
    if (P.failed) {
        if (err)
            *err = P.err;
        return P.err.code ? P.err.code : RF_EINTERNAL;
    }
    return 0;
}

/* ---- sorted record streams ---- */

void rf_key_range(uint32_t r, uint32_t R, uint64_t *lo, uint64_t *hi)
{
    uint64_t q = UINT64_MAX / R;
    *lo = (uint64_t)r * q;
    *hi = r + 1 == R ? UINT64_MAX : (uint64_t)(r + 1) * q - 1;
}

static int rs_fd(rf_rstream *s, rf_err *err)
{
    if (s->fd >= 0)
        return 0;
    s->fd = open(s->path, O_RDONLY | O_CLOEXEC);
    if (s->fd < 0)
        return rf_errf(err, RF_EIO, "%s: cannot open: %s", s->path, strerror(errno));
    return 0;
}

/* First record index in [0, n) at base whose key >= key. */
static int lower_bound(rf_rstream *s, uint64_t base, uint64_t n, uint64_t key, uint64_t *out,
                       rf_err *err)
{
    uint64_t lo = 0, hi = n;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        unsigned char b[8];
        int rc = rf_pread_full(s->fd, b, 8, base + mid * s->recsize, s->path, err);
        if (rc)
            return rc;
        if (rf_get64(b) < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    *out = lo;
    return 0;
}

int rf_rstream_open(rf_rstream *s, const char *path, size_t recsize, size_t bufrec,
                    int keep_open, uint64_t base, uint64_t n, uint64_t lo, uint64_t hi,
                    rf_err *err)
{
    memset(s, 0, sizeof *s);
    s->path = path;
    s->fd = -1;
    s->keep_open = keep_open;
    s->recsize = recsize;
    s->bufrec = bufrec ? bufrec : 1;
    int rc = rs_fd(s, err);
    uint64_t a = 0, b = n;
    if (!rc && lo > 0)
        rc = lower_bound(s, base, n, lo, &a, err);
    if (!rc && hi < UINT64_MAX)
        rc = lower_bound(s, base, n, hi + 1, &b, err);
    if (rc) {
        rf_rstream_close(s);
        return rc;
    }
    if (b < a)
        b = a;
    s->pos = base + a * recsize;
    s->end = base + b * recsize;
    s->buf = rf_xmalloc(s->bufrec * recsize);
    if (!keep_open) {
        close(s->fd);
        s->fd = -1;
    }
    return 0;
}

int rf_rstream_next(rf_rstream *s, rf_err *err)
{
    if (s->bpos == s->blen) {
        s->bpos = s->blen = 0;
        if (s->pos >= s->end)
            return 0;
        uint64_t left = (s->end - s->pos) / s->recsize;
        size_t n = left < s->bufrec ? (size_t)left : s->bufrec;
        int rc = rs_fd(s, err);
        if (!rc)
            rc = rf_pread_full(s->fd, s->buf, n * s->recsize, s->pos, s->path, err);
        if (!s->keep_open && s->fd >= 0) {
            close(s->fd);
            s->fd = -1;
        }
        if (rc)
            return rc;
        s->pos += n * s->recsize;
        s->blen = n;
    }
    s->rec = s->buf + s->bpos++ * s->recsize;
    return 1;
}

void rf_rstream_close(rf_rstream *s)
{
    if (s->fd >= 0)
        close(s->fd);
    free(s->buf);
    s->buf = NULL;
    s->fd = -1;
}
