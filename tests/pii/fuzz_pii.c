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
#include "stages/json.h"
#include "stages/stage.h"
#include "stages/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern const rf_stage_desc rf_stage_pii;

static void must(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz_pii: property violated: %s\n", what);
        abort();
    }
}

static rf_stage st;
static void *tls;
static rf_opts *opts;
static rf_pii *det;
static rf_pii_scratch *scr;

static void setup(void)
{
    const rf_optspec *tables[1] = {rf_stage_pii.opts};
    rf_err err;
    opts = rf_opts_new(tables, 1);
    must(rf_opts_set(opts, "max-pii", "3", "fuzz", &err) == 0, "option");
    must(rf_opts_set(opts, "spans", "true", "fuzz", &err) == 0, "option");
    must(rf_stage_init(&st, &rf_stage_pii, opts, &err) == 0, "stage init");
    must(rf_stage_pii.thread_init(&st, &tls, &err) == 0, "thread init");
    rf_pii_config cfg = {RF_PII_ALL_TYPES, 0};
    must(rf_pii_new(&det, &cfg, &err) == 0, "detector");
    scr = rf_pii_scratch_new(det);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!opts)
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
    rf_buf line = RF_BUF_INIT, out = RF_BUF_INIT;
    rf_buf_adds(&line, "{\"id\":\"f\",\"text\":");
    rf_buf_json_str(&line, t, n);
    rf_buf_addc(&line, '}');
    rf_arena a;
    rf_arena_init(&a, 0);
    rf_docfmt fmt = {"text", "id", RF_UTF8_REPAIR};
    rf_doc d;
    rf_parse_error pe;
    must(rf_doc_parse(&d, line.p, line.len, &fmt, &a, &pe) == 0, "document does not parse");
    rf_stats stats;
    rf_stats_init(&stats, "pii");
    rf_work w = {tls, &stats, &a};
    rf_err err;
    must(rf_stage_pii.process(&st, &w, &d, &err) == 0, "process failed");
    if (d.reject_reason) {
        must(strcmp(d.reject_reason, "too_much_pii") == 0 && ns > 3, "unexpected reject");
        d.reject_stage = "pii";
        rf_doc_write_reject(&d, &out);
    } else {
        must(ns <= 3, "too many detections kept");
        rf_doc_write(&d, &out);
    }
    rf_json_error je;
    must(out.len > 1 && rf_json_validate(out.p, out.len - 1, &je) == 0, "record is not JSON");
    rf_stats_release(&stats);
    rf_arena_release(&a);
    rf_buf_release(&line);
    rf_buf_release(&out);
    free(t);
    return 0;
}
