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
#include "stages/json.h"
#include "stages/stage.h"
#include "stages/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern const rf_stage_desc rf_stage_spam;

static void must(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz_spam: property violated: %s\n", what);
        abort();
    }
}

static rf_stage st;
static void *tls;
static rf_opts *opts;
static rf_spam *det;
static rf_spam_scratch *scr;

static void setup(void)
{
    const rf_optspec *tables[1] = {rf_stage_spam.opts};
    rf_err err;
    opts = rf_opts_new(tables, 1);
    must(rf_stage_init(&st, &rf_stage_spam, opts, &err) == 0, "stage init");
    must(rf_stage_spam.thread_init(&st, &tls, &err) == 0, "thread init");
    rf_spam_config c;
    rf_spam_config_defaults(&c);
    must(rf_spam_new(&det, &c, &err) == 0, "detector");
    scr = rf_spam_scratch_new(det);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!opts)
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

    rf_buf line = RF_BUF_INIT, rec = RF_BUF_INIT;
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
    rf_stats_init(&stats, "spam");
    rf_work w = {tls, &stats, &a};
    rf_err err;
    must(rf_stage_spam.process(&st, &w, &d, &err) == 0, "process failed");
    must((d.reject_reason != NULL) == (r.reject != NULL), "stage and library disagree");
    if (d.reject_reason) {
        d.reject_stage = "spam";
        rf_doc_write_reject(&d, &rec);
    } else {
        rf_doc_write(&d, &rec);
    }
    rf_json_error je;
    must(rec.len > 1 && rf_json_validate(rec.p, rec.len - 1, &je) == 0, "record is not JSON");
    rf_stats_release(&stats);
    rf_arena_release(&a);
    rf_buf_release(&line);
    rf_buf_release(&rec);
    free(t);
    return 0;
}
