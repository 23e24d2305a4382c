/* test_json — scanner details the conformance suite does not pin down:
 * string flags (escapes, canonical form, ill-formed UTF-8, lone surrogates),
 * unescaping, hostile nesting, and the canonical string writer. */
#include <inttypes.h>

#include "stages/buf.h"
#include "stages/json.h"
#include "tests/unit/check.h"

static unsigned flags_of(const char *s)
{
    size_t i = 0;
    unsigned f = 0;
    rf_json_error e;
    if (rf_json_scan_string(s, strlen(s), &i, &f, &e) != 0 || i != strlen(s))
        return 0xFFFF;
    return f;
}

static int valid(const char *s)
{
    rf_json_error e;
    return rf_json_validate(s, strlen(s), &e) == 0;
}

static void unescape_case(const char *quoted, const char *want)
{
    size_t n = strlen(quoted) - 2;
    char out[256];
    size_t m = rf_json_unescape(quoted + 1, n, out);
    CHECK_MEM(out, m, want);
}

int main(void)
{
    CHECK(flags_of("\"plain ascii text that is long enough\"") == 0);
    CHECK(flags_of("\"한국어 문장\"") == 0);
    CHECK(flags_of("\"a\\nb\\t\\\"\\\\\"") == RF_JSTR_ESCAPE);
    CHECK(flags_of("\"a\\u001f\"") == RF_JSTR_ESCAPE);                   /* canonical */
    CHECK(flags_of("\"a\\u001F\"") == (RF_JSTR_ESCAPE | RF_JSTR_NONCANON)); /* upper hex */
    CHECK(flags_of("\"\\/\"") == (RF_JSTR_ESCAPE | RF_JSTR_NONCANON));
    CHECK(flags_of("\"\\u00e9\"") == (RF_JSTR_ESCAPE | RF_JSTR_NONCANON));
    CHECK(flags_of("\"\\u000a\"") == (RF_JSTR_ESCAPE | RF_JSTR_NONCANON)); /* we write \n */
    CHECK(flags_of("\"\\ud83d\\ude00\"") == (RF_JSTR_ESCAPE | RF_JSTR_NONCANON));
    CHECK(flags_of("\"\\ud800x\"") & RF_JSTR_SURROGATE);
    CHECK(flags_of("\"\\udc00\"") & RF_JSTR_SURROGATE);
    CHECK(flags_of("\"bad \xff byte\"") == RF_JSTR_BADUTF8);
    CHECK(flags_of("\"ctl \x01\"") == 0xFFFF);  /* raw control char */
    CHECK(flags_of("\"\\x\"") == 0xFFFF);       /* bad escape */
    CHECK(flags_of("\"\\u12\"") == 0xFFFF);
    CHECK(flags_of("\"unterminated") == 0xFFFF);
    /* The eight-byte fast path must not skip a quote at any alignment. */
    for (int k = 0; k < 16; k++) {
        char s[40];
        memset(s, 'a', sizeof s);
        s[0] = '"';
        s[1 + k] = '"';
        size_t i = 0;
        unsigned f;
        rf_json_error e;
        CHECK(rf_json_scan_string(s, sizeof s, &i, &f, &e) == 0 && i == (size_t)(2 + k));
    }

    unescape_case("\"a\\nb\"", "a\nb");
    unescape_case("\"\\u00e9\\u4e2d\"", "\xc3\xa9\xe4\xb8\xad");
    unescape_case("\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80");
    unescape_case("\"x\\ud800y\"", "x\xef\xbf\xbdy");
    unescape_case("\"\\/\\\\\\\"\"", "/\\\"");

    rf_json_error e;
    CHECK(valid("{\"a\":[1,2.5e-3,true,false,null,{}],\"b\":\"c\"}"));
    CHECK(valid(" [ ] "));
    CHECK(!valid("01"));
    CHECK(!valid("1."));
    CHECK(!valid("-"));
    CHECK(!valid("[1,]"));
    CHECK(!valid("{\"a\" 1}"));
    CHECK(!valid("tru"));
    CHECK(!valid("[] []"));

    /* Deep nesting: no recursion, so a million levels are just slow-free. */
    size_t depth = 1000000;
    rf_buf deep = RF_BUF_INIT;
    for (size_t i = 0; i < depth; i++)
        rf_buf_addc(&deep, '[');
    for (size_t i = 0; i < depth; i++)
        rf_buf_addc(&deep, ']');
    CHECK(rf_json_validate(deep.p, deep.len, &e) == 0);
    rf_buf_setlen(&deep, deep.len - 1);
    CHECK(rf_json_validate(deep.p, deep.len, &e) != 0);
    rf_buf_release(&deep);

    /* The writer's escaping is canonical: scanning its output reports no
     * non-canonical escape, and unescaping gives the input back. */
    const char raw[] = "tab\there \"q\" back\\slash \x01\x1f nl\n \xed\x95\x9c \x7f /";
    rf_buf w = RF_BUF_INIT;
    rf_buf_json_str(&w, raw, sizeof raw - 1);
    CHECK_MEM(w.p, w.len,
              "\"tab\\there \\\"q\\\" back\\\\slash \\u0001\\u001f nl\\n \xed\x95\x9c \x7f /\"");
    CHECK(flags_of(w.p) == RF_JSTR_ESCAPE);
    /* Escaping eight bytes at a time == byte by byte, at every offset of a
     * special byte in and around the eight-byte steps. */
    {
        static const char sp[] = {'"', '\\', '\n', '\t', 0x00, 0x1f, 0x20, 0x21, 0x5b, 0x5d, 0x7f};
        int bad = 0;
        for (size_t len = 0; len < 40; len++)
            for (size_t at = 0; at <= len; at++)
                for (size_t k = 0; k < sizeof sp; k++) {
                    char in[40];
                    for (size_t j = 0; j < len; j++)
                        in[j] = (char)(j % 3 ? 'a' + j % 26 : 0xEA + j % 3);
                    if (at < len)
                        in[at] = sp[k];
                    rf_buf got = RF_BUF_INIT, want = RF_BUF_INIT;
                    rf_buf_json_str(&got, in, len);
                    rf_buf_addc(&want, '"');
                    for (size_t j = 0; j < len; j++) {
                        unsigned char c = (unsigned char)in[j];
                        if (c == '"' || c == '\\')
                            rf_buf_addf(&want, "\\%c", c);
                        else if (c == '\n')
                            rf_buf_adds(&want, "\\n");
                        else if (c == '\t')
                            rf_buf_adds(&want, "\\t");
                        else if (c < 0x20)
                            rf_buf_addf(&want, "\\u%04x", c);
                        else
                            rf_buf_addc(&want, (char)c);
                    }
                    rf_buf_addc(&want, '"');
                    bad += got.len != want.len || memcmp(got.p, want.p, got.len) != 0;
                    rf_buf_release(&got);
                    rf_buf_release(&want);
                }
        CHECK(bad == 0);
    }
    /* Integers as printf writes them. */
    {
        static const int64_t iv[] = {0, 1, -1, 9, 10, -10, 99, 100, 12345, -98765,
                                     INT64_MAX, INT64_MIN, INT64_MIN + 1, 4294967296LL};
        static const uint64_t uv[] = {0, 1, 9, 10, 1000000, UINT64_MAX, UINT64_MAX - 1,
                                      10000000000000000000ull};
        int bad = 0;
        char want[32];
        rf_buf got = RF_BUF_INIT;
        for (size_t k = 0; k < sizeof iv / sizeof iv[0] + sizeof uv / sizeof uv[0]; k++) {
            rf_buf_reset(&got);
            if (k < sizeof iv / sizeof iv[0]) {
                rf_buf_json_int(&got, iv[k]);
                snprintf(want, sizeof want, "%" PRId64, iv[k]);
            } else {
                rf_buf_json_uint(&got, uv[k - sizeof iv / sizeof iv[0]]);
                snprintf(want, sizeof want, "%" PRIu64, uv[k - sizeof iv / sizeof iv[0]]);
            }
            bad += got.len != strlen(want) || memcmp(got.p, want, got.len) != 0;
        }
        rf_buf_release(&got);
        CHECK(bad == 0);
    }
    char back[128];
    size_t m = rf_json_unescape(w.p + 1, w.len - 2, back);
    CHECK(m == sizeof raw - 1 && !memcmp(back, raw, m));
    rf_buf_reset(&w);
    rf_buf_json_num(&w, 0.1 + 0.2, 17);
    CHECK_MEM(w.p, w.len, "0.30000000000000004");
    rf_buf_reset(&w);
    rf_buf_json_num(&w, 1.0 / 0.0, 6);
    CHECK_MEM(w.p, w.len, "null");
    rf_buf_reset(&w);
    rf_buf_json_num(&w, 412.0, 6);
    CHECK_MEM(w.p, w.len, "412");
    rf_buf_release(&w);
    return CHECK_DONE();
}
