/* fuzz_tokenize — libFuzzer target for the encoder. The first input byte
 * picks the mode: even = the rest are raw bytes (repaired to valid UTF-8
 * the way documents are), odd = the rest are read as code points (3 bytes
 * each, any scalar value), i.e. random Unicode. Every text is encoded with
 * byte-level (Llama 3, GPT-2) and byte-fallback (Gemma 3, Llama 2)
 * tokenizers, with and without special tokens. Properties:
 *   - encoding succeeds and every id is below the vocabulary size;
 *   - byte-level models: decode(encode(x)) == x exactly;
 *   - encoding without the pre-token cache gives the same ids as the
 *     long-lived scratch with its cache (the cache never changes a result).
 * A violation aborts. The tokenizers come from $REFINE_TESTDATA; without
 * them the target exits 77 (ctest skip). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stages/utf8.h"
#include "tokenizer/tok_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifndef REFINE_TESTDATA_DEFAULT
#define REFINE_TESTDATA_DEFAULT "../shared/data"
#endif

static const char *const names[] = {"llama3", "gpt2", "gemma3", "llama2"};
#define NTOK (sizeof names / sizeof names[0])
static rf_tokenizer *tk[NTOK];
static rf_tok_scratch *scratch[NTOK];

static void load(void)
{
    const char *dir = getenv("REFINE_TESTDATA");
    if (!dir || !*dir)
        dir = REFINE_TESTDATA_DEFAULT;
    for (size_t i = 0; i < NTOK; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/tokenizers/%s/tokenizer.json", dir, names[i]);
        rf_err err;
        if (rf_tokenizer_load(&tk[i], path, &err)) {
            printf("skip: %s\n", err.msg);
            exit(77);
        }
        scratch[i] = rf_tok_scratch_new(tk[i]);
    }
}

static void must(int cond, const char *what, size_t t, const char *text, size_t n)
{
    if (cond)
        return;
    fprintf(stderr, "fuzz_tokenize: %s: property violated: %s\ntext (%zu bytes): ", names[t], what,
            n);
    for (size_t i = 0; i < n && i < 400; i++)
        fprintf(stderr, "%02x", (unsigned char)text[i]);
    fputc('\n', stderr);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!tk[0])
        load();
    if (size == 0)
        return 0;
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    char *text;
    size_t len = 0;
    if (!(data[0] & 1)) {
        text = malloc(3 * n + 1);
        size_t rep;
        len = rf_utf8_repair((const char *)p, n, text, &rep);
    } else {
        text = malloc(4 * (n / 3) + 1);
        for (size_t i = 0; i + 3 <= n; i += 3) {
            uint32_t cp = ((uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2]) % 0x110000;
            if (cp >= 0xD800 && cp <= 0xDFFF)
                cp = 0xFFFD;
            len += rf_utf8_encode(cp, text + len);
        }
    }
    rf_ids ids = {0}, again = {0};
    rf_buf dec = RF_BUF_INIT;
    rf_err err;
    for (size_t t = 0; t < NTOK; t++) {
        size_t vs = rf_tokenizer_id_limit(tk[t]);
        for (int special = 0; special < 2; special++) {
            must(rf_tokenizer_encode(tk[t], scratch[t], text, len, special, &ids, &err) == 0,
                 "encode failed", t, text, len);
            for (size_t i = 0; i < ids.n; i++)
                must(ids.v[i] < vs, "id out of range", t, text, len);
            rf_tok_scratch *fresh = rf_tok_scratch_new(tk[t]);
            fresh->cache[0].disabled = fresh->cache[1].disabled = 1;
            must(rf_tokenizer_encode(tk[t], fresh, text, len, special, &again, &err) == 0,
                 "encode failed (fresh scratch)", t, text, len);
            rf_tok_scratch_free(fresh);
            int same = again.n == ids.n &&
                       (!ids.n || !memcmp(again.v, ids.v, ids.n * sizeof *ids.v));
            must(same, "cached and uncached encodings differ", t, text, len);
        }
        rf_tokenizer_encode(tk[t], scratch[t], text, len, 0, &ids, &err);
        rf_buf_reset(&dec);
        must(rf_tokenizer_decode(tk[t], ids.v, ids.n, 0, &dec, &err) == 0, "decode failed", t,
             text, len);
        if (rf_tokenizer_is_byte_level(tk[t]))
            must(dec.len == len && !memcmp(dec.p ? dec.p : "", text, len),
                 "decode(encode(x)) != x", t, text, len);
    }
    rf_ids_release(&ids);
    rf_ids_release(&again);
    rf_buf_release(&dec);
    free(text);
    return 0;
}
