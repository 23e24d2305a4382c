#!/usr/bin/env python3
"""build_set.py — builds the labelled refine-spam test set.

Three kinds of documents, each with its labels, deterministic for a seed:
  clean        real news/wiki/book/review text from ../shared/data/corpora,
               unchanged (they must come out unchanged);
  boilerplate  real text with generated Korean or English boilerplate lines
               added at the top, bottom and between paragraphs: "body" lists
               the real lines (they must survive byte-exact), "added" the
               boilerplate lines (they should be removed);
  spam         generated spam documents: gambling/adult/loan/SEO lexicon spam
               in Korean and English, keyword stuffing, hashtag and emoji
               floods, invisible-character stuffing, link farms, repeated
               promotion lines (they should be rejected).

    build_set.py DATA_DIR OUT.jsonl [--seed S]
"""
import argparse
import json
import random
import subprocess


def read_zst(path):
    out = subprocess.run(["zstd", "-q", "-dc", path], check=True, stdout=subprocess.PIPE).stdout
    return [json.loads(l) for l in out.decode("utf-8").splitlines() if l.strip()]


OUTLETS_KO = ["연합뉴스", "뉴시스", "대전일보", "부산일보", "한겨레", "경향신문", "머니투데이", "노컷뉴스", "서울신문",
              "국제신문", "매일경제", "헤럴드경제"]
OUTLETS_EN = ["Example Media", "The Daily Planet", "Morning Herald", "City News Network", "Reuters Wire",
              "The Courier", "Global Times Online"]
NAMES_KO = ["김민수", "이지은", "박서준", "최유진", "정하늘", "강도윤", "윤서아", "장현우", "임수빈", "한지민"]
NAMES_EN = ["John Smith", "Mary Jones", "Alex Kim", "Sarah Lee", "David Brown", "Emma Wilson"]
SECTIONS_KO = ["정치", "경제", "사회", "국제", "문화", "스포츠", "IT/과학", "지역"]
SECTIONS_EN = ["World", "Politics", "Business", "Sports", "Local", "Science", "Opinion"]
CITIES = ["서울", "부산", "대전", "광주", "세종", "인천", "수원"]


def email(r, ko):
    user = r.choice(["news", "reporter", "hong", "mskim", "jlee", "editor", "desk", "sjpark"]) + str(r.randint(1, 99))
    dom = r.choice(["yna.co.kr", "newsis.com", "hani.co.kr", "mt.co.kr", "example.com"] if ko else
                   ["example.com", "dailyplanet.com", "herald.co.uk"])
    return user + "@" + dom


def boiler_ko(r, where, head):
    o = r.choice(OUTLETS_KO)
    n = r.choice(NAMES_KO)
    top = [
        lambda: "홈 > 뉴스 > " + r.choice(SECTIONS_KO),
        lambda: "홈 > %s > %s" % (r.choice(SECTIONS_KO), r.choice(["국회", "청와대", "금융", "노동", "교육"])),
        lambda: "로그인 | 회원가입",
        lambda: r.choice(["이 사이트는 쿠키를 사용합니다. 계속 이용하시면 쿠키 사용에 동의하는 것으로 간주됩니다.",
                          "쿠키 사용에 동의해 주세요."]),
        lambda: "[%s=%s] %s 기자 =" % (r.choice(CITIES), o, n),
        lambda: "공유하기 · 구독하기 · 좋아요",
        lambda: r.choice(["페이스북 트위터 카카오톡 URL복사", "페이스북 · 트위터 · 카카오스토리 · 밴드"]),
    ]
    bottom = [
        lambda: "무단전재 및 재배포 금지",
        lambda: "<저작권자 © %s, 무단 전재-재배포, AI 학습 및 활용 금지>" % o,
        lambda: "저작권자 ⓒ %s 무단전재 및 재배포금지" % o,
        lambda: "ⓒ %s All rights reserved." % o,
        lambda: "Copyright ⓒ %s. All rights reserved." % o,
        lambda: "%s 기자 %s" % (n, email(r, True)),
        lambda: "%s 기자" % n,
        lambda: "%s·%s 기자 %s" % (n, r.choice(NAMES_KO), email(r, True)),
        lambda: "▶ 관련기사",
        lambda: "▶ " + head[:r.randint(15, 40)],
        lambda: "▶ 관련기사 더보기",
        lambda: r.choice(["[관련기사]", "관련기사", "많이 본 뉴스", "함께 보면 좋은 기사"]),
        lambda: r.choice(["이전글 | 다음글 | 목록", "이전글 다음글 목록", "목록", "이전 기사 다음 기사"]),
        lambda: "공유하기 · 구독하기 · 좋아요",
        lambda: "좋아요 %d 댓글 %d 공유" % (r.randint(0, 99), r.randint(0, 99)),
        lambda: "댓글을 작성하려면 로그인하세요.",
        lambda: "기사제보 및 보도자료 %s" % email(r, True),
        lambda: "카카오톡 @%s" % o,
        lambda: r.choice(["더보기", "기사 더보기", "원문 보기"]),
        lambda: "#%s #%s #뉴스" % (o, r.choice(SECTIONS_KO).replace("/", "")),
        lambda: "https://www.example.com/news/articleView.html?idxno=%d" % r.randint(10000, 999999),
    ]
    middle = [lambda: "사진=%s" % o, lambda: "▶ " + head[:r.randint(15, 40)], lambda: "광고"]
    return r.choice({"top": top, "bottom": bottom, "middle": middle}[where])()


def boiler_en(r, where, head):
    o = r.choice(OUTLETS_EN)
    y = r.randint(2005, 2025)
    top = [
        lambda: "Home > News > " + r.choice(SECTIONS_EN),
        lambda: "Home » %s » %s" % (r.choice(SECTIONS_EN), r.choice(SECTIONS_EN)),
        lambda: r.choice(["Log in | Sign up", "Sign in", "Log in | Register | Cart (0)"]),
        lambda: r.choice(["We use cookies to improve your experience. Accept all cookies.",
                          "This website uses cookies. By continuing to use this site you agree to our cookie policy.",
                          "Accept cookies"]),
        lambda: r.choice(["Skip to main content", "Jump to navigation"]),
        lambda: "Share this article: Facebook | Twitter | Email",
        lambda: "Posted by %s on %s %d, %d" % (r.choice(NAMES_EN), r.choice(["March", "May", "July"]), r.randint(1, 28), y),
    ]
    bottom = [
        lambda: "Copyright © %d %s. All rights reserved." % (y, o),
        lambda: "© %d %s" % (y, o),
        lambda: "All rights reserved.",
        lambda: r.choice(["Share this article: Facebook | Twitter | Email", "Share on Facebook Share on Twitter",
                          "Tweet Share Email Print", "Share · Tweet · Email"]),
        lambda: r.choice(["Read more", "Continue reading", "Click here to read the full story"]),
        lambda: "Read more: " + head[:r.randint(20, 50)].strip(),
        lambda: r.choice(["Previous article", "Next article", "« Previous Post | Next Post »",
                          "← Older posts Newer posts →", "Previous Next"]),
        lambda: r.choice(["Subscribe to our newsletter for more stories like this.",
                          "Sign up for our newsletter", "Subscribe to our mailing list"]),
        lambda: r.choice(["Related articles", "You may also like", "Related Posts", "Most popular"]),
        lambda: "Tags: %s, %s" % (r.choice(SECTIONS_EN).lower(), r.choice(SECTIONS_EN).lower()),
        lambda: "Log in to comment",
        lambda: "Advertisement",
        lambda: "Back to top",
        lambda: "https://www.example.com/news/%d https://www.example.com/news/%d" % (r.randint(1, 99999), r.randint(1, 99999)),
        lambda: "#news #%s #breaking" % r.choice(SECTIONS_EN).lower(),
        lambda: r.choice(["👍👍👍 🔥🔥", "❤️❤️❤️", "😂😂😂😂"]),
    ]
    middle = [lambda: "Advertisement", lambda: "Read more: " + head[:r.randint(20, 50)].strip(),
              lambda: "ADVERTISEMENT"]
    return r.choice({"top": top, "bottom": bottom, "middle": middle}[where])()


def body_lines(doc, r):
    """The real text as lines: documents that are one long line are cut into
    paragraphs of a few sentences."""
    t = doc["text"]
    lines = [l for l in t.split("\n")]
    if len(lines) == 1:
        sents = [s for s in t.split(". ") if s]
        lines, cur = [], []
        for s in sents:
            cur.append(s)
            if len(cur) >= r.randint(2, 4):
                lines.append(". ".join(cur) + ".")
                cur = []
        if cur:
            lines.append(". ".join(cur))
    return [l for l in lines]


SPAM_KO = {
    "gambling": ["{s} 가입코드 {c} 입력시 첫충 {p}% 지급", "먹튀 없는 안전놀이터 {s} 추천", "카지노 사이트 순위 TOP{n} 공개",
                 "바카라 필승법 무료 공개 지금 바로 확인", "실시간 스포츠 배팅 {s} 메이저사이트", "에볼루션 카지노 정식 라이센스 보유",
                 "토토사이트 먹튀검증 완료 {s}", "꽁머니 {p}만원 즉시 지급 이벤트", "슬롯머신 잭팟 매일 터짐 {s}", "파워볼 홀덤 바카라 총판 모집"],
    "adult": ["{city} 출장안마 24시간 예약 가능", "출장마사지 {city} 전지역 30분 도착", "조건만남 100% 실사 보장", "{city} 오피 키스방 휴게텔 정보",
              "성인용품 할인 {p}% 비밀배송", "애인대행 출장샵 {s} 문의", "야동 무료 성인방송 {s}"],
    "loan": ["무직자대출 당일 승인 {p}분 완료", "신용무관 급전 대출 {s}", "소액결제 현금화 최고 시세 {p}%", "상품권 현금화 카드깡 즉시 입금",
             "신불자 가능 당일대출 비밀 보장", "내구제 대출 상담 {s}", "사채 대출 승인 100% 무직자 가능"],
    "seo": ["블로그 상위노출 보장 {s} 백링크 {n}개", "인스타 팔로워 구매 좋아요 구매 최저가 보장", "유튜브 구독자 구매 트래픽 구매 {s}",
            "네이버 상위노출 마케팅 최저가 보장 지금 바로 확인", "백링크 작업 {n}건 최저가 이벤트 혜택"],
}
SPAM_EN = {
    "gambling": ["Best online casino bonus {p}% free spins today", "Play baccarat and roulette at {s} now",
                 "Top sportsbook betting odds, no deposit bonus", "Win the jackpot at {s} online slots casino",
                 "Blackjack and poker tournaments with free spins every day"],
    "adult": ["Cheap viagra and cialis pills no prescription", "Hot girls escort service in {city} tonight",
              "Free porn xxx videos and camgirls at {s}", "Adult dating and hookup site, sex chat now"],
    "loan": ["Payday loan approved instantly, no credit check", "Bad credit? Get a cash advance today at {s}",
             "Instant loan approved in {p} minutes, payday loans online", "Quick loan for bad credit, no credit check needed"],
    "seo": ["Buy followers and backlinks, best SEO services at {s}", "Make money online and work from home, click here",
            "Earn money fast, 100% free, act now and buy now", "Limited offer: claim your free prize, order now",
            "Double your bitcoin in 24 hours, risk free, click here"],
}


def fill(r, t):
    return t.format(s=r.choice(["win777", "bet365kr", "royal-casino", "vip88", "top-site", "luckyzone"]),
                    c=r.randint(1000, 9999), p=r.randint(5, 50), n=r.randint(3, 30),
                    city=r.choice(["강남", "부산", "수원", "인천", "Seoul", "Busan", "Gangnam"]))


def gen_spam(r, kind, ko_sents, en_sents):
    if kind in ("ko_lex", "en_lex"):
        table = SPAM_KO if kind == "ko_lex" else SPAM_EN
        cat = r.choice(sorted(table))
        lines = [fill(r, r.choice(table[cat])) for _ in range(r.randint(4, 10))]
        if r.random() < 0.5:
            lines.insert(r.randint(0, len(lines)), r.choice(ko_sents if kind == "ko_lex" else en_sents))
        return "\n".join(lines), "lexicon_" + cat
    if kind == "stuffing":
        kw = r.choice(["강남 맛집", "cheap shoes", "부산 호텔", "best vpn", "다이어트 약", "replica watches"])
        words = []
        filler = (r.choice(ko_sents) + " " + r.choice(ko_sents)).split() if not kw.isascii() else \
            (r.choice(en_sents) + " " + r.choice(en_sents)).split()
        for _ in range(r.randint(30, 60)):
            words.extend(kw.split() if r.random() < 0.6 else [r.choice(filler)])
        return " ".join(words), "stuffing"
    if kind == "hashtags":
        tags = ["맛집", "맛스타그램", "먹스타그램", "일상", "데일리", "여행", "카페", "좋아요", "팔로우", "선팔", "맞팔", "instagood",
                "photooftheday", "love", "fashion", "follow", "like4like", "travel", "food", "daily"]
        base = r.choice(ko_sents + en_sents)
        body = " ".join("#" + r.choice(tags) for _ in range(r.randint(15, 40)))
        return base + "\n" + body if r.random() < 0.5 else base + " " + body, "hashtags"
    if kind == "emoji":
        em = ["😍", "🔥", "💯", "👍", "❤️", "✨", "🎉", "😂", "💰", "🙏"]
        base = r.choice(ko_sents + en_sents)
        return base + " " + "".join(r.choice(em) for _ in range(r.randint(30, 80))), "emoji"
    if kind == "invisible":
        base = r.choice(ko_sents) + " " + r.choice(ko_sents)
        zw = r.choice(["\u200b", "\u200c", "\u2060", "\ufeff", "\u200b\u200b"])
        out = []
        for ch in base:
            out.append(ch)
            if ch != " " and r.random() < 0.5:
                out.append(zw)
        return "".join(out), "invisible"
    if kind == "links":
        lines = ["https://%s.example.com/%s/%d" % (r.choice(["bit", "go", "promo", "deal"]),
                                                   r.choice(["a", "b", "event", "free"]), r.randint(1, 99999))
                 for _ in range(r.randint(5, 15))]
        lines.insert(0, r.choice(["추천 링크 모음", "Useful links", "바로가기"]))
        return "\n".join(lines), "links"
    line = fill(r, r.choice(["지금 바로 확인하세요 최고의 혜택 {s}", "Click the link below to continue {s}",
                             "오늘만 특가 {p}% 할인 {s}", "Limited time deal at {s}, {p}% off"]))
    lines = [line] * r.randint(6, 15)
    if r.random() < 0.5:
        lines.append(r.choice(ko_sents + en_sents)[:40])
    return "\n".join(lines), "repeated"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--per-source", type=int, default=150)
    a = ap.parse_args()
    r = random.Random(a.seed)
    c = a.data + "/corpora/"
    kow = read_zst(c + "ko_news_wiki.jsonl.zst")
    srcs = {
        "ko_news": [d for d in kow if d["id"].startswith("ko-")],
        "ko_wiki": [d for d in kow if d["id"].startswith("korquad")],
        "en_wiki": [d for d in read_zst(c + "en_wikitext2_valid.jsonl.zst") if len(d["text"]) > 500],
        "en_book": read_zst(c + "en_war_and_peace.jsonl.zst"),
    }
    nsmc = read_zst(c + "nsmc_reviews.jsonl.zst")
    r2 = random.Random(a.seed + 1)
    srcs["ko_reviews"] = r2.sample(nsmc, 600)
    ko_sents = [s for d in srcs["ko_news"][:200] for s in d["text"].split(". ") if 20 < len(s) < 120]
    en_sents = [s for d in srcs["en_wiki"][:100] for s in d["text"].split(" . ") if 40 < len(s) < 160]
    out = []
    for name, docs in sorted(srcs.items()):
        docs = list(docs)
        r.shuffle(docs)
        ko = name.startswith("ko")
        for i, d in enumerate(docs[:a.per_source]):
            out.append({"id": "clean-%s-%d" % (name, i), "kind": "clean", "source": name, "text": d["text"]})
        if name == "ko_reviews":
            continue
        for i, d in enumerate(docs[a.per_source:2 * a.per_source]):
            body = body_lines(d, r)
            head = r.choice(ko_sents if ko else en_sents)
            lines, added = list(body), []
            gen = boiler_ko if ko else boiler_en
            for _ in range(r.randint(0, 2)):
                b = gen(r, "top", head)
                lines.insert(0, b)
                added.append(b)
            for _ in range(r.randint(1, 4)):
                b = gen(r, "bottom", head)
                lines.append(b)
                added.append(b)
            if len(body) > 3 and r.random() < 0.4:
                b = gen(r, "middle", head)
                lines.insert(r.randint(1, len(lines) - 1), b)
                added.append(b)
            if added and r.random() < 0.2:  # a boilerplate line repeated
                lines.append(added[0])
                added.append(added[0])
            out.append({"id": "bp-%s-%d" % (name, i), "kind": "boilerplate", "source": name,
                        "text": "\n".join(lines), "body": body, "added": added})
    kinds = ["ko_lex"] * 4 + ["en_lex"] * 3 + ["stuffing", "hashtags", "emoji", "invisible", "links", "repeated"]
    for i in range(400):
        text, sub = gen_spam(r, kinds[i % len(kinds)], ko_sents, en_sents)
        out.append({"id": "spam-%d" % i, "kind": "spam", "source": sub, "text": text})
    with open(a.out, "w", encoding="utf-8") as f:
        for d in out:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
