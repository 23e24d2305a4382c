/* io_read.c — layered input sources: file descriptor → optional decompression
 * (libzstd for zstd, libarchive's filters for gzip/xz/bzip2/lz4) → optional
 * tar unpacking (libarchive) whose members are again sniffed for
 * compression. Each layer is an rf_src with a small peek buffer so formats
 * are recognised by magic bytes. Truncated streams are errors, never a
 * quiet end of input. */
#define _POSIX_C_SOURCE 200809L
#include "stages/io.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "stages/buf.h"

#define IO_CHUNK (256 * 1024)

struct rf_src {
    ssize_t (*read)(rf_src *s, void *buf, size_t n, rf_err *err);
    void (*close)(rf_src *s);
    unsigned char *pk;
    size_t pk_len, pk_off, pk_cap;
    const char *name; /* for messages */
};

ssize_t rf_src_read(rf_src *s, void *buf, size_t n, rf_err *err)
{
    if (s->pk_off < s->pk_len) {
        size_t k = s->pk_len - s->pk_off;
        if (k > n)
            k = n;
        memcpy(buf, s->pk + s->pk_off, k);
        s->pk_off += k;
        return (ssize_t)k;
    }
    return s->read(s, buf, n, err);
}

/* Makes at least want bytes (fewer at the end) available at s->pk. Only
 * valid before the first rf_src_read. */
static int src_peek(rf_src *s, size_t want, size_t *got, rf_err *err)
{
    if (s->pk_cap < want) {
        s->pk = rf_xrealloc(s->pk, want);
        s->pk_cap = want;
    }
    while (s->pk_len < want) {
        ssize_t r = s->read(s, s->pk + s->pk_len, want - s->pk_len, err);
        if (r < 0)
            return (int)r;
        if (r == 0)
            break;
        s->pk_len += (size_t)r;
    }
    *got = s->pk_len;
    return 0;
}

static void src_close(rf_src *s)
{
    if (!s)
        return;
    free(s->pk);
    s->close(s);
}

/* ---- file descriptor ---- */

typedef struct {
    rf_src base;
    int fd;
    int own;
    _Atomic uint64_t consumed;
} fd_src;

static ssize_t fd_read(rf_src *s, void *buf, size_t n, rf_err *err)
{
    fd_src *f = (fd_src *)s;
    for (;;) {
        ssize_t r = read(f->fd, buf, n);
        if (r >= 0) {
            atomic_fetch_add_explicit(&f->consumed, (uint64_t)r, memory_order_relaxed);
            return r;
        }
        if (errno != EINTR)
            return rf_errf(err, RF_EIO, "%s: read failed: %s", s->name, strerror(errno));
    }
}

static void fd_close(rf_src *s)
{
    fd_src *f = (fd_src *)s;
    if (f->own)
        close(f->fd);
    free(f);
}

/* ---- zstd ---- */

typedef struct {
    rf_src base;
    rf_src *inner;
    ZSTD_DStream *ds;
    unsigned char *ibuf;
    size_t isize;
    ZSTD_inBuffer in;
    size_t last;     /* last ZSTD_decompressStream result: 0 = frame complete */
    int eof;
} zstd_src;

static ssize_t zstd_read(rf_src *s, void *buf, size_t n, rf_err *err)
{
    zstd_src *z = (zstd_src *)s;
    ZSTD_outBuffer out = {buf, n, 0};
    for (;;) {
        if (z->in.pos == z->in.size && !z->eof) {
            ssize_t r = rf_src_read(z->inner, z->ibuf, z->isize, err);
            if (r < 0)
                return r;
            if (r == 0)
                z->eof = 1;
            z->in.src = z->ibuf;
            z->in.size = (size_t)r;
            z->in.pos = 0;
        }
        int drained = z->in.pos == z->in.size && z->eof;
        if (drained && z->last == 0)
            return (ssize_t)out.pos; /* every frame complete */
        size_t before = out.pos;
        size_t ret = ZSTD_decompressStream(z->ds, &out, &z->in);
        if (ZSTD_isError(ret))
            return rf_errf(err, RF_EFORMAT, "%s: corrupt zstd stream: %s", s->name,
                           ZSTD_getErrorName(ret));
        z->last = ret;
        if (out.pos == out.size)
            return (ssize_t)out.pos;
        if (drained) {
            if (out.pos > before)
                continue; /* the decoder may hold more */
            if (out.pos > 0)
                return (ssize_t)out.pos;
            if (z->last != 0)
                return rf_errf(err, RF_EFORMAT,
                               "%s: truncated zstd stream (input ends inside a frame)", s->name);
            return 0;
        }
        if (out.pos > 0 && z->in.pos == z->in.size)
            return (ssize_t)out.pos;
    }
}

static void zstd_close(rf_src *s)
{
    zstd_src *z = (zstd_src *)s;
    ZSTD_freeDStream(z->ds);
    free(z->ibuf);
    src_close(z->inner);
    free(z);
}

static rf_src *zstd_src_new(rf_src *inner)
{
    zstd_src *z = rf_xcalloc(1, sizeof *z);
    z->base.read = zstd_read;
    z->base.close = zstd_close;
    z->base.name = inner->name;
    z->inner = inner;
    z->ds = ZSTD_createDStream();
    if (!z->ds) {
        fprintf(stderr, "refine: out of memory (zstd)\n");
        abort();
    }
    ZSTD_initDStream(z->ds);
    z->isize = ZSTD_DStreamInSize();
    z->ibuf = rf_xmalloc(z->isize);
    z->last = 1;
    return &z->base;
}

/* ---- libarchive (filters, tar) ---- */

typedef struct {
    rf_src base;
    rf_src *inner;
    struct archive *a;
    unsigned char *ibuf;
    rf_err inner_err; /* message of a failing inner read */
    int failed;
} arch_src;

static la_ssize_t arch_cb_read(struct archive *a, void *ud, const void **buf)
{
    arch_src *s = ud;
    ssize_t r = rf_src_read(s->inner, s->ibuf, IO_CHUNK, &s->inner_err);
    if (r < 0) {
        s->failed = 1;
        archive_set_error(a, EIO, "%s", s->inner_err.msg);
        return -1;
    }
    *buf = s->ibuf;
    return r;
}

static int arch_cb_close(struct archive *a, void *ud)
{
    (void)a;
    (void)ud;
    return ARCHIVE_OK;
}

static int arch_err(arch_src *s, rf_err *err, const char *what)
{
    if (s->failed)
        return rf_errf(err, s->inner_err.code ? s->inner_err.code : RF_EIO, "%s", s->inner_err.msg);
    const char *m = archive_error_string(s->a);
    return rf_errf(err, RF_EFORMAT, "%s: %s: %s", s->base.name, what, m ? m : "unknown error");
}

static ssize_t arch_read(rf_src *src, void *buf, size_t n, rf_err *err)
{
    arch_src *s = (arch_src *)src;
    la_ssize_t r = archive_read_data(s->a, buf, n);
    if (r < 0)
        return arch_err(s, err, "decompression failed");
    return (ssize_t)r;
}

static void arch_close(rf_src *src)
{
    arch_src *s = (arch_src *)src;
    archive_read_free(s->a);
    free(s->ibuf);
    src_close(s->inner);
    free(s);
}

/* tar: 1, compressed stream (raw format after a filter): 0 */
static int arch_open(arch_src **out, rf_src *inner, int tar, rf_err *err)
{
    arch_src *s = rf_xcalloc(1, sizeof *s);
    s->base.read = arch_read;
    s->base.close = arch_close;
    s->base.name = inner->name;
    s->inner = inner;
    s->ibuf = rf_xmalloc(IO_CHUNK);
    s->a = archive_read_new();
    if (!s->a) {
        fprintf(stderr, "refine: out of memory (libarchive)\n");
        abort();
    }
    archive_read_support_filter_all(s->a);
    if (tar)
        archive_read_support_format_tar(s->a);
    else
        archive_read_support_format_raw(s->a);
    if (archive_read_open(s->a, s, NULL, arch_cb_read, arch_cb_close) != ARCHIVE_OK) {
        int rc = arch_err(s, err, "cannot open");
        src_close(&s->base);
        return rc;
    }
    *out = s;
    return 0;
}

/* A tar member: reads the current entry's data. */
typedef struct {
    rf_src base;
    struct archive *a;
    arch_src *owner;
} entry_src;

static ssize_t entry_read(rf_src *src, void *buf, size_t n, rf_err *err)
{
    entry_src *e = (entry_src *)src;
    la_ssize_t r = archive_read_data(e->a, buf, n);
    if (r < 0)
        return arch_err(e->owner, err, "cannot read archive member");
    return (ssize_t)r;
}

static void entry_close(rf_src *src)
{
    free(src);
}

/* ---- format detection ---- */

/* Wraps *ps in a decoder when its first bytes are a known compression magic.
 * Takes ownership of *ps: on failure the whole chain is closed and *ps is
 * NULL. */
static int wrap_decompress(rf_src **ps, rf_err *err)
{
    rf_src *s = *ps;
    size_t got = 0;
    int rc = src_peek(s, 6, &got, err);
    if (rc) {
        src_close(s);
        *ps = NULL;
        return rc;
    }
    const unsigned char *m = s->pk;
    if (got >= 4 && m[0] == 0x28 && m[1] == 0xB5 && m[2] == 0x2F && m[3] == 0xFD) {
        *ps = zstd_src_new(s);
        return 0;
    }
    int other = (got >= 2 && m[0] == 0x1F && m[1] == 0x8B) ||                         /* gzip */
                (got >= 6 && !memcmp(m, "\xFD" "7zXZ\0", 6)) ||                       /* xz */
                (got >= 3 && m[0] == 'B' && m[1] == 'Z' && m[2] == 'h') ||            /* bzip2 */
                (got >= 4 && m[0] == 0x04 && m[1] == 0x22 && m[2] == 0x4D && m[3] == 0x18); /* lz4 */
    if (!other)
        return 0;
    arch_src *a;
    *ps = NULL;
    rc = arch_open(&a, s, 0, err);
    if (rc)
        return rc; /* arch_open closed s */
    struct archive_entry *e;
    int r = archive_read_next_header(a->a, &e);
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
        rc = arch_err(a, err, "cannot decompress");
        src_close(&a->base);
        return rc;
    }
    *ps = &a->base;
    return 0;
}

static int is_tar(rf_src *s, rf_err *err, int *yes)
{
    size_t got = 0;
    int rc = src_peek(s, 512, &got, err);
    if (rc)
        return rc;
    *yes = got >= 262 && memcmp(s->pk + 257, "ustar", 5) == 0;
    return 0;
}

/* ---- inputs ---- */

struct rf_input {
    char *path;
    fd_src *file;
    rf_src *single;     /* non-tar input: the one member */
    int single_done;
    arch_src *tar;      /* tar input */
    rf_src *member;     /* current tar member chain */
    rf_buf member_name;
    int64_t size;
};

int rf_input_open(rf_input **pin, const char *path, rf_err *err)
{
    int stdin_ = strcmp(path, "-") == 0;
    int fd = stdin_ ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return rf_errf(err, RF_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    int64_t size = -1;
    if (fstat(fd, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            close(fd);
            return rf_errf(err, RF_EIO, "%s: is a directory", path);
        }
        if (S_ISREG(st.st_mode))
            size = (int64_t)st.st_size;
    }
    rf_input *in = rf_xcalloc(1, sizeof *in);
    in->path = rf_xstrdup(stdin_ ? "<stdin>" : path);
    in->size = size;
    in->file = rf_xcalloc(1, sizeof *in->file);
    in->file->base.read = fd_read;
    in->file->base.close = fd_close;
    in->file->base.name = in->path;
    in->file->fd = fd;
    in->file->own = !stdin_;
    atomic_init(&in->file->consumed, 0);

    rf_src *s = &in->file->base;
    int rc = wrap_decompress(&s, err);
    int tar = 0;
    if (!rc)
        rc = is_tar(s, err, &tar);
    if (!rc && tar) {
        rc = arch_open(&in->tar, s, 1, err); /* owns s, closes it on failure */
        s = NULL;
    }
    if (rc) {
        if (s)
            src_close(s);
        in->file = NULL; /* closed with its chain */
        in->tar = NULL;
        rf_input_close(in);
        return rc;
    }
    in->single = s;
    *pin = in;
    return 0;
}

int rf_input_next(rf_input *in, rf_src **src, const char **name, rf_err *err)
{
    if (!in->tar) {
        if (in->single_done)
            return 0;
        in->single_done = 1;
        *src = in->single;
        *name = in->path;
        return 1;
    }
    if (in->member) {
        src_close(in->member);
        in->member = NULL;
    }
    for (;;) {
        struct archive_entry *e;
        int r = archive_read_next_header(in->tar->a, &e);
        if (r == ARCHIVE_EOF)
            return 0;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
            return arch_err(in->tar, err, "bad tar archive");
        if (archive_entry_filetype(e) != AE_IFREG)
            continue;
        entry_src *es = rf_xcalloc(1, sizeof *es);
        es->base.read = entry_read;
        es->base.close = entry_close;
        es->a = in->tar->a;
        es->owner = in->tar;
        rf_buf_reset(&in->member_name);
        rf_buf_addf(&in->member_name, "%s:%s", in->path, archive_entry_pathname(e));
        es->base.name = in->member_name.p;
        rf_src *m = &es->base;
        int rc = wrap_decompress(&m, err);
        if (rc)
            return rc;
        in->member = m;
        *src = m;
        *name = in->member_name.p;
        return 1;
    }
}

void rf_input_close(rf_input *in)
{
    if (!in)
        return;
    if (in->member)
        src_close(in->member);
    if (in->tar)
        src_close(&in->tar->base); /* closes the file chain too */
    else if (in->single)
        src_close(in->single);
    else if (in->file)
        src_close(&in->file->base);
    rf_buf_release(&in->member_name);
    free(in->path);
    free(in);
}

uint64_t rf_input_consumed(const rf_input *in)
{
    return in->file ? atomic_load_explicit(&in->file->consumed, memory_order_relaxed) : 0;
}

int64_t rf_input_size(const rf_input *in)
{
    return in->size;
}
