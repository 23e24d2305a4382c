/* test_text — the shared text utilities. The normaliser's fast path (copying
 * stable characters, utf8proc only for the rest) must give exactly what
 * utf8proc gives for the whole text: checked on hand-picked cases and on
 * 20,000 random strings mixing ASCII, Hangul syllables and jamo, combining
 * marks, compatibility characters and astral code points. */
#include <utf8proc.h>

#include "stages/text.h"
#include "stages/utf8.h"
#include "tests/unit/check.h"

static void norm_case(const char *in, unsigned flags, const char *want)
{
    rf_buf out = RF_BUF_INIT;
    rf_text_normalize(in, strlen(in), flags, &out);
    CHECK_MEM(out.p ? out.p : "", out.len, want);
    rf_buf_release(&out);
}

static uint64_t rng_state = 88172645463325252ull;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static uint32_t random_cp(void)
{
    static const uint32_t pool[] = {
        'a', 'Z', ' ', '.', '1', 0x0301, 0x0308, 0x0327, 0x1100, 0x1161, 0x11A8, 0xAC00, 0xD55C,
        0xFF21, 0xFF41, 0x2026, 0x3231, 0x2168, 0xFB01, 0x00DF, 0x0130, 0x03A3, 0x1E9E, 0x4E00,
        0x3042, 0x30AB, 0x3099, 0x00C5, 0x212B, 0x1F600, 0x1D400, 0x09BE, 0x09C7, 0x0B47, 0x0B3E,
        0x00A0, 0x3000, 0x2460, 0x0041, 0x030A, 0x1E0A, 0x0323, 0x0307, 0xFFA1, 0x3131};
    if (rnd() % 4 == 0) {
        uint32_t cp = (uint32_t)(rnd() % 0x30000);
        if (cp >= 0xD800 && cp <= 0xDFFF)
            cp = 'x';
        return cp;
    }
    return pool[rnd() % (sizeof pool / sizeof pool[0])];
}

/* The tokenizer as first written (decode every character): the byte-level
 * fast path of rf_tok_next must cut exactly the same tokens. */
static int ref_tok_next(rf_tok_iter *it, const char **tok, size_t *len)
{
    const char *p = it->p;
    size_t n = it->n, i = it->i;
    while (i < n) {
        size_t k = i;
        uint32_t cp = rf_next_cp(p, n, &k);
        if (!rf_is_space(cp))
            break;
        i = k;
    }
    if (i >= n) {
        it->i = n;
        return 0;
    }
    size_t start = i;
    int cjk = (it->flags & RF_TOK_CJK_CHARS) != 0;
    while (i < n) {
        size_t k = i;
        uint32_t cp = rf_next_cp(p, n, &k);
        if (rf_is_space(cp))
            break;
        if (cjk && cp >= 0x2E80) {
            rf_script sc = rf_script_of(cp);
            if (sc == RF_SCRIPT_HAN || sc == RF_SCRIPT_KANA) {
                if (i == start)
                    i = k;
                break;
            }
        }
        i = k;
    }
    *tok = p + start;
    *len = i - start;
    it->i = i;
    return 1;
}

static int tok_same(const char *s, size_t n, unsigned flags)
{
    rf_tok_iter a, b, c, d;
    rf_tok_init(&a, s, n, flags);
    rf_tok_init(&b, s, n, flags);
    rf_tok_init(&c, s, n, flags);
    rf_tok_init(&d, s, n, flags);
    rf_tok_span spans[3], all[1024];
    size_t nspans = 0, si = 0, nall = 0, ai = 0, got;
    /* ... and all of them at once. */
    while (nall < 1024 && (got = rf_tok_spans(&d, all + nall, 1024 - nall)) != 0)
        nall += got;
    for (;;) {
        const char *ta, *tb;
        size_t la, lb;
        int ra = rf_tok_next(&a, &ta, &la), rb = ref_tok_next(&b, &tb, &lb);
        /* The bulk form, three tokens at a time. */
        if (si == nspans) {
            nspans = rf_tok_spans(&c, spans, 3);
            si = 0;
        }
        int rc = si < nspans;
        if (ra != rb || ra != rc)
            return 0;
        if (!ra)
            return ai == nall;
        if (ta != tb || la != lb)
            return 0;
        /* The token's code points, counted on the way. */
        size_t cps = 0, i = 0;
        while (i < la) {
            rf_next_cp(ta, la, &i);
            cps++;
        }
        if (a.cps != cps)
            return 0;
        if (s + spans[si].off != ta || spans[si].len != la || spans[si].cps != cps)
            return 0;
        si++;
        if (ai >= nall || all[ai].off != spans[si - 1].off || all[ai].len != la ||
            all[ai].cps != cps)
            return 0;
        ai++;
    }
}

int main(void)
{
    unsigned NC = RF_NORM_NFKC | RF_NORM_CASEFOLD;
    norm_case("Hello WORLD", NC, "hello world");
    norm_case("\xef\xbc\xa8\xef\xbd\x85\xef\xbd\x8c\xef\xbd\x8c\xef\xbd\x8f\xe2\x80\xa6", NC,
              "hello...");                                   /* fullwidth + ellipsis */
    norm_case("\xef\xac\x81", NC, "fi");                     /* ligature */
    norm_case("Stra\xc3\x9f" "e", NC, "strasse");            /* full case folding */
    norm_case("e\xcc\x81", NC, "\xc3\xa9");                  /* composition */
    norm_case("\xea\xb0\x80\xed\x95\x9c\xea\xb5\xad", NC, "\xea\xb0\x80\xed\x95\x9c\xea\xb5\xad");
    norm_case("\xe1\x84\x80\xe1\x85\xa1", NC, "\xea\xb0\x80"); /* jamo compose to 가 */
    norm_case("\xe3\x88\x9c", NC, "(\xec\xa3\xbc)");          /* ㈜ -> (주) */
    norm_case("\xe2\x85\xa8", NC, "ix");                      /* roman numeral nine */

    unsigned ALL = NC | RF_NORM_PUNCT_TO_SPACE | RF_NORM_DIGITS_TO_0 | RF_NORM_COLLAPSE_SPACE;
    norm_case("  Hello, World!! 2024\t\n new-line ", ALL, "hello world 0000 new line");
    norm_case("\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4\xeb\x8a\x94 \xe3\x80\x8c" "12\xe3\x80\x8d\xe2\x80\xa6",
              ALL, "\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4\xeb\x8a\x94 00"); /* 한국어는 「12」… */
    norm_case("a\xc2\xa0" "b\xe3\x80\x80" "c", RF_NORM_COLLAPSE_SPACE, "a b c");
    norm_case("\xd9\xa3", RF_NORM_DIGITS_TO_0, "0"); /* Arabic-Indic three */
    norm_case("", ALL, "");

    /* Fast path == utf8proc on the whole string. */
    int mismatches = 0;
    for (int t = 0; t < 20000; t++) {
        char s[256];
        size_t n = 0;
        int len = (int)(rnd() % 12);
        for (int k = 0; k < len; k++)
            n += rf_utf8_encode(random_cp(), s + n);
        rf_buf got = RF_BUF_INIT;
        rf_text_normalize(s, n, NC, &got);
        utf8proc_uint8_t *want = NULL;
        utf8proc_ssize_t m = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, &want,
                                          (utf8proc_option_t)(UTF8PROC_STABLE | UTF8PROC_COMPOSE |
                                                              UTF8PROC_COMPAT | UTF8PROC_CASEFOLD));
        if (m < 0 || (size_t)m != got.len || memcmp(want, got.p ? got.p : "", got.len) != 0) {
            if (mismatches++ < 5) {
                fprintf(stderr, "normalise mismatch for:");
                for (size_t k = 0; k < n; k++)
                    fprintf(stderr, " %02x", (unsigned char)s[k]);
                fprintf(stderr, "\n");
            }
        }
        free(want);
        rf_buf_release(&got);
    }
    CHECK(mismatches == 0);

    CHECK(rf_script_of('a') == RF_SCRIPT_LATIN);
    CHECK(rf_script_of(0xD55C) == RF_SCRIPT_HANGUL);
    CHECK(rf_script_of(0x3131) == RF_SCRIPT_HANGUL);
    CHECK(rf_script_of(0x4E2D) == RF_SCRIPT_HAN);
    CHECK(rf_script_of(0x30AB) == RF_SCRIPT_KANA);
    CHECK(rf_script_of(0x0416) == RF_SCRIPT_CYRILLIC);
    CHECK(rf_script_of('7') == RF_SCRIPT_DIGIT);
    CHECK(rf_script_of(0x0663) == RF_SCRIPT_DIGIT);
    CHECK(rf_script_of(',') == RF_SCRIPT_PUNCT);
    CHECK(rf_script_of(0x3002) == RF_SCRIPT_PUNCT);
    CHECK(rf_script_of('$') == RF_SCRIPT_SYMBOL);
    CHECK(rf_script_of(0x2605) == RF_SCRIPT_SYMBOL);
    CHECK(rf_script_of(0x3000) == RF_SCRIPT_SPACE);
    CHECK(rf_script_of(0x00E9) == RF_SCRIPT_LATIN);
    CHECK(rf_script_of(0x05D0) == RF_SCRIPT_OTHER); /* Hebrew */
    CHECK(!strcmp(rf_script_name(RF_SCRIPT_HANGUL), "hangul"));

    /* rf_space_at's byte patterns == rf_is_space of the decoded character,
     * for every scalar value. */
    {
        int bad = 0;
        for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
            if (cp >= 0xD800 && cp <= 0xDFFF)
                continue;
            char s[4];
            size_t n = rf_utf8_encode(cp, s);
            bad += rf_space_at(s, n, 0) != (rf_is_space(cp) ? n : 0);
        }
        CHECK(bad == 0);
    }

    /* Tokens: words, and Han/Kana characters one by one on request. */
    const char *txt = " 한국어 문장,  with\twords 日本語です ";
    rf_tok_iter it;
    const char *tok;
    size_t tl;
    const char *want_words[] = {"한국어", "문장,", "with", "words", "日本語です"};
    rf_tok_init(&it, txt, strlen(txt), 0);
    size_t k = 0;
    while (rf_tok_next(&it, &tok, &tl)) {
        CHECK(k < 5 && tl == strlen(want_words[k]) && !memcmp(tok, want_words[k], tl));
        k++;
    }
    CHECK(k == 5);
    const char *want_cjk[] = {"한국어", "문장,", "with", "words", "日", "本", "語", "で", "す"};
    rf_tok_init(&it, txt, strlen(txt), RF_TOK_CJK_CHARS);
    k = 0;
    while (rf_tok_next(&it, &tok, &tl)) {
        CHECK(k < 9 && tl == strlen(want_cjk[k]) && !memcmp(tok, want_cjk[k], tl));
        k++;
    }
    CHECK(k == 9);

    /* Byte-level tokenizer == character-level reference, on random text
     * mixing every kind of space with Hangul, CJK, kana and ASCII. */
    static const uint32_t tok_pool[] = {' ', '\t', '\n', 0x0B, 0x0C, '\r', 0x85, 0xA0, 0x1680,
                                        0x2000, 0x2009, 0x200A, 0x200B, 0x2028, 0x2029, 0x202F,
                                        0x205F, 0x3000, 0x3001, 'a', '.', 0xAC00, 0xD7A3, 0x4E00,
                                        0x3042, 0x30AB, 0x2E80, 0x2E7F, 0x1F600, 0x20000, 0xE9,
                                        0x1100, 0x3131, 0xFF21, 0x1C, 0x2026};
    int tok_bad = 0;
    for (int t = 0; t < 20000; t++) {
        char s[256];
        size_t n = 0;
        int len = (int)(rnd() % 16);
        for (int q = 0; q < len; q++)
            n += rf_utf8_encode(tok_pool[rnd() % (sizeof tok_pool / sizeof tok_pool[0])], s + n);
        if (!tok_same(s, n, 0) || !tok_same(s, n, RF_TOK_CJK_CHARS))
            tok_bad++;
    }
    CHECK(tok_bad == 0);
    /* Long texts, for the 64-byte windows of the bulk tokenizer: tokens and
     * multi-byte spaces across window edges, tokens longer than a window,
     * runs of spaces. Spaces are rarer here, so that tokens get long. */
    tok_bad = 0;
    for (int t = 0; t < 3000; t++) {
        char s[1200];
        size_t n = 0;
        int len = (int)(rnd() % 280);
        int space_odds = 2 + (int)(rnd() % 40);
        for (int q = 0; q < len; q++) {
            uint32_t cp = tok_pool[rnd() % (sizeof tok_pool / sizeof tok_pool[0])];
            if (rf_is_space(cp) && rnd() % (unsigned)space_odds)
                cp = rnd() % 2 ? 'x' : 0xD55C;
            n += rf_utf8_encode(cp, s + n);
        }
        if (!tok_same(s, n, 0) || !tok_same(s, n, RF_TOK_CJK_CHARS))
            tok_bad++;
    }
    CHECK(tok_bad == 0);
    return CHECK_DONE();
}
