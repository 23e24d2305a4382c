/* hashmap.c — open-addressing string and 64-bit-key tables (linear probing,
 * power-of-two capacity, doubled at half load). Strings hash with XXH3;
 * pair keys with a multiplicative hash, which is enough for token ids. */
#include "tokenizer/hashmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "stages/err.h"

void rf_strmap_init(rf_strmap *m)
{
    memset(m, 0, sizeof *m);
}

void rf_strmap_release(rf_strmap *m)
{
    if (!m)
        return;
    free(m->slot);
    free(m->ent);
    free(m->pool);
    memset(m, 0, sizeof *m);
}

uint64_t rf_strmap_hash(const char *p, size_t n)
{
    return XXH3_64bits(p, n);
}

int64_t rf_strmap_find_h(const rf_strmap *m, const char *p, size_t n, uint64_t h)
{
    if (!m->slot)
        return -1;
    size_t i = (size_t)h & m->mask;
    uint32_t tag = (uint32_t)(h >> 32);
    for (;;) {
        uint64_t s = m->slot[i];
        if (!s)
            return -1;
        if ((uint32_t)(s >> 32) == tag) {
            const rf_strent *e = &m->ent[(uint32_t)s - 1];
            if (e->hash == h && e->len == n && memcmp(m->pool + e->off, p, n) == 0)
                return (int64_t)((uint32_t)s - 1);
        }
        i = (i + 1) & m->mask;
    }
}

int64_t rf_strmap_find(const rf_strmap *m, const char *p, size_t n)
{
    return rf_strmap_find_h(m, p, n, rf_strmap_hash(p, n));
}

static void rehash(rf_strmap *m, size_t nslots)
{
    free(m->slot);
    m->slot = rf_xcalloc(nslots, sizeof *m->slot);
    m->mask = nslots - 1;
    for (size_t k = 0; k < m->n; k++) {
        size_t i = (size_t)m->ent[k].hash & m->mask;
        while (m->slot[i])
            i = (i + 1) & m->mask;
        m->slot[i] = (m->ent[k].hash >> 32) << 32 | (uint64_t)(k + 1);
    }
}

size_t rf_strmap_put(rf_strmap *m, const char *p, size_t n, uint64_t val, int *isnew)
{
    uint64_t h = rf_strmap_hash(p, n);
    int64_t f = rf_strmap_find_h(m, p, n, h);
    if (f >= 0) {
        if (isnew)
            *isnew = 0;
        return (size_t)f;
    }
    if (m->n >= UINT32_MAX - 1) {
        fprintf(stderr, "refine: string table full\n");
        abort();
    }
    if (!m->slot || 2 * (m->n + 1) > m->mask + 1)
        rehash(m, m->slot ? 2 * (m->mask + 1) : 64);
    if (m->n == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 64;
        m->ent = rf_xrealloc(m->ent, m->cap * sizeof *m->ent);
    }
    if (m->pool_len + n + 1 > m->pool_cap) {
        size_t c = m->pool_cap ? m->pool_cap : 4096;
        while (c < m->pool_len + n + 1)
            c *= 2;
        m->pool = rf_xrealloc(m->pool, c);
        m->pool_cap = c;
    }
    memcpy(m->pool + m->pool_len, p, n);
    m->pool[m->pool_len + n] = '\0';
    rf_strent *e = &m->ent[m->n];
    e->hash = h;
    e->off = m->pool_len;
    e->len = (uint32_t)n;
    e->pad = 0;
    e->val = val;
    m->pool_len += n + 1;
    size_t i = (size_t)h & m->mask;
    while (m->slot[i])
        i = (i + 1) & m->mask;
    m->slot[i] = (h >> 32) << 32 | (uint64_t)(m->n + 1);
    if (isnew)
        *isnew = 1;
    return m->n++;
}

void rf_u64map_init(rf_u64map *m, size_t expect)
{
    size_t cap = 64;
    while (cap < expect + expect / 2 + 2) /* load <= 2/3 when sized ahead */
        cap *= 2;
    m->slot = rf_xmalloc(cap * sizeof *m->slot);
    for (size_t i = 0; i < cap; i++)
        m->slot[i].key = RF_U64MAP_EMPTY;
    m->mask = cap - 1;
    m->n = 0;
}

void rf_u64map_release(rf_u64map *m)
{
    if (!m)
        return;
    free(m->slot);
    memset(m, 0, sizeof *m);
}

static size_t u64_slot(const rf_u64map *m, uint64_t key)
{
    uint64_t h = key * 0x9E3779B97F4A7C15ull;
    size_t i = (size_t)(h >> 20) & m->mask;
    while (m->slot[i].key != key && m->slot[i].key != RF_U64MAP_EMPTY)
        i = (i + 1) & m->mask;
    return i;
}

static void u64_grow(rf_u64map *m)
{
    rf_u64map old = *m;
    rf_u64map_init(m, old.mask + 1);
    for (size_t i = 0; i <= old.mask; i++) {
        if (old.slot[i].key == RF_U64MAP_EMPTY)
            continue;
        m->slot[u64_slot(m, old.slot[i].key)] = old.slot[i];
        m->n++;
    }
    free(old.slot);
}

uint64_t *rf_u64map_upsert(rf_u64map *m, uint64_t key, uint64_t def)
{
    if (!m->slot)
        rf_u64map_init(m, 16);
    size_t i = u64_slot(m, key);
    if (m->slot[i].key == RF_U64MAP_EMPTY) {
        if (3 * (m->n + 1) > 2 * (m->mask + 1)) {
            u64_grow(m);
            i = u64_slot(m, key);
        }
        m->slot[i].key = key;
        m->slot[i].val = def;
        m->n++;
    }
    return &m->slot[i].val;
}

void rf_u64map_set(rf_u64map *m, uint64_t key, uint64_t val)
{
    *rf_u64map_upsert(m, key, val) = val;
}
