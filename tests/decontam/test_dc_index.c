/* test_dc_index — the index file: build a small index, read it back, find
 * every window of every item (and nothing else), check first item, item
 * counts, benchmark sets and short items; the SQLite provenance rows and
 * n-gram texts; and that truncated or corrupted files are refused with an
 * error instead of being read out of bounds. */
#define _POSIX_C_SOURCE 200809L
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../unit/check.h"
#include "decontam/index.h"
#include "decontam/ngram.h"

static void add(rf_dcx_builder *b, uint32_t bench, const char *id, const char *text)
{
    const char *t[1] = {text};
    size_t l[1] = {strlen(text)};
    rf_dcx_builder_add(b, bench, id, "test", 1, t, l, 1);
}

static int64_t find_text(const rf_dcx *x, const char *text, size_t i, size_t m)
{
    rf_ngram_toks t;
    rf_ngram_toks_init(&t);
    rf_ngram_tokenize(&t, text, strlen(text), 0);
    int64_t e = t.n >= i + m ? rf_dcx_find(x, rf_ngram_hash(&t, i, m)) : -2;
    rf_ngram_toks_release(&t);
    return e;
}

int main(void)
{
    char dir[] = "/tmp/test_dc_index.XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char path[512];
    snprintf(path, sizeof path, "%s/t.dcx", dir);
    const char *long1 = "one two three four five six seven eight nine ten eleven twelve thirteen";
    const char *long2 = "ONE two three four five six seven eight nine ten eleven twelve, again!";
    const char *shortq = "a short question with exactly nine words right here";
    const char *tiny = "too short";
    rf_dcx_builder *b = rf_dcx_builder_new(12, 8);
    uint32_t ba = rf_dcx_builder_bench(b, "alpha"), bb = rf_dcx_builder_bench(b, "beta");
    CHECK(rf_dcx_builder_bench(b, "alpha") == ba && ba != bb);
    add(b, ba, "a1", long1);
    add(b, bb, "b1", long2);
    add(b, bb, "b2", shortq);
    add(b, ba, "a2", tiny);
    rf_err err = {0, ""};
    rf_dcx_build_stats st;
    CHECK(rf_dcx_builder_write(b, path, &st, &err) == 0);
    rf_dcx_builder_free(b);
    CHECK(st.items == 4 && st.items_short == 1 && st.items_too_short == 1);
    /* long1: 2 windows, long2: 2 windows (the first shared), short: 1 whole */
    CHECK(st.ngrams_total == 5 && st.n_hashes == 4 && st.n_prefix == 1);

    rf_dcx *x = NULL;
    CHECK(rf_dcx_open(&x, path, &err) == 0);
    if (!x)
        return CHECK_DONE();
    CHECK(x->n == 12 && x->min_tokens == 8 && x->n_items == 4 && x->n_bench == 2);
    CHECK(x->short_lengths == (1ull << 9));
    int64_t e0 = find_text(x, long1, 0, 12);
    CHECK(e0 >= 0);
    if (e0 >= 0) {
        /* shared by a1 (alpha) and b1 (beta), whatever the case/punctuation */
        CHECK(x->info[e0].n_items == 2 && x->info[e0].first_item == 0);
        size_t ns;
        const uint32_t *ids = rf_dcx_bset(x, x->info[e0].bset, &ns);
        CHECK(ns == 2 && ids[0] == ba && ids[1] == bb);
    }
    int64_t e1 = find_text(x, long1, 1, 12);
    CHECK(e1 >= 0 && x->info[e1].n_items == 1);
    if (e1 >= 0) {
        size_t ns;
        const uint32_t *ids = rf_dcx_bset(x, x->info[e1].bset, &ns);
        CHECK(ns == 1 && ids[0] == ba);
    }
    CHECK(find_text(x, long2, 1, 12) >= 0);
    CHECK(find_text(x, "one two three four five six seven eight nine ten eleven thirteen", 0,
                    12) == -1);
    int64_t es = find_text(x, shortq, 0, 9);
    CHECK(es >= 0);
    if (es >= 0) {
        uint32_t bench;
        size_t l;
        const char *id = rf_dcx_item_id(x, x->info[es].first_item, &bench, &l);
        CHECK(bench == bb && l == 2 && !memcmp(id, "b2", 2));
    }
    {
        rf_ngram_toks t;
        rf_ngram_toks_init(&t);
        rf_ngram_tokenize(&t, shortq, strlen(shortq), 0);
        CHECK(rf_dcx_has_prefix(x, rf_ngram_hash(&t, 0, 8)));
        CHECK(!rf_dcx_has_prefix(x, rf_ngram_hash(&t, 1, 8)));
        /* the gate of every indexed window passes its Bloom filter */
        uint64_t keys[16];
        rf_ngram_tok_keys(&t, keys);
        CHECK(rf_dcx_maybe(x->pbloom, x->pbloom_mask, rf_ngram_gate(keys, 0, 8)));
        rf_ngram_toks_reset(&t);
        rf_ngram_tokenize(&t, long1, strlen(long1), 0);
        rf_ngram_tok_keys(&t, keys);
        CHECK(rf_dcx_maybe(x->bloom, x->bloom_mask, rf_ngram_gate(keys, 1, 12)));
        rf_ngram_toks_release(&t);
    }
    size_t nl;
    const char *bn = rf_dcx_bench_name(x, bb, &nl);
    CHECK(nl == 4 && !memcmp(bn, "beta", 4));
    CHECK(x->bench[ba].n_items == 2 && x->bench[bb].n_items == 2);
    CHECK(x->bench[ba].n_ngrams == 2 && x->bench[bb].n_ngrams == 3);
    rf_dcx_close(x);

    /* Provenance: one row per (hash, item); the view gives n-gram texts. */
    char *sq = rf_dcx_sqlite_path(path);
    sqlite3 *db;
    CHECK(sqlite3_open_v2(sq, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    sqlite3_stmt *q;
    CHECK(sqlite3_prepare_v2(db, "SELECT count(*), (SELECT count(*) FROM items),"
                             " (SELECT group_concat(ngram, '|') FROM (SELECT ngram FROM ngram_text"
                             " WHERE item_id = 'b2'))"
                             " FROM ngrams", -1, &q, NULL) == SQLITE_OK);
    CHECK(sqlite3_step(q) == SQLITE_ROW);
    CHECK(sqlite3_column_int(q, 0) == 5 && sqlite3_column_int(q, 1) == 4);
    const char *txt = (const char *)sqlite3_column_text(q, 2);
    CHECK(txt && !strcmp(txt, "a short question with exactly nine words right here"));
    sqlite3_finalize(q);
    CHECK(sqlite3_prepare_v2(db, "SELECT ngram FROM ngram_text WHERE item_id = 'b1' ORDER BY"
                             " length(ngram) DESC, ngram LIMIT 1", -1, &q, NULL) == SQLITE_OK);
    CHECK(sqlite3_step(q) == SQLITE_ROW);
    txt = (const char *)sqlite3_column_text(q, 0);
    CHECK(txt && !strcmp(txt, "two three four five six seven eight nine ten eleven twelve again"));
    sqlite3_finalize(q);
    sqlite3_close(db);

    /* Damaged files are errors, never out-of-bounds reads. */
    size_t n;
    char *data = (char *)slurp(path, &n);
    CHECK(data != NULL);
    if (data) {
        CHECK(rf_dcx_open_mem(&x, data, n, &err) == 0);
        rf_dcx_close(x);
        CHECK(rf_dcx_open_mem(&x, data, n - 8, &err) == RF_EFORMAT);       /* truncated */
        CHECK(rf_dcx_open_mem(&x, data, 40, &err) == RF_EFORMAT);
        char *bad = malloc(n);
        memcpy(bad, data, n);
        bad[0] = 'X'; /* magic */
        CHECK(rf_dcx_open_mem(&x, bad, n, &err) == RF_EFORMAT);
        memcpy(bad, data, n);
        bad[8] = 9; /* version */
        CHECK(rf_dcx_open_mem(&x, bad, n, &err) == RF_EUNSUP);
        memcpy(bad, data, n);
        bad[104 + 3] = 0x7f; /* first section offset far outside */
        CHECK(rf_dcx_open_mem(&x, bad, n, &err) == RF_EFORMAT);
        memcpy(bad, data, n);
        bad[32] ^= 1; /* hash count no longer matches the section size */
        CHECK(rf_dcx_open_mem(&x, bad, n, &err) == RF_EFORMAT);
        free(bad);
        free(data);
    }
    unlink(path);
    unlink(sq);
    free(sq);
    rmdir(dir);
    return CHECK_DONE();
}
