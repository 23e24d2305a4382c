/* test_tok_golden — encodes the 366 golden inputs with each shared tokenizer
 * (llama3, qwen3, gemma3, gpt2, llama2, gpt-neox) and compares with the ids
 * HF tokenizers 0.22 produced (golden/<name>.jsonl.zst: ids and
 * ids_with_special), printing the first differing position of any mismatch.
 * Also checks decoding: decode(ids) equals the input exactly where HF's did
 * (decoded_equal), and the Llama 2 vocabulary read from a GGUF file encodes
 * like llama2's tokenizer.json. Skips (77) without the shared data. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "stages/io.h"
#include "tests/unit/check.h"
#include "tokenizer/jdom.h"
#include "tokenizer/tokenizer.h"

/* The whole (possibly compressed) file, decompressed. */
static char *read_decompressed(const char *path, size_t *n)
{
    rf_err err;
    rf_input *in;
    if (rf_input_open(&in, path, &err))
        return NULL;
    rf_src *src;
    const char *name;
    rf_buf b = RF_BUF_INIT;
    while (rf_input_next(in, &src, &name, &err) == 1) {
        char tmp[1 << 16];
        ssize_t r;
        while ((r = rf_src_read(src, tmp, sizeof tmp, &err)) > 0)
            rf_buf_add(&b, tmp, (size_t)r);
    }
    rf_input_close(in);
    return rf_buf_detach(&b, n);
}

typedef struct line {
    rf_jdom dom;
} line;

/* Parses a JSONL file into an array of DOMs. */
static rf_jdom *read_jsonl(const char *path, size_t *count, char **keep)
{
    size_t n;
    char *text = read_decompressed(path, &n);
    if (!text)
        return NULL;
    *keep = text;
    rf_jdom *v = NULL;
    size_t k = 0, cap = 0, i = 0;
    while (i < n) {
        char *nl = memchr(text + i, '\n', n - i);
        size_t e = nl ? (size_t)(nl - text) : n;
        if (e > i) {
            if (k == cap) {
                cap = cap ? 2 * cap : 512;
                v = realloc(v, cap * sizeof *v);
            }
            rf_err err;
            if (rf_jdom_parse(&v[k], text + i, e - i, path, &err)) {
                fprintf(stderr, "%s\n", err.msg);
                exit(1);
            }
            k++;
        }
        i = e + 1;
    }
    *count = k;
    return v;
}

static int same_ids(const char *name, const char *what, const rf_jv *id, const rf_jv *want,
                    const rf_ids *got)
{
    size_t n = want->n < got->n ? want->n : got->n, i = 0;
    while (i < n && (uint32_t)want->u.items[i].u.num == got->v[i])
        i++;
    if (i == want->n && want->n == got->n)
        return 1;
    fprintf(stderr, "%s %s %.*s: first difference at token %zu (HF %zu ids, refine %zu): HF %u, "
                    "refine %u\n",
            name, what, (int)id->n, id->u.s, i, (size_t)want->n, got->n,
            i < want->n ? (unsigned)want->u.items[i].u.num : 0u, i < got->n ? got->v[i] : 0u);
    return 0;
}

int main(void)
{
    const char *data = testdata_dir();
    char path[4096];
    snprintf(path, sizeof path, "%s/tokenizers/golden/inputs.jsonl.zst", data);
    struct stat st;
    if (stat(path, &st) != 0) {
        printf("skip: %s not found\n", path);
        return 77;
    }
    size_t ninputs;
    char *keep_in;
    rf_jdom *inputs = read_jsonl(path, &ninputs, &keep_in);
    CHECK(inputs && ninputs == 366);
    static const char *const names[] = {"llama3", "qwen3", "gemma3", "gpt2", "llama2", "gpt-neox"};
    rf_ids ids = {0};
    rf_buf dec = RF_BUF_INIT;
    for (size_t t = 0; t < sizeof names / sizeof names[0]; t++) {
        snprintf(path, sizeof path, "%s/tokenizers/%s/tokenizer.json", data, names[t]);
        rf_tokenizer *tk;
        rf_err err;
        if (rf_tokenizer_load(&tk, path, &err)) {
            fprintf(stderr, "%s\n", err.msg);
            CHECK(0);
            continue;
        }
        snprintf(path, sizeof path, "%s/tokenizers/golden/%s.jsonl.zst", data, names[t]);
        size_t ngold;
        char *keep_gold;
        rf_jdom *gold = read_jsonl(path, &ngold, &keep_gold);
        CHECK(gold && ngold == ninputs);
        rf_tok_scratch *s = rf_tok_scratch_new(tk);
        size_t bad = 0, dec_bad = 0;
        for (size_t i = 0; gold && i < ngold && i < ninputs; i++) {
            const rf_jv *text = rf_jv_get(inputs[i].root, "text");
            const rf_jv *id = rf_jv_get(gold[i].root, "id");
            for (int special = 0; special < 2; special++) {
                const rf_jv *want = rf_jv_get(gold[i].root, special ? "ids_with_special" : "ids");
                if (rf_tokenizer_encode(tk, s, text->u.s, text->n, special, &ids, &err)) {
                    fprintf(stderr, "%s: %s\n", names[t], err.msg);
                    bad++;
                    continue;
                }
                if (!same_ids(names[t], special ? "with special" : "plain", id, want, &ids))
                    bad++;
            }
            /* decode(encode(text)) == text exactly where HF's was. */
            rf_tokenizer_encode(tk, s, text->u.s, text->n, 0, &ids, &err);
            rf_buf_reset(&dec);
            CHECK(rf_tokenizer_decode(tk, ids.v, ids.n, 0, &dec, &err) == 0);
            int eq = dec.len == text->n && memcmp(dec.p ? dec.p : "", text->u.s, text->n) == 0;
            int hf_eq = rf_jv_get(gold[i].root, "decoded_equal")->type == RF_JSON_TRUE;
            if (eq != hf_eq) {
                fprintf(stderr, "%s %.*s: decode()==text is %d, HF says %d\n", names[t],
                        (int)id->n, id->u.s, eq, hf_eq);
                dec_bad++;
            }
        }
        printf("%-9s %zu inputs: %zu id mismatches, %zu decode mismatches\n", names[t], ngold, bad,
               dec_bad);
        CHECK(bad == 0);
        CHECK(dec_bad == 0);
        rf_tok_scratch_free(s);
        for (size_t i = 0; i < ngold; i++)
            rf_jdom_release(&gold[i]);
        free(gold);
        free(keep_gold);
        rf_tokenizer_free(tk);
    }

    /* GGUF: the Llama 2 vocabulary of a GGUF file against llama2's
     * tokenizer.json, on inputs without the strings that file adds as tokens
     * (the GGUF has no |||EMAIL_ADDRESS||| tokens; its <s>/</s> are matched
     * on raw text like llama.cpp rather than after normalisation). */
    snprintf(path, sizeof path, "%s/models/llama-2-tiny-random.gguf", data);
    rf_tokenizer *g = NULL, *j = NULL;
    rf_err err;
    int grc = rf_tokenizer_load(&g, path, &err);
    if (grc)
        fprintf(stderr, "%s\n", err.msg);
    CHECK(grc == 0);
    snprintf(path, sizeof path, "%s/tokenizers/llama2/tokenizer.json", data);
    CHECK(rf_tokenizer_load(&j, path, &err) == 0);
    if (g && j) {
        CHECK(rf_tokenizer_vocab_size(g) == 32000);
        rf_tok_scratch *sg = rf_tok_scratch_new(g), *sj = rf_tok_scratch_new(j);
        rf_ids b = {0};
        size_t compared = 0, bad = 0;
        for (size_t i = 0; i < ninputs; i++) {
            const rf_jv *text = rf_jv_get(inputs[i].root, "text");
            if (strstr(text->u.s, "|||") || strstr(text->u.s, "<s>") || strstr(text->u.s, "</s>") ||
                strstr(text->u.s, "<unk>"))
                continue;
            for (int special = 0; special < 2; special++) {
                CHECK(rf_tokenizer_encode(g, sg, text->u.s, text->n, special, &ids, &err) == 0);
                CHECK(rf_tokenizer_encode(j, sj, text->u.s, text->n, special, &b, &err) == 0);
                compared++;
                if (ids.n != b.n || memcmp(ids.v, b.v, ids.n * sizeof *ids.v) != 0)
                    bad++;
            }
        }
        printf("gguf      %zu encodings compared with llama2/tokenizer.json: %zu differ\n",
               compared, bad);
        CHECK(compared > 600 && bad == 0);
        rf_ids_release(&b);
        rf_tok_scratch_free(sg);
        rf_tok_scratch_free(sj);
    }
    rf_tokenizer_free(g);
    rf_tokenizer_free(j);

    for (size_t i = 0; i < ninputs; i++)
        rf_jdom_release(&inputs[i]);
    free(inputs);
    free(keep_in);
    rf_ids_release(&ids);
    rf_buf_release(&dec);
    return CHECK_DONE();
}
