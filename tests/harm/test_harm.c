/* test_harm — unit tests of refine-harm's matchers: word boundaries by
 * script, Korean eojeol prefixes, markers, normalisation (case, width,
 * compatibility jamo, whitespace in multi-word entries), list parsing and
 * de-duplication, hard stops and soft counts, the same verdicts from the
 * Aho–Corasick and PCRE2 engines; URL hosts, subdomain matching, datatrove
 * URL words and normalisation, domain list formats. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filters/harm_match.h"
#include "filters/harm_url.h"
#include "tests/unit/check.h"

static const char HARD[] = "# comment line\n"
                           "ass\r\n"
                           "\n"
                           "2 girls 1 cup\n"
                           "fuck\n"
                           "김치녀\n"
                           "=시발\n"
                           "*porn*\n"
                           "ｓｈｉｔ\n"
                           "\xff\xfe not utf-8\n"
                           "操你\n";
static const char SOFT[] = "damn\n"
                           "ㅅㅂ\n"
                           "존나\n"
                           "fuck\n" /* also hard: counts once, as hard */
                           "bloody hell\n";

static rf_wl *make(int engine)
{
    rf_err err = {0, ""};
    rf_wl *w = rf_wl_new(RF_WL_TEXT);
    CHECK(rf_wl_add_list(w, "hard.txt", HARD, strlen(HARD), 0, &err) == 8);
    CHECK(rf_wl_add_list(w, "soft.txt", SOFT, strlen(SOFT), 1, &err) == 4);
    CHECK(rf_wl_compile(w, engine, &err) == 0);
    return w;
}

typedef struct want {
    const char *text;
    int hard;         /* a hard hit expected */
    const char *first; /* its entry as written */
    uint64_t soft;
} want;

static const want cases[] = {
    {"a first-class assessment", 0, NULL, 0},   /* "ass" inside words */
    {"you ASS.", 1, "ass", 0},                  /* case, punctuation boundary */
    {"kick-ass", 1, "ass", 0},
    {"2 girls\n 1\tcup!", 1, "2 girls 1 cup", 0}, /* whitespace runs */
    {"ＦＵＣＫ this", 1, "fuck", 0},            /* full width folds (NFKC) */
    {"fucker", 0, NULL, 0},
    {"Shit happens", 1, "ｓｈｉｔ", 0},         /* entry normalised too */
    {"pornography", 1, "*porn*", 0},            /* both sides free */
    {"김치녀들이 또", 1, "김치녀", 0},          /* eojeol prefix + particle */
    {"맛있는김치녀", 0, NULL, 0},               /* not at an eojeol start */
    {"시발점에서 출발", 0, NULL, 0},            /* =시발 is the whole eojeol only */
    {"아 시발 진짜", 1, "=시발", 0},
    {"我操你妈", 1, "操你", 0},                 /* Han: anywhere */
    {"damn damn, DAMN", 0, NULL, 3},            /* every soft occurrence */
    {"ㅅㅂ 존나게 bloody  hell", 0, NULL, 3},   /* jamo, prefix, multi-word */
    {"damndamn", 0, NULL, 0},
    {"", 0, NULL, 0},
    {"   ", 0, NULL, 0},
};

static void test_words(int engine)
{
    rf_wl *w = make(engine);
    rf_wl_scratch *s = rf_wl_scratch_new(w);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const want *c = &cases[i];
        rf_wl_hits h;
        rf_wl_scan(w, s, c->text, strlen(c->text), 1, &h);
        int ok = (h.first_hard >= 0) == c->hard && h.soft == c->soft;
        if (ok && c->hard)
            ok = !strcmp(rf_wl_entry(w, h.first_hard), c->first) &&
                 !strcmp(rf_wl_entry_list(w, h.first_hard), "hard.txt");
        if (!ok)
            fprintf(stderr, "engine %d, '%s': hard %d (%s), soft %llu\n", engine, c->text,
                    h.first_hard, h.first_hard >= 0 ? rf_wl_entry(w, h.first_hard) : "-",
                    (unsigned long long)h.soft);
        CHECK(ok);
    }
    /* "fuck" is in both lists: one entry, hard. */
    rf_wl_hits h;
    rf_wl_scan(w, s, "fuck", 4, 0, &h);
    CHECK(h.hard == 1 && h.soft == 0);
    /* Without stopping, every hard hit counts. */
    rf_wl_scan(w, s, "ass and ass", 11, 0, &h);
    CHECK(h.hard == 2);
    rf_wl_scan(w, s, "one two  three\nfour", 19, 0, &h);
    CHECK(rf_wl_last_words(s) == 4);
    rf_wl_scratch_free(s);
    rf_wl_free(w);
}

static void test_url_subwords(void)
{
    rf_err err = {0, ""};
    static const char subs[] = "2 girls 1 cup\n#comment\nxxx\n";
    rf_wl *w = rf_wl_new(RF_WL_URL);
    CHECK(rf_wl_add_list(w, "sub.txt", subs, strlen(subs), 0, &err) == 2);
    CHECK(rf_wl_compile(w, RF_WL_AC, &err) == 0);
    rf_wl_scratch *s = rf_wl_scratch_new(w);
    rf_wl_hits h;
    const char *u = "https://site.com/2-Girls_1-Cup.html";
    rf_wl_scan(w, s, u, strlen(u), 1, &h);
    CHECK(h.first_hard >= 0 && !strcmp(rf_wl_entry(w, h.first_hard), "2 girls 1 cup"));
    u = "https://www.boxxxing.org/";
    rf_wl_scan(w, s, u, strlen(u), 1, &h);
    CHECK(h.first_hard >= 0); /* substrings, as datatrove */
    u = "https://example.org/x";
    rf_wl_scan(w, s, u, strlen(u), 1, &h);
    CHECK(h.first_hard < 0);
    rf_wl_scratch_free(s);
    rf_wl_free(w);
    rf_buf b = RF_BUF_INIT;
    rf_wl_url_normalize("A-b_C 9/é", 10, &b);
    CHECK_MEM(b.p, b.len, "abc9");
    rf_buf_release(&b);
}

static void test_hosts(void)
{
    static const struct {
        const char *url, *host;
    } hosts[] = {
        {"https://www.Example.com/path?q=1", "www.example.com"},
        {"HTTP://User:pw@WWW.Example.COM.:8080/x", "www.example.com"},
        {"example.org/index.html", "example.org"},
        {"//cdn.example.net/a.js", "cdn.example.net"},
        {"http://[::1]:80/", "[::1]"},
        {"ftp://host", "host"},
        {"mailto:someone@example.com", "example.com"},
        {"", ""},
    };
    rf_buf b = RF_BUF_INIT;
    for (size_t i = 0; i < sizeof hosts / sizeof *hosts; i++) {
        rf_url_host(hosts[i].url, strlen(hosts[i].url), &b);
        CHECK_MEM(b.p ? b.p : "", b.len, hosts[i].host);
    }
    rf_buf_release(&b);
}

static void test_domains(void)
{
    char path[] = "/tmp/refine-dom-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    static const char list[] = "# a comment\n"
                               "Example.COM.\n"
                               "0.0.0.0 ads.tracker.net\n"
                               "||adserver.org^$third-party\n"
                               "||*.wild.org^\n"
                               "! adblock comment\n"
                               "/banner/*\n"
                               "example.com##.ad\n"
                               "badhost.io # trailing comment\n"
                               "&ad_type=\n";
    CHECK(write(fd, list, sizeof list - 1) == (ssize_t)(sizeof list - 1));
    close(fd);
    rf_strset *s = rf_strset_new();
    rf_err err = {0, ""};
    CHECK(rf_domains_load(s, path, &err) == 0);
    unlink(path);
    CHECK(rf_strset_size(s) == 4);
    static const struct {
        const char *host;
        int blocked;
    } q[] = {
        {"example.com", 1},        {"www.example.com", 1}, {"a.b.example.com", 1},
        {"badexample.com", 0},     {"example.com.au", 0},  {"ads.tracker.net", 1},
        {"tracker.net", 0},        {"x.adserver.org", 1},  {"badhost.io", 1},
        {"com", 0},                {"wild.org", 0},
    };
    for (size_t i = 0; i < sizeof q / sizeof *q; i++) {
        const char *m;
        size_t ml;
        int got = rf_domain_blocked(s, q[i].host, strlen(q[i].host), &m, &ml);
        if (got != q[i].blocked)
            fprintf(stderr, "domain %s: %d\n", q[i].host, got);
        CHECK(got == q[i].blocked);
    }
    rf_strset_free(s);
    s = rf_strset_new();
    CHECK(rf_domains_load(s, "/nonexistent/list", &err) == RF_EIO);
    rf_strset_free(s);
}

static int collect(void *ctx, const char *w, size_t n)
{
    rf_buf *b = ctx;
    rf_buf_add(b, w, n);
    rf_buf_addc(b, '|');
    return 0;
}

static void test_url_words(void)
{
    rf_buf out = RF_BUF_INIT, scratch = RF_BUF_INIT;
    const char *u = "https://WWW.Sexy-Girls.com/free_porn?id=42&x=%20";
    rf_url_words(u, strlen(u), &scratch, collect, &out);
    CHECK_MEM(out.p, out.len, "https|www|sexy|girls|com|free|porn|id|42|x|20|");
    rf_buf_release(&out);
    rf_buf_release(&scratch);
}

int main(void)
{
    test_words(RF_WL_AC);
    test_words(RF_WL_PCRE2);
    test_url_subwords();
    test_hosts();
    test_domains();
    test_url_words();
    return CHECK_DONE();
}
