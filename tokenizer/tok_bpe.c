/* tok_bpe.c — the BPE model, exactly as HF tokenizers' models/bpe runs it.
 *
 * A piece becomes initial symbols one character at a time (vocabulary id,
 * else byte-fallback tokens, else the unknown token, fused when fuse_unk,
 * else nothing), then merges are applied from a min-heap keyed by (rank,
 * position): the lowest rank first, the leftmost among equal ranks, with
 * HF's staleness test (the pair now at that position must still merge into
 * the same new id). That is O(n log n) in the piece length, never quadratic.
 *
 * Byte-level pieces are kept as raw bytes: each byte's initial symbol comes
 * from a 256-entry table instead of mapping the text to the GPT-2 alphabet
 * and looking every character up. Results are cached per thread by piece
 * bytes. Pieces of SentencePiece-style models (whole texts, no
 * pre-tokenizer) are cut at U+2581 boundaries no merge can cross, so long
 * documents cost a sum of small cached pieces. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stages/text.h"
#include "stages/utf8.h"
#include "tokenizer/tok_internal.h"


const char *tok_bpe_token(const tok_bpe *m, uint32_t id, size_t *len)
{
    if (id >= m->nid || m->id2tok[id].len == UINT32_MAX)
        return NULL;
    *len = m->id2tok[id].len;
    return m->vocab.pool + m->id2tok[id].off;
}

void tok_bpe_release(tok_bpe *m)
{
    rf_strmap_release(&m->vocab);
    rf_strmap_release(&m->raw);
    free(m->id2tok);
    rf_u64map_release(&m->merges);
    rf_u64map_release(&m->seg_left);
    free(m->prefix);
    free(m->suffix);
    free(m->bmp);
    free(m->bl_pair);
    free(m->mslot);
    free(m->mnew);
    memset(m, 0, sizeof *m);
}

static int64_t vocab_id(const tok_bpe *m, const char *p, size_t n)
{
    int64_t e = rf_strmap_find(&m->vocab, p, n);
    return e < 0 ? -1 : (int64_t)m->vocab.ent[e].val;
}

int tok_bpe_add_merge(tok_bpe *m, const char *a, size_t an, const char *b, size_t bn,
                      uint32_t rank, rf_err *err)
{
    int64_t ia = vocab_id(m, a, an), ib = vocab_id(m, b, bn);
    if (ia < 0 || ib < 0)
        return rf_errf(err, RF_EFORMAT, "merge %zu: token '%.*s' is not in the vocabulary",
                       (size_t)rank + 1, (int)(ia < 0 ? an : bn), ia < 0 ? a : b);
    size_t skip = m->prefix_len <= bn ? m->prefix_len : bn;
    size_t len = an + bn - skip;
    char stackbuf[256];
    char *buf = len <= sizeof stackbuf ? stackbuf : rf_xmalloc(len);
    memcpy(buf, a, an);
    memcpy(buf + an, b + skip, bn - skip);
    int64_t in = vocab_id(m, buf, len);
    int rc = 0;
    if (in < 0)
        rc = rf_errf(err, RF_EFORMAT, "merge %zu: result '%.*s' is not in the vocabulary",
                     (size_t)rank + 1, (int)len, buf);
    if (buf != stackbuf)
        free(buf);
    if (rc)
        return rc;
    /* A repeated pair keeps its last rank, as HF's HashMap collect does. */
    rf_u64map_set(&m->merges, (uint64_t)ia << 32 | (uint64_t)ib,
                  (uint64_t)rank << 32 | (uint64_t)in);
    m->nmerges++;
    return 0;
}

/* How the unit string (s, n) (a character, with any prefix or suffix
 * applied) becomes initial symbols. */
static void unit_of(const tok_bpe *m, const char *s, size_t n, tok_unit *u)
{
    int64_t id = vocab_id(m, s, n);
    u->nb = 0;
    if (id >= 0) {
        u->kind = UNIT_ID;
        u->id[0] = (uint32_t)id;
        return;
    }
    if (m->byte_fallback && n <= TOK_UNIT_MAX) {
        int ok = 1;
        for (size_t i = 0; i < n; i++)
            ok &= m->byte_fb[(unsigned char)s[i]] >= 0;
        if (ok) {
            u->kind = UNIT_BYTES;
            u->nb = (uint8_t)n;
            for (size_t i = 0; i < n; i++)
                u->id[i] = (uint32_t)m->byte_fb[(unsigned char)s[i]];
            return;
        }
    }
    u->kind = m->unk_id >= 0 ? UNIT_UNK : UNIT_DROP;
}

static void build_mslot(tok_bpe *m);

int tok_bpe_build(tok_bpe *m, rf_err *err)
{
    tok_bytemap_init();
    size_t maxid = 0;
    for (size_t i = 0; i < m->vocab.n; i++)
        if (m->vocab.ent[i].val + 1 > maxid)
            maxid = m->vocab.ent[i].val + 1;
    if (maxid > (1u << 26))
        return rf_errf(err, RF_EFORMAT, "vocabulary id %zu is too large", maxid - 1);
    m->nid = maxid;
    m->id2tok = rf_xmalloc((maxid ? maxid : 1) * sizeof *m->id2tok);
    for (size_t i = 0; i < maxid; i++)
        m->id2tok[i].len = UINT32_MAX;
    /* HF builds vocab_r from the map; when two strings share an id, keep the
     * last one. */
    for (size_t i = 0; i < m->vocab.n; i++) {
        m->id2tok[m->vocab.ent[i].val].off = m->vocab.ent[i].off;
        m->id2tok[m->vocab.ent[i].val].len = m->vocab.ent[i].len;
    }
    for (int b = 0; b < 256; b++) {
        char name[8];
        snprintf(name, sizeof name, "<0x%02X>", b);
        m->byte_fb[b] = vocab_id(m, name, 6);
    }
    /* Single characters of the BMP, when no prefix/suffix changes lookups. */
    if (!m->prefix && !m->suffix) {
        m->bmp = rf_xmalloc(0x10000 * sizeof *m->bmp);
        for (size_t i = 0; i < 0x10000; i++)
            m->bmp[i] = -1;
        for (size_t i = 0; i < m->vocab.n; i++) {
            const unsigned char *t = (const unsigned char *)m->vocab.pool + m->vocab.ent[i].off;
            size_t len = m->vocab.ent[i].len;
            uint32_t cp;
            if (len && rf_utf8_decode(t, len, &cp) == len && cp < 0x10000)
                m->bmp[cp] = (int32_t)m->vocab.ent[i].val;
        }
    }
    /* Byte-level units: each raw byte stands for its GPT-2 character. */
    for (int b = 0; b < 256; b++) {
        char u[4];
        size_t k = rf_utf8_encode(tok_byte_char[b], u);
        unit_of(m, u, k, &m->bl_unit[b]);
    }
    build_mslot(m);
    /* Byte-level pairs of single bytes, when every byte is one token. */
    int all_id = 1;
    for (int b = 0; b < 256; b++)
        all_id &= m->bl_unit[b].kind == UNIT_ID;
    if (all_id) {
        m->bl_pair = rf_xmalloc(65536 * sizeof *m->bl_pair);
        for (size_t k = 0; k < 65536; k++) {
            const uint64_t *v = rf_u64map_get(
                &m->merges, (uint64_t)m->bl_unit[k >> 8].id[0] << 32 | m->bl_unit[k & 255].id[0]);
            m->bl_pair[k] = v ? *v : (uint64_t)UINT32_MAX << 32;
        }
    }
    /* Cut points for long SentencePiece pieces (see the file comment). */
    static const char meta[] = "\xE2\x96\x81";
    m->seg_ok = !m->prefix && !m->suffix && !m->ignore_merges && vocab_id(m, meta, 3) >= 0;
    if (m->seg_ok) {
        rf_u64map_init(&m->seg_left, 64);
        for (size_t i = 0; i < m->vocab.n; i++) {
            const char *t = m->vocab.pool + m->vocab.ent[i].off;
            size_t len = m->vocab.ent[i].len, j = 0;
            uint32_t prevcp = 0;
            int have = 0;
            while (j < len) {
                size_t st = j;
                uint32_t cp;
                size_t l = rf_utf8_decode((const unsigned char *)t + j, len - j, &cp);
                j += l ? l : 1;
                if (!l)
                    cp = 0xFFFFFFFFu; /* not UTF-8: never equal to a real character */
                if (have && cp == 0x2581 && st > 0)
                    rf_u64map_set(&m->seg_left, prevcp, 1);
                prevcp = cp;
                have = 1;
            }
        }
    }
    return 0;
}

/* ---- building the word ---- */

typedef struct wordb {
    rf_tok_scratch *s;
    size_t n;
    int unk_pending;
    uint32_t unk_len;
} wordb;

static inline void sym_add(wordb *w, uint32_t c, uint32_t len)
{
    rf_tok_scratch *s = w->s;
    if (w->n == s->capsym) {
        s->capsym = s->capsym ? 2 * s->capsym : 256;
        s->sym = rf_xrealloc(s->sym, s->capsym * sizeof *s->sym);
    }
    tok_sym *y = &s->sym[w->n];
    y->c = c;
    y->prev = (int32_t)w->n - 1;
    y->next = -1;
    y->len = len;
    if (w->n)
        s->sym[w->n - 1].next = (int32_t)w->n;
    w->n++;
}

static inline void unit_add(wordb *w, const tok_bpe *m, const tok_unit *u, uint32_t len)
{
    switch (u->kind) {
    case UNIT_ID:
        if (w->unk_pending) {
            sym_add(w, (uint32_t)m->unk_id, w->unk_len);
            w->unk_pending = 0;
        }
        sym_add(w, u->id[0], len);
        break;
    case UNIT_BYTES:
        /* HF adds the byte tokens without flushing a pending unknown token. */
        for (unsigned i = 0; i < u->nb; i++)
            sym_add(w, u->id[i], 1);
        break;
    case UNIT_UNK:
        if (w->unk_pending && m->fuse_unk) {
            w->unk_len += len;
        } else {
            if (w->unk_pending)
                sym_add(w, (uint32_t)m->unk_id, w->unk_len);
            w->unk_pending = 1;
            w->unk_len = len;
        }
        break;
    default:
        break;
    }
}

/* ---- merging ---- */

#define MSLOT_EMPTY UINT64_MAX

static inline size_t mslot_hash(uint64_t key40, size_t mask)
{
    return (size_t)((key40 * 0x9E3779B97F4A7C15ull) >> 24) & mask;
}

/* Rank and new id of the merge (a, b); 0 when there is none. */
static inline int merge_get(const tok_bpe *m, uint32_t a, uint32_t b, uint32_t *rank,
                            uint32_t *nid)
{
    if (m->mslot) {
        if ((a | b) >> 20)
            return 0;
        uint64_t key = (uint64_t)a << 20 | b;
        size_t i = mslot_hash(key, m->mmask);
        for (;;) {
            uint64_t v = m->mslot[i];
            if (v == MSLOT_EMPTY)
                return 0;
            if (v >> 24 == key) {
                *rank = (uint32_t)(v & 0xFFFFFF);
                *nid = m->mnew[*rank];
                return 1;
            }
            i = (i + 1) & m->mmask;
        }
    }
    const uint64_t *v = rf_u64map_get(&m->merges, (uint64_t)a << 32 | b);
    if (!v)
        return 0;
    *rank = (uint32_t)(*v >> 32);
    *nid = (uint32_t)*v;
    return 1;
}

static void build_mslot(tok_bpe *m)
{
    if (!m->merges.slot)
        return;
    uint32_t maxrank = 0;
    for (size_t i = 0; i <= m->merges.mask; i++) {
        const rf_u64slot *e = &m->merges.slot[i];
        if (e->key == RF_U64MAP_EMPTY)
            continue;
        if ((e->key >> 32) >= (1u << 20) || (e->key & 0xFFFFFFFFu) >= (1u << 20) ||
            (e->val >> 32) >= (1u << 24))
            return; /* does not fit: keep using the map */
        if ((uint32_t)(e->val >> 32) > maxrank)
            maxrank = (uint32_t)(e->val >> 32);
    }
    size_t cap = 64;
    while (cap < m->merges.n + m->merges.n / 2 + 2)
        cap *= 2;
    m->mslot = rf_xmalloc(cap * sizeof *m->mslot);
    for (size_t i = 0; i < cap; i++)
        m->mslot[i] = MSLOT_EMPTY;
    m->mmask = cap - 1;
    m->mnew = rf_xcalloc((size_t)maxrank + 1, sizeof *m->mnew);
    for (size_t i = 0; i <= m->merges.mask; i++) {
        const rf_u64slot *e = &m->merges.slot[i];
        if (e->key == RF_U64MAP_EMPTY)
            continue;
        uint64_t key = (e->key >> 32) << 20 | (e->key & 0xFFFFFFFFu);
        uint32_t rank = (uint32_t)(e->val >> 32);
        size_t j = mslot_hash(key, m->mmask);
        while (m->mslot[j] != MSLOT_EMPTY)
            j = (j + 1) & m->mmask;
        m->mslot[j] = key << 24 | rank;
        m->mnew[rank] = (uint32_t)e->val;
    }
}

static inline int heap_less(const tok_heapent *a, const tok_heapent *b)
{
    return a->rank != b->rank ? a->rank < b->rank : a->pos < b->pos;
}

static void heap_push(rf_tok_scratch *s, size_t *hn, uint32_t rank, uint32_t pos, uint32_t nid)
{
    if (*hn == s->capheap) {
        s->capheap = s->capheap ? 2 * s->capheap : 256;
        s->heap = rf_xrealloc(s->heap, s->capheap * sizeof *s->heap);
    }
    tok_heapent *h = s->heap;
    size_t i = (*hn)++;
    tok_heapent e = {rank, pos, nid};
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!heap_less(&e, &h[p]))
            break;
        h[i] = h[p];
        i = p;
    }
    h[i] = e;
}

static tok_heapent heap_pop(rf_tok_scratch *s, size_t *hn)
{
    tok_heapent *h = s->heap;
    tok_heapent top = h[0];
    tok_heapent last = h[--(*hn)];
    size_t n = *hn, i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && heap_less(&h[c + 1], &h[c]))
            c++;
        if (!heap_less(&h[c], &last))
            break;
        h[i] = h[c];
        i = c;
    }
    if (n)
        h[i] = last;
    return top;
}

static void merge_all(rf_tok_scratch *s, const tok_bpe *m, size_t nsym)
{
    tok_sym *y = s->sym;
    size_t hn = 0;
    uint32_t rank, nid;
    for (size_t i = 0; i + 1 < nsym; i++)
        if (merge_get(m, y[i].c, y[i + 1].c, &rank, &nid))
            heap_push(s, &hn, rank, (uint32_t)i, nid);
    while (hn) {
        tok_heapent top = heap_pop(s, &hn);
        y = s->sym;
        tok_sym *cur = &y[top.pos];
        if (cur->len == 0 || cur->next == -1)
            continue;
        size_t next_pos = (size_t)cur->next;
        tok_sym right = y[next_pos];
        if (!merge_get(m, cur->c, right.c, &rank, &nid) || nid != top.new_id)
            continue;
        cur->c = top.new_id;
        cur->len += right.len;
        cur->next = right.next;
        y[next_pos].len = 0;
        if (right.next > -1 && (size_t)right.next < nsym)
            y[right.next].prev = (int32_t)top.pos;
        if (cur->prev >= 0) {
            size_t pv = (size_t)cur->prev;
            if (merge_get(m, y[pv].c, cur->c, &rank, &nid)) {
                heap_push(s, &hn, rank, (uint32_t)pv, nid);
                y = s->sym;
                cur = &y[top.pos];
            }
        }
        if (cur->next > -1 && (size_t)cur->next < nsym &&
            merge_get(m, cur->c, y[cur->next].c, &rank, &nid))
            heap_push(s, &hn, rank, top.pos, nid);
    }
}

/* Short words: repeatedly merge the lowest-ranked pair, leftmost first, by
 * scanning. This is the same sequence of merges as the heap (symbols only
 * ever grow to the right, so an entry HF finds stale can never be revived
 * with a different rank), without its bookkeeping; long words use the heap so
 * the cost stays O(n log n). Writes the ids to out, returns their count. */
#define SMALL_WORD 48
static inline void pair_rank(const tok_bpe *m, uint32_t a, uint32_t b, uint32_t *rank,
                             uint32_t *nid)
{
    if (!merge_get(m, a, b, rank, nid)) {
        *rank = UINT32_MAX;
        *nid = 0;
    }
}

/* c[0..n) are the symbols, rank/nid[0..n-1) their pairs' merges. */
static size_t merge_small(const tok_bpe *m, uint32_t *c, uint32_t *rank, uint32_t *nid, size_t n,
                          uint32_t *out)
{
    while (n > 1) {
        size_t best = 0;
        for (size_t i = 1; i + 1 < n; i++)
            if (rank[i] < rank[best])
                best = i;
        if (rank[best] == UINT32_MAX)
            break;
        c[best] = nid[best];
        memmove(c + best + 1, c + best + 2, (n - best - 2) * sizeof *c);
        memmove(rank + best + 1, rank + best + 2, (n - best - 2) * sizeof *rank);
        memmove(nid + best + 1, nid + best + 2, (n - best - 2) * sizeof *nid);
        n--;
        if (best > 0)
            pair_rank(m, c[best - 1], c[best], &rank[best - 1], &nid[best - 1]);
        if (best + 1 < n)
            pair_rank(m, c[best], c[best + 1], &rank[best], &nid[best]);
    }
    if (n)
        memcpy(out, c, n * sizeof *c);
    return n;
}

/* Builds and merges the word of piece (p, n); appends the ids to out. */
static void merge_word(rf_tok_scratch *s, const tok_bpe *m, const char *p, size_t n, int bl,
                       rf_ids *out)
{
    if (bl && m->bl_pair && n <= SMALL_WORD) {
        /* Byte-level fast path: every byte is one token and the first round
         * of pairs comes from a dense byte-pair table. */
        uint32_t c[SMALL_WORD], rank[SMALL_WORD], nid[SMALL_WORD];
        const unsigned char *b = (const unsigned char *)p;
        for (size_t i = 0; i < n; i++)
            c[i] = m->bl_unit[b[i]].id[0];
        for (size_t i = 0; i + 1 < n; i++) {
            uint64_t v = m->bl_pair[(size_t)b[i] << 8 | b[i + 1]];
            rank[i] = (uint32_t)(v >> 32);
            nid[i] = (uint32_t)v;
        }
        if (out->cap < out->n + n)
            rf_ids_grow(out, n);
        out->n += merge_small(m, c, rank, nid, n, out->v + out->n);
        return;
    }
    wordb w = {s, 0, 0, 0};
    if (bl) {
        for (size_t i = 0; i < n; i++)
            unit_add(&w, m, &m->bl_unit[(unsigned char)p[i]], 1);
    } else {
        size_t i = 0;
        char tmp[64];
        while (i < n) {
            size_t st = i;
            uint32_t cp = rf_next_cp(p, n, &i);
            size_t clen = i - st;
            tok_unit u;
            int first = st == 0, last = i >= n;
            if (m->bmp && cp < 0x10000) {
                int32_t id = m->bmp[cp];
                if (id >= 0) {
                    u.kind = UNIT_ID;
                    u.id[0] = (uint32_t)id;
                } else {
                    unit_of(m, p + st, clen, &u);
                }
            } else {
                const char *str = p + st;
                size_t sn = clen;
                int pre = !first && m->prefix, suf = last && m->suffix;
                char *heap = NULL;
                if (pre || suf) {
                    size_t need = clen + (pre ? m->prefix_len : 0) + (suf ? m->suffix_len : 0);
                    char *b = need <= sizeof tmp ? tmp : (heap = rf_xmalloc(need));
                    size_t k = 0;
                    if (pre) {
                        memcpy(b, m->prefix, m->prefix_len);
                        k = m->prefix_len;
                    }
                    memcpy(b + k, p + st, clen);
                    k += clen;
                    if (suf) {
                        memcpy(b + k, m->suffix, m->suffix_len);
                        k += m->suffix_len;
                    }
                    str = b;
                    sn = k;
                }
                unit_of(m, str, sn, &u);
                free(heap);
            }
            unit_add(&w, m, &u, (uint32_t)clen);
        }
    }
    if (w.unk_pending)
        sym_add(&w, (uint32_t)m->unk_id, w.unk_len);
    if (!w.n)
        return;
    rf_ids_grow(out, w.n);
    if (w.n <= SMALL_WORD) {
        uint32_t c[SMALL_WORD], rank[SMALL_WORD], nid[SMALL_WORD];
        for (size_t i = 0; i < w.n; i++)
            c[i] = s->sym[i].c;
        for (size_t i = 0; i + 1 < w.n; i++)
            pair_rank(m, c[i], c[i + 1], &rank[i], &nid[i]);
        out->n += merge_small(m, c, rank, nid, w.n, out->v + out->n);
        return;
    }
    merge_all(s, m, w.n);
    for (size_t i = 0; i < w.n; i++)
        if (s->sym[i].len)
            out->v[out->n++] = s->sym[i].c;
}

/* ---- cache ---- */

/* The ids of piece (p, n) through the per-thread cache. h: its
 * rf_strmap_hash, or 0 to compute it here. */
static void tokenize_cached(rf_tok_scratch *s, const tok_bpe *m, const char *p, size_t n, int bl,
                            uint64_t h, rf_ids *out)
{
    tok_cache *c = &s->cache[bl ? 1 : 0];
    if (n > TOK_CACHE_KEY || c->disabled) {
        if (m->ignore_merges) {
            const rf_strmap *t = bl ? &m->raw : &m->vocab;
            int64_t ve = rf_strmap_find(t, p, n);
            if (ve >= 0) {
                rf_ids_push(out, (uint32_t)t->ent[ve].val);
                return;
            }
        }
        merge_word(s, m, p, n, bl, out);
        return;
    }
    if (!c->e)
        c->e = rf_xcalloc(c->mask + 1, sizeof *c->e);
    if (!h)
        h = rf_strmap_hash(p, n);
    tok_centry *e = &c->e[(size_t)(h >> 7) & c->mask];
    if (e->hash == h && e->klen == n && memcmp(e->key, p, n) == 0) {
        if (e->nids) {
            rf_ids_grow(out, e->nids);
            memcpy(out->v + out->n, e->ids, e->nids * sizeof *out->v);
            out->n += e->nids;
        }
        c->hits++;
        return;
    }
    c->misses++;
    size_t before = out->n;
    int64_t whole = -1;
    if (m->ignore_merges) {
        /* HF checks the vocabulary before its cache; the answer is the same
         * for a piece either way, so the cache is asked first here. */
        const rf_strmap *t = bl ? &m->raw : &m->vocab;
        int64_t ve = rf_strmap_find_h(t, p, n, h);
        if (ve >= 0)
            whole = (int64_t)t->ent[ve].val;
    }
    if (whole >= 0)
        rf_ids_push(out, (uint32_t)whole);
    else
        merge_word(s, m, p, n, bl, out);
    size_t cnt = out->n - before;
    if (cnt <= TOK_CACHE_IDS) {
        e->hash = h;
        e->klen = (uint8_t)n;
        e->nids = (uint8_t)cnt;
        memcpy(e->key, p, n);
        if (cnt)
            memcpy(e->ids, out->v + before, cnt * sizeof *e->ids);
    }
}

void tok_bpe_tokenize(rf_tok_scratch *s, const tok_bpe *m, const tok_piece *pc, rf_ids *out)
{
    if (pc->n == 0)
        return;
    if (pc->bl || !m->seg_ok) {
        tokenize_cached(s, m, pc->p, pc->n, pc->bl, 0, out);
        return;
    }
    /* Cut before a U+2581 whose left neighbour is a token that never
     * precedes U+2581 inside a token. */
    const char *p = pc->p;
    size_t n = pc->n, start = 0, i = 0;
    uint32_t prevcp = 0;
    while (i < n) {
        size_t st = i;
        uint32_t cp = rf_next_cp(p, n, &i);
        if (cp == 0x2581 && st > start && prevcp < 0x10000 && m->bmp[prevcp] >= 0 &&
            !rf_u64map_get(&m->seg_left, prevcp)) {
            tokenize_cached(s, m, p + start, st - start, 0, 0, out);
            start = st;
        } else if (cp == 0x2581 && st > start && prevcp >= 0x10000) {
            /* Supplementary-plane neighbour: look it up in the vocabulary. */
            char u[4];
            size_t k = rf_utf8_encode(prevcp, u);
            if (vocab_id(m, u, k) >= 0 && !rf_u64map_get(&m->seg_left, prevcp)) {
                tokenize_cached(s, m, p + start, st - start, 0, 0, out);
                start = st;
            }
        }
        prevcp = cp;
    }
    if (start < n)
        tokenize_cached(s, m, p + start, n - start, 0, 0, out);
}
