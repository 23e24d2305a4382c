#!/usr/bin/env python3
"""garbage.py — deterministic low-quality documents for refine-heuristic.

Writes JSON Lines {"id", "kind", "lang", "text"} to stdout: for Korean and
English, N documents of each kind of garbage that web crawls are full of:

  word_salad      keyword stuffing: random content words, no sentences
  repeated_lines  a few lines repeated over and over
  menu            navigation menus and link lists: short lines, no sentences
  symbol_spam     '#', '...', '★' and '!!!' runs with few words
  lorem_ipsum     template filler text around a little real text
  code_in_prose   a paragraph of prose with a block of C/JS/CSS code dumped in

Every vocabulary here is written for this generator. Usage:
  garbage.py [N_PER_KIND] [SEED] > garbage.jsonl
"""
import json
import random
import sys

EN_WORDS = """
price discount cheap best online free shipping sale deal buy order shop store
quality product review rating brand new hot top fashion shoes bag watch phone
laptop camera travel hotel flight ticket casino bonus poker slot loan credit
insurance mortgage lawyer doctor clinic health diet weight loss supplement
vitamin recipe kitchen garden furniture sofa lamp carpet window door roof
repair service company local city guide map weather news sport football game
music movie video download stream channel subscribe follow like share comment
winter summer spring autumn holiday gift card coupon code promo member login
account password support contact address email office team career job salary
""".split()

KO_WORDS = """
최저가 할인 무료배송 추천 인기 신상품 특가 이벤트 쿠폰 적립금 회원가입 로그인
사과 배 포도 딸기 수박 커피 녹차 라면 치킨 피자 햄버거 김치 불고기 비빔밥
노트북 휴대폰 카메라 이어폰 모니터 키보드 마우스 충전기 케이스 필름 가방 신발
원피스 청바지 티셔츠 모자 시계 반지 목걸이 화장품 선크림 샴푸 향수 립스틱
서울 부산 대구 인천 광주 대전 제주 강남 홍대 명동 맛집 카페 호텔 펜션 캠핑
여행 항공권 렌터카 보험 대출 카드 적금 주식 부동산 아파트 원룸 전세 월세 매매
다이어트 운동 헬스 요가 필라테스 병원 한의원 치과 피부과 성형 탈모 영양제
게임 영화 드라마 음악 웹툰 만화 스포츠 축구 야구 농구 배구 골프 낚시 등산
""".split()

EN_SENTENCES = [
    "The committee published its report on the regional water supply last week.",
    "Researchers found that the new method reduced errors by a third.",
    "Local farmers have been waiting for rain since the beginning of the month.",
    "The museum will open a new wing dedicated to early photography.",
    "Most of the students said that the course had changed the way they study.",
    "The bridge was closed for repairs and traffic was diverted to the old road.",
    "She explained that the results would be shared with every participant.",
    "The company plans to hire more engineers to work on the project.",
    "Visitors to the island can reach the northern beaches by ferry in an hour.",
    "The orchestra rehearsed the second movement until late in the evening.",
    "A small bakery on the corner has been selling bread there for forty years.",
    "The city council voted to extend the bicycle lanes along the river.",
    "Engineers measured the vibration of the tower during the storm.",
    "The library lends tools as well as books to people in the neighbourhood.",
    "Teachers asked for more time to prepare the new reading lessons.",
    "The team tested the software on older computers before the release.",
]

KO_SENTENCES = [
    "시청은 지난주 지역 상수도 공급에 관한 보고서를 발표했다.",
    "연구진은 새로운 방법이 오류를 3분의 1가량 줄였다고 밝혔다.",
    "지역 농민들은 이달 초부터 비가 내리기를 기다리고 있다.",
    "박물관은 초기 사진을 전시하는 새로운 전시관을 열 예정이다.",
    "학생들 대부분은 그 수업이 공부하는 방식을 바꾸었다고 말했다.",
    "다리는 보수 공사로 폐쇄되었고 차량은 옛 도로로 우회했다.",
    "그녀는 결과가 모든 참가자에게 공유될 것이라고 설명했다.",
    "회사는 이 사업을 위해 더 많은 기술자를 채용할 계획이다.",
    "섬을 찾은 방문객은 배를 타고 한 시간 만에 북쪽 해변에 닿을 수 있다.",
    "관현악단은 저녁 늦게까지 2악장을 연습했다.",
    "모퉁이의 작은 빵집은 사십 년 동안 그 자리에서 빵을 팔아 왔다.",
    "시의회는 강을 따라 자전거 도로를 늘리는 안을 통과시켰다.",
    "기술자들은 폭풍이 부는 동안 탑의 진동을 측정했다.",
    "도서관은 동네 주민에게 책뿐 아니라 공구도 빌려준다.",
    "교사들은 새 읽기 수업을 준비할 시간을 더 달라고 요청했다.",
    "개발팀은 출시 전에 오래된 컴퓨터에서 프로그램을 시험했다.",
]

EN_MENU = """Home|About us|Products|Services|Blog|Contact|Login|Sign up|Cart|FAQ|
Privacy|Terms|Careers|Press|Support|Sitemap|Next page|Previous page|Read more|
Share|Tweet|Subscribe|Newsletter|Categories|Archives|Tags|Search""".replace("\n", "").split("|")

KO_MENU = """홈|회사소개|제품안내|고객센터|공지사항|이벤트|로그인|회원가입|장바구니|
마이페이지|자주 묻는 질문|이용약관|개인정보처리방침|오시는 길|채용정보|사이트맵|
이전 글|다음 글|더보기|공유하기|목록|검색|카테고리|최신글|인기글|댓글""".replace("\n", "").split("|")

LOREM = ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor "
         "incididunt ut labore et dolore magna aliqua enim ad minim veniam quis nostrud "
         "exercitation ullamco laboris nisi aliquip ex ea commodo consequat").split()

CODE = [
    "function init() {\n  var el = document.getElementById('main');\n  el.style.display = 'none';\n}",
    "for (int i = 0; i < n; i++) {\n    sum += a[i] * b[i];\n}\nreturn sum;",
    ".header { margin: 0 auto; padding: 10px; }\n.footer { color: #333; font-size: 12px; }",
    "if (x == null) {\n  throw new Error('missing value');\n}\nconsole.log(x);",
    "struct node { int key; struct node *next; };\nstatic int count(struct node *p) { return p ? 1 + count(p->next) : 0; }",
]


def word_salad(rng, lang):
    vocab = KO_WORDS if lang == "ko" else EN_WORDS
    lines = []
    for _ in range(rng.randint(5, 10)):
        lines.append(" ".join(rng.choice(vocab) for _ in range(rng.randint(12, 25))))
    return "\n".join(lines)


def repeated_lines(rng, lang):
    sents = KO_SENTENCES if lang == "ko" else EN_SENTENCES
    block = rng.sample(sents, rng.randint(1, 3))
    lines = []
    for _ in range(rng.randint(8, 20)):
        lines.extend(block)
    if rng.random() < 0.5:
        lines.insert(rng.randint(0, len(lines)), rng.choice(sents))
    return "\n".join(lines)


def menu(rng, lang):
    items = KO_MENU if lang == "ko" else EN_MENU
    lines = []
    for _ in range(rng.randint(15, 40)):
        it = rng.choice(items)
        style = rng.random()
        if style < 0.2:
            it = "- " + it
        elif style < 0.35:
            it = "https://www.example.com/" + str(rng.randint(1, 999))
        elif style < 0.45:
            it = it + " | " + rng.choice(items) + " | " + rng.choice(items)
        lines.append(it)
    return "\n".join(lines)


def symbol_spam(rng, lang):
    vocab = KO_WORDS if lang == "ko" else EN_WORDS
    syms = ["#", "##", "###", "...", "…", "★★★", "!!!", "$$$", "###!!!", "♥♥", "→", "■"]
    parts = []
    for _ in range(rng.randint(150, 300)):
        if rng.random() < 0.6:
            parts.append(rng.choice(syms))
        else:
            parts.append(("#" if rng.random() < 0.5 else "") + rng.choice(vocab))
    text = " ".join(parts)
    # a few line breaks
    words = text.split(" ")
    out, line = [], []
    for w in words:
        line.append(w)
        if rng.random() < 0.1:
            out.append(" ".join(line))
            line = []
    out.append(" ".join(line))
    return "\n".join(x for x in out if x)


def lorem_ipsum(rng, lang):
    sents = KO_SENTENCES if lang == "ko" else EN_SENTENCES
    paras = []
    for _ in range(rng.randint(2, 5)):
        n = rng.randint(15, 40)
        start = rng.randrange(len(LOREM))
        words = [LOREM[(start + k * rng.randint(1, 3)) % len(LOREM)] for k in range(n)]
        words[0] = words[0].capitalize()
        paras.append(" ".join(words) + ".")
    # the template's only real text
    paras.insert(rng.randint(0, len(paras)), " ".join(rng.sample(sents, 5)))
    if rng.random() < 0.5:
        paras[0] = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " + paras[0]
    else:
        i = rng.randrange(len(paras))
        paras[i] = paras[i] + " Lorem ipsum dolor sit amet."
    return "\n\n".join(paras)


def code_in_prose(rng, lang):
    sents = KO_SENTENCES if lang == "ko" else EN_SENTENCES
    picked = rng.sample(sents, rng.randint(7, 10))
    cut = rng.randint(3, len(picked) - 3)
    code = "\n".join(rng.sample(CODE, rng.randint(1, 3)))
    return " ".join(picked[:cut]) + "\n" + code + "\n" + " ".join(picked[cut:])


KINDS = [
    ("word_salad", word_salad),
    ("repeated_lines", repeated_lines),
    ("menu", menu),
    ("symbol_spam", symbol_spam),
    ("lorem_ipsum", lorem_ipsum),
    ("code_in_prose", code_in_prose),
]


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    rng = random.Random(seed)
    out = sys.stdout
    for lang in ("ko", "en"):
        for kind, fn in KINDS:
            for i in range(n):
                doc = {"id": f"garbage-{lang}-{kind}-{i}", "kind": kind, "lang": lang,
                       "text": fn(rng, lang)}
                out.write(json.dumps(doc, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
