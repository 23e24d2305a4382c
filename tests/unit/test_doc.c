/* test_doc — the document model: pass-through of untouched fields, canonical
 * re-encoding of the text, annotations and their merge with an input
 * "refine" object, reject records, and every parse failure reason. */
#include "stages/doc.h"
#include "tests/unit/check.h"

static rf_arena arena;
static rf_docfmt fmt = {"text", "id", RF_UTF8_REPAIR};

static int parse(rf_doc *d, const char *line, rf_parse_error *pe)
{
    return rf_doc_parse(d, line, strlen(line), &fmt, &arena, pe);
}

static void roundtrip(const char *in, const char *want)
{
    rf_doc d;
    rf_parse_error pe;
    if (parse(&d, in, &pe)) {
        fprintf(stderr, "parse failed: %s: %s\n", pe.reason, pe.detail);
        check_failures++;
        return;
    }
    rf_buf out = RF_BUF_INIT;
    rf_doc_write(&d, &out);
    CHECK_MEM(out.p, out.len, want);
    rf_buf_release(&out);
}

static void fails(const char *in, const char *reason)
{
    rf_doc d;
    rf_parse_error pe = {NULL, NULL};
    int rc = parse(&d, in, &pe);
    if (rc == 0 || !pe.reason || strcmp(pe.reason, reason) != 0) {
        fprintf(stderr, "%s: expected failure %s, got %s\n", in, reason,
                rc ? pe.reason : "success");
        check_failures++;
    }
}

int main(void)
{
    rf_arena_init(&arena, 0);

    /* Untouched fields are copied byte-for-byte (nested whitespace too); the
     * top level is written compactly. */
    roundtrip("{\"id\": \"a1\", \"meta\": {\"x\": [1, 2]},  \"text\": \"hello\\nworld\", \"n\": 1.50}",
              "{\"id\":\"a1\",\"meta\":{\"x\": [1, 2]},\"text\":\"hello\\nworld\",\"n\":1.50}\n");
    /* Non-canonical escapes in the text are normalised; elsewhere kept. */
    roundtrip("{\"text\":\"caf\\u00e9 \\/ \\u000A\",\"u\":\"\\u00e9\"}",
              "{\"text\":\"caf\xc3\xa9 / \\n\",\"u\":\"\\u00e9\"}\n");
    /* Key with an escape still names the text field. */
    roundtrip("{\"te\\u0078t\":\"hi\"}", "{\"te\\u0078t\":\"hi\"}\n");
    /* CRLF line endings: the \r is whitespace. */
    roundtrip("{\"text\":\"x\"}\r", "{\"text\":\"x\"}\n");

    rf_doc d;
    rf_parse_error pe;
    size_t n;
    CHECK(parse(&d, "{\"id\":42,\"text\":\"a\\tb\"}", &pe) == 0);
    CHECK_MEM(d.id, d.id_len, "42");
    const char *t = rf_doc_text(&d, &n);
    CHECK_MEM(t, n, "a\tb");
    CHECK(parse(&d, "{\"id\":\"x\\\"y\",\"text\":\"\"}", &pe) == 0);
    CHECK_MEM(d.id, d.id_len, "x\"y");
    CHECK(parse(&d, "{\"id\":null,\"text\":\"\"}", &pe) == 0 && d.id == NULL);

    /* Annotations go last under "refine"; an input refine object is merged
     * (moved to the end, same key replaced in place). */
    CHECK(parse(&d, "{\"refine\":{\"a\":1,\"lang\":\"en\"},\"text\":\"x\",\"z\":true}", &pe) == 0);
    rf_doc_annotate_str(&d, "lang", "ko", 2);
    rf_doc_annotate_num(&d, "score", 0.987654321, 4);
    rf_doc_annotate_int(&d, "tokens", 7);
    rf_buf out = RF_BUF_INIT;
    rf_doc_write(&d, &out);
    CHECK_MEM(out.p, out.len,
              "{\"text\":\"x\",\"z\":true,\"refine\":{\"a\":1,\"lang\":\"ko\",\"score\":0.9877,\"tokens\":7}}\n");
    const char *av = rf_doc_annotation(&d, "lang", &n);
    CHECK(av && n == 4 && !memcmp(av, "\"ko\"", 4));

    /* Reject records keep the document and add refine.reject. */
    rf_buf_reset(&out);
    d.reject_stage = "heuristic";
    rf_doc_reject(&d, "too_short", "%d words", 3);
    rf_doc_write_reject(&d, &out);
    CHECK_MEM(out.p, out.len,
              "{\"text\":\"x\",\"z\":true,\"refine\":{\"a\":1,\"lang\":\"ko\",\"score\":0.9877,"
              "\"tokens\":7,\"reject\":{\"stage\":\"heuristic\",\"reason\":\"too_short\","
              "\"detail\":\"3 words\"}}}\n");

    /* Edited text is re-encoded. */
    CHECK(parse(&d, "{\"text\":\"old\"}", &pe) == 0);
    rf_doc_set_text(&d, "new\n\"line\"", 10);
    rf_buf_reset(&out);
    rf_doc_write(&d, &out);
    CHECK_MEM(out.p, out.len, "{\"text\":\"new\\n\\\"line\\\"\"}\n");

    /* UTF-8 repair in the text and in other fields. */
    CHECK(parse(&d, "{\"text\":\"a\xff" "b\",\"m\":\"c\xfe\"}", &pe) == 0);
    CHECK(d.utf8_repaired && d.text_edited);
    rf_buf_reset(&out);
    rf_doc_write(&d, &out);
    CHECK_MEM(out.p, out.len, "{\"text\":\"a\xef\xbf\xbd" "b\",\"m\":\"c\xef\xbf\xbd\"}\n");
    CHECK(parse(&d, "{\"text\":\"\\ud800\"}", &pe) == 0 && d.utf8_repaired);

    /* Every failure reason. */
    fails("", "empty_line");
    fails("   ", "empty_line");
    fails("[1,2]", "not_object");
    fails("\"text\"", "not_object");
    fails("{\"id\":1}", "no_text");
    fails("{\"text\":5}", "text_not_string");
    fails("{\"text\":null}", "text_not_string");
    fails("{\"text\":\"a\",\"text\":\"b\"}", "duplicate_field");
    fails("{\"text\":\"a\",\"refine\":3}", "bad_refine_field");
    fails("{\"text\":\"a\"", "malformed_json");
    fails("{\"text\":\"a\"} x", "malformed_json");
    fails("{\"text\":\"a\",}", "malformed_json");
    fails("{text:\"a\"}", "malformed_json");
    fmt.utf8 = RF_UTF8_REJECT;
    fails("{\"text\":\"a\xff\"}", "invalid_utf8");
    fails("{\"text\":\"\\udc00\"}", "invalid_utf8");
    fails("{\"text\":\"ok\",\"m\":\"\xff\"}", "invalid_utf8");
    fmt.utf8 = RF_UTF8_REPAIR;

    /* Malformed records keep their raw bytes: escaped, or base64 when they
     * are not UTF-8. */
    rf_buf_reset(&out);
    rf_write_malformed(&out, "cat", "malformed_json", "column 3: x", "in.jsonl", 7, "{\"a", 3);
    CHECK_MEM(out.p, out.len,
              "{\"refine\":{\"reject\":{\"stage\":\"cat\",\"reason\":\"malformed_json\",\"detail\":"
              "\"column 3: x\",\"input\":\"in.jsonl\",\"line\":7,\"raw\":\"{\\\"a\"}}}\n");
    rf_buf_reset(&out);
    rf_write_malformed(&out, "cat", "oversized", NULL, "in.jsonl", 1, "\xff\x00" "a", 3);
    CHECK(strstr(out.p, "\"raw_base64\":\"/wBh\"") != NULL);

    rf_buf_release(&out);
    rf_arena_release(&arena);
    return CHECK_DONE();
}
