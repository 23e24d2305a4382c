/* err.h — error codes and the caller-owned error struct.
 *
 * Library functions return 0 or a negative rf_rc and put a message into the
 * caller's rf_err:  return rf_errf(err, RF_EFORMAT, "%s:%zu: bad line", path, n);
 * Only bin/ and the runner's top level print it. */
#ifndef RF_ERR_H
#define RF_ERR_H

#include <stddef.h>

enum rf_rc {
    RF_OK = 0,
    RF_ENOMEM = -1,   /* allocation failed */
    RF_EIO = -2,      /* read/write/open failed */
    RF_EFORMAT = -3,  /* malformed input (file formats, corrupt streams) */
    RF_EUSAGE = -4,   /* bad options or arguments */
    RF_EUNSUP = -5,   /* valid but unsupported (compression, component...) */
    RF_EBADINPUT = -6, /* more malformed records than --max-bad allows */
    RF_EINTERNAL = -7
};

typedef struct rf_err {
    int code;
    char msg[1024];
} rf_err;

/* Formats the message into err (if non-NULL) and returns code. */
int rf_errf(rf_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefixes an existing message: "what: <old message>". Returns err->code. */
int rf_err_prefix(rf_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prefixes the name of the file the error is about ("path: <old>"), unless
 * the message already starts with it (readers name their file themselves).
 * Returns err->code. */
int rf_err_prefix_path(rf_err *err, const char *path);

void rf_err_clear(rf_err *err);

/* Maps an rc to the documented process exit code (0 ok, 1 error, 2 usage,
 * 3 too much bad input). */
int rf_exit_code(int rc);

/* Allocation helpers: on failure print and abort (the one case where a
 * library may stop the process, see STYLE.md). */
void *rf_xmalloc(size_t n);
void *rf_xcalloc(size_t n, size_t size);
void *rf_xrealloc(void *p, size_t n);
char *rf_xstrdup(const char *s);
char *rf_xstrndup(const char *s, size_t n);

#endif
