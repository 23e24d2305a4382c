/* test_dc_ngram — the decontamination token stream: fixed cases (case,
 * punctuation, Korean, CJK characters, compatibility forms, combining
 * marks), raw spans, the hash definition, and the fast path against the
 * reference path (rf_text_normalize + rf_tok_next over the whole text) on
 * random strings of tricky characters and on every document of the shared
 * corpora. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "../unit/check.h"
#include "decontam/ngram.h"
#include "stages/io.h"
#include "stages/json.h"
#include "stages/doc.h"

static int same_tokens(const rf_ngram_toks *a, const rf_ngram_toks *b)
{
    return a->n == b->n && a->norm.len == b->norm.len &&
           (a->norm.len == 0 || memcmp(a->norm.p, b->norm.p, a->norm.len) == 0);
}

static void expect(const char *in, const char *want)
{
    rf_ngram_toks t, r;
    rf_ngram_toks_init(&t);
    rf_ngram_toks_init(&r);
    rf_ngram_tokenize(&t, in, strlen(in), 0);
    rf_ngram_tokenize_ref(&r, in, strlen(in));
    CHECK_MEM(t.norm.p ? t.norm.p : "", t.norm.len, want);
    CHECK(same_tokens(&t, &r));
    rf_ngram_toks_release(&t);
    rf_ngram_toks_release(&r);
}

static size_t differ(const char *p, size_t n, rf_ngram_toks *t, rf_ngram_toks *r)
{
    rf_ngram_toks_reset(t);
    rf_ngram_toks_reset(r);
    rf_ngram_tokenize(t, p, n, 0);
    rf_ngram_tokenize_ref(r, p, n);
    if (same_tokens(t, r))
        return 0;
    fprintf(stderr, "fast and reference paths differ on: %.*s\nfast: %.*s\nref:  %.*s\n",
            (int)(n > 300 ? 300 : n), p, (int)(t->norm.len > 300 ? 300 : t->norm.len),
            t->norm.p ? t->norm.p : "", (int)(r->norm.len > 300 ? 300 : r->norm.len),
            r->norm.p ? r->norm.p : "");
    return 1;
}

static void random_strings(void)
{
    /* Characters where a shortcut would go wrong: combining marks after
     * ASCII and Hangul, conjoining jamo, compatibility forms, ligatures,
     * Unicode spaces and punctuation, CJK, controls, expanding case folds. */
    static const char *const pool[] = {
        "a", "Z", "9", " ", "\t", "\n", ",", ".", "'", "_", "<", "=", "\x01", "\x7f",
        "\xcc\x81",         /* U+0301 combining acute */
        "\xcc\xb8",         /* U+0338 combining long solidus (composes with < = >) */
        "\xea\xb0\x80",     /* 가 */
        "\xed\x9e\xa3",     /* 힣 */
        "\xe1\x84\x80",     /* U+1100 choseong */
        "\xe1\x85\xa1",     /* U+1161 jungseong */
        "\xe1\x86\xa8",     /* U+11A8 jongseong */
        "\xe3\x84\xb1",     /* U+3131 compatibility jamo */
        "\xef\xbc\xa1",     /* U+FF21 fullwidth A */
        "\xef\xac\x81",     /* U+FB01 fi ligature */
        "\xc3\x9f",         /* U+00DF sharp s (folds to ss) */
        "\xe1\xba\x9e",     /* U+1E9E capital sharp s */
        "\xc2\xa0",         /* U+00A0 no-break space */
        "\xe3\x80\x80",     /* U+3000 ideographic space */
        "\xe2\x80\x99",     /* U+2019 right quote */
        "\xe6\x9d\xb1",     /* 東 */
        "\xe3\x82\xbf",     /* タ */
        "\xe3\x83\xbc",     /* ー */
        "\xe2\x91\xb4",     /* U+2474 parenthesized 1 */
        "\xc2\xbd",         /* U+00BD one half */
        "\xc2\xa8",         /* U+00A8 diaeresis (NFKC: space + mark) */
        "\xe2\x84\xab",     /* U+212B angstrom sign */
        "\xce\xa3",         /* Greek capital sigma */
        "\xf0\x9f\x98\x80", /* emoji */
        "\xf0\xa0\x80\x80", /* U+20000 CJK ext B */
        "\xd9\xa3",         /* Arabic-Indic digit three */
    };
    size_t np = sizeof pool / sizeof pool[0], bad = 0;
    rf_ngram_toks t, r;
    rf_ngram_toks_init(&t);
    rf_ngram_toks_init(&r);
    uint64_t s = 12345;
    char buf[256];
    for (int k = 0; k < 50000 && bad < 5; k++) {
        size_t len = 0;
        int m = 1 + (int)(s % 24);
        for (int j = 0; j < m; j++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            const char *c = pool[(s >> 33) % np];
            size_t cl = strlen(c);
            if (len + cl >= sizeof buf)
                break;
            memcpy(buf + len, c, cl);
            len += cl;
        }
        bad += differ(buf, len, &t, &r);
    }
    CHECK(bad == 0);
    rf_ngram_toks_release(&t);
    rf_ngram_toks_release(&r);
}

/* Every document of a corpus: returns 0 when absent. */
static size_t corpus(const char *name, size_t *docs)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/corpora/%s", testdata_dir(), name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    fclose(f);
    rf_err err;
    rf_input *in;
    if (rf_input_open(&in, path, &err))
        return 0;
    rf_buf all = RF_BUF_INIT;
    rf_src *src;
    const char *mn;
    while (rf_input_next(in, &src, &mn, &err) > 0) {
        char tmp[65536];
        ssize_t k;
        while ((k = rf_src_read(src, tmp, sizeof tmp, &err)) > 0)
            rf_buf_add(&all, tmp, (size_t)k);
    }
    rf_input_close(in);
    rf_ngram_toks t, r;
    rf_ngram_toks_init(&t);
    rf_ngram_toks_init(&r);
    rf_arena a;
    rf_arena_init(&a, 1 << 20);
    rf_docfmt fmt = {"text", "id", RF_UTF8_REPAIR};
    size_t bad = 0, i = 0;
    while (i < all.len && bad < 5) {
        char *nl = memchr(all.p + i, '\n', all.len - i);
        size_t e = nl ? (size_t)(nl - all.p) : all.len;
        rf_doc d;
        rf_parse_error pe;
        memset(&d, 0, sizeof d);
        if (e > i && rf_doc_parse(&d, all.p + i, e - i, &fmt, &a, &pe) == 0) {
            size_t tl;
            const char *tx = rf_doc_text(&d, &tl);
            bad += differ(tx, tl, &t, &r);
            /* raw spans lie inside the text and are ordered */
            for (size_t k = 0; k < t.n; k++)
                if (t.raw_start[k] >= t.raw_end[k] || t.raw_end[k] > tl ||
                    (k && t.raw_start[k] < t.raw_start[k - 1]))
                    bad++;
            (*docs)++;
        }
        rf_arena_reset(&a);
        i = e + 1;
    }
    CHECK(bad == 0);
    rf_arena_release(&a);
    rf_buf_release(&all);
    rf_ngram_toks_release(&t);
    rf_ngram_toks_release(&r);
    return 1;
}

int main(void)
{
    expect("Hello, World!", "hello world");
    expect("  Janet\xe2\x80\x99s ducks lay 16 eggs per day.  ", "janet s ducks lay 16 eggs per day");
    expect("WHICH of the following...is NOT", "which of the following is not");
    expect("한국어 문장입니다. 정답은 42!", "한국어 문장입니다 정답은 42");
    expect("\xe6\x9d\xb1\xe4\xba\xac\xe3\x82\xbf\xe3\x83\xaf\xe3\x83\xbc abc",
           "\xe6\x9d\xb1 \xe4\xba\xac \xe3\x82\xbf \xe3\x83\xaf \xe3\x83\xbc abc");
    expect("\xef\xbc\xa1\xef\xbc\xa2\xef\xbc\xa3 x", "abc x");   /* fullwidth */
    expect("cafe\xcc\x81 ok", "caf\xc3\xa9 ok");               /* composed */
    expect("a <\xcc\xb8 b", "a b");                             /* U+226E, a symbol */
    expect("def has_close_elements(numbers: List[float]) -> bool:",
           "def has close elements numbers list float bool");
    expect("", "");
    expect(" \t\n ", "");

    /* Raw spans: fast-path tokens are exact, slow chunks map to the chunk. */
    rf_ngram_toks t;
    rf_ngram_toks_init(&t);
    const char *s = "Hi, there caf\xc3\xa9!";
    rf_ngram_tokenize(&t, s, strlen(s), 100);
    CHECK(t.n == 3);
    CHECK(t.raw_start[0] == 100 && t.raw_end[0] == 102);
    CHECK(t.raw_start[1] == 104 && t.raw_end[1] == 109);
    CHECK(t.raw_start[2] == 110 && t.raw_end[2] == 100 + strlen(s));
    /* The hash is XXH3-64 of the tokens joined by single spaces. */
    CHECK(rf_ngram_hash(&t, 0, 2) == XXH3_64bits("hi there", 8));
    CHECK(rf_ngram_hash(&t, 1, 2) == XXH3_64bits("there caf\xc3\xa9", 11));
    uint64_t w[3];
    rf_ngram_hash_windows(&t, 2, w);
    CHECK(w[0] == rf_ngram_hash(&t, 0, 2) && w[1] == rf_ngram_hash(&t, 1, 2));
    /* Gates roll: equal windows, equal gates. */
    uint64_t keys[3];
    rf_ngram_tok_keys(&t, keys);
    CHECK(rf_ngram_gate(keys, 0, 2) == keys[0] + keys[1]);
    CHECK(keys[1] == rf_ngram_tok_key("there", 5) && keys[2] == rf_ngram_tok_key("caf\xc3\xa9", 5));
    rf_ngram_toks_release(&t);

    random_strings();
    static const char *const corpora[] = {"mixed_ko_en.jsonl.zst", "ko_news_wiki.jsonl.zst",
                                          "code_files.jsonl.zst", "en_wikitext2_valid.jsonl.zst",
                                          "en_war_and_peace.jsonl.zst"};
    size_t docs = 0, found = 0;
    for (size_t i = 0; i < sizeof corpora / sizeof corpora[0]; i++)
        found += corpus(corpora[i], &docs);
    if (found)
        printf("fast path equals the reference on %zu documents\n", docs);
    else
        printf("shared corpora not found: corpus comparison skipped\n");
    return CHECK_DONE();
}
