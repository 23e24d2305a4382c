/* check.h — the tiny assertion helpers of the C unit tests. A test binary
 * returns 0 when every CHECK held, 1 otherwise, and 77 (ctest's skip code)
 * when data it needs is absent. */
#ifndef RF_TEST_CHECK_H
#define RF_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stages/file.h"

static int check_failures;

/* The whole file (NUL-terminated, *n bytes), or NULL when it cannot be read;
 * free() it. */
static inline unsigned char *slurp(const char *path, size_t *n)
{
    unsigned char *p;
    rf_err e;
    return rf_file_read(path, &p, n, &e) ? NULL : p;
}

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            check_failures++;                                                        \
        }                                                                            \
    } while (0)

#define CHECK_MEM(p, n, lit)                                                             \
    do {                                                                                 \
        size_t n_ = (n);                                                                 \
        if (n_ != strlen(lit) || memcmp((p), (lit), n_) != 0) {                          \
            fprintf(stderr, "%s:%d: expected '%s', got '%.*s'\n", __FILE__, __LINE__, lit, \
                    (int)n_, (const char *)(p));                                         \
            check_failures++;                                                            \
        }                                                                                \
    } while (0)

#define CHECK_DONE() (check_failures ? (fprintf(stderr, "%d check(s) failed\n", check_failures), 1) : 0)

/* Shared test data directory: $REFINE_TESTDATA, else the build default. */
static inline const char *testdata_dir(void)
{
    const char *e = getenv("REFINE_TESTDATA");
    if (e && *e)
        return e;
#ifdef REFINE_TESTDATA_DEFAULT
    return REFINE_TESTDATA_DEFAULT;
#else
    return "../shared/data";
#endif
}

#endif
