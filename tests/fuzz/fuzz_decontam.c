/* fuzz_decontam — libFuzzer target for the parsers of refine-decontam that
 * read untrusted bytes. The first input byte picks the part:
 *   0  CSV and TSV reader: fields lie inside the input, lines only grow;
 *   1  JSON paths: "PATH\nJSON"; when the JSON validates, walking,
 *      collecting (valid UTF-8 out) and member iteration stay in bounds;
 *   2  index files: rf_dcx_open_mem either refuses the bytes or every
 *      accessor and lookup stays in bounds;
 *   3  the token stream: on valid UTF-8 (repaired input) the fast path gives
 *      exactly the tokens of the reference path (stages/text.h).
 * Any violation aborts, which libFuzzer and the replay test report. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decontam/csv.h"
#include "decontam/index.h"
#include "decontam/jpath.h"
#include "decontam/ngram.h"
#include "stages/json.h"
#include "stages/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz_decontam: property violated: %s\n", what);
        abort();
    }
}

static void fuzz_csv(const char *p, size_t n, char delim)
{
    rf_csv c;
    rf_err err;
    rf_csv_init(&c, p, n, delim);
    uint64_t last = 0;
    int rc;
    while ((rc = rf_csv_next(&c, "fuzz", &err)) == 1) {
        must(c.row_line >= last, "csv lines go backwards");
        last = c.row_line;
        size_t total = 0;
        for (size_t k = 0; k < c.nfields; k++) {
            size_t l;
            rf_csv_field(&c, k, &l);
            total += l;
        }
        must(total <= n, "csv fields longer than the input");
    }
    must(rc == 0 || rc == RF_EFORMAT, "csv error code");
    rf_csv_release(&c);
}

static int walk_fn(void *ctx, const char *p, size_t vs, size_t ve)
{
    size_t n = *(size_t *)ctx;
    must(vs < ve && ve <= n, "jpath span out of bounds");
    (void)p;
    return 0;
}

static int member_fn(void *ctx, const char *key, size_t kl, const char *p, size_t vs, size_t ve)
{
    (void)key;
    (void)kl;
    return walk_fn(ctx, p, vs, ve);
}

static void fuzz_jpath(const char *p, size_t n)
{
    const char *nl = memchr(p, '\n', n);
    if (!nl)
        return;
    size_t pl = (size_t)(nl - p);
    const char *j = nl + 1;
    size_t jn = n - pl - 1;
    rf_jpath jp;
    rf_err err;
    if (rf_jpath_parse(&jp, p, pl, &err) != 0)
        return;
    rf_json_error je;
    if (rf_json_validate(j, jn, &je) == 0) {
        size_t s = rf_json_skip_ws(j, jn, 0);
        rf_jpath_walk(&jp, j, jn, s, walk_fn, &jn);
        rf_jpath_texts t = {0};
        rf_jpath_collect(&jp, j, jn, s, &t);
        for (size_t k = 0; k < t.n; k++)
            must(rf_utf8_check(t.buf.p + t.off[k], t.len[k]) == t.len[k], "jpath text not UTF-8");
        rf_jpath_texts_release(&t);
        rf_jpath_members(j, s, jn, member_fn, &jn);
    }
    rf_jpath_release(&jp);
}

static void fuzz_index(const char *p, size_t n)
{
    rf_dcx *x;
    rf_err err;
    if (rf_dcx_open_mem(&x, p, n, &err) != 0)
        return;
    uint64_t probe[4] = {0, UINT64_MAX, 0x123456789abcdefull, x->n_hashes ? x->hashes[0] : 1};
    for (int k = 0; k < 4; k++) {
        int64_t e = rf_dcx_find(x, probe[k]);
        must(e < (int64_t)x->n_hashes, "find out of range");
        if (e >= 0) {
            size_t ns, l;
            uint32_t b;
            rf_dcx_bset(x, x->info[e].bset, &ns);
            rf_dcx_item_id(x, x->info[e].first_item, &b, &l);
        }
        rf_dcx_has_prefix(x, probe[k]);
        rf_dcx_maybe(x->bloom, x->bloom_mask, probe[k]);
    }
    for (uint32_t b = 0; b < x->n_bench && b < 64; b++) {
        size_t l;
        rf_dcx_bench_name(x, b, &l);
    }
    for (uint32_t i = 0; i < x->n_items && i < 64; i++) {
        size_t l;
        uint32_t b;
        rf_dcx_item_id(x, i, &b, &l);
    }
    for (uint32_t s = 0; s < x->n_bsets && s < 64; s++) {
        size_t ns;
        const uint32_t *ids = rf_dcx_bset(x, s, &ns);
        for (size_t k = 0; k < ns; k++)
            must(ids + k < x->bset_ids + x->n_bset_ids, "bset out of range");
    }
    rf_dcx_close(x);
}

static void fuzz_ngram(const char *p, size_t n)
{
    char *fixed = malloc(3 * n + 1);
    size_t rep;
    size_t m = rf_utf8_repair(p, n, fixed, &rep);
    rf_ngram_toks a, b;
    rf_ngram_toks_init(&a);
    rf_ngram_toks_init(&b);
    rf_ngram_tokenize(&a, fixed, m, 0);
    rf_ngram_tokenize_ref(&b, fixed, m);
    must(a.n == b.n && a.norm.len == b.norm.len &&
             (a.norm.len == 0 || memcmp(a.norm.p, b.norm.p, a.norm.len) == 0),
         "fast path differs from the reference");
    for (size_t k = 0; k < a.n; k++)
        must(a.raw_start[k] < a.raw_end[k] && a.raw_end[k] <= m, "raw span out of bounds");
    rf_ngram_toks_release(&a);
    rf_ngram_toks_release(&b);
    free(fixed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *p = (const char *)data + 1;
    size_t n = size - 1;
    switch (data[0] % 4) {
    case 0:
        fuzz_csv(p, n, ',');
        fuzz_csv(p, n, '\t');
        break;
    case 1:
        fuzz_jpath(p, n);
        break;
    case 2:
        fuzz_index(p, n);
        break;
    default:
        fuzz_ngram(p, n);
        break;
    }
    return 0;
}
