/* jdom.h — a small read-only JSON tree for configuration-sized files
 * (tokenizer.json), built on the runtime's strict scanner (stages/json.h).
 *
 * The whole text is validated first (RFC 8259, no lone surrogates, valid
 * UTF-8), then turned into a tree of rf_jv nodes allocated in one arena.
 * Strings are decoded; those without escapes point into the caller's text,
 * which must outlive the tree. Nesting is limited to RF_JDOM_MAX_DEPTH. */
#ifndef RF_JDOM_H
#define RF_JDOM_H

#include <stddef.h>
#include <stdint.h>

#include "stages/arena.h"
#include "stages/err.h"
#include "stages/json.h"

#define RF_JDOM_MAX_DEPTH 256

typedef struct rf_jv rf_jv;
struct rf_jv {
    const char *key; /* member name when the node is an object member, else NULL */
    uint32_t klen;
    uint32_t n;          /* string: byte length; array/object: element count */
    unsigned char type;  /* rf_json_type */
    union {
        const char *s;   /* string bytes (not NUL-terminated) */
        double num;      /* number */
        rf_jv *items;    /* array elements / object members, in order */
    } u;
};

typedef struct rf_jdom {
    rf_arena arena;
    rf_jv *root;
} rf_jdom;

/* Parses (p, n); `what` names the input in error messages. On failure the
 * message gives the byte offset. */
int rf_jdom_parse(rf_jdom *d, const char *p, size_t n, const char *what, rf_err *err);
void rf_jdom_release(rf_jdom *d);

/* Object member by name (the last one when a name repeats, as serde does),
 * or NULL; NULL when o is not an object. */
const rf_jv *rf_jv_get(const rf_jv *o, const char *name);
/* 1 when v is a string equal to s. */
int rf_jv_is_str(const rf_jv *v, const char *s);
/* v is NULL or JSON null. */
int rf_jv_is_null(const rf_jv *v);
/* A non-negative integer that fits in uint32 (exactly), else -1. */
int64_t rf_jv_u32(const rf_jv *v);

#endif
