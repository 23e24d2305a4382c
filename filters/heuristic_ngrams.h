/* heuristic_ngrams.h — Gopher's n-gram repetition measures over a word
 * list: the characters of the most frequent 2-, 3- and 4-gram (times its
 * count), and the characters inside repeated 5- to 10-grams, counted the way
 * datatrove's GopherRepetitionFilter counts them.
 *
 * The levels are measured one by one in increasing n, so that the caller
 * can stop at the first failed rule: each level reuses the n-gram hashes of
 * the one before (extended by one word) and looks only at the positions
 * where an n-gram can still repeat. */
#ifndef RF_HEURISTIC_NGRAMS_H
#define RF_HEURISTIC_NGRAMS_H

#include <stddef.h>

#include "filters/heuristic_words.h"

typedef struct rf_ngrams rf_ngrams;

rf_ngrams *rf_ngrams_new(void);
void rf_ngrams_free(rf_ngrams *g);

/* Starts on the words w[0, nw) of the text (text, n) (the words must stay
 * alive until the next start). */
void rf_ngrams_start(rf_ngrams *g, const char *text, size_t n, const rf_hword *w, size_t nw);

/* Measures the next n (2 on the first call after start, then 3, ... 10):
 *   RF_NGRAMS_END   the text has fewer than n words (larger n neither);
 *   RF_NGRAMS_DONE  measured, *chars is
 *       n <= 4: the characters of the most frequent n-gram, its words
 *               joined by one space, times its count (ties: the n-gram seen
 *               first; when none repeats, the first n-gram once);
 *       n >= 5: when want_dup, the characters of the n-grams that repeat an
 *               earlier one, in a left-to-right scan that skips past each
 *               repeat (words joined without separator, as datatrove
 *               compares them); else 0;
 *   RF_NGRAMS_NONE  n >= 5 and no n-gram can repeat any more: *chars = 0
 *                   (the rules record 0 without checking a threshold). */
enum { RF_NGRAMS_END = 0, RF_NGRAMS_DONE = 1, RF_NGRAMS_NONE = 2 };
int rf_ngrams_next(rf_ngrams *g, int want_dup, size_t *chars);

#endif
