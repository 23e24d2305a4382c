/* hashmap.h — the two open-addressing tables the tokenizer needs.
 *
 * rf_strmap maps byte strings to a uint64 value (vocabularies, word counts);
 * keys are copied into one pool and entries stay in insertion order, so an
 * entry index is a stable handle. rf_u64map maps a 64-bit key (a pair of
 * token ids) to a 64-bit value. Both grow by doubling (strings at 1/2 load,
 * pairs at 2/3: the merge table is read on every BPE step and must stay
 * small); lookups on a table that is no longer written are thread-safe. */
#ifndef RF_HASHMAP_H
#define RF_HASHMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct rf_strent {
    uint64_t hash;
    uint64_t off; /* key bytes at pool + off */
    uint32_t len;
    uint32_t pad;
    uint64_t val;
} rf_strent;

typedef struct rf_strmap {
    uint64_t *slot; /* high 32 bits of the hash << 32 | entry index + 1; 0 = empty */
    size_t mask;
    rf_strent *ent;
    size_t n, cap;
    char *pool;
    size_t pool_len, pool_cap;
} rf_strmap;

void rf_strmap_init(rf_strmap *m);
void rf_strmap_release(rf_strmap *m);
uint64_t rf_strmap_hash(const char *p, size_t n);
/* Index of the entry for (p, n), or -1. */
int64_t rf_strmap_find(const rf_strmap *m, const char *p, size_t n);
int64_t rf_strmap_find_h(const rf_strmap *m, const char *p, size_t n, uint64_t h);
/* Index of the entry for (p, n), inserted with value val when new (*isnew
 * says which; may be NULL). */
size_t rf_strmap_put(rf_strmap *m, const char *p, size_t n, uint64_t val, int *isnew);
static inline const char *rf_strmap_key(const rf_strmap *m, size_t i, size_t *len)
{
    *len = m->ent[i].len;
    return m->pool + m->ent[i].off;
}

typedef struct rf_u64slot {
    uint64_t key; /* RF_U64MAP_EMPTY = free */
    uint64_t val;
} rf_u64slot;

/* Key and value share a slot: a lookup touches one cache line. */
typedef struct rf_u64map {
    rf_u64slot *slot;
    size_t mask, n;
} rf_u64map;

#define RF_U64MAP_EMPTY UINT64_MAX

void rf_u64map_init(rf_u64map *m, size_t expect);
void rf_u64map_release(rf_u64map *m);
/* Pointer to the value of key, or NULL. */
static inline const uint64_t *rf_u64map_get(const rf_u64map *m, uint64_t key)
{
    if (!m->slot)
        return NULL;
    uint64_t h = key * 0x9E3779B97F4A7C15ull;
    size_t i = (size_t)(h >> 20) & m->mask;
    for (;;) {
        const rf_u64slot *s = &m->slot[i];
        if (s->key == key)
            return &s->val;
        if (s->key == RF_U64MAP_EMPTY)
            return NULL;
        i = (i + 1) & m->mask;
    }
}
/* Sets key to val (replacing an existing value). key must not be EMPTY. */
void rf_u64map_set(rf_u64map *m, uint64_t key, uint64_t val);
/* Pointer to the value of key, inserting def first when absent. */
uint64_t *rf_u64map_upsert(rf_u64map *m, uint64_t key, uint64_t def);

#endif
