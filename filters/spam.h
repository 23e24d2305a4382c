/* spam.h — boilerplate and spam removal (stage 7).
 *
 * Line level: boilerplate lines matched by Korean and English pattern sets
 * (copyright, share/subscribe bars, cookie and login prompts, read more,
 * navigation crumbs, prev/next, Korean news tails: 무단전재 및 재배포 금지,
 * ⓒ/저작권자, 기자 bylines, ▶ 관련기사, 이전글/다음글/목록), menu-like lines,
 * lines that are mostly links, hashtags or emoji, and lines repeated within
 * the document are removed; every other line is kept byte-exact.
 * Document level: invisible-character stuffing (normalised away and
 * counted), gambling/adult/loan/SEO lexicon density, hashtag and emoji
 * floods, keyword stuffing (dominant word, repeated 3-grams), and too much
 * removed or too little left make the document a reject. */
#ifndef RF_SPAM_H
#define RF_SPAM_H

#include <stddef.h>
#include <stdint.h>

#include "stages/buf.h"
#include "stages/err.h"

typedef enum rf_spam_line {
    RF_SPAM_LINE_KEEP = 0,
    RF_SPAM_LINE_BOILERPLATE,
    RF_SPAM_LINE_MENU,
    RF_SPAM_LINE_LINKS,
    RF_SPAM_LINE_HASHTAGS,
    RF_SPAM_LINE_EMOJI,
    RF_SPAM_LINE_REPEATED,
    RF_SPAM_LINE_NKINDS
} rf_spam_line;

/* "boilerplate", "menu", "links", ... */
const char *rf_spam_line_name(int kind);

enum { RF_SPAM_GAMBLING = 0, RF_SPAM_ADULT, RF_SPAM_LOAN, RF_SPAM_SEO, RF_SPAM_NCAT };
const char *rf_spam_category_name(int cat);

typedef struct rf_spam_config {
    int boilerplate;          /* remove boilerplate and menu lines */
    int repeated;             /* remove repeated lines (first copy kept) */
    int noise_lines;          /* remove mostly-link/hashtag/emoji lines */
    size_t max_line_bytes;    /* longer lines are never boilerplate */
    size_t min_repeat_chars;  /* shorter lines are never "repeated" */
    double max_removed;       /* reject when more than this share of bytes was removed */
    size_t min_chars;         /* reject an edited document left with fewer characters */
    double lexicon_density;   /* weighted lexicon hits per word */
    double lexicon_min_hits;  /* weighted hits needed in a category */
    size_t min_words;         /* documents shorter are not checked for stuffing */
    double dominant_word;     /* share of the most frequent word */
    double dup_ngram;         /* share of word 3-grams that repeat an earlier one */
    double hashtag_share;     /* hashtags per word */
    size_t hashtag_min;
    double emoji_share;       /* emoji per character */
    size_t emoji_min;
    double invisible_share;   /* invisible characters per character */
    size_t invisible_min;
    double code_share;        /* documents with at least this share of code-like
                               * lines keep all their lines (> 1 disables) */
} rf_spam_config;

void rf_spam_config_defaults(rf_spam_config *c);

typedef struct rf_spam_result {
    const char *reject;  /* static reason, NULL when kept */
    char detail[160];
    int edited;          /* out holds the new text */
    int code;            /* looked like source code: no line was removed */
    size_t lines;
    size_t removed[RF_SPAM_LINE_NKINDS]; /* [0] = total lines removed */
    size_t removed_bytes;
    size_t invisible;    /* invisible characters removed */
    size_t chars, words, hashtags, emoji;
    double lex[RF_SPAM_NCAT]; /* weighted hits */
    double dominant_share, dup_ngram_share;
} rf_spam_result;

typedef struct rf_spam rf_spam;
typedef struct rf_spam_scratch rf_spam_scratch;

int rf_spam_new(rf_spam **out, const rf_spam_config *cfg, rf_err *err);
void rf_spam_free(rf_spam *s);
rf_spam_scratch *rf_spam_scratch_new(const rf_spam *s);
void rf_spam_scratch_free(rf_spam_scratch *sc);

/* Checks (t, n), valid UTF-8. When r->edited, out (reset first) holds the
 * text with invisible characters and removed lines taken out. */
void rf_spam_check(const rf_spam *s, rf_spam_scratch *sc, const char *t, size_t n,
                   rf_spam_result *r, rf_buf *out);

/* Classifies one line (no '\n') without document context: boilerplate,
 * menu, links, hashtags, emoji or keep. For tests and tools. */
int rf_spam_line_kind(const rf_spam *s, rf_spam_scratch *sc, const char *p, size_t n);

/* For tests: checks the tables that let lines skip the boilerplate pattern
 * against the pattern itself (PCRE2 partial matching over every code
 * point, ASCII bigram and Hangul syllable pair that matters). 0 when they
 * agree; else the first line start they miss, in err. Takes about a
 * second. */
int rf_spam_selftest(const rf_spam *s, rf_err *err);

#endif
