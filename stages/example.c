/* example.c — generator of the bundled example shards (`refine example`).
 * Clean documents are assembled from sentence templates written for this
 * project (Korean news/encyclopedia style and English equivalents) with
 * slots for cities, names, numbers and dates; defective documents are built
 * from the clean ones (exact and near duplicates, boilerplate lines, planted
 * PII, spam, word salad, repeated lines, lorem ipsum, symbol floods, toy
 * benchmark items) plus a few malformed records. A splitmix64 generator makes
 * the output identical on every machine for a given seed. */
#define _POSIX_C_SOURCE 200809L
#include "stages/example.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stages/cli.h"
#include "stages/io.h"
#include "stages/opts.h"
#include "stages/rng.h"

/* ---- deterministic randomness ---- */


static size_t pick(rf_rng *r, size_t n)
{
    return (size_t)(rf_rng_next(r) % n);
}

static int range(rf_rng *r, int lo, int hi)
{
    return lo + (int)pick(r, (size_t)(hi - lo + 1));
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- vocabulary ---- */

static const char *const ko_city[] = {"서울", "부산", "대구", "인천", "광주", "대전", "울산",
                                      "세종", "수원", "청주", "전주", "춘천", "제주", "포항",
                                      "창원"};
static const char *const ko_name[] = {"김민수", "이서연", "박지훈", "최유진", "정하늘",
                                      "강도윤", "윤서아", "장현우", "임지민", "한예린"};
static const char *const ko_org[] = {"지역경제연구소", "시립미술관",  "교육청",
                                     "문화재단",       "과학기술원", "국립기상연구소"};
static const char *const en_city[] = {"Springfield", "Riverton", "Lakeview", "Maple Grove",
                                      "Fairhaven",   "Brookside", "Oakridge", "Westport"};
static const char *const en_name[] = {"Anna Keller",  "David Moreno", "Grace Liu",
                                      "Samuel Brooks", "Nora Patel",  "Owen Fischer"};
static const char *const en_org[] = {"the city council", "the regional museum",
                                     "the state university", "the public library",
                                     "the weather service", "the transit authority"};

/* Slots: {C} city, {P} person, {O} organisation, {N} number 2..90,
 * {M} month, {D} day; after a slot, {은} {이} {을} pick the Korean particle
 * that agrees with the final syllable written before it. */
static const char *const ko_news[] = {
    "{C}시는 {M}월 {D}일부터 대중교통 요금 체계를 개편한다고 밝혔다.",
    "이번 개편으로 청소년과 노인의 교통비 부담이 다소 줄어들 것으로 보인다.",
    "{O}{은} 올해 지역 경제 성장률이 {N}퍼센트 안팎에 머물 것이라고 전망했다.",
    "전문가들은 수출 회복 속도가 예상보다 느리다고 지적했다.",
    "{C}에서는 주말 동안 가을 축제가 열려 많은 시민이 행사장을 찾았다.",
    "행사 기간에는 지역 농산물 장터와 전통 공연이 함께 마련되었다.",
    "기상청은 내일 중부 지방에 {N}밀리미터 안팎의 비가 내릴 것으로 예보했다.",
    "비가 그친 뒤에는 기온이 큰 폭으로 떨어져 쌀쌀해지겠다.",
    "{P} 연구원은 새로운 배터리 소재가 충전 시간을 크게 줄일 수 있다고 설명했다.",
    "연구팀은 실험 결과를 국제 학술지에 발표할 예정이다.",
    "{C} 시립도서관은 다음 달부터 야간 열람실 운영 시간을 연장한다.",
    "도서관 측은 시험 기간 학생들의 요청을 반영했다고 설명했다.",
    "프로축구 {C} 구단은 어제 열린 경기에서 상대 팀을 꺾고 3연승을 달렸다.",
    "감독은 경기가 끝난 뒤 선수들의 집중력을 칭찬했다.",
    "정부는 소상공인을 위한 저금리 대출 지원을 확대하기로 했다.",
    "신청은 온라인으로 받으며 자세한 내용은 관할 구청에 문의하면 된다.",
    "{O}{은} 청년 일자리 박람회를 열고 {N}개 기업이 참여한다고 밝혔다.",
    "참가자들은 현장에서 면접과 직무 상담을 받을 수 있다.",
    "올여름 폭염으로 전력 사용량이 역대 최고치를 기록했다.",
    "당국은 한낮에는 냉방 기기 사용을 조금씩 줄여 달라고 당부했다.",
    "{C}의 한 초등학교는 학생들이 직접 가꾼 텃밭에서 수확 체험 행사를 열었다.",
    "아이들은 배추와 무를 뽑으며 즐거운 시간을 보냈다.",
    "최근 온라인 쇼핑이 늘면서 택배 물량도 빠르게 증가하고 있다.",
    "업계는 배송 인력을 구하기가 갈수록 어려워지고 있다고 호소했다.",
    "{P} 작가의 개인전이 {O}에서 {M}월 말까지 열린다.",
    "전시에는 자연과 도시를 주제로 한 작품 {N}점이 소개된다.",
    "해양수산부는 연근해 어획량이 지난해보다 줄었다고 발표했다.",
    "바닷물 온도가 오른 것이 주요 원인으로 꼽힌다.",
    "{C} 지하철 노선 연장 공사가 내년 상반기에 마무리될 예정이다.",
    "새 노선이 개통되면 도심까지 이동 시간이 {N}분가량 줄어든다.",
};

static const char *const ko_wiki[] = {
    "한글은 자음과 모음을 모아 써서 음절을 이루는 문자 체계이다.",
    "한반도는 사계절이 뚜렷하여 여름에는 덥고 습하며 겨울에는 춥고 건조하다.",
    "김치는 배추나 무 같은 채소를 소금에 절인 뒤 양념하여 발효시킨 음식이다.",
    "태양계에서 가장 큰 행성은 목성이며 주로 수소와 헬륨으로 이루어져 있다.",
    "광합성은 식물이 빛 에너지를 이용해 이산화탄소와 물로 포도당을 만드는 과정이다.",
    "과거 제도는 관리를 뽑기 위해 국가가 치르던 시험이었다.",
    "지진은 지각 내부에 쌓인 에너지가 갑자기 풀려나면서 땅이 흔들리는 현상이다.",
    "철새는 계절에 따라 먹이와 번식지를 찾아 먼 거리를 이동한다.",
    "온돌은 바닥 아래로 뜨거운 연기를 통과시켜 방을 데우는 전통 난방 방식이다.",
    "화산섬은 바다 밑에서 분출한 용암이 쌓여 수면 위로 드러난 섬이다.",
};

static const char *const en_news[] = {
    "The transit authority in {C} said on Monday that bus fares will change on {M}/{D}.",
    "Officials expect the new fares to lower travel costs for students and older riders.",
    "Economists at {O} now expect growth of about {N} percent for the region this year.",
    "Several analysts warned that exports are recovering more slowly than expected.",
    "Thousands of residents visited the autumn festival in {C} over the weekend.",
    "The event featured a farmers market, live music and workshops for children.",
    "Forecasters expect around {N} millimeters of rain in the central region tomorrow.",
    "Temperatures are likely to drop sharply once the rain moves out of the area.",
    "{P}, a researcher at {O}, said the new battery material could cut charging times.",
    "The team plans to publish the full results in a peer-reviewed journal next year.",
    "The public library in {C} will keep its reading rooms open later starting next month.",
    "Staff said the change responds to requests from students during exam season.",
    "The local football club won its third straight game on Saturday evening.",
    "After the match, the coach praised the players for staying focused until the end.",
    "The government announced a larger program of low-interest loans for small shops.",
    "Applications are accepted online, and the district offices can answer questions.",
    "{O} is hosting a job fair this week, and {N} companies have signed up to attend.",
    "Visitors can take part in interviews and career counseling on the spot.",
    "Electricity demand reached a record high during the heat wave this summer.",
    "Authorities asked households to use air conditioning sparingly in the afternoon.",
};

static const char *const en_wiki[] = {
    "Photosynthesis is the process by which plants use light to turn carbon dioxide and water into sugar.",
    "Jupiter is the largest planet in the solar system and consists mostly of hydrogen and helium.",
    "An earthquake is a sudden shaking of the ground caused by energy released inside the crust.",
    "Migratory birds travel long distances each season to find food and places to breed.",
    "A volcanic island forms when lava erupting from the sea floor builds up above the surface.",
    "The printing press made books cheaper and helped spread literacy across Europe.",
    "Glaciers are large masses of ice that move slowly downhill under their own weight.",
    "The human heart pumps blood through a network of arteries, veins and capillaries.",
};

static const char *const ko_boiler[] = {
    "무단전재 및 재배포 금지",
    "ⓒ {C}일보 All rights reserved.",
    "▶ 관련기사 더보기",
    "이전글 | 다음글 | 목록",
    "공유하기 · 구독하기 · 좋아요",
    "저작권자 ⓒ {C}신문, 무단 전재-재배포 금지",
};

static const char *const en_boiler[] = {
    "Copyright 2024 Example Media. All rights reserved.",
    "Share this article: Facebook | Twitter | Email",
    "Subscribe to our newsletter for more stories like this.",
    "Read more: Top stories this week",
    "Home > News > Local",
    "We use cookies to improve your experience. Accept all cookies.",
};

static const char *const ko_spam[] = {
    "카지노 바카라 토토 먹튀검증 안전놀이터 가입머니 즉시지급",
    "출장안마 24시 예약 최저가 보장 지금 바로 연락주세요",
    "무직자 당일 대출 승인 100% 신용 무관 비밀 보장",
    "슬롯 잭팟 이벤트 첫충 보너스 매일 지급 바카라 카지노",
};

static const char *const en_spam[] = {
    "Best online casino bonus free spins win big jackpot now",
    "Cheap viagra pills no prescription fast shipping discount",
    "Payday loan approved instantly no credit check cash today",
    "Click here click here to claim your free prize now",
};

static const char *const salad_words[] = {
    "banana", "quantum", "river", "seventeen", "purple", "engine", "whisper", "concrete",
    "galaxy", "pillow", "tax", "orbit", "sandwich", "velvet", "ladder", "echo",
    "사과", "자동차", "구름", "전화기", "바다", "의자", "연필", "하늘", "시계", "나무"};

/* A toy evaluation set written for the examples: the decontamination stage
 * indexes it and must find the items planted in documents. */
static const char *const eval_items[][2] = {
    {"A baker makes 24 muffins in the morning and sells 17 of them before noon. How many muffins are left for the afternoon customers?",
     "7"},
    {"Mina reads 12 pages of her book every evening. After 9 evenings she has read exactly half of the book. How many pages does the book have?",
     "216"},
    {"A train leaves the station at 8:15 and arrives at its destination at 11:40. How many minutes does the whole trip take?",
     "205"},
    {"Which gas do green plants absorb from the air and use together with water and sunlight to produce sugar during photosynthesis?",
     "carbon dioxide"},
    {"한 농부가 사과나무 14그루를 심었고 그루마다 사과가 30개씩 열렸다면 농부가 수확할 수 있는 사과는 모두 몇 개인가?",
     "420"},
    {"민호는 하루에 물을 여섯 컵씩 마신다 일주일 동안 민호가 마시는 물은 모두 몇 컵인지 구하시오 그리고 풀이 과정을 쓰시오",
     "42"},
    {"다음 중 한반도의 겨울 날씨를 가장 잘 설명한 것은 무엇인가 춥고 건조하다 덥고 습하다 비가 많이 온다 바람이 전혀 없다",
     "춥고 건조하다"},
    {"지수가 가진 연필 36자루를 친구 네 명에게 똑같이 나누어 주면 한 친구가 받는 연필은 몇 자루인지 계산하여 답을 쓰시오",
     "9"},
};

/* ---- text assembly ---- */

/* Does the last Hangul syllable before the end of b have a final consonant? */
static int has_batchim(const rf_buf *b)
{
    if (b->len < 3)
        return 0;
    const unsigned char *q = (const unsigned char *)b->p + b->len - 3;
    if (q[0] < 0xE0)
        return 0;
    unsigned cp = ((unsigned)(q[0] & 0x0F) << 12) | ((unsigned)(q[1] & 0x3F) << 6) | (q[2] & 0x3F);
    return cp >= 0xAC00 && cp <= 0xD7A3 && (cp - 0xAC00) % 28 != 0;
}

static void fill(rf_rng *r, rf_buf *b, const char *t, int ko)
{
    for (const char *p = t; *p; p++) {
        if (!strncmp(p, "{은}", 5) || !strncmp(p, "{이}", 5) || !strncmp(p, "{을}", 5)) {
            static const char *const pairs[3][2] = {{"는", "은"}, {"가", "이"}, {"를", "을"}};
            int k = !strncmp(p, "{은}", 5) ? 0 : !strncmp(p, "{이}", 5) ? 1 : 2;
            rf_buf_adds(b, pairs[k][has_batchim(b)]);
            p += 4;
            continue;
        }
        if (p[0] == '{' && p[1] && p[2] == '}') {
            switch (p[1]) {
            case 'C': rf_buf_adds(b, ko ? ko_city[pick(r, N(ko_city))] : en_city[pick(r, N(en_city))]); break;
            case 'P': rf_buf_adds(b, ko ? ko_name[pick(r, N(ko_name))] : en_name[pick(r, N(en_name))]); break;
            case 'O': rf_buf_adds(b, ko ? ko_org[pick(r, N(ko_org))] : en_org[pick(r, N(en_org))]); break;
            case 'N': rf_buf_addf(b, "%d", range(r, 2, 90)); break;
            case 'M': rf_buf_addf(b, "%d", range(r, 1, 12)); break;
            case 'D': rf_buf_addf(b, "%d", range(r, 1, 28)); break;
            default: rf_buf_add(b, p, 3);
            }
            p += 2;
        } else {
            rf_buf_addc(b, *p);
        }
    }
}

/* A clean article. News: 2-3 paragraphs, each built on a different pair of
 * related sentences; encyclopedia style: 3-6 consecutive distinct facts.
 * No sentence repeats within a document. */
static void clean_text(rf_rng *r, rf_buf *b, int ko)
{
    const char *const *news = ko ? ko_news : en_news;
    size_t npairs = (ko ? N(ko_news) : N(en_news)) / 2;
    const char *const *wiki = ko ? ko_wiki : en_wiki;
    size_t nwiki = ko ? N(ko_wiki) : N(en_wiki);
    if (pick(r, 4) == 0) {
        size_t start = pick(r, nwiki);
        int k = range(r, 3, 6);
        for (int s = 0; s < k; s++) {
            if (s)
                rf_buf_adds(b, s == 3 ? "\n\n" : " ");
            fill(r, b, wiki[(start + (size_t)s) % nwiki], ko);
        }
        return;
    }
    size_t p0 = pick(r, npairs);
    int paras = range(r, 2, 3);
    for (int p = 0; p < paras; p++) {
        if (p)
            rf_buf_adds(b, "\n\n");
        size_t pair = (p0 + 3 * (size_t)p) % npairs;
        fill(r, b, news[2 * pair], ko);
        rf_buf_addc(b, ' ');
        fill(r, b, news[2 * pair + 1], ko);
        if (pick(r, 2)) {
            rf_buf_addc(b, ' ');
            fill(r, b, news[2 * ((pair + 1) % npairs)], ko);
        }
    }
}

static void luhn_card(rf_rng *r, char out[20])
{
    int d[16];
    d[0] = 4;
    for (int i = 1; i < 15; i++)
        d[i] = (int)pick(r, 10);
    int sum = 0;
    for (int i = 0; i < 15; i++) {
        int v = d[14 - i];
        if (i % 2 == 0) {
            v *= 2;
            if (v > 9)
                v -= 9;
        }
        sum += v;
    }
    d[15] = (10 - sum % 10) % 10;
    int o = 0;
    for (int i = 0; i < 16; i++) {
        if (i && i % 4 == 0)
            out[o++] = '-';
        out[o++] = (char)('0' + d[i]);
    }
    out[o] = '\0';
}

static void pii_sentence(rf_rng *r, rf_buf *b, int ko)
{
    char card[20];
    int kind = (int)pick(r, 5);
    int u = range(r, 1, 999);
    if (ko) {
        switch (kind) {
        case 0: rf_buf_addf(b, "자세한 문의는 담당자 이메일 minsu.kim%d@example.com 으로 보내 주세요.", u); break;
        case 1: rf_buf_addf(b, "예약은 010-%04d-%04d 번으로 전화하면 된다.", range(r, 1000, 9999), range(r, 1000, 9999)); break;
        case 2: rf_buf_addf(b, "신청서에는 주민등록번호 %02d%02d%02d-%d%06d 를 적어야 했다.", range(r, 60, 99), range(r, 1, 12), range(r, 1, 28), range(r, 1, 2), range(r, 0, 999999)); break;
        case 3: luhn_card(r, card); rf_buf_addf(b, "결제에 사용한 카드 번호는 %s 이었다.", card); break;
        default: rf_buf_addf(b, "접속 기록에는 IP 주소 203.0.113.%d 가 남아 있었다.", range(r, 1, 254));
        }
    } else {
        switch (kind) {
        case 0: rf_buf_addf(b, "For details, write to anna.keller%d@example.org before Friday.", u); break;
        case 1: rf_buf_addf(b, "You can reach the office at (555) 01%02d-%04d during business hours.", range(r, 0, 99), range(r, 1000, 9999)); break;
        case 2: rf_buf_addf(b, "The form asked for a social security number such as 123-45-%04d.", range(r, 1000, 9999)); break;
        case 3: luhn_card(r, card); rf_buf_addf(b, "The receipt showed the card number %s in full.", card); break;
        default: rf_buf_addf(b, "The server logged requests from 192.0.2.%d all night.", range(r, 1, 254));
        }
    }
}

/* ---- document kinds ---- */

typedef struct gen {
    rf_rng r;
    rf_buf *out;
    size_t shard;
    size_t n;          /* documents written in this shard */
    rf_buf recent[8];  /* recent clean texts, for duplicates */
    size_t nrecent;
} gen;

static void emit(gen *g, const char *source, const char *defect, const char *text, size_t len)
{
    rf_buf *o = g->out;
    rf_buf_addf(o, "{\"id\":\"ex-%zu-%05zu\",\"source\":\"%s\",\"defect\":\"%s\",\"text\":", g->shard,
                g->n, source, defect);
    rf_buf_json_str(o, text, len);
    rf_buf_adds(o, "}\n");
    g->n++;
}

static void remember(gen *g, const rf_buf *t)
{
    rf_buf *slot = &g->recent[g->nrecent % N(g->recent)];
    rf_buf_reset(slot);
    rf_buf_add(slot, t->p, t->len);
    g->nrecent++;
}

static void doc_clean(gen *g, int ko, rf_buf *t)
{
    clean_text(&g->r, t, ko);
    remember(g, t);
    emit(g, ko ? "news_ko" : "news_en", "none", t->p, t->len);
}

static void doc_dup(gen *g, int near, rf_buf *t)
{
    if (!g->nrecent) {
        doc_clean(g, 1, t);
        return;
    }
    size_t have = g->nrecent < N(g->recent) ? g->nrecent : N(g->recent);
    const rf_buf *src = &g->recent[pick(&g->r, have)];
    rf_buf_add(t, src->p, src->len);
    if (near) {
        /* Change the tail: drop the last sentence end, add a short remark. */
        size_t cut = t->len;
        while (cut > 0 && t->p[cut - 1] != ' ' && t->len - cut < 200)
            cut--;
        if (cut > t->len / 2)
            rf_buf_setlen(t, cut);
        rf_buf_adds(t, pick(&g->r, 2) ? " 관계자는 추가 내용을 곧 공개할 예정이라고 덧붙였다."
                                      : " Further details will be announced later this week.");
    }
    emit(g, "news", near ? "dup_near" : "dup_exact", t->p, t->len);
}

static void doc_boiler(gen *g, int ko, rf_buf *t)
{
    clean_text(&g->r, t, ko);
    const char *const *bp = ko ? ko_boiler : en_boiler;
    size_t nb = ko ? N(ko_boiler) : N(en_boiler);
    int lines = range(&g->r, 2, 3);
    for (int i = 0; i < lines; i++) {
        rf_buf_addc(t, '\n');
        fill(&g->r, t, bp[pick(&g->r, nb)], ko);
    }
    emit(g, ko ? "news_ko" : "news_en", "boilerplate", t->p, t->len);
}

static void doc_pii(gen *g, int ko, rf_buf *t)
{
    clean_text(&g->r, t, ko);
    rf_buf_addc(t, ' ');
    pii_sentence(&g->r, t, ko);
    emit(g, ko ? "news_ko" : "news_en", "pii", t->p, t->len);
}

static void doc_spam(gen *g, int ko, rf_buf *t)
{
    const char *const *sp = ko ? ko_spam : en_spam;
    size_t ns = ko ? N(ko_spam) : N(en_spam);
    int lines = range(&g->r, 4, 8);
    for (int i = 0; i < lines; i++) {
        if (i)
            rf_buf_addc(t, '\n');
        rf_buf_adds(t, sp[pick(&g->r, ns)]);
        rf_buf_adds(t, ko ? " #카지노 #바카라" : " #casino #bonus");
    }
    emit(g, "web", "spam", t->p, t->len);
}

static void doc_lowq(gen *g, rf_buf *t)
{
    int kind = (int)pick(&g->r, 5);
    const char *defect = "lowq";
    if (kind == 0) { /* word salad */
        int w = range(&g->r, 40, 80);
        for (int i = 0; i < w; i++) {
            if (i)
                rf_buf_addc(t, ' ');
            rf_buf_adds(t, salad_words[pick(&g->r, N(salad_words))]);
        }
        defect = "word_salad";
    } else if (kind == 1) { /* one line repeated */
        int reps = range(&g->r, 8, 15);
        for (int i = 0; i < reps; i++) {
            if (i)
                rf_buf_addc(t, '\n');
            rf_buf_adds(t, pick(&g->r, 2) ? "지금 바로 확인하세요 최고의 혜택" : "Click the link below to continue");
        }
        defect = "repeated_lines";
    } else if (kind == 2) {
        rf_buf_adds(t, "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor "
                       "incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam.");
        defect = "lorem_ipsum";
    } else if (kind == 3) { /* symbols */
        int w = range(&g->r, 20, 40);
        for (int i = 0; i < w; i++)
            rf_buf_adds(t, pick(&g->r, 2) ? "★ ### " : "... ");
        defect = "symbols";
    } else { /* navigation menu */
        rf_buf_adds(t, "Home | About | Products | Blog | Contact\nLogin | Sign up | Cart (0)\n"
                       "홈 | 회사소개 | 제품 | 고객센터\n© 2024");
        defect = "menu";
    }
    emit(g, "web", defect, t->p, t->len);
}

static void doc_leak(gen *g, rf_buf *t)
{
    size_t i = pick(&g->r, N(eval_items));
    int ko = (unsigned char)eval_items[i][0][0] >= 0x80;
    clean_text(&g->r, t, ko);
    rf_buf_adds(t, ko ? "\n\n오늘의 문제: " : "\n\nToday's puzzle: ");
    rf_buf_adds(t, eval_items[i][0]);
    rf_buf_adds(t, ko ? " 정답은 " : " The answer is ");
    rf_buf_adds(t, eval_items[i][1]);
    rf_buf_adds(t, ".");
    emit(g, ko ? "news_ko" : "news_en", "benchmark_leak", t->p, t->len);
}

static void doc_malformed(gen *g)
{
    rf_buf *o = g->out;
    switch (pick(&g->r, 4)) {
    case 0: /* cut off in the middle */
        rf_buf_addf(o, "{\"id\":\"ex-%zu-%05zu\",\"source\":\"web\",\"defect\":\"malformed\",\"text\":\"잘린 문서는 여기서 끝",
                    g->shard, g->n);
        break;
    case 1: /* raw invalid UTF-8 byte inside the text: repaired, not rejected */
        rf_buf_addf(o, "{\"id\":\"ex-%zu-%05zu\",\"source\":\"web\",\"defect\":\"invalid_utf8\",\"text\":\"broken byte \xff here\"}",
                    g->shard, g->n);
        break;
    case 2: /* no text field */
        rf_buf_addf(o, "{\"id\":\"ex-%zu-%05zu\",\"source\":\"web\",\"defect\":\"no_text\",\"body\":\"text is missing\"}",
                    g->shard, g->n);
        break;
    default: /* not an object */
        rf_buf_adds(o, "[\"not\", \"an\", \"object\"]");
    }
    rf_buf_addc(o, '\n');
    g->n++;
}

void rf_example_shard(const rf_example_opts *o, size_t k, rf_buf *out)
{
    gen g;
    memset(&g, 0, sizeof g);
    g.r.s = o->seed * 0x100000001B3ull + k + 1;
    g.out = out;
    g.shard = k;
    rf_buf t = RF_BUF_INIT;
    while (g.n < o->docs_per_shard) {
        rf_buf_reset(&t);
        int ko = pick(&g.r, 5) < 3; /* 60% Korean */
        unsigned roll = (unsigned)pick(&g.r, 100);
        if (roll < 58)
            doc_clean(&g, ko, &t);
        else if (roll < 63)
            doc_dup(&g, 0, &t);
        else if (roll < 68)
            doc_dup(&g, 1, &t);
        else if (roll < 78)
            doc_boiler(&g, ko, &t);
        else if (roll < 84)
            doc_pii(&g, ko, &t);
        else if (roll < 89)
            doc_spam(&g, ko, &t);
        else if (roll < 96)
            doc_lowq(&g, &t);
        else if (roll < 99)
            doc_leak(&g, &t);
        else
            doc_malformed(&g);
    }
    rf_buf_release(&t);
    for (size_t i = 0; i < N(g.recent); i++)
        rf_buf_release(&g.recent[i]);
}

void rf_example_eval(rf_buf *out)
{
    for (size_t i = 0; i < N(eval_items); i++) {
        rf_buf_addf(out, "{\"id\":\"toy-%zu\",\"question\":", i);
        rf_buf_json_str(out, eval_items[i][0], strlen(eval_items[i][0]));
        rf_buf_adds(out, ",\"answer\":");
        rf_buf_json_str(out, eval_items[i][1], strlen(eval_items[i][1]));
        rf_buf_adds(out, "}\n");
    }
}

/* ---- refine example ---- */

static const rf_optspec example_optspecs[] = {
    {"out-dir", 'o', RF_OPT_STR, "examples", "DIR", "where to write the shards", NULL},
    {"docs", 'n', RF_OPT_INT, "300", "N", "documents per shard", NULL},
    {"shards", 0, RF_OPT_INT, "2", "N", "number of shards", NULL},
    {"seed", 0, RF_OPT_INT, "1", "N", "generator seed", NULL},
    {"help", 'h', RF_OPT_FLAG, "false", NULL, "show this help and exit", NULL},
    RF_OPTSPEC_END,
};

static int write_file(const char *path, const rf_buf *b, rf_err *err)
{
    rf_outopts oo = {RF_COMPRESS_AUTO, 19, 0};
    rf_out *o;
    int rc = rf_out_open(&o, path, &oo, err);
    if (rc)
        return rc;
    rc = rf_out_write(o, b->p ? b->p : "", b->len, err);
    if (rc) {
        rf_out_abort(o);
        return rc;
    }
    return rf_out_commit(o, err);
}

int rf_example_main(int argc, char **argv)
{
    const rf_optspec *tables[1] = {example_optspecs};
    rf_opts *o = rf_opts_new(tables, 1);
    rf_err err = {0, ""};
    char **pos = NULL;
    size_t npos = 0;
    int rc = rf_opts_parse_argv(o, argc, argv, &pos, &npos, &err);
    if (!rc && rf_opt_flag(o, "help")) {
        char tmp[4096];
        rf_opts_help(example_optspecs, tmp, sizeof tmp, NULL);
        printf("Usage: refine example [OPTIONS]\n"
               "Write deterministic example shards (Korean and English documents with planted\n"
               "duplicates, boilerplate, PII, spam, low-quality text, benchmark leaks and a few\n"
               "malformed records; the \"defect\" field names each one) and the toy evaluation\n"
               "set the leaks come from (DIR/eval/toy_eval.jsonl).\n\nOptions:\n%s", tmp);
        goto out;
    }
    if (!rc && npos)
        rc = rf_errf(&err, RF_EUSAGE, "unexpected argument '%s'", pos[0]);
    rf_example_opts eo = {0, 0, 0};
    if (!rc) {
        int64_t d = rf_opt_int(o, "docs"), s = rf_opt_int(o, "shards");
        if (d < 1 || s < 1 || s > 1000)
            rc = rf_errf(&err, RF_EUSAGE, "--docs must be >= 1 and --shards 1..1000");
        eo.docs_per_shard = (size_t)d;
        eo.shards = (size_t)s;
        eo.seed = (uint64_t)rf_opt_int(o, "seed");
    }
    const char *dir = rf_opt_str(o, "out-dir");
    rf_buf b = RF_BUF_INIT, path = RF_BUF_INIT;
    for (size_t k = 0; !rc && k < eo.shards; k++) {
        rf_buf_reset(&b);
        rf_buf_reset(&path);
        rf_example_shard(&eo, k, &b);
        rf_buf_addf(&path, "%s/shard-%05zu.jsonl.zst", dir, k);
        rc = write_file(path.p, &b, &err);
    }
    if (!rc) {
        rf_buf_reset(&b);
        rf_buf_reset(&path);
        rf_example_eval(&b);
        rf_buf_addf(&path, "%s/eval/toy_eval.jsonl", dir);
        rc = write_file(path.p, &b, &err);
    }
    rf_buf_release(&b);
    rf_buf_release(&path);
    if (!rc)
        fprintf(stderr, "refine example: wrote %zu shards of %zu documents and the toy eval set to %s/\n",
                eo.shards, eo.docs_per_shard, dir);
out:
    if (rc)
        rf_cli_error("refine example", &err);
    free(pos);
    rf_opts_free(o);
    return rf_exit_code(rc);
}
