/* packbounds.h — PREFIX.bounds.jsonl, the side file of a dataset packed
 * into fixed --seq-len sequences: one JSON line per sequence, in sequence
 * order,
 *
 *   {"seq": 0, "group": "ko_wiki", "tokens": 4071, "pad": 26,
 *    "docs": [[12, "doc-12", 0, 0, 2048], [3, "doc-3", 0, 2048, 2023]]}
 *
 * each part being [document number, raw id or null, first token of the
 * document in this part, position in the sequence, length]. Group and id
 * are raw JSON values copied from the input, so a line read back and
 * formatted again gives the same bytes (what lets merge rewrite the numbers
 * and nothing else).
 *
 * The writer side is one function (pack and merge both use it). The reader
 * (merge, inspect) scans a file held in memory line by line and checks
 * what the packers guarantee: keys and value types, seq = line number,
 * tokens + pad the same N on every line, parts back to back from position
 * 0 and covering exactly `tokens`, document numbers dense (0..D-1 each
 * appearing) so that D, the number of packed documents, is known. */
#ifndef RF_PACKBOUNDS_H
#define RF_PACKBOUNDS_H

#include <stddef.h>
#include <stdint.h>

#include "stages/buf.h"
#include "stages/err.h"
#include "stages/file.h"
#include "tokenizer/mmidx.h"
#include "tokenizer/packseq.h"

/* One line. group / part ids are raw JSON (NULL = null). */
typedef struct rf_bounds_line {
    uint64_t seq;
    const char *group;
    size_t group_len;
    uint32_t tokens, pad;
    const rf_pack_part *parts;
    size_t nparts;
} rf_bounds_line;

/* Appends the line of l, newline included. doc_base is added to every
 * document number and seq_base to seq (merge's re-numbering; 0 for pack). */
void rf_bounds_format(rf_buf *b, const rf_bounds_line *l, uint64_t seq_base,
                      uint64_t doc_base);

/* Reader over (p, n); name is used in messages ("path:line: ..."). */
typedef struct rf_bounds_scan {
    const char *p;
    size_t n, pos;
    const char *name;
    uint32_t seq_len;      /* N: expected on entry (0 = take the first line's), then known */
    uint64_t lines;        /* lines read = sequences */
    uint64_t parts;        /* parts over all lines */
    uint64_t tokens;       /* document tokens over all lines */
    uint64_t pad_tokens;
    uint64_t docs;         /* max document number + 1 */
    uint64_t split_docs;   /* set by rf_bounds_scan_end: documents in more than one part */
    /* private */
    rf_pack_part *pv;
    size_t pcap;
    uint64_t *seen, *split; /* bitmaps over document numbers */
    size_t words;
    rf_file_map map;
    char *path;
} rf_bounds_scan;

void rf_bounds_scan_init(rf_bounds_scan *s, const char *p, size_t n, const char *name,
                         uint32_t seq_len);
/* 1 with *l filled (valid until the next call), 0 at the end, negative on
 * a malformed line. */
int rf_bounds_scan_next(rf_bounds_scan *s, rf_bounds_line *l, rf_err *err);
/* After the last line: checks that documents 0..docs-1 all appeared and
 * counts split_docs. */
int rf_bounds_scan_end(rf_bounds_scan *s, rf_err *err);
void rf_bounds_scan_release(rf_bounds_scan *s);

/* "PREFIX.bounds.jsonl" (malloc'd). */
char *rf_bounds_path(const char *prefix);
/* Maps PREFIX.bounds.jsonl and starts a scan of it (expecting sequences of
 * seq_len, 0 = any); release with rf_bounds_scan_release. */
int rf_bounds_open(rf_bounds_scan *s, const char *prefix, uint32_t seq_len, rf_err *err);
/* 1 when PREFIX.bounds.jsonl exists, 0 when not. */
int rf_bounds_exists(const char *prefix);
/* Removes PREFIX.bounds.jsonl if it is there (after writing a dataset that
 * has none, so no stale side file sits next to it). */
int rf_bounds_remove_stale(const char *prefix, rf_err *err);

/* A packed dataset has one document per sequence and every sequence of the
 * same length N: sets *seq_len to N (0 for a dataset without sequences), or
 * fails naming the first sequence that breaks the rule. */
int rf_bounds_dataset_seq_len(const rf_mmidx *m, const char *prefix, uint32_t *seq_len,
                              rf_err *err);

#endif
