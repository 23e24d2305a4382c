/* doc.h — the document model: one JSON Lines record.
 *
 * A document is a view of its input line: every field is a slice (raw key,
 * raw value) of the line and is written back byte-for-byte. Only the text
 * field is decoded (lazily, into the batch arena) and only edited text is
 * copied. Stage annotations collect under one "refine" object, which is
 * always written as the last field; members already present in the input's
 * "refine" object are kept in order, so chained processes and one chained
 * process produce the same bytes. */
#ifndef RF_DOC_H
#define RF_DOC_H

#include <stddef.h>
#include <stdint.h>

#include "stages/arena.h"
#include "stages/buf.h"

typedef struct rf_field {
    const char *key;  /* raw, with quotes */
    const char *val;  /* raw JSON value */
    uint32_t klen;
    uint32_t vlen;
    unsigned char type; /* rf_json_type */
} rf_field;

typedef struct rf_annot {
    const char *key; /* raw, with quotes */
    const char *val; /* raw JSON value */
    uint32_t klen;
    uint32_t vlen;
} rf_annot;

typedef enum rf_utf8_policy { RF_UTF8_REPAIR = 0, RF_UTF8_REJECT = 1 } rf_utf8_policy;

/* How lines are read: field names and the UTF-8 policy. */
typedef struct rf_docfmt {
    const char *text_field;
    const char *id_field;
    rf_utf8_policy utf8;
} rf_docfmt;

typedef struct rf_doc {
    const char *line;
    size_t line_len;
    uint64_t seq;      /* 0-based position in the whole input stream */
    uint64_t line_no;  /* 1-based line number in its input */
    uint32_t input;    /* index of the input it came from */
    uint32_t out_index; /* which output it goes to (shard) */

    rf_field *fields;
    uint32_t nfields;
    int32_t text_idx, id_idx, refine_idx;

    /* Text: (text, text_len) is valid UTF-8 once text_ready. */
    const char *text;
    size_t text_len;
    unsigned text_flags;       /* RF_JSTR_* of the raw text */
    unsigned char text_ready;  /* decoded */
    unsigned char text_edited; /* differs from the input: re-encode on write */
    unsigned char utf8_repaired;

    const char *id; /* decoded id (string ids) or raw number text; NULL if none */
    size_t id_len;

    rf_annot *annots;
    uint32_t nannots, cap_annots;

    /* Verdict: reject_reason != NULL means rejected. */
    const char *reject_stage;
    const char *reject_reason;
    const char *reject_detail;
    /* Set by the runner when rejects are only counted (no --rejects file):
     * rf_doc_reject then leaves reject_detail NULL instead of formatting a
     * detail nobody reads (a printf per rejected document). */
    unsigned char no_reject_detail;

    /* Free slot for stage-to-stage data that must not go through JSON (token
     * ids for the packer, ...). Owned by the batch arena. */
    void *payload;

    rf_arena *arena;
} rf_doc;

/* Parse failure: a static reason (malformed_json, not_object, no_text,
 * text_not_string, duplicate_field, invalid_utf8, bad_refine_field) and a
 * detail in the arena. */
typedef struct rf_parse_error {
    const char *reason;
    const char *detail;
} rf_parse_error;

/* Parses one line (without its '\n') into d. Returns 0, or -1 with *pe set.
 * The line must stay alive as long as d. */
int rf_doc_parse(rf_doc *d, const char *line, size_t n, const rf_docfmt *fmt, rf_arena *a,
                 rf_parse_error *pe);

/* rf_doc_parse with RF_PARSE_* flags. */
enum {
    /* A record without the text field is a document with an empty text
     * (text_idx < 0) rather than a no_text error: for stages that read
     * other record kinds, such as the packer's {"id", "ids"} lines. */
    RF_PARSE_TEXT_OPTIONAL = 1,
};
int rf_doc_parse_flags(rf_doc *d, const char *line, size_t n, const rf_docfmt *fmt,
                       unsigned flags, rf_arena *a, rf_parse_error *pe);

/* The document text as valid UTF-8 (decoded on first use). */
const char *rf_doc_text(rf_doc *d, size_t *len);
/* Replaces the text; (p, n) must be valid UTF-8 and outlive the batch
 * (arena memory or static). */
void rf_doc_set_text(rf_doc *d, const char *p, size_t n);

/* Annotations under "refine". key is a plain ASCII name; an existing key is
 * replaced in place. */
void rf_doc_annotate_raw(rf_doc *d, const char *key, const char *json, size_t n);
void rf_doc_annotate_str(rf_doc *d, const char *key, const char *s, size_t n);
void rf_doc_annotate_num(rf_doc *d, const char *key, double v, int digits);
void rf_doc_annotate_int(rf_doc *d, const char *key, int64_t v);
/* The raw JSON value of an annotation, or NULL. */
const char *rf_doc_annotation(const rf_doc *d, const char *key, size_t *n);

/* Marks d rejected. reason must be static (it is counted by pointer value's
 * string); the detail is formatted into the arena (unless no_reject_detail). */
void rf_doc_reject(rf_doc *d, const char *reason, const char *detail_fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The raw JSON value of a top-level field, or NULL. */
const char *rf_doc_field(const rf_doc *d, const char *name, size_t *n, int *type);

/* Serialises d as one JSONL line (with '\n'). */
void rf_doc_write(rf_doc *d, rf_buf *out);
/* Serialises d as a reject record: d's fields plus refine.reject. */
void rf_doc_write_reject(rf_doc *d, rf_buf *out);

/* A reject record for a line that could not be parsed: the raw bytes
 * (escaped, or base64 when they are not UTF-8), the input name and line. */
void rf_write_malformed(rf_buf *out, const char *stage, const char *reason, const char *detail,
                        const char *input, uint64_t line_no, const char *raw, size_t n);

#endif
