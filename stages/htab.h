/* htab.h — the small per-document hash table the text rules count with
 * (heuristic repetition rules, spam's repeated lines and word counts):
 * 64-bit keys (already hashes), a count and a first position per key, open
 * addressing with linear probing. Clearing is O(1): a slot belongs to the
 * current round only when its stamp equals the table's, so a new document
 * (or n-gram level) just bumps the stamp. Key, stamp, count and position
 * share a slot, so that a probe touches one cache line. */
#ifndef RF_STAGES_HTAB_H
#define RF_STAGES_HTAB_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stages/err.h"

typedef struct rf_hslot {
    uint64_t key;
    uint32_t stamp, cnt, first;
} rf_hslot;

typedef struct rf_htab {
    rf_hslot *s;
    size_t cap;  /* slots allocated (a power of two) */
    size_t mask; /* slots used this round, minus one: small rounds stay in
                    the cache even after a large document grew the table */
    uint32_t cur;
} rf_htab;

static inline void rf_htab_release(rf_htab *t)
{
    free(t->s);
    memset(t, 0, sizeof *t);
}

/* Starts a new round for up to `need` keys (load factor at most 1/2). */
static inline void rf_htab_reset(rf_htab *t, size_t need)
{
    size_t cap = 64;
    while (cap < 2 * need)
        cap *= 2;
    if (cap > t->cap) {
        free(t->s);
        t->s = rf_xcalloc(cap, sizeof *t->s);
        t->cap = cap;
        t->cur = 0;
    }
    t->mask = cap - 1;
    if (++t->cur == 0) {
        for (size_t i = 0; i < t->cap; i++)
            t->s[i].stamp = 0;
        t->cur = 1;
    }
}

/* Finds or inserts key; *fresh tells which (a fresh slot's cnt and first
 * are for the caller to set). Returns the slot. */
static inline rf_hslot *rf_htab_get(rf_htab *t, uint64_t key, int *fresh)
{
    size_t mask = t->mask;
    size_t i = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 32) & mask;
    while (t->s[i].stamp == t->cur) {
        if (t->s[i].key == key) {
            *fresh = 0;
            return &t->s[i];
        }
        i = (i + 1) & mask;
    }
    t->s[i].stamp = t->cur;
    t->s[i].key = key;
    *fresh = 1;
    return &t->s[i];
}

#endif
