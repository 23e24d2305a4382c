/* jpath.h — a small path language over JSON text, for naming the fields of
 * evaluation sets:
 *
 *   question            member "question" of the value
 *   data[].paragraphs   every element of array "data", then its "paragraphs"
 *   choices[2]          element 2 (0-based) of array "choices"
 *   []                  every element of the value itself (an array)
 *
 * Members are separated by '.', names are taken literally (no escapes;
 * names with '.', '[', ']' or ',' cannot be written). The JSON text must have
 * been validated (rf_json_validate): the walker still checks every position
 * against the end, but does not report syntax errors. */
#ifndef RF_JPATH_H
#define RF_JPATH_H

#include <stddef.h>
#include <stdint.h>

#include "stages/buf.h"
#include "stages/err.h"

enum { RF_JP_MEMBER, RF_JP_EACH, RF_JP_INDEX };

typedef struct rf_jpath_seg {
    int kind;
    char *name;     /* RF_JP_MEMBER */
    size_t namelen;
    uint64_t index; /* RF_JP_INDEX */
} rf_jpath_seg;

typedef struct rf_jpath {
    rf_jpath_seg *seg;
    size_t nseg;
} rf_jpath;

/* Parses (s, n); an empty path means the value itself. */
int rf_jpath_parse(rf_jpath *jp, const char *s, size_t n, rf_err *err);
void rf_jpath_release(rf_jpath *jp);

/* Calls fn for every value the path reaches in the JSON value starting at
 * p[start] (span [vs, ve)). fn returns non-zero to stop; that value is
 * returned. */
typedef int (*rf_jpath_fn)(void *ctx, const char *p, size_t vs, size_t ve);
int rf_jpath_walk(const rf_jpath *jp, const char *p, size_t n, size_t start, rf_jpath_fn fn,
                  void *ctx);

/* Appends the text of every string or number reached by the path (arrays and
 * objects contribute all their string and number leaves, in order) as
 * separate pieces: piece k is out->p[offs[k] .. offs[k] + lens[k]).
 * Strings are unescaped; ill-formed UTF-8 is repaired (counted in
 * *repaired). Returns the number of values the path reached. */
typedef struct rf_jpath_texts {
    rf_buf buf;
    size_t *off, *len;
    size_t n, cap;
    uint64_t repaired;
} rf_jpath_texts;

void rf_jpath_texts_reset(rf_jpath_texts *t);
void rf_jpath_texts_release(rf_jpath_texts *t);
size_t rf_jpath_collect(const rf_jpath *jp, const char *p, size_t n, size_t start,
                        rf_jpath_texts *out);

/* Appends the leaves of the value at p[vs, ve) (as rf_jpath_collect). */
void rf_jpath_leaves(const char *p, size_t vs, size_t ve, rf_jpath_texts *out);

/* Adds one piece of text (repairing ill-formed UTF-8). */
void rf_jpath_texts_add(rf_jpath_texts *t, const char *p, size_t n);

/* Iterates the members of the object at p[vs, ve): fn gets the unescaped key
 * and the value span; returns non-zero to stop. */
typedef int (*rf_jpath_member_fn)(void *ctx, const char *key, size_t klen, const char *p,
                                  size_t vs, size_t ve);
int rf_jpath_members(const char *p, size_t vs, size_t ve, rf_jpath_member_fn fn, void *ctx);

/* The unescaped string at p[vs, ve) (a JSON string) into out; 0 ok, -1 when
 * the value is not a string. Numbers are copied as written. */
int rf_jpath_scalar(const char *p, size_t vs, size_t ve, rf_buf *out);

#endif
