/* langid.h — built-in script and language identification.
 *
 * Counts the characters of a text per script class (stages/text.h: Hangul,
 * Latin, Han, Kana, Cyrillic, digits, punctuation, symbols, other) and turns
 * the shares into a language label with a score: ko, en, ja, zh, latin-other
 * or other. Script shares decide the writing system; English is told from
 * other Latin-script languages by the share of English function words. It is
 * meant to route documents to the right rule profile (Korean with English
 * words stays ko), not to compete with a trained classifier: loading a
 * fastText lid.176 model belongs to the quality-classifier module.
 *
 * Pure functions of the text; thread-safe. */
#ifndef RF_LANGID_H
#define RF_LANGID_H

#include <stddef.h>
#include <stdint.h>

#include "stages/text.h"

typedef enum rf_lang {
    RF_LANG_OTHER = 0,   /* no letters, or a script we do not route (Cyrillic, Arabic, ...) */
    RF_LANG_LATIN_OTHER, /* Latin script, not English */
    RF_LANG_EN,
    RF_LANG_KO,
    RF_LANG_JA,
    RF_LANG_ZH,
    RF_LANG_COUNT
} rf_lang;

/* "other", "latin-other", "en", "ko", "ja", "zh". */
const char *rf_lang_name(rf_lang l);
/* Parses a label; returns 0, or -1 when it is not one of the above. */
int rf_lang_parse(const char *s, size_t n, rf_lang *out);

typedef struct rf_langid {
    rf_lang lang;
    double score;                   /* 0..1: how clearly the text is `lang` */
    uint64_t count[RF_SCRIPT_COUNT]; /* characters per script class */
    uint64_t chars;                 /* all characters (code points) */
    /* Only counted when Latin letters outweigh the other scripts (the
     * label is then en or latin-other), else 0: */
    uint64_t latin_words;           /* Latin-letter words looked at */
    uint64_t en_function_words;     /* of those, English function words */
} rf_langid;

/* Identifies the language of (p, n), valid UTF-8. Looks at the whole text
 * for script counts and at up to the first 4096 Latin words for English. */
void rf_langid_detect(const char *p, size_t n, rf_langid *r);

/* Writes the script shares as a JSON object {"hangul":0.91,...}: shares of
 * the non-space characters, classes with no characters left out. */
void rf_langid_scripts_json(const rf_langid *r, rf_buf *out);

/* Writes a share in [0, 1] as a JSON number with at most four decimals
 * ("0.9688", "1", "0"): cheaper than printf, and all these numbers need. */
void rf_langid_share_json(rf_buf *out, double v);

#endif
