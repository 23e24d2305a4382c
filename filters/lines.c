/* lines.c — streamed line reading over rf_input (see lines.h). A line is
 * never held twice: the buffer keeps only the unfinished tail between
 * reads, so memory is bounded by the longest line. */
#define _POSIX_C_SOURCE 200809L
#include "filters/lines.h"

#include <string.h>

#include "stages/buf.h"
#include "stages/io.h"

int rf_each_line(const char *path, rf_line_fn fn, void *ctx, rf_err *err)
{
    rf_input *in = NULL;
    rf_buf b = RF_BUF_INIT;
    int rc = rf_input_open(&in, path, err);
    if (rc)
        return rc;
    rf_src *src;
    const char *name;
    while ((rc = rf_input_next(in, &src, &name, err)) == 1) {
        uint64_t line_no = 0;
        rf_buf_reset(&b);
        for (;;) {
            rf_buf_grow(&b, 1 << 16);
            ssize_t r = rf_src_read(src, b.p + b.len, b.cap - b.len - 1, err);
            if (r < 0) {
                rc = (int)r;
                goto out;
            }
            if (r == 0)
                break;
            size_t start = 0, scan = b.len;
            rf_buf_setlen(&b, b.len + (size_t)r);
            const char *nl;
            while ((nl = memchr(b.p + scan, '\n', b.len - scan)) != NULL) {
                size_t e = (size_t)(nl - b.p);
                if ((rc = fn(ctx, b.p + start, e - start, 1, name, ++line_no, err)))
                    goto out;
                start = scan = e + 1;
            }
            /* Keep the unfinished line at the front of the buffer. */
            memmove(b.p, b.p + start, b.len - start);
            rf_buf_setlen(&b, b.len - start);
        }
        if (b.len && (rc = fn(ctx, b.p, b.len, 0, name, ++line_no, err)))
            goto out;
    }
out:
    rf_input_close(in);
    rf_buf_release(&b);
    return rc;
}

typedef struct list_ctx {
    const char *comment;
    rf_list_fn fn;
    void *ctx;
} list_ctx;

static void list_entry(const list_ctx *c, const char *p, size_t n)
{
    while (n && (*p == ' ' || *p == '\t' || *p == '\r'))
        p++, n--;
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
        n--;
    if (n && !strchr(c->comment, *p))
        c->fn(c->ctx, p, n);
}

static int list_line(void *ctx, const char *p, size_t n, int has_nl, const char *input,
                     uint64_t line_no, rf_err *err)
{
    (void)has_nl, (void)input, (void)line_no, (void)err;
    list_entry(ctx, p, n);
    return 0;
}

int rf_each_list_entry(const char *path, const char *comment_chars, rf_list_fn fn, void *ctx,
                       rf_err *err)
{
    list_ctx c = {comment_chars, fn, ctx};
    return rf_each_line(path, list_line, &c, err);
}

void rf_each_list_entry_mem(const char *text, size_t n, const char *comment_chars, rf_list_fn fn,
                            void *ctx)
{
    list_ctx c = {comment_chars, fn, ctx};
    size_t i = 0;
    while (i < n) {
        const char *nl = memchr(text + i, '\n', n - i);
        size_t e = nl ? (size_t)(nl - text) : n;
        list_entry(&c, text + i, e - i);
        i = e + 1;
    }
}
