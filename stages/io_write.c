/* io_write.c — atomic outputs: data goes to "<path>.tmp.<pid>", optionally
 * through a (multi-threaded) zstd compressor, and is renamed into place only
 * on commit. A signal handler removes temporary files of outputs still open,
 * so an interrupted run leaves neither a truncated file under the target name
 * nor temporary litter. */
#define _XOPEN_SOURCE 700
#include "stages/io.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "stages/buf.h"

struct rf_out {
    char *path;
    char *tmp;       /* NULL for stdout */
    int fd;
    ZSTD_CCtx *zc;
    unsigned char *zbuf;
    size_t zcap;
    uint64_t bytes;
    int slot;        /* cleanup registry slot, -1 if none */
    int own_fd;      /* a device or pipe opened in place (no temporary) */
};

/* ---- cleanup registry (read by the signal handler) ---- */

#define MAX_TMP 256
static char *volatile tmp_paths[MAX_TMP];
static volatile sig_atomic_t handler_installed;

static int register_tmp(char *path)
{
    for (int i = 0; i < MAX_TMP; i++) {
        if (!tmp_paths[i]) {
            tmp_paths[i] = path;
            return i;
        }
    }
    return -1; /* still correct on commit/abort; only signal cleanup is lost */
}

static void unregister_tmp(int slot)
{
    if (slot >= 0)
        tmp_paths[slot] = NULL;
}

static void on_signal(int sig)
{
    for (int i = 0; i < MAX_TMP; i++) {
        char *p = tmp_paths[i];
        if (p)
            unlink(p);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

void rf_io_install_signal_cleanup(void)
{
    if (handler_installed)
        return;
    handler_installed = 1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction old;
        /* Respect an inherited "ignore" (nohup). */
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue;
        sigaction(sigs[i], &sa, NULL);
    }
}

/* ---- helpers ---- */

int rf_mkdir_parents(const char *path, rf_err *err)
{
    char *p = rf_xstrdup(path);
    char *slash = strrchr(p, '/');
    if (!slash || slash == p) {
        free(p);
        return 0;
    }
    *slash = '\0';
    for (char *q = p + 1; ; q++) {
        if (*q == '/' || *q == '\0') {
            char c = *q;
            *q = '\0';
            if (mkdir(p, 0777) != 0 && errno != EEXIST) {
                int e = errno;
                int rc = rf_errf(err, RF_EIO, "%s: cannot create directory: %s", p, strerror(e));
                free(p);
                return rc;
            }
            *q = c;
            if (!c)
                break;
        }
    }
    free(p);
    return 0;
}

static int write_all(int fd, const void *p, size_t n, const char *name, rf_err *err)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return rf_errf(err, RF_EIO, "%s: write failed: %s", name, strerror(errno));
        }
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

static int ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

int rf_out_open(rf_out **po, const char *path, const rf_outopts *opt, rf_err *err)
{
    int is_stdout = strcmp(path, "-") == 0;
    int compress = opt ? opt->compress : RF_COMPRESS_AUTO;
    if (compress == RF_COMPRESS_AUTO) {
        if (!is_stdout && (ends_with(path, ".gz") || ends_with(path, ".xz") ||
                           ends_with(path, ".bz2") || ends_with(path, ".lz4")))
            return rf_errf(err, RF_EUNSUP,
                           "%s: cannot write this compression; outputs are plain or .zst", path);
        compress = (!is_stdout && ends_with(path, ".zst")) ? RF_COMPRESS_ZSTD : RF_COMPRESS_NONE;
    }
    rf_out *o = rf_xcalloc(1, sizeof *o);
    o->slot = -1;
    o->path = rf_xstrdup(is_stdout ? "<stdout>" : path);
    /* Devices and pipes (/dev/null, /dev/stdout, a FIFO) are written in
     * place: there is nothing to rename, and renaming over /dev/stdout
     * would replace the link itself. */
    struct stat st;
    int in_place = !is_stdout && (!strncmp(path, "/dev/", 5) || !strncmp(path, "/proc/", 6) ||
                                  (stat(path, &st) == 0 && !S_ISREG(st.st_mode) &&
                                   !S_ISDIR(st.st_mode)));
    if (in_place) {
        o->fd = open(path, O_WRONLY | O_CLOEXEC);
        if (o->fd < 0) {
            int rc2 = rf_errf(err, RF_EIO, "%s: cannot open: %s", path, strerror(errno));
            free(o->path);
            free(o);
            return rc2;
        }
        o->own_fd = 1;
    } else if (is_stdout) {
        o->fd = STDOUT_FILENO;
    } else {
        int rc = rf_mkdir_parents(path, err);
        if (rc) {
            free(o->path);
            free(o);
            return rc;
        }
        /* Through a symlink: replace the file it points to, keep the link. */
        struct stat lst;
        char *real = NULL;
        if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode) && (real = realpath(path, NULL))) {
            free(o->path);
            o->path = real;
            path = real;
        }
        rf_buf t = RF_BUF_INIT;
        rf_buf_addf(&t, "%s.tmp.%ld", path, (long)getpid());
        o->tmp = rf_buf_detach(&t, NULL);
        o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (o->fd < 0) {
            int rc2 = rf_errf(err, RF_EIO, "%s: cannot create: %s", o->tmp, strerror(errno));
            free(o->tmp);
            free(o->path);
            free(o);
            return rc2;
        }
        o->slot = register_tmp(o->tmp);
    }
    if (compress == RF_COMPRESS_ZSTD) {
        o->zc = ZSTD_createCCtx();
        if (!o->zc) {
            fprintf(stderr, "refine: out of memory (zstd)\n");
            abort();
        }
        int level = opt ? opt->level : 3;
        size_t r = ZSTD_CCtx_setParameter(o->zc, ZSTD_c_compressionLevel, level);
        if (ZSTD_isError(r)) {
            rf_out_abort(o);
            return rf_errf(err, RF_EUSAGE, "zstd level %d: %s", level, ZSTD_getErrorName(r));
        }
        ZSTD_CCtx_setParameter(o->zc, ZSTD_c_checksumFlag, 1);
        if (opt && opt->threads > 0)
            ZSTD_CCtx_setParameter(o->zc, ZSTD_c_nbWorkers, opt->threads); /* 0 if no MT support */
        o->zcap = ZSTD_CStreamOutSize();
        o->zbuf = rf_xmalloc(o->zcap);
    }
    *po = o;
    return 0;
}

static int zpump(rf_out *o, const void *p, size_t n, ZSTD_EndDirective mode, rf_err *err)
{
    ZSTD_inBuffer in = {p, n, 0};
    for (;;) {
        ZSTD_outBuffer out = {o->zbuf, o->zcap, 0};
        size_t rem = ZSTD_compressStream2(o->zc, &out, &in, mode);
        if (ZSTD_isError(rem))
            return rf_errf(err, RF_EIO, "%s: zstd: %s", o->path, ZSTD_getErrorName(rem));
        if (out.pos) {
            int rc = write_all(o->fd, o->zbuf, out.pos, o->tmp ? o->tmp : o->path, err);
            if (rc)
                return rc;
        }
        if (mode == ZSTD_e_end ? rem == 0 : in.pos == in.size)
            return 0;
    }
}

int rf_out_write(rf_out *o, const void *p, size_t n, rf_err *err)
{
    o->bytes += n;
    if (o->zc)
        return zpump(o, p, n, ZSTD_e_continue, err);
    return write_all(o->fd, p, n, o->tmp ? o->tmp : o->path, err);
}

static void out_free(rf_out *o)
{
    if (o->zc)
        ZSTD_freeCCtx(o->zc);
    free(o->zbuf);
    free(o->tmp);
    free(o->path);
    free(o);
}

/* Where path would be written: its dev/ino when it exists (following links,
 * as rf_out_open does), else its real parent directory plus its base name. */
static int out_identity(const char *path, struct stat *st, rf_buf *name)
{
    if (!strcmp(path, "-"))
        return fstat(STDOUT_FILENO, st) == 0 ? 1 : -1;
    if (stat(path, st) == 0)
        return 1;
    const char *slash = strrchr(path, '/');
    char *dir = slash ? rf_xstrndup(path, slash == path ? 1 : (size_t)(slash - path))
                      : rf_xstrdup(".");
    char *real = realpath(dir, NULL);
    rf_buf_addf(name, "%s/%s", real ? real : dir, slash ? slash + 1 : path);
    free(real);
    free(dir);
    return 0;
}

int rf_out_same_file(const char *a, const char *b)
{
    if (!a || !b)
        return 0;
    struct stat sa, sb;
    rf_buf na = RF_BUF_INIT, nb = RF_BUF_INIT;
    int ia = out_identity(a, &sa, &na), ib = out_identity(b, &sb, &nb);
    int same = 0;
    if (ia == 1 && ib == 1)
        same = sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino && S_ISREG(sa.st_mode);
    else if (ia == 0 && ib == 0)
        same = !strcmp(na.p, nb.p);
    rf_buf_release(&na);
    rf_buf_release(&nb);
    return same;
}

int rf_out_commit(rf_out *o, rf_err *err)
{
    int rc = 0;
    if (o->zc)
        rc = zpump(o, "", 0, ZSTD_e_end, err);
    if (!o->tmp) {
        if (o->own_fd && close(o->fd) != 0 && !rc)
            rc = rf_errf(err, RF_EIO, "%s: close failed: %s", o->path, strerror(errno));
        out_free(o);
        return rc;
    }
    if (!rc && close(o->fd) != 0)
        rc = rf_errf(err, RF_EIO, "%s: close failed: %s", o->tmp, strerror(errno));
    o->fd = -1;
    if (!rc && rename(o->tmp, o->path) != 0)
        rc = rf_errf(err, RF_EIO, "cannot rename %s to %s: %s", o->tmp, o->path, strerror(errno));
    if (rc) {
        rf_out_abort(o);
        return rc;
    }
    unregister_tmp(o->slot);
    out_free(o);
    return 0;
}

void rf_out_abort(rf_out *o)
{
    if (!o)
        return;
    if (o->tmp) {
        if (o->fd >= 0)
            close(o->fd);
        unlink(o->tmp);
        unregister_tmp(o->slot);
    } else if (o->own_fd) {
        close(o->fd);
    }
    out_free(o);
}

uint64_t rf_out_bytes(const rf_out *o)
{
    return o->bytes;
}

const char *rf_out_path(const rf_out *o)
{
    return o->path;
}
