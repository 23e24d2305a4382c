/* packseq.c — fixed-length sequence packing (concatenation, or best-fit
 * decreasing over a bounded window) with per-group streams.
 *
 * Best fit needs "the open sequence with the least room >= len": open
 * sequences are kept in one list per remaining room (0..seq_len), and a
 * two-level bitmap over the rooms finds the smallest non-empty list at or
 * above len in a few word scans, so a placement costs O(seq_len / 4096)
 * words at worst instead of a scan over all open sequences. Items are
 * sorted longest first with input order as the tie-break, which makes the
 * result a pure function of the input order. */
#include "tokenizer/packseq.h"

#include <stdlib.h>
#include <string.h>

#include "tokenizer/hashmap.h"

typedef struct item {
    uint64_t doc;
    uint64_t data;    /* byte offset of its tokens in the window buffer */
    uint64_t offset;  /* first token of the document in this item */
    uint64_t id;      /* offset of the id in the string pool */
    uint32_t id_len;  /* UINT32_MAX: no id */
    uint32_t len;
    int64_t next;     /* next item in the same bin, -1 */
} item;

typedef struct bin {
    uint32_t room;
    int64_t first, last; /* item list */
    int64_t next;        /* next bin with the same room, -1 */
} bin;

typedef struct pgroup {
    /* best fit: indices of this window's items */
    uint64_t *items;
    size_t nitems, capitems;
    /* concat: the open sequence */
    unsigned char *seq;
    uint32_t fill;
    rf_pack_part *parts;
    size_t nparts, capparts;
    char *ids; /* copies of the ids of the open parts */
    size_t ids_len, ids_cap;
    size_t *id_off; /* per open part: offset in ids, SIZE_MAX = none */
    size_t cap_id_off;
} pgroup;

struct rf_packer {
    rf_pack_mode mode;
    uint32_t N;
    size_t isz;
    unsigned char pad[8];
    uint64_t buffer_tokens;
    rf_pack_sink sink;
    void *ctx;
    rf_pack_stats st;

    rf_strmap gmap; /* raw group JSON -> group index (first appearance order) */
    pgroup *groups;
    size_t ngroups;
    unsigned char null_key;

    /* best-fit window */
    unsigned char *buf;
    uint64_t buf_len, buf_cap;
    char *pool;
    uint64_t pool_len, pool_cap;
    item *items;
    size_t nitems, capitems;
    uint64_t window_tokens;

    /* best-fit bins of the group being packed */
    bin *bins;
    size_t nbins, capbins;
    int64_t *room_head; /* [N + 1] */
    uint64_t *lvl0, *lvl1;
    size_t nlvl0, nlvl1;

    /* sequence assembly */
    unsigned char *seq;
    rf_pack_part *parts;
    size_t capparts;
};

static void *grow(void *p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return p;
    size_t c = *cap ? *cap : 16;
    while (c < need)
        c *= 2;
    *cap = c;
    return rf_xrealloc(p, c * elem);
}

rf_packer *rf_packer_new(rf_pack_mode mode, uint32_t seq_len, size_t itemsize,
                         const unsigned char *pad, uint64_t buffer_tokens, rf_pack_sink sink,
                         void *ctx)
{
    rf_packer *p = rf_xcalloc(1, sizeof *p);
    p->mode = mode;
    p->N = seq_len;
    p->isz = itemsize;
    memcpy(p->pad, pad, itemsize);
    p->buffer_tokens = buffer_tokens ? buffer_tokens : 1;
    p->sink = sink;
    p->ctx = ctx;
    rf_strmap_init(&p->gmap);
    p->seq = rf_xmalloc((size_t)seq_len * itemsize);
    p->room_head = rf_xmalloc(((size_t)seq_len + 1) * sizeof *p->room_head);
    for (size_t r = 0; r <= seq_len; r++)
        p->room_head[r] = -1;
    p->nlvl0 = ((size_t)seq_len + 1 + 63) / 64;
    p->nlvl1 = (p->nlvl0 + 63) / 64;
    p->lvl0 = rf_xcalloc(p->nlvl0, sizeof *p->lvl0);
    p->lvl1 = rf_xcalloc(p->nlvl1, sizeof *p->lvl1);
    return p;
}

void rf_packer_free(rf_packer *p)
{
    if (!p)
        return;
    for (size_t g = 0; g < p->ngroups; g++) {
        free(p->groups[g].items);
        free(p->groups[g].seq);
        free(p->groups[g].parts);
        free(p->groups[g].ids);
        free(p->groups[g].id_off);
    }
    free(p->groups);
    rf_strmap_release(&p->gmap);
    free(p->buf);
    free(p->pool);
    free(p->items);
    free(p->bins);
    free(p->room_head);
    free(p->lvl0);
    free(p->lvl1);
    free(p->seq);
    free(p->parts);
    free(p);
}

const rf_pack_stats *rf_packer_stats(const rf_packer *p)
{
    return &p->st;
}

static size_t group_of(rf_packer *p, const char *key, size_t n)
{
    if (!key) {
        key = "null";
        n = 4;
    }
    int isnew = 0;
    size_t g = rf_strmap_put(&p->gmap, key, n, 0, &isnew);
    if (isnew) {
        size_t cap = p->ngroups;
        p->groups = grow(p->groups, &cap, g + 1, sizeof *p->groups);
        memset(&p->groups[g], 0, sizeof p->groups[g]);
        p->ngroups = g + 1;
    }
    return g;
}

static int emit(rf_packer *p, size_t g, const unsigned char *data, uint32_t ntok,
                const rf_pack_part *parts, size_t nparts, rf_err *err)
{
    size_t glen;
    const char *gk = rf_strmap_key(&p->gmap, g, &glen);
    rf_pack_seq s = {data, ntok, gk, glen, parts, nparts};
    if (glen == 4 && !memcmp(gk, "null", 4)) {
        s.group = NULL;
        s.group_len = 0;
    }
    p->st.sequences++;
    p->st.pad_tokens += p->N - ntok;
    return p->sink(p->ctx, &s, err);
}

static void pad_to(rf_packer *p, unsigned char *seq, uint32_t from)
{
    for (uint32_t k = from; k < p->N; k++)
        memcpy(seq + (size_t)k * p->isz, p->pad, p->isz);
}

/* ---- concat ---- */

/* Emits a group's open sequence (padded when short). */
static int concat_emit(rf_packer *p, size_t g, rf_err *err)
{
    pgroup *G = &p->groups[g];
    /* The id pool may have moved while the sequence filled: resolve now. */
    for (size_t k = 0; k < G->nparts; k++) {
        G->parts[k].id = G->id_off[k] == SIZE_MAX ? NULL : G->ids + G->id_off[k];
    }
    pad_to(p, G->seq, G->fill);
    int rc = emit(p, g, G->seq, G->fill, G->parts, G->nparts, err);
    G->fill = 0;
    G->nparts = 0;
    G->ids_len = 0;
    return rc;
}

static int concat_add(rf_packer *p, size_t g, const unsigned char *data, size_t ntok,
                      uint64_t doc, const char *id, size_t id_len, rf_err *err)
{
    pgroup *G = &p->groups[g];
    if (!G->seq)
        G->seq = rf_xmalloc((size_t)p->N * p->isz);
    size_t done = 0;
    int pieces = 0;
    while (done < ntok) {
        uint32_t take = p->N - G->fill;
        if (take > ntok - done)
            take = (uint32_t)(ntok - done);
        memcpy(G->seq + (size_t)G->fill * p->isz, data + done * p->isz, (size_t)take * p->isz);
        G->parts = grow(G->parts, &G->capparts, G->nparts + 1, sizeof *G->parts);
        G->id_off = grow(G->id_off, &G->cap_id_off, G->nparts + 1, sizeof *G->id_off);
        rf_pack_part *pt = &G->parts[G->nparts];
        pt->doc = doc;
        pt->offset = done;
        pt->start = G->fill;
        pt->len = take;
        pt->id = NULL;
        pt->id_len = id ? id_len : 0;
        G->id_off[G->nparts] = SIZE_MAX;
        if (id) {
            G->ids = grow(G->ids, &G->ids_cap, G->ids_len + id_len + 1, 1);
            memcpy(G->ids + G->ids_len, id, id_len);
            G->id_off[G->nparts] = G->ids_len;
            G->ids_len += id_len;
        }
        G->nparts++;
        G->fill += take;
        done += take;
        pieces++;
        if (G->fill == p->N) {
            int rc = concat_emit(p, g, err);
            if (rc)
                return rc;
        }
    }
    if (pieces > 1)
        p->st.split_docs++;
    return 0;
}

static int concat_finish(rf_packer *p, rf_err *err)
{
    for (size_t g = 0; g < p->ngroups; g++) {
        if (!p->groups[g].fill)
            continue;
        int rc = concat_emit(p, g, err);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- best fit ---- */

static void room_set(rf_packer *p, uint32_t r)
{
    p->lvl0[r >> 6] |= 1ull << (r & 63);
    p->lvl1[r >> 12] |= 1ull << ((r >> 6) & 63);
}

static void room_clear_if_empty(rf_packer *p, uint32_t r)
{
    if (p->room_head[r] >= 0)
        return;
    p->lvl0[r >> 6] &= ~(1ull << (r & 63));
    if (!p->lvl0[r >> 6])
        p->lvl1[r >> 12] &= ~(1ull << ((r >> 6) & 63));
}

/* Smallest room >= len with an open bin, or -1. */
static int64_t room_find(const rf_packer *p, uint32_t len)
{
    size_t w = len >> 6;
    if (w >= p->nlvl0)
        return -1;
    uint64_t bits = p->lvl0[w] & (~0ull << (len & 63));
    if (bits)
        return (int64_t)((w << 6) + (size_t)__builtin_ctzll(bits));
    size_t w1 = w + 1; /* next lvl0 word to consider */
    size_t j = w1 >> 6;
    if (j >= p->nlvl1)
        return -1;
    uint64_t b1 = (w1 & 63) ? p->lvl1[j] & (~0ull << (w1 & 63)) : p->lvl1[j];
    for (;;) {
        if (b1) {
            size_t ww = (j << 6) + (size_t)__builtin_ctzll(b1);
            return (int64_t)((ww << 6) + (size_t)__builtin_ctzll(p->lvl0[ww]));
        }
        if (++j >= p->nlvl1)
            return -1;
        b1 = p->lvl1[j];
    }
}

typedef struct sort_key {
    uint64_t doc, offset;
    uint64_t idx;
    uint32_t len;
} sort_key;

/* Longest first; ties in input order (document, then offset). */
static int key_cmp(const void *a, const void *b)
{
    const sort_key *x = a, *y = b;
    if (x->len != y->len)
        return x->len > y->len ? -1 : 1;
    if (x->doc != y->doc)
        return x->doc < y->doc ? -1 : 1;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static int bestfit_group(rf_packer *p, size_t g, rf_err *err)
{
    pgroup *G = &p->groups[g];
    if (!G->nitems)
        return 0;
    sort_key *keys = rf_xmalloc(G->nitems * sizeof *keys);
    for (size_t k = 0; k < G->nitems; k++) {
        const item *it = &p->items[G->items[k]];
        keys[k] = (sort_key){it->doc, it->offset, G->items[k], it->len};
    }
    qsort(keys, G->nitems, sizeof *keys, key_cmp);
    for (size_t k = 0; k < G->nitems; k++)
        G->items[k] = keys[k].idx;
    free(keys);
    p->nbins = 0;
    for (size_t k = 0; k < G->nitems; k++) {
        item *it = &p->items[G->items[k]];
        int64_t r = room_find(p, it->len);
        size_t b;
        if (r < 0) {
            size_t cap = p->capbins;
            p->bins = grow(p->bins, &cap, p->nbins + 1, sizeof *p->bins);
            p->capbins = cap;
            b = p->nbins++;
            p->bins[b].room = p->N;
            p->bins[b].first = p->bins[b].last = -1;
        } else {
            b = (size_t)p->room_head[r];
            p->room_head[r] = p->bins[b].next;
            room_clear_if_empty(p, (uint32_t)r);
        }
        bin *B = &p->bins[b];
        it->next = -1;
        if (B->last >= 0)
            p->items[B->last].next = (int64_t)G->items[k];
        else
            B->first = (int64_t)G->items[k];
        B->last = (int64_t)G->items[k];
        B->room -= it->len;
        if (B->room > 0) {
            B->next = p->room_head[B->room];
            p->room_head[B->room] = (int64_t)b;
            room_set(p, B->room);
        }
    }
    /* Write the bins in creation order, and empty the room lists. */
    int rc = 0;
    for (size_t b = 0; b < p->nbins; b++) {
        bin *B = &p->bins[b];
        size_t np = 0;
        uint32_t fill = 0;
        for (int64_t i = B->first; i >= 0; i = p->items[i].next) {
            const item *it = &p->items[i];
            memcpy(p->seq + (size_t)fill * p->isz, p->buf + it->data, (size_t)it->len * p->isz);
            p->parts = grow(p->parts, &p->capparts, np + 1, sizeof *p->parts);
            rf_pack_part *pt = &p->parts[np++];
            pt->doc = it->doc;
            pt->offset = it->offset;
            pt->start = fill;
            pt->len = it->len;
            pt->id = it->id_len == UINT32_MAX ? NULL : p->pool + it->id;
            pt->id_len = it->id_len == UINT32_MAX ? 0 : it->id_len;
            fill += it->len;
        }
        pad_to(p, p->seq, fill);
        if (!rc)
            rc = emit(p, g, p->seq, fill, p->parts, np, err);
        if (B->room > 0) {
            p->room_head[B->room] = -1;
            p->lvl0[B->room >> 6] = 0;
            p->lvl1[B->room >> 12] = 0;
        }
    }
    G->nitems = 0;
    return rc;
}

static int bestfit_flush(rf_packer *p, rf_err *err)
{
    int rc = 0;
    for (size_t g = 0; g < p->ngroups && !rc; g++)
        rc = bestfit_group(p, g, err);
    p->buf_len = p->pool_len = 0;
    p->nitems = 0;
    p->window_tokens = 0;
    return rc;
}

static int bestfit_add(rf_packer *p, size_t g, const unsigned char *data, size_t ntok,
                       uint64_t doc, const char *id, size_t id_len, rf_err *err)
{
    size_t off = 0;
    int pieces = 0;
    /* Full chunks are sequences of their own right away. */
    while (ntok - off > p->N) {
        rf_pack_part pt = {doc, id, id_len, off, 0, p->N};
        int rc = emit(p, g, data + off * p->isz, p->N, &pt, 1, err);
        if (rc)
            return rc;
        off += p->N;
        pieces++;
    }
    /* The rest (a whole document, a remainder, or one last full chunk). */
    uint32_t len = (uint32_t)(ntok - off);
    if (len == p->N) {
        rf_pack_part pt = {doc, id, id_len, off, 0, p->N};
        int rc = emit(p, g, data + off * p->isz, p->N, &pt, 1, err);
        if (rc)
            return rc;
        pieces++;
    } else if (len > 0) {
        pieces++;
        size_t cap = p->capitems;
        p->items = grow(p->items, &cap, p->nitems + 1, sizeof *p->items);
        p->capitems = cap;
        item *it = &p->items[p->nitems];
        it->doc = doc;
        it->offset = off;
        it->len = len;
        it->next = -1;
        size_t bcap = p->buf_cap;
        p->buf = grow(p->buf, &bcap, p->buf_len + (size_t)len * p->isz, 1);
        p->buf_cap = bcap;
        it->data = p->buf_len;
        memcpy(p->buf + p->buf_len, data + off * p->isz, (size_t)len * p->isz);
        p->buf_len += (size_t)len * p->isz;
        if (id) {
            size_t pc = p->pool_cap;
            p->pool = grow(p->pool, &pc, p->pool_len + id_len + 1, 1);
            p->pool_cap = pc;
            it->id = p->pool_len;
            it->id_len = (uint32_t)id_len;
            memcpy(p->pool + p->pool_len, id, id_len);
            p->pool_len += id_len;
        } else {
            it->id = 0;
            it->id_len = UINT32_MAX;
        }
        pgroup *G = &p->groups[g];
        G->items = grow(G->items, &G->capitems, G->nitems + 1, sizeof *G->items);
        G->items[G->nitems++] = p->nitems++;
        p->window_tokens += len;
    }
    if (pieces > 1)
        p->st.split_docs++;
    if (p->window_tokens >= p->buffer_tokens)
        return bestfit_flush(p, err);
    return 0;
}

int rf_packer_add(rf_packer *p, const void *data, size_t ntok, const char *id, size_t id_len,
                  const char *gkey, size_t group_len, rf_err *err)
{
    uint64_t doc = p->st.docs++;
    p->st.doc_tokens += ntok;
    if (ntok == 0) {
        p->st.empty_docs++;
        return 0;
    }
    if (id && id_len >= UINT32_MAX)
        id = NULL;
    size_t g = group_of(p, gkey, group_len);
    if (p->mode == RF_PACK_CONCAT)
        return concat_add(p, g, data, ntok, doc, id, id_len, err);
    return bestfit_add(p, g, data, ntok, doc, id, id_len, err);
}

int rf_packer_finish(rf_packer *p, rf_err *err)
{
    if (p->mode == RF_PACK_CONCAT)
        return concat_finish(p, err);
    return bestfit_flush(p, err);
}
