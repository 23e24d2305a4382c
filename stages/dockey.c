/* dockey.c — seeded document hashing for shard and sample. */
#include "stages/dockey.h"

#include <string.h>
#include <xxhash.h>

rf_key_by rf_key_by_parse(const char *s)
{
    return !strcmp(s, "text") ? RF_KEY_TEXT : !strcmp(s, "index") ? RF_KEY_INDEX : RF_KEY_ID;
}

uint64_t rf_doc_key_hash(rf_doc *d, rf_key_by by, uint64_t seed, rf_stats *st)
{
    if (by == RF_KEY_INDEX) {
        uint64_t x = d->seq;
        return XXH3_64bits_withSeed(&x, sizeof x, seed);
    }
    if (by == RF_KEY_ID && d->id)
        return XXH3_64bits_withSeed(d->id, d->id_len, seed);
    if (by == RF_KEY_ID)
        rf_stats_count(st, "no_id", 1);
    size_t n;
    const char *t = rf_doc_text(d, &n);
    return XXH3_64bits_withSeed(t, n, seed);
}
