/* test_tok_units — unit tests of the tokenizer's pieces: the JSON tree
 * reader, the Oniguruma-to-PCRE2 regex translation and HF's match
 * iteration, load errors that must name the unsupported component, BPE on
 * long runs (no quadratic blow-up), GGUF reading of truncated/corrupted
 * files, the trainer's token classes and --shares parsing. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "tests/unit/check.h"
#include "tokenizer/jdom.h"
#include "tokenizer/tok_internal.h"
#include "tokenizer/train.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void test_jdom(void)
{
    rf_jdom d;
    rf_err err;
    const char *j = "{\"a\": [1, 2.5, \"x\\u00e9\\n\"], \"b\": {\"c\": null, \"c\": true}, \"d\": \"plain\"}";
    CHECK(rf_jdom_parse(&d, j, strlen(j), "t", &err) == 0);
    const rf_jv *a = rf_jv_get(d.root, "a");
    CHECK(a && a->type == RF_JSON_ARRAY && a->n == 3);
    CHECK(rf_jv_u32(&a->u.items[0]) == 1);
    CHECK(rf_jv_u32(&a->u.items[1]) == -1); /* not an integer */
    CHECK_MEM(a->u.items[2].u.s, a->u.items[2].n, "x\xC3\xA9\n");
    CHECK(rf_jv_get(rf_jv_get(d.root, "b"), "c")->type == RF_JSON_TRUE); /* last wins */
    CHECK(rf_jv_is_str(rf_jv_get(d.root, "d"), "plain"));
    CHECK(rf_jv_get(d.root, "zz") == NULL);
    rf_jdom_release(&d);
    const char *bad[] = {"{\"a\": }", "[1, 2", "{\"a\": \"\\ud800\"}", "\"\xff\"", "[1,]", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(rf_jdom_parse(&d, bad[i], strlen(bad[i]), "bad", &err) != 0);
        CHECK(strstr(err.msg, "bad") != NULL);
    }
    /* Depth limit: an error, not a stack overflow. */
    size_t deep = 100000;
    char *s = malloc(2 * deep + 1);
    memset(s, '[', deep);
    memset(s + deep, ']', deep);
    s[2 * deep] = 0;
    CHECK(rf_jdom_parse(&d, s, 2 * deep, "deep", &err) != 0);
    CHECK(strstr(err.msg, "nesting") != NULL);
    free(s);
}

static void spans_of(rf_tok_scratch *s, const char *re, const char *text, char *out, size_t cap)
{
    tok_pattern pt;
    rf_err err;
    out[0] = 0;
    if (tok_pattern_regex(&pt, re, strlen(re), &err)) {
        snprintf(out, cap, "ERR %.200s", err.msg);
        return;
    }
    tok_find_matches(s, &pt, text, strlen(text), &err);
    size_t k = 0;
    for (size_t i = 0; i < s->nspans && k + 64 < cap; i++)
        k += (size_t)snprintf(out + k, cap - k, "%s%s%.*s", i ? "|" : "",
                              s->spans[i].match ? "+" : "-",
                              (int)(s->spans[i].end - s->spans[i].start),
                              text + s->spans[i].start);
    tok_pattern_release(&pt);
}

static void test_regex(void)
{
    rf_tok_scratch *s = rf_tok_scratch_new(NULL);
    char out[1024];
    /* \s+(?!\S) leaves the last space for the next word (GPT-2). */
    spans_of(s, " ?\\p{L}+|\\s+(?!\\S)|\\s+", "a   b", out, sizeof out);
    CHECK(!strcmp(out, "+a|+  |+ b"));
    /* Oniguruma's \s is White_Space: NEL and NBSP are spaces, U+200B and
     * U+180E are not. */
    spans_of(s, "\\s", "a\xC2\x85" "b\xC2\xA0" "c\xE2\x80\x8B" "d", out, sizeof out);
    CHECK(!strcmp(out, "-a|+\xC2\x85|-b|+\xC2\xA0|-c\xE2\x80\x8B" "d"));
    /* \h is a hex digit in Ruby syntax; \p{^L} negates; \uHHHH. */
    spans_of(s, "\\h+", "xyzBEEF9", out, sizeof out);
    CHECK(!strcmp(out, "-xyz|+BEEF9"));
    spans_of(s, "\\p{^L}+", "ab12cd", out, sizeof out);
    CHECK(!strcmp(out, "-ab|+12|-cd"));
    spans_of(s, "\\u00e9", "caf\xC3\xA9!", out, sizeof out);
    CHECK(!strcmp(out, "-caf|+\xC3\xA9|-!"));
    /* (?m) is dot-all in Ruby. */
    spans_of(s, "(?m:a.b)", "a\nb", out, sizeof out);
    CHECK(!strcmp(out, "+a\nb"));
    /* Case-insensitive contractions as in Llama 3. */
    spans_of(s, "(?i:'s|'t)", "IT'S it's", out, sizeof out);
    CHECK(!strcmp(out, "-IT|+'S|- it|+'s"));
    /* Empty matches: one per position, none right after a match. */
    spans_of(s, "x*", "axxb", out, sizeof out);
    CHECK(!strcmp(out, "+|-a|+xx|-b|+"));
    /* Unsupported syntax is an error, not a silent approximation. */
    spans_of(s, "[a-z&&[^aeiou]]", "abc", out, sizeof out);
    CHECK(!strncmp(out, "ERR", 3));
    rf_tok_scratch_free(s);
}

static int load_str(const char *json, rf_tokenizer **tk, rf_err *err)
{
    return rf_tokenizer_load_json(tk, json, strlen(json), "inline", err);
}

#define MODEL_OK \
    "\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"ab\": 2}, \"merges\": [\"a b\"]}"

static void test_load_errors(void)
{
    struct {
        const char *json, *want;
    } cases[] = {
        {"{\"model\": {\"type\": \"Unigram\", \"vocab\": []}}", "'Unigram'"},
        {"{\"model\": {\"type\": \"WordPiece\", \"vocab\": {}}}", "'WordPiece'"},
        {"{\"normalizer\": {\"type\": \"Precompiled\", \"precompiled_charsmap\": \"\"}, " MODEL_OK "}",
         "'Precompiled'"},
        {"{\"normalizer\": {\"type\": \"BertNormalizer\"}, " MODEL_OK "}", "'BertNormalizer'"},
        {"{\"pre_tokenizer\": {\"type\": \"UnicodeScripts\"}, " MODEL_OK "}", "'UnicodeScripts'"},
        {"{\"pre_tokenizer\": {\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"ByteLevel\"},"
         " {\"type\": \"FixedLength\"}]}, " MODEL_OK "}", "pre_tokenizer.pretokenizers[1]"},
        {"{\"decoder\": {\"type\": \"WordPiece\"}, " MODEL_OK "}", "'WordPiece'"},
        {"{\"post_processor\": {\"type\": \"Bogus\"}, " MODEL_OK "}", "'Bogus'"},
        {"{\"truncation\": {\"max_length\": 512}, " MODEL_OK "}", "truncation"},
        {"{\"model\": {\"type\": \"BPE\", \"dropout\": 0.1, \"vocab\": {}, \"merges\": []}}",
         "dropout"},
        {"{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [\"a b\"]}}",
         "not in the vocabulary"},
        {"{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1}, \"merges\": [\"a b\"]}}",
         "'ab' is not in the vocabulary"},
        {"{\"model\": {\"type\": \"BPE\", \"unk_token\": \"<unk>\", \"vocab\": {}, \"merges\": []}}",
         "unk_token"},
        {"{\"pre_tokenizer\": {\"type\": \"Split\", \"pattern\": {\"Regex\": \"(\"}, \"behavior\": "
         "\"Isolated\", \"invert\": false}, " MODEL_OK "}", "regex"},
        {"{\"version\": \"2.0\", " MODEL_OK "}", "version"},
        {"{\"model\": 1", "not valid JSON"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rf_tokenizer *tk = NULL;
        rf_err err = {0, ""};
        int rc = load_str(cases[i].json, &tk, &err);
        CHECK(rc != 0 && tk == NULL);
        if (!strstr(err.msg, cases[i].want)) {
            fprintf(stderr, "case %zu: message '%s' lacks '%s'\n", i, err.msg, cases[i].want);
            CHECK(0);
        }
    }
    rf_tokenizer *tk = NULL;
    rf_err err;
    CHECK(load_str("{" MODEL_OK "}", &tk, &err) == 0);
    rf_tok_scratch *s = rf_tok_scratch_new(tk);
    rf_ids ids = {0};
    CHECK(rf_tokenizer_encode(tk, s, "abba", 4, 0, &ids, &err) == 0);
    CHECK(ids.n == 3 && ids.v[0] == 2 && ids.v[1] == 1 && ids.v[2] == 0);
    CHECK(rf_tokenizer_encode(tk, s, "a\xff", 2, 0, &ids, &err) == RF_EFORMAT);
    rf_ids_release(&ids);
    rf_tok_scratch_free(s);
    rf_tokenizer_free(tk);
}

/* A run of n 'a' through a model whose merges double the run: the heap keeps
 * the cost O(n log n); a quadratic merge loop would take 256x for 16x input
 * (the bound below leaves room for cache effects and a loaded machine). */
static double time_run(rf_tokenizer *tk, rf_tok_scratch *s, size_t n, size_t *ntok)
{
    char *text = malloc(n);
    memset(text, 'a', n);
    rf_ids ids = {0};
    rf_err err;
    double best = 1e9;
    for (int r = 0; r < 3; r++) {
        double t0 = now();
        CHECK(rf_tokenizer_encode(tk, s, text, n, 0, &ids, &err) == 0);
        double t = now() - t0;
        if (t < best)
            best = t;
    }
    *ntok = ids.n;
    rf_ids_release(&ids);
    free(text);
    return best;
}

static void test_long_runs(void)
{
    rf_buf j = RF_BUF_INIT;
    rf_buf_adds(&j, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0");
    for (int k = 1; k <= 10; k++) {
        rf_buf_adds(&j, ", \"");
        for (int i = 0; i < (1 << k); i++)
            rf_buf_addc(&j, 'a');
        rf_buf_addf(&j, "\": %d", k);
    }
    rf_buf_adds(&j, "}, \"merges\": [");
    for (int k = 1; k <= 10; k++) {
        rf_buf_adds(&j, k > 1 ? ", [\"" : "[\"");
        for (int i = 0; i < (1 << (k - 1)); i++)
            rf_buf_addc(&j, 'a');
        rf_buf_adds(&j, "\", \"");
        for (int i = 0; i < (1 << (k - 1)); i++)
            rf_buf_addc(&j, 'a');
        rf_buf_adds(&j, "\"]");
    }
    rf_buf_adds(&j, "]}}");
    rf_tokenizer *tk;
    rf_err err;
    CHECK(rf_tokenizer_load_json(&tk, j.p, j.len, "runs", &err) == 0);
    rf_tok_scratch *s = rf_tok_scratch_new(tk);
    size_t n1, n4;
    double t1 = time_run(tk, s, 50000, &n1);
    double t4 = time_run(tk, s, 800000, &n4);
    printf("long run: 50k 'a' in %.4f s (%zu tokens), 800k in %.4f s (%zu tokens), ratio %.1f\n",
           t1, n1, t4, n4, t4 / t1);
    CHECK(n1 == 52 && n4 == 782); /* 1024-runs plus the binary digits of the rest */
    CHECK(t4 < 100 * t1 + 0.1);
    rf_tok_scratch_free(s);
    rf_tokenizer_free(tk);
    rf_buf_release(&j);
}

static void test_gguf_damage(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/models/llama-2-tiny-random.gguf", testdata_dir());
    FILE *f = fopen(path, "rb");
    if (!f) {
        printf("gguf: %s absent, damage tests skipped\n", path);
        return;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *p = malloc((size_t)n);
    CHECK(fread(p, 1, (size_t)n, f) == (size_t)n);
    fclose(f);
    rf_tokenizer *tk;
    rf_err err;
    /* Every cut inside the metadata (it ends at byte 723709) fails cleanly. */
    size_t fails = 0, tried = 0;
    for (size_t cut = 0; cut < 723709; cut += cut < 64 ? 1 : 4099) {
        tried++;
        if (rf_tokenizer_load_gguf(&tk, p, cut, "cut", &err) != 0)
            fails++;
        else
            rf_tokenizer_free(tk);
    }
    CHECK(fails == tried);
    /* Huge lengths in place of the first key's length. */
    unsigned char *q = malloc((size_t)n);
    memcpy(q, p, (size_t)n);
    memset(q + 24, 0xFF, 8);
    CHECK(rf_tokenizer_load_gguf(&tk, q, (size_t)n, "len", &err) != 0);
    CHECK(strstr(err.msg, "overruns") != NULL || strstr(err.msg, "truncated") != NULL);
    memcpy(q, p, (size_t)n);
    q[4] = 7; /* version */
    CHECK(rf_tokenizer_load_gguf(&tk, q, (size_t)n, "ver", &err) == RF_EUNSUP);
    free(q);
    CHECK(rf_tokenizer_load_gguf(&tk, p, (size_t)n, "whole", &err) == 0);
    rf_tokenizer_free(tk);
    free(p);
}

static void test_classes(void)
{
    CHECK(rf_token_class("hello", 5) == RF_TC_LATIN);
    CHECK(rf_token_class("\xE2\x96\x81the", 6) == RF_TC_LATIN);
    CHECK(rf_token_class("\xE2\x96\x81\xE2\x96\x81", 6) == RF_TC_SPACE);
    CHECK(rf_token_class("\xEC\x95\x88\xEB\x85\x95", 6) == RF_TC_HANGUL); /* 안녕 */
    CHECK(rf_token_class("\xEA\xB0", 2) == RF_TC_HANGUL);                 /* cut 가 */
    CHECK(rf_token_class("\xB0\x80", 2) == RF_TC_OTHER);                  /* tail bytes */
    CHECK(rf_token_class("\xE6\xBC\xA2\xE5\xAD\x97", 6) == RF_TC_HAN);    /* 漢字 */
    CHECK(rf_token_class("12", 2) == RF_TC_DIGIT);
    CHECK(rf_token_class(");", 2) == RF_TC_SYMBOL);
    CHECK(rf_token_class("a1", 2) == RF_TC_LATIN || rf_token_class("a1", 2) == RF_TC_DIGIT);
    double sh[RF_TC_COUNT];
    char msg[256];
    CHECK(rf_train_parse_shares("latin=55,hangul=20", sh, msg, sizeof msg) == 0);
    CHECK(sh[RF_TC_LATIN] > 0.549 && sh[RF_TC_LATIN] < 0.551 && sh[RF_TC_HAN] < 0);
    CHECK(rf_train_parse_shares("latin=70,hangul=40", sh, msg, sizeof msg) != 0);
    CHECK(rf_train_parse_shares("klingon=5", sh, msg, sizeof msg) != 0);
    CHECK(strstr(msg, "klingon") != NULL);
    CHECK(rf_train_parse_shares("none", sh, msg, sizeof msg) == 0 && sh[RF_TC_LATIN] < 0);
}

int main(void)
{
    test_jdom();
    test_regex();
    test_load_errors();
    test_long_runs();
    test_gguf_damage();
    test_classes();
    return CHECK_DONE();
}
