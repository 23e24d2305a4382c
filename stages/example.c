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

/* Slot lists, one letter each: {C} city, {P} person, {O} organisation,
 * {T} topic, {A} action on a topic, {Q} quotation, {R} role, {G} group,
 * {B} burden, {E} event, {F} remedy, {S} service, {X} statistic, {W} worry,
 * {I} time; {N} 2..90, {K} 2..9, {M} month, {D} day. After a slot, {은} {이} {을} {과}
 * pick the Korean particle that agrees with the final syllable before it.
 * Sentences are drawn from templates with several slots each, so unrelated
 * documents share almost no 5-word shingles (only planted duplicates look
 * alike to the dedup stage). */
typedef struct slots {
    const char *const *v[26];
    size_t n[26];
} slots;

#define SLOT(letter, arr) [(letter) - 'A'] = arr
#define SLOTN(letter, arr) [(letter) - 'A'] = N(arr)

static const char *const ko_city[] = {"서울", "부산", "대구", "인천", "광주", "대전", "울산", "세종",
                                      "수원", "청주", "전주", "춘천", "제주", "포항", "창원", "목포",
                                      "강릉", "안동", "여수", "천안"};
static const char *const ko_name[] = {"김민수", "이서연", "박지훈", "최유진", "정하늘", "강도윤",
                                      "윤서아", "장현우", "임지민", "한예린", "오준서", "서다인",
                                      "신태호", "권나래", "황보경", "문수빈"};
static const char *const ko_org[] = {"지역경제연구소", "시립미술관", "교육청", "문화재단", "과학기술원",
                                     "국립기상연구소", "시민건강센터", "청년창업지원단", "도시재생센터",
                                     "환경연구원", "복지재단", "관광공사"};
static const char *const ko_topic[] = {
    "대중교통", "청년 일자리", "전통시장", "미세먼지", "공공도서관", "농산물 유통", "주택 공급",
    "관광 산업", "저출생 대응", "노인 돌봄", "학교 급식", "재활용", "전기차 충전", "도심 공원",
    "하천 정비", "소상공인 지원", "문화 예술 교육", "응급 의료", "자전거 도로", "지역 축제",
    "청소년 상담", "디지털 교육", "수돗물 안전", "반려동물 등록", "야간 보행 안전", "폭염 대비"};
static const char *const ko_action[] = {
    "관련 대책을 발표했다", "개선 방안을 내놓았다", "예산을 대폭 늘리기로 했다",
    "현황 조사 결과를 공개했다", "문제점을 집중적으로 점검했다", "지원 사업을 새로 시작했다",
    "개선을 위한 공청회를 열었다", "관련 조례 개정을 추진하고 있다", "확대 계획을 밝혔다",
    "전담 부서를 새로 만들기로 했다", "중장기 계획을 마련했다", "시범 사업 결과를 발표했다"};
static const char *const ko_quote[] = {
    "주민들의 의견을 충분히 듣고 결정하겠다", "예산이 부족한 만큼 우선순위를 정해야 한다",
    "현장의 목소리를 정책에 반영하겠다", "단기 대책보다 장기적인 계획이 필요하다",
    "올해 안에 눈에 보이는 성과를 내겠다", "관계 기관과 긴밀하게 협력하겠다",
    "작은 변화가 쌓이면 큰 차이를 만든다", "아직 갈 길이 멀지만 방향은 옳다고 본다",
    "시민 불편이 없도록 꼼꼼히 준비하겠다", "데이터를 바탕으로 차근차근 개선하겠다"};
static const char *const ko_role[] = {"시장", "연구원", "교수", "대표", "과장", "위원장", "센터장",
                                      "사무국장", "팀장", "이사장"};
static const char *const ko_group[] = {"청년층", "고령층", "자영업자", "학부모", "직장인", "농민",
                                       "관광객", "1인 가구", "장애인", "대학생"};
static const char *const ko_burden[] = {"경제적 부담", "이동 불편", "대기 시간", "생활비", "주거비",
                                        "의료비", "통학 시간"};
static const char *const ko_event[] = {"가을 축제", "과학 박람회", "청년 창업 설명회", "전통 음식 경연대회",
                                       "야간 음악회", "책 읽기 행사", "마라톤 대회", "벼룩시장",
                                       "불꽃놀이 행사", "국제 영화제"};
static const char *const ko_remedy[] = {"꾸준한 투자", "주민 참여", "정확한 통계", "기관 간 협력",
                                        "장기 계획", "전문 인력 확보", "제도 정비"};
static const char *const ko_service[] = {"상담 창구", "온라인 신청 서비스", "방문 점검", "무료 교육 과정",
                                         "이동 지원 차량", "야간 돌봄 교실", "통합 안내 앱"};
static const char *const ko_stat[] = {"실업률", "고용률", "출생률", "재활용률", "대중교통 이용률",
                                      "1인 가구 비율", "공실률", "관광객 증가율"};
static const char *const ko_worry[] = {"소음 문제", "교통 혼잡", "예산 낭비", "환경 훼손", "안전사고",
                                       "형평성 문제", "임대료 상승"};
static const char *const ko_time[] = {"지난달", "이번 주", "올해 상반기", "지난해 연말", "어제 오후",
                                      "오늘 오전", "지난 주말", "최근"};

static const slots ko_slots = {
    .v = {SLOT('C', ko_city), SLOT('P', ko_name), SLOT('O', ko_org), SLOT('T', ko_topic),
          SLOT('A', ko_action), SLOT('Q', ko_quote), SLOT('R', ko_role), SLOT('G', ko_group),
          SLOT('B', ko_burden), SLOT('E', ko_event), SLOT('F', ko_remedy), SLOT('S', ko_service),
          SLOT('X', ko_stat), SLOT('W', ko_worry), SLOT('I', ko_time)},
    .n = {SLOTN('C', ko_city), SLOTN('P', ko_name), SLOTN('O', ko_org), SLOTN('T', ko_topic),
          SLOTN('A', ko_action), SLOTN('Q', ko_quote), SLOTN('R', ko_role), SLOTN('G', ko_group),
          SLOTN('B', ko_burden), SLOTN('E', ko_event), SLOTN('F', ko_remedy), SLOTN('S', ko_service),
          SLOTN('X', ko_stat), SLOTN('W', ko_worry), SLOTN('I', ko_time)},
};

static const char *const ko_news[] = {
    "{I} {C}시{은} {T} {A}.",
    "{O}{은} {T} {A}.",
    "{P} {R}{은} \"{Q}\"고 말했다.",
    "{O}에 따르면 올해 {T} 관련 예산은 지난해보다 {N}퍼센트 늘어난 {N}억 원이다.",
    "이번 조치로 {G}의 {B}{이} 다소 줄어들 것으로 보인다.",
    "{C}에서는 {I} {E}{이} 열려 {K}천여 명이 행사장을 찾았다.",
    "전문가들은 {T} 문제를 풀려면 {F}{이} 필요하다고 지적했다.",
    "{O}{은} 다음 달부터 {T} 분야에 {S}{을} 시범 운영한다.",
    "{I} 발표된 자료에 따르면 {C}의 {X}{은} {N}.{K}퍼센트로 집계됐다.",
    "다만 일부 주민들은 {W}{을} 우려하고 있다.",
    "{O}{은} 앞으로 {K}년 동안 단계적으로 사업을 넓혀 갈 계획이다.",
    "{C} 지역 {G}의 반응은 대체로 긍정적이다.",
    "{P} {R}{은} {T}{과} {T}{을} 함께 살펴야 한다고 강조했다.",
    "{O} 관계자는 {G}{을} 위한 맞춤형 지원도 곧 내놓겠다고 설명했다.",
    "이 사업에는 국비와 지방비를 합쳐 모두 {N}억 원이 들어간다.",
    "{C}시 의회도 다음 회기에서 관련 안건을 다룰 예정이다.",
    "지난해 비슷한 정책을 먼저 도입한 {C}에서는 {X}{이} 눈에 띄게 달라졌다.",
    "시민들은 {O} 누리집에서 자세한 일정을 확인할 수 있다.",
    "한편 {E}{은} 매년 {M}월에 열리며 올해로 {N}회째를 맞았다.",
    "{G} 사이에서는 절차가 너무 복잡하다는 목소리도 나온다.",
};

/* Encyclopedia-style facts: a subject and three statements about it. */
static const char *const ko_facts[][4] = {
    {"김치", "배추나 무를 소금에 절인 뒤 양념해 발효시킨 음식이다", "지역과 계절에 따라 재료와 맛이 크게 다르다", "겨울을 앞두고 많은 양을 한꺼번에 담그는 풍습을 김장이라고 한다"},
    {"목성", "태양계에서 가장 큰 행성이다", "주로 수소와 헬륨으로 이루어져 있다", "대적점이라고 불리는 거대한 폭풍이 수백 년째 관측되고 있다"},
    {"온돌", "바닥 아래로 뜨거운 연기를 흘려 방을 데우는 전통 난방 방식이다", "아궁이에서 불을 때면 구들장이 데워진다", "오늘날에는 온수를 흘려보내는 바닥 난방으로 이어졌다"},
    {"한글", "자음과 모음을 모아 써서 음절을 이루는 문자 체계이다", "소리 나는 기관의 모양을 본떠 기본 글자를 만들었다", "적은 수의 글자로 많은 소리를 적을 수 있다"},
    {"철새", "계절에 따라 먹이와 번식지를 찾아 먼 거리를 이동한다", "해마다 거의 같은 경로를 따라 날아간다", "강 하구와 갯벌은 철새들이 쉬어 가는 중요한 장소이다"},
    {"화산섬", "바다 밑에서 분출한 용암이 쌓여 수면 위로 드러난 섬이다", "토양에 현무암이 많아 물이 잘 빠진다", "해안을 따라 주상절리 같은 독특한 지형이 나타난다"},
    {"광합성", "식물이 빛 에너지를 이용해 포도당을 만드는 과정이다", "이 과정에서 이산화탄소를 흡수하고 산소를 내놓는다", "잎의 엽록체에서 주로 일어난다"},
    {"빙하", "오랜 시간 쌓인 눈이 다져져 만들어진 거대한 얼음 덩어리이다", "자체 무게 때문에 아주 천천히 흘러내린다", "기온이 오르면서 많은 빙하가 줄어들고 있다"},
    {"판소리", "소리꾼 한 명이 고수의 북장단에 맞춰 긴 이야기를 노래하는 전통 음악이다", "소리와 말과 몸짓을 섞어 이야기를 풀어 간다", "관객이 추임새로 흥을 돋우는 것이 특징이다"},
    {"갯벌", "밀물과 썰물이 드나드는 해안에 넓게 펼쳐진 진흙 지대이다", "조개와 게 같은 많은 생물이 산다", "오염 물질을 걸러 주는 역할도 한다"},
    {"한옥", "나무와 흙과 돌로 지은 전통 가옥이다", "처마가 길어 여름에는 햇빛을 막고 겨울에는 햇빛을 들인다", "마루와 온돌을 함께 갖춘 경우가 많다"},
    {"지진", "지각에 쌓인 에너지가 갑자기 풀리면서 땅이 흔들리는 현상이다", "진원에서 퍼져 나온 파동이 멀리까지 전달된다", "규모는 방출된 에너지의 크기를 나타낸다"},
    {"장마", "여름철 여러 날 동안 비가 계속 내리는 현상이다", "북쪽의 찬 공기와 남쪽의 더운 공기가 만나면서 생긴다", "이 시기에는 습도가 높아 곰팡이가 잘 핀다"},
    {"된장", "콩을 삶아 메주를 쑤고 소금물에 담가 발효시킨 장이다", "찌개와 국의 맛을 내는 데 널리 쓰인다", "오래 묵힐수록 맛이 깊어진다고 알려져 있다"},
    {"반도체", "전기가 통하는 정도가 도체와 부도체의 중간인 물질이다", "불순물을 조금 넣으면 전기적 성질이 크게 달라진다", "컴퓨터와 휴대전화의 핵심 부품을 만드는 데 쓰인다"},
    {"거북선", "조선 시대에 쓰인 철갑을 두른 전투선이다", "배 위를 덮개로 덮어 적이 쉽게 오르지 못하게 했다", "뱃머리에는 용머리 모양의 장식이 달려 있었다"},
    {"단풍", "가을에 나뭇잎의 색이 붉거나 노랗게 변하는 현상이다", "기온이 떨어지면 잎 속의 엽록소가 분해되면서 나타난다", "산의 높은 곳에서부터 시작해 아래로 내려온다"},
    {"태양광 발전", "햇빛을 전기로 바꾸어 쓰는 발전 방식이다", "연료를 태우지 않아 발전 과정에서 온실가스가 거의 나오지 않는다", "흐린 날과 밤에는 발전량이 크게 줄어든다"},
};

static const char *const en_city[] = {"Springfield", "Riverton", "Lakeview", "Maple Grove", "Fairhaven",
                                      "Brookside", "Oakridge", "Westport", "Cedar Falls", "Milltown",
                                      "Harbor City", "Pine Bluff"};
static const char *const en_name[] = {"Anna Keller", "David Moreno", "Grace Liu", "Samuel Brooks",
                                      "Nora Patel", "Owen Fischer", "Maya Okafor", "Lucas Romero",
                                      "Helen Park", "Tom Becker"};
static const char *const en_org[] = {"the city council", "the regional museum", "the state university",
                                     "the public library", "the weather service", "the transit authority",
                                     "the health department", "the chamber of commerce",
                                     "the parks department", "the housing agency"};
static const char *const en_topic[] = {
    "public transit", "youth employment", "affordable housing", "air quality", "the public library",
    "farmers markets", "tourism", "elder care", "school lunches", "recycling",
    "electric vehicle charging", "city parks", "river restoration", "small businesses",
    "arts education", "emergency care", "bike lanes", "the summer festival", "broadband access",
    "street lighting", "water safety", "heat preparedness"};
static const char *const en_action[] = {
    "announced a new plan for", "released a survey on", "doubled its budget for",
    "opened a public hearing on", "launched a pilot program for", "published a review of",
    "set up a task force on", "proposed new rules for", "reported steady progress on"};
static const char *const en_quote[] = {
    "We will listen to residents before we decide anything",
    "With a tight budget we have to set clear priorities",
    "Short-term fixes are not enough, we need a long-term plan",
    "People should see real results before the end of the year",
    "Small changes add up to a big difference over time",
    "We will work closely with every agency involved",
    "The data will guide each step we take"};
static const char *const en_role[] = {"the mayor", "a researcher", "a professor", "the director",
                                      "a council member", "the program manager", "a spokesperson"};
static const char *const en_group[] = {"young workers", "older residents", "shop owners", "parents",
                                       "commuters", "farmers", "visitors", "students"};
static const char *const en_burden[] = {"costs", "travel times", "waiting times", "rent pressure",
                                        "medical bills", "paperwork"};
static const char *const en_event[] = {"the autumn festival", "a science fair", "a startup showcase",
                                       "a food competition", "an open-air concert", "a book fair",
                                       "the city marathon", "a flea market"};
static const char *const en_remedy[] = {"steady investment", "community involvement", "better data",
                                        "cooperation between agencies", "a long-term plan",
                                        "more trained staff"};
static const char *const en_service[] = {"a help desk", "an online application service", "home visits",
                                         "free training courses", "a shuttle service", "an evening care program"};
static const char *const en_stat[] = {"unemployment", "the recycling rate", "transit ridership growth",
                                      "the vacancy rate", "the share of single-person households"};
static const char *const en_worry[] = {"noise", "traffic congestion", "wasted money",
                                       "damage to the environment", "safety risks", "rising rents"};
static const char *const en_time[] = {"last month", "this week", "earlier this year", "last December",
                                      "on Tuesday", "over the weekend", "recently"};

static const slots en_slots = {
    .v = {SLOT('C', en_city), SLOT('P', en_name), SLOT('O', en_org), SLOT('T', en_topic),
          SLOT('A', en_action), SLOT('Q', en_quote), SLOT('R', en_role), SLOT('G', en_group),
          SLOT('B', en_burden), SLOT('E', en_event), SLOT('F', en_remedy), SLOT('S', en_service),
          SLOT('X', en_stat), SLOT('W', en_worry), SLOT('I', en_time)},
    .n = {SLOTN('C', en_city), SLOTN('P', en_name), SLOTN('O', en_org), SLOTN('T', en_topic),
          SLOTN('A', en_action), SLOTN('Q', en_quote), SLOTN('R', en_role), SLOTN('G', en_group),
          SLOTN('B', en_burden), SLOTN('E', en_event), SLOTN('F', en_remedy), SLOTN('S', en_service),
          SLOTN('X', en_stat), SLOTN('W', en_worry), SLOTN('I', en_time)},
};

static const char *const en_news[] = {
    "Officials in {C} {A} {T} {I}.",
    "{O} {A} {T} {I}.",
    "\"{Q},\" said {P}, {R}.",
    "According to {O}, spending on {T} will rise by {N} percent to {N} million dollars next year.",
    "The change is expected to ease {B} for {G}.",
    "More than {N},000 people attended {E} in {C} {I}.",
    "Experts say that fixing problems with {T} will take {F}.",
    "Starting next month, {O} will pilot {S} for {T}.",
    "Figures released {I} put {X} in {C} at {N}.{K} percent.",
    "Some residents, however, remain worried about {W}.",
    "The program will expand step by step over the next {K} years.",
    "Reactions from {G} in {C} have been mostly positive.",
    "{P}, {R}, said {T} and {T} should be planned together.",
    "Officials said a separate program for {G} would follow later this year.",
    "The project will cost about {N} million dollars, shared by the state and the city.",
    "The city council is expected to vote on the measure at its next session.",
    "In {C}, which tried a similar policy first, {X} has changed noticeably.",
    "Residents can find the full schedule on the website of {O}.",
    "{E} takes place every year and is now in its {N}th edition.",
    "Some {G} say the application process is still too complicated.",
};

/* A subject starting with '!' is a proper noun: never lower-cased. */
static const char *const en_facts[][4] = {
    {"Photosynthesis", "is the process by which plants use light to turn carbon dioxide and water into sugar", "releases oxygen as a by-product", "takes place mainly in the chloroplasts of leaves"},
    {"!Jupiter", "is the largest planet in the solar system", "consists mostly of hydrogen and helium", "has a giant storm, the Great Red Spot, that has been observed for centuries"},
    {"An earthquake", "is a sudden shaking of the ground caused by energy released inside the crust", "sends waves that can travel around the planet", "is measured on a magnitude scale that grows by a factor of ten per step"},
    {"A migratory bird", "travels long distances each season to find food and places to breed", "often follows the same route year after year", "depends on wetlands and estuaries as resting places"},
    {"A volcanic island", "forms when lava erupting from the sea floor builds up above the surface", "usually has dark basalt soil that drains water quickly", "can show striking rock columns along its coast"},
    {"The printing press", "made books far cheaper to produce", "helped spread literacy across Europe", "used movable metal type that could be arranged and reused"},
    {"A glacier", "is a large mass of ice formed from snow compacted over many years", "moves slowly downhill under its own weight", "has been shrinking in many regions as temperatures rise"},
    {"The human heart", "pumps blood through a network of arteries, veins and capillaries", "beats roughly one hundred thousand times a day", "has four chambers separated by valves"},
    {"A tidal flat", "is a wide muddy area along the coast that floods and drains with the tides", "supports clams, crabs and many kinds of worms", "filters pollutants out of the water"},
    {"The violin", "is a string instrument played with a bow", "has four strings tuned in fifths", "was perfected by workshops in northern Italy"},
    {"A monsoon", "is a seasonal shift in winds that brings a long rainy season", "forms when land heats up faster than the nearby ocean", "supplies much of the water that farms in South Asia depend on"},
    {"A semiconductor", "is a material whose conductivity lies between that of a conductor and an insulator", "changes its electrical behavior sharply when small amounts of impurities are added", "is the basis of the chips in computers and phones"},
    {"The honeybee", "is a social insect that lives in large colonies", "collects nectar and pollen from flowers", "communicates the location of food with a waggle dance"},
    {"A lighthouse", "is a tower with a bright lamp that guides ships near the coast", "often marks dangerous rocks or the entrance to a harbor", "has in many places been automated and no longer needs a keeper"},
    {"Solar power", "turns sunlight directly into electricity", "produces almost no greenhouse gases while it runs", "drops sharply on cloudy days and at night"},
    {"Bread", "is a staple food made from flour, water and usually yeast", "rises because yeast releases carbon dioxide in the dough", "has been baked in some form for thousands of years"},
    {"The Moon", "is the only natural satellite of the Earth", "always shows the same face to the Earth", "causes most of the ocean tides through its gravity"},
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
    const slots *sl = ko ? &ko_slots : &en_slots;
    for (const char *p = t; *p; p++) {
        if (!strncmp(p, "{은}", 5) || !strncmp(p, "{이}", 5) || !strncmp(p, "{을}", 5) ||
            !strncmp(p, "{과}", 5)) {
            static const char *const pairs[4][2] = {
                {"는", "은"}, {"가", "이"}, {"를", "을"}, {"와", "과"}};
            int k = !strncmp(p, "{은}", 5) ? 0 : !strncmp(p, "{이}", 5) ? 1 : !strncmp(p, "{을}", 5) ? 2 : 3;
            rf_buf_adds(b, pairs[k][has_batchim(b)]);
            p += 4;
            continue;
        }
        if (p[0] == '{' && p[1] >= 'A' && p[1] <= 'Z' && p[2] == '}') {
            int k = p[1] - 'A';
            if (p[1] == 'N')
                rf_buf_addf(b, "%d", range(r, 2, 90));
            else if (p[1] == 'K')
                rf_buf_addf(b, "%d", range(r, 2, 9));
            else if (p[1] == 'M')
                rf_buf_addf(b, "%d", range(r, 1, 12));
            else if (p[1] == 'D')
                rf_buf_addf(b, "%d", range(r, 1, 28));
            else if (sl->n[k])
                rf_buf_adds(b, sl->v[k][pick(r, sl->n[k])]);
            else
                rf_buf_add(b, p, 3);
            p += 2;
        } else {
            rf_buf_addc(b, *p);
        }
    }
}

/* A clean article. Encyclopedia style: four distinct subjects, each a
 * paragraph with its definition and one or two more facts; news style:
 * below. */
static void clean_text(rf_rng *r, rf_buf *b, int ko)
{
    if (pick(r, 6) == 0) {
        size_t nf = ko ? N(ko_facts) : N(en_facts);
        size_t chosen[4];
        int subjects = 4;
        for (int k = 0; k < subjects; k++) {
            size_t c;
            int again;
            do { /* distinct subjects */
                c = pick(r, nf);
                again = 0;
                for (int j = 0; j < k; j++)
                    again |= chosen[j] == c;
            } while (again);
            chosen[k] = c;
            const char *const *f = ko ? ko_facts[c] : en_facts[c];
            if (k)
                rf_buf_adds(b, "\n\n");
            /* The definition and one or two of the other facts. */
            int both = pick(r, 2) == 0;
            size_t extra = 2 + pick(r, 2);
            if (ko) {
                rf_buf_adds(b, f[0]);
                rf_buf_adds(b, has_batchim(b) ? "은 " : "는 ");
                rf_buf_adds(b, f[1]);
                rf_buf_adds(b, ". ");
                if (both) {
                    rf_buf_adds(b, f[2]);
                    rf_buf_adds(b, ". 또한 ");
                    rf_buf_adds(b, f[3]);
                } else {
                    rf_buf_adds(b, f[extra]);
                }
                rf_buf_addc(b, '.');
            } else {
                int proper = f[0][0] == '!';
                const char *subj = f[0] + proper;
                rf_buf_adds(b, subj);
                rf_buf_addc(b, ' ');
                rf_buf_adds(b, f[1]);
                rf_buf_adds(b, ". It ");
                rf_buf_adds(b, f[both ? 2 : extra]);
                rf_buf_addc(b, '.');
                if (both) {
                    rf_buf_adds(b, " In addition, ");
                    size_t at = b->len;
                    rf_buf_adds(b, subj);
                    if (!proper)
                        b->p[at] = (char)(b->p[at] + 32); /* "In addition, the heart ..." */
                    rf_buf_addc(b, ' ');
                    rf_buf_adds(b, f[3]);
                    rf_buf_addc(b, '.');
                }
            }
        }
        return;
    }
    /* News: 3-5 paragraphs, 9-15 sentences, every template at most once. */
    const char *const *news = ko ? ko_news : en_news;
    size_t nn = ko ? N(ko_news) : N(en_news);
    size_t order[32];
    for (size_t i = 0; i < nn; i++)
        order[i] = i;
    for (size_t i = nn - 1; i > 0; i--) { /* Fisher-Yates */
        size_t j = pick(r, i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    size_t total = (size_t)range(r, 9, 15), used = 0;
    int paras = range(r, 3, 5);
    for (int p = 0; p < paras && used < total; p++) {
        if (p)
            rf_buf_adds(b, "\n\n");
        size_t left = (size_t)(paras - p), sents = (total - used + left - 1) / left;
        for (size_t k = 0; k < sents && used < total; k++) {
            if (k)
                rf_buf_addc(b, ' ');
            size_t start = b->len;
            fill(r, b, news[order[used++]], ko);
            /* Sentences start with a capital letter. */
            if (!ko && b->p[start] >= 'a' && b->p[start] <= 'z')
                b->p[start] = (char)(b->p[start] - 32);
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
