/* test_utf8 — UTF-8 validation and U+FFFD repair. The expected repairs are
 * what Python's bytes.decode("utf-8", "replace") produces (maximal subparts),
 * written down from a reference run. */
#include "stages/utf8.h"
#include "tests/unit/check.h"

#define R "\xef\xbf\xbd"

static void repair_case(const char *in, size_t n, const char *want, size_t nrep)
{
    char out[64];
    size_t replaced = 0;
    size_t m = rf_utf8_repair(in, n, out, &replaced);
    if (m != strlen(want) || memcmp(out, want, m) != 0 || replaced != nrep) {
        fprintf(stderr, "repair mismatch for input of %zu bytes (got %zu bytes, %zu repl)\n", n,
                m, replaced);
        check_failures++;
    }
}

int main(void)
{
    CHECK(rf_utf8_check("hello", 5) == 5);
    CHECK(rf_utf8_check("한국어 text", strlen("한국어 text")) == strlen("한국어 text"));
    CHECK(rf_utf8_check("abcdefgh\xff", 9) == 8);
    CHECK(rf_utf8_check("\xed\xa0\x80", 3) == 0);     /* surrogate */
    CHECK(rf_utf8_check("\xc0\xaf", 2) == 0);         /* overlong */
    CHECK(rf_utf8_check("\xf4\x90\x80\x80", 4) == 0); /* > U+10FFFF */
    CHECK(rf_utf8_check("\xf0\x9f\x98\x80", 4) == 4); /* emoji */

    repair_case("a\xff" "b", 3, "a" R "b", 1);
    repair_case("\xe2\x82", 2, R, 1);
    repair_case("\xe2\x82" "a", 3, R "a", 1);
    repair_case("\xf0\x9f\x98", 3, R, 1);
    repair_case("\xed\xa0\x80", 3, R R R, 3);
    repair_case("\xc0\xaf", 2, R R, 2);
    repair_case("\xf4\x90\x80\x80", 4, R R R R, 4);
    repair_case("\xe0\x80\xaf", 3, R R R, 3);
    repair_case("ok\xe2\x82\xac", 5, "ok\xe2\x82\xac", 0);
    repair_case("\x80\x80", 2, R R, 2);
    repair_case("\xf0\x9f\x98\x80x", 5, "\xf0\x9f\x98\x80x", 0);

    uint32_t cp;
    CHECK(rf_utf8_decode((const unsigned char *)"\xea\xb0\x80", 3, &cp) == 3 && cp == 0xAC00);
    CHECK(rf_utf8_decode((const unsigned char *)"\xea\xb0", 2, &cp) == 0);
    char enc[4];
    CHECK(rf_utf8_encode(0x1F600, enc) == 4 && !memcmp(enc, "\xf0\x9f\x98\x80", 4));
    CHECK(rf_utf8_encode(0xE9, enc) == 2 && !memcmp(enc, "\xc3\xa9", 2));
    /* Code point counts: every length around the eight-byte steps and the
     * 255-round fold, against a byte-by-byte count. */
    {
        static char big[8 * 255 * 2 + 64];
        const char *pieces[] = {"a", "\xc3\xa9", "\xed\x95\x9c", "\xf0\x9f\x98\x80"};
        size_t n = 0, k = 0;
        while (n + 4 < sizeof big) {
            const char *pc = pieces[(k * 7 + k / 3) % 4];
            memcpy(big + n, pc, strlen(pc));
            n += strlen(pc);
            k++;
        }
        int bad = 0;
        for (size_t len = 0; len <= n; len += (len < 64 || len > n - 64) ? 1 : 37) {
            size_t want = 0;
            for (size_t i = 0; i < len; i++)
                want += ((unsigned char)big[i] & 0xC0) != 0x80;
            bad += rf_utf8_count(big, len) != want;
        }
        CHECK(bad == 0);
        CHECK(rf_utf8_count("\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4 text", 14) == 8);
    }
    return CHECK_DONE();
}
