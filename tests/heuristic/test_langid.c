/* test_langid — script shares and the language label on hand-written
 * documents of each label, Korean with English terms, and the edge cases
 * (no letters, empty text). The ASCII fast path must classify exactly as
 * rf_script_of does. */
#include <stdio.h>
#include <string.h>

#include "filters/langid.h"
#include "stages/rng.h"
#include "stages/utf8.h"
#include "tests/unit/check.h"

/* The counting as first written, one decoded character at a time: the
 * fast paths of rf_langid_detect (letter runs, Hangul runs, the function
 * word set) must count exactly the same. */
static const char *const ref_fw[] = {
    "a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are",
    "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but",
    "by", "can", "could", "did", "do", "does", "doing", "during", "each", "few", "for", "from",
    "further", "had", "has", "have", "having", "he", "her", "here", "hers", "him", "his", "how",
    "i", "if", "in", "into", "is", "it", "its", "just", "may", "me", "might", "more", "most",
    "must", "my", "no", "nor", "not", "of", "off", "on", "once", "only", "or", "other", "our",
    "out", "over", "own", "same", "shall", "she", "should", "so", "some", "such", "than", "that",
    "the", "their", "them", "then", "there", "these", "they", "this", "those", "through", "to",
    "too", "under", "until", "up", "us", "very", "was", "we", "were", "what", "when", "where",
    "which", "while", "who", "whom", "why", "will", "with", "would", "you", "your"};

static void ref_end(rf_langid *r, const char *w, size_t wl, int ascii)
{
    if (r->latin_words >= 4096)
        return;
    r->latin_words++;
    if (!ascii || wl > 8)
        return;
    for (size_t k = 0; k < sizeof ref_fw / sizeof ref_fw[0]; k++)
        if (strlen(ref_fw[k]) == wl && !memcmp(ref_fw[k], w, wl)) {
            r->en_function_words++;
            return;
        }
}

static void ref_detect(const char *p, size_t n, rf_langid *r)
{
    memset(r, 0, sizeof *r);
    char w[16];
    size_t wl = 0, i = 0;
    int in_word = 0, ascii = 1;
    while (i < n) {
        unsigned char c = (unsigned char)p[i];
        uint32_t cp = rf_next_cp(p, n, &i);
        rf_script sc = rf_script_of(cp);
        r->count[sc]++;
        r->chars++;
        if (sc == RF_SCRIPT_LATIN) {
            if (!in_word) {
                in_word = 1;
                wl = 0;
                ascii = 1;
            }
            if (c < 0x80 && wl < 9)
                w[wl++] = (char)(c | 0x20);
            else
                ascii = 0;
            continue;
        }
        if (in_word && c == '\'' && i < n && (unsigned)(((unsigned char)p[i] | 0x20) - 'a') < 26u) {
            ascii = 0;
            continue;
        }
        if (in_word) {
            ref_end(r, w, wl, ascii);
            in_word = 0;
        }
    }
    if (in_word)
        ref_end(r, w, wl, ascii);
}

static rf_rng rng = {88172645463325252ull};
static uint32_t rnd(void)
{
    return (uint32_t)rf_rng_next(&rng);
}

static rf_lang lang_of(const char *text, double *score)
{
    rf_langid r;
    rf_langid_detect(text, strlen(text), &r);
    if (score)
        *score = r.score;
    return r.lang;
}

int main(void)
{
    double sc;
    CHECK(lang_of("서울시는 올해 여름부터 한강 주변에 새로운 자전거 도로를 만들기로 했다.", &sc) ==
          RF_LANG_KO);
    CHECK(sc > 0.9);
    /* Korean technical prose with many English terms stays Korean. */
    CHECK(lang_of("Python의 list comprehension을 사용하면 for 루프보다 코드가 짧아진다.", NULL) ==
          RF_LANG_KO);
    CHECK(lang_of("The river runs through the middle of the old town and divides it in two.",
                  &sc) == RF_LANG_EN);
    CHECK(sc > 0.9);
    /* An English page quoting a Korean name stays English. */
    CHECK(lang_of("The film was directed by Bong Joon-ho (봉준호) and released in 2019 to wide "
                  "acclaim from critics and audiences.",
                  NULL) == RF_LANG_EN);
    CHECK(lang_of("東京都は来年の春までに、新しい図書館を駅の近くに開くと発表した。", NULL) ==
          RF_LANG_JA);
    CHECK(lang_of("北京市政府今天宣布，将在明年春天之前完成城市东部的新地铁线路建设。", NULL) ==
          RF_LANG_ZH);
    CHECK(lang_of("Le conseil municipal a voté pour prolonger les pistes cyclables le long de la "
                  "rivière.",
                  NULL) == RF_LANG_LATIN_OTHER);
    CHECK(lang_of("Городской совет проголосовал за продление велосипедных дорожек.", NULL) ==
          RF_LANG_OTHER);
    CHECK(lang_of("12345 !!! ### ...", &sc) == RF_LANG_OTHER);
    CHECK(sc == 0);
    CHECK(lang_of("", &sc) == RF_LANG_OTHER);

    /* Script counts and the JSON shares. */
    rf_langid r;
    const char *t = "가나 ab 1!";
    rf_langid_detect(t, strlen(t), &r);
    CHECK(r.count[RF_SCRIPT_HANGUL] == 2 && r.count[RF_SCRIPT_LATIN] == 2 &&
          r.count[RF_SCRIPT_DIGIT] == 1 && r.count[RF_SCRIPT_PUNCT] == 1 &&
          r.count[RF_SCRIPT_SPACE] == 2 && r.chars == 8);
    rf_buf b = RF_BUF_INIT;
    rf_langid_scripts_json(&r, &b);
    CHECK_MEM(b.p, b.len,
              "{\"hangul\":0.3333,\"latin\":0.3333,\"digit\":0.1667,\"punct\":0.1667}");
    static const struct {
        double v;
        const char *s;
    } nums[] = {{0, "0"}, {1, "1"}, {0.5, "0.5"}, {0.96875, "0.9688"}, {0.00004, "0"},
                {0.00006, "0.0001"}, {0.99996, "1"}, {0.1, "0.1"}, {-1, "0"}};
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        rf_buf_reset(&b);
        rf_langid_share_json(&b, nums[i].v);
        CHECK_MEM(b.p, b.len, nums[i].s);
    }
    rf_buf_release(&b);

    /* Every ASCII character is counted in rf_script_of's class. */
    for (unsigned c = 0; c < 128; c++) {
        char s[1] = {(char)c};
        rf_langid_detect(s, 1, &r);
        CHECK(r.count[rf_script_of(c)] == 1);
    }
    /* Hangul fast path == rf_script_of over the whole syllable block and
     * its neighbours. */
    for (uint32_t cp = 0xAB00; cp < 0xD900; cp += 7) {
        char s[4];
        size_t n = 0;
        s[n++] = (char)(0xE0 | (cp >> 12));
        s[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        s[n++] = (char)(0x80 | (cp & 0x3F));
        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        rf_langid_detect(s, n, &r);
        CHECK(r.count[rf_script_of(cp)] == 1 && r.chars == 1);
    }
    /* Random mixtures of every path: letters and function words, apostrophes,
     * Hangul at the edges of its block, jamo, Latin-1 letters, CJK, spaces. */
    {
        static const char *const pieces[] = {
            "the ", "The", "and", "don't", "it's", " ", "  ", "\n", "'", ".", "a", "B", "zz",
            "between", "throughout", "\xea\xb0\x80", "\xed\x9e\xa3", "\xed\x9e\xa4",
            "\xea\xaf\xbf", "\xed\x95\x9c", "\xe3\x85\x8b", "\xc3\xa9", "caf\xc3\xa9",
            "\xe4\xb8\xad", "\xe3\x81\x82", "1", "#", "\xe2\x80\xa6", "\xf0\x9f\x98\x80",
            "\xd0\x96", "I", "you", "x'y", "abcdefgh", "Ninechars", "'tis", "o''k", "THE"};
        int bad = 0;
        for (int it = 0; it < 20000 && bad < 5; it++) {
            char s[4096];
            size_t n = 0;
            int k = (int)(rnd() % (it % 4 ? 40 : 400)); /* long ones cross 64-byte windows */
            /* Every other long text is nearly all ASCII, so that whole
             * 64-byte windows of letters, apostrophes and spaces occur. */
            int ascii_mostly = it % 8 == 0;
            for (int j = 0; j < k; j++) {
                const char *pc = pieces[rnd() % (sizeof pieces / sizeof pieces[0])];
                while (ascii_mostly && (unsigned char)pc[strlen(pc) - 1] >= 0x80 && rnd() % 32)
                    pc = pieces[rnd() % (sizeof pieces / sizeof pieces[0])];
                memcpy(s + n, pc, strlen(pc));
                n += strlen(pc);
            }
            /* Cut anywhere (a truncated last character is still counted
             * the way both decode it). */
            size_t cut = n ? rnd() % (n + 1) : 0;
            while (cut > 0 && cut < n && ((unsigned char)s[cut] & 0xC0) == 0x80)
                cut--;
            rf_langid a, ref;
            rf_langid_detect(s, cut, &a);
            ref_detect(s, cut, &ref);
            /* Words are only read when Latin decides (en, latin-other). */
            int latin = a.lang == RF_LANG_EN || a.lang == RF_LANG_LATIN_OTHER;
            if (memcmp(a.count, ref.count, sizeof a.count) || a.chars != ref.chars ||
                (latin && (a.latin_words != ref.latin_words ||
                           a.en_function_words != ref.en_function_words))) {
                fprintf(stderr, "langid counts differ for '%.*s'\n", (int)cut, s);
                bad++;
            }
            /* refine-heuristic hands chars to the rules as the text's code
             * points (rf_heur_eval_cps). */
            if (a.chars != rf_utf8_count(s, cut)) {
                fprintf(stderr, "langid chars != code points for '%.*s'\n", (int)cut, s);
                bad++;
            }
        }
        CHECK(bad == 0);
    }
    rf_lang l;
    CHECK(rf_lang_parse("latin-other", 11, &l) == 0 && l == RF_LANG_LATIN_OTHER);
    CHECK(rf_lang_parse("fr", 2, &l) == -1);
    CHECK(!strcmp(rf_lang_name(RF_LANG_KO), "ko"));
    return CHECK_DONE();
}
