#!/usr/bin/env python3
"""build_set.py — builds the labelled PII test sets of refine-pii.

Real text from ../shared/data/corpora (Korean news/wiki for the Korean set,
WikiText-2 for the English set) with generated identifiers planted in carrier
sentences, plus hard negatives (dates, year ranges, versions, ISBNs, order and
invoice numbers, prices, Luhn-invalid digit runs, impossible RRN dates) that
must survive. Every record keeps its labels: [type, start, end] in UTF-8 byte
offsets of the text, and the negatives as [kind, start, end]. Deterministic
for a given seed.

    build_set.py DATA_DIR OUT_DIR [--docs N] [--seed S]
writes OUT_DIR/pii_ko.jsonl and OUT_DIR/pii_en.jsonl.
"""
import argparse
import json
import os
import random
import string
import subprocess


def read_zst(path):
    out = subprocess.run(["zstd", "-q", "-dc", path], check=True, stdout=subprocess.PIPE).stdout
    return [json.loads(l) for l in out.decode("utf-8").splitlines() if l.strip()]


def sentences(docs, lang):
    res = []
    for d in docs:
        for para in d["text"].split("\n"):
            para = para.strip()
            if lang == "ko":
                parts = [p.strip() + "." for p in para.split(". ") if len(p.strip()) > 15]
            else:
                parts = [p.strip() + " ." for p in para.split(" . ") if len(p.strip()) > 40]
            res.extend(p.replace("..", ".") for p in parts)
    return res


def digits(r, n):
    return "".join(r.choice(string.digits) for _ in range(n))


def luhn_complete(prefix, length, r):
    body = prefix + digits(r, length - len(prefix) - 1)
    return next(body + c for c in "0123456789" if luhn_ok(body + c))


def luhn_ok(s):
    tot = 0
    for i, ch in enumerate(reversed(s)):
        x = int(ch)
        if i % 2:
            x *= 2
            if x > 9:
                x -= 9
        tot += x
    return tot % 10 == 0


def group(s, sizes, sep):
    out, i = [], 0
    for k in sizes:
        out.append(s[i:i + k])
        i += k
    return sep.join(out)


def gen_card(r):
    kind = r.choice(["visa", "mc", "amex", "kr", "mc2"])
    if kind == "amex":
        num = luhn_complete(r.choice(["34", "37"]), 15, r)
        return group(num, [4, 6, 5], r.choice(["-", " ", ""])) if r.random() < 0.8 else num
    prefix = {"visa": "4", "mc": str(r.randint(51, 55)), "kr": "94" + str(r.randint(10, 99)),
              "mc2": str(r.randint(2221, 2720))}[kind]
    num = luhn_complete(prefix, 16, r)
    return group(num, [4, 4, 4, 4], r.choice(["-", " ", "-", ""]))


def days_in_month(y, m):
    if m == 2:
        return 29 if (y % 4 == 0 and y % 100 != 0) or y % 400 == 0 else 28
    return 30 if m in (4, 6, 9, 11) else 31


def rrn_checksum(d12):
    w = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]
    return str((11 - sum(int(a) * b for a, b in zip(d12, w)) % 11) % 10)


def gen_rrn(r, foreign=False, checksum=None):
    s = r.choice([5, 6, 7, 8] if foreign else [1, 2, 3, 4])
    year = (1900 if s in (1, 2, 5, 6) else 2000) + (r.randint(40, 99) if s in (1, 2, 5, 6) else r.randint(0, 24))
    m = r.randint(1, 12)
    d = r.randint(1, days_in_month(year, m))
    body = "%02d%02d%02d%d%s" % (year % 100, m, d, s, digits(r, 5))
    last = rrn_checksum(body) if (checksum or (checksum is None and r.random() < 0.5)) else r.choice(string.digits)
    num = body + last
    # Mostly written with the hyphen; bare 13-digit forms are kept too.
    return num if r.random() < 0.15 else num[:6] + "-" + num[6:]


def brn_complete(r):
    w = [1, 3, 7, 1, 3, 7, 1, 3, 5]
    d = digits(r, 9)
    s = sum(int(a) * b for a, b in zip(d, w)) + int(d[8]) * 5 // 10
    return d + str((10 - s % 10) % 10)


def gen_phone_ko(r):
    k = r.random()
    if k < 0.55:
        mid = digits(r, 4)
        last = digits(r, 4)
        p = r.choice(["010", "010", "010", "011", "016", "017", "019"])
        fmt = r.choice(["{p}-{m}-{l}", "{p}-{m}-{l}", "{p}.{m}.{l}", "{p} {m} {l}", "{p}{m}{l}",
                        "+82 {q}-{m}-{l}", "+82-{q}-{m}-{l}", "+82 {q} {m} {l}"])
        return fmt.format(p=p, q=p[1:], m=mid, l=last)
    if k < 0.85:
        area = r.choice(["02", "02", "031", "032", "042", "051", "053", "062", "064", "070"])
        mid = digits(r, r.choice([3, 4]))
        mid = str(r.randint(2, 9)) + mid[1:]
        last = digits(r, 4)
        fmt = r.choice(["{a}-{m}-{l}", "{a}-{m}-{l}", "({a}) {m}-{l}", "{a}.{m}.{l}", "{a}) {m}-{l}"])
        return fmt.format(a=area, m=mid, l=last)
    return r.choice(["1588", "1577", "1544", "1599", "1661", "1644", "1800", "1899"]) + "-" + digits(r, 4)


def gen_phone_en(r):
    area = str(r.randint(2, 9)) + digits(r, 2)
    exch = str(r.randint(2, 9)) + digits(r, 2)
    line = digits(r, 4)
    fmt = r.choice(["({a}) {e}-{l}", "{a}-{e}-{l}", "{a}.{e}.{l}", "+1 {a} {e} {l}", "+1-{a}-{e}-{l}",
                    "({a}) {e} {l}", "1-{a}-{e}-{l}", "{a}{e}{l}", "+44 20 {x} {y}", "+49 30 {x}{y}"])
    return fmt.format(a=area, e=exch, l=line, x=digits(r, 4), y=digits(r, 4))


def gen_ssn(r):
    while True:
        a, g, s = r.randint(1, 899), r.randint(1, 99), r.randint(1, 9999)
        if a != 666:
            return "%03d-%02d-%04d" % (a, g, s)


def gen_ip(r):
    k = r.random()
    if k < 0.6:
        first = r.choice([r.randint(1, 223), 10, 172, 192])
        if first == 172:
            return "172.%d.%d.%d" % (r.randint(16, 31), r.randint(0, 255), r.randint(1, 254))
        if first == 192:
            return "192.168.%d.%d" % (r.randint(0, 255), r.randint(1, 254))
        return "%d.%d.%d.%d" % (first, r.randint(0, 255), r.randint(0, 255), r.randint(1, 254))
    groups = ["%x" % r.randint(0, 0xFFFF) for _ in range(8)]
    if k < 0.8:
        return ":".join(groups)
    return "2001:%x:%x::%x" % (r.randint(0x200, 0xFFFF), r.randint(1, 0xFFFF), r.randint(1, 0xFFFF))


def alnum(r, n, chars=string.ascii_letters + string.digits):
    return "".join(r.choice(chars) for _ in range(n))


def gen_secret(r):
    k = r.randrange(6)
    if k == 0:
        return "AKIA" + alnum(r, 16, string.ascii_uppercase + string.digits)
    if k == 1:
        return "ghp_" + alnum(r, 36)
    if k == 2:
        return "xoxb-%s-%s-%s" % (digits(r, 12), digits(r, 12), alnum(r, 24))
    if k == 3:
        return "AIza" + alnum(r, 35, string.ascii_letters + string.digits + "_-")
    if k == 4:
        body = "\n".join(alnum(r, 64, string.ascii_letters + string.digits + "+/") for _ in range(3))
        return "-----BEGIN RSA PRIVATE KEY-----\n%s\n-----END RSA PRIVATE KEY-----" % body
    return "sk_live_" + alnum(r, 24)


def gen_email(r, lang):
    user = r.choice(["minsu.kim", "jiyoung", "hong.gildong", "lee_sj", "park.hyun", "john.doe", "a.smith",
                     "k.lee", "info", "support", "news", "seojun99", "yuna_choi", "dev.team"])
    user += r.choice(["", str(r.randint(1, 9999))])
    dom = r.choice(["naver.com", "gmail.com", "daum.net", "hanmail.net", "kakao.com", "korea.kr", "snu.ac.kr",
                    "yna.co.kr", "nate.com"] if lang == "ko" else
                   ["gmail.com", "yahoo.com", "outlook.com", "example.org", "mit.edu", "company.co.uk"])
    return user + "@" + dom


def gen_account(r):
    fmt = r.choice([[6, 2, 6], [3, 6, 2, 3], [4, 3, 6], [3, 2, 6], [13], [12], [3, 4, 4, 2]])
    return "-".join(digits(r, k) for k in fmt)


def gen_passport(r):
    if r.random() < 0.6:
        return r.choice("MSRODG") + digits(r, 8)
    return r.choice("MSRODG") + digits(r, 3) + r.choice(string.ascii_uppercase) + digits(r, 4)


def gen_driver(r):
    region = r.choice([11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 28])
    return "%d-%s-%s-%s" % (region, digits(r, 2), digits(r, 6), digits(r, 2))


# Hard negatives: strings that look like identifiers but are not about a person.
def gen_negative(r, lang):
    k = r.randrange(12)
    y = r.randint(1990, 2025)
    m = r.randint(1, 12)
    d = r.randint(1, 28)
    if k == 0:
        return "date", r.choice(["%d-%02d-%02d", "%d.%02d.%02d", "%d/%02d/%02d"]) % (y, m, d)
    if k == 1:
        a = r.randint(1400, 1950)
        return "year_range", "%d-%d" % (a, a + r.randint(1, 60))
    if k == 2:
        return "version", r.choice(["v%d.%d.%d.%d", "version %d.%d.%d.%d", "버전 %d.%d.%d.%d"]) % (
            r.randint(1, 12), r.randint(0, 20), r.randint(0, 9), r.randint(0, 99))
    if k == 3:
        body = "97" + r.choice("89") + digits(r, 9)
        s = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(body))
        isbn = body + str((10 - s % 10) % 10)
        return "isbn", "ISBN " + "-".join([isbn[:3], isbn[3:5], isbn[5:9], isbn[9:12], isbn[12]])
    if k == 4:
        num = luhn_complete("4", 16, r)
        return "order", (r.choice(["주문번호 ", "주문번호: "]) if lang == "ko" else r.choice(["order #", "Order No. "])) + num
    if k == 5:
        inv = "%s-%s-%s" % (digits(r, 4), digits(r, 4), digits(r, 4))
        return "invoice", (r.choice(["운송장 번호 ", "송장번호 "]) if lang == "ko" else "invoice ") + inv
    if k == 6:
        v = r.randint(1000, 9999999)
        return "price", r.choice(["{:,}원".format(v), "₩{:,}".format(v), "${:,}.99".format(v), "{}원".format(v)])
    if k == 7:
        while True:
            pre = r.choice(["4", "5" + str(r.randint(1, 5))])
            num = pre + digits(r, 16 - len(pre))
            if not luhn_ok(num):
                break
        return "luhn_invalid", group(num, [4, 4, 4, 4], r.choice(["-", " "]))
    if k == 8:
        bad = r.choice(["%02d%02d%02d" % (r.randint(0, 99), r.randint(13, 19), r.randint(1, 28)),
                        "%02d%02d%02d" % (r.randint(0, 99), 2, r.randint(30, 31)),
                        "%02d%02d%02d" % (r.randint(0, 99), r.randint(1, 12), r.randint(32, 39))])
        return "rrn_bad_date", bad + "-" + str(r.randint(1, 4)) + digits(r, 6)
    if k == 9:
        return "rrn_bad_s", "%02d%02d%02d-%d%s" % (r.randint(40, 99), r.randint(1, 12), r.randint(1, 28),
                                                   r.choice([0, 9]), digits(r, 6))
    if k == 10:
        return "time", "%02d:%02d:%02d" % (r.randint(0, 23), r.randint(0, 59), r.randint(0, 59))
    return "decimal", "%d.%s" % (r.randint(1, 9999), digits(r, r.randint(2, 6)))


CARRIERS = {
    "ko": {
        "email": ["문의 사항은 {}로 보내 주시기 바랍니다.", "담당자 이메일: {}", "자세한 내용은 {} 으로 연락하면 된다."],
        "phone": ["예약 전화는 {} 번으로 하면 된다.", "연락처: {}", "고객센터 {}", "{} 로 문자 주세요.", "대표번호 {} 안내."],
        "rrn": ["신청서에는 주민등록번호 {}를 적어야 했다.", "주민번호 {} 가 유출됐다.", "그의 번호는 {} 였다."],
        "frn": ["외국인등록번호 {} 확인 후 발급된다.", "등록번호 {} 인 외국인 근로자."],
        "passport": ["여권번호 {} 로 예약되었다.", "여권 번호: {}"],
        "driver": ["운전면허번호 {} 가 확인됐다.", "면허번호 {}"],
        "brn": ["사업자등록번호 {} 인 업체.", "사업자 번호 {}"],
        "card": ["결제에 사용한 카드 번호는 {} 이었다.", "카드 {} 로 결제", "{} 카드가 도용됐다."],
        "account": ["입금 계좌는 국민은행 {} 이다.", "계좌번호 {} 로 송금했다.", "신한은행 {} 예금주 홍길동"],
        "ip": ["접속 기록에는 IP 주소 {} 가 남아 있었다.", "서버 {} 에서 공격이 시작됐다."],
        "secret": ["설정 파일에 키 {} 가 노출됐다.", "토큰 {} 이 깃허브에 올라갔다."],
    },
    "en": {
        "email": ["Contact me at {} for details.", "Her email is {}.", "Send the file to {} today."],
        "phone": ["You can call me at {}.", "Phone: {}", "Call the office on {} during business hours.", "{} is my number."],
        "ssn": ["My SSN is {}.", "The form listed social security number {}.", "He gave {} as his SSN."],
        "card": ["The card number was {}.", "Charge it to {} please.", "Card: {}"],
        "ip": ["The server logged requests from {} all night.", "Ping {} to check.", "inet {}"],
        "email2": [],
        "secret": ["The leaked key was {} in the repo.", "token = {}", "Config contained {}"],
    },
}

NEG_CARRIERS = {
    "ko": ["행사는 {}에 열렸다.", "{} 기준 자료이다.", "관련 수치: {}", "{} 로 표기된다."],
    "en": ["The figure was {}.", "See {} for reference.", "It was listed as {}."],
}

GEN = {
    "email": lambda r, l: gen_email(r, l),
    "phone": lambda r, l: gen_phone_ko(r) if l == "ko" else gen_phone_en(r),
    "rrn": lambda r, l: gen_rrn(r),
    "frn": lambda r, l: gen_rrn(r, foreign=True),
    "passport": lambda r, l: gen_passport(r),
    "driver": lambda r, l: gen_driver(r),
    "brn": lambda r, l: "%s-%s-%s" % tuple((lambda b: (b[:3], b[3:5], b[5:]))(brn_complete(r))),
    "card": lambda r, l: gen_card(r),
    "account": lambda r, l: gen_account(r),
    "ip": lambda r, l: gen_ip(r),
    "ssn": lambda r, l: gen_ssn(r),
    "secret": lambda r, l: gen_secret(r),
}


def build(sents, lang, n_docs, r):
    types = [t for t, c in CARRIERS[lang].items() if c]
    docs = []
    for i in range(n_docs):
        parts, labels, negs = [], [], []
        pos = 0

        def emit(s):
            nonlocal pos
            if parts:
                parts.append(" ")
                pos += 1
            parts.append(s)
            pos += len(s.encode("utf-8"))

        for _ in range(r.randint(2, 5)):
            emit(r.choice(sents))
            if r.random() < 0.7:
                t = r.choice(types)
                v = GEN[t](r, lang)
                tmpl = r.choice(CARRIERS[lang][t])
                pre, post = tmpl.split("{}")
                post = post or "."
                emit_text = pre + v + post
                start = pos + (1 if parts else 0) + len(pre.encode("utf-8"))
                emit(emit_text)
                labels.append([t, start, start + len(v.encode("utf-8"))])
            if r.random() < 0.5:
                kind, v = gen_negative(r, lang)
                tmpl = r.choice(NEG_CARRIERS[lang])
                pre, post = tmpl.split("{}")
                start = pos + (1 if parts else 0) + len(pre.encode("utf-8"))
                emit(pre + v + post)
                negs.append([kind, start, start + len(v.encode("utf-8"))])
        text = "".join(parts)
        for t, a, b in labels:
            assert text.encode("utf-8")[a:b].decode("utf-8")
        docs.append({"id": "pii-%s-%04d" % (lang, i), "text": text, "labels": labels, "negatives": negs})
    return docs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("out")
    ap.add_argument("--docs", type=int, default=800)
    ap.add_argument("--seed", type=int, default=10)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    ko = sentences(read_zst(os.path.join(a.data, "corpora/ko_news_wiki.jsonl.zst")), "ko")
    en = sentences(read_zst(os.path.join(a.data, "corpora/en_wikitext2_valid.jsonl.zst")), "en")
    for lang, sents in (("ko", ko), ("en", en)):
        r = random.Random("%s-%d" % (lang, a.seed))
        docs = build(sents, lang, a.docs, r)
        with open(os.path.join(a.out, "pii_%s.jsonl" % lang), "w", encoding="utf-8") as f:
            for d in docs:
                f.write(json.dumps(d, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
