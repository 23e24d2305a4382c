/* test_heuristic_rules — one case per rule of heuristic_rules.
 *
 * Each case switches every rule off except the one under test and checks
 * three things: a clean base document passes, a document built to break the
 * rule is rejected with that rule's reason, and with the rule switched off
 * the same document passes. So a case fails when its rule is removed (the
 * bad document passes) or its comparison is inverted (the base document is
 * rejected or the bad one passes). C4 line removal is checked on the edited
 * text; the option syntax and the "no division by zero" paths too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filters/heuristic_rules.h"
#include "tests/unit/check.h"

static const char BASE_EN[] =
    "The river runs through the middle of the old town and divides it into two parts.\n"
    "People have lived on both banks of the river for more than a thousand years.\n"
    "In the spring the water rises and the lower streets are sometimes covered with mud.\n"
    "The town council built a new wall along the river to protect the houses.\n"
    "Many visitors come in the summer to walk along the wall and look at the boats.\n"
    "A small museum near the bridge tells the story of the floods and the people who lived "
    "through them.\n"
    "The museum is open every day except Monday and entry is free for children.\n"
    "Local families still meet on the bridge in the evening to talk about the day.";

static const char BASE_KO[] =
    "서울시는 올해 여름부터 한강 주변에 새로운 자전거 도로를 만들기로 했다.\n"
    "시는 이번 사업으로 출퇴근 시간의 교통 혼잡이 줄어들 것으로 기대하고 있다.\n"
    "자전거 도로는 여의도에서 시작해 잠실까지 이어지며 총 길이는 약 이십 킬로미터이다.\n"
    "공사 기간에는 일부 산책로가 임시로 막히기 때문에 시민들의 주의가 필요하다.\n"
    "시 관계자는 안전 시설을 충분히 갖춘 뒤에 도로를 개방하겠다고 밝혔다.\n"
    "주민들은 대체로 환영하는 분위기지만 소음 문제를 걱정하는 목소리도 있다.\n"
    "전문가들은 자전거 이용이 늘어나면 대기 오염도 함께 줄어들 것이라고 설명했다.\n"
    "시는 내년 봄까지 모든 구간의 공사를 마칠 계획이다.";

static const char BASE_ZH[] =
    "北京市政府今天宣布，将在明年春天之前完成城市东部的新地铁线路建设。这条线路全长约三十公里，"
    "共设二十个车站。市民们普遍欢迎这个消息，因为上下班的时间会大大缩短。专家认为，新线路还可以"
    "减少道路上的汽车数量，从而改善空气质量。施工期间，部分道路将暂时关闭，政府提醒市民提前安排"
    "出行路线。";

static const char BASE_JA[] =
    "東京都は来年の春までに、新しい図書館を駅の近くに開くと発表した。図書館には子ども向けの本が"
    "たくさん置かれる予定だ。市民の多くはこの計画を歓迎しているが、駐車場が少ないことを心配する"
    "声もある。都の担当者は、自転車で来る人のために駐輪場を広くすると説明した。開館の日には特別な"
    "展示も行われる。";

static const rf_heur_param *param(const char *name)
{
    for (size_t i = 0; i < rf_heur_nparams; i++)
        if (!strcmp(rf_heur_params[i].name, name))
            return &rf_heur_params[i];
    fprintf(stderr, "no parameter %s\n", name);
    abort();
}

static void set(rf_heur_profile prof[RF_PROF_COUNT], const char *name, const char *value)
{
    rf_err err;
    if (rf_heur_param_apply(param(name), value, prof, &err) != 0) {
        fprintf(stderr, "set %s=%s: %s\n", name, value, err.msg);
        abort();
    }
}

/* Every profile at its defaults, then every rule off except `name` (set to
 * `value`, or its default when value is NULL) and its group. */
static void only(rf_heur_profile prof[RF_PROF_COUNT], const char *name, const char *value)
{
    for (int i = 0; i < RF_PROF_COUNT; i++)
        rf_heur_profile_default(&prof[i], (rf_heur_prof)i);
    for (size_t i = 0; i < rf_heur_nparams; i++) {
        const rf_heur_param *p = &rf_heur_params[i];
        /* Lists and the settings that define what a rule measures stay. */
        if (p->type == RF_HP_LIST || !strcmp(p->name, name) ||
            !strcmp(p->name, "gopher-stop-suffix") || !strcmp(p->name, "fineweb-short-line-len"))
            continue;
        set(prof, p->name, "off");
    }
    const char *group = !strncmp(name, "gopher-", 7) ? "gopher-quality"
                        : !strncmp(name, "rep-", 4)  ? "gopher-repetition"
                        : !strncmp(name, "c4-", 3)   ? "c4"
                                                     : "fineweb";
    set(prof, group, "on");
    if (value)
        set(prof, name, value);
}

static void release(rf_heur_profile prof[RF_PROF_COUNT])
{
    for (int i = 0; i < RF_PROF_COUNT; i++)
        rf_heur_profile_release(&prof[i]);
}

static rf_heur_scratch *S;

static const char *eval(const rf_heur_profile *p, const char *text, rf_heur_result *r)
{
    rf_heur_eval(p, S, text, strlen(text), 0, r);
    return r->reason;
}

typedef struct rule_case {
    rf_heur_prof prof;
    const char *param, *value; /* value NULL: the default threshold */
    const char *base;          /* NULL: the profile's base document */
    const char *bad;
    const char *reason;
} rule_case;

static const char *base_of(rf_heur_prof p)
{
    switch (p) {
    case RF_PROF_KO: return BASE_KO;
    case RF_PROF_ZH: return BASE_ZH;
    case RF_PROF_JA: return BASE_JA;
    default: return BASE_EN;
    }
}

static char *repeat(const char *unit, int times, const char *tail)
{
    size_t ul = strlen(unit), tl = tail ? strlen(tail) : 0;
    char *s = malloc(ul * (size_t)times + tl + 1);
    for (int i = 0; i < times; i++)
        memcpy(s + ul * (size_t)i, unit, ul);
    if (tl)
        memcpy(s + ul * (size_t)times, tail, tl);
    s[ul * (size_t)times + tl] = '\0';
    return s;
}

static void run_case(const rule_case *c)
{
    rf_heur_profile prof[RF_PROF_COUNT];
    rf_heur_result r;
    only(prof, c->param, c->value);
    const char *base = c->base ? c->base : base_of(c->prof);
    const char *got = eval(&prof[c->prof], base, &r);
    if (got) {
        fprintf(stderr, "%s: base document rejected with %s (%g vs %g)\n", c->param, got, r.value,
                r.threshold);
        check_failures++;
    }
    got = eval(&prof[c->prof], c->bad, &r);
    if (!got || strcmp(got, c->reason)) {
        fprintf(stderr, "%s: bad document gave %s, expected %s\n", c->param, got ? got : "keep",
                c->reason);
        check_failures++;
    }
    set(prof, c->param, "off");
    got = eval(&prof[c->prof], c->bad, &r);
    if (got) {
        fprintf(stderr, "%s: switched off, still rejected with %s\n", c->param, got);
        check_failures++;
    }
    release(prof);
}

int main(void)
{
    S = rf_heur_scratch_new();
    char *hashes = repeat(" #", 20, NULL), *ellipses = repeat(" ...", 20, NULL);
    char *bad_hash = malloc(strlen(BASE_EN) + strlen(hashes) + 1);
    strcpy(bad_hash, BASE_EN);
    strcat(bad_hash, hashes);
    char *bad_ell = malloc(strlen(BASE_EN) + strlen(ellipses) + 1);
    strcpy(bad_ell, BASE_EN);
    strcat(bad_ell, ellipses);
    char *bullets = repeat("- an item of the list with the words\n", 20, "The end of it.");
    char *end_ell = repeat("and then the story went on and on...\n", 10,
                           "It ended with a long and quiet evening.");
    char *numbers = repeat("1 22 333 4444 55555 the of and ", 10, NULL);
    char *no_stop = repeat("red green blue yellow orange purple silver golden bright ", 8, NULL);
    /* Korean nouns with no particle or ending (none ends in a stop syllable). */
    char *ko_no_stop = repeat("컴퓨터 노트북 서울 맛집 무료배송 카메라 쿠폰 치킨 피자 햄버거 ", 8, NULL);
    char *short_words = repeat("a b c d e f g h i j ", 8, NULL);
    char *long_words =
        repeat("internationalization telecommunications counterrevolutionary ", 20, NULL);
    char *long_doc = repeat("word ", 40, NULL);
    char *para_char = malloc(8192);
    snprintf(para_char, 8192, "%s\n\n%s\n\nA short one.\n\nAnother short one.", BASE_EN, BASE_EN);
    char *line_frac = repeat("the same line again.\n", 3, "a different line.");
    char *line_char = malloc(8192);
    /* one long line twice among short ones, no blank lines */
    snprintf(line_char, 8192,
             "%s%s\nshort line one.\nshort line two.\nshort line three.\nshort line four.",
             "The river runs through the middle of the old town and divides it into two parts "
             "while people have lived on both banks for a thousand years.\n",
             "The river runs through the middle of the old town and divides it into two parts "
             "while people have lived on both banks for a thousand years.");
    /* top n-grams: a phrase repeated with unique fillers between */
    char top2[4096] = "", top3[4096] = "", top4[4096] = "";
    for (int i = 0; i < 12; i++) {
        char u[128];
        snprintf(u, sizeof u, "blue whale w%d ", i);
        strcat(top2, u);
        snprintf(u, sizeof u, "big blue whale w%d ", i);
        strcat(top3, u);
        snprintf(u, sizeof u, "a big blue whale w%d ", i);
        strcat(top4, u);
    }
    /* duplicate n-grams: an n-word phrase twice */
    static const char *const phrase_words[] = {"alpha", "bravo", "charlie", "delta", "echo",
                                               "foxtrot", "golf", "hotel", "india", "juliet"};
    char dup[6][600];
    for (int n = 5; n <= 10; n++) {
        char ph[128] = "";
        for (int k = 0; k < n; k++) {
            strcat(ph, phrase_words[k]);
            strcat(ph, " ");
        }
        snprintf(dup[n - 5], sizeof dup[n - 5], "%sand then %s", ph, ph);
    }
    char *menu = repeat("Home\nAbout\nContact us\nLogin\n", 6, "Read the whole story on our site.");
    char *no_punct = repeat("a line of words without any ending\n", 10, NULL);
    char *dup_lines = malloc(8192);
    snprintf(dup_lines, 8192, "%s\n%s", BASE_EN,
             "Local families still meet on the bridge in the evening to talk about the day.");
    char *one_per_line = repeat("Water flows down.\nRiver.\nHill.\nLake.\n", 6, NULL);

    const rule_case cases[] = {
        /* Gopher quality */
        {RF_PROF_EN, "gopher-min-words", NULL, NULL, "The cat sat on the mat.", "gopher_short_doc"},
        {RF_PROF_EN, "gopher-max-words", "30", "A short note about the weather.", long_doc,
         "gopher_long_doc"},
        {RF_PROF_EN, "gopher-min-avg-word-len", NULL, NULL, short_words,
         "gopher_below_avg_word_len"},
        {RF_PROF_EN, "gopher-max-avg-word-len", NULL, NULL, long_words,
         "gopher_above_avg_word_len"},
        {RF_PROF_EN, "gopher-max-symbol-word-ratio", NULL, NULL, bad_hash,
         "gopher_too_many_hashes"},
        {RF_PROF_EN, "gopher-max-symbol-word-ratio", NULL, NULL, bad_ell,
         "gopher_too_many_ellipsis"},
        {RF_PROF_EN, "gopher-max-bullet-lines", NULL, NULL, bullets, "gopher_too_many_bullets"},
        {RF_PROF_EN, "gopher-max-ellipsis-lines", NULL, NULL, end_ell,
         "gopher_too_many_end_ellipsis"},
        {RF_PROF_EN, "gopher-min-alpha-words", NULL, NULL, numbers, "gopher_below_alpha_ratio"},
        {RF_PROF_EN, "gopher-min-stop-words", NULL, NULL, no_stop, "gopher_few_stop_words"},
        {RF_PROF_KO, "gopher-min-stop-words", NULL, NULL, ko_no_stop, "gopher_few_stop_words"},
        {RF_PROF_KO, "gopher-min-words", NULL, NULL, "사과가 맛있다.", "gopher_short_doc"},
        {RF_PROF_ZH, "gopher-min-words", NULL, NULL, "今天天气很好。", "gopher_short_doc"},
        {RF_PROF_JA, "gopher-min-stop-words", NULL, NULL,
         "東京大阪京都神戸横浜名古屋札幌福岡仙台広島東京大阪京都神戸横浜名古屋札幌福岡仙台広島"
         "東京大阪京都神戸横浜名古屋札幌福岡仙台広島",
         "gopher_few_stop_words"},
        /* Gopher repetition */
        {RF_PROF_EN, "rep-dup-para-frac", NULL, NULL,
         "Same para here.\n\nSame para here.\n\nSame para here.\n\nOther para.",
         "gopher_rep_dup_para_frac"},
        {RF_PROF_EN, "rep-dup-para-char-frac", NULL, NULL, para_char,
         "gopher_rep_dup_para_char_frac"},
        {RF_PROF_EN, "rep-dup-line-frac", NULL, NULL, line_frac, "gopher_rep_dup_line_frac"},
        {RF_PROF_EN, "rep-dup-line-char-frac", NULL, NULL, line_char,
         "gopher_rep_dup_line_char_frac"},
        {RF_PROF_EN, "rep-top-2-gram", NULL, NULL, top2, "gopher_rep_top_2_gram"},
        {RF_PROF_EN, "rep-top-3-gram", NULL, NULL, top3, "gopher_rep_top_3_gram"},
        {RF_PROF_EN, "rep-top-4-gram", NULL, NULL, top4, "gopher_rep_top_4_gram"},
        {RF_PROF_EN, "rep-dup-5-gram", NULL, NULL, dup[0], "gopher_rep_dup_5_gram"},
        {RF_PROF_EN, "rep-dup-6-gram", NULL, NULL, dup[1], "gopher_rep_dup_6_gram"},
        {RF_PROF_EN, "rep-dup-7-gram", NULL, NULL, dup[2], "gopher_rep_dup_7_gram"},
        {RF_PROF_EN, "rep-dup-8-gram", NULL, NULL, dup[3], "gopher_rep_dup_8_gram"},
        {RF_PROF_EN, "rep-dup-9-gram", NULL, NULL, dup[4], "gopher_rep_dup_9_gram"},
        {RF_PROF_EN, "rep-dup-10-gram", NULL, NULL, dup[5], "gopher_rep_dup_10_gram"},
        {RF_PROF_KO, "rep-dup-line-frac", NULL, NULL,
         "같은 문장이 또 나온다.\n같은 문장이 또 나온다.\n같은 문장이 또 나온다.\n다른 문장이다.",
         "gopher_rep_dup_line_frac"},
        /* C4 document rules */
        {RF_PROF_EN, "c4-lorem-ipsum", NULL, NULL,
         "Lorem ipsum dolor sit amet\nThe rest of the page is fine.", "c4_lorem_ipsum"},
        {RF_PROF_EN, "c4-curly-bracket", NULL, NULL, "Some prose here.\nint f() { return 1; }",
         "c4_curly_bracket"},
        {RF_PROF_EN, "c4-min-sentences", NULL, NULL, "Only one sentence is here.",
         "c4_too_few_sentences"},
        {RF_PROF_KO, "c4-min-sentences", NULL, NULL, "문장이 하나뿐이다. 두 번째 문장이다.",
         "c4_too_few_sentences"},
        {RF_PROF_ZH, "c4-min-sentences", NULL, NULL, "今天天气很好。我们去公园。", "c4_too_few_sentences"},
        /* FineWeb */
        {RF_PROF_EN, "fineweb-min-line-punct", NULL, NULL, no_punct, "fineweb_line_punct_ratio"},
        {RF_PROF_EN, "fineweb-max-short-lines", NULL, NULL, menu, "fineweb_short_line_ratio"},
        {RF_PROF_EN, "fineweb-max-char-dup", NULL, NULL, dup_lines, "fineweb_char_dup_ratio"},
        {RF_PROF_EN, "fineweb-max-newline-ratio", NULL, NULL, one_per_line, "fineweb_list_ratio"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(&cases[i]);

    /* C4 line removal: each rule removes its line, and only with the rule
     * on; the edited text keeps the other lines, stripped, joined by \n. */
    {
        static const struct {
            const char *param, *line;
            int reason;
        } lc[] = {
            {"c4-terminal-punct", "this line has no ending", RF_C4_NO_TERMINAL_PUNCT},
            {"c4-terminal-punct", "this one trails off...", RF_C4_NO_TERMINAL_PUNCT},
            {"c4-min-words-per-line", "Two words.", RF_C4_TOO_FEW_WORDS},
            {"c4-javascript", "Please enable JavaScript to see the map.", RF_C4_JAVASCRIPT},
            {"c4-policy", "This site uses cookies to work better.", RF_C4_POLICY},
            {"c4-policy", "Read our Privacy Policy before you sign up.", RF_C4_POLICY},
        };
        for (size_t i = 0; i < sizeof lc / sizeof lc[0]; i++) {
            rf_heur_profile prof[RF_PROF_COUNT];
            rf_heur_result r;
            char doc[512];
            snprintf(doc, sizeof doc, "  The first line stays here.  \n%s\n\nThe last line stays too.",
                     lc[i].line);
            only(prof, lc[i].param, NULL);
            CHECK(eval(&prof[RF_PROF_EN], doc, &r) == NULL);
            CHECK(r.edited && r.c4_removed[lc[i].reason] == 1);
            CHECK_MEM(r.text, r.text_len, "The first line stays here.\nThe last line stays too.");
            set(prof, lc[i].param, "off");
            eval(&prof[RF_PROF_EN], doc, &r);
            CHECK(r.c4_removed[lc[i].reason] == 0);
            release(prof);
        }
        /* A word longer than the limit removes its line. */
        rf_heur_profile prof[RF_PROF_COUNT];
        rf_heur_result r;
        only(prof, "c4-max-word-len", "10");
        CHECK(eval(&prof[RF_PROF_EN], "Short words here.\nA verylongwordindeed here.", &r) == NULL);
        CHECK(r.c4_removed[RF_C4_TOO_LONG_WORD] == 1);
        CHECK_MEM(r.text, r.text_len, "Short words here.");
        release(prof);
        /* Citations are cut out of kept lines, then the terminal check runs
         * on what is left (as datatrove does). */
        only(prof, "c4-citations", NULL);
        set(prof, "c4-terminal-punct", "on");
        CHECK(eval(&prof[RF_PROF_EN], "It was built in 1901.[3] It burned.[citation needed]\n"
                                      "[edit] History of it.",
                   &r) == NULL);
        /* datatrove strips lines before cutting citations: the space stays. */
        CHECK_MEM(r.text, r.text_len, "It was built in 1901. It burned.\n History of it.");
        release(prof);
        /* Korean: lines ending in 다/요 count as terminal. */
        only(prof, "c4-terminal-punct", NULL);
        CHECK(eval(&prof[RF_PROF_KO], "영화가 정말 재밌다\n마지막 장면이 좋았어요\n그냥 그런 영화", &r) ==
              NULL);
        CHECK(r.c4_removed[RF_C4_NO_TERMINAL_PUNCT] == 1);
        CHECK_MEM(r.text, r.text_len, "영화가 정말 재밌다\n마지막 장면이 좋았어요");
        release(prof);
        /* Scope: with "line", a '{' in a removed line does not reject. */
        only(prof, "c4-curly-bracket", "line");
        set(prof, "c4-terminal-punct", "on");
        CHECK(eval(&prof[RF_PROF_EN], "Some prose that ends.\nint f() {", &r) == NULL);
        CHECK(eval(&prof[RF_PROF_EN], "Some prose that ends.\nIt has { in it.", &r) != NULL);
        release(prof);
    }

    /* Defaults: every profile keeps its clean base document. */
    {
        rf_heur_profile p;
        rf_heur_result r;
        for (int i = 0; i < RF_PROF_COUNT; i++) {
            rf_heur_profile_default(&p, (rf_heur_prof)i);
            const char *why = eval(&p, base_of((rf_heur_prof)i), &r);
            if (why)
                fprintf(stderr, "profile %s rejects its base: %s %g %g\n",
                        rf_heur_prof_name((rf_heur_prof)i), why, r.value, r.threshold);
            CHECK(why == NULL);
            rf_heur_profile_release(&p);
        }
    }

    /* No division by zero, no crash, and never "keep" for nothing. */
    {
        static const char *const edge[] = {"", " ", "\n\n\n", "...", "#", "\t \u3000", "。", "ㅋㅋㅋ"};
        for (int i = 0; i < RF_PROF_COUNT; i++) {
            rf_heur_profile p;
            rf_heur_profile_default(&p, (rf_heur_prof)i);
            for (size_t k = 0; k < sizeof edge / sizeof edge[0]; k++) {
                rf_heur_result r;
                rf_heur_eval(&p, S, edge[k], strlen(edge[k]), RF_HEUR_ALL_METRICS, &r);
                CHECK(r.reason != NULL);
                double *m = (double *)&r.m;
                for (size_t q = 0; q < sizeof r.m / sizeof(double); q++)
                    CHECK(m[q] != m[q] || (m[q] >= 0 && m[q] < 1e18)); /* NaN or finite */
            }
            rf_heur_profile_release(&p);
        }
    }

    /* Option syntax. */
    {
        rf_heur_profile prof[RF_PROF_COUNT];
        rf_err err;
        for (int i = 0; i < RF_PROF_COUNT; i++)
            rf_heur_profile_default(&prof[i], (rf_heur_prof)i);
        set(prof, "gopher-min-words", "ko:30;en:40");
        CHECK(prof[RF_PROF_KO].gq_min_words == 30 && prof[RF_PROF_EN].gq_min_words == 40 &&
              prof[RF_PROF_ZH].gq_min_words == 50);
        set(prof, "gopher-min-words", "ja:7, zh:8");
        CHECK(prof[RF_PROF_JA].gq_min_words == 7 && prof[RF_PROF_ZH].gq_min_words == 8);
        set(prof, "gopher-min-words", "off");
        for (int i = 0; i < RF_PROF_COUNT; i++)
            CHECK(!rf_heur_on(prof[i].gq_min_words));
        set(prof, "c4", "ko:off");
        CHECK(!prof[RF_PROF_KO].c4 && prof[RF_PROF_EN].c4);
        set(prof, "gopher-stop-words", "en:a an the;ko:은 는");
        CHECK(prof[RF_PROF_EN].gq_stop_words.n == 3 && prof[RF_PROF_KO].gq_stop_words.n == 2);
        set(prof, "gopher-stop-words", "");
        CHECK(prof[RF_PROF_EN].gq_stop_words.n == 0 && prof[RF_PROF_KO].gq_stop_words.n == 0);
        set(prof, "c4-curly-bracket", "en:line");
        CHECK(prof[RF_PROF_EN].c4_curly_bracket == RF_C4_SCOPE_LINE &&
              prof[RF_PROF_KO].c4_curly_bracket == RF_C4_SCOPE_PAGE);
        CHECK(rf_heur_param_apply(param("gopher-min-words"), "many", prof, &err) == RF_EUSAGE);
        CHECK(rf_heur_param_apply(param("gopher-min-words"), "fr:3", prof, &err) == RF_EUSAGE);
        CHECK(strstr(err.msg, "unknown profile") != NULL);
        CHECK(rf_heur_param_apply(param("c4"), "maybe", prof, &err) == RF_EUSAGE);
        CHECK(rf_heur_param_apply(param("c4-curly-bracket"), "everywhere", prof, &err) == RF_EUSAGE);
        CHECK(rf_heur_param_apply(param("gopher-min-words"), "", prof, &err) == RF_EUSAGE);
        /* Every built-in default parses. */
        for (size_t i = 0; i < rf_heur_nparams; i++)
            for (int k = 0; k < RF_PROF_COUNT; k++) {
                rf_heur_profile tmp[RF_PROF_COUNT];
                for (int j = 0; j < RF_PROF_COUNT; j++)
                    rf_heur_profile_default(&tmp[j], (rf_heur_prof)j);
                CHECK(rf_heur_param_apply(&rf_heur_params[i], rf_heur_params[i].def[k], tmp, &err) ==
                      0);
                release(tmp);
            }
        release(prof);
    }

    rf_heur_scratch_free(S);
    free(hashes);
    free(ellipses);
    free(bad_hash);
    free(bad_ell);
    free(bullets);
    free(end_ell);
    free(numbers);
    free(no_stop);
    free(ko_no_stop);
    free(short_words);
    free(long_words);
    free(long_doc);
    free(para_char);
    free(line_frac);
    free(line_char);
    free(menu);
    free(no_punct);
    free(dup_lines);
    free(one_per_line);
    return CHECK_DONE();
}
