/* heuristic_words.c — word lists for the heuristic rules: whitespace tokens,
 * CJK characters, and an English tokenizer that reproduces spaCy's.
 *
 * The English tokenizer follows the algorithm of spaCy's Tokenizer (which
 * datatrove's split_into_words uses for English): cut the text at
 * whitespace; for each piece, repeatedly strip one prefix and one suffix
 * (punctuation, quotes, currency, units after numbers, "'s") until nothing
 * changes or the rest is a special case; split the core at infixes (hyphens
 * and slashes between letters, "..." , a period between a lower- and an
 * upper-case letter, commas between letters); keep URLs whole; emit prefixes,
 * core pieces and suffixes in order. The character classes and affix
 * alternatives are those of spaCy's English defaults, implemented as
 * predicates over code points rather than regular expressions; the special
 * cases (contractions such as "don't" → do + n't, abbreviations such as
 * "Mr.", "e.g.", times such as "10am") are generated from word lists written
 * here. What is not reproduced: spaCy's second special-case pass over
 * adjacent tokens (emoticons split across affixes), and its Unicode class
 * tables are approximated by Unicode general categories. tests/heuristic
 * measures the agreement with spaCy on real text. */
#define _POSIX_C_SOURCE 200809L
#include "filters/heuristic_words.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "stages/err.h"
#include "stages/text.h"
#include "stages/utf8.h"

/* ---- character predicates ---- */

int rf_hw_is_py_space(uint32_t cp)
{
    return rf_is_space(cp) || (cp >= 0x1C && cp <= 0x1F);
}

/* Python str.isspace() for one ASCII byte. */
static inline int ascii_py_space(unsigned char c)
{
    return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F);
}

static utf8proc_category_t cat_of(uint32_t cp)
{
    return utf8proc_category((utf8proc_int32_t)cp);
}

int rf_hw_is_alpha(uint32_t cp)
{
    if (cp < 0x80)
        return ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z');
    if ((cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0x4E00 && cp <= 0x9FFF))
        return 1;
    utf8proc_category_t c = cat_of(cp);
    return c == UTF8PROC_CATEGORY_LU || c == UTF8PROC_CATEGORY_LL || c == UTF8PROC_CATEGORY_LT ||
           c == UTF8PROC_CATEGORY_LM || c == UTF8PROC_CATEGORY_LO;
}

typedef struct cp_range {
    uint32_t lo, hi;
} cp_range;

static int in_ranges(const cp_range *r, size_t n, uint32_t cp)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cp < r[mid].lo)
            hi = mid;
        else if (cp > r[mid].hi)
            lo = mid + 1;
        else
            return 1;
    }
    return 0;
}

/* Unicode Sentence_Terminal characters, as the set datatrove uses for
 * "terminal punctuation" (FineWeb's line-ending rule) and, minus a few
 * additions of later Unicode versions, spaCy's sentencizer. */
static const cp_range sterm[] = {
    {0x21, 0x21},       {0x2E, 0x2E},       {0x3F, 0x3F},       {0x589, 0x589},
    {0x61D, 0x61F},     {0x6D4, 0x6D4},     {0x700, 0x702},     {0x7F9, 0x7F9},
    {0x837, 0x837},     {0x839, 0x839},     {0x83D, 0x83E},     {0x964, 0x965},
    {0x104A, 0x104B},   {0x1362, 0x1362},   {0x1367, 0x1368},   {0x166E, 0x166E},
    {0x1735, 0x1736},   {0x17D4, 0x17D6},   {0x17D9, 0x17DA},   {0x1803, 0x1803},
    {0x1809, 0x1809},   {0x1944, 0x1945},   {0x1AA8, 0x1AAB},   {0x1B5A, 0x1B5B},
    {0x1B5E, 0x1B5F},   {0x1B7D, 0x1B7E},   {0x1C3B, 0x1C3C},   {0x1C7E, 0x1C7F},
    {0x203C, 0x203D},   {0x2047, 0x2049},   {0x2E2E, 0x2E2E},   {0x2E3C, 0x2E3C},
    {0x2E53, 0x2E54},   {0x3002, 0x3002},   {0xA4FF, 0xA4FF},   {0xA60E, 0xA60F},
    {0xA6F3, 0xA6F3},   {0xA6F7, 0xA6F7},   {0xA876, 0xA877},   {0xA8CE, 0xA8CF},
    {0xA92F, 0xA92F},   {0xA9C8, 0xA9C9},   {0xAA5D, 0xAA5F},   {0xAAF0, 0xAAF1},
    {0xABEB, 0xABEB},   {0xFE52, 0xFE52},   {0xFE56, 0xFE57},   {0xFF01, 0xFF01},
    {0xFF0E, 0xFF0E},   {0xFF1F, 0xFF1F},   {0xFF61, 0xFF61},   {0x10A56, 0x10A57},
    {0x10F55, 0x10F59}, {0x10F86, 0x10F89}, {0x11047, 0x11048}, {0x110BE, 0x110C1},
    {0x11141, 0x11143}, {0x111C5, 0x111C6}, {0x111CD, 0x111CD}, {0x111DE, 0x111DF},
    {0x11238, 0x11239}, {0x1123B, 0x1123C}, {0x112A9, 0x112A9}, {0x1144B, 0x1144C},
    {0x115C2, 0x115C3}, {0x115C9, 0x115D7}, {0x11641, 0x11642}, {0x1173C, 0x1173E},
    {0x11944, 0x11944}, {0x11946, 0x11946}, {0x11A42, 0x11A43}, {0x11A9B, 0x11A9C},
    {0x11C41, 0x11C42}, {0x11EF7, 0x11EF8}, {0x11F43, 0x11F44}, {0x16A6E, 0x16A6F},
    {0x16AF5, 0x16AF5}, {0x16B37, 0x16B38}, {0x16B44, 0x16B44}, {0x16E98, 0x16E98},
    {0x1BC9F, 0x1BC9F}, {0x1DA88, 0x1DA88},
};

int rf_hw_is_sent_terminal(uint32_t cp)
{
    if (cp < 0x80)
        return cp == '!' || cp == '.' || cp == '?';
    return in_ranges(sterm, sizeof sterm / sizeof sterm[0], cp);
}

/* datatrove's PUNCTUATION_SET minus the sentence terminals above (checked
 * separately): ASCII punctuation and symbols, control characters other than
 * tab and newline, and a list of common typographic and CJK marks. */
static const cp_range dt_punct_extra[] = {
    {0xAB, 0xAB},     {0xB4, 0xB4},     {0xBB, 0xBB},     {0x2013, 0x2014}, {0x2019, 0x2019},
    {0x201C, 0x201E}, {0x2026, 0x2026}, {0x2236, 0x2236}, {0x2501, 0x2501}, {0x25BA, 0x25BA},
    {0x3001, 0x3001}, {0x3008, 0x300D}, {0x3010, 0x3011}, {0xFF05, 0xFF05}, {0xFF08, 0xFF09},
    {0xFF0C, 0xFF0C}, {0xFF11, 0xFF11}, {0xFF1A, 0xFF1B}, {0xFF5E, 0xFF5E},
};

int rf_hw_is_dt_punct(uint32_t cp)
{
    if (cp < 0x80) {
        if (cp == '\t' || cp == '\n')
            return 0;
        if (cp < 0x20 || cp == 0x7F)
            return 1;
        return !((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z') && !(cp >= '0' && cp <= '9') &&
               cp != ' ';
    }
    if (cp <= 0x9F)
        return 1;
    return in_ranges(dt_punct_extra, sizeof dt_punct_extra / sizeof dt_punct_extra[0], cp) ||
           rf_hw_is_sent_terminal(cp);
}

/* ---- spaCy's English character classes ---- */

static int sp_digit(uint32_t c) { return c >= '0' && c <= '9'; }

/* spaCy's ALPHA class: the Latin, Greek and Cyrillic letters it lists plus
 * the "uncased" scripts (Hebrew, Arabic, Indic, Ethiopic, Hangul, Kana, and
 * the whole CJK blocks, punctuation included). Hangul compatibility jamo
 * (ㅋ, ㅠ) are not in it. */
static const cp_range sp_alpha_tab[] = {
    {0x41, 0x5A}, {0x61, 0x7A}, {0xC0, 0xD6}, {0xD8, 0xF6}, {0xF8, 0x1BF}, {0x1C4, 0x2AF}, {0x386, 0x386}, {0x388, 0x38A}, {0x38C, 0x38C}, {0x38E, 0x38F}, {0x391, 0x3A9}, {0x3AC, 0x3AF}, {0x3B1, 0x3C9}, {0x3CC, 0x3CE}, {0x400, 0x401}, {0x403, 0x40A}, {0x40C, 0x40D}, {0x410, 0x451}, {0x453, 0x45A}, {0x45C, 0x45D}, {0x490, 0x491}, {0x496, 0x497}, {0x4A2, 0x4A3}, {0x4AE, 0x4AF}, {0x4BA, 0x4BB}, {0x4D8, 0x4D9}, {0x4E8, 0x4E9}, {0x591, 0x5F4}, {0x620, 0x64A}, {0x66E, 0x6D5}, {0x6E5, 0x6FF}, {0x750, 0x77F}, {0x8A0, 0x8BD}, {0x900, 0x9FF}, {0xB80, 0xCFF}, {0xD80, 0xDFF}, {0x1100, 0x137F}, {0x1D00, 0x1D25}, {0x1D6B, 0x1D77}, {0x1D79, 0x1D9A}, {0x1E00, 0x1EFF}, {0x2C60, 0x2C7B}, {0x2C7E, 0x2C7F}, {0x2E80, 0x2FDF}, {0x2FF0, 0x30FF}, {0x31C0, 0x31EF}, {0x3200, 0x4DBF}, {0x4E00, 0x9FFF}, {0xA722, 0xA76F}, {0xA771, 0xA787}, {0xA78B, 0xA78E}, {0xA790, 0xA7B9}, {0xA7FA, 0xA7FA}, {0xAB30, 0xAB5A}, {0xAB60, 0xAB64}, {0xAC00, 0xD7AF}, {0xF900, 0xFAFF}, {0xFB1D, 0xFBB1}, {0xFBD3, 0xFD3D}, {0xFD50, 0xFDC7}, {0xFDF0, 0xFDFB}, {0xFE30, 0xFE4F}, {0xFE70, 0xFEFC}, {0xFF21, 0xFF3A}, {0xFF41, 0xFF5A}, {0x1EE00, 0x1EEBB}, {0x1F200, 0x1F2FF}, {0x20000, 0x2A6DF}, {0x2A700, 0x2EBEF}, {0x2F800, 0x2FA1F}
};

static int sp_alpha(uint32_t c)
{
    if (c < 0x80)
        return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
    return in_ranges(sp_alpha_tab, sizeof sp_alpha_tab / sizeof sp_alpha_tab[0], c);
}

/* ALPHA_LOWER / ALPHA_UPPER: the letters of ALPHA of that case plus every
 * uncased one (in both). */
static int sp_lower(uint32_t c)
{
    if (c < 0x80)
        return c >= 'a' && c <= 'z';
    if (!sp_alpha(c))
        return 0;
    utf8proc_category_t k = cat_of(c);
    return k != UTF8PROC_CATEGORY_LU && k != UTF8PROC_CATEGORY_LT;
}

static int sp_upper(uint32_t c)
{
    if (c < 0x80)
        return c >= 'A' && c <= 'Z';
    if (!sp_alpha(c))
        return 0;
    return cat_of(c) != UTF8PROC_CATEGORY_LL;
}

/* LIST_PUNCT (single characters). */
static int sp_punct(uint32_t c)
{
    if (c < 0x80) {
        switch (c) {
        case ',': case ':': case ';': case '!': case '?': case '(': case ')': case '[': case ']':
        case '{': case '}': case '<': case '>': case '_': case '#': case '*': case '&':
            return 1;
        default:
            return 0;
        }
    }
    switch (c) {
    case 0x2026: case 0xBF: case 0x61F: case 0xA1: case 0x3002: case 0xFF1F: case 0xFF01:
    case 0xFF0C: case 0x3001: case 0xFF1B: case 0xFF1A: case 0xFF5E: case 0xB7: case 0x964:
    case 0x60C: case 0x6D4: case 0x61B: case 0x66A:
        return 1;
    default:
        return 0;
    }
}

/* LIST_QUOTES. */
static int sp_quote(uint32_t c)
{
    if (c < 0x80)
        return c == '\'' || c == '"' || c == '`' || c == ',';
    switch (c) {
    case 0x201D: case 0x201C: case 0x2018: case 0xB4: case 0x2019: case 0x201A: case 0x201E:
    case 0xBB: case 0xAB: case 0x300C: case 0x300D: case 0x300E: case 0x300F: case 0xFF08:
    case 0xFF09: case 0x3014: case 0x3015: case 0x3010: case 0x3011: case 0x300A: case 0x300B:
    case 0x3008: case 0x3009: case 0x2329: case 0x232A: case 0x27E6: case 0x27E7:
        return 1;
    default:
        return 0;
    }
}

/* LIST_ICONS: "other symbols" (general category So). */
static int sp_icon(uint32_t c)
{
    if (c < 0xA6)
        return 0;
    return cat_of(c) == UTF8PROC_CATEGORY_SO;
}

/* Single-character currency symbols of LIST_CURRENCY. */
static int sp_currency1(uint32_t c)
{
    return c == '$' || c == 0xA3 || c == 0x20AC || c == 0xA5 || c == 0xE3F || c == 0xFDFC ||
           (c >= 0x20A0 && c <= 0x20BF);
}

/* Characters that may precede a suffix period: digits, lower-case letters,
 * "%²-+", LIST_PUNCT characters (and the '|' of the joined class), the
 * characters "(?:)" of the non-capturing group spaCy writes inside the
 * class, and quotes. */
static int sp_before_period(uint32_t c)
{
    if (sp_digit(c) || sp_lower(c) || sp_punct(c) || sp_quote(c))
        return 1;
    return c == '%' || c == 0xB2 || c == '-' || c == '+' || c == '|' || c == '(' || c == '?' ||
           c == ':' || c == ')';
}

/* ---- special cases ---- */

typedef struct special {
    char *s;
    uint16_t len;
    uint8_t npieces;
    uint8_t piece[3]; /* byte lengths */
    /* How the affix rules alone cut the string; npat >= 2 means the
     * second pass may re-join it from adjacent tokens. */
    uint8_t npat;
    uint8_t pat[6];
} special;

static special *spec_tab;
static size_t spec_cap; /* power of two */
static int spec_building; /* set while spec_build cuts specials without them */
/* A bit per hash of (length, first, middle and last byte) that some special
 * case has: almost every piece is ruled out without hashing it whole (the
 * length and first byte alone let common short words through: "do", "he"). */
static uint64_t spec_seen[1024];
static pthread_once_t spec_once = PTHREAD_ONCE_INIT;

static inline unsigned spec_key(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    uint32_t k = (uint32_t)n | (uint32_t)u[0] << 8 | (uint32_t)u[n >> 1] << 16 |
                 (uint32_t)u[n - 1] << 24;
    return (k * 0x9E3779B1u) >> 16;
}

static uint64_t fnv(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static void spec_add(const char *a, const char *b, const char *c)
{
    char buf[64];
    size_t la = strlen(a), lb = b ? strlen(b) : 0, lc = c ? strlen(c) : 0;
    if (la + lb + lc >= sizeof buf)
        return;
    memcpy(buf, a, la);
    if (b)
        memcpy(buf + la, b, lb);
    if (c)
        memcpy(buf + la + lb, c, lc);
    size_t n = la + lb + lc;
    if (n >= 1 && n <= 40) {
        unsigned k = spec_key(buf, n);
        spec_seen[k >> 6] |= 1ull << (k & 63);
    }
    uint64_t h = fnv(buf, n);
    for (size_t i = h & (spec_cap - 1);; i = (i + 1) & (spec_cap - 1)) {
        special *e = &spec_tab[i];
        if (!e->s) {
            e->s = rf_xstrndup(buf, n);
            e->len = (uint16_t)n;
            e->npieces = (uint8_t)(1 + (b != NULL) + (c != NULL));
            e->piece[0] = (uint8_t)la;
            e->piece[1] = (uint8_t)lb;
            e->piece[2] = (uint8_t)lc;
            return;
        }
        if (e->len == n && !memcmp(e->s, buf, n))
            return; /* first definition wins */
    }
}

/* Adds the lower-case form and the capitalised form (first ASCII letter
 * upper-cased) of a special case. */
static void spec_add_cased(const char *a, const char *b, const char *c)
{
    spec_add(a, b, c);
    if (a[0] >= 'a' && a[0] <= 'z') {
        char cap[32];
        size_t l = strlen(a);
        if (l < sizeof cap) {
            memcpy(cap, a, l + 1);
            cap[0] = (char)(cap[0] - 32);
            spec_add(cap, b, c);
        }
    }
}

static void en_piece(rf_hwords *w, const char *text, size_t off, size_t len);
static void units_build(void);
static void push_word(rf_hwords *w, const char *base, size_t off, size_t len);

static void spec_build(void)
{
    units_build();
    spec_cap = 4096;
    spec_tab = rf_xcalloc(spec_cap, sizeof *spec_tab);
    static const char *const apos[] = {"'", "\xe2\x80\x99"}; /* ' and ’ */

    /* Negated auxiliaries: don't → do + n't (also with ’ and without the
     * apostrophe: dont → do + nt). can't and won't split as ca/wo + n't. */
    static const char *const neg[] = {"ai",    "are",   "ca",   "could", "dare", "did",
                                      "does",  "do",    "had",  "has",   "have", "is",
                                      "might", "must",  "need", "sha",   "should", "was",
                                      "were",  "wo",    "would", "may",  "ought"};
    for (size_t i = 0; i < sizeof neg / sizeof neg[0]; i++) {
        spec_add_cased(neg[i], "n't", NULL);
        spec_add_cased(neg[i], "n\xe2\x80\x99t", NULL);
        spec_add_cased(neg[i], "nt", NULL);
    }
    /* Modal + have: would've → would + 've. */
    static const char *const modal[] = {"could", "might", "must", "should", "would"};
    for (size_t i = 0; i < sizeof modal / sizeof modal[0]; i++) {
        for (size_t a = 0; a < 2; a++) {
            char suf[8];
            strcpy(suf, apos[a]);
            strcat(suf, "ve");
            spec_add_cased(modal[i], suf, NULL);
        }
        spec_add_cased(modal[i], "ve", NULL);
    }
    /* Pronoun contractions: I'm, you're, she'll, they've, ... The
     * apostrophe-less forms are added only where they are not ordinary words
     * (no "ill", "well", "were", "hell", "shell", "shed", "its"). */
    static const struct {
        const char *w;
        const char *sufs;  /* suffixes taking an apostrophe, space-separated */
        const char *bare;  /* suffixes also written without one */
    } pron[] = {
        {"i", "m d ll ve", "m d ve"},
        {"you", "re d ll ve", "re d ll ve"},
        {"he", "d ll s", "d s"},
        {"she", "d ll s", "s"},
        {"it", "d ll s", "d ll"},
        {"we", "re d ll ve", "d ve"},
        {"they", "re d ll ve", "re d ll ve"},
        {"that", "s d ll re ve", "s"},
        {"there", "s d ll re ve", "s"},
        {"these", "d ll re ve", ""},
        {"those", "d ll re ve", ""},
        {"this", "s d ll", ""},
        {"what", "s d ll re ve", "s"},
        {"who", "s d ll re ve", "s"},
        {"where", "s d ll re ve", ""},
        {"when", "s d ll re ve", ""},
        {"why", "s d ll re ve", ""},
        {"how", "s d ll re ve", ""},
    };
    for (size_t i = 0; i < sizeof pron / sizeof pron[0]; i++) {
        char sufs[64];
        strcpy(sufs, pron[i].sufs);
        for (char *tok = strtok(sufs, " "); tok; tok = strtok(NULL, " ")) {
            for (size_t a = 0; a < 2; a++) {
                char suf[12];
                strcpy(suf, apos[a]);
                strcat(suf, tok);
                if (!strcmp(pron[i].w, "i")) {
                    spec_add("i", suf, NULL);
                    spec_add("I", suf, NULL);
                } else {
                    spec_add_cased(pron[i].w, suf, NULL);
                }
            }
        }
        strcpy(sufs, pron[i].bare);
        for (char *tok = strtok(sufs, " "); tok; tok = strtok(NULL, " ")) {
            if (!strcmp(pron[i].w, "i")) {
                spec_add("i", tok, NULL);
                spec_add("I", tok, NULL);
            } else {
                spec_add_cased(pron[i].w, tok, NULL);
            }
        }
    }
    spec_add_cased("can", "not", NULL);
    spec_add_cased("gon", "na", NULL);
    spec_add_cased("got", "ta", NULL);
    /* spaCy lists y'all and yall in lower case only: "Y'all" stays whole. */
    spec_add("y'", "all", NULL);
    spec_add("y\xe2\x80\x99", "all", NULL);
    spec_add("y", "all", NULL);
    spec_add_cased("how", "'d", "'y");
    spec_add_cased("not", "'ve", NULL);
    spec_add_cased("not", "ve", NULL);
    spec_add("C'm", "on", NULL);
    spec_add("c'm", "on", NULL);
    spec_add("I", "'m", "a");
    spec_add("I", "m", "a");
    spec_add_cased("let", "'s", NULL);
    spec_add_cased("let", "\xe2\x80\x99s", NULL);
    /* Times: 10am → 10 + am, 10a.m. → 10 + a.m. */
    for (int h = 1; h <= 12; h++) {
        char num[4];
        num[0] = (char)(h >= 10 ? '1' : '0' + h);
        num[1] = h >= 10 ? (char)('0' + h - 10) : '\0';
        num[2] = '\0';
        spec_add(num, "am", NULL);
        spec_add(num, "pm", NULL);
        spec_add(num, "a.m.", NULL);
        spec_add(num, "p.m.", NULL);
    }
    /* Abbreviations that keep their period, and words with inner
     * punctuation that stay one token. */
    static const char *const whole[] = {
        /* titles */
        "Mr.", "Mrs.", "Ms.", "Dr.", "Prof.", "Rev.", "Gen.", "Gov.", "Sen.", "Rep.", "Adm.",
        "Jr.", "St.", "Mt.", "Messrs.", "Ph.D.",
        /* months */
        "Jan.", "Feb.", "Mar.", "Apr.", "Jun.", "Jul.", "Aug.", "Sep.", "Sept.", "Oct.", "Nov.",
        "Dec.",
        /* companies */
        "Co.", "co.", "Corp.", "Inc.", "Ltd.", "Bros.",
        /* US states and places */
        "Ala.", "Ak.", "Ariz.", "Ark.", "Calif.", "Colo.", "Conn.", "Del.", "Fla.", "Ga.", "Ia.",
        "Id.", "Ill.", "Ind.", "Kan.", "Kans.", "Ky.", "La.", "Mass.", "Md.", "Mich.", "Minn.",
        "Miss.", "Mo.", "Mont.", "Neb.", "Nebr.", "Nev.", "Okla.", "Ore.", "Pa.", "Tenn.", "Va.",
        "Wash.", "Wis.", "D.C.", "N.C.", "N.D.", "N.H.", "N.J.", "N.M.", "N.Y.", "S.C.",
        /* Latin and other short forms */
        "e.g.", "E.g.", "E.G.", "i.e.", "I.e.", "I.E.", "a.m.", "p.m.", "vs.", "v.s.", "v.",
        "and/or", "w/o", "C++", "o'clock", "O'clock", "ma'am", "Ma'am", "'em", "'cause", "'bout",
        "'nuff", "'cos",
        /* clitics and dropped-letter forms that stay whole */
        "'s", "'S", "\xe2\x80\x99s", "\xe2\x80\x99S", "\xe2\x80\x98s", "\xe2\x80\x98S", "'d",
        "\xe2\x80\x99" "d", "'ll", "\xe2\x80\x99ll", "'re", "\xe2\x80\x99re", "''", "\xe2\x80\x99\xe2\x80\x99", "\xe2\x80\x99" "em", "'Cause", "'Cos",
        "'cos", "'Coz", "'coz", "'Cuz", "'cuz", "\xe2\x80\x99" "cause", "\xe2\x80\x99" "bout",
        "\xe2\x80\x99nuff", "goin'", "Goin'", "doin'", "Doin'", "havin'", "Havin'", "lovin'",
        "Lovin'", "nothin'", "Nothin'", "nuthin'", "Nuthin'", "somethin'", "Somethin'", "ol'",
        "Ol'", "ol\xe2\x80\x99", "Ol\xe2\x80\x99", "goin\xe2\x80\x99", "doin\xe2\x80\x99",
        "havin\xe2\x80\x99", "nothin\xe2\x80\x99", "o\xe2\x80\x99" "clock", "ma\xe2\x80\x99" "am",
        /* emoticons: affix splitting would break them up, and spaCy merges
         * them back even inside words ("(8)" gives "(" + "8)") */
        ":)", ":))", ":(", ":((", ":-)", ":-))", ":-(", ":-((", ";)", ";-)", ";D", ";-D", ":D",
        ":-D", ":P", ":-P", ":p", ":-p", ":O", ":-O", ":o", ":-o", ":0", ":-0", ":3", ":-3", ":/",
        ":-/", ":'(", ":')", ":x", ":X", ":-x", ":-X", ":*", ":-*", ":|", ":-|", ":}", ":-}", ":>",
        ":->", ":]", ":-]", ":1", "[:", "[-:", "(:", "(-:", "(;", "(-;", "(-8", "):", ")-:", "(=",
        "=(", "=)", "=[",
        "=]", "=|", "=/", "=D", "=3", "8)", "8-)", "8D", "8-D", "<3", "</3", "^_^", "-_-", "XD",
        "xD", "o.O", "O.o", "0.0", "o_O", "O_o", "o_o", "O_O", ">.<", "<.<", ">.>",
    };
    for (size_t i = 0; i < sizeof whole / sizeof whole[0]; i++)
        spec_add(whole[i], NULL, NULL);
    /* Initials: a. b. ... z. */
    for (char ch = 'a'; ch <= 'z'; ch++) {
        char s[3] = {ch, '.', '\0'};
        spec_add(s, NULL, NULL);
    }
    /* Cut every special case with the affix rules alone: those cut into
     * several tokens are the ones spaCy's matcher joins again. */
    rf_hwords tmp;
    rf_hwords_init(&tmp);
    spec_building = 1;
    for (size_t i = 0; i < spec_cap; i++) {
        special *e = &spec_tab[i];
        if (!e->s)
            continue;
        tmp.n = 0;
        en_piece(&tmp, e->s, 0, e->len);
        if (tmp.n >= 2 && tmp.n <= sizeof e->pat) {
            e->npat = (uint8_t)tmp.n;
            for (size_t k = 0; k < tmp.n; k++)
                e->pat[k] = (uint8_t)tmp.v[k].len;
        }
    }
    spec_building = 0;
    rf_hwords_release(&tmp);
}

static const special *spec_find(const char *s, size_t n)
{
    if (n == 0 || n > 40 || spec_building)
        return NULL;
    unsigned k = spec_key(s, n);
    if (!(spec_seen[k >> 6] >> (k & 63) & 1))
        return NULL;
    uint64_t h = fnv(s, n);
    for (size_t i = h & (spec_cap - 1);; i = (i + 1) & (spec_cap - 1)) {
        const special *e = &spec_tab[i];
        if (!e->s)
            return NULL;
        if (e->len == n && !memcmp(e->s, s, n))
            return e;
    }
}

/* ---- word list ---- */

void rf_hwords_init(rf_hwords *w)
{
    memset(w, 0, sizeof *w);
}

void rf_hwords_release(rf_hwords *w)
{
    if (!w)
        return;
    free(w->v);
    free(w->cp);
    free(w->boff);
    free(w->stk);
    memset(w, 0, sizeof *w);
}

/* Fills word slot `at` (which must exist) with (off, len) of base. */
static void push_word_at(rf_hwords *w, const char *base, size_t at, size_t off, size_t len);

static void push_word(rf_hwords *w, const char *base, size_t off, size_t len)
{
    if (w->n == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 256;
        w->v = rf_xrealloc(w->v, w->cap * sizeof *w->v);
    }
    push_word_at(w, base, w->n++, off, len);
}

/* RF_HW_* flags of an ASCII byte inside a word. */
static const uint8_t ascii_wflags[128] = {
    ['\t'] = RF_HW_NONSYM, ['\n'] = RF_HW_NONSYM,
    ['0'] = RF_HW_NONSYM, ['1'] = RF_HW_NONSYM, ['2'] = RF_HW_NONSYM, ['3'] = RF_HW_NONSYM,
    ['4'] = RF_HW_NONSYM, ['5'] = RF_HW_NONSYM, ['6'] = RF_HW_NONSYM, ['7'] = RF_HW_NONSYM,
    ['8'] = RF_HW_NONSYM, ['9'] = RF_HW_NONSYM,
#define L2(c) [c] = RF_HW_ALPHA | RF_HW_NONSYM, [c + 32] = RF_HW_ALPHA | RF_HW_NONSYM
    L2('A'), L2('B'), L2('C'), L2('D'), L2('E'), L2('F'), L2('G'), L2('H'), L2('I'), L2('J'),
    L2('K'), L2('L'), L2('M'), L2('N'), L2('O'), L2('P'), L2('Q'), L2('R'), L2('S'), L2('T'),
    L2('U'), L2('V'), L2('W'), L2('X'), L2('Y'), L2('Z'),
#undef L2
};

/* The RF_HW_* flags of the word (p, len). Most words settle both flags on
 * their first letter, so the scan stops there. */
static uint32_t word_flags(const unsigned char *p, size_t len)
{
    const uint32_t both = RF_HW_ALPHA | RF_HW_NONSYM;
    uint32_t flags = 0;
    size_t i = 0;
    while (i < len && flags != both) {
        unsigned char c = p[i];
        if (c < 0x80) {
            flags |= ascii_wflags[c];
            i++;
            continue;
        }
        /* Hangul syllables (U+AC00..U+D7A3: EA B0 80 .. ED 9E A3, byte
         * order being code point order) are letters. */
        if (i + 2 < len &&
            ((uint32_t)c << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2]) - 0xEAB080u <=
                0xED9EA3u - 0xEAB080u)
            return both;
        uint32_t cp = rf_next_cp((const char *)p, len, &i);
        if (rf_hw_is_alpha(cp))
            return both;
        if (!(flags & RF_HW_NONSYM) && !rf_hw_is_dt_punct(cp))
            flags |= RF_HW_NONSYM;
    }
    return flags;
}

/* word_flags with the answer for most words inline: a first character
 * that is an ASCII letter or a Hangul syllable sets both flags. */
static inline uint32_t word_flags_first(const unsigned char *p, size_t len)
{
    unsigned char c = p[0];
    if (c < 0x80) {
        if (ascii_wflags[c] == (RF_HW_ALPHA | RF_HW_NONSYM))
            return RF_HW_ALPHA | RF_HW_NONSYM;
    } else if (len >= 3 && ((uint32_t)c << 16 | (uint32_t)p[1] << 8 | p[2]) - 0xEAB080u <=
                               0xED9EA3u - 0xEAB080u) {
        return RF_HW_ALPHA | RF_HW_NONSYM;
    }
    return word_flags(p, len);
}

static void push_word_at(rf_hwords *w, const char *base, size_t at, size_t off, size_t len)
{
    rf_hword *h = &w->v[at];
    h->off = (uint32_t)off;
    h->len = (uint32_t)len;
    h->cps = (uint32_t)rf_utf8_count(base + off, len);
    h->flags = word_flags((const unsigned char *)base + off, len);
}

/* Emits the tokens of one whitespace-free piece [s, s+n) (bytes) of the
 * text at offset `off` under spaCy's English rules. With count_only the
 * words are counted in w->n without flags. */
static void grow_cp(rf_hwords *w, size_t n)
{
    if (n + 1 > w->ccap) {
        size_t c = w->ccap ? w->ccap : 64;
        while (c < n + 1)
            c *= 2;
        w->cp = rf_xrealloc(w->cp, c * sizeof *w->cp);
        w->boff = rf_xrealloc(w->boff, c * sizeof *w->boff);
        w->ccap = c;
    }
}

static void stk_push(rf_hwords *w, size_t *n, uint32_t v)
{
    if (*n == w->scap) {
        w->scap = w->scap ? w->scap * 2 : 64;
        w->stk = rf_xrealloc(w->stk, w->scap * sizeof *w->stk);
    }
    w->stk[(*n)++] = v;
}

typedef struct en_ctx {
    rf_hwords *w;
    const char *text; /* whole text (word offsets are relative to it) */
    size_t base;      /* byte offset of the piece in text */
    const uint32_t *cp;
    const uint32_t *boff; /* byte offset of cp[k] within the piece; boff[L] = piece length */
    size_t L;
} en_ctx;

static void emit(en_ctx *c, size_t lo, size_t hi)
{
    if (hi > lo)
        push_word(c->w, c->text, c->base + c->boff[lo], c->boff[hi] - c->boff[lo]);
}

static const special *special_at(const en_ctx *c, size_t lo, size_t hi)
{
    return spec_find(c->text + c->base + c->boff[lo], c->boff[hi] - c->boff[lo]);
}

static void emit_special(en_ctx *c, size_t lo, const special *sp)
{
    size_t off = c->base + c->boff[lo];
    for (int k = 0; k < sp->npieces; k++) {
        push_word(c->w, c->text, off, sp->piece[k]);
        off += sp->piece[k];
    }
}

static int starts_with(const en_ctx *c, size_t i, size_t hi, const uint32_t *s, size_t n)
{
    if (i + n > hi)
        return 0;
    for (size_t k = 0; k < n; k++)
        if (c->cp[i + k] != s[k])
            return 0;
    return 1;
}

/* Length of the prefix of cp[lo, hi), 0 if none. */
static size_t prefix_len(const en_ctx *c, size_t lo, size_t hi)
{
    const uint32_t *s = c->cp;
    uint32_t c0 = s[lo];
    if (c0 == 0xA7 || c0 == '%' || c0 == '=' || c0 == 0x2014 || c0 == 0x2013)
        return 1;
    if (c0 == '+')
        return (lo + 1 < hi && sp_digit(s[lo + 1])) ? 0 : 1;
    if (sp_punct(c0))
        return 1;
    if (c0 == '.') {
        size_t j = lo;
        while (j < hi && s[j] == '.')
            j++;
        return j - lo >= 2 ? j - lo : 0;
    }
    if (sp_quote(c0))
        return 1;
    static const uint32_t us[] = {'U', 'S', '$'}, cd[] = {'C', '$'}, ad[] = {'A', '$'};
    if (starts_with(c, lo, hi, us, 3))
        return 3;
    if (starts_with(c, lo, hi, cd, 2) || starts_with(c, lo, hi, ad, 2))
        return 2;
    if (sp_currency1(c0) || sp_icon(c0))
        return 1;
    return 0;
}

/* Units written after numbers (ASCII and the common Cyrillic ones), as
 * code points (decoded once, in spec_build). */
static const char *const unit_names[] = {
    "km", "km\xc2\xb2", "km\xc2\xb3", "m", "m\xc2\xb2", "m\xc2\xb3", "dm", "dm\xc2\xb2",
    "dm\xc2\xb3", "cm", "cm\xc2\xb2", "cm\xc2\xb3", "mm", "mm\xc2\xb2", "mm\xc2\xb3", "ha",
    "\xc2\xb5m", "nm", "yd", "in", "ft", "kg", "g", "mg", "\xc2\xb5g", "t", "lb", "oz", "m/s",
    "km/h", "kmh", "mph", "hPa", "Pa", "mbar", "mb", "MB", "kb", "KB", "gb", "GB", "tb", "TB",
    "T", "G", "M", "K", "%",
    "\xd0\xba\xd0\xbc", "\xd0\xbc", "\xd1\x81\xd0\xbc", "\xd0\xbc\xd0\xbc", "\xd0\xba\xd0\xb3",
    "\xd0\xb3", "\xd0\xbc\xd0\xb3",
};
enum { NUNITS = sizeof unit_names / sizeof unit_names[0] };
static uint32_t unit_cp[NUNITS][4];
static uint8_t unit_len[NUNITS];

static void units_build(void)
{
    for (size_t u = 0; u < NUNITS; u++) {
        const char *p = unit_names[u];
        size_t pl = strlen(p), i = 0, k = 0;
        while (i < pl && k < 4)
            unit_cp[u][k++] = rf_next_cp(p, pl, &i);
        unit_len[u] = (uint8_t)k;
    }
}

static int is_unit(const uint32_t *s, size_t n)
{
    for (size_t u = 0; u < NUNITS; u++) {
        if (unit_len[u] != n || unit_cp[u][0] != s[0])
            continue;
        size_t k = 1;
        while (k < n && unit_cp[u][k] == s[k])
            k++;
        if (k == n)
            return 1;
    }
    return 0;
}

/* Does the tail cp[p, hi) match one of the suffix alternatives? Look-behind
 * sees only cp[lo, p). */
static int suffix_at(const en_ctx *c, size_t lo, size_t p, size_t hi)
{
    const uint32_t *s = c->cp;
    size_t n = hi - p;
    uint32_t c0 = s[p];
    uint32_t b1 = p >= lo + 1 ? s[p - 1] : 0;
    uint32_t b2 = p >= lo + 2 ? s[p - 2] : 0;
    int digit_before = p >= lo + 1 && sp_digit(b1);
    if (n == 1) {
        if (sp_punct(c0) || sp_quote(c0) || sp_icon(c0) || c0 == 0x2014 || c0 == 0x2013)
            return 1;
        if (c0 == '+' && digit_before)
            return 1;
        if (c0 == '.') {
            if (p >= lo + 2 && b2 == 0xB0 &&
                (b1 == 'F' || b1 == 'f' || b1 == 'C' || b1 == 'c' || b1 == 'K' || b1 == 'k'))
                return 1;
            if (p >= lo + 1 && sp_before_period(b1))
                return 1;
            if (p >= lo + 2 && sp_upper(b1) && sp_upper(b2))
                return 1;
        }
    }
    if (n == 2 && c0 == 0x2026 && s[p + 1] == 0x2026)
        return 1;
    if (n == 2 && (c0 == '\'' || c0 == 0x2019) && (s[p + 1] == 's' || s[p + 1] == 'S'))
        return 1;
    if (n >= 2) {
        size_t k = p;
        while (k < hi && s[k] == '.')
            k++;
        if (k == hi)
            return 1;
    }
    if (digit_before) {
        if (n == 1 && sp_currency1(c0))
            return 1;
        static const uint32_t us[] = {'U', 'S', '$'}, cd[] = {'C', '$'}, ad[] = {'A', '$'};
        if ((n == 3 && starts_with(c, p, hi, us, 3)) ||
            (n == 2 && (starts_with(c, p, hi, cd, 2) || starts_with(c, p, hi, ad, 2))))
            return 1;
        if (n <= 4 && is_unit(s + p, n))
            return 1;
    }
    return 0;
}

/* Length of the suffix of cp[lo, hi): the leftmost start whose tail
 * matches, as a regex search for "(alt1$|alt2$|...)" finds it. */
static size_t suffix_len(const en_ctx *c, size_t lo, size_t hi)
{
    if (hi <= lo)
        return 0;
    const uint32_t *s = c->cp;
    /* A trailing run of two or more periods starts before any other
     * alternative could (the others are at most four characters and never
     * end in "..", except the single-period ones which start later). */
    if (hi - lo >= 2 && s[hi - 1] == '.' && s[hi - 2] == '.') {
        size_t k = hi - 2;
        while (k > lo && s[k - 1] == '.')
            k--;
        return hi - k;
    }
    size_t from = hi - lo > 4 ? hi - 4 : lo;
    for (size_t p = from; p < hi; p++)
        if (suffix_at(c, lo, p, hi))
            return hi - p;
    return 0;
}

/* Length of the infix match at i in cp[lo, hi), 0 if none. */
static size_t infix_at(const en_ctx *c, size_t lo, size_t i, size_t hi)
{
    const uint32_t *s = c->cp;
    uint32_t c0 = s[i];
    uint32_t prev = i > lo ? s[i - 1] : 0;
    int has_prev = i > lo;
    uint32_t next = i + 1 < hi ? s[i + 1] : 0;
    int has_next = i + 1 < hi;
    if (c0 == '.' && has_next && next == '.') {
        size_t j = i;
        while (j < hi && s[j] == '.')
            j++;
        return j - i;
    }
    if (c0 == 0x2026 || sp_icon(c0))
        return 1;
    if (has_prev && sp_digit(prev) && (c0 == '+' || c0 == '-' || c0 == '*' || c0 == '^') &&
        has_next && (sp_digit(next) || next == '-'))
        return 1;
    if (c0 == '.' && has_prev && (sp_lower(prev) || sp_quote(prev)) && has_next &&
        (sp_upper(next) || sp_quote(next)))
        return 1;
    if (c0 == ',' && has_prev && sp_alpha(prev) && has_next && sp_alpha(next))
        return 1;
    if (has_prev && (sp_alpha(prev) || sp_digit(prev))) {
        /* Hyphens, tried in spaCy's order: - – — -- --- —— ~ */
        static const uint32_t h1[] = {'-'}, h2[] = {0x2013}, h3[] = {0x2014}, h4[] = {'-', '-'},
                              h5[] = {'-', '-', '-'}, h6[] = {0x2014, 0x2014}, h7[] = {'~'};
        static const struct {
            const uint32_t *s;
            size_t n;
        } hy[] = {{h1, 1}, {h2, 1}, {h3, 1}, {h4, 2}, {h5, 3}, {h6, 2}, {h7, 1}};
        for (size_t k = 0; k < sizeof hy / sizeof hy[0]; k++)
            if (starts_with(c, i, hi, hy[k].s, hy[k].n) && i + hy[k].n < hi &&
                sp_alpha(s[i + hy[k].n]))
                return hy[k].n;
        if ((c0 == ':' || c0 == '<' || c0 == '>' || c0 == '=' || c0 == '/') && has_next &&
            sp_alpha(next))
            return 1;
    }
    return 0;
}

/* spaCy's URL_MATCH, simplified: optional scheme://, optional user@, then a
 * host of dot-separated labels ending in a lower-case top-level label of 2+
 * letters (or a dotted IPv4 address), optional :port, optional /path. */
static int url_label_char(uint32_t c)
{
    return (c < 0x80 && (((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || sp_digit(c))) ||
           (c >= 0xA1 && c <= 0xFFFF);
}

static int url_tld_char(uint32_t c)
{
    if (c < 0x80)
        return c >= 'a' && c <= 'z';
    return (c >= 0xDF && sp_lower(c)) || (c >= 0xFF41 && c <= 0xFF5A);
}

static int url_host(const uint32_t *s, size_t i, size_t hi, size_t *end)
{
    /* IPv4 */
    {
        size_t j = i;
        int parts = 0;
        while (parts < 4) {
            size_t d = j;
            unsigned v = 0;
            while (j < hi && sp_digit(s[j]) && j - d < 3)
                v = v * 10 + (s[j++] - '0');
            if (j == d || v > 255)
                break;
            parts++;
            if (parts < 4) {
                if (j < hi && s[j] == '.')
                    j++;
                else
                    break;
            }
        }
        if (parts == 4) {
            *end = j;
            return 1;
        }
    }
    size_t j = i, labels = 0, last_start = i;
    for (;;) {
        size_t st = j;
        while (j < hi && (url_label_char(s[j]) || s[j] == '_' || s[j] == '-'))
            j++;
        if (j == st)
            break;
        if (!url_label_char(s[st]) || !url_label_char(s[j - 1]))
            break;
        last_start = st;
        labels++;
        if (j < hi && s[j] == '.') {
            j++;
            continue;
        }
        break;
    }
    if (labels < 2 || (j > i && s[j - 1] == '.'))
        return 0;
    size_t tl = j - last_start;
    if (tl < 2 || tl > 63)
        return 0;
    for (size_t k = last_start; k < j; k++)
        if (!url_tld_char(s[k]))
            return 0;
    *end = j;
    return 1;
}

static int url_rest(const uint32_t *s, size_t j, size_t hi)
{
    if (j < hi && s[j] == ':') {
        size_t d = ++j;
        while (j < hi && sp_digit(s[j]))
            j++;
        if (j - d < 2 || j - d > 5)
            return 0;
    }
    if (j == hi)
        return 1;
    return s[j] == '/' || s[j] == '?' || s[j] == '#';
}

static int url_match(const en_ctx *c, size_t lo, size_t hi)
{
    const uint32_t *s = c->cp;
    size_t starts[3];
    size_t ns = 0;
    starts[ns++] = lo;
    /* scheme:// */
    for (size_t k = lo; k + 2 < hi; k++) {
        if (s[k] == ':' && s[k + 1] == '/' && s[k + 2] == '/') {
            if (k - lo >= 2) {
                int ok = 1;
                for (size_t q = lo; q < k; q++)
                    if (!(sp_alpha(s[q]) || sp_digit(s[q]) || s[q] == '+' || s[q] == '-' ||
                          s[q] == '.' || s[q] == '_'))
                        ok = 0;
                if (ok)
                    starts[ns++] = k + 3;
            }
            break;
        }
        if (!(sp_alpha(s[k]) || sp_digit(s[k]) || s[k] == '+' || s[k] == '-' || s[k] == '.' ||
              s[k] == '_'))
            break;
    }
    for (size_t t = 0; t < ns; t++) {
        size_t st = starts[t], end;
        if (url_host(s, st, hi, &end) && url_rest(s, end, hi))
            return 1;
        /* user@host */
        for (size_t k = st; k < hi; k++) {
            if (rf_hw_is_py_space(s[k]))
                break;
            if (s[k] == '@') {
                if (k > st && url_host(s, k + 1, hi, &end) && url_rest(s, end, hi))
                    return 1;
                break;
            }
        }
    }
    return 0;
}

/* The core of a piece after affixes: special case, URL, or infix split
 * (spaCy's _attach_tokens). */
static void attach_core(en_ctx *c, size_t lo, size_t hi)
{
    if (lo >= hi)
        return;
    const special *sp = special_at(c, lo, hi);
    if (sp) {
        emit_special(c, lo, sp);
        return;
    }
    /* Letters and digits only: no URL (a host has a '.') and no infix
     * (every infix has a symbol in it). */
    int alnum = 1, dot = 0;
    for (size_t k = lo; k < hi && alnum; k++) {
        uint32_t ch = c->cp[k];
        alnum = ch < 0x80 && (((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z') || sp_digit(ch));
    }
    if (alnum) {
        emit(c, lo, hi);
        return;
    }
    for (size_t k = lo; k < hi && !dot; k++)
        dot = c->cp[k] == '.';
    if (dot && url_match(c, lo, hi)) {
        emit(c, lo, hi);
        return;
    }
    size_t start = lo;
    size_t i = lo;
    while (i < hi) {
        size_t m = infix_at(c, lo, i, hi);
        if (!m) {
            i++;
            continue;
        }
        if (i == lo) { /* an infix at the very start does not split */
            i += m;
            continue;
        }
        if (i != start)
            emit(c, start, i);
        emit(c, i, i + m);
        start = i + m;
        i += m;
    }
    if (start < hi)
        emit(c, start, hi);
}

/* spaCy's second special-case pass: a special case whose text the affix
 * rules cut into several tokens is matched again over adjacent tokens of the
 * same piece and re-cut as the special case says (")" ":" → "):", "Mr" "."
 * → "Mr."). Longest match first, left to right. */
static void merge_specials(rf_hwords *w, const char *text, size_t first)
{
    size_t t = first;
    while (t < w->n) {
        size_t best_u = 0;
        const special *best = NULL;
        size_t umax = w->n - 1 < t + 6 ? w->n - 1 : t + 6;
        for (size_t u = umax + 1; u-- > t + 1;) {
            size_t off = w->v[t].off, len = w->v[u].off + w->v[u].len - off;
            const special *sp = spec_find(text + off, len);
            if (!sp || sp->npat != u - t + 1)
                continue;
            int match = 1;
            for (size_t k = 0; match && k <= u - t; k++)
                if (sp->pat[k] != w->v[t + k].len)
                    match = 0;
            if (!match)
                continue;
            best = sp;
            best_u = u;
            break;
        }
        if (!best) {
            t++;
            continue;
        }
        size_t old = best_u - t + 1, np = best->npieces;
        size_t tail = w->n - (best_u + 1);
        if (np > old && w->n + (np - old) > w->cap) {
            while (w->n + (np - old) > w->cap)
                w->cap *= 2;
            w->v = rf_xrealloc(w->v, w->cap * sizeof *w->v);
        }
        uint32_t off = w->v[t].off;
        memmove(&w->v[t + np], &w->v[best_u + 1], tail * sizeof *w->v);
        for (size_t k = 0; k < np; k++) {
            push_word_at(w, text, t + k, off, best->piece[k]);
            off += best->piece[k];
        }
        w->n = t + np + tail;
        t += np;
    }
}

static inline int ascii_alpha(unsigned char c)
{
    return (unsigned char)((c | 0x20) - 'a') < 26;
}

/* The punctuated shapes of English words that are common enough to matter
 * (a tenth of the pieces of English text: "word," "word." "(word" "word's"
 * "(word)"): P? L S? with L ASCII letters, P one of ( " ' and S one of
 * , : ; ! ? ) " ', a period after a lower-case letter, or 's. For them the
 * affix loop of en_piece can only do one thing: P is a prefix (LIST_PUNCT
 * or LIST_QUOTES), S the one suffix alternative that matches (no other
 * alternative matches a tail that starts with a letter or a string of
 * letters; a period after a lower-case letter is a suffix), L has neither,
 * and attach_core emits L whole (letters only). What can change that is a
 * special case among the strings the loop and merge_specials look up: the
 * whole piece, P+L, L+S and L. When none is special the tokens P, L, S are
 * pushed here, without decoding the piece to code points; otherwise, and
 * for any other piece, nothing is pushed and 0 returned. */
static int en_piece_affixed(rf_hwords *w, const char *text, size_t off, size_t len)
{
    const unsigned char *q = (const unsigned char *)text + off;
    size_t a = len && (q[0] == '(' || q[0] == '"' || q[0] == '\'') ? 1 : 0;
    size_t b = a;
    while (b < len && ascii_alpha(q[b]))
        b++;
    size_t sl = len - b;
    if (b == a || (a == 0 && sl == 0))
        return 0;
    if (sl == 1) {
        unsigned char c = q[b];
        if (!(c == ',' || c == ':' || c == ';' || c == '!' || c == '?' || c == ')' || c == '"' ||
              c == '\'' || (c == '.' && q[b - 1] >= 'a' && q[b - 1] <= 'z')))
            return 0;
    } else if (sl == 2) {
        if (q[b] != '\'' || (q[b + 1] != 's' && q[b + 1] != 'S'))
            return 0;
    } else if (sl != 0) {
        return 0;
    }
    const char *t = text + off;
    if (spec_find(t, len) || spec_find(t + a, b - a) ||
        (a && sl && (spec_find(t + a, len - a) || spec_find(t, b))))
        return 0;
    if (a)
        push_word(w, text, off, a);
    if (w->n == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 256;
        w->v = rf_xrealloc(w->v, w->cap * sizeof *w->v);
    }
    /* ASCII letters: one code point each, a letter. */
    w->v[w->n++] = (rf_hword){(uint32_t)(off + a), (uint32_t)(b - a), (uint32_t)(b - a),
                              RF_HW_ALPHA | RF_HW_NONSYM};
    if (sl)
        push_word(w, text, off + b, sl);
    return 1;
}

/* One whitespace-free piece (spaCy's _tokenize → _split_affixes). */
static void en_piece(rf_hwords *w, const char *text, size_t off, size_t len)
{
    /* Fast path: plain ASCII letters and digits, the common case, can only
     * be split by a special case (dont, cannot, 10am) or a unit suffix after
     * digits (10km). */
    const unsigned char *q = (const unsigned char *)text + off;
    int simple = 1, digits = 0;
    for (size_t k = 0; k < len; k++) {
        unsigned char ch = q[k];
        if ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z')
            continue;
        if (ch >= '0' && ch <= '9') {
            digits = 1;
            continue;
        }
        simple = 0;
        break;
    }
    if (simple && !digits) {
        const special *sp = spec_find(text + off, len);
        if (!sp) {
            /* ASCII letters: one code point each, a letter. */
            if (w->n == w->cap) {
                w->cap = w->cap ? w->cap * 2 : 256;
                w->v = rf_xrealloc(w->v, w->cap * sizeof *w->v);
            }
            w->v[w->n++] = (rf_hword){(uint32_t)off, (uint32_t)len, (uint32_t)len,
                                      RF_HW_ALPHA | RF_HW_NONSYM};
            return;
        }
        size_t o = off;
        for (int k = 0; k < sp->npieces; k++) {
            push_word(w, text, o, sp->piece[k]);
            o += sp->piece[k];
        }
        return;
    }
    if (!simple && en_piece_affixed(w, text, off, len))
        return;
    /* Decode to code points. */
    grow_cp(w, len);
    size_t L = 0, i = 0;
    const unsigned char *pc = (const unsigned char *)text + off;
    while (i < len) {
        w->boff[L] = (uint32_t)i;
        if (pc[i] < 0x80)
            w->cp[L++] = pc[i++];
        else
            w->cp[L++] = rf_next_cp(text + off, len, &i);
    }
    w->boff[L] = (uint32_t)len;
    en_ctx c = {w, text, off, w->cp, w->boff, L};
    size_t lo = 0, hi = L;
    /* The affix stack holds prefixes (tag 0) and suffixes (tag 1) as
     * packed (start, end, tag) triples. */
    size_t ns = 0;
    size_t last = (size_t)-1;
    const special *sp = NULL;
    while (lo < hi && hi - lo != last) {
        if ((sp = special_at(&c, lo, hi)) != NULL)
            break;
        last = hi - lo;
        size_t pre = prefix_len(&c, lo, hi);
        if (pre && lo + pre < hi && special_at(&c, lo + pre, hi)) {
            stk_push(w, &ns, (uint32_t)lo);
            stk_push(w, &ns, (uint32_t)(lo + pre));
            stk_push(w, &ns, 0);
            lo += pre;
            break;
        }
        size_t suf = suffix_len(&c, lo + pre, hi);
        if (suf && hi - suf > lo && special_at(&c, lo, hi - suf)) {
            stk_push(w, &ns, (uint32_t)(hi - suf));
            stk_push(w, &ns, (uint32_t)hi);
            stk_push(w, &ns, 1);
            hi -= suf;
            break;
        }
        if (pre && suf && pre + suf <= hi - lo) {
            stk_push(w, &ns, (uint32_t)lo);
            stk_push(w, &ns, (uint32_t)(lo + pre));
            stk_push(w, &ns, 0);
            stk_push(w, &ns, (uint32_t)(hi - suf));
            stk_push(w, &ns, (uint32_t)hi);
            stk_push(w, &ns, 1);
            lo += pre;
            hi -= suf;
        } else if (pre) {
            stk_push(w, &ns, (uint32_t)lo);
            stk_push(w, &ns, (uint32_t)(lo + pre));
            stk_push(w, &ns, 0);
            lo += pre;
        } else if (suf) {
            stk_push(w, &ns, (uint32_t)(hi - suf));
            stk_push(w, &ns, (uint32_t)hi);
            stk_push(w, &ns, 1);
            hi -= suf;
        }
    }
    /* Prefixes in order, the core, suffixes innermost first. */
    size_t first = w->n;
    for (size_t k = 0; k < ns; k += 3)
        if (w->stk[k + 2] == 0)
            emit(&c, w->stk[k], w->stk[k + 1]);
    attach_core(&c, lo, hi);
    for (size_t k = ns; k >= 3; k -= 3)
        if (w->stk[k - 1] == 1)
            emit(&c, w->stk[k - 3], w->stk[k - 2]);
    if (w->n - first >= 2)
        merge_specials(w, text, first);
}

/* Does (p, n) hold a byte 0x1C..0x1F? Python's str.split() cuts there,
 * the whitespace tokenizer does not. */
static int has_py_only_space(const char *p, size_t n)
{
    for (int c = 0x1C; c <= 0x1F; c++)
        if (memchr(p, c, n))
            return 1;
    return 0;
}

static void split_en(rf_hwords *w, const char *p, size_t n)
{
    if (!has_py_only_space(p, n)) {
        /* Then str.split()'s pieces are the whitespace tokens. */
        rf_tok_iter it;
        rf_tok_init(&it, p, n, 0);
        rf_tok_span sp[256];
        size_t k;
        while ((k = rf_tok_spans(&it, sp, sizeof sp / sizeof sp[0])) != 0)
            for (size_t j = 0; j < k; j++)
                en_piece(w, p, sp[j].off, sp[j].len);
        return;
    }
    size_t i = 0;
    while (i < n) {
        /* skip whitespace */
        while (i < n) {
            unsigned char ch = (unsigned char)p[i];
            if (ch < 0x80) {
                if (!ascii_py_space(ch))
                    break;
                i++;
                continue;
            }
            size_t k = i;
            uint32_t cp = rf_next_cp(p, n, &k);
            if (!rf_hw_is_py_space(cp))
                break;
            i = k;
        }
        if (i >= n)
            break;
        size_t st = i;
        while (i < n) {
            unsigned char ch = (unsigned char)p[i];
            if (ch < 0x80) {
                if (ascii_py_space(ch))
                    break;
                i++;
                continue;
            }
            size_t k = i;
            uint32_t cp = rf_next_cp(p, n, &k);
            if (rf_hw_is_py_space(cp))
                break;
            i = k;
        }
        en_piece(w, p, st, i - st);
    }
}

void rf_hwords_split(rf_hwords *w, const char *p, size_t n, rf_words_mode mode)
{
    pthread_once(&spec_once, spec_build);
    w->n = 0;
    if (mode == RF_WORDS_EN) {
        split_en(w, p, n);
        return;
    }
    rf_tok_iter it;
    rf_tok_init(&it, p, n, mode == RF_WORDS_CJK ? RF_TOK_CJK_CHARS : 0);
    rf_tok_span sp[256];
    size_t k;
    while ((k = rf_tok_spans(&it, sp, sizeof sp / sizeof sp[0])) != 0) {
        if (w->n + k > w->cap) {
            while (w->n + k > w->cap)
                w->cap = w->cap ? w->cap * 2 : 256;
            w->v = rf_xrealloc(w->v, w->cap * sizeof *w->v);
        }
        for (size_t j = 0; j < k; j++) {
            rf_hword *h = &w->v[w->n++];
            h->off = sp[j].off;
            h->len = sp[j].len;
            h->cps = sp[j].cps;
            h->flags = word_flags_first((const unsigned char *)p + sp[j].off, sp[j].len);
        }
    }
}

size_t rf_hwords_count(rf_hwords *w, const char *p, size_t n, rf_words_mode mode)
{
    rf_hwords_split(w, p, n, mode);
    return w->n;
}

/* Is every character of the word Unicode punctuation (P*)? spaCy's
 * is_punct. */
static int all_punct(const char *p, size_t n)
{
    size_t i = 0;
    if (n == 0)
        return 0;
    while (i < n) {
        uint32_t cp = rf_next_cp(p, n, &i);
        utf8proc_category_t k = cat_of(cp);
        if (!(k >= UTF8PROC_CATEGORY_PC && k <= UTF8PROC_CATEGORY_PO))
            return 0;
    }
    return 1;
}

static int single_sterm(const char *p, size_t n)
{
    size_t i = 0;
    if (n == 0)
        return 0;
    uint32_t cp = rf_next_cp(p, n, &i);
    return i == n && rf_hw_is_sent_terminal(cp);
}

size_t rf_hwords_sentences_of(const rf_hwords *w, size_t first, size_t last, const char *text)
{
    size_t sentences = 0;
    int seen_period = 0;
    for (size_t k = first; k < last; k++) {
        const rf_hword *t = &w->v[k];
        if (k > first) {
            /* The whitespace between two words is a token of its own unless
             * it is a single ' ' (or nothing: the same piece). */
            size_t g0 = w->v[k - 1].off + w->v[k - 1].len, g1 = t->off;
            if (g1 > g0 && !(g1 - g0 == 1 && text[g0] == ' ') && seen_period) {
                sentences++;
                seen_period = 0;
            }
        }
        const char *tp = text + t->off;
        int term = single_sterm(tp, t->len);
        if (k == first) {
            sentences = 1;
            seen_period = term;
        } else if (seen_period && !term && !all_punct(tp, t->len)) {
            sentences++;
            seen_period = 0;
        } else if (term) {
            seen_period = 1;
        }
    }
    return sentences;
}

size_t rf_hwords_sentences(rf_hwords *w, const char *p, size_t n, rf_words_mode mode)
{
    pthread_once(&spec_once, spec_build);
    if (mode == RF_WORDS_EN) {
        /* spaCy's tokens, plus the whitespace runs spaCy keeps as tokens
         * (every run but a single ' ' after a token): they are not
         * punctuation, so they can start a sentence. */
        size_t sentences = 0;
        int seen_period = 0, any = 0;
        size_t i = 0;
        while (i < n) {
            size_t st = i;
            while (i < n) {
                size_t k = i;
                uint32_t cp = rf_next_cp(p, n, &k);
                if (!rf_hw_is_py_space(cp))
                    break;
                i = k;
            }
            if (i > st) {
                int single_space = (i - st == 1 && p[st] == ' ' && st > 0);
                if (!single_space) {
                    if (!any) {
                        any = 1;
                        sentences = 1;
                    } else if (seen_period) {
                        sentences++;
                        seen_period = 0;
                    }
                }
            }
            if (i >= n)
                break;
            st = i;
            while (i < n) {
                size_t k = i;
                uint32_t cp = rf_next_cp(p, n, &k);
                if (rf_hw_is_py_space(cp))
                    break;
                i = k;
            }
            w->n = 0;
            en_piece(w, p, st, i - st);
            for (size_t t = 0; t < w->n; t++) {
                const char *tp = p + w->v[t].off;
                size_t tl = w->v[t].len;
                int term = single_sterm(tp, tl);
                if (!any) {
                    any = 1;
                    sentences = 1;
                    if (term)
                        seen_period = 1;
                    continue;
                }
                if (seen_period && !term && !all_punct(tp, tl)) {
                    sentences++;
                    seen_period = 0;
                } else if (term) {
                    seen_period = 1;
                }
            }
        }
        w->n = 0;
        return sentences;
    }
    /* Character level: a run of sentence terminals (with closing quotes or
     * brackets after it) ends a sentence when more non-punctuation text
     * follows. Hangul syllables take a byte-level path. */
    size_t sentences = 0;
    int seen_period = 0, any = 0;
    size_t i = 0;
    const unsigned char *q = (const unsigned char *)p;
    while (i < n) {
        unsigned char c = q[i];
        int term, punct;
        if (c < 0x80) {
            i++;
            if (c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F))
                continue;
            term = c == '.' || c == '!' || c == '?';
            punct = c && strchr("!\"#%&'()*,-./:;?@[\\]_{}", c) != NULL;
        } else if (i + 2 < n && ((c == 0xEB || c == 0xEC) || (c == 0xEA && q[i + 1] >= 0xB0) ||
                                 (c == 0xED && q[i + 1] <= 0x9D))) {
            i += 3;
            term = punct = 0;
        } else {
            uint32_t cp = rf_next_cp(p, n, &i);
            if (rf_hw_is_py_space(cp))
                continue;
            term = rf_hw_is_sent_terminal(cp) || cp == 0x2026;
            utf8proc_category_t k = cat_of(cp);
            punct = k >= UTF8PROC_CATEGORY_PC && k <= UTF8PROC_CATEGORY_PO;
        }
        if (!any) {
            any = 1;
            sentences = 1;
        } else if (seen_period && !term && !punct) {
            sentences++;
            seen_period = 0;
        }
        if (term)
            seen_period = 1;
    }
    return sentences;
}
