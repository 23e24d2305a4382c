/* tok_encode.c — the encode and decode pipelines (HF Tokenizer::encode and
 * ::decode) and the per-thread scratch.
 *
 * encode: split the raw text on non-normalized added tokens; normalise each
 * remaining piece on its own and split it on normalized added tokens; run the
 * pre-tokenizer over the text pieces; BPE each piece; wrap the ids with the
 * post-processor's special tokens when asked. Every intermediate string lives
 * in the scratch arena, which is reset per call. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stages/text.h"
#include "stages/utf8.h"
#include "tokenizer/tok_internal.h"

void rf_ids_grow(rf_ids *a, size_t extra)
{
    size_t need = a->n + extra;
    if (need <= a->cap)
        return;
    size_t c = a->cap ? a->cap : 64;
    while (c < need)
        c *= 2;
    a->v = rf_xrealloc(a->v, c * sizeof *a->v);
    a->cap = c;
}

void rf_ids_release(rf_ids *a)
{
    if (!a)
        return;
    free(a->v);
    a->v = NULL;
    a->n = a->cap = 0;
}

rf_tok_scratch *rf_tok_scratch_new(const rf_tokenizer *tk)
{
    /* Regex match data and the cache are allocated on first use: a scratch
     * for decoding or for a model without regexes costs nothing. */
    rf_tok_scratch *s = rf_xcalloc(1, sizeof *s);
    s->tk = tk;
    rf_arena_init(&s->arena, 1 << 16);
    for (int i = 0; i < 2; i++)
        s->cache[i].mask = (1u << 16) - 1;
    return s;
}

void rf_tok_scratch_free(rf_tok_scratch *s)
{
    if (!s)
        return;
    if (getenv("REFINE_TOK_DEBUG"))
        fprintf(stderr, "cache: text %llu hits %llu misses, byte-level %llu hits %llu misses\n",
                (unsigned long long)s->cache[0].hits, (unsigned long long)s->cache[0].misses,
                (unsigned long long)s->cache[1].hits, (unsigned long long)s->cache[1].misses);
    if (s->md)
        pcre2_match_data_free(s->md);
    if (s->mctx)
        pcre2_match_context_free(s->mctx);
    if (s->jit)
        pcre2_jit_stack_free(s->jit);
    rf_arena_release(&s->arena);
    free(s->a.v);
    free(s->b.v);
    free(s->spans);
    free(s->sym);
    free(s->heap);
    for (int i = 0; i < 2; i++)
        free(s->cache[i].e);
    rf_ids_release(&s->tmp);
    free(s);
}

static void swap_pieces(rf_tok_scratch *s)
{
    tok_pieces t = s->a;
    s->a = s->b;
    s->b = t;
}

int rf_tokenizer_encode(const rf_tokenizer *tk, rf_tok_scratch *s, const char *text, size_t n,
                        int add_special, rf_ids *out, rf_err *err)
{
    out->n = 0;
    size_t bad = rf_utf8_check(text, n);
    if (bad != n)
        return rf_errf(err, RF_EFORMAT, "text is not valid UTF-8 (byte %zu)", bad);
    rf_arena_reset(&s->arena);
    s->a.n = 0;
    if (n)
        tok_pieces_push(&s->a, text, n, -1, 0, 1);
    int rc;
    if (tk->trie_raw.npat) {
        tok_added_split(s, tk, &tk->trie_raw, &s->a, &s->b);
        swap_pieces(s);
    }
    if (tk->norm) {
        s->b.n = 0;
        for (size_t i = 0; i < s->a.n; i++) {
            tok_piece pc = s->a.v[i];
            if (pc.id >= 0) {
                tok_pieces_push(&s->b, pc.p, pc.n, pc.id, 0, 0);
                continue;
            }
            const char *np;
            size_t nn;
            int lead = 0;
            if ((rc = tok_normalize(s, tk->norm, pc.p, pc.n, &np, &nn, &lead, err)))
                return rc;
            if (nn)
                tok_pieces_push(&s->b, np, nn, -1, 0, pc.orig0 && !lead);
        }
        swap_pieces(s);
    }
    if (tk->trie_norm.npat) {
        tok_added_split(s, tk, &tk->trie_norm, &s->a, &s->b);
        swap_pieces(s);
    }
    if (tk->pre && (rc = tok_pretokenize(s, tk->pre, &s->a, &s->b, err)))
        return rc;
    const tok_post *pp = &tk->post;
    if (add_special && pp->nbefore) {
        rf_ids_grow(out, pp->nbefore);
        memcpy(out->v, pp->before, pp->nbefore * sizeof *out->v);
        out->n = pp->nbefore;
    }
    for (size_t i = 0; i < s->a.n; i++) {
        tok_piece *pc = &s->a.v[i];
        if (pc->id >= 0) {
            rf_ids_push(out, (uint32_t)pc->id);
            continue;
        }
        if (pc->bl && (tk->bpe.prefix || tk->bpe.suffix))
            tok_piece_materialize(s, pc);
        tok_bpe_tokenize(s, &tk->bpe, pc, out);
    }
    if (add_special && pp->nafter) {
        rf_ids_grow(out, pp->nafter);
        memcpy(out->v + out->n, pp->after, pp->nafter * sizeof *out->v);
        out->n += pp->nafter;
    }
    return 0;
}

/* ---- decoding ---- */

/* A list of strings being decoded; strings live in one growing buffer. */
typedef struct strlist {
    size_t *off, *len;
    size_t n, cap;
    rf_buf mem;
} strlist;

static void sl_push(strlist *l, const char *p, size_t n)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->off = rf_xrealloc(l->off, l->cap * sizeof *l->off);
        l->len = rf_xrealloc(l->len, l->cap * sizeof *l->len);
    }
    l->off[l->n] = l->mem.len;
    l->len[l->n] = n;
    rf_buf_add(&l->mem, p, n);
    l->n++;
}

static void sl_release(strlist *l)
{
    free(l->off);
    free(l->len);
    rf_buf_release(&l->mem);
    memset(l, 0, sizeof *l);
}

#define SL_STR(l, i) ((l)->mem.p + (l)->off[i])

static int hexdig(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int tok_byte_token(const char *p, size_t n)
{
    if (n != 6 || memcmp(p, "<0x", 3) != 0 || p[5] != '>')
        return -1;
    int a = hexdig(p[3]), b = hexdig(p[4]);
    if (p[3] == '+' && b >= 0) /* Rust's u8::from_str_radix takes a leading '+' */
        return b;
    if (a < 0 || b < 0)
        return -1;
    return a * 16 + b;
}

static void flush_bytes(strlist *o, rf_buf *bytes)
{
    if (!bytes->len)
        return;
    if (rf_utf8_check(bytes->p, bytes->len) == bytes->len) {
        sl_push(o, bytes->p, bytes->len);
    } else {
        for (size_t i = 0; i < bytes->len; i++)
            sl_push(o, "\xEF\xBF\xBD", 3);
    }
    rf_buf_reset(bytes);
}

static int decode_chain(rf_tok_scratch *s, const tok_dec *d, strlist *in, strlist *out,
                        rf_err *err);

static int decode_step(rf_tok_scratch *s, const tok_dec *d, strlist *in, strlist *out,
                       rf_err *err)
{
    out->n = 0;
    rf_buf_reset(&out->mem);
    switch (d->kind) {
    case DEC_BYTELEVEL: {
        rf_buf all = RF_BUF_INIT;
        for (size_t i = 0; i < in->n; i++) {
            const char *p = SL_STR(in, i);
            size_t n = in->len[i], j = 0, mark = all.len;
            int ok = 1;
            while (j < n) {
                uint32_t cp = rf_next_cp(p, n, &j);
                int b = tok_char_byte(cp);
                if (b < 0) {
                    ok = 0;
                    break;
                }
                rf_buf_addc(&all, (char)b);
            }
            if (!ok) {
                all.len = mark;
                rf_buf_add(&all, p, n);
            }
        }
        char *fixed = rf_xmalloc(3 * all.len + 1);
        size_t rep;
        size_t fl = rf_utf8_repair(all.p ? all.p : "", all.len, fixed, &rep);
        sl_push(out, fixed, fl);
        free(fixed);
        rf_buf_release(&all);
        return 0;
    }
    case DEC_REPLACE:
        for (size_t i = 0; i < in->n; i++) {
            const char *p = SL_STR(in, i);
            int rc = tok_find_matches(s, &d->pat, p, in->len[i], err);
            if (rc)
                return rc;
            rf_buf t = RF_BUF_INIT;
            for (size_t k = 0; k < s->nspans; k++) {
                if (s->spans[k].match)
                    rf_buf_add(&t, d->str, d->strn);
                else
                    rf_buf_add(&t, p + s->spans[k].start, s->spans[k].end - s->spans[k].start);
            }
            sl_push(out, t.p ? t.p : "", t.len);
            rf_buf_release(&t);
        }
        return 0;
    case DEC_BYTE_FALLBACK: {
        rf_buf bytes = RF_BUF_INIT;
        for (size_t i = 0; i < in->n; i++) {
            int b = tok_byte_token(SL_STR(in, i), in->len[i]);
            if (b >= 0) {
                rf_buf_addc(&bytes, (char)b);
                continue;
            }
            flush_bytes(out, &bytes);
            sl_push(out, SL_STR(in, i), in->len[i]);
        }
        flush_bytes(out, &bytes);
        rf_buf_release(&bytes);
        return 0;
    }
    case DEC_FUSE: {
        rf_buf all = RF_BUF_INIT;
        for (size_t i = 0; i < in->n; i++)
            rf_buf_add(&all, SL_STR(in, i), in->len[i]);
        sl_push(out, all.p ? all.p : "", all.len);
        rf_buf_release(&all);
        return 0;
    }
    case DEC_STRIP:
        for (size_t i = 0; i < in->n; i++) {
            const char *p = SL_STR(in, i);
            size_t n = in->len[i];
            /* Character boundaries of the token. */
            size_t nch = 0, j = 0;
            while (j < n) {
                rf_next_cp(p, n, &j);
                nch++;
            }
            size_t *b = rf_xmalloc((nch + 1) * sizeof *b);
            uint32_t *cps = rf_xmalloc((nch + 1) * sizeof *cps);
            j = 0;
            for (size_t k = 0; k < nch; k++) {
                b[k] = j;
                cps[k] = rf_next_cp(p, n, &j);
            }
            b[nch] = n;
            size_t sc = 0, ec = nch;
            for (size_t k = 0; k < d->start && k < nch; k++) {
                if (cps[k] != d->ch)
                    break;
                sc = k + 1;
            }
            for (size_t k = 0; k < d->stop && k < nch; k++) {
                size_t idx = nch - k - 1;
                if (cps[idx] != d->ch)
                    break;
                ec = idx;
            }
            if (ec < sc)
                ec = sc; /* Rust would panic on an inverted range; keep nothing */
            sl_push(out, p + b[sc], b[ec] - b[sc]);
            free(b);
            free(cps);
        }
        return 0;
    case DEC_METASPACE:
        for (size_t i = 0; i < in->n; i++) {
            const char *p = SL_STR(in, i);
            size_t n = in->len[i], j = 0;
            rf_buf t = RF_BUF_INIT;
            while (j < n) {
                size_t st = j;
                uint32_t cp = rf_next_cp(p, n, &j);
                if (cp == d->ch) {
                    if (!(i == 0 && d->prepend != PREPEND_NEVER))
                        rf_buf_addc(&t, ' ');
                } else {
                    rf_buf_add(&t, p + st, j - st);
                }
            }
            sl_push(out, t.p ? t.p : "", t.len);
            rf_buf_release(&t);
        }
        return 0;
    case DEC_BPE_SUFFIX:
        for (size_t i = 0; i < in->n; i++) {
            const char *p = SL_STR(in, i);
            size_t n = in->len[i], j = 0;
            const char *rep = i + 1 == in->n ? "" : " ";
            rf_buf t = RF_BUF_INIT;
            while (j < n) {
                if (d->strn && j + d->strn <= n && memcmp(p + j, d->str, d->strn) == 0) {
                    rf_buf_adds(&t, rep);
                    j += d->strn;
                } else {
                    rf_buf_addc(&t, p[j++]);
                }
            }
            sl_push(out, t.p ? t.p : "", t.len);
            rf_buf_release(&t);
        }
        return 0;
    case DEC_SEQ:
        return decode_chain(s, d, in, out, err);
    default:
        return rf_errf(err, RF_EINTERNAL, "unknown decoder kind %d", d->kind);
    }
}

static int decode_chain(rf_tok_scratch *s, const tok_dec *d, strlist *in, strlist *out,
                        rf_err *err)
{
    /* Sequence: each decoder's output feeds the next. */
    strlist a = {0}, b = {0};
    for (size_t i = 0; i < in->n; i++)
        sl_push(&a, SL_STR(in, i), in->len[i]);
    for (size_t k = 0; k < d->nitems; k++) {
        int rc = decode_step(s, &d->items[k], &a, &b, err);
        if (rc) {
            sl_release(&a);
            sl_release(&b);
            return rc;
        }
        strlist t = a;
        a = b;
        b = t;
    }
    out->n = 0;
    rf_buf_reset(&out->mem);
    for (size_t i = 0; i < a.n; i++)
        sl_push(out, SL_STR(&a, i), a.len[i]);
    sl_release(&a);
    sl_release(&b);
    return 0;
}

const char *rf_tokenizer_id_to_token(const rf_tokenizer *tk, uint32_t id, size_t *len)
{
    if (id < tk->added_nid && tk->added_by_id[id] >= 0) {
        const tok_added *a = &tk->added[tk->added_by_id[id]];
        *len = a->len;
        return a->content;
    }
    return tok_bpe_token(&tk->bpe, id, len);
}

int rf_tokenizer_decode(const rf_tokenizer *tk, const uint32_t *ids, size_t n, int skip_special,
                        rf_buf *out, rf_err *err)
{
    strlist toks = {0}, res = {0};
    for (size_t i = 0; i < n; i++) {
        size_t len;
        const char *t = rf_tokenizer_id_to_token(tk, ids[i], &len);
        if (!t)
            continue;
        if (skip_special && rf_strmap_find(&tk->special_set, t, len) >= 0)
            continue;
        sl_push(&toks, t, len);
    }
    int rc = 0;
    if (!tk->dec) {
        for (size_t i = 0; i < toks.n; i++) {
            if (i)
                rf_buf_addc(out, ' ');
            rf_buf_add(out, SL_STR(&toks, i), toks.len[i]);
        }
    } else {
        rf_tok_scratch *s = rf_tok_scratch_new(tk);
        rc = tk->dec->kind == DEC_SEQ ? decode_chain(s, tk->dec, &toks, &res, err)
                                      : decode_step(s, tk->dec, &toks, &res, err);
        rf_tok_scratch_free(s);
        if (!rc)
            for (size_t i = 0; i < res.n; i++)
                rf_buf_add(out, SL_STR(&res, i), res.len[i]);
    }
    sl_release(&toks);
    sl_release(&res);
    return rc;
}

size_t rf_tokenizer_vocab_size(const rf_tokenizer *tk)
{
    size_t extra = 0;
    for (size_t i = 0; i < tk->nadded; i++)
        if (rf_strmap_find(&tk->bpe.vocab, tk->added[i].content, tk->added[i].len) < 0)
            extra++;
    return tk->bpe.vocab_n + extra;
}

uint32_t rf_tokenizer_id_limit(const rf_tokenizer *tk)
{
    size_t lim = tk->bpe.nid;
    for (size_t i = 0; i < tk->added_nid; i++)
        if (tk->added_by_id[i] >= 0 && i + 1 > lim)
            lim = i + 1;
    return lim > UINT32_MAX ? UINT32_MAX : (uint32_t)lim;
}

int64_t rf_tokenizer_token_to_id(const rf_tokenizer *tk, const char *p, size_t n)
{
    int64_t e = rf_strmap_find(&tk->added_map, p, n);
    if (e >= 0)
        return (int64_t)tk->added_map.ent[e].val;
    e = rf_strmap_find(&tk->bpe.vocab, p, n);
    return e >= 0 ? (int64_t)tk->bpe.vocab.ent[e].val : -1;
}

int rf_tokenizer_is_byte_level(const rf_tokenizer *tk)
{
    return tk->byte_level;
}

int rf_tokenizer_is_special(const rf_tokenizer *tk, uint32_t id)
{
    size_t len;
    const char *t = rf_tokenizer_id_to_token(tk, id, &len);
    return t && rf_strmap_find(&tk->special_set, t, len) >= 0;
}
