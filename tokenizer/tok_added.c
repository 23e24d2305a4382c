/* tok_added.c — added tokens (HF AddedVocabulary): id assignment, the two
 * matchers and the split of the input around matches.
 *
 * Ids follow HF's add_tokens, not the "id" written in tokenizer.json: a
 * content that the model vocabulary knows keeps that id, a new one gets the
 * next id after the largest added id (or the model's size). Tokens marked
 * normalized=false are matched on the raw input before normalisation; the
 * others on each normalised piece, against their own normalised form.
 * Matching is leftmost-longest over non-overlapping matches (aho-corasick's
 * LeftmostLongest find_iter) with HF's single_word / lstrip / rstrip rules. */
#include <stdlib.h>
#include <string.h>

#include "stages/text.h"
#include "tokenizer/tok_internal.h"

void tok_added_add(rf_tokenizer *tk, const tok_added *t)
{
    if (tk->npending == tk->cappending) {
        tk->cappending = tk->cappending ? 2 * tk->cappending : 16;
        tk->pending = rf_xrealloc(tk->pending, tk->cappending * sizeof *tk->pending);
    }
    tok_added *d = &tk->pending[tk->npending++];
    *d = *t;
    d->content = rf_xmalloc(t->len + 1);
    memcpy(d->content, t->content, t->len);
    d->content[t->len] = '\0';
}

/* ---- trie ---- */

static size_t trie_node(tok_trie *t)
{
    if (t->nnodes == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 64;
        t->term = rf_xrealloc(t->term, t->cap * sizeof *t->term);
    }
    t->term[t->nnodes] = -1;
    return t->nnodes++;
}

static void trie_insert(tok_trie *t, const char *p, size_t n, uint32_t id)
{
    if (n == 0)
        return;
    if (!t->nnodes) {
        rf_u64map_init(&t->next, 64);
        trie_node(t);
    }
    size_t node = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t key = (uint64_t)node << 8 | (unsigned char)p[i];
        const uint64_t *c = rf_u64map_get(&t->next, key);
        if (c) {
            node = (size_t)*c;
        } else {
            size_t nn = trie_node(t);
            rf_u64map_set(&t->next, key, nn);
            node = nn;
        }
    }
    t->first[(unsigned char)p[0]] = 1;
    if (t->term[node] < 0) /* equal patterns: the first one reports */
        t->term[node] = id;
    t->npat++;
}

void tok_trie_release(tok_trie *t)
{
    rf_u64map_release(&t->next);
    free(t->term);
    memset(t, 0, sizeof *t);
}

/* Longest pattern starting at p[i]: its end, or 0 when none. */
static size_t trie_longest(const tok_trie *t, const char *p, size_t n, size_t i, uint32_t *id)
{
    size_t node = 0, best = 0;
    for (size_t k = i; k < n; k++) {
        const uint64_t *c = rf_u64map_get(&t->next, (uint64_t)node << 8 | (unsigned char)p[k]);
        if (!c)
            break;
        node = (size_t)*c;
        if (t->term[node] >= 0) {
            best = k + 1;
            *id = (uint32_t)t->term[node];
        }
    }
    return best;
}

/* ---- vocabulary ---- */

static int same_token(const tok_added *a, const tok_added *b)
{
    return a->len == b->len && memcmp(a->content, b->content, a->len) == 0 &&
           a->special == b->special && a->normalized == b->normalized && a->lstrip == b->lstrip &&
           a->rstrip == b->rstrip && a->single_word == b->single_word;
}

static int64_t added_slot(const rf_tokenizer *tk, uint32_t id)
{
    return id < tk->added_nid ? tk->added_by_id[id] : -1;
}

static void set_added(rf_tokenizer *tk, uint32_t id, const tok_added *t)
{
    if (id >= tk->added_nid) {
        size_t nn = tk->added_nid ? tk->added_nid : 64;
        while (nn <= id)
            nn *= 2;
        tk->added_by_id = rf_xrealloc(tk->added_by_id, nn * sizeof *tk->added_by_id);
        for (size_t i = tk->added_nid; i < nn; i++)
            tk->added_by_id[i] = -1;
        tk->added_nid = nn;
    }
    int64_t slot = tk->added_by_id[id];
    if (slot < 0) {
        if (tk->nadded == tk->capadded) {
            tk->capadded = tk->capadded ? 2 * tk->capadded : 16;
            tk->added = rf_xrealloc(tk->added, tk->capadded * sizeof *tk->added);
        }
        slot = (int64_t)tk->nadded++;
        tk->added_by_id[id] = slot;
        tk->added[slot].content = NULL;
    }
    tok_added *d = &tk->added[slot];
    free(d->content);
    *d = *t;
    d->id = id;
    d->content = rf_xmalloc(t->len + 1);
    memcpy(d->content, t->content, t->len);
    d->content[t->len] = '\0';
}

int tok_added_finish(rf_tokenizer *tk, rf_tok_scratch *s, rf_err *err)
{
    tok_added *in = tk->pending;
    size_t n = tk->npending;
    /* The lists HF keeps: special tokens (first of each content), then the
     * other added tokens in order. */
    tok_added **order = rf_xmalloc((2 * n + 1) * sizeof *order);
    size_t norder = 0;
    for (size_t i = 0; i < n; i++) {
        int isnew;
        if (in[i].special && in[i].len) {
            rf_strmap_put(&tk->special_set, in[i].content, in[i].len, 1, &isnew);
            if (isnew)
                order[norder++] = &in[i];
        }
    }
    size_t vocab_size = tk->bpe.vocab_n;
    int64_t max_added = -1;
    for (size_t i = 0; i < n; i++) {
        const tok_added *t = &in[i];
        if (!t->len)
            continue;
        /* An identical token (all flags equal) is ignored; only the entry
         * for the same content can be identical. */
        int64_t e = rf_strmap_find(&tk->added_map, t->content, t->len);
        if (e >= 0) {
            int64_t slot = added_slot(tk, (uint32_t)tk->added_map.ent[e].val);
            if (slot >= 0 && same_token(&tk->added[slot], t))
                continue;
        }
        int64_t id;
        if (e >= 0) {
            id = (int64_t)tk->added_map.ent[e].val;
        } else {
            int64_t v = rf_strmap_find(&tk->bpe.vocab, t->content, t->len);
            if (v >= 0)
                id = (int64_t)tk->bpe.vocab.ent[v].val;
            else if (max_added < 0)
                id = (int64_t)vocab_size;
            else if ((uint64_t)max_added >= vocab_size || vocab_size == 0)
                id = max_added + 1;
            else
                id = (int64_t)vocab_size;
        }
        if (id > (int64_t)(1u << 26)) {
            free(order);
            return rf_errf(err, RF_EFORMAT, "added token id %lld is too large", (long long)id);
        }
        size_t ei = rf_strmap_put(&tk->added_map, t->content, t->len, (uint64_t)id, NULL);
        tk->added_map.ent[ei].val = (uint64_t)id;
        if (id > max_added)
            max_added = id;
        set_added(tk, (uint32_t)id, t);
        if (rf_strmap_find(&tk->special_set, t->content, t->len) < 0)
            order[norder++] = &in[i];
    }
    /* Tries: partition by each list entry's own normalized flag. */
    int rc = 0;
    for (size_t i = 0; i < norder && !rc; i++) {
        const tok_added *t = order[i];
        int64_t e = rf_strmap_find(&tk->added_map, t->content, t->len);
        if (e < 0)
            continue;
        uint32_t id = (uint32_t)tk->added_map.ent[e].val;
        if (!t->normalized) {
            trie_insert(&tk->trie_raw, t->content, t->len, id);
            continue;
        }
        const char *p = t->content;
        size_t pn = t->len;
        int lead = 0;
        if (tk->norm) {
            rf_arena_reset(&s->arena);
            rc = tok_normalize(s, tk->norm, t->content, t->len, &p, &pn, &lead, err);
        }
        if (!rc)
            trie_insert(&tk->trie_norm, p, pn, id);
    }
    free(order);
    return rc;
}

/* ---- splitting ---- */

static int ends_with_word(const char *p, size_t n)
{
    if (!n)
        return 0;
    size_t k = n - 1;
    while (k > 0 && ((unsigned char)p[k] & 0xC0) == 0x80)
        k--;
    size_t j = k;
    return tok_is_word(rf_next_cp(p, n, &j));
}

static int starts_with_word(const char *p, size_t n)
{
    if (!n)
        return 0;
    size_t j = 0;
    return tok_is_word(rf_next_cp(p, n, &j));
}

void tok_added_split(rf_tok_scratch *s, const rf_tokenizer *tk, const tok_trie *t,
                     const tok_pieces *in, tok_pieces *out)
{
    (void)s;
    out->n = 0;
    for (size_t pi = 0; pi < in->n; pi++) {
        const tok_piece *pc = &in->v[pi];
        if (pc->id >= 0 || !t->npat) {
            tok_pieces_push(out, pc->p, pc->n, pc->id, pc->bl, pc->orig0);
            continue;
        }
        const char *p = pc->p;
        size_t n = pc->n, start_offset = 0, i = 0;
        while (i < n) {
            if (!t->first[(unsigned char)p[i]]) {
                i++;
                continue;
            }
            uint32_t id = 0;
            size_t end = trie_longest(t, p, n, i, &id);
            if (!end) {
                i++;
                continue;
            }
            size_t start = i, stop = end;
            i = end; /* the next search starts after this match */
            int64_t slot = added_slot(tk, id);
            const tok_added *a = slot >= 0 ? &tk->added[slot] : NULL;
            if (a && a->single_word) {
                int start_space = start == 0 || !ends_with_word(p, start);
                int stop_space = stop == n || !starts_with_word(p + stop, n - stop);
                if (!start_space || !stop_space)
                    continue;
            }
            if (a && a->lstrip) {
                size_t ns = start;
                while (ns > 0) {
                    size_t k = ns - 1;
                    while (k > 0 && ((unsigned char)p[k] & 0xC0) == 0x80)
                        k--;
                    size_t j = k;
                    if (!tok_is_whitespace(rf_next_cp(p, ns, &j)))
                        break;
                    ns = k;
                }
                start = ns > start_offset ? ns : start_offset;
            }
            if (a && a->rstrip) {
                while (stop < n) {
                    size_t j = stop;
                    if (!tok_is_whitespace(rf_next_cp(p, n, &j)))
                        break;
                    stop = j;
                }
            }
            if (start_offset < start)
                tok_pieces_push(out, p + start_offset, start - start_offset, -1, 0,
                                pc->orig0 && start_offset == 0);
            tok_pieces_push(out, p + start, stop - start, id, 0, 0);
            start_offset = stop;
        }
        if (start_offset < n)
            tok_pieces_push(out, p + start_offset, n - start_offset, -1, 0,
                            pc->orig0 && start_offset == 0);
    }
}
