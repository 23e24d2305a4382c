/* pii.c — the PII detector and replacer of refine-pii.
 *
 * Scanning a whole document with a dozen regular expressions would cost a
 * dozen passes; instead one byte loop cuts the text into candidate windows
 * (runs of digits and phone/number separators; the neighbourhood of each '@';
 * colon runs for IPv6) and the PCRE2 JIT patterns run only inside those
 * windows. Secrets and passports are rare enough that their patterns run on
 * the whole text, but only when a cheap literal prefilter (a key prefix, a
 * keyword) says they can match. Every match then passes a validator in C
 * (checksums, calendar dates, number ranges) and the context guards (dates,
 * version numbers, ISBNs, order/invoice numbers, prices), and overlaps are
 * resolved by type priority, so the result is a sorted list of disjoint
 * spans. Keyword-anchored types (bank accounts, passports, bare 13-digit
 * RRNs, ...) need their keyword within a few dozen bytes before the match. */
#define _POSIX_C_SOURCE 200809L
#define PCRE2_CODE_UNIT_WIDTH 8
#include "filters/pii.h"

#include <arpa/inet.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "stages/rng.h"

/* ---- types ---- */

static const char *const type_names[RF_PII_NTYPES] = {
    "email", "phone", "rrn", "frn", "passport", "driver", "brn", "card", "account", "ip", "ssn", "secret"};
static const char *const type_tags[RF_PII_NTYPES] = {
    "<EMAIL>", "<PHONE>", "<RRN>", "<FRN>", "<PASSPORT>", "<DRIVER_LICENSE>", "<BRN>",
    "<CARD>", "<ACCOUNT>", "<IP>", "<SSN>", "<SECRET>"};

const char *rf_pii_type_name(int type)
{
    return type >= 0 && type < RF_PII_NTYPES ? type_names[type] : "unknown";
}

int rf_pii_type_parse(const char *s, size_t n)
{
    for (int i = 0; i < RF_PII_NTYPES; i++)
        if (strlen(type_names[i]) == n && memcmp(type_names[i], s, n) == 0)
            return i;
    return -1;
}

const char *rf_pii_default_tag(int type)
{
    return type >= 0 && type < RF_PII_NTYPES ? type_tags[type] : "<PII>";
}

/* Higher wins when two candidates overlap. */
static const int type_prio[RF_PII_NTYPES] = {
    [RF_PII_SECRET] = 100, [RF_PII_EMAIL] = 90, [RF_PII_CARD] = 80, [RF_PII_RRN] = 75,
    [RF_PII_FRN] = 75,     [RF_PII_BRN] = 70,   [RF_PII_DRIVER] = 70, [RF_PII_SSN] = 65,
    [RF_PII_PHONE] = 60,   [RF_PII_PASSPORT] = 60, [RF_PII_IP] = 55, [RF_PII_ACCOUNT] = 50};

/* Phone kinds (rf_pii_span.kind). */
enum { PH_MOBILE = 1, PH_LAND, PH_REP, PH_NANP, PH_E164, PH_KEYWORD };
/* Secret kinds. */
enum { SK_AWS = 1, SK_GITHUB, SK_SLACK, SK_GOOGLE, SK_STRIPE, SK_OPENAI, SK_AWS_SECRET,
       SK_PRIVKEY, SK_URLPASS, SK_SLACK_HOOK };

/* ---- validators ---- */

int rf_pii_luhn(const char *d, size_t n)
{
    int sum = 0;
    for (size_t i = 0; i < n; i++) {
        int x = d[n - 1 - i] - '0';
        if (i & 1) {
            x *= 2;
            if (x > 9)
                x -= 9;
        }
        sum += x;
    }
    return n > 0 && sum % 10 == 0;
}

static int prefix_num(const char *d, int k)
{
    int v = 0;
    for (int i = 0; i < k; i++)
        v = v * 10 + (d[i] - '0');
    return v;
}

int rf_pii_card_iin(const char *d, size_t n)
{
    if (n < 13 || n > 19)
        return 0;
    int p1 = d[0] - '0', p2 = prefix_num(d, 2), p3 = prefix_num(d, 3), p4 = prefix_num(d, 4),
        p6 = prefix_num(d, 6);
    /* 13-digit Visa and Maestro numbers are obsolete or rare; accepting them
     * would collide with bare 13-digit registration numbers. */
    if (p1 == 4) /* Visa */
        return n == 16 || n == 19;
    if (p2 == 34 || p2 == 37) /* American Express */
        return n == 15;
    if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) /* Mastercard */
        return n == 16;
    if (p4 == 6011 || (p3 >= 644 && p3 <= 649) || p2 == 65 || (p6 >= 622126 && p6 <= 622925))
        return n >= 16 && n <= 19; /* Discover */
    if (p4 >= 3528 && p4 <= 3589) /* JCB */
        return n >= 16 && n <= 19;
    if ((p3 >= 300 && p3 <= 305) || p2 == 36 || p2 == 38 || p2 == 39) /* Diners */
        return n >= 14 && n <= 19;
    if (p2 == 62 || p2 == 81) /* UnionPay */
        return n >= 16 && n <= 19;
    if (p2 == 50 || (p2 >= 56 && p2 <= 69)) /* Maestro and other 5x/6x debit */
        return n >= 16 && n <= 19;
    if (p1 == 9) /* Korean domestic cards (BC and others, 9xxx) */
        return n == 16;
    return 0;
}

static int days_in_month(int y, int m)
{
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12)
        return 0;
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dm[m - 1];
}

int rf_pii_rrn_checksum(const char *d)
{
    static const int w[12] = {2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5};
    int s = 0;
    for (int i = 0; i < 12; i++)
        s += (d[i] - '0') * w[i];
    return (11 - s % 11) % 10 == d[12] - '0';
}

/* Registration numbers issued from October 2020 carry random digits after
 * the S digit (no checksum), so the date and the S digit are what can be
 * checked. S: 1/2 born 1900-1999, 3/4 2000-2099, 5-8 the same for foreigners
 * (9/0, born in the 1800s, are not plausible any more). 2000s births are
 * accepted up to 2029. */
int rf_pii_rrn_valid(const char *d, int require_checksum)
{
    for (int i = 0; i < 13; i++)
        if (d[i] < '0' || d[i] > '9')
            return 0;
    int s = d[6] - '0';
    if (s < 1 || s > 8)
        return 0;
    int yy = prefix_num(d, 2), mm = prefix_num(d + 2, 2), dd = prefix_num(d + 4, 2);
    int century = (s == 1 || s == 2 || s == 5 || s == 6) ? 1900 : 2000;
    if (century == 2000 && yy > 29)
        return 0;
    int y = century + yy;
    if (dd < 1 || dd > days_in_month(y, mm))
        return 0;
    return !require_checksum || rf_pii_rrn_checksum(d);
}

int rf_pii_brn_valid(const char *d)
{
    static const int w[9] = {1, 3, 7, 1, 3, 7, 1, 3, 5};
    int s = 0;
    for (int i = 0; i < 10; i++)
        if (d[i] < '0' || d[i] > '9')
            return 0;
    for (int i = 0; i < 9; i++)
        s += (d[i] - '0') * w[i];
    s += (d[8] - '0') * 5 / 10;
    return (10 - s % 10) % 10 == d[9] - '0';
}

int rf_pii_ssn_valid(int area, int group, int serial)
{
    if (area <= 0 || area == 666 || area >= 900 || group <= 0 || group > 99 || serial <= 0 ||
        serial > 9999)
        return 0;
    /* Numbers the SSA voided after they were published (wallet card ads). */
    if ((area == 78 && group == 5 && serial == 1120) ||
        (area == 457 && group == 55 && serial == 5462) ||
        (area == 219 && group == 9 && serial == 9999))
        return 0;
    return 1;
}

int rf_pii_ipv4_special(const uint8_t a[4])
{
    return a[0] == 0 || a[0] == 10 || a[0] == 127 || a[0] >= 224 ||
           (a[0] == 100 && (a[1] & 0xC0) == 64) || (a[0] == 169 && a[1] == 254) ||
           (a[0] == 172 && (a[1] & 0xF0) == 16) || (a[0] == 192 && a[1] == 168) ||
           (a[0] == 192 && a[1] == 0 && (a[2] == 0 || a[2] == 2)) ||
           (a[0] == 198 && (a[1] & 0xFE) == 18) || (a[0] == 198 && a[1] == 51 && a[2] == 100) ||
           (a[0] == 203 && a[1] == 0 && a[2] == 113);
}

int rf_pii_ipv6_special(const uint8_t a[16])
{
    static const uint8_t zero[16];
    if (memcmp(a, zero, 15) == 0 && (a[15] == 0 || a[15] == 1)) /* :: and ::1 */
        return 1;
    if (a[0] == 0xFF || (a[0] & 0xFE) == 0xFC || (a[0] == 0xFE && (a[1] & 0xC0) == 0x80))
        return 1; /* multicast, unique local, link-local */
    if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0D && a[3] == 0xB8)
        return 1; /* documentation */
    static const uint8_t v4map[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    if (memcmp(a, v4map, 12) == 0)
        return rf_pii_ipv4_special(a + 12);
    return 0;
}

/* ---- patterns ---- */

enum {
    RE_EMAIL, RE_KR_MOBILE, RE_KR_LAND, RE_KR_REP, RE_NANP, RE_E164, RE_PHONE_KW, RE_RRN,
    RE_RRN_BARE, RE_BRN, RE_BRN_BARE, RE_DRIVER, RE_DRIVER_REGION, RE_CARD, RE_SSN, RE_SSN_KW,
    RE_IPV4, RE_ACCOUNT, RE_PASSPORT, RE_AWS, RE_GITHUB, RE_SLACK, RE_SLACK_HOOK, RE_GOOGLE,
    RE_STRIPE, RE_OPENAI, RE_AWS_SECRET, RE_PRIVKEY, RE_URLPASS, RE_COUNT
};

/* Not inside a word or number: no letter, digit or number punctuation
 * before, and not the continuation of a space-grouped number ("4532 5575 ..."
 * or "... 4371 1953"), which a card or phone match covers whole. */
#define NB "(?<![A-Za-z0-9_.+\\-])(?<!\\d[.\\-])(?<!(?<!\\d)\\d{4} )"
#define NA "(?![A-Za-z0-9_]|[.\\-]\\d| \\d{1,4}(?![\\d.\\-]))"
#define SEP "[ .\\-]"
#define KR_AREA "(?:2|3[1-3]|4[1-4]|5[1-5]|6[1-4]|70|50[2-8])"

static const struct {
    int id;
    const char *pat;
    uint32_t flags;
} patterns[] = {
    {RE_EMAIL,
     "(?<![A-Za-z0-9._%+\\-$])[A-Za-z0-9][A-Za-z0-9._%+\\-]{0,63}@"
     "(?:[A-Za-z0-9](?:[A-Za-z0-9\\-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,24}(?![A-Za-z0-9\\-])", 0},
    {RE_KR_MOBILE,
     NB "(?:\\+82" SEP "?(?:\\(0\\))? ?1[016789]|\\(01[016789]\\)|01[016789])" SEP "?\\d{3,4}" SEP
        "?\\d{4}" NA, 0},
    {RE_KR_LAND,
     NB "(?:\\+82" SEP "?(?:\\(0\\))? ?" KR_AREA SEP "?|\\(?0" KR_AREA "\\) ?|0" KR_AREA SEP ")"
        "\\d{3,4}" SEP "\\d{4}" NA, 0},
    {RE_KR_REP, NB "1[568]\\d{2}-\\d{4}" NA, 0},
    {RE_NANP,
     NB "(?:\\+?1" SEP "?)?(?:\\([2-9]\\d{2}\\)" SEP "?|[2-9]\\d{2}" SEP "?)[2-9]\\d{2}" SEP "?\\d{4}" NA,
     0},
    {RE_E164, NB "\\+[1-9]\\d{0,2}(?:" SEP "?\\(?\\d{1,4}\\)?){2,5}" NA, 0},
    {RE_PHONE_KW, NB "\\(?\\d{2,4}\\)?" SEP "?\\d{3,4}" SEP "?\\d{4}" NA, 0},
    {RE_RRN, NB "(\\d{6}) ?- ?([1-8]\\d{6})" NA, 0},
    {RE_RRN_BARE, NB "\\d{6}[1-8]\\d{6}" NA, 0},
    {RE_BRN, NB "\\d{3}-\\d{2}-\\d{5}" NA, 0},
    {RE_BRN_BARE, NB "\\d{10}" NA, 0},
    {RE_DRIVER, NB "(?:1[1-9]|2[0-8])-\\d{2}-\\d{6}-\\d{2}" NA, 0},
    {RE_DRIVER_REGION,
     "(?:서울|부산|경기|강원|충북|충남|전북|전남|경북|경남|제주|대구|인천|광주|대전|울산) ?"
     "(\\d{2}-\\d{6}-\\d{2})" NA, 0},
    {RE_CARD,
     NB "(?:\\d{4}([ \\-])\\d{4}\\1\\d{4}\\1\\d{1,7}|\\d{4}([ \\-])\\d{6}\\2\\d{4,5}|\\d{13,19})" NA, 0},
    {RE_SSN, NB "\\d{3}-\\d{2}-\\d{4}" NA, 0},
    {RE_SSN_KW, NB "\\d{3} ?\\d{2} ?\\d{4}" NA, 0},
    {RE_IPV4,
     NB "(?:(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)"
        "(?![A-Za-z0-9_]|\\.\\d)", 0},
    {RE_ACCOUNT, NB "(?:\\d{2,6}(?:-\\d{2,8}){1,4}|\\d{10,16})" NA, 0},
    {RE_PASSPORT, "(?<![A-Za-z0-9_])[MSRODG](?:\\d{8}|\\d{3}[A-Z]\\d{4})(?![A-Za-z0-9_])", 0},
    {RE_AWS, "(?<![A-Za-z0-9])(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z0-9]{16}(?![A-Za-z0-9])",
     0},
    {RE_GITHUB,
     "(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,255})(?![A-Za-z0-9_])",
     0},
    {RE_SLACK, "(?<![A-Za-z0-9])xox[abposr]-[A-Za-z0-9\\-]{10,250}", 0},
    {RE_SLACK_HOOK, "https://hooks\\.slack\\.com/services/[A-Za-z0-9_/]{20,200}", 0},
    {RE_GOOGLE, "(?<![A-Za-z0-9_\\-])AIza[0-9A-Za-z_\\-]{35}(?![A-Za-z0-9_\\-])", 0},
    {RE_STRIPE, "(?<![A-Za-z0-9])[sr]k_live_[0-9A-Za-z]{20,247}", 0},
    {RE_OPENAI, "(?<![A-Za-z0-9_\\-])sk-(?:proj-|ant-api\\d\\d-)?[A-Za-z0-9_\\-]{32,200}(?![A-Za-z0-9_\\-])",
     0},
    {RE_AWS_SECRET,
     "aws_?secret(?:_?access)?_?key[\"']?\\s{0,8}[:=]\\s{0,8}[\"']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])",
     PCRE2_CASELESS},
    {RE_PRIVKEY,
     "-----BEGIN (?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?-----[\\s\\S]*?"
     "(?:-----END (?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?-----|\\z)", 0},
    {RE_URLPASS,
     "(?<![A-Za-z0-9+.\\-])[A-Za-z][A-Za-z0-9+.\\-]{1,15}://[^\\s:/@\"'<>]{1,128}:"
     "([^\\s:/@\"'<>]{1,128})@(?=[A-Za-z0-9\\[])", 0},
};

struct rf_pii {
    rf_pii_config cfg;
    pcre2_code *re[RE_COUNT];
    int jit[RE_COUNT];
};

typedef struct cand {
    uint32_t start, end;
    uint8_t type, kind;
    int prio;
} cand;

struct rf_pii_scratch {
    pcre2_match_data *md;
    cand *c;
    size_t nc, capc;
    rf_pii_span *out;
    size_t capo;
    unsigned char *mask; /* overlap resolution */
    size_t capmask;
};

int rf_pii_new(rf_pii **out, const rf_pii_config *cfg, rf_err *err)
{
    rf_pii *p = rf_xcalloc(1, sizeof *p);
    p->cfg = *cfg;
    for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++) {
        int ec;
        PCRE2_SIZE eo;
        pcre2_code *re = pcre2_compile((PCRE2_SPTR)patterns[i].pat, PCRE2_ZERO_TERMINATED,
                                       patterns[i].flags, &ec, &eo, NULL);
        if (!re) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(ec, msg, sizeof msg);
            rf_pii_free(p);
            return rf_errf(err, RF_EINTERNAL, "pii pattern %d: %s at %zu", patterns[i].id,
                           (const char *)msg, (size_t)eo);
        }
        p->re[patterns[i].id] = re;
        p->jit[patterns[i].id] = pcre2_jit_compile(re, PCRE2_JIT_COMPLETE) == 0;
    }
    *out = p;
    return 0;
}

void rf_pii_free(rf_pii *p)
{
    if (!p)
        return;
    for (int i = 0; i < RE_COUNT; i++)
        pcre2_code_free(p->re[i]);
    free(p);
}

rf_pii_scratch *rf_pii_scratch_new(const rf_pii *p)
{
    (void)p;
    rf_pii_scratch *s = rf_xcalloc(1, sizeof *s);
    s->md = pcre2_match_data_create(16, NULL);
    if (!s->md) {
        free(s);
        return NULL;
    }
    return s;
}

void rf_pii_scratch_free(rf_pii_scratch *s)
{
    if (!s)
        return;
    pcre2_match_data_free(s->md);
    free(s->c);
    free(s->out);
    free(s->mask);
    free(s);
}

/* One match of pattern id in t[0..lim) starting at off; ovector in s->md. */
static int match(const rf_pii *p, rf_pii_scratch *s, int id, const char *t, size_t lim, size_t off)
{
    if (off > lim)
        return 0;
    int rc = p->jit[id] ? pcre2_jit_match(p->re[id], (PCRE2_SPTR)t, lim, off, 0, s->md, NULL)
                        : pcre2_match(p->re[id], (PCRE2_SPTR)t, lim, off, 0, s->md, NULL);
    return rc > 0;
}

static void add(rf_pii_scratch *s, size_t a, size_t b, int type, int kind)
{
    if (s->nc == s->capc) {
        s->capc = s->capc ? 2 * s->capc : 64;
        s->c = rf_xrealloc(s->c, s->capc * sizeof *s->c);
    }
    s->c[s->nc++] = (cand){(uint32_t)a, (uint32_t)b, (uint8_t)type, (uint8_t)kind, type_prio[type]};
}

/* ---- context ---- */

static inline int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Digits of t[a..b) into d (at most cap); returns the count. */
static size_t digits_of(const char *t, size_t a, size_t b, char *d, size_t cap)
{
    size_t k = 0;
    for (size_t i = a; i < b; i++)
        if (is_digit(t[i])) {
            if (k < cap)
                d[k] = t[i];
            k++;
        }
    return k;
}

enum { KW_NEG, KW_PHONE, KW_ACCOUNT, KW_PASSPORT, KW_RRN, KW_BRN, KW_SSN, KW_IP, KW_CARD, KW_COUNT };

/* Lower-case ASCII keywords (matched against lower-cased context) and
 * Korean keywords. NEG: numbers that are not about a person. */
static const char *const kw_neg[] = {
    "order", "invoice", "tracking", "isbn", "issn", "serial", "sku", "model", "part no", "receipt",
    "transaction", "reference", "ref.", "ref:", "ref #", "case no", "patent", "doi", "version",
    "ver.", "release", "build", "item", "product", "ticket", "주문", "송장", "운송장", "등기번호",
    "접수번호", "영수증", "일련번호", "모델", "품번", "상품번호", "제품번호", "승인번호",
    "거래번호", "예약번호", "특허", "관리번호", "사건번호", "버전", "도서번호", "학번", "사번",
    NULL};
static const char *const kw_phone[] = {
    "tel", "phone", "call", "fax", "mobile", "cell", "contact", "reach", "whatsapp", "sms",
    "text me", "전화", "연락", "휴대", "핸드폰", "폰번호", "팩스", "문의", "☎", "☏", "📞",
    "콜센터", "고객센터", "상담", "번호로", NULL};
static const char *const kw_account[] = {
    "계좌", "입금", "송금", "이체", "account", "acct", "a/c", "iban", "은행", "뱅크", "농협",
    "신협", "새마을금고", "우체국", "수협", "bank", NULL};
static const char *const kw_passport[] = {"여권", "passport", NULL};
static const char *const kw_rrn[] = {"주민", "등록번호", "외국인", "resident registration", NULL};
static const char *const kw_brn[] = {"사업자", "business registration", NULL};
static const char *const kw_ssn[] = {"ssn", "social security", "사회보장", NULL};
static const char *const kw_ip[] = {"ip", "address", "addr", "host", "server", "주소", "inet",
                                    "ping", NULL};
static const char *const kw_card[] = {"card", "카드", "visa", "mastercard", "amex", "결제", NULL};
static const char *const *const kw_lists[KW_COUNT] = {kw_neg, kw_phone, kw_account, kw_passport,
                                                      kw_rrn, kw_brn, kw_ssn, kw_ip, kw_card};

#define CTX_BACK 48

/* End offset (within the lookback window, larger = nearer to the match) of
 * the nearest keyword of class k before position a, or -1. */
/* "No." and "Tel." end abbreviations, not sentences. */
static int abbreviation(const char *t, size_t from, size_t dot)
{
    size_t w = dot;
    while (w > from && ((t[w - 1] | 0x20) >= 'a' && (t[w - 1] | 0x20) <= 'z'))
        w--;
    static const char *const abbr[] = {"no", "nr", "tel", "ref", "ph", "fax", "mr", "mrs", "ms", "dr",
                                       "st", "vs", "inc", "co", "ltd", "corp", "acct", "approx", NULL};
    for (const char *const *a = abbr; *a; a++) {
        size_t l = strlen(*a), k = 0;
        if (dot - w != l)
            continue;
        while (k < l && (t[w + k] | 0x20) == (*a)[k])
            k++;
        if (k == l)
            return 1;
    }
    return 0;
}

/* Start of the context of a match at a: at most CTX_BACK bytes back, and
 * never across a line or sentence break, so a keyword belongs to the number
 * in its own clause. */
static size_t ctx_from(const char *t, size_t a)
{
    size_t from = a > CTX_BACK ? a - CTX_BACK : 0;
    for (size_t i = a; i > from; i--) {
        char c = t[i - 1];
        if (c == '\n')
            return i;
        if ((c == '!' || c == '?' || c == ';') && i < a && t[i] == ' ')
            return i;
        if (c == '.' && i < a && t[i] == ' ' && !abbreviation(t, from, i - 1))
            return i;
    }
    return from;
}

static int kw_near(const char *t, size_t a, int k)
{
    size_t from = ctx_from(t, a);
    char w[CTX_BACK];
    size_t n = a - from;
    for (size_t i = 0; i < n; i++) {
        char c = t[from + i];
        w[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    int best = -1;
    for (const char *const *kw = kw_lists[k]; *kw; kw++) {
        size_t kl = strlen(*kw);
        if (kl > n)
            continue;
        /* Last occurrence. */
        for (size_t i = n - kl + 1; i-- > 0;) {
            if (memcmp(w + i, *kw, kl) == 0) {
                /* ASCII keywords must start a word ("tel" not in "hotel"). */
                if ((unsigned char)(*kw)[0] < 0x80 && i > 0 &&
                    ((w[i - 1] >= 'a' && w[i - 1] <= 'z')))
                    continue;
                if ((int)(i + kl) > best)
                    best = (int)(i + kl);
                break;
            }
        }
    }
    return best;
}

/* Positive keyword of class k nearer than any NEG keyword. */
static int kw_positive(const char *t, size_t a, int k)
{
    int pos = kw_near(t, a, k);
    if (pos < 0 || kw_near(t, a, KW_NEG) >= pos)
        return 0;
    /* The keyword belongs to the first number after it: another number of
     * four or more digits in between takes it. */
    int run = 0;
    for (size_t i = ctx_from(t, a) + (size_t)pos; i < a; i++) {
        run = is_digit(t[i]) ? run + 1 : 0;
        if (run >= 4)
            return 0;
    }
    return 1;
}

/* NEG keyword nearer than any positive keyword of class k (k < 0: any). */
static int kw_negative(const char *t, size_t a, int k)
{
    int neg = kw_near(t, a, KW_NEG);
    if (neg < 0)
        return 0;
    return k < 0 || kw_near(t, a, k) < neg;
}

static int starts_with_at(const char *t, size_t n, size_t i, const char *lit)
{
    size_t l = strlen(lit);
    return i + l <= n && memcmp(t + i, lit, l) == 0;
}

/* Prices: a currency sign before, or a currency word after. */
static int price_context(const char *t, size_t n, size_t a, size_t b)
{
    size_t i = a;
    while (i > 0 && t[i - 1] == ' ')
        i--;
    static const char *const before[] = {"$", "€", "£", "¥", "₩", "USD", "KRW", "EUR", "JPY", "usd",
                                         "krw", NULL};
    for (const char *const *c = before; *c; c++) {
        size_t l = strlen(*c);
        if (i >= l && memcmp(t + i - l, *c, l) == 0)
            return 1;
    }
    size_t j = b;
    while (j < n && t[j] == ' ')
        j++;
    static const char *const after[] = {"원", "달러", "만원", "억", "엔", "위안", "유로", "won",
                                        "USD", "KRW", "usd", "dollars", "%", NULL};
    for (const char *const *c = after; *c; c++)
        if (starts_with_at(t, n, j, *c))
            return 1;
    return 0;
}

/* Digit groups of a match form a date (Y-M-D, D/M/Y, M/D/Y) or a year range. */
static int date_like(const char *t, size_t a, size_t b)
{
    int g[6], gl[6], ng = 0;
    size_t i = a;
    while (i < b && ng < 6) {
        while (i < b && !is_digit(t[i]))
            i++;
        if (i >= b)
            break;
        int v = 0, l = 0;
        while (i < b && is_digit(t[i])) {
            if (l < 6)
                v = v * 10 + (t[i] - '0');
            l++;
            i++;
        }
        g[ng] = v;
        gl[ng] = l;
        ng++;
    }
    /* Compact timestamps: 20030411, 2003041108 (YYYYMMDD[HH[MM]]). */
    if (ng == 1 && gl[0] >= 8 && gl[0] <= 14) {
        const char *q = t + a;
        while (!is_digit(*q))
            q++;
        int y = (q[0] - '0') * 1000 + (q[1] - '0') * 100 + (q[2] - '0') * 10 + (q[3] - '0');
        int m = (q[4] - '0') * 10 + (q[5] - '0'), dd = (q[6] - '0') * 10 + (q[7] - '0');
        if (y >= 1900 && y <= 2099 && m >= 1 && m <= 12 && dd >= 1 && dd <= 31)
            return 1;
    }
    if (ng == 2 && gl[0] == 4 && gl[1] == 4 && g[0] >= 1000 && g[0] <= 2099 && g[1] > g[0] &&
        g[1] - g[0] <= 200)
        return 1;
    if (ng == 3) {
        if (gl[0] == 4 && g[0] >= 1800 && g[0] <= 2099 && g[1] >= 1 && g[1] <= 12 && g[2] >= 1 &&
            g[2] <= 31)
            return 1;
        if (gl[2] == 4 && g[2] >= 1800 && g[2] <= 2099 && g[0] >= 1 && g[0] <= 31 && g[1] >= 1 &&
            g[1] <= 31 && (g[0] <= 12 || g[1] <= 12))
            return 1;
    }
    return 0;
}

/* ISBN-13 (978/979 with a valid check digit) or an explicit ISBN keyword. */
static int isbn_like(const char *d, size_t nd)
{
    if (nd != 13 || !(memcmp(d, "978", 3) == 0 || memcmp(d, "979", 3) == 0))
        return 0;
    int s = 0;
    for (int i = 0; i < 12; i++)
        s += (d[i] - '0') * (i % 2 ? 3 : 1);
    return (10 - s % 10) % 10 == d[12] - '0';
}

/* ---- numeric windows ---- */

static int sep_char(char c)
{
    return c == '-' || c == '.' || c == ' ' || c == '(' || c == ')' || c == '/';
}

/* A candidate inside a numeric window: the text, the match and its digits.
 * A validator returns the type to record (it may refine it, RRN vs FRN) or
 * -1 to drop the match. */
typedef struct numctx {
    const rf_pii *p;
    const char *t;
    size_t n, a, b, nd;
    const char *d;
    int arg; /* per validator: phone kind, "bare" or "keyword" variant */
} numctx;

typedef int (*validator)(const numctx *c);

/* Six or more digits in a row that count up or down or repeat. */
static int counting_digits(const char *d, size_t nd)
{
    int up = 1, down = 1, same = 1;
    for (size_t i = 1; i < nd; i++) {
        up = d[i] == d[i - 1] + 1 || (d[i] == '0' && d[i - 1] == '9') ? up + 1 : 1;
        down = d[i] == d[i - 1] - 1 ? down + 1 : 1;
        same = d[i] == d[i - 1] ? same + 1 : 1;
        if (up >= 6 || down >= 6 || same >= 6)
            return 1;
    }
    return 0;
}

/* A Hangul syllable within 64 bytes on either side of t[a..b). */
static int hangul_near(const char *t, size_t n, size_t a, size_t b)
{
    size_t from = a > 64 ? a - 64 : 0, to = b + 64 < n ? b + 64 : n;
    for (size_t i = from; i + 2 < to; i++) {
        unsigned char c = (unsigned char)t[i];
        if (c >= 0xEA && c <= 0xED) {
            uint32_t cp = ((c & 0x0Fu) << 12) | (((unsigned char)t[i + 1] & 0x3Fu) << 6) |
                          ((unsigned char)t[i + 2] & 0x3Fu);
            if (cp >= 0xAC00 && cp <= 0xD7A3)
                return 1;
        }
    }
    return 0;
}

static int v_phone(const numctx *c)
{
    const char *t = c->t;
    size_t a = c->a, b = c->b, nd = c->nd;
    if (c->arg == PH_E164 && (nd < 8 || nd > 15))
        return -1;
    if (c->arg == PH_KEYWORD && (nd < 9 || nd > 12 || !kw_positive(t, a, KW_PHONE)))
        return -1;
    if (date_like(t, a, b) || price_context(t, c->n, a, b) || kw_negative(t, a, KW_PHONE) ||
        isbn_like(c->d, nd))
        return -1;
    int bare = 1; /* digits and spaces only */
    for (size_t i = a; i < b && bare; i++)
        bare = is_digit(t[i]) || t[i] == ' ';
    if (bare) {
        /* Bare digit runs: "12345678910" and "9876543210" are counting,
         * not numbers someone owns. */
        if (counting_digits(c->d, nd))
            return -1;
        /* A bare NANP number is ambiguous: not after an order/ISBN keyword,
         * and not in Korean text, where a bare 10-digit run is anything but a
         * US phone number. */
        if (c->arg == PH_NANP && (kw_near(t, a, KW_NEG) >= 0 || hangul_near(t, c->n, a, b)))
            return -1;
    }
    return RF_PII_PHONE;
}

static int v_rrn(const numctx *c)
{
    if (!rf_pii_rrn_valid(c->d, 0))
        return -1;
    if (c->arg && !rf_pii_rrn_checksum(c->d) && !kw_positive(c->t, c->a, KW_RRN))
        return -1; /* bare 13 digits: checksum or keyword */
    int type = c->d[6] >= '5' ? RF_PII_FRN : RF_PII_RRN;
    return c->p->cfg.types & (1u << type) ? type : -1;
}

static int v_brn(const numctx *c)
{
    if (!rf_pii_brn_valid(c->d) || kw_negative(c->t, c->a, KW_BRN))
        return -1;
    return !c->arg || kw_positive(c->t, c->a, KW_BRN) ? RF_PII_BRN : -1;
}

static int v_driver(const numctx *c)
{
    return kw_negative(c->t, c->a, -1) || date_like(c->t, c->a, c->b) ? -1 : RF_PII_DRIVER;
}

static int v_card(const numctx *c)
{
    size_t nd = c->nd;
    int ok = nd >= 13 && nd <= 19 && rf_pii_luhn(c->d, nd) && rf_pii_card_iin(c->d, nd) &&
             !isbn_like(c->d, nd) && !kw_negative(c->t, c->a, KW_CARD) &&
             !price_context(c->t, c->n, c->a, c->b);
    return ok ? RF_PII_CARD : -1;
}

static int v_ssn(const numctx *c)
{
    int ok = rf_pii_ssn_valid(prefix_num(c->d, 3), prefix_num(c->d + 3, 2), prefix_num(c->d + 5, 4)) &&
             !kw_negative(c->t, c->a, KW_SSN) && !price_context(c->t, c->n, c->a, c->b);
    if (ok && c->arg)
        ok = kw_positive(c->t, c->a, KW_SSN);
    return ok ? RF_PII_SSN : -1;
}

static int v_ipv4(const numctx *c)
{
    const char *t = c->t;
    uint8_t q[4] = {0};
    int k = 0, v = 0, single = 1;
    for (size_t i = c->a; i <= c->b; i++) {
        if (i < c->b && is_digit(t[i])) {
            v = v * 10 + (t[i] - '0');
        } else {
            if (k < 4)
                q[k] = (uint8_t)v;
            if (v > 9)
                single = 0;
            k++;
            v = 0;
        }
    }
    if (c->p->cfg.keep_private_ip && rf_pii_ipv4_special(q))
        return -1;
    /* "1.2.3.4" is more often a section or version number. */
    if (single && !kw_positive(t, c->a, KW_IP))
        return -1;
    if (kw_near(t, c->a, KW_NEG) > kw_near(t, c->a, KW_IP))
        return -1;
    return RF_PII_IP;
}

static int v_account(const numctx *c)
{
    int ok = c->nd >= 10 && c->nd <= 16 && kw_positive(c->t, c->a, KW_ACCOUNT) &&
             !date_like(c->t, c->a, c->b) && !price_context(c->t, c->n, c->a, c->b);
    return ok ? RF_PII_ACCOUNT : -1;
}

/* Every match of pattern id that starts in [ws, we): validated matches are
 * added (the search goes on after them), rejected ones are retried one byte
 * later, so a longer or shifted reading still gets its chance. */
static void scan_window(const rf_pii *p, rf_pii_scratch *s, const char *t, size_t n, size_t lim,
                        size_t ws, size_t we, int id, validator ok, int arg, int kind)
{
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
    char d[40];
    size_t off = ws;
    while (match(p, s, id, t, lim, off)) {
        size_t a = ov[0], b = ov[1];
        if (a >= we)
            break;
        numctx c = {p, t, n, a, b, 0, d, arg};
        c.nd = digits_of(t, a, b, d, sizeof d);
        int type = c.nd <= sizeof d ? ok(&c) : -1;
        if (type >= 0) {
            add(s, a, b, type, kind);
            off = b;
        } else {
            off = a + 1;
        }
    }
}

static void numeric_window(const rf_pii *p, rf_pii_scratch *s, const char *t, size_t n, size_t ws,
                           size_t we, size_t ndig)
{
    uint32_t ty = p->cfg.types;
    size_t lim = we + 4 < n ? we + 4 : n;
#define ON(type) (ty & (1u << (type)))
    if (ON(RF_PII_PHONE) && ndig >= 8) {
        static const int ids[] = {RE_KR_MOBILE, RE_KR_LAND, RE_KR_REP, RE_NANP, RE_E164, RE_PHONE_KW};
        static const int kinds[] = {PH_MOBILE, PH_LAND, PH_REP, PH_NANP, PH_E164, PH_KEYWORD};
        for (int i = 0; i < 6; i++)
            scan_window(p, s, t, n, lim, ws, we, ids[i], v_phone, kinds[i], kinds[i]);
    }
    if ((ON(RF_PII_RRN) || ON(RF_PII_FRN)) && ndig >= 13) {
        scan_window(p, s, t, n, lim, ws, we, RE_RRN, v_rrn, 0, 0);
        scan_window(p, s, t, n, lim, ws, we, RE_RRN_BARE, v_rrn, 1, 1);
    }
    if (ON(RF_PII_BRN) && ndig >= 10) {
        scan_window(p, s, t, n, lim, ws, we, RE_BRN, v_brn, 0, 0);
        scan_window(p, s, t, n, lim, ws, we, RE_BRN_BARE, v_brn, 1, 1);
    }
    if (ON(RF_PII_DRIVER) && ndig >= 10) {
        scan_window(p, s, t, n, lim, ws, we, RE_DRIVER, v_driver, 0, 0);
        /* Region-name form: "서울 12-345678-90" (the name is up to 6 bytes
         * and a space before the window); the span is the number. */
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
        size_t off = ws > 7 ? ws - 7 : 0;
        while (match(p, s, RE_DRIVER_REGION, t, lim, off)) {
            if (ov[0] >= we)
                break;
            add(s, ov[2], ov[3], RF_PII_DRIVER, 1);
            off = ov[1];
        }
    }
    if (ON(RF_PII_CARD) && ndig >= 13)
        scan_window(p, s, t, n, lim, ws, we, RE_CARD, v_card, 0, 0);
    if (ON(RF_PII_SSN) && ndig >= 9) {
        scan_window(p, s, t, n, lim, ws, we, RE_SSN, v_ssn, 0, 0);
        scan_window(p, s, t, n, lim, ws, we, RE_SSN_KW, v_ssn, 1, 1);
    }
    if (ON(RF_PII_IP) && ndig >= 4)
        scan_window(p, s, t, n, lim, ws, we, RE_IPV4, v_ipv4, 0, 4);
    if (ON(RF_PII_ACCOUNT) && ndig >= 10 && kw_near(t, ws, KW_ACCOUNT) >= 0)
        scan_window(p, s, t, n, lim, ws, we, RE_ACCOUNT, v_account, 0, 0);
#undef ON
}

static void scan_numeric(const rf_pii *p, rf_pii_scratch *s, const char *t, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (!is_digit(t[i])) {
            i++;
            continue;
        }
        size_t ws = i;
        while (ws > 0 && (t[ws - 1] == '+' || t[ws - 1] == '('))
            ws--;
        size_t j = i, last = i, ndig = 0;
        while (j < n) {
            if (is_digit(t[j])) {
                ndig++;
                j++;
                last = j;
                continue;
            }
            /* Up to three separator characters between digit groups. */
            size_t k = j;
            while (k < n && k - j < 3 && sep_char(t[k]))
                k++;
            if (k > j && k < n && is_digit(t[k])) {
                j = k;
                continue;
            }
            break;
        }
        /* Keep a closing parenthesis that belongs to the number. */
        if (ndig >= 4)
            numeric_window(p, s, t, n, ws, last, ndig);
        i = last > i ? last : i + 1;
    }
}

/* ---- e-mail, IPv6, keyword and secret scans ---- */

static int email_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '.' ||
           c == '_' || c == '%' || c == '+' || c == '-';
}

static int file_tld(const char *t, size_t a, size_t b)
{
    size_t i = b;
    while (i > a && t[i - 1] != '.')
        i--;
    static const char *const ext[] = {"png", "jpg", "jpeg", "gif", "svg", "webp", "bmp", "ico",
                                      "css", "js", "tif", "tiff", NULL};
    for (const char *const *e = ext; *e; e++) {
        size_t l = strlen(*e);
        if (b - i == l) {
            size_t k = 0;
            while (k < l && (t[i + k] | 0x20) == (*e)[k])
                k++;
            if (k == l)
                return 1;
        }
    }
    return 0;
}

static void scan_email(const rf_pii *p, rf_pii_scratch *s, const char *t, size_t n)
{
    size_t done = 0;
    const char *at = memchr(t, '@', n);
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
    while (at) {
        size_t ai = (size_t)(at - t);
        size_t ws = ai;
        while (ws > done && ai - ws < 64 && email_char(t[ws - 1]))
            ws--;
        size_t lim = ai + 256 < n ? ai + 256 : n;
        size_t off = ws;
        while (match(p, s, RE_EMAIL, t, lim, off)) {
            size_t a = ov[0], b = ov[1];
            if (a > ai)
                break;
            if (b > ai && !file_tld(t, a, b)) {
                add(s, a, b, RF_PII_EMAIL, 0);
                done = b;
                break;
            }
            off = a + 1;
        }
        size_t next = done > ai + 1 ? done : ai + 1;
        at = next < n ? memchr(t + next, '@', n - next) : NULL;
    }
}

static int hexc(char c)
{
    return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

static int wordc(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_';
}

static void scan_ipv6(const rf_pii *p, rf_pii_scratch *s, const char *t, size_t n)
{
    size_t done = 0;
    const char *c = memchr(t, ':', n);
    while (c) {
        size_t ci = (size_t)(c - t);
        size_t a = ci, b = ci + 1;
        while (a > done && ci - a < 45 && (hexc(t[a - 1]) || t[a - 1] == ':' || t[a - 1] == '.'))
            a--;
        while (b < n && b - a < 46 && (hexc(t[b]) || t[b] == ':' || t[b] == '.'))
            b++;
        size_t next = b;
        while (b > a && (t[b - 1] == '.' || t[b - 1] == ':'))
            b--;
        while (a < b && (t[a] == '.' || (t[a] == ':' && !(a + 1 < b && t[a + 1] == ':'))))
            a++;
        int colons = 0, groups = 0, glen = 0, maxg = 0, dbl = 0;
        for (size_t i = a; i < b; i++) {
            if (t[i] == ':') {
                colons++;
                if (i + 1 < b && t[i + 1] == ':')
                    dbl = 1;
                glen = 0;
            } else if (t[i] != '.') {
                if (glen == 0)
                    groups++;
                glen++;
                if (glen > maxg)
                    maxg = glen;
            }
        }
        int ok = colons >= 2 && b - a <= 45 && (a == 0 || !wordc(t[a - 1])) &&
                 (b >= n || !wordc(t[b])) && (groups >= 3 || (dbl && groups >= 2 && maxg >= 3));
        if (ok) {
            char buf[48];
            memcpy(buf, t + a, b - a);
            buf[b - a] = '\0';
            uint8_t addr[16];
            ok = inet_pton(AF_INET6, buf, addr) == 1;
            if (ok && p->cfg.keep_private_ip && rf_pii_ipv6_special(addr))
                ok = 0;
        }
        if (ok) {
            add(s, a, b, RF_PII_IP, 6);
            done = b;
        }
        if (next <= ci)
            next = ci + 1;
        c = next < n ? memchr(t + next, ':', n - next) : NULL;
    }
}

/* memmem is not POSIX: first byte with memchr, then compare. */
static int has(const char *t, size_t n, const char *lit)
{
    size_t l = strlen(lit), i = 0;
    while (i + l <= n) {
        const char *c = memchr(t + i, lit[0], n - i - l + 1);
        if (!c)
            return 0;
        if (memcmp(c, lit, l) == 0)
            return 1;
        i = (size_t)(c - t) + 1;
    }
    return 0;
}

static void run_all(const rf_pii *p, rf_pii_scratch *s, const char *t, size_t n, int id, int type,
                    int kind, int group)
{
    size_t off = 0;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
    while (match(p, s, id, t, n, off)) {
        size_t a = ov[2 * group], b = ov[2 * group + 1];
        int ok = a != PCRE2_UNSET && b > a;
        if (ok && kind == SK_OPENAI) {
            int up = 0, lo = 0, dg = 0;
            for (size_t i = a + 3; i < b; i++) {
                up |= t[i] >= 'A' && t[i] <= 'Z';
                lo |= t[i] >= 'a' && t[i] <= 'z';
                dg |= is_digit(t[i]);
            }
            ok = up && lo && dg;
        }
        if (ok && type == RF_PII_PASSPORT)
            ok = kw_positive(t, a, KW_PASSPORT);
        if (ok)
            add(s, a, b, type, kind);
        off = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
    }
}

static void scan_secrets(const rf_pii *p, rf_pii_scratch *s, const char *t, size_t n)
{
    if (has(t, n, "AKIA") || has(t, n, "ASIA") || has(t, n, "AGPA") || has(t, n, "AIDA") ||
        has(t, n, "AROA") || has(t, n, "AIPA") || has(t, n, "ANPA") || has(t, n, "ANVA") ||
        has(t, n, "APKA"))
        run_all(p, s, t, n, RE_AWS, RF_PII_SECRET, SK_AWS, 0);
    if (has(t, n, "gh") && (has(t, n, "_")))
        run_all(p, s, t, n, RE_GITHUB, RF_PII_SECRET, SK_GITHUB, 0);
    if (has(t, n, "xox"))
        run_all(p, s, t, n, RE_SLACK, RF_PII_SECRET, SK_SLACK, 0);
    if (has(t, n, "hooks.slack.com"))
        run_all(p, s, t, n, RE_SLACK_HOOK, RF_PII_SECRET, SK_SLACK_HOOK, 0);
    if (has(t, n, "AIza"))
        run_all(p, s, t, n, RE_GOOGLE, RF_PII_SECRET, SK_GOOGLE, 0);
    if (has(t, n, "k_live_"))
        run_all(p, s, t, n, RE_STRIPE, RF_PII_SECRET, SK_STRIPE, 0);
    if (has(t, n, "sk-"))
        run_all(p, s, t, n, RE_OPENAI, RF_PII_SECRET, SK_OPENAI, 0);
    if (has(t, n, "ecret") || has(t, n, "ECRET"))
        run_all(p, s, t, n, RE_AWS_SECRET, RF_PII_SECRET, SK_AWS_SECRET, 1);
    if (has(t, n, "-----BEGIN"))
        run_all(p, s, t, n, RE_PRIVKEY, RF_PII_SECRET, SK_PRIVKEY, 0);
    if (has(t, n, "://"))
        run_all(p, s, t, n, RE_URLPASS, RF_PII_SECRET, SK_URLPASS, 1);
}

/* ---- overlap resolution ---- */

static int cand_cmp_prio(const void *x, const void *y)
{
    const cand *a = x, *b = y;
    if (a->prio != b->prio)
        return b->prio - a->prio;
    uint32_t la = a->end - a->start, lb = b->end - b->start;
    if (la != lb)
        return la > lb ? -1 : 1;
    return a->start < b->start ? -1 : a->start > b->start;
}

static int span_cmp(const void *x, const void *y)
{
    const rf_pii_span *a = x, *b = y;
    return a->start < b->start ? -1 : a->start > b->start;
}

size_t rf_pii_detect(const rf_pii *p, rf_pii_scratch *s, const char *t, size_t n,
                     const rf_pii_span **spans)
{
    s->nc = 0;
    uint32_t ty = p->cfg.types;
    if (n > UINT32_MAX) /* offsets are 32-bit; documents are far smaller */
        n = UINT32_MAX;
    scan_numeric(p, s, t, n);
    if (ty & (1u << RF_PII_EMAIL))
        scan_email(p, s, t, n);
    if (ty & (1u << RF_PII_IP))
        scan_ipv6(p, s, t, n);
    if (ty & (1u << RF_PII_SECRET))
        scan_secrets(p, s, t, n);
    if ((ty & (1u << RF_PII_PASSPORT)) &&
        (has(t, n, "여권") || has(t, n, "assport") || has(t, n, "ASSPORT")))
        run_all(p, s, t, n, RE_PASSPORT, RF_PII_PASSPORT, 0, 0);

    if (s->capo < s->nc + 1) {
        s->capo = s->nc + 16;
        s->out = rf_xrealloc(s->out, s->capo * sizeof *s->out);
    }
    size_t no = 0;
    if (s->nc > 1) {
        /* Highest priority first; a byte mask of the accepted spans keeps
         * the overlap test linear in the candidates' lengths (a leaked dump
         * can hold many thousands of them). */
        qsort(s->c, s->nc, sizeof *s->c, cand_cmp_prio);
        size_t lo = SIZE_MAX, hi = 0;
        for (size_t i = 0; i < s->nc; i++) {
            if (s->c[i].start < lo)
                lo = s->c[i].start;
            if (s->c[i].end > hi)
                hi = s->c[i].end;
        }
        if (s->capmask < hi - lo) {
            s->capmask = hi - lo;
            free(s->mask);
            s->mask = rf_xmalloc(s->capmask);
        }
        memset(s->mask, 0, hi - lo);
        for (size_t i = 0; i < s->nc; i++) {
            const cand *c = &s->c[i];
            unsigned char *m = s->mask + (c->start - lo);
            size_t len = c->end - c->start;
            if (memchr(m, 1, len))
                continue;
            memset(m, 1, len);
            s->out[no++] = (rf_pii_span){c->start, c->end, c->type, c->kind};
        }
        qsort(s->out, no, sizeof *s->out, span_cmp);
    } else if (s->nc == 1) {
        const cand *c = &s->c[0];
        s->out[no++] = (rf_pii_span){c->start, c->end, c->type, c->kind};
    }
    *spans = s->out;
    return no;
}

/* ---- replacement ---- */

int rf_pii_check_tag(const char *tag, rf_err *err)
{
    size_t n = strlen(tag);
    if (n == 0)
        return rf_errf(err, RF_EUSAGE, "replacement tags must not be empty");
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)tag[i] < 0x20 || tag[i] == 0x7F)
            return rf_errf(err, RF_EUSAGE, "tag '%s' contains a control character", tag);
    /* Markup that tokenizers reserve for special tokens: a tag containing it
     * would be encoded as a control token, not as text. */
    static const char *const reserved[] = {
        "<|", "|>", "<s>", "</s>", "<unk>", "<pad>", "<mask>", "<bos>", "<eos>", "<eot>",
        "[CLS]", "[SEP]", "[MASK]", "[PAD]", "[UNK]", "[BOS]", "[EOS]", "<start_of_", "<end_of_",
        "<unused", "<think>", "</think>", "<tool_call>", "<fim_", "<|fim", "<image", "<audio",
        "<mask_", "<ctrl", "[multimodal]", "\xe2\x96\x81", NULL};
    for (const char *const *r = reserved; *r; r++)
        if (strstr(tag, *r))
            return rf_errf(err, RF_EUSAGE,
                           "tag '%s' contains '%s', which tokenizers reserve for special tokens",
                           tag, *r);
    return 0;
}


static char rdig(rf_rng *r)
{
    return (char)('0' + rf_rng_next(r) % 10);
}

/* Copies t[a..b) replacing every digit after the first `keep` digits. */
static void fake_digits(rf_buf *o, const char *t, size_t a, size_t b, size_t keep, rf_rng *r)
{
    size_t seen = 0;
    for (size_t i = a; i < b; i++) {
        if (is_digit(t[i]) && seen++ >= keep)
            rf_buf_addc(o, rdig(r));
        else
            rf_buf_addc(o, t[i]);
    }
}

/* Digits in the first `groups` groups (runs separated by non-digits). */
static size_t digits_in_groups(const char *t, size_t a, size_t b, int groups)
{
    size_t k = 0;
    int g = 0, in = 0;
    for (size_t i = a; i < b; i++) {
        if (is_digit(t[i])) {
            if (!in) {
                if (g == groups)
                    break;
                g++;
                in = 1;
            }
            k++;
        } else {
            in = 0;
        }
    }
    return k;
}

/* Rewrites the digit positions of the last fake value in o[start..] with the
 * digits d (used to fix check digits). */
static void put_digits(rf_buf *o, size_t start, const char *d, size_t nd)
{
    size_t k = 0;
    for (size_t i = start; i < o->len && k < nd; i++)
        if (is_digit(o->p[i]))
            o->p[i] = d[k++];
}

static void fake_value(rf_buf *o, const rf_pii_span *sp, const char *t, rf_rng *r)
{
    size_t a = sp->start, b = sp->end, start = o->len;
    char d[64];
    size_t nd;
    switch (sp->type) {
    case RF_PII_EMAIL: {
        static const char *const names[] = {"alex", "sam", "jordan", "minji", "jiwoo", "taylor",
                                            "chris", "yuna", "daniel", "sora", "kevin", "hana",
                                            "eric", "jisoo", "morgan", "seojun"};
        static const char *const dom[] = {"example.com", "example.org", "example.net"};
        rf_buf_addf(o, "%s%u@%s", names[rf_rng_next(r) % 16], (unsigned)(rf_rng_next(r) % 1000),
                    dom[rf_rng_next(r) % 3]);
        return;
    }
    case RF_PII_PHONE: {
        size_t keep;
        if (sp->kind == PH_NANP) {
            /* Area code kept, exchange 555 and line 01xx: numbers reserved
             * for fiction. */
            nd = digits_of(t, a, b, d, sizeof d);
            size_t lead = nd == 11 ? 1 : 0;
            memcpy(d + lead + 3, "55501", 5);
            d[lead + 8] = rdig(r);
            d[lead + 9] = rdig(r);
            rf_buf_add(o, t + a, b - a);
            put_digits(o, start, d, nd);
            return;
        }
        if (sp->kind == PH_REP)
            keep = 2;
        else if (t[a] == '+')
            keep = digits_in_groups(t, a, b, 2);
        else if (sp->kind == PH_MOBILE)
            keep = 3;
        else
            keep = digits_in_groups(t, a, b, 1);
        if (keep >= digits_of(t, a, b, d, sizeof d))
            keep = 3;
        fake_digits(o, t, a, b, keep, r);
        return;
    }
    case RF_PII_RRN:
    case RF_PII_FRN: {
        nd = digits_of(t, a, b, d, sizeof d);
        int sdig = d[6] - '0';
        int c2000 = sdig == 3 || sdig == 4 || sdig == 7 || sdig == 8;
        int yy = c2000 ? (int)(rf_rng_next(r) % 20) : 40 + (int)(rf_rng_next(r) % 60);
        int mm = 1 + (int)(rf_rng_next(r) % 12), dd = 1 + (int)(rf_rng_next(r) % 28);
        char nd13[14];
        snprintf(nd13, sizeof nd13, "%02d%02d%02d%c", yy, mm, dd, d[6]);
        for (int i = 7; i < 12; i++)
            nd13[i] = rdig(r);
        int s = 0;
        static const int w[12] = {2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5};
        for (int i = 0; i < 12; i++)
            s += (nd13[i] - '0') * w[i];
        nd13[12] = (char)('0' + (11 - s % 11) % 10);
        rf_buf_add(o, t + a, b - a);
        put_digits(o, start, nd13, 13);
        return;
    }
    case RF_PII_CARD: {
        nd = digits_of(t, a, b, d, sizeof d);
        for (size_t i = 4; i + 1 < nd; i++)
            d[i] = rdig(r);
        for (int c = 0; c < 10; c++) {
            d[nd - 1] = (char)('0' + c);
            if (rf_pii_luhn(d, nd))
                break;
        }
        rf_buf_add(o, t + a, b - a);
        put_digits(o, start, d, nd);
        return;
    }
    case RF_PII_BRN: {
        for (int i = 0; i < 9; i++)
            d[i] = rdig(r);
        for (int c = 0; c < 10; c++) {
            d[9] = (char)('0' + c);
            if (rf_pii_brn_valid(d))
                break;
        }
        rf_buf_add(o, t + a, b - a);
        put_digits(o, start, d, 10);
        return;
    }
    case RF_PII_SSN:
        /* Area 9xx is never issued: the shape stays, no real number can. */
        rf_buf_add(o, t + a, b - a);
        d[0] = '9';
        d[1] = rdig(r);
        d[2] = rdig(r);
        for (int i = 3; i < 9; i++)
            d[i] = (char)('1' + rf_rng_next(r) % 9);
        put_digits(o, start, d, 9);
        return;
    case RF_PII_DRIVER:
        fake_digits(o, t, a, b, 2, r);
        return;
    case RF_PII_IP:
        if (sp->kind == 6) {
            rf_buf_addf(o, "2001:db8::%x:%x", (unsigned)(rf_rng_next(r) & 0xFFFF),
                        (unsigned)(rf_rng_next(r) & 0xFFFF));
        } else {
            static const char *const docnet[] = {"192.0.2.", "198.51.100.", "203.0.113."};
            rf_buf_addf(o, "%s%u", docnet[rf_rng_next(r) % 3], (unsigned)(1 + rf_rng_next(r) % 254));
        }
        return;
    case RF_PII_SECRET: {
        /* Same length and character classes; known prefixes and PEM armour
         * lines are kept so the value still looks like what it was. */
        size_t keep = 0;
        if (sp->kind == SK_AWS || sp->kind == SK_GOOGLE)
            keep = 4;
        else if (sp->kind == SK_GITHUB || sp->kind == SK_SLACK)
            keep = 4;
        else if (sp->kind == SK_STRIPE)
            keep = 8;
        else if (sp->kind == SK_OPENAI)
            keep = 3;
        int armour = 0;
        for (size_t i = a; i < b; i++) {
            char c = t[i];
            if (sp->kind == SK_PRIVKEY && (i == a || t[i - 1] == '\n'))
                armour = c == '-';
            if (i - a < keep || armour || c == '\n') {
                rf_buf_addc(o, c);
            } else if (c >= 'A' && c <= 'Z') {
                rf_buf_addc(o, (char)('A' + rf_rng_next(r) % 26));
            } else if (c >= 'a' && c <= 'z') {
                rf_buf_addc(o, (char)('a' + rf_rng_next(r) % 26));
            } else if (is_digit(c)) {
                rf_buf_addc(o, rdig(r));
            } else {
                rf_buf_addc(o, c);
            }
        }
        return;
    }
    case RF_PII_PASSPORT:
        for (size_t i = a; i < b; i++) {
            if (i > a && t[i] >= 'A' && t[i] <= 'Z')
                rf_buf_addc(o, (char)('A' + rf_rng_next(r) % 26));
            else if (is_digit(t[i]))
                rf_buf_addc(o, rdig(r));
            else
                rf_buf_addc(o, t[i]);
        }
        return;
    default:
        fake_digits(o, t, a, b, 0, r);
        return;
    }
}

static void keyed_digest(const rf_pii_replacer *r, const rf_pii_span *sp, const char *t,
                         unsigned char out[32])
{
    const char *name = type_names[sp->type];
    size_t nl = strlen(name), vl = sp->end - sp->start;
    char stackbuf[256];
    char *msg = nl + 1 + vl <= sizeof stackbuf ? stackbuf : rf_xmalloc(nl + 1 + vl);
    memcpy(msg, name, nl);
    msg[nl] = '\0';
    memcpy(msg + nl + 1, t + sp->start, vl);
    rf_hmac_sha256(r->key, r->keylen, msg, nl + 1 + vl, out);
    if (msg != stackbuf)
        free(msg);
}

void rf_pii_replace(const rf_pii_replacer *r, const char *t, size_t n, const rf_pii_span *sp,
                    size_t ns, rf_buf *out)
{
    size_t pos = 0;
    /* Without a key, fake values derive from the whole document and the span
     * index: deterministic, yet not a function of the identifier alone (a
     * function of the identifier alone could be inverted by enumeration). */
    uint64_t doc_seed = r->policy == RF_PII_FAKE && !r->keylen ? XXH3_64bits(t, n) : 0;
    rf_buf_grow(out, n + 16 * ns);
    for (size_t i = 0; i < ns; i++) {
        const rf_pii_span *s = &sp[i];
        if (s->start < pos || s->end > n)
            continue; /* cannot happen for detector output */
        rf_buf_add(out, t + pos, s->start - pos);
        const char *tag = r->tags[s->type] ? r->tags[s->type] : type_tags[s->type];
        switch (r->policy) {
        case RF_PII_TAG:
            rf_buf_adds(out, tag);
            break;
        case RF_PII_REMOVE:
            break;
        case RF_PII_HASH: {
            unsigned char h[32];
            keyed_digest(r, s, t, h);
            size_t tl = strlen(tag);
            int close = tl > 1 && tag[tl - 1] == '>';
            rf_buf_add(out, tag, close ? tl - 1 : tl);
            rf_buf_addc(out, ':');
            for (int k = 0; k < 8; k++)
                rf_buf_addf(out, "%02x", h[k]);
            if (close)
                rf_buf_addc(out, '>');
            break;
        }
        case RF_PII_FAKE: {
            rf_rng g;
            if (r->keylen) {
                unsigned char h[32];
                keyed_digest(r, s, t, h);
                memcpy(&g.s, h, 8);
            } else {
                g.s = doc_seed ^ (0x9E3779B97F4A7C15ull * (i + 1));
            }
            fake_value(out, s, t, &g);
            break;
        }
        }
        pos = s->end;
    }
    rf_buf_add(out, t + pos, n - pos);
}
