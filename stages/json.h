/* json.h — strict RFC 8259 scanner primitives and string unescaping.
 *
 * The scanner validates JSON text in place and reports spans; it builds no
 * tree. Strings report flags so the caller can decide what to do about
 * escapes and ill-formed UTF-8 without a second pass. Nesting depth is
 * limited only by memory (an explicit stack, no recursion). */
#ifndef RF_JSON_H
#define RF_JSON_H

#include <stddef.h>
#include <stdint.h>

typedef enum rf_json_type {
    RF_JSON_NONE = 0,
    RF_JSON_STRING,
    RF_JSON_NUMBER,
    RF_JSON_OBJECT,
    RF_JSON_ARRAY,
    RF_JSON_TRUE,
    RF_JSON_FALSE,
    RF_JSON_NULL
} rf_json_type;

/* String flags. */
enum {
    RF_JSTR_ESCAPE = 1,    /* contains at least one backslash escape */
    RF_JSTR_NONCANON = 2,  /* an escape our writer would not produce (\/, \u00e9...) */
    RF_JSTR_BADUTF8 = 4,   /* raw ill-formed UTF-8 bytes */
    RF_JSTR_SURROGATE = 8  /* a \u escape that is a lone surrogate */
};

typedef struct rf_json_error {
    size_t off;       /* byte offset of the problem */
    const char *what; /* static message */
} rf_json_error;

static inline int rf_json_is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static inline size_t rf_json_skip_ws(const char *p, size_t n, size_t i)
{
    while (i < n && rf_json_is_ws((unsigned char)p[i]))
        i++;
    return i;
}

/* p[*i] must be the opening quote. On success *i is just past the closing
 * quote, *flags holds RF_JSTR_* bits, returns 0. On error returns -1 and
 * fills e. */
int rf_json_scan_string(const char *p, size_t n, size_t *i, unsigned *flags, rf_json_error *e);

/* Scans one value starting at p[*i] (no leading whitespace skipped). On
 * success *i is just past the value and *type is set. String flags of every
 * string inside the value are OR-ed into *flags (may be NULL). */
int rf_json_scan_value(const char *p, size_t n, size_t *i, rf_json_type *type,
                       unsigned *flags, rf_json_error *e);

/* Validates that (p, n) is exactly one JSON value with optional surrounding
 * whitespace (the JSON-text production of RFC 8259). */
int rf_json_validate(const char *p, size_t n, rf_json_error *e);

/* Unescapes the content of a scanned string (between the quotes) into out,
 * which needs n bytes (unescaped text is never longer). Lone surrogates
 * become U+FFFD; raw ill-formed bytes are copied as they are. Returns the
 * output length. */
size_t rf_json_unescape(const char *raw, size_t n, char *out);

#endif
