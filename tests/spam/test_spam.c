/* test_spam.c — unit tests of refine-spam: each boilerplate family (Korean
 * and English) is removed, ordinary lines that look similar are kept, body
 * lines stay byte-exact, invisible characters are normalised away (a ZWJ in
 * an emoji sequence stays), and each document-level rule rejects its spam
 * and keeps a hard negative. */
#include <stdio.h>
#include <string.h>

#include "filters/spam.h"
#include "tests/unit/check.h"

static rf_spam *sp;
static rf_spam_scratch *sc;

static void kind(const char *line, int want)
{
    int k = rf_spam_line_kind(sp, sc, line, strlen(line));
    if (k != want) {
        fprintf(stderr, "'%s': expected %s, got %s\n", line, rf_spam_line_name(want),
                rf_spam_line_name(k));
        check_failures++;
    }
}

static const char *check(const char *t, rf_spam_result *r, rf_buf *out)
{
    rf_spam_check(sp, sc, t, strlen(t), r, out);
    return r->reject;
}

static void test_lines(void)
{
    const char *bp[] = {
        "무단전재 및 재배포 금지", "<저작권자 © 연합뉴스, 무단 전재-재배포, AI 학습 및 활용 금지>",
        "저작권자 ⓒ 부산일보 무단전재 및 재배포금지", "ⓒ 대전일보 All rights reserved.",
        "홍길동 기자 hong@yna.co.kr", "김민수·이지은 기자", "[서울=뉴시스] 박서준 기자 =",
        "▶ 관련기사", "▶ 정부, 내년 예산 확정", "[관련기사]", "이전글 | 다음글 | 목록", "목록",
        "공유하기 · 구독하기 · 좋아요", "댓글을 작성하려면 로그인하세요.", "로그인 | 회원가입", "사진=연합뉴스",
        "Copyright © 2024 Example Media. All rights reserved.", "© 2019 The Courier",
        "Share this article: Facebook | Twitter | Email", "Tweet Share Email Print",
        "We use cookies to improve your experience. Accept all cookies.", "Log in to comment",
        "Read more", "Read more: Top stories this week", "Click here to read the full story",
        "« Previous Post | Next Post »", "Subscribe to our newsletter for more stories like this.",
        "Related articles", "Advertisement", "Tags: politics, world", "Skip to main content",
        "Posted by Anna C. on February 4, 2014", NULL};
    for (const char **l = bp; *l; l++)
        kind(*l, RF_SPAM_LINE_BOILERPLATE);
    kind("Home | About | Products | Blog | Contact", RF_SPAM_LINE_MENU);
    kind("Home > News > Local", RF_SPAM_LINE_MENU);
    kind("홈 | 회사소개 | 제품 | 고객센터", RF_SPAM_LINE_MENU);
    kind("https://a.example.com/x https://b.example.com/y", RF_SPAM_LINE_LINKS);
    kind("#news #breaking #korea", RF_SPAM_LINE_HASHTAGS);
    kind("👍👍👍 🔥🔥", RF_SPAM_LINE_EMOJI);
    const char *keep[] = {
        "좋아요", "copyright law protects authors in most countries.",
        "The next day he went to the market.", "posted on a rather steep incline which dominated",
        "register of ships", "그는 기자 회견에서 새로운 계획을 발표했다.",
        "한국에로 많이 발전했네 / 연기력 괜춘 / 제목이 살짝 애러", "| a | b | c |",
        "Like a child, he ran home.", "다음 달부터 목록을 정리한다고 밝혔다.", "cart.", NULL};
    for (const char **l = keep; *l; l++)
        kind(*l, RF_SPAM_LINE_KEEP);
}

static void test_doc(void)
{
    rf_spam_result r;
    rf_buf out = RF_BUF_INIT;
    const char *doc = "홈 > 뉴스 > 사회\n"
                      "정부는 소상공인을 위한 저금리 대출 지원을 확대하기로 했다. 신청은 온라인으로 받는다.\n"
                      "\n"
                      "올여름 폭염으로 전력 사용량이 역대 최고치를 기록했다.  두 칸 띄어쓰기도 그대로.\n"
                      "홍길동 기자 hong@yna.co.kr\n"
                      "무단전재 및 재배포 금지";
    CHECK(check(doc, &r, &out) == NULL);
    CHECK(r.edited && r.removed[0] == 3 && r.removed[RF_SPAM_LINE_BOILERPLATE] == 2 &&
          r.removed[RF_SPAM_LINE_MENU] == 1);
    CHECK_MEM(out.p, out.len,
              "정부는 소상공인을 위한 저금리 대출 지원을 확대하기로 했다. 신청은 온라인으로 받는다.\n"
              "\n"
              "올여름 폭염으로 전력 사용량이 역대 최고치를 기록했다.  두 칸 띄어쓰기도 그대로.");

    /* Repeated lines: the first copy stays. */
    const char *rep = "Click the link below to continue reading\nA real sentence that is long enough to "
                      "count as the body of this small document here.\nClick the link below to continue "
                      "reading\nclick the link  below to continue reading";
    CHECK(check(rep, &r, &out) == NULL);
    CHECK(r.removed[RF_SPAM_LINE_REPEATED] == 2);

    /* Source code keeps its repeated lines and comment links. */
    const char *code = "#include <stdio.h>\n// see https://example.com/spec\nstatic int f(void);\n"
                       "static int f(void);\nint main(void) {\n    return f();\n}";
    CHECK(check(code, &r, &out) == NULL && !r.edited && r.code);

    /* Nothing to do: not edited. */
    CHECK(check("Plain text.\nAnother line.", &r, &out) == NULL && !r.edited);

    /* Invisible characters: removed and counted; an emoji ZWJ sequence stays. */
    const char *inv = "카\u200b지\u200b노 안내가 아닌 평범한 문장입니다. 가족 👨\u200d👩\u200d👧 사진.";
    CHECK(check(inv, &r, &out) == NULL);
    CHECK(r.invisible == 2 && r.edited);
    CHECK(out.len == strlen(inv) - 6 && strstr(out.p, "👨\u200d👩") != NULL);

    /* Too much removed / too little left. */
    CHECK(check("Copyright 2024 Foo. All rights reserved.\nShare this article: Facebook | Twitter",
                &r, &out) != NULL && !strcmp(r.reject, "mostly_boilerplate"));
    CHECK(check("A short body line, still short.\nRead more\nAdvertisement", &r, &out) != NULL &&
          !strcmp(r.reject, "too_short_after_removal"));
    rf_buf_release(&out);
}

static void test_spam_docs(void)
{
    rf_spam_result r;
    rf_buf out = RF_BUF_INIT;
    CHECK(check("카지노 바카라 토토 먹튀검증 안전놀이터 가입머니 즉시지급\n실시간 스포츠 배팅 메이저사이트", &r, &out) &&
          !strcmp(r.reject, "spam_gambling"));
    CHECK(check("출장안마 24시 예약 조건만남 실사 보장 출장마사지 전지역 30분 도착", &r, &out) &&
          !strcmp(r.reject, "spam_adult"));
    CHECK(check("무직자대출 당일 승인 신용무관 급전 대출 소액결제 현금화", &r, &out) &&
          !strcmp(r.reject, "spam_loan"));
    CHECK(check("Payday loan approved instantly, no credit check, cash advance today", &r, &out) &&
          !strcmp(r.reject, "spam_loan"));
    CHECK(check("Cheap viagra and cialis pills, hot girls escort service tonight", &r, &out) &&
          !strcmp(r.reject, "spam_adult"));
    /* A film review about Toto (Cinema Paradiso) is not gambling spam. */
    CHECK(check("토토와 알프레도의 우정이 정말 아름다웠다. 토토의 첫사랑이 참 풋풋했다. 어린 토토가 영사실에서 "
                "보낸 시간이 그립다.", &r, &out) == NULL);
    /* Nor is a news sentence about casinos. */
    CHECK(check("The city council debated whether a new casino would bring jobs to the waterfront, "
                "and several members asked for an independent study before any vote.", &r, &out) == NULL);
    char buf[4096] = "";
    for (int i = 0; i < 30; i++)
        strcat(buf, i % 3 ? "cheap shoes " : "best ");
    CHECK(check(buf, &r, &out) && !strcmp(r.reject, "keyword_stuffing"));
    CHECK(check("오늘 점심 #맛집 #맛스타그램 #먹스타그램 #일상 #데일리 #여행 #카페 #좋아요 #팔로우 #선팔", &r, &out) &&
          !strcmp(r.reject, "hashtag_flood"));
    CHECK(check("좋아요 😍😍😍🔥🔥🔥💯💯💯👍👍👍🎉🎉", &r, &out) && !strcmp(r.reject, "emoji_flood"));
    CHECK(check("평\u200b범\u200b한\u200b 문\u200b장\u200b처\u200b럼\u200b 보\u200b이\u200b는\u200b 글", &r, &out) &&
          !strcmp(r.reject, "invisible_stuffing"));
    rf_buf_release(&out);
}

/* The prefilter that lets most lines skip the boilerplate pattern never
 * skips a line the pattern matches: checked exhaustively against PCRE2
 * partial matching, and on line starts each rule of the filter handles. */
static void test_prefilter(void)
{
    rf_err err;
    if (rf_spam_selftest(sp, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        check_failures++;
    }
    const char *bp[] = {
        "  ▶ 관련기사", "-- (서울=연합뉴스) 홍길동 기자", "* 김민수 특파원 = ", "\"이지은 앵커\"",
        "Ⓒ 2024 Example", "© Example 2024", "• Share | Tweet", "### Related articles",
        "[Photo] 박서준 기자", "... 핫 뉴스", "맨 위로", "더 보기", "(AD)", "»» Read more",
        "— x | share", "E-mail this story · Print", "ＴＯＰ", "Ｓhare Tweet",
    };
    for (size_t i = 0; i < sizeof bp / sizeof bp[0]; i++)
        kind(bp[i], i < 16 ? RF_SPAM_LINE_BOILERPLATE : RF_SPAM_LINE_KEEP);
    kind("ſhare · tweet", RF_SPAM_LINE_BOILERPLATE); /* U+017F matches 's' caselessly */
    kind("\xe2\x84\xaa" "akaotalk | Share", RF_SPAM_LINE_BOILERPLATE); /* U+212A KELVIN SIGN */
    kind("「홍길동 기자」", RF_SPAM_LINE_BOILERPLATE); /* U+300C: Hangul script extension */
    kind("Home > News > World", RF_SPAM_LINE_MENU);
    kind("홈 · 회사소개 · 고객센터", RF_SPAM_LINE_MENU);
    kind("Home > News", RF_SPAM_LINE_KEEP);
}

int main(void)
{
    rf_spam_config c;
    rf_spam_config_defaults(&c);
    rf_err err;
    if (rf_spam_new(&sp, &c, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    sc = rf_spam_scratch_new(sp);
    test_lines();
    test_doc();
    test_spam_docs();
    test_prefilter();
    rf_spam_scratch_free(sc);
    rf_spam_free(sp);
    return CHECK_DONE();
}
