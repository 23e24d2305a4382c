/* fuzz_heuristic — libFuzzer target for the heuristic stage's text path:
 * language ID, the three word splitters, sentence counting and every rule
 * profile (with and without ALL_METRICS) on arbitrary text. The input is
 * repaired to valid UTF-8 first, as the runner does before a stage sees it.
 * Properties checked:
 *   - words lie inside the text, in order, with 1 <= cps <= len;
 *   - script counts add up to the character count, scores are in [0, 1];
 *   - metrics are NaN or finite and non-negative;
 *   - C4's edited text is valid UTF-8 and no longer than the input;
 *   - a text gets the same verdict twice (scratch reuse leaks nothing).
 * Any violation aborts; the corpus replays under ctest. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filters/heuristic_rules.h"
#include "filters/langid.h"
#include "stages/utf8.h"

#define REQUIRE(c)                                                            \
    do {                                                                      \
        if (!(c)) {                                                           \
            fprintf(stderr, "fuzz_heuristic: %s:%d: %s\n", __FILE__, __LINE__, #c); \
            abort();                                                          \
        }                                                                     \
    } while (0)

static rf_heur_scratch *S;
static rf_hwords W;
static rf_heur_profile P[RF_PROF_COUNT];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!S) {
        S = rf_heur_scratch_new();
        rf_hwords_init(&W);
        for (int i = 0; i < RF_PROF_COUNT; i++)
            rf_heur_profile_default(&P[i], (rf_heur_prof)i);
    }
    char *text = malloc(3 * size + 1);
    size_t replaced;
    size_t n = rf_utf8_repair((const char *)data, size, text, &replaced);
    REQUIRE(rf_utf8_check(text, n) == n);

    rf_langid li;
    rf_langid_detect(text, n, &li);
    uint64_t sum = 0;
    for (int s = 0; s < RF_SCRIPT_COUNT; s++)
        sum += li.count[s];
    REQUIRE(sum == li.chars && li.chars <= n);
    REQUIRE(li.score >= 0 && li.score <= 1);

    static const rf_words_mode modes[] = {RF_WORDS_SPACE, RF_WORDS_CJK, RF_WORDS_EN};
    for (size_t m = 0; m < 3; m++) {
        rf_hwords_split(&W, text, n, modes[m]);
        size_t prev_end = 0;
        for (size_t i = 0; i < W.n; i++) {
            const rf_hword *w = &W.v[i];
            REQUIRE(w->len > 0 && w->off >= prev_end && (size_t)w->off + w->len <= n);
            REQUIRE(w->cps >= 1 && w->cps <= w->len);
            REQUIRE(rf_utf8_check(text + w->off, w->len) == w->len);
            prev_end = w->off + w->len;
        }
        size_t sent = rf_hwords_sentences(&W, text, n, modes[m]);
        REQUIRE(sent <= n);
    }

    for (int p = 0; p < RF_PROF_COUNT; p++) {
        for (unsigned flags = 0; flags <= RF_HEUR_ALL_METRICS; flags++) {
            rf_heur_result r, r2;
            rf_heur_eval(&P[p], S, text, n, flags, &r);
            const double *mv = (const double *)&r.m;
            for (size_t k = 0; k < sizeof r.m / sizeof(double); k++)
                REQUIRE(isnan(mv[k]) || (isfinite(mv[k]) && mv[k] >= 0));
            REQUIRE(r.text_len <= n);
            REQUIRE(rf_utf8_check(r.text, r.text_len) == r.text_len);
            const char *reason = r.reason;
            size_t tl = r.text_len;
            rf_heur_eval(&P[p], S, text, n, flags, &r2);
            REQUIRE(r2.reason == reason && r2.text_len == tl);
        }
    }
    free(text);
    return 0;
}
