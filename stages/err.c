/* err.c — the rf_err message struct, rc → exit code mapping and the
 * abort-on-OOM allocation wrappers every module uses. */
#define _POSIX_C_SOURCE 200809L
#include "stages/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rf_errf(rf_err *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

int rf_err_prefix_path(rf_err *err, const char *path)
{
    size_t pl = strlen(path);
    if (err && !strncmp(err->msg, path, pl) && err->msg[pl] == ':')
        return err->code;
    return rf_err_prefix(err, "%s", path);
}

int rf_err_prefix(rf_err *err, const char *fmt, ...)
{
    if (!err)
        return RF_EINTERNAL;
    char head[512], old[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    /* Truncation of very long messages is fine; build by hand so the
     * compiler does not flag it. */
    size_t hl = strlen(head), ol = strnlen(old, sizeof old - 1), cap = sizeof err->msg - 1;
    if (hl > cap)
        hl = cap;
    memcpy(err->msg, head, hl);
    size_t pos = hl;
    if (pos + 2 <= cap) {
        memcpy(err->msg + pos, ": ", 2);
        pos += 2;
    }
    if (ol > cap - pos)
        ol = cap - pos;
    memcpy(err->msg + pos, old, ol);
    err->msg[pos + ol] = '\0';
    return err->code;
}

void rf_err_clear(rf_err *err)
{
    if (err) {
        err->code = 0;
        err->msg[0] = '\0';
    }
}

int rf_exit_code(int rc)
{
    switch (rc) {
    case RF_OK: return 0;
    case RF_EUSAGE: return 2;
    case RF_EBADINPUT: return 3;
    default: return 1;
    }
}

static void oom(size_t n)
{
    fprintf(stderr, "refine: out of memory allocating %zu bytes\n", n);
    abort();
}

void *rf_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *rf_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom(n * size);
    return p;
}

void *rf_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

char *rf_xstrdup(const char *s)
{
    return rf_xstrndup(s, strlen(s));
}

char *rf_xstrndup(const char *s, size_t n)
{
    char *p = rf_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}
