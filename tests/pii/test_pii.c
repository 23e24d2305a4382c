/* test_pii.c — unit tests of the PII detector: validators, SHA-256/HMAC
 * vectors, one positive and the guarded negatives per detector, overlap
 * resolution, the replacement policies (untouched bytes exact, fake values
 * of the same shape and valid) and the tag check. */
#include <stdio.h>
#include <string.h>

#include "filters/pii.h"
#include "tests/unit/check.h"

static rf_pii *det;
static rf_pii_scratch *scr;

/* Detects in s; returns the number of spans, the first copied to *first. */
static size_t detect(const char *s, rf_pii_span *first)
{
    const rf_pii_span *sp;
    size_t n = rf_pii_detect(det, scr, s, strlen(s), &sp);
    if (n && first)
        *first = sp[0];
    return n;
}

/* s contains exactly one detection, of type ty, covering the text want. */
static void one(const char *s, int ty, const char *want)
{
    rf_pii_span sp;
    size_t n = detect(s, &sp);
    if (n != 1 || sp.type != ty || sp.end - sp.start != strlen(want) ||
        memcmp(s + sp.start, want, strlen(want)) != 0) {
        fprintf(stderr, "expected one %s '%s' in '%s', got %zu (first %s '%.*s')\n",
                rf_pii_type_name(ty), want, s, n, n ? rf_pii_type_name(sp.type) : "-",
                n ? (int)(sp.end - sp.start) : 0, n ? s + sp.start : "");
        check_failures++;
    }
}

static void none(const char *s)
{
    rf_pii_span sp;
    size_t n = detect(s, &sp);
    if (n) {
        fprintf(stderr, "expected nothing in '%s', got %s '%.*s'\n", s, rf_pii_type_name(sp.type),
                (int)(sp.end - sp.start), s + sp.start);
        check_failures++;
    }
}

static void hex(const unsigned char *h, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", h[i]);
}

static void test_validators(void)
{
    CHECK(rf_pii_luhn("4929381332664295", 16));
    CHECK(!rf_pii_luhn("4929381332664296", 16));
    CHECK(rf_pii_luhn("345389698201044", 15));
    CHECK(rf_pii_card_iin("4929381332664295", 16));
    CHECK(rf_pii_card_iin("345389698201044", 15));
    CHECK(!rf_pii_card_iin("1234567812345670", 16)); /* no issuer starts with 1 */
    CHECK(!rf_pii_card_iin("34538969820104", 14));  /* Amex is 15 digits */
    CHECK(rf_pii_rrn_valid("9001011234568", 1));
    CHECK(rf_pii_rrn_checksum("9001011234568"));
    CHECK(!rf_pii_rrn_checksum("9001011234567"));
    CHECK(rf_pii_rrn_valid("9001011234567", 0));  /* post-2020: no checksum */
    CHECK(!rf_pii_rrn_valid("9913011234567", 0)); /* month 13 */
    CHECK(!rf_pii_rrn_valid("9002301234567", 0)); /* 30 February */
    CHECK(rf_pii_rrn_valid("0002293234567", 0));  /* 2000 was a leap year */
    CHECK(!rf_pii_rrn_valid("0102293234567", 0)); /* 2001 was not */
    CHECK(!rf_pii_rrn_valid("9001010234567", 0)); /* S digit 0 */
    CHECK(!rf_pii_rrn_valid("9001019234567", 0)); /* S digit 9 */
    CHECK(!rf_pii_rrn_valid("4501013234567", 0)); /* 2045: not born yet */
    CHECK(rf_pii_brn_valid("1248100998"));
    CHECK(rf_pii_brn_valid("2208162517"));
    CHECK(!rf_pii_brn_valid("1248100999"));
    CHECK(rf_pii_ssn_valid(284, 89, 3485));
    CHECK(!rf_pii_ssn_valid(0, 89, 3485));
    CHECK(!rf_pii_ssn_valid(666, 89, 3485));
    CHECK(!rf_pii_ssn_valid(901, 89, 3485));
    CHECK(!rf_pii_ssn_valid(284, 0, 3485));
    CHECK(!rf_pii_ssn_valid(284, 89, 0));
    CHECK(!rf_pii_ssn_valid(78, 5, 1120));
    uint8_t a[4] = {192, 168, 1, 1}, b[4] = {8, 8, 4, 4}, c[4] = {172, 20, 0, 1}, d[4] = {172, 32, 0, 1};
    CHECK(rf_pii_ipv4_special(a));
    CHECK(!rf_pii_ipv4_special(b));
    CHECK(rf_pii_ipv4_special(c));
    CHECK(!rf_pii_ipv4_special(d));
}

static void test_hash(void)
{
    unsigned char h[32];
    char x[65];
    rf_sha256("abc", 3, h);
    hex(h, 32, x);
    CHECK_MEM(x, 64, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    rf_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, h);
    hex(h, 32, x);
    CHECK_MEM(x, 64, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    char key[100], msg[200];
    memset(key, 'k', sizeof key);
    memset(msg, 'x', sizeof msg);
    rf_hmac_sha256(key, sizeof key, msg, sizeof msg, h); /* key longer than a block */
    hex(h, 32, x);
    CHECK_MEM(x, 64, "e326f00ce14194bb85e2683fe9b1a78851753f77479303f94c2c3cd1998bdda3");
}

static void test_detect(void)
{
    one("mail me at john.doe@example.co.uk.", RF_PII_EMAIL, "john.doe@example.co.uk");
    none("logo@2x.png is an image name");
    one("연락처 010-1234-5678 입니다", RF_PII_PHONE, "010-1234-5678");
    one("연락처 01029534433", RF_PII_PHONE, "01029534433");
    none("평점 12345678910 9876543210"); /* counting, not numbers */
    none("노래가 좋아 2847948684 배는"); /* a bare 10-digit run in Korean text */
    one("call +82 10 9876 5432 now", RF_PII_PHONE, "+82 10 9876 5432");
    one("서울 02-123-4567", RF_PII_PHONE, "02-123-4567");
    one("대표 (031) 123-4567", RF_PII_PHONE, "(031) 123-4567");
    one("고객센터 1588-1234 안내", RF_PII_PHONE, "1588-1234");
    one("call (814) 360 8593", RF_PII_PHONE, "(814) 360 8593");
    one("+1-212-456-7890", RF_PII_PHONE, "+1-212-456-7890");
    one("2312322334", RF_PII_PHONE, "2312322334");
    one("Tel: +44 20 7946 0958", RF_PII_PHONE, "+44 20 7946 0958");
    none("임진왜란(1592-1598)");   /* year range, not 15xx-xxxx */
    none("on 2023-10-15 and 2023.10.15"); /* dates */
    none("order 2312322334 shipped");     /* order number */
    none("가격은 1588-1234원");           /* price */
    one("주민등록번호 900101-1234568", RF_PII_RRN, "900101-1234568");
    one("번호 900101-1234567", RF_PII_RRN, "900101-1234567"); /* post-2020, no checksum */
    one("주민번호 9001011234567", RF_PII_RRN, "9001011234567"); /* bare, keyword */
    none("코드 9001011234567");      /* bare, no keyword, checksum wrong */
    one("코드 9001011234568", RF_PII_RRN, "9001011234568"); /* bare, checksum right */
    none("991332-1234567");           /* month 13 */
    none("900230-1234567");           /* 30 February */
    none("900101-9234567");           /* S digit 9 */
    one("외국인 850315-5123456", RF_PII_FRN, "850315-5123456");
    one("사업자등록번호 124-81-00998", RF_PII_BRN, "124-81-00998");
    none("124-81-00999");              /* checksum */
    one("면허 11-23-456789-01", RF_PII_DRIVER, "11-23-456789-01");
    one("면허 서울 12-345678-90", RF_PII_DRIVER, "12-345678-90");
    one("card 4929-3813-3266-4295 ok", RF_PII_CARD, "4929-3813-3266-4295");
    one("amex 3453 896982 01044", RF_PII_CARD, "3453 896982 01044");
    none("card 4929-3813-3266-4296");  /* Luhn-invalid */
    none("order #4929381332664295");   /* order number */
    none("ISBN 978-89-546-4167-2");
    one("국민은행 계좌 123456-78-901234 로", RF_PII_ACCOUNT, "123456-78-901234");
    none("123456-78-901234 로");       /* no account keyword */
    one("여권번호 M12345678", RF_PII_PASSPORT, "M12345678");
    none("model M12345678");
    one("ip 10.41.21.72 seen", RF_PII_IP, "10.41.21.72");
    one("host 2001:db8::1 up", RF_PII_IP, "2001:db8::1");
    one("fe80::1ff:fe23:4567:890a", RF_PII_IP, "fe80::1ff:fe23:4567:890a");
    none("version 10.2.3.4");
    none("section 1.2.3.4 says");
    none("std::vector and 12:30:45 and 00:1A:2B:3C:4D:5E");
    one("SSN 284-89-3485.", RF_PII_SSN, "284-89-3485");
    none("666-12-3456 and 000-12-3456");
    one("key AKIAIOSFODNN7EXAMPLE here", RF_PII_SECRET, "AKIAIOSFODNN7EXAMPLE");
    one("ghp_abcdefghijklmnopqrstuvwxyz0123456789", RF_PII_SECRET,
        "ghp_abcdefghijklmnopqrstuvwxyz0123456789");
    one("db postgres://admin:s3cret@db.example.com/x", RF_PII_SECRET, "s3cret");
    one("-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n", RF_PII_SECRET,
        "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----");
    /* Overlaps: the e-mail wins over the digits inside it. */
    one("01012345678@naver.com", RF_PII_EMAIL, "01012345678@naver.com");
}

static void test_replace(void)
{
    const char *s = "A: john@example.com, 010-1234-5678; 카드 4929-3813-3266-4295. 끝";
    size_t n = strlen(s);
    const rf_pii_span *sp0;
    size_t ns = rf_pii_detect(det, scr, s, n, &sp0);
    CHECK(ns == 3);
    rf_pii_span sp[8];
    memcpy(sp, sp0, ns * sizeof *sp);
    rf_pii_replacer r = {0};
    rf_buf b = RF_BUF_INIT;
    rf_pii_replace(&r, s, n, sp, ns, &b);
    CHECK_MEM(b.p, b.len, "A: <EMAIL>, <PHONE>; 카드 <CARD>. 끝");
    rf_buf_reset(&b);
    r.policy = RF_PII_REMOVE;
    rf_pii_replace(&r, s, n, sp, ns, &b);
    CHECK_MEM(b.p, b.len, "A: , ; 카드 . 끝");
    rf_buf_reset(&b);
    r.policy = RF_PII_HASH;
    r.key = (const unsigned char *)"k";
    r.keylen = 1;
    r.tags[RF_PII_EMAIL] = "[MAIL]";
    rf_pii_replace(&r, s, n, sp, ns, &b);
    /* HMAC-SHA256("k", "email\0john@example.com"), first 8 bytes. */
    unsigned char h[32];
    char x[17];
    rf_hmac_sha256("k", 1, "email\0john@example.com", 22, h);
    hex(h, 8, x);
    char want[64];
    snprintf(want, sizeof want, "A: [MAIL]:%s, <PHONE:", x);
    CHECK(b.len > strlen(want) && memcmp(b.p, want, strlen(want)) == 0);
    /* Fake: the same shape, untouched bytes exact, card still Luhn-valid. */
    rf_buf_reset(&b);
    r.policy = RF_PII_FAKE;
    r.keylen = 0;
    rf_pii_replace(&r, s, n, sp, ns, &b);
    const char *card = strstr(b.p, "카드 ");
    CHECK(card != NULL);
    if (card) {
        card += strlen("카드 ");
        char d[20];
        size_t k = 0;
        for (size_t i = 0; i < 19; i++)
            if (card[i] != '-')
                d[k++] = card[i];
        CHECK(k == 16 && rf_pii_luhn(d, 16) && card[4] == '-' && memcmp(card, "4929", 4) == 0);
        CHECK(memcmp(card + 19, ". 끝", strlen(". 끝")) == 0);
    }
    CHECK(strstr(b.p, "@example.") != NULL);
    CHECK(strstr(b.p, ", 010-") != NULL);
    /* Fake values are deterministic. */
    rf_buf c = RF_BUF_INIT;
    rf_pii_replace(&r, s, n, sp, ns, &c);
    CHECK(b.len == c.len && memcmp(b.p, c.p, b.len) == 0);
    /* A fake RRN is a valid RRN. */
    const char *rs = "주민등록번호 900101-1234568";
    ns = rf_pii_detect(det, scr, rs, strlen(rs), &sp0);
    CHECK(ns == 1);
    rf_buf_reset(&c);
    rf_pii_replace(&r, rs, strlen(rs), sp0, ns, &c);
    const char *v = c.p + strlen("주민등록번호 ");
    char d13[13];
    memcpy(d13, v, 6);
    memcpy(d13 + 6, v + 7, 7);
    CHECK(v[6] == '-' && rf_pii_rrn_valid(d13, 1) && v[7] == '1');
    rf_buf_release(&b);
    rf_buf_release(&c);
}

static void test_tags(void)
{
    rf_err err;
    for (int t = 0; t < RF_PII_NTYPES; t++)
        CHECK(rf_pii_check_tag(rf_pii_default_tag(t), &err) == 0);
    CHECK(rf_pii_check_tag("[MAIL]", &err) == 0);
    CHECK(rf_pii_check_tag("<|endoftext|>", &err) == RF_EUSAGE);
    CHECK(rf_pii_check_tag("<s>", &err) == RF_EUSAGE);
    CHECK(rf_pii_check_tag("[CLS]", &err) == RF_EUSAGE);
    CHECK(rf_pii_check_tag("<start_of_turn>", &err) == RF_EUSAGE);
    CHECK(rf_pii_check_tag("", &err) == RF_EUSAGE);
    CHECK(rf_pii_check_tag("a\nb", &err) == RF_EUSAGE);
    CHECK(rf_pii_type_parse("card", 4) == RF_PII_CARD);
    CHECK(rf_pii_type_parse("nope", 4) < 0);
}

static void test_keep_private(void)
{
    rf_pii_config cfg = {RF_PII_ALL_TYPES, 1};
    rf_pii *p;
    rf_err err;
    CHECK(rf_pii_new(&p, &cfg, &err) == 0);
    rf_pii_scratch *s = rf_pii_scratch_new(p);
    const rf_pii_span *sp;
    const char *t = "ip 192.168.0.12 and 8.8.4.4 and ::1 and fe80::1ff:fe23:4567:890a";
    size_t n = rf_pii_detect(p, s, t, strlen(t), &sp);
    CHECK(n == 1 && n && memcmp(t + sp[0].start, "8.8.4.4", 7) == 0);
    rf_pii_scratch_free(s);
    rf_pii_free(p);
}

int main(void)
{
    rf_pii_config cfg = {RF_PII_ALL_TYPES, 0};
    rf_err err;
    if (rf_pii_new(&det, &cfg, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    scr = rf_pii_scratch_new(det);
    test_validators();
    test_hash();
    test_detect();
    test_replace();
    test_tags();
    test_keep_private();
    rf_pii_scratch_free(scr);
    rf_pii_free(det);
    return CHECK_DONE();
}
