/* tok_gguf.c — builds a tokenizer from the metadata of a GGUF file
 * (tokenizer.ggml.*), the way HF converts these vocabularies:
 *
 *  - model "llama" (SentencePiece BPE: tokens + scores): merges are every
 *    split of a token into two tokens, ordered by the merged token's score
 *    (highest first; ties by token id, then by the ids of the two halves);
 *    byte fallback through the <0xXX> tokens, unknown tokens fused; the
 *    legacy Llama normaliser (prepend U+2581, spaces to U+2581) and decoder.
 *  - model "gpt2" (byte-level BPE: tokens + merges): the pre-tokenizer named
 *    by tokenizer.ggml.pre (gpt-2/default, llama-bpe, qwen2); others are
 *    refused by name.
 *
 * Control and unknown tokens become special added tokens, user-defined ones
 * plain added tokens (both matched on the raw text). The reader checks every
 * length against the bytes left and only looks at the key/value section. */
#include <stdlib.h>
#include <string.h>

#include "stages/utf8.h"
#include "tokenizer/tok_internal.h"

enum {
    G_U8 = 0, G_I8, G_U16, G_I16, G_U32, G_I32, G_F32, G_BOOL, G_STR, G_ARR, G_U64, G_I64, G_F64
};

typedef struct rd {
    const unsigned char *p;
    size_t n, i;
    const char *name;
    rf_err *err;
} rd;

static int need(rd *r, size_t k)
{
    if (k > r->n - r->i)
        return rf_errf(r->err, RF_EFORMAT, "%s: GGUF truncated at byte %zu", r->name, r->i);
    return 0;
}

static int rd_u32(rd *r, uint32_t *v)
{
    if (need(r, 4))
        return RF_EFORMAT;
    memcpy(v, r->p + r->i, 4);
    r->i += 4;
    return 0;
}

static int rd_u64(rd *r, uint64_t *v)
{
    if (need(r, 8))
        return RF_EFORMAT;
    memcpy(v, r->p + r->i, 8);
    r->i += 8;
    return 0;
}

static int rd_str(rd *r, const char **s, size_t *len)
{
    uint64_t n;
    if (rd_u64(r, &n))
        return RF_EFORMAT;
    if (n > r->n - r->i)
        return rf_errf(r->err, RF_EFORMAT, "%s: GGUF string of %llu bytes at byte %zu overruns "
                       "the file", r->name, (unsigned long long)n, r->i);
    *s = (const char *)r->p + r->i;
    *len = (size_t)n;
    r->i += (size_t)n;
    return 0;
}

static size_t type_size(uint32_t t)
{
    switch (t) {
    case G_U8: case G_I8: case G_BOOL: return 1;
    case G_U16: case G_I16: return 2;
    case G_U32: case G_I32: case G_F32: return 4;
    case G_U64: case G_I64: case G_F64: return 8;
    default: return 0;
    }
}

/* A metadata value: scalars decoded, arrays as (type, count, start). */
typedef struct gval {
    uint32_t type;
    uint64_t u;       /* integers, bool */
    double f;
    const char *s;    /* string */
    size_t sn;
    uint32_t atype;   /* array */
    uint64_t count;
    size_t start;
} gval;

static int skip_value(rd *r, uint32_t t, int depth);

static int read_value(rd *r, uint32_t t, gval *v, int depth)
{
    memset(v, 0, sizeof *v);
    v->type = t;
    size_t sz = type_size(t);
    if (sz) {
        if (need(r, sz))
            return RF_EFORMAT;
        const unsigned char *q = r->p + r->i;
        switch (t) {
        case G_U8: v->u = q[0]; break;
        case G_I8: v->u = (uint64_t)(int64_t)(int8_t)q[0]; break;
        case G_BOOL: v->u = q[0] != 0; break;
        case G_U16: { uint16_t x; memcpy(&x, q, 2); v->u = x; break; }
        case G_I16: { int16_t x; memcpy(&x, q, 2); v->u = (uint64_t)(int64_t)x; break; }
        case G_U32: { uint32_t x; memcpy(&x, q, 4); v->u = x; break; }
        case G_I32: { int32_t x; memcpy(&x, q, 4); v->u = (uint64_t)(int64_t)x; break; }
        case G_F32: { float x; memcpy(&x, q, 4); v->f = x; break; }
        case G_U64: case G_I64: memcpy(&v->u, q, 8); break;
        case G_F64: memcpy(&v->f, q, 8); break;
        }
        r->i += sz;
        return 0;
    }
    if (t == G_STR)
        return rd_str(r, &v->s, &v->sn);
    if (t == G_ARR) {
        if (depth > 4)
            return rf_errf(r->err, RF_EFORMAT, "%s: GGUF arrays nested too deep", r->name);
        if (rd_u32(r, &v->atype) || rd_u64(r, &v->count))
            return RF_EFORMAT;
        v->start = r->i;
        size_t es = type_size(v->atype);
        if (es) {
            if (v->count > (r->n - r->i) / es)
                return rf_errf(r->err, RF_EFORMAT, "%s: GGUF array overruns the file", r->name);
            r->i += (size_t)v->count * es;
            return 0;
        }
        for (uint64_t k = 0; k < v->count; k++)
            if (skip_value(r, v->atype, depth + 1))
                return RF_EFORMAT;
        return 0;
    }
    return rf_errf(r->err, RF_EFORMAT, "%s: GGUF value type %u unknown at byte %zu", r->name, t,
                   r->i);
}

static int skip_value(rd *r, uint32_t t, int depth)
{
    gval v;
    return read_value(r, t, &v, depth);
}

typedef struct gguf_tok {
    gval model, tokens, scores, types, merges, pre, bos, eos, unk, add_bos;
    int has_model, has_tokens, has_scores, has_types, has_merges, has_pre, has_bos, has_unk,
        has_add_bos;
} gguf_tok;

/* The i-th element of a string array (walks from the start: callers read
 * arrays sequentially through an index built once). */
static size_t *string_index(rd *r, const gval *a)
{
    size_t *off = rf_xmalloc((size_t)(a->count + 1) * sizeof *off);
    rd w = *r;
    w.i = a->start;
    for (uint64_t k = 0; k < a->count; k++) {
        off[k] = w.i;
        const char *s;
        size_t n;
        if (rd_str(&w, &s, &n)) {
            free(off);
            return NULL;
        }
    }
    off[a->count] = w.i;
    return off;
}

static void str_at(const rd *r, size_t off, const char **s, size_t *n)
{
    uint64_t len;
    memcpy(&len, r->p + off, 8);
    *s = (const char *)r->p + off + 8;
    *n = (size_t)len;
}

typedef struct smerge {
    double score;
    uint32_t piece, l, r;  /* ids */
    uint32_t el, er;       /* vocabulary entries of the halves */
} smerge;

static int smerge_cmp(const void *a, const void *b)
{
    const smerge *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    if (x->piece != y->piece)
        return x->piece < y->piece ? -1 : 1;
    if (x->l != y->l)
        return x->l < y->l ? -1 : 1;
    return x->r < y->r ? -1 : x->r > y->r;
}

static const char llama3_re[] =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+"
    "[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
static const char qwen2_re[] =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+"
    "[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

int rf_tokenizer_load_gguf(rf_tokenizer **out, const unsigned char *p, size_t n, const char *name,
                           rf_err *err)
{
    *out = NULL;
    rd r = {p, n, 0, name, err};
    uint32_t version;
    uint64_t ntensors, nkv;
    if (need(&r, 4) || memcmp(p, "GGUF", 4) != 0)
        return rf_errf(err, RF_EFORMAT, "%s: not a GGUF file", name);
    r.i = 4;
    if (rd_u32(&r, &version))
        return RF_EFORMAT;
    if (version < 2 || version > 3)
        return rf_errf(err, RF_EUNSUP, "%s: GGUF version %u is not supported", name, version);
    if (rd_u64(&r, &ntensors) || rd_u64(&r, &nkv))
        return RF_EFORMAT;
    gguf_tok g;
    memset(&g, 0, sizeof g);
    for (uint64_t k = 0; k < nkv; k++) {
        const char *key;
        size_t kn;
        uint32_t t;
        gval v;
        if (rd_str(&r, &key, &kn) || rd_u32(&r, &t) || read_value(&r, t, &v, 0))
            return rf_err_prefix(err, "%s: metadata entry %llu", name, (unsigned long long)k);
#define KEY(s) (kn == sizeof(s) - 1 && memcmp(key, s, kn) == 0)
        if (KEY("tokenizer.ggml.model") && t == G_STR) g.model = v, g.has_model = 1;
        else if (KEY("tokenizer.ggml.tokens") && t == G_ARR) g.tokens = v, g.has_tokens = 1;
        else if (KEY("tokenizer.ggml.scores") && t == G_ARR) g.scores = v, g.has_scores = 1;
        else if (KEY("tokenizer.ggml.token_type") && t == G_ARR) g.types = v, g.has_types = 1;
        else if (KEY("tokenizer.ggml.merges") && t == G_ARR) g.merges = v, g.has_merges = 1;
        else if (KEY("tokenizer.ggml.pre") && t == G_STR) g.pre = v, g.has_pre = 1;
        else if (KEY("tokenizer.ggml.bos_token_id")) g.bos = v, g.has_bos = 1;
        else if (KEY("tokenizer.ggml.unknown_token_id")) g.unk = v, g.has_unk = 1;
        else if (KEY("tokenizer.ggml.add_bos_token") && t == G_BOOL) g.add_bos = v, g.has_add_bos = 1;
#undef KEY
    }
    if (!g.has_model || !g.has_tokens || g.tokens.atype != G_STR)
        return rf_errf(err, RF_EFORMAT, "%s: no tokenizer.ggml.model / tokenizer.ggml.tokens",
                       name);
    int llama = g.model.sn == 5 && memcmp(g.model.s, "llama", 5) == 0;
    int gpt2 = g.model.sn == 4 && memcmp(g.model.s, "gpt2", 4) == 0;
    if (!llama && !gpt2)
        return rf_errf(err, RF_EUNSUP, "%s: tokenizer.ggml.model '%.*s' is not supported", name,
                       (int)g.model.sn, g.model.s);
    uint64_t ntok = g.tokens.count;
    if (ntok == 0 || ntok > (1u << 24))
        return rf_errf(err, RF_EFORMAT, "%s: %llu tokens", name, (unsigned long long)ntok);
    if (g.has_scores && (g.scores.atype != G_F32 || g.scores.count != ntok))
        return rf_errf(err, RF_EFORMAT, "%s: tokenizer.ggml.scores does not match the tokens", name);
    if (g.has_types && (g.types.atype != G_I32 || g.types.count != ntok))
        return rf_errf(err, RF_EFORMAT, "%s: tokenizer.ggml.token_type does not match the tokens",
                       name);
    size_t *toff = string_index(&r, &g.tokens);
    if (!toff)
        return RF_EFORMAT;
    rf_tokenizer *tk = tok_new(name);
    tok_bpe *m = &tk->bpe;
    int rc = 0;
    for (uint64_t k = 0; k < ntok; k++) {
        const char *s;
        size_t sn;
        str_at(&r, toff[k], &s, &sn);
        if (rf_utf8_check(s, sn) != sn) {
            rc = rf_errf(err, RF_EFORMAT, "%s: token %llu is not valid UTF-8", name,
                         (unsigned long long)k);
            goto out;
        }
        size_t e = rf_strmap_put(&m->vocab, s, sn, k, NULL);
        m->vocab.ent[e].val = k; /* a repeated token keeps its last id, as a dict would */
    }
    m->vocab_n = m->vocab.n;
    int32_t *types = NULL;
    if (g.has_types) {
        types = rf_xmalloc((size_t)ntok * sizeof *types);
        memcpy(types, p + g.types.start, (size_t)ntok * 4);
    }
    if (llama) {
        if (!g.has_scores) {
            rc = rf_errf(err, RF_EFORMAT, "%s: a llama vocabulary needs tokenizer.ggml.scores", name);
            free(types);
            goto out;
        }
        float *score = rf_xmalloc((size_t)ntok * sizeof *score);
        memcpy(score, p + g.scores.start, (size_t)ntok * 4);
        smerge *ms = NULL;
        size_t nm = 0, cm = 0;
        for (uint64_t k = 0; k < ntok; k++) {
            const char *s;
            size_t sn;
            str_at(&r, toff[k], &s, &sn);
            size_t j = 0;
            while (j < sn) {
                uint32_t cp;
                size_t l = rf_utf8_decode((const unsigned char *)s + j, sn - j, &cp);
                j += l;
                if (j >= sn)
                    break;
                int64_t a = rf_strmap_find(&m->vocab, s, j), b = rf_strmap_find(&m->vocab, s + j,
                                                                                 sn - j);
                if (a < 0 || b < 0)
                    continue;
                if (nm == cm) {
                    cm = cm ? 2 * cm : 1024;
                    ms = rf_xrealloc(ms, cm * sizeof *ms);
                }
                ms[nm].score = score[k];
                ms[nm].piece = (uint32_t)k;
                ms[nm].l = (uint32_t)m->vocab.ent[a].val;
                ms[nm].r = (uint32_t)m->vocab.ent[b].val;
                ms[nm].el = (uint32_t)a;
                ms[nm].er = (uint32_t)b;
                nm++;
            }
        }
        qsort(ms, nm, sizeof *ms, smerge_cmp);
        rf_u64map_init(&m->merges, nm);
        for (size_t k = 0; k < nm && !rc; k++) {
            size_t an, bn;
            const char *a = rf_strmap_key(&m->vocab, ms[k].el, &an);
            const char *b = rf_strmap_key(&m->vocab, ms[k].er, &bn);
            rc = tok_bpe_add_merge(m, a, an, b, bn, (uint32_t)k, err);
        }
        free(ms);
        free(score);
        m->byte_fallback = 1;
        m->fuse_unk = 1;
        int64_t unk = g.has_unk ? (int64_t)g.unk.u : rf_strmap_find(&m->vocab, "<unk>", 5);
        m->unk_id = unk >= 0 && (uint64_t)unk < ntok ? unk : -1;
        /* Normaliser: Prepend("▁"), Replace(" " -> "▁"). */
        tk->norm = rf_xcalloc(1, sizeof *tk->norm);
        tk->norm->kind = NORM_SEQ;
        tk->norm->items = rf_xcalloc(2, sizeof *tk->norm->items);
        tk->norm->nitems = 2;
        tk->norm->items[0].kind = NORM_PREPEND;
        tk->norm->items[0].str = rf_xstrdup("\xE2\x96\x81");
        tk->norm->items[0].strn = 3;
        tk->norm->items[1].kind = NORM_REPLACE;
        tk->norm->items[1].str = rf_xstrdup("\xE2\x96\x81");
        tk->norm->items[1].strn = 3;
        tok_pattern_literal(&tk->norm->items[1].pat, " ", 1);
        /* Decoder: Replace("▁" -> " "), ByteFallback, Fuse, Strip(" ", 1, 0). */
        tk->dec = rf_xcalloc(1, sizeof *tk->dec);
        tk->dec->kind = DEC_SEQ;
        tk->dec->items = rf_xcalloc(4, sizeof *tk->dec->items);
        tk->dec->nitems = 4;
        tk->dec->items[0].kind = DEC_REPLACE;
        tk->dec->items[0].str = rf_xstrdup(" ");
        tk->dec->items[0].strn = 1;
        tok_pattern_literal(&tk->dec->items[0].pat, "\xE2\x96\x81", 3);
        tk->dec->items[1].kind = DEC_BYTE_FALLBACK;
        tk->dec->items[2].kind = DEC_FUSE;
        tk->dec->items[3].kind = DEC_STRIP;
        tk->dec->items[3].ch = ' ';
        tk->dec->items[3].start = 1;
    } else {
        if (!g.has_merges || g.merges.atype != G_STR) {
            rc = rf_errf(err, RF_EFORMAT, "%s: a gpt2 vocabulary needs tokenizer.ggml.merges", name);
            free(types);
            goto out;
        }
        size_t *moff = string_index(&r, &g.merges);
        if (!moff) {
            rc = RF_EFORMAT;
            free(types);
            goto out;
        }
        rf_u64map_init(&m->merges, (size_t)g.merges.count);
        for (uint64_t k = 0; k < g.merges.count && !rc; k++) {
            const char *s;
            size_t sn;
            str_at(&r, moff[k], &s, &sn);
            const char *sp = memchr(s, ' ', sn);
            if (!sp) {
                rc = rf_errf(err, RF_EFORMAT, "%s: merge %llu has no space", name,
                             (unsigned long long)k);
                break;
            }
            rc = tok_bpe_add_merge(m, s, (size_t)(sp - s), sp + 1, sn - (size_t)(sp + 1 - s),
                                   (uint32_t)k, err);
        }
        free(moff);
        const char *pre = g.has_pre ? g.pre.s : "default";
        size_t pn = g.has_pre ? g.pre.sn : 7;
#define PRE(s) (pn == sizeof(s) - 1 && memcmp(pre, s, pn) == 0)
        tk->pre = rf_xcalloc(1, sizeof *tk->pre);
        if (!rc && (PRE("default") || PRE("gpt-2") || PRE("gpt2"))) {
            tk->pre->kind = PRE_BYTELEVEL;
            tk->pre->use_regex = 1;
        } else if (!rc && (PRE("llama-bpe") || PRE("llama3") || PRE("qwen2"))) {
            int q = PRE("qwen2");
            tk->pre->kind = PRE_SEQ;
            tk->pre->items = rf_xcalloc(2, sizeof *tk->pre->items);
            tk->pre->nitems = 2;
            tk->pre->items[0].kind = PRE_SPLIT;
            tk->pre->items[0].behavior = B_ISOLATED;
            const char *re = q ? qwen2_re : llama3_re;
            rc = tok_pattern_regex(&tk->pre->items[0].pat, re, strlen(re), err);
            tk->pre->items[1].kind = PRE_BYTELEVEL;
            if (q) {
                tk->norm = rf_xcalloc(1, sizeof *tk->norm);
                tk->norm->kind = NORM_NFC;
            } else {
                m->ignore_merges = 1;
            }
        } else if (!rc) {
            rc = rf_errf(err, RF_EUNSUP, "%s: tokenizer.ggml.pre '%.*s' is not supported", name,
                         (int)pn, pre);
        }
#undef PRE
        tk->dec = rf_xcalloc(1, sizeof *tk->dec);
        tk->dec->kind = DEC_BYTELEVEL;
    }
    /* Control (3) and unknown (2) tokens are special, user-defined (4) plain
     * added tokens; all matched on the raw text. */
    for (uint64_t k = 0; types && k < ntok && !rc; k++) {
        if (types[k] != 2 && types[k] != 3 && types[k] != 4)
            continue;
        tok_added t;
        memset(&t, 0, sizeof t);
        const char *s;
        str_at(&r, toff[k], &s, &t.len);
        t.content = (char *)s;
        t.special = types[k] != 4;
        tok_added_add(tk, &t);
    }
    free(types);
    if (rc)
        goto out;
    int add_bos = g.has_add_bos ? g.add_bos.u != 0 : llama;
    if (add_bos && g.has_bos && g.bos.u < ntok) {
        uint32_t b = (uint32_t)g.bos.u;
        tk->post.present = 1;
        tk->post.before = rf_xmalloc(sizeof *tk->post.before);
        tk->post.before[0] = b;
        tk->post.nbefore = 1;
    }
    rc = tok_finish(tk, err);
out:
    free(toff);
    if (rc) {
        rf_tokenizer_free(tk);
        return rc;
    }
    *out = tk;
    return 0;
}
