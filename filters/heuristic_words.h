/* heuristic_words.h — the words the heuristic rules count.
 *
 * Three ways to cut a text into words, chosen by the language profile:
 *
 *   RF_WORDS_SPACE  whitespace tokens (stages/text.h rf_tok_next): Korean
 *                   eojeol, and any language written with spaces.
 *   RF_WORDS_CJK    whitespace tokens, but every Han or Kana character is a
 *                   word of its own (Japanese and Chinese have no spaces, so
 *                   rules count characters there).
 *   RF_WORDS_EN     the whitespace tokens further split the way spaCy's
 *                   English tokenizer splits them (prefix, suffix and infix
 *                   punctuation, contractions, abbreviations, URLs kept
 *                   whole). datatrove's Gopher and FineWeb filters count
 *                   spaCy tokens, so the English profile must count the same
 *                   tokens to reach the same decisions.
 *
 * Words are byte ranges into the text plus their length in code points (the
 * rules use Python's len()) and two flags the Gopher rules need. */
#ifndef RF_HEURISTIC_WORDS_H
#define RF_HEURISTIC_WORDS_H

#include <stddef.h>
#include <stdint.h>

typedef enum rf_words_mode { RF_WORDS_SPACE = 0, RF_WORDS_CJK, RF_WORDS_EN } rf_words_mode;

enum {
    RF_HW_ALPHA = 1,  /* has a letter (Python str.isalpha on some character) */
    RF_HW_NONSYM = 2, /* has a character outside datatrove's punctuation set */
};

typedef struct rf_hword {
    uint32_t off, len; /* bytes */
    uint32_t cps;      /* code points */
    uint32_t flags;    /* RF_HW_* */
} rf_hword;

/* A reusable word list (per-thread scratch). */
typedef struct rf_hwords {
    rf_hword *v;
    size_t n, cap;
    uint32_t *cp;   /* scratch: code points of one whitespace token */
    uint32_t *boff; /* scratch: their byte offsets */
    size_t ccap;
    uint32_t *stk;  /* scratch: affix stack */
    size_t scap;
} rf_hwords;

void rf_hwords_init(rf_hwords *w);
void rf_hwords_release(rf_hwords *w);

/* Replaces w's words with the words of (p, n), valid UTF-8. */
void rf_hwords_split(rf_hwords *w, const char *p, size_t n, rf_words_mode mode);

/* Number of words only (no flags), for the FineWeb newline ratio of an
 * edited text. */
size_t rf_hwords_count(rf_hwords *w, const char *p, size_t n, rf_words_mode mode);

/* Sentences in one line, as datatrove's C4 filter counts them. RF_WORDS_EN:
 * spaCy's sentencizer over the English tokens (a sentence ends after a token
 * that is a sentence-terminal character; the next token that is not
 * punctuation starts a new one). Other modes: the same rule at character
 * level, since eojeol and CJK text carry the period inside the token.
 * Returns at least 1 for a line with any non-space character. */
size_t rf_hwords_sentences(rf_hwords *w, const char *p, size_t n, rf_words_mode mode);

/* The same count for RF_WORDS_EN from words already split: w->v[first,
 * last) must be the words of one line of `text`, with only whitespace
 * between them and around them. */
size_t rf_hwords_sentences_of(const rf_hwords *w, size_t first, size_t last, const char *text);

/* Character predicates shared with the rules. */
int rf_hw_is_alpha(uint32_t cp);        /* Python str.isalpha() for one code point */
int rf_hw_is_dt_punct(uint32_t cp);     /* in datatrove's PUNCTUATION_SET */
int rf_hw_is_sent_terminal(uint32_t cp); /* Unicode Sentence_Terminal (datatrove's
                                            TERMINAL_PUNCTUATION) */
int rf_hw_is_py_space(uint32_t cp);     /* Python str.isspace() */

#endif
