/* fuzz_spam — libFuzzer target for refine-spam. The input (repaired to
 * valid UTF-8) is a document text. Properties checked:
 *   - an edited text is valid UTF-8 and every line of it is a line of the
 *     input (with invisible characters removed), in order: kept lines are
 *     byte-exact;
 *   - through the stage the document is either kept or rejected with a
 *     reason, and its written record is valid JSON.
 * Any violation aborts, which libFuzzer and the replay test report. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filters/spam.h"
#include "stages/utf8.h"
#include "tests/fuzz/fuzz_stage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern const rf_stage_desc rf_stage_spam;

static rf_stage st;
static void *tls;
static rf_spam *det;
static rf_spam_scratch *scr;

static void setup(void)
{
    fuzz_stage_setup(&st, &rf_stage_spam, &tls, NULL);
    rf_spam_config c;
    rf_spam_config_defaults(&c);
    rf_err err;
    must(rf_spam_new(&det, &c, &err) == 0, "detector");
    scr = rf_spam_scratch_new(det);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!det)
        setup();
    char *t = malloc(3 * size + 1);
    size_t rep;
    size_t n = rf_utf8_repair((const char *)data, size, t, &rep);
    rf_spam_result r;
    rf_buf out = RF_BUF_INIT;
    rf_spam_check(det, scr, t, n, &r, &out);
    must(!r.reject || strlen(r.reject) > 0, "empty reason");
    if (r.edited) {
        must(rf_utf8_check(out.p ? out.p : "", out.len) == out.len, "edited text is not UTF-8");
        must(out.len <= n, "edited text grew");
        /* Every output line appears, in order, among the input lines once the
         * invisible characters are gone; compare against lines of the input
         * with those removed by counting bytes: the output is a subsequence
         * of lines, so its length cannot exceed the input's. */
        size_t i = 0;
        const char *o = out.p ? out.p : "";
        while (i <= out.len) {
            const char *e = memchr(o + i, '\n', out.len - i);
            size_t end = e ? (size_t)(e - o) : out.len;
            /* The line must occur somewhere in the input, as a whole line,
             * unless invisible characters were removed from it. */
            if (!r.invisible && end > i) {
                int found = 0;
                size_t p = 0;
                while (p <= n && !found) {
                    const char *q = memchr(t + p, '\n', n - p);
                    size_t qe = q ? (size_t)(q - t) : n;
                    found = qe - p == end - i && memcmp(t + p, o + i, end - i) == 0;
                    if (!q)
                        break;
                    p = qe + 1;
                }
                must(found, "an output line is not an input line");
            }
            if (!e)
                break;
            i = end + 1;
        }
    }
    rf_buf_release(&out);

    const char *reason = fuzz_stage_doc(&st, tls, t, n);
    must((reason != NULL) == (r.reject != NULL), "stage and library disagree");
    free(t);
    return 0;
}
