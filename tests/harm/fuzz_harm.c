/* fuzz_harm — libFuzzer target for refine-harm's matchers and URL parsing,
 * the parts that read document text. An input is "LIST\0TEXT" (or just
 * TEXT, matched against a fixed list): LIST's lines become hard entries, a
 * fixed soft list is added, and TEXT (repaired to UTF-8, as documents are)
 * is scanned by both engines and parsed as a URL. Properties checked:
 *   - the Aho–Corasick automaton and the PCRE2 alternation find a hard hit
 *     on the same texts (when the text stays in scripts whose Unicode
 *     tables the two libraries agree on);
 *   - a reported entry's index is valid, counts are consistent;
 *   - a URL's host is lower-case and never longer than the URL.
 * Any violation aborts; ASan and UBSan catch memory errors. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filters/harm_match.h"
#include "filters/harm_url.h"
#include "stages/text.h"
#include "stages/utf8.h"

#define REQUIRE(c)                                                        \
    do {                                                                  \
        if (!(c)) {                                                       \
            fprintf(stderr, "fuzz_harm: property failed: %s\n", #c);      \
            abort();                                                      \
        }                                                                 \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char DEFAULT_LIST[] = "ass\nfuck\n2 girls 1 cup\n김치녀\n=시발\n*porn*\n操你\n";
static const char SOFT[] = "damn\nbloody hell\nhell\nㅅㅂ\n존나\n";

/* Code points both libraries classify alike: ASCII, Latin-1 letters,
 * Hangul, common CJK. */
static int plain_scripts(const char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint32_t cp = rf_next_cp(p, n, &i);
        if (!(cp < 0x250 || (cp >= 0x1100 && cp <= 0x11FF) || (cp >= 0x3130 && cp <= 0x318F) ||
              (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0x4E00 && cp <= 0x9FFF)))
            return 0;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *list = DEFAULT_LIST, *raw = (const char *)data;
    size_t llen = sizeof DEFAULT_LIST - 1, n = size;
    const uint8_t *nul = memchr(data, 0, size);
    if (nul) {
        list = (const char *)data;
        llen = (size_t)(nul - data);
        raw = (const char *)nul + 1;
        n = size - llen - 1;
    }
    char *text = malloc(3 * n + 1);
    size_t replaced;
    size_t tn = rf_utf8_repair(raw, n, text, &replaced);

    rf_err err = {0, ""};
    rf_wl *ac = rf_wl_new(RF_WL_TEXT), *re = rf_wl_new(RF_WL_TEXT);
    int na = rf_wl_add_list(ac, "fuzz", list, llen, 0, &err);
    int nr = rf_wl_add_list(re, "fuzz", list, llen, 0, &err);
    REQUIRE(na == nr && na >= 0);
    rf_wl_add_list(ac, "soft", SOFT, sizeof SOFT - 1, 1, &err);
    rf_wl_add_list(re, "soft", SOFT, sizeof SOFT - 1, 1, &err);
    REQUIRE(rf_wl_compile(ac, RF_WL_AC, &err) == 0);
    int re_ok = rf_wl_compile(re, RF_WL_PCRE2, &err) == 0;
    rf_wl_scratch *sa = rf_wl_scratch_new(ac), *sr = re_ok ? rf_wl_scratch_new(re) : NULL;
    rf_wl_hits ha, hr;
    rf_wl_scan(ac, sa, text, tn, 0, &ha);
    REQUIRE((ha.first_hard >= 0) == (ha.hard > 0));
    REQUIRE(ha.first_hard < (int32_t)rf_wl_size(ac));
    for (int i = 0; i < ha.nsoft_ids; i++)
        REQUIRE(ha.soft_ids[i] >= 0 && ha.soft_ids[i] < (int32_t)rf_wl_size(ac));
    rf_wl_hits h1;
    rf_wl_scan(ac, sa, text, tn, 1, &h1);
    REQUIRE((h1.first_hard >= 0) == (ha.first_hard >= 0));
    if (sr) {
        rf_wl_scan(re, sr, text, tn, 0, &hr);
        rf_buf norm = RF_BUF_INIT;
        rf_text_normalize(text, tn, RF_NORM_NFKC | RF_NORM_CASEFOLD | RF_NORM_COLLAPSE_SPACE, &norm);
        int plain = plain_scripts(norm.p ? norm.p : "", norm.len) &&
                    plain_scripts(list, rf_utf8_check(list, llen) == llen ? llen : 0);
        if (plain && (ha.hard > 0) != (hr.hard > 0)) {
            fprintf(stderr, "AC hard %llu, PCRE2 hard %llu on '%.*s'\n",
                    (unsigned long long)ha.hard, (unsigned long long)hr.hard, (int)norm.len,
                    norm.p);
            abort();
        }
        if (plain)
            REQUIRE(hr.soft <= ha.soft);
        rf_buf_release(&norm);
    }
    rf_buf host = RF_BUF_INIT;
    size_t hl = rf_url_host(text, tn, &host);
    REQUIRE(hl <= tn);
    for (size_t i = 0; i < hl; i++)
        REQUIRE(!(host.p[i] >= 'A' && host.p[i] <= 'Z'));
    rf_buf_release(&host);
    rf_wl_scratch_free(sa);
    rf_wl_scratch_free(sr);
    rf_wl_free(ac);
    rf_wl_free(re);
    free(text);
    return 0;
}
