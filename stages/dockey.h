/* dockey.h — the per-document hash behind shard and sample: what decides a
 * document's fate is its id, its text, or its position in the input, so the
 * result never depends on threads or timing. */
#ifndef RF_DOCKEY_H
#define RF_DOCKEY_H

#include <stdint.h>

#include "stages/doc.h"
#include "stages/stats.h"

typedef enum rf_key_by { RF_KEY_ID = 0, RF_KEY_TEXT, RF_KEY_INDEX } rf_key_by;

/* The choices string for an RF_OPT_ENUM "--by" option. */
#define RF_KEY_BY_CHOICES "id|text|index"

rf_key_by rf_key_by_parse(const char *s);

/* Seeded XXH3-64 of the id (of the text when the document has none: counted
 * as no_id in st), of the text, or of the position. */
uint64_t rf_doc_key_hash(rf_doc *d, rf_key_by by, uint64_t seed, rf_stats *st);

#endif
