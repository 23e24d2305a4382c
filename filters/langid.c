/* langid.c — script shares and a rule-based language label.
 *
 * One pass over the text counts code points per script class (ASCII and
 * Hangul syllables take table/range fast paths; everything else goes through
 * rf_script_of). Letters are then weighted by how much text one character
 * carries — a Hangul syllable or a Han character holds about as much as three
 * Latin letters, a kana about two — so that Korean prose with English terms
 * ("Python의 list를 정렬하면") stays Korean while an English page quoting a
 * Korean name stays English. The heaviest script group decides: Hangul → ko;
 * Han/Kana → ja when kana make up at least 12% of them (Japanese prose is
 * 30-60% kana, Chinese has none), else zh; Latin → en when at least 15% of
 * its words are English function words (English prose: 40-50%; French,
 * German, Indonesian or code: well below), else latin-other; anything else is
 * other. The score is the winning group's share of the weighted letters,
 * scaled down for en when the function-word evidence is thin. */
#define _POSIX_C_SOURCE 200809L
#include "filters/langid.h"

#include <pthread.h>
#include <string.h>

static const char *const lang_names[RF_LANG_COUNT] = {"other", "latin-other", "en",
                                                      "ko",    "ja",          "zh"};

const char *rf_lang_name(rf_lang l)
{
    return (unsigned)l < RF_LANG_COUNT ? lang_names[l] : "other";
}

int rf_lang_parse(const char *s, size_t n, rf_lang *out)
{
    for (int i = 0; i < RF_LANG_COUNT; i++)
        if (strlen(lang_names[i]) == n && memcmp(lang_names[i], s, n) == 0) {
            *out = (rf_lang)i;
            return 0;
        }
    return -1;
}

/* English function words (closed-class words: articles, pronouns,
 * prepositions, conjunctions, auxiliaries), lower case, sorted for bsearch. */
static const char *const en_function_words[] = {
    "a",       "about", "above", "after",  "again", "against", "all",   "am",    "an",
    "and",     "any",   "are",   "as",     "at",    "be",      "because", "been", "before",
    "being",   "below", "between", "both",  "but",   "by",      "can",   "could", "did",
    "do",      "does",  "doing", "during", "each",  "few",     "for",   "from",  "further",
    "had",     "has",   "have",  "having", "he",    "her",     "here",  "hers",  "him",
    "his",     "how",   "i",     "if",     "in",    "into",    "is",    "it",    "its",
    "just",    "may",   "me",    "might",  "more",  "most",    "must",  "my",    "no",
    "nor",     "not",   "of",    "off",    "on",    "once",    "only",  "or",    "other",
    "our",     "out",   "over",  "own",    "same",  "shall",   "she",   "should", "so",
    "some",    "such",  "than",  "that",   "the",   "their",   "them",  "then",  "there",
    "these",   "they",  "this",  "those",  "through", "to",    "too",   "under", "until",
    "up",      "us",    "very",  "was",    "we",    "were",    "what",  "when",  "where",
    "which",   "while", "who",   "whom",   "why",   "will",    "with",  "would", "you",
    "your",
};

/* The words above packed into 64-bit keys (up to 8 letters, big-endian so
 * the order is the strings' order), for an integer binary search. */
enum { N_FW = sizeof en_function_words / sizeof en_function_words[0] };
static uint64_t fw_keys[N_FW];
static pthread_once_t fw_once = PTHREAD_ONCE_INIT;

static uint64_t pack8(const char *w, size_t n)
{
    uint64_t k = 0;
    for (size_t i = 0; i < 8; i++)
        k = (k << 8) | (i < n ? (unsigned char)w[i] : 0);
    return k;
}

static void fw_build(void)
{
    for (size_t i = 0; i < N_FW; i++)
        fw_keys[i] = pack8(en_function_words[i], strlen(en_function_words[i]));
}

static int is_en_function_word(const char *w, size_t n)
{
    if (n == 0 || n > 8)
        return 0;
    uint64_t k = pack8(w, n);
    size_t lo = 0, hi = N_FW;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (fw_keys[mid] == k)
            return 1;
        if (fw_keys[mid] < k)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

enum { MAX_LATIN_WORDS = 4096 };

/* rf_script_of for ASCII, as a table. */
#define LA RF_SCRIPT_LATIN
#define DI RF_SCRIPT_DIGIT
#define SP RF_SCRIPT_SPACE
#define OT RF_SCRIPT_OTHER
#define SY RF_SCRIPT_SYMBOL
#define PU RF_SCRIPT_PUNCT
static const unsigned char ascii_script[128] = {
    OT, OT, OT, OT, OT, OT, OT, OT,
    OT, SP, SP, SP, SP, SP, OT, OT,
    OT, OT, OT, OT, OT, OT, OT, OT,
    OT, OT, OT, OT, OT, OT, OT, OT,
    SP, PU, PU, PU, SY, PU, PU, PU,
    PU, PU, PU, SY, PU, PU, PU, PU,
    DI, DI, DI, DI, DI, DI, DI, DI,
    DI, DI, PU, PU, SY, SY, SY, PU,
    PU, LA, LA, LA, LA, LA, LA, LA,
    LA, LA, LA, LA, LA, LA, LA, LA,
    LA, LA, LA, LA, LA, LA, LA, LA,
    LA, LA, LA, PU, PU, PU, SY, PU,
    SY, LA, LA, LA, LA, LA, LA, LA,
    LA, LA, LA, LA, LA, LA, LA, LA,
    LA, LA, LA, LA, LA, LA, LA, LA,
    LA, LA, LA, PU, SY, PU, SY, OT,
};
#undef LA
#undef DI
#undef SP
#undef OT
#undef SY
#undef PU

/* A Latin word ended: count it, and whether it is an English function word. */
static void end_word(rf_langid *r, int *in_word, const char *w, size_t wl, int word_ascii)
{
    *in_word = 0;
    if (r->latin_words < MAX_LATIN_WORDS) {
        r->latin_words++;
        if (word_ascii && wl <= 8 && is_en_function_word(w, wl))
            r->en_function_words++;
    }
}

/* Is there a Hangul syllable (U+AC00..U+D7A3: EA B0 80 .. ED 9E A3) at i? */
static inline int hangul_at(const unsigned char *q, size_t i, size_t n)
{
    if (i + 2 >= n)
        return 0;
    unsigned char c = q[i];
    return c == 0xEB || c == 0xEC || (c == 0xEA && q[i + 1] >= 0xB0) ||
           (c == 0xED && q[i + 1] <= 0x9D);
}

void rf_langid_detect(const char *p, size_t n, rf_langid *r)
{
    pthread_once(&fw_once, fw_build);
    memset(r, 0, sizeof *r);
    const unsigned char *q = (const unsigned char *)p;
    /* Latin word state: an ASCII letter run, lower-cased into w. */
    char w[9];
    size_t wl = 0;
    int in_word = 0, word_ascii = 1;
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)p[i];
        rf_script sc;
        if (c < 0x80) {
            sc = (rf_script)ascii_script[c];
            i++;
        } else if (hangul_at(q, i, n)) {
            /* A run of Hangul syllables (U+AC00..U+D7A3), counted without
             * decoding. */
            uint64_t h = 0;
            do {
                h++;
                i += 3;
            } while (hangul_at(q, i, n));
            r->count[RF_SCRIPT_HANGUL] += h;
            r->chars += h;
            if (in_word)
                end_word(r, &in_word, w, wl, word_ascii);
            continue;
        } else {
            uint32_t cp = rf_next_cp(p, n, &i);
            sc = (cp >= 0xAC00 && cp <= 0xD7A3) ? RF_SCRIPT_HANGUL : rf_script_of(cp);
        }
        r->count[sc]++;
        r->chars++;
        if (sc == RF_SCRIPT_LATIN) {
            if (!in_word) {
                in_word = 1;
                wl = 0;
                word_ascii = 1;
            }
            if (c < 0x80 && wl < sizeof w)
                w[wl++] = (char)(c | 0x20);
            else
                word_ascii = 0;
            /* The rest of an ASCII letter run in a tight loop. */
            if (c < 0x80) {
                while (i < n && (((q[i] | 0x20) >= 'a') && ((q[i] | 0x20) <= 'z'))) {
                    if (wl < sizeof w)
                        w[wl++] = (char)(q[i] | 0x20);
                    else
                        word_ascii = 0;
                    r->count[RF_SCRIPT_LATIN]++;
                    r->chars++;
                    i++;
                }
            }
            continue;
        }
        /* An apostrophe inside a word ("don't") keeps it one word. */
        if (in_word && c == '\'' && i < n && ((unsigned char)p[i] | 0x20) >= 'a' &&
            ((unsigned char)p[i] | 0x20) <= 'z') {
            word_ascii = 0;
            continue;
        }
        if (in_word)
            end_word(r, &in_word, w, wl, word_ascii);
    }
    if (in_word)
        end_word(r, &in_word, w, wl, word_ascii);

    double hangul = 3.0 * (double)r->count[RF_SCRIPT_HANGUL];
    double cjk = 3.0 * (double)r->count[RF_SCRIPT_HAN] + 2.0 * (double)r->count[RF_SCRIPT_KANA];
    double latin = (double)r->count[RF_SCRIPT_LATIN];
    double rest = (double)r->count[RF_SCRIPT_CYRILLIC] + (double)r->count[RF_SCRIPT_OTHER];
    double total = hangul + cjk + latin + rest;
    if (total <= 0) {
        r->lang = RF_LANG_OTHER;
        r->score = 0;
        return;
    }
    if (hangul >= cjk && hangul >= latin && hangul >= rest) {
        r->lang = RF_LANG_KO;
        r->score = hangul / total;
    } else if (cjk >= latin && cjk >= rest) {
        uint64_t kana = r->count[RF_SCRIPT_KANA], han = r->count[RF_SCRIPT_HAN];
        r->lang = (double)kana >= 0.12 * (double)(kana + han) ? RF_LANG_JA : RF_LANG_ZH;
        r->score = cjk / total;
    } else if (latin >= rest) {
        double fw = r->latin_words ? (double)r->en_function_words / (double)r->latin_words : 0;
        if (fw >= 0.15) {
            r->lang = RF_LANG_EN;
            double evidence = fw / 0.30;
            r->score = latin / total * (evidence < 1 ? evidence : 1);
        } else {
            r->lang = RF_LANG_LATIN_OTHER;
            r->score = latin / total;
        }
    } else {
        r->lang = RF_LANG_OTHER;
        r->score = rest / total;
    }
}

void rf_langid_share_json(rf_buf *out, double v)
{
    if (!(v > 0)) { /* also NaN */
        rf_buf_addc(out, '0');
        return;
    }
    long x = (long)(v * 10000 + 0.5);
    if (x >= 10000) {
        rf_buf_addc(out, '1');
        return;
    }
    char d[4] = {(char)('0' + x / 1000), (char)('0' + x / 100 % 10), (char)('0' + x / 10 % 10),
                 (char)('0' + x % 10)};
    int len = 4;
    while (len > 0 && d[len - 1] == '0')
        len--;
    if (len == 0) {
        rf_buf_addc(out, '0');
        return;
    }
    rf_buf_add(out, "0.", 2);
    rf_buf_add(out, d, (size_t)len);
}

void rf_langid_scripts_json(const rf_langid *r, rf_buf *out)
{
    uint64_t nonspace = r->chars - r->count[RF_SCRIPT_SPACE];
    rf_buf_addc(out, '{');
    int first = 1;
    /* Stable order: the letter scripts first, then the rest. */
    static const rf_script order[] = {RF_SCRIPT_HANGUL, RF_SCRIPT_LATIN,  RF_SCRIPT_HAN,
                                      RF_SCRIPT_KANA,   RF_SCRIPT_CYRILLIC, RF_SCRIPT_DIGIT,
                                      RF_SCRIPT_PUNCT,  RF_SCRIPT_SYMBOL, RF_SCRIPT_OTHER};
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
        uint64_t c = r->count[order[k]];
        if (!c || !nonspace)
            continue;
        if (!first)
            rf_buf_addc(out, ',');
        first = 0;
        rf_buf_json_str(out, rf_script_name(order[k]), strlen(rf_script_name(order[k])));
        rf_buf_addc(out, ':');
        rf_langid_share_json(out, (double)c / (double)nonspace);
    }
    rf_buf_addc(out, '}');
}
