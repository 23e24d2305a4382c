/* index.c — the decontamination index (format in index.h): validation and
 * lookup of a mapped index file, and the builder that turns benchmark items
 * into the sorted hash file and its SQLite provenance.
 *
 * The builder keeps one (hash, item, position) triple per n-gram occurrence,
 * sorts them once and derives everything from the sorted runs: unique
 * hashes, the first item and distinct-item count of each (for
 * --max-item-freq), the set of benchmarks each occurs in, the bucket
 * directory and the Bloom filters. Both outputs go to temporary names and
 * are renamed only when complete. */
#define _POSIX_C_SOURCE 200809L
#include "decontam/index.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "decontam/ngram.h"
#include "stages/file.h"
#include "stages/io.h"

/* ---- little-endian field access (the format is little-endian) ---- */

static uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const unsigned char *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static int host_is_le(void)
{
    const uint16_t one = 1;
    return *(const unsigned char *)&one == 1;
}

/* ---- reading ---- */

char *rf_dcx_sqlite_path(const char *index_path)
{
    size_t n = strlen(index_path);
    char *s = rf_xmalloc(n + 8);
    memcpy(s, index_path, n);
    memcpy(s + n, ".sqlite", 8);
    return s;
}

static int validate(rf_dcx *x, const unsigned char *p, size_t size, const char *name, rf_err *err)
{
    if (!host_is_le())
        return rf_errf(err, RF_EUNSUP, "%s: decontamination indexes need a little-endian host", name);
    if (size < RF_DCX_HEADER_SIZE || memcmp(p, RF_DCX_MAGIC, 8) != 0)
        return rf_errf(err, RF_EFORMAT, "%s: not a refine-decontam index (bad magic or too short)",
                       name);
    uint32_t version = rd32(p + 8), hsize = rd32(p + 12);
    if (version != RF_DCX_VERSION)
        return rf_errf(err, RF_EUNSUP, "%s: index format version %u, this build reads %u", name,
                       version, RF_DCX_VERSION);
    if (hsize != RF_DCX_HEADER_SIZE)
        return rf_errf(err, RF_EFORMAT, "%s: header size %u, expected %u", name, hsize,
                       (unsigned)RF_DCX_HEADER_SIZE);
    x->n = rd32(p + 16);
    x->min_tokens = rd32(p + 20);
    x->norm_flags = rd32(p + 24);
    x->tok_flags = rd32(p + 28);
    x->n_hashes = rd64(p + 32);
    x->n_items = rd32(p + 40);
    x->n_bench = rd32(p + 44);
    x->n_bsets = rd32(p + 48);
    uint32_t dir_bits = rd32(p + 52), bloom_bits = rd32(p + 56), pbloom_bits = rd32(p + 60);
    x->n_prefix = rd64(p + 64);
    x->short_lengths = rd64(p + 72);
    x->strings_size = rd64(p + 80);
    x->n_bset_ids = rd64(p + 88);
    x->file_size = rd64(p + 96);
    if (x->file_size != size)
        return rf_errf(err, RF_EFORMAT, "%s: truncated or padded (header says %llu bytes, file has %zu)",
                       name, (unsigned long long)x->file_size, size);
    if (x->n < 1 || x->n > RF_DCX_MAX_N || x->min_tokens < 1 || x->min_tokens > x->n)
        return rf_errf(err, RF_EFORMAT, "%s: bad n-gram size %u / minimum %u", name, x->n,
                       x->min_tokens);
    if (x->norm_flags != RF_NGRAM_NORM_FLAGS || x->tok_flags != RF_NGRAM_TOK_FLAGS)
        return rf_errf(err, RF_EUNSUP, "%s: built with other normalisation flags", name);
    if (dir_bits < 1 || dir_bits > 30 || bloom_bits > 40 || pbloom_bits > 40)
        return rf_errf(err, RF_EFORMAT, "%s: bad table sizes", name);
    if (x->n_hashes >= (1ull << 32) || x->n_prefix > size / 8 || x->n_bset_ids > size / 4 ||
        (x->n < 64 && (x->short_lengths >> x->n) != 0))
        return rf_errf(err, RF_EFORMAT, "%s: bad counts", name);
    /* Expected section sizes; counts were bounded above, so no overflow. */
    uint64_t want[RF_DCX_NSECT] = {
        x->n_hashes * 8,
        x->n_hashes * 12,
        ((1ull << dir_bits) + 1) * 4,
        (1ull << bloom_bits) * 8,
        x->n_prefix * 8,
        (1ull << pbloom_bits) * 8,
        ((uint64_t)x->n_bsets + 1) * 4,
        x->n_bset_ids * 4,
        (uint64_t)x->n_items * sizeof(rf_dcx_item),
        (uint64_t)x->n_bench * sizeof(rf_dcx_bench),
        x->strings_size,
    };
    const unsigned char *sect[RF_DCX_NSECT];
    for (int s = 0; s < RF_DCX_NSECT; s++) {
        uint64_t off = rd64(p + 104 + 16 * s), sz = rd64(p + 104 + 16 * s + 8);
        if (off % 8 || off < RF_DCX_HEADER_SIZE || off > size || sz > size - off)
            return rf_errf(err, RF_EFORMAT, "%s: section %d lies outside the file", name, s);
        if (sz != want[s])
            return rf_errf(err, RF_EFORMAT, "%s: section %d has %llu bytes, expected %llu", name, s,
                           (unsigned long long)sz, (unsigned long long)want[s]);
        sect[s] = p + off;
    }
    x->hashes = (const uint64_t *)(const void *)sect[RF_DCX_S_HASHES];
    x->info = (const rf_dcx_info *)(const void *)sect[RF_DCX_S_INFO];
    x->dir = (const uint32_t *)(const void *)sect[RF_DCX_S_DIR];
    x->bloom = (const uint64_t *)(const void *)sect[RF_DCX_S_BLOOM];
    x->prefix = (const uint64_t *)(const void *)sect[RF_DCX_S_PREFIX];
    x->pbloom = (const uint64_t *)(const void *)sect[RF_DCX_S_PBLOOM];
    x->bsets = (const uint32_t *)(const void *)sect[RF_DCX_S_BSETS];
    x->bset_ids = (const uint32_t *)(const void *)sect[RF_DCX_S_BSETIDS];
    x->items = (const rf_dcx_item *)(const void *)sect[RF_DCX_S_ITEMS];
    x->bench = (const rf_dcx_bench *)(const void *)sect[RF_DCX_S_BENCH];
    x->strings = (const char *)sect[RF_DCX_S_STRINGS];
    x->dir_shift = 64 - dir_bits;
    x->bloom_mask = (1ull << bloom_bits) - 1;
    x->pbloom_mask = (1ull << pbloom_bits) - 1;
    return 0;
}

int rf_dcx_open(rf_dcx **out, const char *path, rf_err *err)
{
    *out = NULL;
    rf_file_map fm;
    int rc0 = rf_file_map_open(&fm, path, err);
    if (rc0)
        return rc0;
    size_t size = fm.n;
    void *m = fm.p;
    if (size < RF_DCX_HEADER_SIZE) {
        rf_file_map_close(&fm);
        return rf_errf(err, RF_EFORMAT, "%s: not a refine-decontam index (%zu bytes)", path, size);
    }
    rf_dcx *x = rf_xcalloc(1, sizeof *x);
    x->map = m;
    x->map_size = size;
    x->owns_map = 1;
    int rc = validate(x, m, size, path, err);
    if (rc) {
        rf_dcx_close(x);
        return rc;
    }
    *out = x;
    return 0;
}

int rf_dcx_open_mem(rf_dcx **out, const void *p, size_t n, rf_err *err)
{
    *out = NULL;
    rf_dcx *x = rf_xcalloc(1, sizeof *x);
    /* malloc memory is aligned for u64 access, which the sections need. */
    x->map = rf_xmalloc(n ? n : 1);
    if (n)
        memcpy(x->map, p, n);
    x->map_size = n;
    x->owns_map = 2;
    int rc = validate(x, x->map, n, "index", err);
    if (rc) {
        rf_dcx_close(x);
        return rc;
    }
    *out = x;
    return 0;
}

void rf_dcx_close(rf_dcx *x)
{
    if (!x)
        return;
    if (x->owns_map == 1)
        munmap(x->map, x->map_size);
    else if (x->owns_map == 2)
        free(x->map);
    free(x);
}

int rf_dcx_has_prefix(const rf_dcx *x, uint64_t h)
{
    if (!x->n_prefix)
        return 0;
    uint64_t lo = 0, hi = x->n_prefix;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (x->prefix[mid] == h)
            return 1;
        if (x->prefix[mid] < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

const uint32_t *rf_dcx_bset(const rf_dcx *x, uint32_t s, size_t *n)
{
    *n = 0;
    if (s >= x->n_bsets)
        return NULL;
    uint32_t a = x->bsets[s], b = x->bsets[s + 1];
    if (a > b || b > x->n_bset_ids)
        return NULL;
    *n = b - a;
    return x->bset_ids + a;
}

static const char *string_at(const rf_dcx *x, uint32_t off, uint32_t len, size_t *n)
{
    if ((uint64_t)off + len > x->strings_size) {
        *n = 1;
        return "?";
    }
    *n = len;
    return x->strings + off;
}

const char *rf_dcx_bench_name(const rf_dcx *x, uint32_t b, size_t *len)
{
    if (b >= x->n_bench) {
        *len = 1;
        return "?";
    }
    return string_at(x, x->bench[b].name_off, x->bench[b].name_len, len);
}

const char *rf_dcx_item_id(const rf_dcx *x, uint32_t i, uint32_t *bench, size_t *len)
{
    if (i >= x->n_items) {
        *bench = UINT32_MAX;
        *len = 1;
        return "?";
    }
    *bench = x->items[i].bench;
    return string_at(x, x->items[i].id_off, x->items[i].id_len, len);
}

/* ---- building ---- */

typedef struct bitem {
    uint32_t bench;
    uint32_t id_off, id_len;
    uint32_t ntok;
    char *source;
    uint64_t record;
    uint64_t text_off, text_len; /* normalised text in b->texts */
    uint64_t tokc;               /* first entry of this item in b->tokc */
    uint32_t nchars;             /* characters of the normalised text */
} bitem;

typedef struct triple {
    uint64_t h;
    uint32_t item;
    uint32_t pos;
} triple;

typedef struct bbench {
    char *name;
    uint32_t n_items, n_ngrams;
} bbench;

struct rf_dcx_builder {
    unsigned n, min_tokens;
    bbench *bench;
    size_t nbench, capbench;
    bitem *items;
    size_t nitems, capitems;
    triple *tr;
    size_t ntr, captr;
    uint64_t *prefix, *pgate;
    size_t nprefix, capprefix;
    uint64_t *gate; /* gates of every indexed window */
    size_t ngate, capgate;
    uint64_t *keys;
    size_t capkeys;
    uint32_t *tokc; /* character offset of each token in its item's text */
    size_t ntokc, captokc;
    uint64_t short_lengths;
    rf_buf strings, texts;
    rf_ngram_toks toks;
    uint64_t items_short, items_too_short, tokens;
};

rf_dcx_builder *rf_dcx_builder_new(unsigned n, unsigned min_tokens)
{
    rf_dcx_builder *b = rf_xcalloc(1, sizeof *b);
    b->n = n;
    b->min_tokens = min_tokens;
    rf_ngram_toks_init(&b->toks);
    return b;
}

void rf_dcx_builder_free(rf_dcx_builder *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->nbench; i++)
        free(b->bench[i].name);
    for (size_t i = 0; i < b->nitems; i++)
        free(b->items[i].source);
    free(b->bench);
    free(b->items);
    free(b->tr);
    free(b->prefix);
    free(b->pgate);
    free(b->gate);
    free(b->keys);
    free(b->tokc);
    rf_buf_release(&b->strings);
    rf_buf_release(&b->texts);
    rf_ngram_toks_release(&b->toks);
    free(b);
}

#define PUSH(arr, n, cap)                                              \
    do {                                                               \
        if ((n) == (cap)) {                                            \
            (cap) = (cap) ? (cap) * 2 : 64;                            \
            (arr) = rf_xrealloc((arr), (cap) * sizeof *(arr));         \
        }                                                              \
    } while (0)

uint32_t rf_dcx_builder_bench(rf_dcx_builder *b, const char *name)
{
    for (size_t i = 0; i < b->nbench; i++)
        if (!strcmp(b->bench[i].name, name))
            return (uint32_t)i;
    PUSH(b->bench, b->nbench, b->capbench);
    b->bench[b->nbench].name = rf_xstrdup(name);
    b->bench[b->nbench].n_items = 0;
    b->bench[b->nbench].n_ngrams = 0;
    return (uint32_t)b->nbench++;
}

static void add_triple(rf_dcx_builder *b, uint64_t h, uint32_t item, uint32_t pos)
{
    PUSH(b->tr, b->ntr, b->captr);
    b->tr[b->ntr].h = h;
    b->tr[b->ntr].item = item;
    b->tr[b->ntr].pos = pos;
    b->ntr++;
}

void rf_dcx_builder_add(rf_dcx_builder *b, uint32_t bench, const char *item_id,
                        const char *source, uint64_t record, const char *const *texts,
                        const size_t *lens, size_t ntexts)
{
    rf_ngram_toks *t = &b->toks;
    rf_ngram_toks_reset(t);
    for (size_t f = 0; f < ntexts; f++)
        rf_ngram_tokenize(t, texts[f], lens[f], 0);
    uint32_t idx = (uint32_t)b->nitems;
    PUSH(b->items, b->nitems, b->capitems);
    bitem *it = &b->items[b->nitems++];
    memset(it, 0, sizeof *it);
    it->bench = bench;
    it->id_off = (uint32_t)b->strings.len;
    it->id_len = (uint32_t)strlen(item_id);
    rf_buf_adds(&b->strings, item_id);
    it->source = rf_xstrdup(source ? source : "");
    it->record = record;
    it->ntok = (uint32_t)t->n;
    it->text_off = b->texts.len;
    it->text_len = t->norm.len;
    rf_buf_add(&b->texts, t->norm.p ? t->norm.p : "", t->norm.len);
    it->nchars = (uint32_t)rf_ngram_chars(t->norm.p ? t->norm.p : "", t->norm.len);
    it->tokc = b->ntokc;
    size_t chars = 0, prev = 0;
    for (size_t i = 0; i < t->n; i++) {
        chars += rf_ngram_chars(t->norm.p + prev, t->off[i] - prev);
        prev = t->off[i];
        PUSH(b->tokc, b->ntokc, b->captokc);
        b->tokc[b->ntokc++] = (uint32_t)chars;
    }
    b->bench[bench].n_items++;
    b->tokens += t->n;
    size_t n = b->n;
    if (t->n > b->capkeys) {
        b->capkeys = t->n * 2;
        b->keys = rf_xrealloc(b->keys, b->capkeys * sizeof *b->keys);
    }
    rf_ngram_tok_keys(t, b->keys);
    if (t->n >= n) {
        for (size_t i = 0; i + n <= t->n; i++) {
            add_triple(b, rf_ngram_hash(t, i, n), idx, (uint32_t)i);
            PUSH(b->gate, b->ngate, b->capgate);
            b->gate[b->ngate++] = rf_ngram_gate(b->keys, i, n);
        }
    } else if (t->n >= b->min_tokens) {
        /* Short item: matched as a whole, gated by its first min_tokens. */
        b->items_short++;
        add_triple(b, rf_ngram_hash(t, 0, t->n), idx, 0);
        if (b->nprefix == b->capprefix) {
            b->capprefix = b->capprefix ? b->capprefix * 2 : 64;
            b->prefix = rf_xrealloc(b->prefix, b->capprefix * sizeof *b->prefix);
            b->pgate = rf_xrealloc(b->pgate, b->capprefix * sizeof *b->pgate);
        }
        b->prefix[b->nprefix] = rf_ngram_hash(t, 0, b->min_tokens);
        b->pgate[b->nprefix++] = rf_ngram_gate(b->keys, 0, b->min_tokens);
        b->short_lengths |= 1ull << t->n;
    } else {
        b->items_too_short++;
    }
}

static int cmp_triple(const void *a, const void *b)
{
    const triple *x = a, *y = b;
    if (x->h != y->h)
        return x->h < y->h ? -1 : 1;
    if (x->item != y->item)
        return x->item < y->item ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Interned sets of benchmark ids; sets 0..nbench-1 are the singletons. */
typedef struct bsets {
    uint32_t *off; /* nsets + 1 */
    size_t nsets, capoff;
    uint32_t *ids;
    size_t nids, capids;
    uint32_t *slot; /* open addressing: set id + 1, 0 = empty */
    size_t nslot;
} bsets;

static int set_equal(const bsets *s, uint32_t id, const uint32_t *v, size_t n)
{
    return s->off[id + 1] - s->off[id] == n && !memcmp(s->ids + s->off[id], v, n * sizeof *v);
}

static void bsets_rehash(bsets *s)
{
    size_t ns = s->nslot ? s->nslot * 2 : 1024;
    free(s->slot);
    s->slot = rf_xcalloc(ns, sizeof *s->slot);
    s->nslot = ns;
    for (uint32_t id = 0; id < s->nsets; id++) {
        uint64_t h = XXH3_64bits(s->ids + s->off[id], (s->off[id + 1] - s->off[id]) * 4);
        size_t k = h & (ns - 1);
        while (s->slot[k])
            k = (k + 1) & (ns - 1);
        s->slot[k] = id + 1;
    }
}

static uint32_t bsets_intern(bsets *s, const uint32_t *v, size_t n)
{
    if ((s->nsets + 1) * 2 > s->nslot)
        bsets_rehash(s);
    uint64_t h = XXH3_64bits(v, n * 4);
    size_t k = h & (s->nslot - 1);
    while (s->slot[k]) {
        if (set_equal(s, s->slot[k] - 1, v, n))
            return s->slot[k] - 1;
        k = (k + 1) & (s->nslot - 1);
    }
    for (size_t i = 0; i < n; i++) {
        PUSH(s->ids, s->nids, s->capids);
        s->ids[s->nids++] = v[i];
    }
    if (s->nsets + 2 > s->capoff) {
        s->capoff = s->capoff ? s->capoff * 2 : 64;
        s->off = rf_xrealloc(s->off, s->capoff * sizeof *s->off);
    }
    s->off[s->nsets + 1] = (uint32_t)s->nids;
    s->slot[k] = (uint32_t)s->nsets + 1;
    return (uint32_t)s->nsets++;
}

static unsigned log2_ceil(uint64_t v)
{
    unsigned b = 0;
    while ((1ull << b) < v)
        b++;
    return b;
}

static void bloom_fill(uint64_t *bloom, uint64_t mask, const uint64_t *h, size_t n)
{
    for (size_t i = 0; i < n; i++)
        bloom[h[i] & mask] |= rf_dcx_bloom_bits(h[i]);
}

static int write_all(rf_out *o, const void *p, size_t n, uint64_t *pos, rf_err *err)
{
    static const char zeros[8] = {0};
    int rc = rf_out_write(o, p, n, err);
    if (rc)
        return rc;
    *pos += n;
    size_t pad = (size_t)((8 - *pos % 8) % 8);
    if (pad) {
        rc = rf_out_write(o, zeros, pad, err);
        *pos += pad;
    }
    return rc;
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static void put64(unsigned char *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static int sql_exec(sqlite3 *db, const char *sql, const char *path, rf_err *err)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        int rc = rf_errf(err, RF_EIO, "%s: %s", path, msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return rc;
    }
    return 0;
}

static const char schema_sql[] =
    "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA page_size=8192;"
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);"
    "CREATE TABLE benchmarks(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    " items INTEGER NOT NULL, ngrams INTEGER NOT NULL);"
    "CREATE TABLE items(id INTEGER PRIMARY KEY, benchmark INTEGER NOT NULL"
    " REFERENCES benchmarks(id), item_id TEXT NOT NULL, source TEXT, record INTEGER,"
    " tokens INTEGER NOT NULL, text TEXT NOT NULL);"
    /* hash: the unsigned 64-bit n-gram hash stored as a signed integer;
     * start/length: characters of the n-gram in items.text (first
     * occurrence in that item). */
    "CREATE TABLE ngrams(hash INTEGER NOT NULL, item INTEGER NOT NULL,"
    " start INTEGER NOT NULL, length INTEGER NOT NULL, PRIMARY KEY(hash, item)) WITHOUT ROWID;"
    "CREATE VIEW ngram_text AS SELECT printf('%016x', n.hash) AS hash, b.name AS benchmark,"
    " i.item_id AS item_id, substr(i.text, n.start + 1, n.length) AS ngram"
    " FROM ngrams n JOIN items i ON i.id = n.item JOIN benchmarks b ON b.id = i.benchmark;";

/* Characters [start, start+length) of the n-gram at token pos of item it. */
static void ngram_chars(const rf_dcx_builder *b, const bitem *it, uint32_t pos, uint32_t *start,
                        uint32_t *length)
{
    uint32_t m = it->ntok >= b->n ? b->n : it->ntok;
    const uint32_t *tc = b->tokc + it->tokc;
    *start = tc[pos];
    uint32_t end = pos + m < it->ntok ? tc[pos + m] - 1 : it->nchars;
    *length = end - *start;
}

static int write_sqlite(rf_dcx_builder *b, const char *path, rf_err *err)
{
    char *tmp = rf_xmalloc(strlen(path) + 32);
    sprintf(tmp, "%s.tmp.%ld", path, (long)getpid());
    unlink(tmp);
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc = 0;
    if (sqlite3_open(tmp, &db) != SQLITE_OK) {
        rc = rf_errf(err, RF_EIO, "%s: %s", tmp, db ? sqlite3_errmsg(db) : "cannot open");
        goto out;
    }
    rc = sql_exec(db, schema_sql, tmp, err);
    if (rc)
        goto out;
    rc = sql_exec(db, "BEGIN", tmp, err);
    if (rc)
        goto out;
#define PREP(sql)                                                                  \
    do {                                                                           \
        sqlite3_finalize(st);                                                      \
        st = NULL;                                                                 \
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {             \
            rc = rf_errf(err, RF_EIO, "%s: %s", tmp, sqlite3_errmsg(db));          \
            goto out;                                                              \
        }                                                                          \
    } while (0)
#define STEP()                                                                     \
    do {                                                                           \
        if (sqlite3_step(st) != SQLITE_DONE) {                                     \
            rc = rf_errf(err, RF_EIO, "%s: %s", tmp, sqlite3_errmsg(db));          \
            goto out;                                                              \
        }                                                                          \
        sqlite3_reset(st);                                                         \
    } while (0)
    PREP("INSERT INTO meta VALUES(?1, ?2)");
    {
        char nbuf[32], mbuf[32];
        snprintf(nbuf, sizeof nbuf, "%u", b->n);
        snprintf(mbuf, sizeof mbuf, "%u", b->min_tokens);
        const char *kv[][2] = {
            {"format", "refine-decontam index provenance 1"},
            {"n", nbuf},
            {"min_tokens", mbuf},
            {"normalisation", "NFKC, case fold, punctuation and symbols to spaces, whitespace "
                              "tokens, Han/Kana characters as tokens"},
            {"hash", "XXH3-64 (seed 0) of the n tokens joined by single spaces"},
        };
        for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++) {
            sqlite3_bind_text(st, 1, kv[i][0], -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, kv[i][1], -1, SQLITE_STATIC);
            STEP();
        }
    }
    PREP("INSERT INTO benchmarks VALUES(?1, ?2, ?3, ?4)");
    for (size_t i = 0; i < b->nbench; i++) {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)i);
        sqlite3_bind_text(st, 2, b->bench[i].name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, b->bench[i].n_items);
        sqlite3_bind_int64(st, 4, b->bench[i].n_ngrams);
        STEP();
    }
    PREP("INSERT INTO items VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    for (size_t i = 0; i < b->nitems; i++) {
        const bitem *it = &b->items[i];
        sqlite3_bind_int64(st, 1, (sqlite3_int64)i);
        sqlite3_bind_int64(st, 2, it->bench);
        sqlite3_bind_text(st, 3, b->strings.p + it->id_off, (int)it->id_len, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, it->source, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, (sqlite3_int64)it->record);
        sqlite3_bind_int64(st, 6, it->ntok);
        sqlite3_bind_text(st, 7, b->texts.p ? b->texts.p + it->text_off : "", (int)it->text_len,
                          SQLITE_STATIC);
        STEP();
    }
    PREP("INSERT INTO ngrams VALUES(?1, ?2, ?3, ?4)");
    /* In the primary key's order (signed hashes: the top-bit half first),
     * one row per distinct (hash, item): B-tree appends only. */
    size_t first_neg = 0;
    while (first_neg < b->ntr && !(b->tr[first_neg].h >> 63))
        first_neg++;
    for (size_t pass = 0; pass < 2; pass++) {
        size_t lo = pass == 0 ? first_neg : 0, hi = pass == 0 ? b->ntr : first_neg;
        for (size_t k = lo; k < hi; k++) {
            const triple *t = &b->tr[k];
            if (k > lo && t->h == t[-1].h && t->item == t[-1].item)
                continue;
            uint32_t cs, cl;
            ngram_chars(b, &b->items[t->item], t->pos, &cs, &cl);
            sqlite3_bind_int64(st, 1, (sqlite3_int64)t->h);
            sqlite3_bind_int64(st, 2, t->item);
            sqlite3_bind_int64(st, 3, cs);
            sqlite3_bind_int64(st, 4, cl);
            STEP();
        }
    }
    sqlite3_finalize(st);
    st = NULL;
    rc = sql_exec(db, "COMMIT", tmp, err);
    if (rc)
        goto out;
    if (sqlite3_close(db) != SQLITE_OK) {
        rc = rf_errf(err, RF_EIO, "%s: %s", tmp, sqlite3_errmsg(db));
        db = NULL;
        goto out;
    }
    db = NULL;
    if (rename(tmp, path) != 0)
        rc = rf_errf(err, RF_EIO, "%s: %s", path, strerror(errno));
#undef PREP
#undef STEP
out:
    sqlite3_finalize(st);
    if (db)
        sqlite3_close(db);
    if (rc)
        unlink(tmp);
    free(tmp);
    return rc;
}

int rf_dcx_builder_write(rf_dcx_builder *b, const char *path, rf_dcx_build_stats *stats,
                         rf_err *err)
{
    int rc = 0;
    uint64_t *hashes = NULL, *bloom = NULL, *pbloom = NULL;
    rf_dcx_info *info = NULL;
    uint32_t *dir = NULL, *tmpset = NULL;
    char *sqlpath = NULL;
    rf_out *o = NULL;
    bsets bs = {0};
    memset(stats, 0, sizeof *stats);
    if (b->nitems >= UINT32_MAX || b->strings.len >= UINT32_MAX)
        return rf_errf(err, RF_EUNSUP, "too many benchmark items");

    if (b->ntr > 1)
        qsort(b->tr, b->ntr, sizeof *b->tr, cmp_triple);
    bs.capoff = 64;
    bs.off = rf_xcalloc(bs.capoff, sizeof *bs.off);
    /* Singleton sets first, so a set id equals its benchmark id. */
    for (uint32_t i = 0; i < b->nbench; i++)
        bsets_intern(&bs, &i, 1);
    hashes = rf_xmalloc((b->ntr ? b->ntr : 1) * sizeof *hashes);
    info = rf_xmalloc((b->ntr ? b->ntr : 1) * sizeof *info);
    tmpset = rf_xmalloc((b->nbench ? b->nbench : 1) * sizeof *tmpset);
    size_t nh = 0;
    for (size_t k = 0; k < b->ntr;) {
        size_t e = k;
        uint32_t nitems = 0;
        size_t nset = 0;
        while (e < b->ntr && b->tr[e].h == b->tr[k].h) {
            if (e == k || b->tr[e].item != b->tr[e - 1].item) {
                nitems++;
                uint32_t bench = b->items[b->tr[e].item].bench;
                size_t j = 0;
                while (j < nset && tmpset[j] != bench)
                    j++;
                if (j == nset)
                    tmpset[nset++] = bench;
            }
            e++;
        }
        qsort(tmpset, nset, sizeof *tmpset, cmp_u32);
        for (size_t j = 0; j < nset; j++)
            b->bench[tmpset[j]].n_ngrams++;
        hashes[nh] = b->tr[k].h;
        info[nh].first_item = b->tr[k].item;
        info[nh].n_items = nitems;
        info[nh].bset = nset == 1 ? tmpset[0] : bsets_intern(&bs, tmpset, nset);
        if (nitems > 10)
            stats->frequent++;
        nh++;
        k = e;
    }
    if (nh >= UINT32_MAX) {
        rc = rf_errf(err, RF_EUNSUP, "too many distinct n-grams (%zu)", nh);
        goto out;
    }
    if (b->nprefix > 1)
        qsort(b->prefix, b->nprefix, sizeof *b->prefix, cmp_u64);
    size_t np = 0;
    for (size_t i = 0; i < b->nprefix; i++)
        if (!np || b->prefix[i] != b->prefix[np - 1])
            b->prefix[np++] = b->prefix[i];

    unsigned dir_bits = log2_ceil(nh);
    if (dir_bits < 1)
        dir_bits = 1;
    if (dir_bits > 30)
        dir_bits = 30;
    size_t ndir = ((size_t)1 << dir_bits) + 1;
    dir = rf_xmalloc(ndir * sizeof *dir);
    {
        size_t k = 0;
        for (size_t bk = 0; bk + 1 < ndir; bk++) {
            while (k < nh && (hashes[k] >> (64 - dir_bits)) < bk)
                k++;
            dir[bk] = (uint32_t)k;
        }
        dir[ndir - 1] = (uint32_t)nh;
    }
    /* About 16 bits per distinct n-gram, rounded up to a power of two
     * (4 MiB for every benchmark of ../shared/data): about 0.5% of the
     * windows of ordinary text pass the gate and need XXH3 and the exact
     * lookup (2.5% at 8 bits, which measured slower; 32 bits gained
     * nothing: the larger filter misses the cache more often). */
    unsigned bloom_bits = log2_ceil((nh * 16 + 63) / 64);
    unsigned pbloom_bits = log2_ceil((np * 16 + 63) / 64);
    size_t nbloom = (size_t)1 << bloom_bits, npbloom = (size_t)1 << pbloom_bits;
    bloom = rf_xcalloc(nbloom, sizeof *bloom);
    pbloom = rf_xcalloc(npbloom, sizeof *pbloom);
    bloom_fill(bloom, nbloom - 1, b->gate, b->ngate);
    bloom_fill(pbloom, npbloom - 1, b->pgate, b->nprefix);

    /* Items and benchmarks; benchmark names go after the item ids. */
    rf_buf strs = RF_BUF_INIT;
    rf_buf_add(&strs, b->strings.p ? b->strings.p : "", b->strings.len);
    rf_dcx_item *items = rf_xcalloc(b->nitems ? b->nitems : 1, sizeof *items);
    rf_dcx_bench *benches = rf_xcalloc(b->nbench ? b->nbench : 1, sizeof *benches);
    for (size_t i = 0; i < b->nitems; i++) {
        items[i].bench = b->items[i].bench;
        items[i].id_off = b->items[i].id_off;
        items[i].id_len = b->items[i].id_len;
    }
    for (size_t i = 0; i < b->nbench; i++) {
        benches[i].name_off = (uint32_t)strs.len;
        benches[i].name_len = (uint32_t)strlen(b->bench[i].name);
        benches[i].n_items = b->bench[i].n_items;
        benches[i].n_ngrams = b->bench[i].n_ngrams;
        rf_buf_adds(&strs, b->bench[i].name);
    }

    static const uint64_t none[1] = {0};
    const void *sp[RF_DCX_NSECT] = {hashes, info, dir, bloom, b->prefix ? (void *)b->prefix : none,
                                    pbloom, bs.off, bs.ids ? (void *)bs.ids : none, items, benches,
                                    strs.p ? strs.p : ""};
    uint64_t sz[RF_DCX_NSECT] = {
        nh * 8, nh * sizeof *info, ndir * 4, nbloom * 8, np * 8, npbloom * 8,
        (bs.nsets + 1) * 4, bs.nids * 4, b->nitems * sizeof *items, b->nbench * sizeof *benches,
        strs.len};
    unsigned char hdr[RF_DCX_HEADER_SIZE];
    memset(hdr, 0, sizeof hdr);
    uint64_t pos = RF_DCX_HEADER_SIZE;
    for (int s = 0; s < RF_DCX_NSECT; s++) {
        put64(hdr + 104 + 16 * s, pos);
        put64(hdr + 104 + 16 * s + 8, sz[s]);
        pos += (sz[s] + 7) / 8 * 8;
    }
    memcpy(hdr, RF_DCX_MAGIC, 8);
    put32(hdr + 8, RF_DCX_VERSION);
    put32(hdr + 12, RF_DCX_HEADER_SIZE);
    put32(hdr + 16, b->n);
    put32(hdr + 20, b->min_tokens);
    put32(hdr + 24, RF_NGRAM_NORM_FLAGS);
    put32(hdr + 28, RF_NGRAM_TOK_FLAGS);
    put64(hdr + 32, nh);
    put32(hdr + 40, (uint32_t)b->nitems);
    put32(hdr + 44, (uint32_t)b->nbench);
    put32(hdr + 48, (uint32_t)bs.nsets);
    put32(hdr + 52, dir_bits);
    put32(hdr + 56, bloom_bits);
    put32(hdr + 60, pbloom_bits);
    put64(hdr + 64, np);
    put64(hdr + 72, b->short_lengths);
    put64(hdr + 80, strs.len);
    put64(hdr + 88, bs.nids);
    put64(hdr + 96, pos);

    rf_outopts oo = {RF_COMPRESS_NONE, 3, 0};
    rc = rf_out_open(&o, path, &oo, err);
    uint64_t wpos = 0;
    if (!rc)
        rc = write_all(o, hdr, sizeof hdr, &wpos, err);
    for (int s = 0; s < RF_DCX_NSECT && !rc; s++)
        rc = write_all(o, sp[s], sz[s], &wpos, err);
    rf_buf_release(&strs);
    free(items);
    free(benches);
    if (rc)
        goto out;
    sqlpath = rf_dcx_sqlite_path(path);
    /* Provenance first: an index never appears without it. */
    rc = write_sqlite(b, sqlpath, err);
    if (rc)
        goto out;
    rc = rf_out_commit(o, err);
    o = NULL;
    if (rc)
        goto out;
    struct stat st;
    stats->items = b->nitems;
    stats->items_short = b->items_short;
    stats->items_too_short = b->items_too_short;
    stats->tokens = b->tokens;
    stats->ngrams_total = b->ntr;
    stats->n_hashes = nh;
    stats->n_prefix = np;
    stats->index_bytes = wpos;
    stats->sqlite_bytes = stat(sqlpath, &st) == 0 ? (uint64_t)st.st_size : 0;
out:
    if (o)
        rf_out_abort(o);
    free(hashes);
    free(info);
    free(dir);
    free(tmpset);
    free(bloom);
    free(pbloom);
    free(bs.off);
    free(bs.ids);
    free(bs.slot);
    free(sqlpath);
    return rc;
}
