/* fuzz_mmidx.c — libFuzzer target for the parsers of untrusted input in
 * refine-pack: MMIDIDX indexes (rf_mmidx_parse; a dataset comes from other
 * tools and machines) and the FIM split-point enumeration over arbitrary
 * text. First byte: mode (even = index, odd = text) and, for indexes, the
 * size of the .bin in 64-byte units. Properties: a parsed index only points
 * inside its .bin (every token is read from an exactly sized buffer, so ASan
 * sees any overrun), document indices are in range; split points are
 * increasing, start at 0, end at n, and plans stay inside the text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stages/utf8.h"
#include "tokenizer/fim.h"
#include "tokenizer/mmidx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_index(const uint8_t *p, size_t n, size_t bin_size)
{
    rf_mmidx m;
    rf_err err = {0, ""};
    unsigned char *copy = malloc(n ? n : 1);
    memcpy(copy, p, n);
    if (rf_mmidx_parse(&m, copy, n, bin_size, "fuzz.idx", &err) == 0) {
        unsigned char *bin = malloc(bin_size ? bin_size : 1);
        memset(bin, 0, bin_size);
        m.bin = bin;
        uint64_t tokens = 0;
        for (uint64_t i = 0; i < m.nseq; i++) {
            uint32_t len = rf_mmidx_length(&m, i);
            if (rf_mmidx_pointer(&m, i) + (uint64_t)len * m.itemsize > bin_size)
                abort();
            for (uint32_t k = 0; k < len; k++)
                (void)rf_mmidx_token(&m, i, k);
            tokens += len;
        }
        for (uint64_t i = 0; i < m.ndocidx; i++)
            if (rf_mmidx_docidx(&m, i) > m.nseq)
                abort();
        if (tokens != m.ntokens)
            abort();
        free(bin);
    }
    free(copy);
}

static void fuzz_text(const uint8_t *p, size_t n)
{
    char *t = malloc(3 * n + 1);
    size_t tn = rf_utf8_repair((const char *)p, n, t, NULL);
    for (int split = 0; split < 2; split++) {
        size_t c = rf_fim_count_bounds(t, tn, (rf_fim_split)split);
        if (c < 1 || rf_fim_bound_at(t, tn, (rf_fim_split)split, 0) != 0 ||
            rf_fim_bound_at(t, tn, (rf_fim_split)split, c - 1) != tn)
            abort();
        size_t prev = 0;
        for (size_t k = 1; k < c && k < 64; k++) {
            size_t b = rf_fim_bound_at(t, tn, (rf_fim_split)split, k);
            if (b <= prev || b > tn || (b < tn && (t[b] & 0xC0) == 0x80))
                abort();
            prev = b;
        }
        rf_fim_plan plan;
        rf_fim_plan_doc(n, 1.0, 0.5, t, tn, (rf_fim_split)split, &plan);
        if (!plan.fim || plan.b0 > plan.b1 || plan.b1 > tn)
            abort();
    }
    free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] & 1)
        fuzz_text(data + 1, size - 1);
    else
        fuzz_index(data + 1, size - 1, (size_t)(data[0] >> 1) * 64);
    return 0;
}
