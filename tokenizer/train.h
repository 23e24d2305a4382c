/* train.h — BPE training (refine-tokenize train): the pieces that are
 * testable on their own. The command itself is rf_tokenize_train_main() in
 * tokenize_stage.h. */
#ifndef RF_TRAIN_H
#define RF_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "stages/text.h"

/* Character classes the vocabulary is balanced over (rf_script with
 * punctuation folded into symbols). */
typedef enum rf_tclass {
    RF_TC_LATIN = 0, RF_TC_HANGUL, RF_TC_HAN, RF_TC_KANA, RF_TC_CYRILLIC, RF_TC_DIGIT,
    RF_TC_SYMBOL, RF_TC_SPACE, RF_TC_OTHER, RF_TC_COUNT
} rf_tclass;

const char *rf_tclass_name(rf_tclass c);
/* -1 when the name is unknown. */
int rf_tclass_parse(const char *name, size_t n);

/* The class of a token given as raw bytes (UTF-8, possibly cut in the
 * middle of a character at either end, as byte-level tokens are): the class
 * with the most characters; U+2581 and spaces count as space only when
 * nothing else is there. A partial character at the end is classified by
 * the smallest code point it can start. */
rf_tclass rf_token_class(const char *p, size_t n);

/* Parses "latin=55,hangul=20,..." (percent) into shares[RF_TC_COUNT]
 * (fractions; -1 = no target). Returns 0, or -1 with a message in err. */
int rf_train_parse_shares(const char *s, double *shares, char *err, size_t errn);

#endif
