/* spec.h — evaluation-set specifications for `refine-decontam index`.
 *
 *   SPEC    = [NAME=]FILES:[RECORD/]FIELD[,FIELD...][?OPTION[,OPTION...]]
 *
 * FILES is a path or glob (relative paths are resolved against a base
 * directory); files may be plain, gzip, zstd, xz, bzip2 or lz4 (recognised
 * by their bytes). The format follows from the name without its compression
 * suffix: .jsonl/.ndjson (one JSON value per line), .json (one JSON value),
 * .csv, .tsv; option format=jsonl|json|csv|tsv overrides it.
 *
 * Each record is one benchmark item; its FIELDs are tokenised in the given
 * order as one text. For JSON and JSON Lines a FIELD is a path (jpath.h:
 * `question`, `choices`, `data[].title`; arrays and objects contribute every
 * string and number inside them). Records are the lines of a JSONL file and
 * the elements of a top-level array (or the top-level object) of a JSON
 * file; RECORD/ names them explicitly, e.g. SQuAD-style
 * `data[].paragraphs[]/context` or `data[].paragraphs[].qas[]/question`.
 * For CSV/TSV a FIELD is a column name of the header row or #N, the N-th
 * column (1-based); option header=no reads files without a header row (then
 * only #N works).
 *
 * NAME is the benchmark name (default: the file name without directory,
 * compression and format suffixes, per file). Item ids come from option
 * id=FIELD, else from the first of the fields id, task_id, ID, qid that a
 * record has, else they are STEM:LINE (JSONL, CSV, TSV; the line where the
 * record starts) or STEM:N (the N-th record of a JSON file). */
#ifndef RF_DCSPEC_H
#define RF_DCSPEC_H

#include <stddef.h>
#include <stdint.h>

#include "stages/err.h"

enum { RF_DCSPEC_AUTO, RF_DCSPEC_JSONL, RF_DCSPEC_JSON, RF_DCSPEC_CSV, RF_DCSPEC_TSV };

typedef struct rf_dcspec {
    char *text;    /* the spec as written */
    char *name;    /* NULL: per-file stem */
    char *pattern;
    char *record;  /* record path or NULL */
    char **fields;
    size_t nfields;
    char *id;      /* id field or NULL (automatic) */
    int format;
    int header;    /* CSV/TSV: 1 = first row names the columns */
} rf_dcspec;

int rf_dcspec_parse(rf_dcspec *s, const char *text, rf_err *err);
void rf_dcspec_release(rf_dcspec *s);

typedef struct rf_dcspec_item {
    const char *bench;
    const char *id;
    const char *source; /* file path */
    uint64_t record;    /* line number, or record number for JSON files */
    const char *const *texts;
    const size_t *lens;
    size_t ntexts;
} rf_dcspec_item;

typedef void (*rf_dcspec_fn)(void *ctx, const rf_dcspec_item *it);

typedef struct rf_dcspec_stats {
    uint64_t files, records, items, empty, bytes, utf8_repaired;
} rf_dcspec_stats;

/* Reads every file of s and calls fn once per item with text. base: the
 * directory relative patterns are resolved against (NULL = current). */
int rf_dcspec_load(const rf_dcspec *s, const char *base, rf_dcspec_fn fn, void *ctx,
                   rf_dcspec_stats *st, rf_err *err);

/* Loads a whole (possibly compressed) file into memory. */
int rf_dcspec_read_file(const char *path, char **data, size_t *n, rf_err *err);

/* The benchmark name a file gets by default (its stem), malloc'd. */
char *rf_dcspec_stem(const char *path);

#endif
