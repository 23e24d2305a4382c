/* spam.c — boilerplate-line removal and document-level spam detection.
 *
 * One pass normalises invisible characters away (zero-width spaces, word
 * joiners, BOMs, soft hyphens, bidi controls, Hangul fillers; a ZWJ inside an
 * emoji sequence and a ZWNJ in scripts that need it are kept). The text is
 * then cut into lines; each short line is tried against two PCRE2 JIT
 * patterns (alternatives anchored at the line start, and phrases that may
 * appear anywhere in a short line), a menu/breadcrumb heuristic and the
 * link/hashtag/emoji shares, and lines repeated within the document are
 * found by hashing a whitespace-collapsed, ASCII-lower-cased form. The spam
 * lexicons are matched with a byte trie in one pass over the text (Korean
 * terms as substrings, since particles attach to them; English terms at word
 * boundaries). Kept lines are copied byte-exact. */
#define _POSIX_C_SOURCE 200809L
#define PCRE2_CODE_UNIT_WIDTH 8
#include "filters/spam.h"

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "stages/htab.h"
#include "stages/text.h"

static const char *const line_names[RF_SPAM_LINE_NKINDS] = {
    "lines", "boilerplate", "menu", "links", "hashtags", "emoji", "repeated"};
static const char *const cat_names[RF_SPAM_NCAT] = {"gambling", "adult", "loan", "seo"};

const char *rf_spam_line_name(int kind)
{
    return kind >= 0 && kind < RF_SPAM_LINE_NKINDS ? line_names[kind] : "unknown";
}

const char *rf_spam_category_name(int cat)
{
    return cat >= 0 && cat < RF_SPAM_NCAT ? cat_names[cat] : "unknown";
}

void rf_spam_config_defaults(rf_spam_config *c)
{
    memset(c, 0, sizeof *c);
    c->boilerplate = 1;
    c->repeated = 1;
    c->noise_lines = 1;
    c->max_line_bytes = 200;
    c->min_repeat_chars = 20;
    c->max_removed = 0.5;
    c->min_chars = 50;
    c->lexicon_density = 0.05;
    c->lexicon_min_hits = 3;
    c->min_words = 20;
    c->dominant_word = 0.25;
    c->dup_ngram = 0.5;
    c->hashtag_share = 0.3;
    c->hashtag_min = 5;
    c->emoji_share = 0.15;
    c->emoji_min = 10;
    c->invisible_share = 0.02;
    c->invisible_min = 8;
    c->code_share = 0.3;
}

/* ---- patterns ---- */

#define PS "[\\s\\p{P}\\p{S}]"
#define SHARE_EN "(?:share|shares|tweet|email|e-mail|print|subscribe|follow|like|likes|comment|comments|" \
                 "facebook|twitter|linkedin|pinterest|reddit|whatsapp|telegram|kakaotalk|copy link|" \
                 "save|bookmark|x)"
#define SHARE_KO "(?:공유하기|공유|구독하기|구독|좋아요|싫어요|댓글|스크랩|인쇄|프린트|글자\\s*크기|" \
                 "페이스북|트위터|카카오톡|카카오스토리|밴드|네이버|URL\\s*복사|링크\\s*복사|" \
                 "기사\\s*저장|북마크|신고)"
#define NAV_KO "(?:이전\\s*글|다음\\s*글|이전\\s*기사|다음\\s*기사|목록으로|목록\\s*보기|목록|처음으로|" \
               "맨\\s*위로|위로\\s*가기|TOP)"
#define LOGIN_EN "(?:log ?in|log ?out|sign ?in|sign ?up|register|create an account|" \
                 "forgot (?:your )?password|already have an account\\??|not a member\\??|my account)"
#define LOGIN_KO "(?:로그인|로그아웃|회원\\s*가입|아이디\\s*찾기|비밀번호\\s*찾기|마이페이지|장바구니)"

/* The alternatives of pat_start other than the byline; start_may_match
 * summarises how they can begin (tables checked against this pattern by
 * rf_spam_selftest). */
#define START_ALTS \
    "(?:copyright\\s*(?:©|ⓒ|\\(c\\)|\\d{4}|by\\b)|ⓒ|©)" \
    "|all rights reserved" \
    "|" SHARE_EN "(?:" PS "+\\d*" PS "*" SHARE_EN "|" PS "+(?:this|on|us|article|story|post|page|now|via))+" PS "*\\d*" PS "*$" \
    "|" SHARE_KO "(?:" PS "+\\d*" PS "*" SHARE_KO ")+" PS "*\\d*" PS "*$" \
    "|(?:read more|continue reading|read the full (?:story|article)|see more|show more|load more|" \
    "view more|more stories|full story|click here to (?:read|continue|see)(?: the)?(?: full)?(?: story| article| more)?|see also)(?:\\s*:.{0,60})?" PS "*$" \
    "|(?:previous|prev|next|older|newer)\\s*(?:post|article|page|story|entry|posts|articles|stories|chapter)?" \
    PS "*(?:(?:previous|prev|next|older|newer)\\s*(?:post|article|page|story|entry|posts|articles|stories)?" PS "*)?$" \
    "|(?:back to top|skip to (?:main )?content|jump to (?:navigation|content)|go to top|return to top)" \
    "|(?:related (?:articles?|posts?|stories|news|content|links|videos)|you may also like|" \
    "recommended (?:for you|stories|articles)|trending now|popular posts|most read|most popular|" \
    "don't miss)" PS "*$" \
    "|(?:tags?|filed under|categories|posted in|topics)\\s*:" \
    "|(?:advertisement|sponsored(?: content)?|ad|광고|스폰서|협찬|AD)" PS "*$" \
    "|(?:sign up|subscribe) (?:for|to) (?:our|the) (?:free )?(?:newsletter|mailing list|updates)" \
    "|" LOGIN_EN "(?:" PS "+(?:or\\s+)?(?:" LOGIN_EN "|cart|basket))*" PS "*(?:\\(\\d+\\))?" PS "*$" \
    "|(?:posted|published|updated) (?:by|on)\\s.{0,60}\\d.{0,30}$" \
    "|저작권자\\s*(?:ⓒ|©|\\(c\\)|\\[|<|:)" \
    "|<저작권자" \
    "|(?:▶|▷|☞|►)" \
    "|\\[?(?:관련\\s*기사|관련\\s*뉴스|함께\\s*보면\\s*좋은\\s*기사|많이\\s*본\\s*(?:뉴스|기사)|인기\\s*기사|" \
    "추천\\s*기사|주요\\s*뉴스|핫\\s*뉴스|포토\\s*뉴스|최신\\s*기사)\\]?" \
    "|" NAV_KO "(?:" PS "*" NAV_KO ")*" PS "*$" \
    "|" LOGIN_KO "(?:" PS "*" LOGIN_KO ")*" PS "*$" \
    "|(?:더\\s*보기|전체\\s*보기|기사\\s*더\\s*보기|자세히\\s*보기|원문\\s*보기|계속\\s*읽기|펼쳐\\s*보기|더\\s*읽기)" PS "*$" \
    "|(?:기사\\s*제보|보도\\s*자료\\s*(?:문의|제보)|제보\\s*하기|구독\\s*신청|뉴스레터\\s*(?:구독|신청)|카카오톡\\s*@|카톡\\s*@)" \
    "|(?:사진|그래픽|영상|자료)\\s*[=:]\\s*\\S{1,20}" PS "*$"
/* Bylines: a title (기자, 특파원, ...) must occur in the line. */
#define BYLINE \
    "(?:[\\[(][^\\])]{0,30}[\\])]\\s*)?\\p{Hangul}{2,4}(?:\\s*[·,]\\s*\\p{Hangul}{2,4})*\\s*" \
    "(?:기자|특파원|통신원|객원기자|에디터|리포터|앵커)\\s*(?:[=:/·]\\s*)?" \
    "(?:[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,})?" PS "*$"

static const char pat_start[] = "^" PS "*(?:" START_ALTS "|" BYLINE ")";

static const char pat_any[] =
    "all rights reserved|무단\\s*전재|재배포\\s*금지|무단\\s*복제|무단\\s*배포|"
    "AI\\s*학습\\s*(?:및\\s*활용\\s*)?금지|저작권자\\s*(?:ⓒ|©|\\(c\\))|copyright\\s*(?:ⓒ|©|\\(c\\))|"
    "(?:ⓒ|©)\\s*\\d{4}|we use cookies|(?:accept|allow|agree to) (?:all )?cookies|"
    "cookie (?:policy|settings|preferences|consent)|by (?:continuing to use|using) this (?:site|website)|"
    "쿠키.{0,20}(?:사용|동의|허용|정책|설정)|(?:log ?in|sign ?in) to (?:comment|reply|continue|post|view|read)|"
    "로그인.{0,12}(?:필요|이용|작성|가능)|댓글을?\\s*(?:작성|남기)(?:하|시)?(?:려면|시려면)|"
    "이전\\s*글.{0,60}다음\\s*글|(?:기자|특파원)\\s*\\(?[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}";

/* ---- the pat_start prefilter ----
 *
 * pat_start is tried on every short line, and a JIT match of its ~25
 * alternatives costs about as much as the rest of the line's work. Its
 * alternatives begin with literal words, so a line can only match when,
 * after a run of punctuation/symbols/spaces (the leading PS*), it begins
 * with one of these words' first two letters or syllables, or with one of
 * the few characters listed in start_other, or (bylines) it holds a title.
 * The tables are checked against the pattern itself, by PCRE2 partial
 * matching over every ASCII bigram, every Hangul syllable pair that can
 * start a match and every code point, in rf_spam_selftest (unit.test_spam).
 * A one-letter entry may be followed by anything. */
static const char *const start_en[] = {
    "ad", "al", "ba", "bo", "ca", "cl", "co", "cr", "do", "e-", "em", "fa", "fi", "fo", "fu", "go",
    "ju", "ka", "li", "lo", "mo", "my", "ne", "no", "ol", "pi", "po", "pr", "pu", "re", "sa", "se",
    "sh", "si", "sk", "sp", "su", "ta", "te", "to", "tr", "tw", "up", "ur", "vi", "wh", "yo", "x"};
static const char *const start_ko[] = {
    "공유", "구독", "좋아", "싫어", "댓글", "스크", "인쇄", "프린", "글자", "페이", "트위", "카카",
    "밴드", "네이", "링크", "기사", "북마", "신고", "광고", "스폰", "협찬", "저작", "관련", "함께",
    "많이", "인기", "추천", "주요", "포토", "최신", "이전", "다음", "목록", "처음", "위로", "로그",
    "회원", "아이", "비밀", "마이", "장바", "전체", "자세", "원문", "계속", "펼쳐", "보도", "제보",
    "뉴스", "카톡", "사진", "그래", "영상", "자료", "핫", "맨", "더"};

/* Byline titles (BYLINE requires one); features_wh flags a line that may
 * hold one by the hash of their first two syllables. */
static const char *const titles[] = {"기자", "특파원", "통신원", "에디터", "리포터", "앵커"};

/* ---- lexicons ---- */

typedef struct lex_term {
    const char *s;
    uint8_t cat;    /* RF_SPAM_NCAT: a boilerplate trigger, not a spam term */
    uint8_t strong;
} lex_term;

#define TRIG RF_SPAM_NCAT

#define G RF_SPAM_GAMBLING
#define A RF_SPAM_ADULT
#define L RF_SPAM_LOAN
#define S RF_SPAM_SEO
static const lex_term lexicon[] = {
    /* gambling */
    {"카지노", G, 1}, {"바카라", G, 1}, {"먹튀", G, 1}, {"안전놀이터", G, 1}, {"메이저사이트", G, 1},
    {"사설토토", G, 1}, {"토토사이트", G, 1}, {"가입머니", G, 1}, {"첫충", G, 1}, {"매충", G, 1},
    {"슬롯머신", G, 1}, {"파워볼", G, 1}, {"홀덤", G, 1}, {"스포츠토토", G, 1}, {"배팅", G, 1},
    {"베팅", G, 1}, {"꽁머니", G, 1}, {"룰렛", G, 1}, {"토토", G, 0}, {"슬롯", G, 0}, {"잭팟", G, 0},
    {"환전", G, 0}, {"충전", G, 0}, {"casino", G, 1}, {"casinos", G, 1}, {"baccarat", G, 1},
    {"roulette", G, 1}, {"sportsbook", G, 1}, {"slot machine", G, 1}, {"online slots", G, 1},
    {"betting", G, 1}, {"blackjack", G, 1}, {"free spins", G, 1}, {"no deposit bonus", G, 1},
    {"poker", G, 0}, {"slots", G, 0}, {"jackpot", G, 0}, {"bet", G, 0}, {"bonus", G, 0},
    /* adult */
    {"출장안마", A, 1}, {"출장마사지", A, 1}, {"출장샵", A, 1}, {"오피스걸", A, 1}, {"조건만남", A, 1},
    {"야동", A, 1}, {"섹스", A, 1}, {"성인용품", A, 1}, {"립카페", A, 1}, {"키스방", A, 1},
    {"안마방", A, 1}, {"휴게텔", A, 1}, {"폰섹", A, 1}, {"성인방송", A, 1}, {"애인대행", A, 1},
    {"오피", A, 0}, {"건마", A, 0}, {"성인", A, 0}, {"19금", A, 0}, {"만남", A, 0},
    {"viagra", A, 1}, {"cialis", A, 1}, {"porn", A, 1}, {"porno", A, 1}, {"xxx", A, 1},
    {"escort service", A, 1}, {"escorts", A, 1}, {"camgirl", A, 1}, {"camgirls", A, 1},
    {"hookup", A, 1}, {"sex chat", A, 1}, {"adult dating", A, 1}, {"nude", A, 0}, {"sexy", A, 0},
    {"hot girls", A, 0}, {"dating", A, 0}, {"pills", A, 0},
    /* loans */
    {"무직자대출", L, 1}, {"무직자 대출", L, 1}, {"당일대출", L, 1}, {"당일 대출", L, 1}, {"급전", L, 1},
    {"신불자", L, 1}, {"대출승인", L, 1}, {"소액대출", L, 1}, {"사채", L, 1}, {"소액결제", L, 1},
    {"현금화", L, 1}, {"카드깡", L, 1}, {"내구제", L, 1}, {"신용무관", L, 1}, {"신용 무관", L, 1},
    {"대출", L, 0}, {"무직자", L, 0}, {"당일", L, 0}, {"승인", L, 0}, {"payday loan", L, 1},
    {"payday loans", L, 1}, {"cash advance", L, 1}, {"no credit check", L, 1}, {"bad credit", L, 1},
    {"instant loan", L, 1}, {"quick loan", L, 1}, {"loan approved", L, 1}, {"loan", L, 0},
    {"loans", L, 0}, {"credit", L, 0}, {"approved", L, 0},
    /* SEO / marketing spam */
    {"상위노출", S, 1}, {"백링크", S, 1}, {"트래픽 구매", S, 1}, {"팔로워 구매", S, 1},
    {"구독자 구매", S, 1}, {"좋아요 구매", S, 1}, {"지금 바로 확인", S, 1}, {"최저가 보장", S, 1},
    {"최저가", S, 0}, {"무료", S, 0}, {"이벤트", S, 0}, {"특가", S, 0}, {"바로가기", S, 0},
    {"혜택", S, 0}, {"buy followers", S, 1}, {"backlinks", S, 1}, {"seo services", S, 1},
    {"click here", S, 1}, {"buy now", S, 1}, {"limited offer", S, 1}, {"act now", S, 1},
    {"work from home", S, 1}, {"make money online", S, 1}, {"earn money fast", S, 1},
    {"100% free", S, 1}, {"risk free", S, 1}, {"order now", S, 1}, {"double your bitcoin", S, 1},
    {"claim your", S, 1}, {"free prize", S, 1}, {"free", S, 0}, {"discount", S, 0}, {"cheap", S, 0},
    {"offer", S, 0}, {"winner", S, 0}, {"prize", S, 0}, {"guaranteed", S, 0},
    /* Boilerplate triggers: every alternative of pat_any contains one, so
     * the unanchored pattern only runs on lines where the trie saw one. */
    {"all rights", TRIG, 0}, {"무단", TRIG, 0}, {"재배포", TRIG, 0}, {"학습", TRIG, 0},
    {"저작권자", TRIG, 0}, {"copyright", TRIG, 0}, {"\xe2\x93\x92", TRIG, 0} /* ⓒ */,
    {"\xc2\xa9", TRIG, 0} /* © */, {"cookie", TRIG, 0}, {"this site", TRIG, 0},
    {"this website", TRIG, 0}, {"쿠키", TRIG, 0}, {"log in", TRIG, 0}, {"login", TRIG, 0},
    {"sign in", TRIG, 0}, {"signin", TRIG, 0}, {"로그인", TRIG, 0}, {"댓글", TRIG, 0},
    {"이전", TRIG, 0}, {"기자", TRIG, 0}, {"특파원", TRIG, 0},
};
#undef G
#undef A
#undef L
#undef S
#define NTERMS (sizeof lexicon / sizeof lexicon[0])

typedef struct trie_node {
    int32_t next[256];
    int32_t term; /* -1 none */
} trie_node;

struct rf_spam {
    rf_spam_config cfg;
    pcre2_code *start, *any;
    int jit_start, jit_any;
    trie_node *trie;
    size_t ntrie;
    uint64_t first2[1024]; /* bitmap of the (lower-cased) first two bytes of terms */
    unsigned char lower[256]; /* ASCII letters lower-cased, other bytes as they are */
    unsigned char inv_lead[256]; /* bytes that can start an invisible character */
    uint64_t syl[11172 / 64 + 1]; /* Hangul syllables that start a term */
    uint64_t pre3[1024];  /* hashed 3-byte (ASCII) or 2-syllable (Hangul) term prefixes */
    uint8_t end_alpha[NTERMS]; /* the term ends in an ASCII letter (must end a word) */
    uint8_t cls[256];     /* CL_* classes of ASCII bytes */
    /* Hashed first six bytes (two Hangul syllables) of the terms that start
     * with a Hangul syllable; usable when all such terms have them (ko6_ok). */
    uint64_t ko6[1024];
    int ko6_ok;
    /* start_may_match: ASCII bigrams (lower-cased) and Hangul syllables
     * and syllable pairs that can begin one of START_ALTS. */
    uint64_t start2[128 * 128 / 64];
    uint64_t ko1[11172 / 64 + 1];    /* first syllables */
    uint64_t ko1any[11172 / 64 + 1]; /* first syllables followed by anything */
    uint64_t ko2[1024];              /* hash6 of the first two syllables */
    uint64_t title6[1024];           /* hash6 of the titles' first two syllables */
    uint64_t ko6title[1024];         /* ko6 | title6 */
};

enum {
    CL_SPACE = 1, /* ' ', \t-\r */
    CL_HASH = 2,  /* letters, digits, '#': part of the word hash */
    CL_ALPHA = 4, /* ASCII letters */
    CL_SEP = 8    /* '|', '>': menu separators */
};

/* Open-addressing hash table slot. A slot is in use when its gen equals
 * the table's: a new document starts with ++gen instead of clearing the
 * table (the word-count tables of long documents were cleared per document). */
struct rf_spam_scratch {
    pcre2_match_data *md;
    uint8_t *kind;            /* per line */
    size_t *ls, *le;          /* line starts and ends (in the cleaned text) */
    size_t capl;
    rf_htab seen;             /* repeated-line hash set */
    rf_htab wc;               /* word counts */
    uint64_t *ng;             /* 3-gram set (0 = empty; half the size of an htab,
                               * which matters more than clearing it) */
    size_t capng;
    uint64_t *wh;             /* word hashes, line after line */
    size_t nwh, capwh;
    size_t *lw;               /* per line: index of its first word hash */
    size_t caplw;
    uint8_t term_seen[NTERMS];
    rf_buf clean, norm;
    int saw_invisible;        /* the line pass met a possible invisible character */
};

static int add_term(rf_spam *s, const char *term, int id)
{
    int32_t node = 0;
    for (const unsigned char *p = (const unsigned char *)term; *p; p++) {
        unsigned c = *p >= 'A' && *p <= 'Z' ? *p + 32u : *p;
        if (!s->trie[node].next[c]) {
            s->trie = rf_xrealloc(s->trie, (s->ntrie + 1) * sizeof *s->trie);
            memset(&s->trie[s->ntrie], 0, sizeof *s->trie);
            s->trie[s->ntrie].term = -1;
            s->trie[node].next[c] = (int32_t)s->ntrie++;
        }
        node = s->trie[node].next[c];
    }
    s->trie[node].term = id;
    return 0;
}

static pcre2_code *compile(const char *pat, int *jit, rf_err *err)
{
    int ec;
    PCRE2_SIZE eo;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
                                   PCRE2_UTF | PCRE2_CASELESS | PCRE2_NO_UTF_CHECK, &ec, &eo, NULL);
    if (!re) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(ec, msg, sizeof msg);
        rf_errf(err, RF_EINTERNAL, "spam pattern: %s at offset %zu", (const char *)msg, (size_t)eo);
        return NULL;
    }
    *jit = pcre2_jit_compile(re, PCRE2_JIT_COMPLETE) == 0;
    return re;
}

/* 16-bit hash of a term prefix (three lower-cased ASCII bytes, or two
 * Hangul syllables). */
static inline unsigned prefix_hash(uint32_t a, uint32_t b)
{
    uint64_t h = ((uint64_t)a << 32 | b) * 0x9E3779B97F4A7C15ull;
    return (unsigned)(h >> 48);
}

/* 16-bit hash of six bytes. */
static inline unsigned hash6(const unsigned char *p)
{
    uint32_t a;
    uint16_t b;
    memcpy(&a, p, 4);
    memcpy(&b, p + 4, 2);
    uint64_t x = (uint64_t)a | (uint64_t)b << 32;
    return (unsigned)((x * 0x9E3779B97F4A7C15ull) >> 48);
}

/* Invisible characters start with one of these bytes (U+00AD, U+034F,
 * U+115F/1160/180E, U+200B-2069, U+3164, U+FEFF/FFA0). */
static inline int invisible_lead(unsigned char c)
{
    return c == 0xC2 || c == 0xCD || c == 0xE1 || c == 0xE2 || c == 0xE3 || c == 0xEF;
}

int rf_spam_new(rf_spam **out, const rf_spam_config *cfg, rf_err *err)
{
    rf_spam *s = rf_xcalloc(1, sizeof *s);
    s->cfg = *cfg;
    s->start = compile(pat_start, &s->jit_start, err);
    s->any = s->start ? compile(pat_any, &s->jit_any, err) : NULL;
    if (!s->any) {
        rf_spam_free(s);
        return err ? err->code : RF_EINTERNAL;
    }
    for (int ch = 0; ch < 256; ch++) {
        s->lower[ch] = (unsigned char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
        s->inv_lead[ch] = (unsigned char)invisible_lead((unsigned char)ch);
        int alpha = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
        s->cls[ch] = (uint8_t)((ch == ' ' || (ch >= 0x09 && ch <= 0x0D) ? CL_SPACE : 0) |
                               (alpha || (ch >= '0' && ch <= '9') || ch == '#' ? CL_HASH : 0) |
                               (alpha ? CL_ALPHA : 0) | (ch == '|' || ch == '>' ? CL_SEP : 0));
    }
    s->trie = rf_xcalloc(1, sizeof *s->trie);
    s->trie[0].term = -1;
    s->ntrie = 1;
    s->ko6_ok = 1;
    for (size_t i = 0; i < NTERMS; i++) {
        const unsigned char *ts = (const unsigned char *)lexicon[i].s;
        if (ts[0] >= 0xEA && ts[0] <= 0xED) {
            /* Six non-ASCII bytes (case folding leaves them alone). */
            size_t k = 0;
            while (k < 6 && ts[k] >= 0x80)
                k++;
            if (k < 6)
                s->ko6_ok = 0;
            else
                s->ko6[hash6(ts) >> 6] |= 1ull << (hash6(ts) & 63);
        }
        add_term(s, lexicon[i].s, (int)i);
        unsigned last = (unsigned char)lexicon[i].s[strlen(lexicon[i].s) - 1] | 0x20u;
        s->end_alpha[i] = last >= 'a' && last <= 'z';
        unsigned c0 = (unsigned char)lexicon[i].s[0], c1 = (unsigned char)lexicon[i].s[1];
        c0 = c0 >= 'A' && c0 <= 'Z' ? c0 + 32 : c0;
        c1 = c1 >= 'A' && c1 <= 'Z' ? c1 + 32 : c1;
        s->first2[(c0 << 8 | c1) >> 6] |= 1ull << ((c0 << 8 | c1) & 63);
        size_t k = 0;
        uint32_t cp = rf_next_cp(lexicon[i].s, strlen(lexicon[i].s), &k);
        if (cp >= 0xAC00 && cp <= 0xD7A3) {
            s->syl[(cp - 0xAC00) >> 6] |= 1ull << ((cp - 0xAC00) & 63);
            size_t k2 = k;
            uint32_t cp2 = k2 < strlen(lexicon[i].s) ? rf_next_cp(lexicon[i].s, strlen(lexicon[i].s), &k2) : 0;
            unsigned h = prefix_hash(cp, cp2);
            s->pre3[h >> 6] |= 1ull << (h & 63);
        } else if (c0 < 0x80 && strlen(lexicon[i].s) >= 3) {
            unsigned h = prefix_hash(c0 << 16 | c1 << 8 | s->lower[(unsigned char)lexicon[i].s[2]], 0);
            s->pre3[h >> 6] |= 1ull << (h & 63);
        }
    }
    for (size_t i = 0; i < sizeof start_en / sizeof start_en[0]; i++) {
        unsigned a = (unsigned char)start_en[i][0], b = (unsigned char)start_en[i][1];
        for (unsigned c = 0; c < 128; c++)
            if (!b || c == b) {
                unsigned k = a << 7 | c;
                s->start2[k >> 6] |= 1ull << (k & 63);
            }
    }
    for (size_t i = 0; i < sizeof titles / sizeof titles[0]; i++) {
        unsigned h = hash6((const unsigned char *)titles[i]);
        s->title6[h >> 6] |= 1ull << (h & 63);
    }
    for (size_t i = 0; i < 1024; i++)
        s->ko6title[i] = s->ko6[i] | s->title6[i];
    for (size_t i = 0; i < sizeof start_ko / sizeof start_ko[0]; i++) {
        const char *w = start_ko[i];
        size_t k = 0, len = strlen(w);
        unsigned sy = rf_next_cp(w, len, &k) - 0xAC00;
        s->ko1[sy >> 6] |= 1ull << (sy & 63);
        if (len == 3) {
            s->ko1any[sy >> 6] |= 1ull << (sy & 63);
        } else {
            unsigned h = hash6((const unsigned char *)w);
            s->ko2[h >> 6] |= 1ull << (h & 63);
        }
    }
    *out = s;
    return 0;
}

void rf_spam_free(rf_spam *s)
{
    if (!s)
        return;
    pcre2_code_free(s->start);
    pcre2_code_free(s->any);
    free(s->trie);
    free(s);
}

rf_spam_scratch *rf_spam_scratch_new(const rf_spam *s)
{
    (void)s;
    rf_spam_scratch *sc = rf_xcalloc(1, sizeof *sc);
    sc->md = pcre2_match_data_create(4, NULL);
    if (!sc->md) {
        free(sc);
        return NULL;
    }
    return sc;
}

void rf_spam_scratch_free(rf_spam_scratch *sc)
{
    if (!sc)
        return;
    pcre2_match_data_free(sc->md);
    free(sc->kind);
    free(sc->ls);
    free(sc->le);
    rf_htab_release(&sc->seen);
    rf_htab_release(&sc->wc);
    free(sc->ng);
    free(sc->wh);
    free(sc->lw);
    rf_buf_release(&sc->clean);
    rf_buf_release(&sc->norm);
    free(sc);
}

/* ---- characters ---- */

static int is_emoji(uint32_t cp)
{
    return (cp >= 0x1F000 && cp <= 0x1FAFF) || (cp >= 0x2600 && cp <= 0x27BF) ||
           (cp >= 0x2B00 && cp <= 0x2BFF) || cp == 0x2764 || cp == 0x203C || cp == 0x2049;
}

/* Invisible: removed everywhere. ZWJ/ZWNJ are decided by context. */
static int invisible(uint32_t cp)
{
    return (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2060 && cp <= 0x2064) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF ||
           cp == 0x00AD || cp == 0x180E || cp == 0x034F || cp == 0x3164 || cp == 0xFFA0 ||
           cp == 0x115F || cp == 0x1160;
}

/* Scripts that use ZWJ/ZWNJ for shaping (Arabic to Sinhala, Myanmar). */
static int joining_script(uint32_t cp)
{
    return (cp >= 0x0600 && cp <= 0x0DFF) || (cp >= 0x1000 && cp <= 0x109F) ||
           (cp >= 0xFB50 && cp <= 0xFEFC);
}

/* Code point of the character that ends just before i (0 at the start). */
static uint32_t cp_before(const char *t, size_t n, size_t i)
{
    if (i == 0)
        return 0;
    size_t k = i - 1;
    while (k > 0 && i - k < 4 && ((unsigned char)t[k] & 0xC0) == 0x80)
        k--;
    return rf_next_cp(t, n, &k);
}

/* Writes the text without invisible characters into out; returns the count.
 * Only characters whose lead byte can start an invisible one are decoded. */
static size_t strip_invisible(const unsigned char *lead, const char *t, size_t n, rf_buf *out)
{
    size_t count = 0, i = 0, copied = 0;
    rf_buf_reset(out);
    while (i < n) {
        if (!lead[(unsigned char)t[i]]) {
            i++;
            continue;
        }
        size_t k = i;
        uint32_t cp = rf_next_cp(t, n, &k);
        int drop = invisible(cp);
        if (cp == 0x200D || cp == 0x200C) {
            uint32_t prev = cp_before(t, n, i);
            size_t k2 = k;
            uint32_t next = k2 < n ? rf_next_cp(t, n, &k2) : 0;
            int keep = cp == 0x200D ? (is_emoji(prev) || prev == 0xFE0F || is_emoji(next))
                                    : (joining_script(prev) || joining_script(next));
            drop = !keep;
        }
        if (drop) {
            rf_buf_add(out, t + copied, i - copied);
            copied = k;
            count++;
        }
        i = k;
    }
    if (count)
        rf_buf_add(out, t + copied, n - copied);
    return count;
}

/* ---- lines ---- */

typedef struct line_feat {
    size_t chars, words, hashtags, emoji, url_bytes, bytes;
    size_t tok_bytes; /* bytes inside words */
    size_t seps;      /* characters menu_line may take for separators */
    int title;        /* may hold a byline title */
} line_feat;

/* Inlined, so strlen of a literal folds to a constant. */
static inline int starts(const char *p, size_t n, const char *lit)
{
    size_t l = strlen(lit);
    return n >= l && memcmp(p, lit, l) == 0;
}

/* Length of the White_Space character at p (0 if none), from its bytes. */
static inline size_t space_len(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    if (c < 0x80)
        return c == ' ' || (c >= 0x09 && c <= 0x0D);
    if (c == 0xC2)
        return n >= 2 && (p[1] == 0x85 || p[1] == 0xA0) ? 2 : 0;
    if (c == 0xE1)
        return n >= 3 && p[1] == 0x9A && p[2] == 0x80 ? 3 : 0;
    if (c == 0xE2 && n >= 3) {
        if (p[1] == 0x80 && (p[2] <= 0x8A || p[2] == 0xA8 || p[2] == 0xA9 || p[2] == 0xAF))
            return 3;
        return p[1] == 0x81 && p[2] == 0x9F ? 3 : 0;
    }
    if (c == 0xE3)
        return n >= 3 && p[1] == 0x80 && p[2] == 0x80 ? 3 : 0;
    return 0;
}


/* One pass over a line: characters, words, hashtags, URL bytes, emoji, and
 * (when wh is not NULL) the hash of every word appended to *wh. Decodes only
 * the bytes that can start a space or an emoji. */
typedef struct lex_state lex_state;
static void features_wh(const rf_spam *s, const char *p, size_t n, line_feat *f,
                        rf_spam_scratch *sc, int words, lex_state *lx);

static int sentence_end(const char *p, size_t n)
{
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
        n--;
    if (n >= 3 && memcmp(p + n - 3, "\xe3\x80\x82", 3) == 0) /* 。 */
        return 1;
    return n && (p[n - 1] == '.' || p[n - 1] == '?' || p[n - 1] == '!');
}

/* Menus ("Home | About | Contact", "홈 · 회사소개 · 고객센터") and
 * breadcrumbs ("Home > News > World"): at least three short items between
 * separators, no sentence ending. Markdown table rows (starting with '|')
 * are not menus. */
static int menu_line(const char *p, size_t n, const line_feat *f)
{
    /* Three items need two separators (features_wh counted the characters
     * that can be one). */
    if (f->seps < 2 || n < 3 || n > 200 || p[0] == '|' || sentence_end(p, n) || f->words > 24)
        return 0;
    size_t items = 1, item_words = 0, item_chars = 0, max_words = 0, max_chars = 0, i = 0;
    int in_word = 0;
    while (i < n) {
        size_t k = i;
        uint32_t cp = rf_next_cp(p, n, &k);
        int sep = cp == '|' || cp == 0xB7 || cp == 0x2022 || cp == 0xBB || cp == 0x203A ||
                  cp == 0x2192 || cp == 0x30FB || cp == 0xFF5C;
        /* '>' only when spaced, so "x>y" stays a word; '/' is left out
         * ("A / B / C" is as often a list in prose as a menu). */
        if (cp == '>' && i > 0 && p[i - 1] == ' ' && k < n && p[k] == ' ')
            sep = 1;
        if (sep) {
            if (item_chars)
                items++;
            item_words = item_chars = 0;
            in_word = 0;
        } else if (rf_is_space(cp)) {
            in_word = 0;
        } else {
            if (!in_word)
                item_words++;
            in_word = 1;
            item_chars++;
            if (item_words > max_words)
                max_words = item_words;
            if (item_chars > max_chars)
                max_chars = item_chars;
        }
        i = k;
    }
    if (!item_chars)
        items--; /* trailing separator */
    return items >= 3 && max_words <= 3 && max_chars <= 24;
}

/* Non-ASCII characters that may begin one of START_ALTS: ©, ⓒ/Ⓒ, ▶ ▷ ►
 * ☞, and letters that match an ASCII letter caselessly (U+017F ſ, U+212A
 * K) with their neighbours, generously. */
static int start_other(uint32_t cp)
{
    return cp < 0x250 || (cp >= 0x1E00 && cp <= 0x1EFF) || (cp >= 0x2100 && cp <= 0x214F) ||
           (cp >= 0x24B6 && cp <= 0x24E9) || cp == 0x25B6 || cp == 0x25B7 || cp == 0x25BA ||
           cp == 0x261E;
}

static inline int bit(const uint64_t *b, unsigned i)
{
    return (int)(b[i >> 6] >> (i & 63) & 1);
}

/* 0 when pat_start cannot match the line (valid UTF-8). Characters that
 * cannot begin one of START_ALTS are skipped: either PS* consumes them or
 * the match fails there. BYLINE may begin at any character of Hangul
 * script (for PCRE2 that includes CJK punctuation such as U+3001) but
 * needs a title, so a line that skipped non-ASCII characters or starts
 * with a syllable is also let through when it holds a title. */
static int start_may_match(const rf_spam *s, const char *p, size_t n, int title)
{
    const unsigned char *u = (const unsigned char *)p;
    size_t i = 0;
    int skipped = 0; /* non-ASCII characters skipped */
    while (i < n) {
        unsigned c = u[i];
        if (c < 0x80) {
            if ((s->cls[c] & CL_HASH) && c != '#') { /* letter or digit: no PS */
                if (i + 1 >= n || u[i + 1] >= 0x80)
                    return 1;
                if (bit(s->start2, s->lower[c] << 7 | s->lower[u[i + 1]]))
                    return 1;
                return skipped && title;
            }
            if (c == '[' || c == '(' || c == '<')
                return 1;
            i++;
            continue;
        }
        size_t k = i;
        uint32_t cp = rf_next_cp(p, n, &k);
        if (cp >= 0xAC00 && cp <= 0xD7A3) {
            unsigned sy = cp - 0xAC00;
            int ok;
            size_t k2 = k;
            uint32_t cp2 = k2 < n ? rf_next_cp(p, n, &k2) : 0;
            if (cp2 >= 0xAC00 && cp2 <= 0xD7A3 && k == i + 3 && k2 == i + 6) {
                unsigned h = hash6(u + i);
                ok = bit(s->ko1any, sy) || bit(s->ko2, h);
            } else {
                ok = bit(s->ko1, sy);
            }
            return ok || title;
        }
        if (start_other(cp))
            return 1;
        skipped = 1;
        i = k;
    }
    return skipped && title;
}

static int line_kind(const rf_spam *s, rf_spam_scratch *sc, const char *p, size_t n,
                     const line_feat *f, int trig)
{
    const rf_spam_config *c = &s->cfg;
    if (c->boilerplate && n <= c->max_line_bytes) {
        int rc = !start_may_match(s, p, n, f->title) ? PCRE2_ERROR_NOMATCH
                 : s->jit_start
                     ? pcre2_jit_match(s->start, (PCRE2_SPTR)p, n, 0, PCRE2_NO_UTF_CHECK, sc->md, NULL)
                     : pcre2_match(s->start, (PCRE2_SPTR)p, n, 0, PCRE2_NO_UTF_CHECK, sc->md, NULL);
        if (rc <= 0 && trig)
            rc = s->jit_any
                     ? pcre2_jit_match(s->any, (PCRE2_SPTR)p, n, 0, PCRE2_NO_UTF_CHECK, sc->md, NULL)
                     : pcre2_match(s->any, (PCRE2_SPTR)p, n, 0, PCRE2_NO_UTF_CHECK, sc->md, NULL);
        if (rc > 0)
            return RF_SPAM_LINE_BOILERPLATE;
        if (menu_line(p, n, f))
            return RF_SPAM_LINE_MENU;
    }
    if (c->noise_lines) {
        if (f->url_bytes && f->url_bytes * 2 >= f->tok_bytes)
            return RF_SPAM_LINE_LINKS;
        if (f->hashtags >= 2 && f->hashtags * 2 >= f->words)
            return RF_SPAM_LINE_HASHTAGS;
        if (f->emoji >= 2 && f->emoji * 2 >= f->chars)
            return RF_SPAM_LINE_EMOJI;
    }
    return RF_SPAM_LINE_KEEP;
}

static void trim(const char **p, size_t *n)
{
    const char *a = *p;
    size_t l = *n;
    while (l && (a[0] == ' ' || a[0] == '\t' || a[0] == '\r')) {
        a++;
        l--;
    }
    while (l && (a[l - 1] == ' ' || a[l - 1] == '\t' || a[l - 1] == '\r'))
        l--;
    *p = a;
    *n = l;
}


/* ---- hashing helpers ---- */

static size_t pow2_at_least(size_t n)
{
    size_t c = 16;
    while (c < n)
        c <<= 1;
    return c;
}

/* Inserts h into a plain set of nonzero keys; returns 1 when it was present. */
static int set_insert64(uint64_t *set, size_t mask, uint64_t h)
{
    if (!h)
        h = 1;
    size_t i = (size_t)h & mask;
    while (set[i]) {
        if (set[i] == h)
            return 1;
        i = (i + 1) & mask;
    }
    set[i] = h;
    return 0;
}

/* Counts h; returns its count so far. */
static uint32_t count_insert(rf_htab *t, uint64_t h)
{
    int fresh;
    rf_hslot *e = rf_htab_get(t, h, &fresh);
    return fresh ? (e->cnt = 1) : ++e->cnt;
}

/* Inserts h into the set t; returns 1 when it was present. */
static int set_insert(rf_htab *t, uint64_t h)
{
    return count_insert(t, h) > 1;
}

/* Hash of a line from the hashes of its words: lines that differ only in
 * spacing, ASCII case or punctuation at word ends are the same line. */
static uint64_t line_hash(const uint64_t *wh, size_t nw)
{
    uint64_t h = 0x2545F4914F6CDD1Dull ^ nw;
    for (size_t i = 0; i < nw; i++)
        h = (h ^ wh[i]) * 0x9E3779B97F4A7C15ull + (h >> 29);
    return h | 1;
}


/* ---- lexicon ---- */

static int ascii_alpha(unsigned char c)
{
    return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

/* Lexicon matching state of one line. */
typedef struct lex_state {
    rf_spam_result *r;
    size_t *distinct; /* per category: distinct terms + (distinct strong terms << 8) */
    size_t until;     /* a match must start here or later (no overlaps) */
    int trig;         /* a boilerplate trigger occurred */
} lex_state;

/* Walks the trie from u[i]: records triggers, and counts the longest spam
 * term that starts at i (ASCII terms must end a word). */
static void lex_at(const rf_spam *s, rf_spam_scratch *sc, const unsigned char *u, size_t n, size_t i,
                   lex_state *lx)
{
    const trie_node *tr = s->trie;
    const unsigned char *lo = s->lower;
    int32_t node = 0, best = -1;
    size_t best_end = 0;
    for (size_t j = i; j < n; j++) {
        node = tr[node].next[lo[u[j]]];
        if (!node)
            break;
        int32_t id = tr[node].term;
        if (id < 0)
            continue;
        const lex_term *lt = &lexicon[id];
        if (lt->cat == TRIG) {
            lx->trig = 1;
            continue;
        }
        if (!(s->end_alpha[id] && j + 1 < n && ascii_alpha(u[j + 1]))) {
            best = id;
            best_end = j + 1;
        }
    }
    if (best < 0 || i < lx->until)
        return;
    const lex_term *lt = &lexicon[best];
    lx->r->lex[lt->cat] += lt->strong ? 1.0 : 0.5;
    if (!sc->term_seen[best]) {
        sc->term_seen[best] = 1;
        lx->distinct[lt->cat] += ((size_t)lt->strong << 8) + 1;
    }
    lx->until = best_end;
}

/* Is u[i] a place where a term can start? ASCII terms start words; Korean
 * terms start at any syllable that begins one; ⓒ/© triggers anywhere. */
static inline int lex_candidate(const rf_spam *s, const unsigned char *u, size_t n, size_t i)
{
    unsigned c0 = s->lower[u[i]];
    if (c0 >= 0xEA && c0 <= 0xED) {
        if (i + 2 >= n)
            return 0;
        uint32_t cp = ((c0 & 0x0Fu) << 12) | ((u[i + 1] & 0x3Fu) << 6) | (u[i + 2] & 0x3Fu);
        if (cp < 0xAC00 || cp > 0xD7A3 || !(s->syl[(cp - 0xAC00) >> 6] >> ((cp - 0xAC00) & 63) & 1))
            return 0;
        /* The first two syllables (terms have at least two). */
        size_t k = i + 3;
        uint32_t cp2 = k < n ? rf_next_cp((const char *)u, n, &k) : 0;
        unsigned h = prefix_hash(cp, cp2);
        return (int)(s->pre3[h >> 6] >> (h & 63) & 1);
    }
    if ((c0 & 0xC0) == 0x80 || i + 1 >= n || (c0 < 0x80 && i > 0 && ascii_alpha(u[i - 1])))
        return 0;
    unsigned bg = c0 << 8 | s->lower[u[i + 1]];
    unsigned f2 = (unsigned)(s->first2[bg >> 6] >> (bg & 63) & 1);
    if (c0 >= 0x80)
        return (int)f2;
    if (i + 2 >= n)
        return 0;
    /* Both bitmaps, then one branch: the first alone passes at many word
     * starts and mispredicts. */
    unsigned h = prefix_hash(bg << 8 | s->lower[u[i + 2]], 0);
    return (int)(f2 & (unsigned)(s->pre3[h >> 6] >> (h & 63) & 1));
}

/* Source code repeats lines (declarations, #if blocks), links to
 * references in comments and uses '|' freely: a line that ends in ';', '{'
 * or '}', starts a preprocessor directive, comment or definition, or is
 * indented by a tab or four spaces counts as code. */
static int code_line(const char *p, size_t n)
{
    size_t i = 0;
    if (n >= 4 && (p[0] == '\t' || memcmp(p, "    ", 4) == 0))
        return 1;
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
        n--;
    while (i < n && (p[i] == ' ' || p[i] == '\t'))
        i++;
    if (i >= n)
        return 0;
    char last = p[n - 1];
    if (last == ';' || last == '{' || last == '}')
        return 1;
    static const struct {
        const char *s;
        size_t n;
    } starts_with[] = {{"#include", 8}, {"#define", 7}, {"#if", 3}, {"#endif", 6}, {"#else", 5},
                       {"//", 2},       {"/*", 2},      {"def ", 4}, {"class ", 6}, {"import ", 7},
                       {"from ", 5},    {"return", 6},  {"fn ", 3},  {"use ", 4},   {"pub ", 4},
                       {"static ", 7}};
    /* The first byte rules out most prefixes without a memcmp call. */
    for (size_t w = 0; w < sizeof starts_with / sizeof starts_with[0]; w++)
        if (p[i] == starts_with[w].s[0] && n - i >= starts_with[w].n &&
            memcmp(p + i, starts_with[w].s, starts_with[w].n) == 0)
            return 1;
    return 0;
}

/* ---- the check ---- */

static void grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (*cap >= need)
        return;
    size_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    *p = rf_xrealloc(*p, c * elem);
    *cap = c;
}

static void features_wh(const rf_spam *s, const char *p, size_t n, line_feat *f,
                        rf_spam_scratch *sc, int words, lex_state *lx)
{
    memset(f, 0, sizeof *f);
    f->bytes = n;
    const unsigned char *u = (const unsigned char *)p;
    size_t i = 0;
    while (i < n) {
        size_t sl = space_len(u + i, n - i);
        if (sl) {
            i += sl;
            continue;
        }
        size_t ts = i;
        int prev_alpha = 0;
        /* The word hash is computed on the way: lower-cased letters, digits,
         * '#' and every non-ASCII byte; other ASCII punctuation is skipped
         * ("Home," and "home" are one word). Runs of ASCII letters and of
         * 3-byte characters that cannot be spaces or invisible characters
         * (U+4000-U+EFFF: CJK, Hangul) take the short paths below. */
        uint64_t h = 0;
        size_t hashed = 0, chars = 0;
        while (i < n) {
            unsigned char c = u[i];
            if (c < 0x80) {
                unsigned cl = s->cls[c];
                if (cl & CL_SPACE)
                    break;
                chars++;
                f->seps += (cl & CL_SEP) != 0;
                if (cl & CL_HASH) {
                    h = ((h << 7) | (h >> 57)) ^ s->lower[c];
                    hashed++;
                }
                /* Only word starts can start an ASCII term. */
                if (!prev_alpha && lex_candidate(s, u, n, i))
                    lex_at(s, sc, u, n, i, lx);
                i++;
                prev_alpha = (cl & CL_ALPHA) != 0;
                if (prev_alpha) {
                    /* The rest of a run of letters: no term can start in it. */
                    size_t r = i;
                    while (r < n && (s->cls[u[r]] & CL_ALPHA)) {
                        h = ((h << 7) | (h >> 57)) ^ (u[r] | 0x20u);
                        r++;
                    }
                    chars += r - i;
                    hashed += r - i;
                    i = r;
                }
                continue;
            }
            prev_alpha = 0;
            if (c >= 0xE4 && c <= 0xEE && i + 3 <= n) {
                /* Never a space or an invisible character. A Hangul
                 * syllable starts a term only where the six bytes of the
                 * term's first two syllables are (a cheaper test with one
                 * rarely taken branch; lex_at finds nothing where no term
                 * starts, so a necessary condition is enough). */
                if (c >= 0xEA && c <= 0xED && i + 6 <= n) {
                    /* One bitmap (terms and titles) in the common case. */
                    unsigned h6 = hash6(u + i);
                    if (bit(s->ko6title, h6)) {
                        f->title |= bit(s->title6, h6);
                        if (s->ko6_ok && bit(s->ko6, h6))
                            lex_at(s, sc, u, n, i, lx);
                    }
                    if (!s->ko6_ok && lex_candidate(s, u, n, i))
                        lex_at(s, sc, u, n, i, lx);
                } else if (lex_candidate(s, u, n, i)) {
                    lex_at(s, sc, u, n, i, lx);
                }
                chars++;
                /* = three steps of the byte rotation below */
                h = ((h << 21) | (h >> 43)) ^ ((uint64_t)c << 14) ^ ((uint64_t)u[i + 1] << 7) ^ u[i + 2];
                hashed++;
                i += 3;
                continue;
            }
            if ((c == 0xC2 || c == 0xE1 || c == 0xE2 || c == 0xE3) && space_len(u + i, n - i))
                break;
            if (lex_candidate(s, u, n, i))
                lex_at(s, sc, u, n, i, lx);
            size_t k = i;
            if (c == 0xF0 || s->inv_lead[c]) {
                uint32_t cp = rf_next_cp(p, n, &k);
                if (s->inv_lead[c] && (invisible(cp) || cp == 0x200C || cp == 0x200D))
                    sc->saw_invisible = 1;
                if (cp != 0xFE0F) {
                    chars++;
                    f->emoji += (size_t)is_emoji(cp);
                }
                /* Separators of menu_line; all start with an inv_lead byte. */
                f->seps += cp == 0xB7 || cp == 0x2022 || cp == 0xBB || cp == 0x203A || cp == 0x2192 ||
                           cp == 0x30FB || cp == 0xFF5C;
            } else {
                k += c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
                chars++;
            }
            if (k > n)
                k = n;
            for (size_t b = i; b < k; b++)
                h = ((h << 7) | (h >> 57)) ^ u[b];
            hashed++;
            i = k;
        }
        f->chars += chars;
        const char *tok = p + ts;
        size_t tl = i - ts;
        f->words++;
        f->tok_bytes += tl;
        if ((tok[0] == '#' && tl > 1 && tok[1] != '#') ||
            (tok[0] == '\xef' && starts(tok, tl, "\xef\xbc\x83") && tl > 3))
            f->hashtags++;
        if ((tok[0] == 'h' && (starts(tok, tl, "http://") || starts(tok, tl, "https://"))) ||
            (tok[0] == 'w' && starts(tok, tl, "www.")))
            f->url_bytes += tl;
        /* Markup such as <unk> or <br> is not a word. */
        if (words && hashed && !(tl > 2 && tok[0] == '<' && tok[tl - 1] == '>')) {
            h ^= hashed * 0x9E3779B97F4A7C15ull;
            h ^= h >> 31;
            h *= 0x7fb5d329728ea185ull;
            h ^= h >> 27;
            h *= 0x94D049BB133111EBull;
            h ^= h >> 31;
            h |= 1;
            {
                if (sc->nwh == sc->capwh) {
                    sc->capwh = sc->capwh ? 2 * sc->capwh : 256;
                    sc->wh = rf_xrealloc(sc->wh, sc->capwh * sizeof *sc->wh);
                }
                sc->wh[sc->nwh++] = h;
            }
        }
    }
}

/* The whole check of a text without invisible characters (r->invisible
 * already set); sc->saw_invisible tells the caller that the text had some
 * after all. */
static void check_text(const rf_spam *s, rf_spam_scratch *sc, const char *t, size_t n,
                       rf_spam_result *r, rf_buf *out)
{
    const rf_spam_config *c = &s->cfg;
    rf_buf_reset(out);

    /* Lines, cut once: their bounds, and the code-line share
     * (looks_like_code's rule, on the same lines). */
    int code_rule = c->code_share <= 1;
    size_t nl = 0, lines = 0, code = 0;
    for (size_t pos = 0;;) {
        const char *e = memchr(t + pos, '\n', n - pos);
        size_t end = e ? (size_t)(e - t) : n;
        if (nl == sc->capl) {
            size_t cap = sc->capl ? 2 * sc->capl : 64;
            sc->ls = rf_xrealloc(sc->ls, cap * sizeof *sc->ls);
            sc->le = rf_xrealloc(sc->le, cap * sizeof *sc->le);
            sc->kind = rf_xrealloc(sc->kind, cap * sizeof *sc->kind);
            sc->capl = cap;
        }
        sc->ls[nl] = pos;
        sc->le[nl] = end;
        nl++;
        if (code_rule) {
            size_t k = pos;
            while (k < end && (t[k] == ' ' || t[k] == '\t' || t[k] == '\r'))
                k++;
            if (k < end) {
                lines++;
                code += (size_t)code_line(t + pos, end - pos);
            }
        }
        if (!e)
            break;
        pos = end + 1;
    }
    grow((void **)&sc->lw, &sc->caplw, nl + 1, sizeof *sc->lw);
    sc->nwh = 0;
    rf_htab_reset(&sc->seen, nl);

    size_t distinct[RF_SPAM_NCAT] = {0};
    memset(sc->term_seen, 0, sizeof sc->term_seen);
    r->code = code_rule && lines >= 3 && (double)code >= c->code_share * (double)lines;
    for (size_t li = 0; li < nl; li++) {
        size_t pos = sc->ls[li], end = sc->le[li];
        sc->kind[li] = RF_SPAM_LINE_KEEP;
        sc->lw[li] = sc->nwh;
        const char *p = t + pos;
        size_t ln = end - pos;
        /* Indented lines (code, verse) repeat and use '|' for their own
         * reasons: only the boilerplate patterns apply to them. */
        int indented = ln >= 4 && (p[0] == '\t' || memcmp(p, "    ", 4) == 0);
        trim(&p, &ln);
        if (!ln)
            continue;
        r->lines++;
        line_feat f;
        lex_state lx = {r, distinct, 0, 0};
        features_wh(s, p, ln, &f, sc, 1, &lx);
        r->chars += f.chars;
        r->words += f.words;
        r->hashtags += f.hashtags;
        r->emoji += f.emoji;
        int k = r->code ? RF_SPAM_LINE_KEEP : line_kind(s, sc, p, ln, &f, lx.trig);
        if (indented && k == RF_SPAM_LINE_MENU)
            k = RF_SPAM_LINE_KEEP;
        if (k == RF_SPAM_LINE_KEEP && c->repeated && !indented && !r->code && f.chars >= c->min_repeat_chars &&
            set_insert(&sc->seen, line_hash(sc->wh + sc->lw[li], sc->nwh - sc->lw[li])))
            k = RF_SPAM_LINE_REPEATED;
        sc->kind[li] = (uint8_t)k;
        if (k) {
            r->removed[0]++;
            r->removed[k]++;
            r->removed_bytes += sc->le[li] - sc->ls[li] + (sc->le[li] < n);
        }
    }
    sc->lw[nl] = sc->nwh;

    /* Words of the kept lines (compacted in place, ranges only move left):
     * dominant word and repeated 3-grams. */
    size_t nw = 0;
    for (size_t li = 0; li < nl; li++) {
        if (sc->kind[li])
            continue;
        size_t a0 = sc->lw[li], a1 = sc->lw[li + 1];
        if (nw != a0)
            memmove(sc->wh + nw, sc->wh + a0, (a1 - a0) * sizeof *sc->wh);
        nw += a1 - a0;
    }
    if (nw >= c->min_words) {
        size_t cap = pow2_at_least(2 * nw);
        rf_htab_reset(&sc->wc, nw);
        uint32_t top = 0;
        for (size_t i = 0; i < nw; i++) {
            uint32_t k = count_insert(&sc->wc, sc->wh[i]);
            if (k > top)
                top = k;
        }
        r->dominant_share = (double)top / (double)nw;
        if (sc->capng < cap) {
            free(sc->ng);
            sc->ng = rf_xcalloc(cap, sizeof *sc->ng);
            sc->capng = cap;
        }
        memset(sc->ng, 0, cap * sizeof *sc->ng);
        size_t dup = 0;
        for (size_t i = 2; i < nw; i++) {
            uint64_t h = sc->wh[i - 2] * 0x9E3779B97F4A7C15ull ^ (sc->wh[i - 1] * 0xC2B2AE3D27D4EB4Full) ^
                         sc->wh[i];
            dup += (size_t)set_insert64(sc->ng, cap - 1, h);
        }
        r->dup_ngram_share = (double)dup / (double)(nw - 2);
    }


    /* Verdicts, most specific first. */
    size_t allchars = r->chars + r->invisible;
    if (r->invisible >= c->invisible_min &&
        (double)r->invisible >= c->invisible_share * (double)(allchars ? allchars : 1)) {
        r->reject = "invisible_stuffing";
        snprintf(r->detail, sizeof r->detail, "%zu invisible characters in %zu", r->invisible,
                 allchars);
    }
    for (int k = 0; k < RF_SPAM_NCAT && !r->reject; k++) {
        size_t words = r->words ? r->words : 1;
        if (r->lex[k] >= c->lexicon_min_hits && (distinct[k] & 0xFF) >= 2 && (distinct[k] >> 8) >= 1 &&
            r->lex[k] / (double)words >= c->lexicon_density) {
            static const char *const reasons[RF_SPAM_NCAT] = {"spam_gambling", "spam_adult",
                                                              "spam_loan", "spam_seo"};
            r->reject = reasons[k];
            snprintf(r->detail, sizeof r->detail, "%s lexicon: %.1f weighted hits in %zu words",
                     cat_names[k], r->lex[k], r->words);
        }
    }
    if (!r->reject && r->hashtags >= c->hashtag_min &&
        (double)r->hashtags >= c->hashtag_share * (double)(r->words ? r->words : 1)) {
        r->reject = "hashtag_flood";
        snprintf(r->detail, sizeof r->detail, "%zu hashtags in %zu words", r->hashtags, r->words);
    }
    if (!r->reject && r->emoji >= c->emoji_min &&
        (double)r->emoji >= c->emoji_share * (double)(r->chars ? r->chars : 1)) {
        r->reject = "emoji_flood";
        snprintf(r->detail, sizeof r->detail, "%zu emoji in %zu characters", r->emoji, r->chars);
    }
    if (!r->reject && !r->code && nw >= c->min_words && r->dominant_share >= c->dominant_word) {
        r->reject = "keyword_stuffing";
        snprintf(r->detail, sizeof r->detail, "most frequent word is %.0f%% of %zu words",
                 100 * r->dominant_share, nw);
    }
    if (!r->reject && !r->code && nw >= c->min_words && r->dup_ngram_share >= c->dup_ngram) {
        r->reject = "repeated_ngrams";
        snprintf(r->detail, sizeof r->detail, "%.0f%% of word 3-grams repeat",
                 100 * r->dup_ngram_share);
    }

    if (!r->removed[0] && !r->invisible)
        return;
    /* The edited text: kept lines joined by '\n', each byte-exact. */
    rf_buf_grow(out, n);
    int first = 1;
    size_t kept_chars = 0;
    for (size_t li = 0; li < nl; li++) {
        if (sc->kind[li])
            continue;
        if (!first)
            rf_buf_addc(out, '\n');
        first = 0;
        rf_buf_add(out, t + sc->ls[li], sc->le[li] - sc->ls[li]);
        size_t i = sc->ls[li];
        while (i < sc->le[li]) {
            uint32_t cp = rf_next_cp(t, sc->le[li], &i);
            kept_chars += !rf_is_space(cp);
        }
    }
    r->edited = 1;
    if (r->reject || !r->removed[0])
        return;
    size_t orig = n ? n : 1;
    if ((double)r->removed_bytes > c->max_removed * (double)orig) {
        r->reject = "mostly_boilerplate";
        snprintf(r->detail, sizeof r->detail, "%zu of %zu bytes removed (%zu lines)",
                 r->removed_bytes, n, r->removed[0]);
    } else if (kept_chars < c->min_chars) {
        r->reject = "too_short_after_removal";
        snprintf(r->detail, sizeof r->detail, "%zu characters left after removing %zu lines",
                 kept_chars, r->removed[0]);
    }
}

void rf_spam_check(const rf_spam *s, rf_spam_scratch *sc, const char *t, size_t n,
                   rf_spam_result *r, rf_buf *out)
{
    /* Invisible characters are rare: the line pass notices them on the way,
     * and only then is the text stripped and checked again. */
    memset(r, 0, sizeof *r);
    sc->saw_invisible = 0;
    check_text(s, sc, t, n, r, out);
    if (!sc->saw_invisible)
        return;
    size_t inv = strip_invisible(s->inv_lead, t, n, &sc->clean);
    if (!inv)
        return; /* only ZWJ/ZWNJ that belong where they are */
    memset(r, 0, sizeof *r);
    r->invisible = inv;
    check_text(s, sc, sc->clean.p, sc->clean.len, r, out);
}

/* 1 when pattern re matches subject (p, n) or could match a longer
 * subject that begins with it (PCRE2 partial matching). */
static int could_match(pcre2_code *re, pcre2_match_data *md, const char *p, size_t n, uint32_t opt)
{
    int rc = pcre2_match(re, (PCRE2_SPTR)p, n, 0, opt | PCRE2_PARTIAL_HARD, md, NULL);
    return rc >= 0 || rc == PCRE2_ERROR_PARTIAL;
}

static size_t put_utf8(char *b, uint32_t cp)
{
    if (cp < 0x80) {
        b[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        b[0] = (char)(0xC0 | cp >> 6);
        b[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        b[0] = (char)(0xE0 | cp >> 12);
        b[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    b[0] = (char)(0xF0 | cp >> 18);
    b[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    b[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    b[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

int rf_spam_selftest(const rf_spam *s, rf_err *err)
{
    int rc = 0;
    pcre2_code *alts = NULL, *head = NULL;
    pcre2_match_data *md = pcre2_match_data_create(4, NULL);
    int jit;
    /* START_ALTS, anchored where the subject starts, and behind the leading
     * PS* as pat_start has them. (BYLINE is let through by its title.) */
    alts = compile("(?:" START_ALTS ")", &jit, err);
    head = alts ? compile("^" PS "*(?:" START_ALTS ")", &jit, err) : NULL;
    if (!md || !head) {
        rc = md ? (err ? err->code : RF_EINTERNAL) : rf_errf(err, RF_ENOMEM, "out of memory");
        goto out;
    }
    char b[16];
    /* 1. A character start_may_match skips can begin no alternative. */
    for (uint32_t cp = 1; cp <= 0x10FFFF; cp++) {
        if ((cp >= 0xD800 && cp <= 0xDFFF) || (cp >= 0xAC00 && cp <= 0xD7A3)) /* syllables: 3. */
            continue;
        size_t l = put_utf8(b, cp);
        int skipped = cp < 0x80 ? !((s->cls[cp] & CL_HASH) && cp != '#') && cp != '[' && cp != '(' && cp != '<'
                                : !start_other(cp);
        if (skipped && could_match(alts, md, b, l, PCRE2_ANCHORED)) {
            rc = rf_errf(err, RF_EINTERNAL, "spam selftest: U+%04X can begin a boilerplate line", (unsigned)cp);
            goto out;
        }
    }
    /* 2. A line that starts with two ASCII characters, the first a letter
     * or digit, the way START_ALTS can begin (BYLINE cannot). */
    for (unsigned c0 = 1; c0 < 128; c0++) {
        if (!(s->cls[c0] & CL_HASH) || c0 == '#')
            continue;
        for (unsigned c1 = 1; c1 < 128; c1++) {
            b[0] = (char)c0;
            b[1] = (char)c1;
            if (could_match(head, md, b, 2, 0) && !start_may_match(s, b, 2, 0)) {
                rc = rf_errf(err, RF_EINTERNAL, "spam selftest: a line may start with '%c%c'", c0, c1);
                goto out;
            }
        }
    }
    /* 3. Hangul: a syllable that can begin START_ALTS followed by a
     * non-syllable, and by every syllable. */
    for (uint32_t c0 = 0xAC00; c0 <= 0xD7A3; c0++) {
        size_t l = put_utf8(b, c0);
        if (!could_match(head, md, b, l, 0))
            continue;
        b[l] = '\x01';
        if (!start_may_match(s, b, l + 1, 0)) {
            rc = rf_errf(err, RF_EINTERNAL, "spam selftest: a line may start with U+%04X", (unsigned)c0);
            goto out;
        }
        for (uint32_t c1 = 0xAC00; c1 <= 0xD7A3; c1++) {
            size_t l2 = l + put_utf8(b + l, c1);
            if (could_match(head, md, b, l2, 0) && !start_may_match(s, b, l2, 0)) {
                rc = rf_errf(err, RF_EINTERNAL, "spam selftest: a line may start with U+%04X U+%04X",
                             (unsigned)c0, (unsigned)c1);
                goto out;
            }
        }
    }
out:
    pcre2_code_free(alts);
    pcre2_code_free(head);
    pcre2_match_data_free(md);
    return rc;
}

int rf_spam_line_kind(const rf_spam *s, rf_spam_scratch *sc, const char *p, size_t n)
{
    trim(&p, &n);
    if (!n)
        return RF_SPAM_LINE_KEEP;
    line_feat f;
    rf_spam_result r;
    memset(&r, 0, sizeof r);
    size_t distinct[RF_SPAM_NCAT] = {0};
    memset(sc->term_seen, 0, sizeof sc->term_seen);
    lex_state lx = {&r, distinct, 0, 0};
    features_wh(s, p, n, &f, sc, 0, &lx);
    return line_kind(s, sc, p, n, &f, lx.trig);
}
