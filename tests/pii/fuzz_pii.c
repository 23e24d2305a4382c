/* fuzz_pii — libFuzzer target for refine-pii. The input (repaired to valid
 * UTF-8) is a document text. Properties checked:
 *   - spans are in bounds, non-empty, sorted and disjoint;
 *   - every replacement policy writes valid UTF-8, and with tags every byte
 *     outside the spans is copied unchanged;
 *   - through the stage (max-pii 3, spans on) the document is either kept
 *     or rejected with a reason, and its written record is valid JSON.
 * Any violation aborts, which libFuzzer and the replay test report. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filters/pii.h"
#include "stages/utf8.h"
#include "tests/fuzz/fuzz_stage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern const rf_stage_desc rf_stage_pii;

static rf_stage st;
static void *tls;
static rf_pii *det;
static rf_pii_scratch *scr;

static void setup(void)
{
    static const char *const kv[] = {"max-pii", "3", "spans", "true", NULL};
    fuzz_stage_setup(&st, &rf_stage_pii, &tls, kv);
    rf_pii_config cfg = {RF_PII_ALL_TYPES, 0};
    rf_err err;
    must(rf_pii_new(&det, &cfg, &err) == 0, "detector");
    scr = rf_pii_scratch_new(det);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!det)
        setup();
    char *t = malloc(3 * size + 1);
    size_t rep;
    size_t n = rf_utf8_repair((const char *)data, size, t, &rep);
    const rf_pii_span *sp;
    size_t ns = rf_pii_detect(det, scr, t, n, &sp);
    for (size_t i = 0; i < ns; i++) {
        must(sp[i].start < sp[i].end && sp[i].end <= n, "span out of bounds");
        must(i == 0 || sp[i - 1].end <= sp[i].start, "spans overlap or unsorted");
        must(sp[i].type < RF_PII_NTYPES, "bad type");
    }
    rf_pii_span *copy = malloc((ns + 1) * sizeof *copy);
    memcpy(copy, sp, ns * sizeof *copy);
    for (int pol = RF_PII_TAG; pol <= RF_PII_REMOVE; pol++) {
        rf_pii_replacer r = {0};
        r.policy = (rf_pii_policy)pol;
        r.key = (const unsigned char *)"fuzz-key";
        r.keylen = pol == RF_PII_HASH ? 8 : 0;
        rf_buf b = RF_BUF_INIT;
        rf_pii_replace(&r, t, n, copy, ns, &b);
        must(rf_utf8_check(b.p ? b.p : "", b.len) == b.len, "replacement is not UTF-8");
        if (pol == RF_PII_TAG) {
            size_t pos = 0, o = 0;
            for (size_t i = 0; i < ns; i++) {
                size_t k = copy[i].start - pos;
                must(o + k <= b.len && memcmp(b.p + o, t + pos, k) == 0, "untouched bytes changed");
                o += k + strlen(rf_pii_default_tag(copy[i].type));
                pos = copy[i].end;
            }
            must(o + (n - pos) == b.len && memcmp(b.p + o, t + pos, n - pos) == 0,
                 "untouched tail changed");
        }
        rf_buf_release(&b);
    }
    free(copy);

    /* Through the stage: one document, kept or rejected, written as JSON. */
    const char *reason = fuzz_stage_doc(&st, tls, t, n);
    if (reason)
        must(strcmp(reason, "too_much_pii") == 0 && ns > 3, "unexpected reject");
    else
        must(ns <= 3, "too many detections kept");
    free(t);
    return 0;
}
