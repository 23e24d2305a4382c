/* langid.c — script shares and a rule-based language label.
 *
 * One pass over the text counts code points per script class, 64 bytes at
 * a time from byte masks (ASCII classes and most Hangul by popcount; other
 * characters through rf_script_of). Letters are then weighted by how much text one character
 * carries — a Hangul syllable or a Han character holds about as much as three
 * Latin letters, a kana about two — so that Korean prose with English terms
 * ("Python의 list를 정렬하면") stays Korean while an English page quoting a
 * Korean name stays English. The heaviest script group decides: Hangul → ko;
 * Han/Kana → ja when kana make up at least 12% of them (Japanese prose is
 * 30-60% kana, Chinese has none), else zh; Latin → en when at least 15% of
 * its words are English function words (English prose: 40-50%; French,
 * German, Indonesian or code: well below), else latin-other; anything else is
 * other. Words are read (a second pass) only when Latin wins. The score is
 * the winning group's share of the weighted letters, scaled down for en when
 * the function-word evidence is thin. */
#define _POSIX_C_SOURCE 200809L
#include "filters/langid.h"

#include <pthread.h>
#include <string.h>

#include "stages/bytemask.h"

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

/* The words above as 64-bit keys (letter k in byte k, the rest zero) in
 * an open-addressing set: one multiply and usually one compare per word. */
enum { N_FW = sizeof en_function_words / sizeof en_function_words[0], FW_SLOTS = 512 };
static uint64_t fw_set[FW_SLOTS];
static pthread_once_t fw_once = PTHREAD_ONCE_INIT;

static inline size_t fw_slot(uint64_t k)
{
    return (size_t)((k * 0x9E3779B97F4A7C15ull) >> 55);
}

static void fw_build(void)
{
    for (size_t i = 0; i < N_FW; i++) {
        uint64_t k = 0;
        for (size_t j = 0; en_function_words[i][j]; j++)
            k |= (uint64_t)(unsigned char)en_function_words[i][j] << (8 * j);
        size_t s = fw_slot(k);
        while (fw_set[s])
            s = (s + 1) & (FW_SLOTS - 1);
        fw_set[s] = k;
    }
}

/* k: a word of one to eight lower-case ASCII letters as above. */
static int is_en_function_word(uint64_t k)
{
    for (size_t s = fw_slot(k); fw_set[s]; s = (s + 1) & (FW_SLOTS - 1))
        if (fw_set[s] == k)
            return 1;
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

/* The Latin word being read: its letters (up to 8, lower-cased, as a
 * function-word key) and whether it is all ASCII so far. */
typedef struct latin_word {
    uint64_t key;
    size_t len;
    int ascii, open;
} latin_word;

/* A Latin word ended: count it, and whether it is an English function word. */
static void end_word(rf_langid *r, latin_word *w)
{
    w->open = 0;
    if (r->latin_words < MAX_LATIN_WORDS) {
        r->latin_words++;
        if (w->ascii && w->len <= 8 && is_en_function_word(w->key))
            r->en_function_words++;
    }
}

static inline int ascii_letter(unsigned char c)
{
    return (unsigned char)((c | 0x20) - 'a') < 26;
}

/* Hangul syllables U+AC00..U+D7A3 are the sequences EA B0 80 .. ED 9E A3.
 * In valid UTF-8 byte order is code point order, so one range test on the
 * three bytes as a number decides, without a branch per lead byte (the
 * leads of Korean text alternate unpredictably between EA and ED). */
static inline int hangul3(const unsigned char *q)
{
    uint32_t v = (uint32_t)q[0] << 16 | (uint32_t)q[1] << 8 | q[2];
    return v - 0xEAB080u <= 0xED9EA3u - 0xEAB080u;
}

/* Characters per script class, 64 bytes at a time (bytemask.h): ASCII
 * letters, digits, spaces and Hangul syllables are counted by popcount; the
 * other ASCII bytes and the other leads one by one from their masks, so
 * that no branch depends on which class follows which. */
static void count_scripts(const char *p, size_t n, uint64_t cnt[RF_SCRIPT_COUNT])
{
    const unsigned char *q = (const unsigned char *)p;
    unsigned char pad[64];
    for (size_t i = 0; i < n; i += 64) {
        const unsigned char *w = q + i;
        uint64_t valid = ~0ull;
        if (n - i < 64) { /* the last window: zeros past the end, masked off */
            memset(pad, 0, sizeof pad);
            memcpy(pad, q + i, n - i);
            w = pad;
            valid = ((uint64_t)1 << (n - i)) - 1;
        }
        uint64_t letter = rf_bytemask_range(w, 'a', 'z') | rf_bytemask_range(w, 'A', 'Z');
        uint64_t digit = rf_bytemask_range(w, '0', '9');
        uint64_t space = rf_bytemask_eq(w, ' ') | rf_bytemask_range(w, 0x09, 0x0D);
        uint64_t ascii = rf_bytemask_range(w, 0x00, 0x7F) & valid;
        /* Hangul syllables: every EB and EC lead; EA when the next byte is
         * B0 or more, ED when it is 9D or less (the mask of the next byte is
         * the byte mask shifted down: the last lead of the window, whose
         * next byte is in the next one, goes the slow way, as does ED 9E). */
        uint64_t hangul = rf_bytemask_range(w, 0xEB, 0xEC) |
                          (rf_bytemask_eq(w, 0xEA) & (rf_bytemask_range(w, 0xB0, 0xFF) >> 1)) |
                          (rf_bytemask_eq(w, 0xED) & (rf_bytemask_range(w, 0x80, 0x9D) >> 1));
        uint64_t lead = rf_bytemask_range(w, 0xC0, 0xFF) & valid & ~hangul;
        cnt[RF_SCRIPT_LATIN] += rf_popcount64(letter);
        cnt[RF_SCRIPT_DIGIT] += rf_popcount64(digit);
        cnt[RF_SCRIPT_SPACE] += rf_popcount64(space);
        cnt[RF_SCRIPT_HANGUL] += rf_popcount64(hangul);
        for (uint64_t m = ascii & ~(letter | digit | space); m; m &= m - 1)
            cnt[ascii_script[w[__builtin_ctzll(m)]]]++;
        for (; lead; lead &= lead - 1) {
            size_t at = i + (size_t)__builtin_ctzll(lead);
            if (at + 2 < n && hangul3(q + at)) {
                cnt[RF_SCRIPT_HANGUL]++;
                continue;
            }
            cnt[rf_script_of(rf_next_cp(p, n, &at))]++;
        }
    }
}

static inline void open_word(latin_word *w)
{
    w->open = 1;
    w->len = 0;
    w->key = 0;
    w->ascii = 1;
}

/* The words of 64 ASCII bytes at q, from masks: the letters L, the
 * apostrophes that stay inside a word (after a letter, before an ASCII
 * letter; next_letter tells whether q[64] is one), and the runs of both.
 * *w carries a word across window edges. */
static void ascii_window_words(const unsigned char *q, int next_letter, latin_word *w,
                               rf_langid *r)
{
    uint64_t L = rf_bytemask_range(q, 'a', 'z') | rf_bytemask_range(q, 'A', 'Z');
    uint64_t ap = rf_bytemask_eq(q, '\'') & ((L << 1) | (uint64_t)(w->open != 0)) &
                  ((L >> 1) | ((uint64_t)(next_letter != 0) << 63));
    uint64_t W = L | ap;
    unsigned pos = 0;
    if (w->open) {
        if (!(W & 1)) {
            end_word(r, w);
        } else {
            /* The open word goes on (rare: only words across the edge). */
            unsigned run = ~W ? (unsigned)__builtin_ctzll(~W) : 64;
            for (unsigned k = 0; k < run; k++) {
                if (ap >> k & 1) {
                    w->ascii = 0;
                    continue;
                }
                if (w->len < 8)
                    w->key |= (uint64_t)(q[k] | 0x20) << (8 * w->len);
                w->len++;
            }
            if (run == 64)
                return;
            end_word(r, w);
            pos = run;
        }
    }
    uint64_t rest = W & (~0ull << pos);
    while (rest) {
        unsigned st = (unsigned)__builtin_ctzll(rest);
        uint64_t from = rest >> st;
        unsigned run = ~from ? (unsigned)__builtin_ctzll(~from) : 64 - st;
        uint64_t in = (run == 64 ? ~0ull : (((uint64_t)1 << run) - 1)) << st;
        open_word(w);
        if (ap & in) {
            w->ascii = 0;
            w->len = rf_popcount64(L & in);
        } else {
            w->len = run;
            if (run <= 8) {
                /* Letters only: OR 0x20 lower-cases them all at once. */
                uint64_t x = 0;
                if (st + 8 <= 64) {
                    memcpy(&x, q + st, 8);
                } else {
                    for (unsigned k = 0; k < run; k++)
                        x |= (uint64_t)q[st + k] << (8 * k);
                }
                x |= 0x2020202020202020ull;
                w->key = run == 8 ? x : x & (((uint64_t)1 << (8 * run)) - 1);
            }
        }
        if (st + run == 64)
            return; /* goes on in the next window */
        end_word(r, w);
        rest &= ~in;
    }
}

/* The Latin words (up to MAX_LATIN_WORDS) and how many are English
 * function words: a word is a run of Latin letters, an apostrophe between
 * letters included ("don't"); any other character ends it. Windows of 64
 * ASCII bytes go by masks; the rest a character (or letter run) at a time. */
static void count_latin_words(const char *p, size_t n, rf_langid *r)
{
    const unsigned char *q = (const unsigned char *)p;
    latin_word w = {0, 0, 1, 0};
    size_t i = 0;
    while (i < n && r->latin_words < MAX_LATIN_WORDS) {
        if (n - i > 64 && !rf_bytemask_range(q + i, 0x80, 0xFF)) {
            ascii_window_words(q + i, ascii_letter(q[i + 64]), &w, r);
            i += 64;
            continue;
        }
        size_t stop = i + 64;
        while (i < n && i < stop) {
            unsigned char c = q[i];
            if (c < 0x80) {
                if (ascii_letter(c)) {
                    if (!w.open)
                        open_word(&w);
                    /* The whole ASCII letter run. */
                    do {
                        if (w.len < 8)
                            w.key |= (uint64_t)(q[i] | 0x20) << (8 * w.len);
                        w.len++;
                        i++;
                    } while (i < n && ascii_letter(q[i]));
                    continue;
                }
                i++;
                if (w.open) {
                    /* An apostrophe inside a word keeps it one word. */
                    if (c == '\'' && i < n && ascii_letter(q[i]))
                        w.ascii = 0;
                    else
                        end_word(r, &w);
                }
                continue;
            }
            if (i + 2 < n && hangul3(q + i)) { /* Hangul runs end words */
                do
                    i += 3;
                while (i + 2 < n && hangul3(q + i));
                if (w.open)
                    end_word(r, &w);
                continue;
            }
            if (rf_script_of(rf_next_cp(p, n, &i)) == RF_SCRIPT_LATIN) {
                if (!w.open) {
                    w.open = 1;
                    w.len = 0;
                    w.key = 0;
                }
                w.ascii = 0;
                continue;
            }
            if (w.open)
                end_word(r, &w);
        }
    }
    if (w.open)
        end_word(r, &w);
}

void rf_langid_detect(const char *p, size_t n, rf_langid *r)
{
    pthread_once(&fw_once, fw_build);
    memset(r, 0, sizeof *r);
    count_scripts(p, n, r->count);
    for (int k = 0; k < RF_SCRIPT_COUNT; k++)
        r->chars += r->count[k];

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
        /* Only here do the words matter: English or another Latin script. */
        count_latin_words(p, n, r);
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
        /* the names are plain ASCII: quoted, no escaping to look for */
        rf_buf_addc(out, '"');
        rf_buf_adds(out, rf_script_name(order[k]));
        rf_buf_add(out, "\":", 2);
        rf_langid_share_json(out, (double)c / (double)nonspace);
    }
    rf_buf_addc(out, '}');
}
