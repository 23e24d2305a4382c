/* test_langid — script shares and the language label on hand-written
 * documents of each label, Korean with English terms, and the edge cases
 * (no letters, empty text). The ASCII fast path must classify exactly as
 * rf_script_of does. */
#include <stdio.h>
#include <string.h>

#include "filters/langid.h"
#include "tests/unit/check.h"

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
    rf_lang l;
    CHECK(rf_lang_parse("latin-other", 11, &l) == 0 && l == RF_LANG_LATIN_OTHER);
    CHECK(rf_lang_parse("fr", 2, &l) == -1);
    CHECK(!strcmp(rf_lang_name(RF_LANG_KO), "ko"));
    return CHECK_DONE();
}
