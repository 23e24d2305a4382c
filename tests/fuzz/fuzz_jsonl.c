/* fuzz_jsonl — libFuzzer target for the JSONL reader and writer. Each input
 * is cut into lines like the runner does; every line is parsed under both
 * UTF-8 policies. Properties checked:
 *   - a parsed document writes to one line of valid JSON and valid UTF-8;
 *   - that line parses again to the same text and id, and writing it again
 *     gives the same bytes (the writer is idempotent);
 *   - reject records and malformed-line records are valid JSON too.
 * Any violation aborts, which libFuzzer and the replay test report. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stages/doc.h"
#include "stages/json.h"
#include "stages/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(int cond, const char *what, const char *line, size_t n)
{
    if (!cond) {
        fprintf(stderr, "fuzz_jsonl: property violated: %s\nline (%zu bytes): %.*s\n", what, n,
                (int)(n > 500 ? 500 : n), line);
        abort();
    }
}

static void valid_line(const rf_buf *b, const char *what, const char *line, size_t n)
{
    rf_json_error e;
    must(b->len > 0 && b->p[b->len - 1] == '\n', what, line, n);
    must(memchr(b->p, '\n', b->len - 1) == NULL, what, line, n);
    must(rf_json_validate(b->p, b->len - 1, &e) == 0, what, line, n);
    must(rf_utf8_check(b->p, b->len) == b->len, what, line, n);
}

static void one_line(const char *line, size_t n, rf_utf8_policy pol, rf_arena *a)
{
    rf_docfmt fmt = {"text", "id", pol};
    rf_doc d, d2;
    rf_parse_error pe;
    rf_buf out = RF_BUF_INIT, out2 = RF_BUF_INIT;
    if (rf_doc_parse(&d, line, n, &fmt, a, &pe) != 0) {
        must(pe.reason != NULL, "failure without a reason", line, n);
        rf_write_malformed(&out, "fuzz", pe.reason, pe.detail, "in", 1, line, n);
        valid_line(&out, "malformed record is not valid JSON", line, n);
        rf_buf_release(&out);
        return;
    }
    size_t tl;
    const char *t = rf_doc_text(&d, &tl);
    must(rf_utf8_check(t, tl) == tl, "decoded text is not UTF-8", line, n);
    rf_doc_write(&d, &out);
    valid_line(&out, "written document is not valid JSON", line, n);

    must(rf_doc_parse(&d2, out.p, out.len - 1, &fmt, a, &pe) == 0, "written line does not parse",
         line, n);
    size_t tl2;
    const char *t2 = rf_doc_text(&d2, &tl2);
    must(tl == tl2 && memcmp(t, t2, tl) == 0, "text changed through write/parse", line, n);
    must((d.id == NULL) == (d2.id == NULL), "id lost", line, n);
    must(!d.id || (d.id_len == d2.id_len && !memcmp(d.id, d2.id, d.id_len)), "id changed", line, n);
    rf_doc_write(&d2, &out2);
    must(out.len == out2.len && !memcmp(out.p, out2.p, out.len), "writer not idempotent", line, n);

    rf_doc_annotate_num(&d2, "score", 0.5, 6);
    d2.reject_stage = "fuzz";
    rf_doc_reject(&d2, "test", "detail with \"quotes\" and %s", "text");
    rf_buf_reset(&out2);
    rf_doc_write_reject(&d2, &out2);
    valid_line(&out2, "reject record is not valid JSON", line, n);
    rf_buf_release(&out);
    rf_buf_release(&out2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rf_arena a;
    rf_arena_init(&a, 0);
    const char *p = (const char *)data;
    size_t i = 0;
    while (i <= size) {
        const char *nl = memchr(p + i, '\n', size - i);
        size_t e = nl ? (size_t)(nl - p) : size;
        one_line(p + i, e - i, RF_UTF8_REPAIR, &a);
        one_line(p + i, e - i, RF_UTF8_REJECT, &a);
        rf_arena_reset(&a);
        if (!nl)
            break;
        i = e + 1;
    }
    rf_arena_release(&a);
    return 0;
}
