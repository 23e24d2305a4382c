/* fuzz_fasttext — libFuzzer target for the fastText model reader. Each input
 * is a model file. Properties checked:
 *   - loading either fails with a message or gives a model;
 *   - a loaded model predicts on a few lines (words, labels, Hangul,
 *     invalid UTF-8, an empty line) without faults: at most nlabels
 *     predictions, valid label indices, scores in descending order (NaN
 *     weights excepted), a formatted line ending in '\n';
 *   - top-1 is the first of the full ranking.
 * Any violation aborts, which libFuzzer and the replay test report. ASan and
 * UBSan catch out-of-bounds reads, overflows and undefined casts. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filters/fasttext.h"

#define REQUIRE(c)                                                          \
    do {                                                                    \
        if (!(c)) {                                                         \
            fprintf(stderr, "fuzz_fasttext: property failed: %s\n", #c);    \
            abort();                                                        \
        }                                                                   \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rf_err err = {0, ""};
    rf_ft_model *m = NULL;
    int rc = rf_ft_load_mem(&m, data, size, "fuzz", &err);
    if (rc) {
        REQUIRE(rc < 0 && err.msg[0] && m == NULL);
        return 0;
    }
    static const char *const lines[] = {
        "", "the a of __label__0 __label__1", "hello world hello world hello",
        "\xea\xb0\x80\xeb\x82\x98\xeb\x8b\xa4 \xeb\x9d\xbc", "\xff\xfe\x80 x\ty\rz",
        "</s> <s> < >",
    };
    int32_t nl = rf_ft_nlabels(m);
    REQUIRE(nl >= 1);
    rf_ft_scratch *s = rf_ft_scratch_new(m);
    rf_ft_pred *all = malloc((size_t)nl * sizeof *all);
    rf_ft_pred one[1];
    rf_buf b = RF_BUF_INIT;
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
        size_t n = strlen(lines[i]);
        int np = rf_ft_predict(m, s, lines[i], n, -1, 0.0f, all);
        REQUIRE(np >= 0 && np <= nl);
        int nan = 0;
        for (int j = 0; j < np; j++) {
            REQUIRE(all[j].label >= 0 && all[j].label < nl);
            nan |= isnan(all[j].score);
            if (j && !nan)
                REQUIRE(!(all[j].score > all[j - 1].score));
        }
        int n1 = rf_ft_predict_line(m, s, lines[i], n, (int)(i & 1), 1, 0.5f, one);
        REQUIRE(n1 >= 0 && n1 <= 1);
        if (n1 && !nan && np)
            REQUIRE(one[0].prob >= 0.49f || isnan(one[0].prob));
        rf_buf_reset(&b);
        rf_ft_format_line(m, all, np, 1, &b);
        REQUIRE(b.len >= 1 && b.p[b.len - 1] == '\n');
    }
    rf_buf_release(&b);
    free(all);
    rf_ft_scratch_free(s);
    rf_ft_free(m);
    return 0;
}
