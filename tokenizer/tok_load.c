/* tok_load.c — reads a HuggingFace tokenizer.json into an rf_tokenizer.
 *
 * Every component type HF serialises is either implemented or refused with
 * an error naming it (and its JSON path), so a tokenizer this library cannot
 * reproduce exactly never loads. Defaults follow HF's serde definitions
 * (ByteLevel.use_regex = true, Metaspace.prepend_scheme = "always",
 * Metaspace.split = true, Punctuation.behavior = "Isolated"). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stages/file.h"
#include "stages/utf8.h"
#include "tokenizer/jdom.h"
#include "tokenizer/tok_internal.h"

rf_tokenizer *tok_new(const char *name)
{
    rf_tokenizer *tk = rf_xcalloc(1, sizeof *tk);
    tk->name = rf_xstrdup(name ? name : "tokenizer");
    tk->bpe.unk_id = -1;
    rf_strmap_init(&tk->bpe.vocab);
    rf_strmap_init(&tk->bpe.raw);
    rf_strmap_init(&tk->added_map);
    rf_strmap_init(&tk->special_set);
    return tk;
}

void tok_dec_free(tok_dec *d)
{
    if (!d)
        return;
    tok_pattern_release(&d->pat);
    free(d->str);
    for (size_t i = 0; i < d->nitems; i++)
        tok_dec_free(&d->items[i]);
    free(d->items);
    memset(d, 0, sizeof *d);
}

void rf_tokenizer_free(rf_tokenizer *tk)
{
    if (!tk)
        return;
    if (tk->norm) {
        tok_norm_free(tk->norm);
        free(tk->norm);
    }
    if (tk->pre) {
        tok_pre_free(tk->pre);
        free(tk->pre);
    }
    if (tk->dec) {
        tok_dec_free(tk->dec);
        free(tk->dec);
    }
    tok_bpe_release(&tk->bpe);
    free(tk->post.before);
    free(tk->post.after);
    for (size_t i = 0; i < tk->npending; i++)
        free(tk->pending[i].content);
    free(tk->pending);
    for (size_t i = 0; i < tk->nadded; i++)
        free(tk->added[i].content);
    free(tk->added);
    free(tk->added_by_id);
    rf_strmap_release(&tk->added_map);
    rf_strmap_release(&tk->special_set);
    tok_trie_release(&tk->trie_raw);
    tok_trie_release(&tk->trie_norm);
    free(tk->name);
    free(tk);
}

/* ---- helpers ---- */

typedef struct loader {
    const char *name;
    rf_err *err;
} loader;

static int bad(loader *L, const char *path, const char *what)
{
    return rf_errf(L->err, RF_EFORMAT, "%s: %s: %s", L->name, path, what);
}

static int unsupported(loader *L, const char *path, const rf_jv *type)
{
    return rf_errf(L->err, RF_EUNSUP, "%s: %s: unsupported component type '%.*s'", L->name, path,
                   type ? (int)type->n : 4, type ? type->u.s : "none");
}

static int get_bool(const rf_jv *o, const char *key, int def)
{
    const rf_jv *v = rf_jv_get(o, key);
    if (!v || v->type == RF_JSON_NULL)
        return def;
    return v->type == RF_JSON_TRUE;
}

static char *dup_str(const rf_jv *v, size_t *n)
{
    char *s = rf_xmalloc(v->n + 1);
    memcpy(s, v->u.s, v->n);
    s[v->n] = '\0';
    if (n)
        *n = v->n;
    return s;
}

/* One character (Rust char) from a JSON string. */
static int get_char(loader *L, const char *path, const rf_jv *v, uint32_t *cp, char *u, size_t *un)
{
    if (!v || v->type != RF_JSON_STRING || v->n == 0)
        return bad(L, path, "expected a one-character string");
    size_t l = rf_utf8_decode((const unsigned char *)v->u.s, v->n, cp);
    if (l != v->n)
        return bad(L, path, "expected a one-character string");
    if (u) {
        memcpy(u, v->u.s, l);
        *un = l;
    }
    return 0;
}

/* {"String": s} or {"Regex": r} */
static int get_pattern(loader *L, const char *path, const rf_jv *v, tok_pattern *pt)
{
    const rf_jv *s = rf_jv_get(v, "String"), *r = rf_jv_get(v, "Regex");
    if (s && s->type == RF_JSON_STRING) {
        if (s->n == 0)
            /* An empty literal goes through the regex engine, as in HF. */
            return tok_pattern_regex(pt, "", 0, L->err);
        tok_pattern_literal(pt, s->u.s, s->n);
        return 0;
    }
    if (r && r->type == RF_JSON_STRING) {
        int rc = tok_pattern_regex(pt, r->u.s, r->n, L->err);
        if (rc)
            rf_err_prefix(L->err, "%s: %s", L->name, path);
        return rc;
    }
    return bad(L, path, "pattern must be {\"String\": ...} or {\"Regex\": ...}");
}

static int get_behavior(loader *L, const char *path, const rf_jv *v, int *b)
{
    static const char *const names[] = {"Removed", "Isolated", "MergedWithPrevious",
                                        "MergedWithNext", "Contiguous"};
    static const int vals[] = {B_REMOVED, B_ISOLATED, B_MERGED_PREV, B_MERGED_NEXT, B_CONTIGUOUS};
    for (int i = 0; i < 5; i++)
        if (rf_jv_is_str(v, names[i])) {
            *b = vals[i];
            return 0;
        }
    return bad(L, path, "unknown split behavior");
}

static int get_prepend_scheme(loader *L, const char *path, const rf_jv *o, int *scheme)
{
    const rf_jv *ps = rf_jv_get(o, "prepend_scheme");
    *scheme = PREPEND_ALWAYS;
    if (ps && ps->type != RF_JSON_NULL) {
        if (rf_jv_is_str(ps, "always"))
            *scheme = PREPEND_ALWAYS;
        else if (rf_jv_is_str(ps, "first"))
            *scheme = PREPEND_FIRST;
        else if (rf_jv_is_str(ps, "never"))
            *scheme = PREPEND_NEVER;
        else
            return bad(L, path, "unknown prepend_scheme");
    }
    const rf_jv *aps = rf_jv_get(o, "add_prefix_space");
    if (aps && aps->type == RF_JSON_FALSE) {
        if (*scheme != PREPEND_NEVER && ps && ps->type != RF_JSON_NULL)
            return bad(L, path, "add_prefix_space does not match declared prepend_scheme");
        *scheme = PREPEND_NEVER;
    }
    return 0;
}

/* ---- Sequence components ---- */

typedef int (*parse_fn)(loader *L, const rf_jv *v, void *out, const char *path);

/* The members of a Sequence (v[key], an array) parsed one by one by fn:
 * into a new array of elem-sized items (*items, count in *nitems), or all
 * into the same `shared` object when items is NULL. */
static int parse_seq(loader *L, const rf_jv *v, const char *key, const char *path, size_t elem,
                     void **items, size_t *nitems, void *shared, parse_fn fn)
{
    const rf_jv *arr = rf_jv_get(v, key);
    char sub[256];
    if (!arr || arr->type != RF_JSON_ARRAY) {
        snprintf(sub, sizeof sub, "Sequence without \"%s\"", key);
        return bad(L, path, sub);
    }
    char *mem = NULL;
    if (items) {
        mem = rf_xcalloc(arr->n ? arr->n : 1, elem);
        *items = mem;
    }
    for (uint32_t i = 0; i < arr->n; i++) {
        snprintf(sub, sizeof sub, "%s.%s[%u]", path, key, i);
        if (nitems)
            *nitems = i + 1;
        int rc = fn(L, &arr->u.items[i], mem ? mem + i * elem : shared, sub);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- normalizers ---- */

static int norm_cb(loader *L, const rf_jv *v, void *out, const char *path);
static int pre_cb(loader *L, const rf_jv *v, void *out, const char *path);
static int post_cb(loader *L, const rf_jv *v, void *out, const char *path);
static int dec_cb(loader *L, const rf_jv *v, void *out, const char *path);

static int parse_norm(loader *L, const rf_jv *v, tok_norm *nm, const char *path)
{
    memset(nm, 0, sizeof *nm);
    const rf_jv *type = rf_jv_get(v, "type");
    if (!type || type->type != RF_JSON_STRING)
        return bad(L, path, "normalizer without a \"type\"");
    char sub[256];
    if (rf_jv_is_str(type, "Sequence")) {
        nm->kind = NORM_SEQ;
        return parse_seq(L, v, "normalizers", path, sizeof *nm->items, (void **)&nm->items,
                         &nm->nitems, NULL, norm_cb);
    }
    if (rf_jv_is_str(type, "NFC")) nm->kind = NORM_NFC;
    else if (rf_jv_is_str(type, "NFD")) nm->kind = NORM_NFD;
    else if (rf_jv_is_str(type, "NFKC")) nm->kind = NORM_NFKC;
    else if (rf_jv_is_str(type, "NFKD")) nm->kind = NORM_NFKD;
    else if (rf_jv_is_str(type, "Lowercase")) nm->kind = NORM_LOWER;
    else if (rf_jv_is_str(type, "StripAccents")) nm->kind = NORM_STRIP_ACCENTS;
    else if (rf_jv_is_str(type, "Nmt")) nm->kind = NORM_NMT;
    else if (rf_jv_is_str(type, "ByteLevel")) nm->kind = NORM_BYTELEVEL;
    else if (rf_jv_is_str(type, "Strip")) {
        nm->kind = NORM_STRIP;
        nm->left = get_bool(v, "strip_left", 0);
        nm->right = get_bool(v, "strip_right", 0);
    } else if (rf_jv_is_str(type, "Prepend")) {
        const rf_jv *p = rf_jv_get(v, "prepend");
        if (!p || p->type != RF_JSON_STRING)
            return bad(L, path, "Prepend without \"prepend\"");
        nm->kind = NORM_PREPEND;
        nm->str = dup_str(p, &nm->strn);
    } else if (rf_jv_is_str(type, "Replace")) {
        const rf_jv *c = rf_jv_get(v, "content");
        if (!c || c->type != RF_JSON_STRING)
            return bad(L, path, "Replace without \"content\"");
        nm->kind = NORM_REPLACE;
        nm->str = dup_str(c, &nm->strn);
        snprintf(sub, sizeof sub, "%s.pattern", path);
        return get_pattern(L, sub, rf_jv_get(v, "pattern"), &nm->pat);
    } else {
        return unsupported(L, path, type);
    }
    return 0;
}

/* ---- pre-tokenizers ---- */

static int parse_pre(loader *L, const rf_jv *v, tok_pre *pt, const char *path)
{
    memset(pt, 0, sizeof *pt);
    const rf_jv *type = rf_jv_get(v, "type");
    if (!type || type->type != RF_JSON_STRING)
        return bad(L, path, "pre-tokenizer without a \"type\"");
    char sub[256];
    if (rf_jv_is_str(type, "Sequence")) {
        pt->kind = PRE_SEQ;
        return parse_seq(L, v, "pretokenizers", path, sizeof *pt->items, (void **)&pt->items,
                         &pt->nitems, NULL, pre_cb);
    }
    if (rf_jv_is_str(type, "ByteLevel")) {
        pt->kind = PRE_BYTELEVEL;
        pt->add_prefix_space = get_bool(v, "add_prefix_space", 1);
        pt->use_regex = get_bool(v, "use_regex", 1);
    } else if (rf_jv_is_str(type, "Split")) {
        pt->kind = PRE_SPLIT;
        pt->invert = get_bool(v, "invert", 0);
        snprintf(sub, sizeof sub, "%s.behavior", path);
        int rc = get_behavior(L, sub, rf_jv_get(v, "behavior"), &pt->behavior);
        if (rc)
            return rc;
        snprintf(sub, sizeof sub, "%s.pattern", path);
        return get_pattern(L, sub, rf_jv_get(v, "pattern"), &pt->pat);
    } else if (rf_jv_is_str(type, "Digits")) {
        pt->kind = PRE_DIGITS;
        pt->individual = get_bool(v, "individual_digits", 0);
    } else if (rf_jv_is_str(type, "Metaspace")) {
        pt->kind = PRE_METASPACE;
        snprintf(sub, sizeof sub, "%s.replacement", path);
        int rc = get_char(L, sub, rf_jv_get(v, "replacement"), &pt->rep, pt->repu, &pt->repn);
        if (rc)
            return rc;
        if ((rc = get_prepend_scheme(L, path, v, &pt->prepend)))
            return rc;
        pt->split = get_bool(v, "split", 1);
    } else if (rf_jv_is_str(type, "Whitespace")) {
        pt->kind = PRE_WHITESPACE;
    } else if (rf_jv_is_str(type, "WhitespaceSplit")) {
        pt->kind = PRE_WHITESPACE_SPLIT;
    } else if (rf_jv_is_str(type, "BertPreTokenizer")) {
        pt->kind = PRE_BERT;
    } else if (rf_jv_is_str(type, "Punctuation")) {
        pt->kind = PRE_PUNCT;
        pt->behavior = B_ISOLATED;
        const rf_jv *b = rf_jv_get(v, "behavior");
        if (b && b->type != RF_JSON_NULL) {
            snprintf(sub, sizeof sub, "%s.behavior", path);
            return get_behavior(L, sub, b, &pt->behavior);
        }
    } else if (rf_jv_is_str(type, "CharDelimiterSplit")) {
        pt->kind = PRE_CHAR_DELIM;
        snprintf(sub, sizeof sub, "%s.delimiter", path);
        return get_char(L, sub, rf_jv_get(v, "delimiter"), &pt->rep, pt->repu, &pt->repn);
    } else {
        return unsupported(L, path, type);
    }
    return 0;
}

/* ---- post-processor ---- */

static void ids_append(uint32_t **a, size_t *n, const uint32_t *src, size_t k, int front)
{
    if (!k)
        return;
    *a = rf_xrealloc(*a, (*n + k + 1) * sizeof **a);
    if (front) {
        memmove(*a + k, *a, *n * sizeof **a);
        memcpy(*a, src, k * sizeof **a);
    } else {
        memcpy(*a + *n, src, k * sizeof **a);
    }
    *n += k;
}

static int special_pair(loader *L, const char *path, const rf_jv *v, uint32_t *id)
{
    /* ["<s>", 1] */
    int64_t x = v && v->type == RF_JSON_ARRAY && v->n == 2 ? rf_jv_u32(&v->u.items[1]) : -1;
    if (x < 0)
        return bad(L, path, "expected [token, id]");
    *id = (uint32_t)x;
    return 0;
}

static int parse_post(loader *L, const rf_jv *v, tok_post *pp, const char *path)
{
    const rf_jv *type = rf_jv_get(v, "type");
    char sub[256];
    if (!type || type->type != RF_JSON_STRING)
        return bad(L, path, "post-processor without a \"type\"");
    pp->present = 1;
    if (rf_jv_is_str(type, "Sequence"))
        return parse_seq(L, v, "processors", path, 0, NULL, NULL, pp, post_cb);
    if (rf_jv_is_str(type, "ByteLevel"))
        return 0; /* offsets only */
    if (rf_jv_is_str(type, "RobertaProcessing") || rf_jv_is_str(type, "BertProcessing")) {
        uint32_t cls = 0, sep = 0;
        snprintf(sub, sizeof sub, "%s.cls", path);
        int rc = special_pair(L, sub, rf_jv_get(v, "cls"), &cls);
        if (rc)
            return rc;
        snprintf(sub, sizeof sub, "%s.sep", path);
        if ((rc = special_pair(L, sub, rf_jv_get(v, "sep"), &sep)))
            return rc;
        ids_append(&pp->before, &pp->nbefore, &cls, 1, 1);
        ids_append(&pp->after, &pp->nafter, &sep, 1, 0);
        return 0;
    }
    if (!rf_jv_is_str(type, "TemplateProcessing"))
        return unsupported(L, path, type);
    const rf_jv *single = rf_jv_get(v, "single");
    const rf_jv *specials = rf_jv_get(v, "special_tokens");
    if (!single || single->type != RF_JSON_ARRAY)
        return bad(L, path, "TemplateProcessing without \"single\"");
    uint32_t *before = NULL, *after = NULL;
    size_t nb = 0, na = 0;
    int seen_a = 0, rc = 0;
    for (uint32_t i = 0; i < single->n && !rc; i++) {
        const rf_jv *piece = &single->u.items[i];
        const rf_jv *sp = rf_jv_get(piece, "SpecialToken"), *sq = rf_jv_get(piece, "Sequence");
        snprintf(sub, sizeof sub, "%s.single[%u]", path, i);
        if (sq) {
            if (seen_a || !rf_jv_is_str(rf_jv_get(sq, "id"), "A"))
                rc = rf_errf(L->err, RF_EUNSUP,
                             "%s: %s: a single-sequence template must contain sequence A once",
                             L->name, sub);
            seen_a = 1;
            continue;
        }
        const rf_jv *name = rf_jv_get(sp, "id");
        if (!name || name->type != RF_JSON_STRING) {
            rc = bad(L, sub, "expected {\"SpecialToken\": {\"id\": ...}} or {\"Sequence\": ...}");
            break;
        }
        const rf_jv *st = NULL;
        for (uint32_t k = 0; specials && specials->type == RF_JSON_OBJECT && k < specials->n; k++)
            if (specials->u.items[k].klen == name->n &&
                memcmp(specials->u.items[k].key, name->u.s, name->n) == 0)
                st = &specials->u.items[k];
        const rf_jv *ids = rf_jv_get(st, "ids");
        if (!ids || ids->type != RF_JSON_ARRAY) {
            rc = rf_errf(L->err, RF_EFORMAT, "%s: %s: special token '%.*s' is not defined",
                         L->name, sub, (int)name->n, name->u.s);
            break;
        }
        for (uint32_t k = 0; k < ids->n; k++) {
            int64_t id = rf_jv_u32(&ids->u.items[k]);
            if (id < 0) {
                rc = bad(L, sub, "special token ids must be unsigned integers");
                break;
            }
            uint32_t u = (uint32_t)id;
            if (seen_a)
                ids_append(&after, &na, &u, 1, 0);
            else
                ids_append(&before, &nb, &u, 1, 0);
        }
    }
    if (!rc) {
        ids_append(&pp->before, &pp->nbefore, before, nb, 1);
        ids_append(&pp->after, &pp->nafter, after, na, 0);
    }
    free(before);
    free(after);
    return rc;
}

/* ---- decoders ---- */

static int parse_dec(loader *L, const rf_jv *v, tok_dec *d, const char *path)
{
    memset(d, 0, sizeof *d);
    const rf_jv *type = rf_jv_get(v, "type");
    char sub[256];
    if (!type || type->type != RF_JSON_STRING)
        return bad(L, path, "decoder without a \"type\"");
    if (rf_jv_is_str(type, "Sequence")) {
        d->kind = DEC_SEQ;
        return parse_seq(L, v, "decoders", path, sizeof *d->items, (void **)&d->items,
                         &d->nitems, NULL, dec_cb);
    }
    if (rf_jv_is_str(type, "ByteLevel")) {
        d->kind = DEC_BYTELEVEL;
    } else if (rf_jv_is_str(type, "ByteFallback")) {
        d->kind = DEC_BYTE_FALLBACK;
    } else if (rf_jv_is_str(type, "Fuse")) {
        d->kind = DEC_FUSE;
    } else if (rf_jv_is_str(type, "Replace")) {
        const rf_jv *c = rf_jv_get(v, "content");
        if (!c || c->type != RF_JSON_STRING)
            return bad(L, path, "Replace without \"content\"");
        d->kind = DEC_REPLACE;
        d->str = dup_str(c, &d->strn);
        snprintf(sub, sizeof sub, "%s.pattern", path);
        return get_pattern(L, sub, rf_jv_get(v, "pattern"), &d->pat);
    } else if (rf_jv_is_str(type, "Strip")) {
        d->kind = DEC_STRIP;
        snprintf(sub, sizeof sub, "%s.content", path);
        int rc = get_char(L, sub, rf_jv_get(v, "content"), &d->ch, NULL, NULL);
        if (rc)
            return rc;
        int64_t a = rf_jv_u32(rf_jv_get(v, "start")), b = rf_jv_u32(rf_jv_get(v, "stop"));
        if (a < 0 || b < 0)
            return bad(L, path, "Strip needs \"start\" and \"stop\"");
        d->start = (size_t)a;
        d->stop = (size_t)b;
    } else if (rf_jv_is_str(type, "Metaspace")) {
        d->kind = DEC_METASPACE;
        snprintf(sub, sizeof sub, "%s.replacement", path);
        int rc = get_char(L, sub, rf_jv_get(v, "replacement"), &d->ch, NULL, NULL);
        if (rc)
            return rc;
        return get_prepend_scheme(L, path, v, &d->prepend);
    } else if (rf_jv_is_str(type, "BPEDecoder")) {
        const rf_jv *s = rf_jv_get(v, "suffix");
        d->kind = DEC_BPE_SUFFIX;
        if (s && s->type == RF_JSON_STRING)
            d->str = dup_str(s, &d->strn);
        else
            d->str = rf_xstrdup("</w>"), d->strn = 4;
    } else {
        return unsupported(L, path, type);
    }
    return 0;
}

static int norm_cb(loader *L, const rf_jv *v, void *out, const char *path)
{
    return parse_norm(L, v, out, path);
}

static int pre_cb(loader *L, const rf_jv *v, void *out, const char *path)
{
    return parse_pre(L, v, out, path);
}

static int post_cb(loader *L, const rf_jv *v, void *out, const char *path)
{
    return parse_post(L, v, out, path);
}

static int dec_cb(loader *L, const rf_jv *v, void *out, const char *path)
{
    return parse_dec(L, v, out, path);
}

/* ---- model ---- */

static int parse_model(loader *L, const rf_jv *v, tok_bpe *m)
{
    const rf_jv *type = rf_jv_get(v, "type");
    if (type && !rf_jv_is_str(type, "BPE"))
        return unsupported(L, "model", type);
    const rf_jv *dropout = rf_jv_get(v, "dropout");
    if (dropout && dropout->type == RF_JSON_NUMBER && dropout->u.num != 0.0)
        return rf_errf(L->err, RF_EUNSUP, "%s: model.dropout: BPE dropout is not supported",
                       L->name);
    const rf_jv *vocab = rf_jv_get(v, "vocab"), *merges = rf_jv_get(v, "merges");
    if (!vocab || vocab->type != RF_JSON_OBJECT || !merges || merges->type != RF_JSON_ARRAY)
        return bad(L, "model", "missing vocab/merges");
    const rf_jv *x;
    if ((x = rf_jv_get(v, "continuing_subword_prefix")) && x->type == RF_JSON_STRING && x->n) {
        m->prefix = dup_str(x, &m->prefix_len);
    }
    if ((x = rf_jv_get(v, "end_of_word_suffix")) && x->type == RF_JSON_STRING && x->n) {
        m->suffix = dup_str(x, &m->suffix_len);
    }
    m->fuse_unk = get_bool(v, "fuse_unk", 0);
    m->byte_fallback = get_bool(v, "byte_fallback", 0);
    m->ignore_merges = get_bool(v, "ignore_merges", 0);
    for (uint32_t i = 0; i < vocab->n; i++) {
        const rf_jv *e = &vocab->u.items[i];
        int64_t id = rf_jv_u32(e);
        if (id < 0)
            return rf_errf(L->err, RF_EFORMAT, "%s: model.vocab: '%.*s' has no valid id", L->name,
                           (int)e->klen, e->key);
        size_t k = rf_strmap_put(&m->vocab, e->key, e->klen, (uint64_t)id, NULL);
        m->vocab.ent[k].val = (uint64_t)id; /* a repeated key takes the last id */
    }
    m->vocab_n = m->vocab.n;
    rf_u64map_init(&m->merges, merges->n);
    uint32_t rank = 0;
    for (uint32_t i = 0; i < merges->n; i++) {
        const rf_jv *e = &merges->u.items[i];
        int rc;
        if (e->type == RF_JSON_ARRAY && e->n == 2 && e->u.items[0].type == RF_JSON_STRING &&
            e->u.items[1].type == RF_JSON_STRING) {
            rc = tok_bpe_add_merge(m, e->u.items[0].u.s, e->u.items[0].n, e->u.items[1].u.s,
                                   e->u.items[1].n, rank++, L->err);
        } else if (e->type == RF_JSON_STRING) {
            if (e->n >= 8 && memcmp(e->u.s, "#version", 8) == 0)
                continue;
            const char *sp = memchr(e->u.s, ' ', e->n);
            if (!sp || memchr(sp + 1, ' ', e->n - (size_t)(sp + 1 - e->u.s)))
                return rf_errf(L->err, RF_EFORMAT, "%s: model.merges[%u]: expected 'a b'",
                               L->name, i);
            rc = tok_bpe_add_merge(m, e->u.s, (size_t)(sp - e->u.s), sp + 1,
                                   e->n - (size_t)(sp + 1 - e->u.s), rank++, L->err);
        } else {
            return rf_errf(L->err, RF_EFORMAT, "%s: model.merges[%u]: expected a pair", L->name, i);
        }
        if (rc)
            return rf_err_prefix(L->err, "%s: model.merges", L->name);
    }
    const rf_jv *unk = rf_jv_get(v, "unk_token");
    if (unk && unk->type == RF_JSON_STRING) {
        int64_t e = rf_strmap_find(&m->vocab, unk->u.s, unk->n);
        if (e < 0)
            return rf_errf(L->err, RF_EFORMAT, "%s: model.unk_token '%.*s' is not in the vocabulary",
                           L->name, (int)unk->n, unk->u.s);
        m->unk_id = (int64_t)m->vocab.ent[e].val;
    }
    return 0;
}

/* ---- whole file ---- */

static int pre_has_bytelevel(const tok_pre *p)
{
    if (!p)
        return 0;
    if (p->kind == PRE_BYTELEVEL)
        return 1;
    for (size_t i = 0; i < p->nitems; i++)
        if (pre_has_bytelevel(&p->items[i]))
            return 1;
    return 0;
}

static int dec_has_bytelevel(const tok_dec *d)
{
    if (!d)
        return 0;
    if (d->kind == DEC_BYTELEVEL)
        return 1;
    for (size_t i = 0; i < d->nitems; i++)
        if (dec_has_bytelevel(&d->items[i]))
            return 1;
    return 0;
}

int tok_finish(rf_tokenizer *tk, rf_err *err)
{
    int rc = tok_bpe_build(&tk->bpe, err);
    if (rc)
        return rc;
    int bl = pre_has_bytelevel(tk->pre);
    tk->pre_bl = bl;
    if (bl && tk->bpe.ignore_merges) {
        /* ignore_merges looks the whole piece up: index the vocabulary by the
         * bytes each token stands for. */
        for (size_t i = 0; i < tk->bpe.vocab.n; i++) {
            size_t len;
            const char *t = rf_strmap_key(&tk->bpe.vocab, i, &len);
            char *raw = rf_xmalloc(len + 1);
            size_t k = 0, j = 0;
            int ok = 1;
            while (j < len) {
                uint32_t cp;
                size_t l = rf_utf8_decode((const unsigned char *)t + j, len - j, &cp);
                int b = l ? tok_char_byte(cp) : -1;
                if (b < 0) {
                    ok = 0;
                    break;
                }
                raw[k++] = (char)b;
                j += l;
            }
            if (ok)
                rf_strmap_put(&tk->bpe.raw, raw, k, tk->bpe.vocab.ent[i].val, NULL);
            free(raw);
        }
    }
    tk->byte_level = bl && dec_has_bytelevel(tk->dec) && (!tk->norm || tk->norm->kind == NORM_NFC);
    rf_tok_scratch *s = rf_tok_scratch_new(tk);
    rc = tok_added_finish(tk, s, err);
    rf_tok_scratch_free(s);
    for (size_t i = 0; i < tk->npending; i++)
        free(tk->pending[i].content);
    free(tk->pending);
    tk->pending = NULL;
    tk->npending = tk->cappending = 0;
    return rc;
}

int rf_tokenizer_load_json(rf_tokenizer **out, const char *json, size_t n, const char *name,
                           rf_err *err)
{
    *out = NULL;
    rf_jdom dom;
    int rc = rf_jdom_parse(&dom, json, n, name, err);
    if (rc)
        return rc;
    rf_tokenizer *tk = tok_new(name);
    loader L = {tk->name, err};
    const rf_jv *root = dom.root, *x;
    if (root->type != RF_JSON_OBJECT) {
        rc = bad(&L, "(root)", "not an object");
        goto out;
    }
    if ((x = rf_jv_get(root, "version")) && x->type == RF_JSON_STRING && !rf_jv_is_str(x, "1.0")) {
        rc = rf_errf(err, RF_EUNSUP, "%s: unknown tokenizer version '%.*s'", tk->name, (int)x->n,
                     x->u.s);
        goto out;
    }
    if (!rf_jv_is_null(rf_jv_get(root, "truncation"))) {
        rc = rf_errf(err, RF_EUNSUP, "%s: truncation is set; it is not supported (ids would be "
                     "cut); remove it from the file", tk->name);
        goto out;
    }
    if (!rf_jv_is_null(rf_jv_get(root, "padding"))) {
        rc = rf_errf(err, RF_EUNSUP, "%s: padding is set; it is not supported", tk->name);
        goto out;
    }
    const rf_jv *model = rf_jv_get(root, "model");
    if (!model || model->type != RF_JSON_OBJECT) {
        rc = bad(&L, "model", "missing");
        goto out;
    }
    if ((rc = parse_model(&L, model, &tk->bpe)))
        goto out;
    if (!rf_jv_is_null(x = rf_jv_get(root, "normalizer"))) {
        tk->norm = rf_xcalloc(1, sizeof *tk->norm);
        if ((rc = parse_norm(&L, x, tk->norm, "normalizer")))
            goto out;
    }
    if (!rf_jv_is_null(x = rf_jv_get(root, "pre_tokenizer"))) {
        tk->pre = rf_xcalloc(1, sizeof *tk->pre);
        if ((rc = parse_pre(&L, x, tk->pre, "pre_tokenizer")))
            goto out;
    }
    if (!rf_jv_is_null(x = rf_jv_get(root, "post_processor")) &&
        (rc = parse_post(&L, x, &tk->post, "post_processor")))
        goto out;
    if (!rf_jv_is_null(x = rf_jv_get(root, "decoder"))) {
        tk->dec = rf_xcalloc(1, sizeof *tk->dec);
        if ((rc = parse_dec(&L, x, tk->dec, "decoder")))
            goto out;
    }
    const rf_jv *added = rf_jv_get(root, "added_tokens");
    if (added && added->type == RF_JSON_ARRAY) {
        for (uint32_t i = 0; i < added->n; i++) {
            const rf_jv *a = &added->u.items[i];
            const rf_jv *c = rf_jv_get(a, "content");
            if (!c || c->type != RF_JSON_STRING) {
                rc = rf_errf(err, RF_EFORMAT, "%s: added_tokens[%u]: no \"content\"", tk->name, i);
                goto out;
            }
            tok_added t;
            memset(&t, 0, sizeof t);
            t.content = (char *)c->u.s;
            t.len = c->n;
            t.special = (uint8_t)get_bool(a, "special", 0);
            t.single_word = (uint8_t)get_bool(a, "single_word", 0);
            t.lstrip = (uint8_t)get_bool(a, "lstrip", 0);
            t.rstrip = (uint8_t)get_bool(a, "rstrip", 0);
            t.normalized = (uint8_t)get_bool(a, "normalized", !t.special);
            tok_added_add(tk, &t);
        }
    }
    rc = tok_finish(tk, err);
out:
    rf_jdom_release(&dom);
    if (rc) {
        rf_tokenizer_free(tk);
        return rc;
    }
    *out = tk;
    return 0;
}

int rf_tokenizer_load(rf_tokenizer **tk, const char *path, rf_err *err)
{
    *tk = NULL;
    unsigned char *buf;
    size_t n;
    int rc = rf_file_read(path, &buf, &n, err);
    if (rc)
        return rc;
    if (n >= 4 && memcmp(buf, "GGUF", 4) == 0)
        rc = rf_tokenizer_load_gguf(tk, buf, n, path, err);
    else
        rc = rf_tokenizer_load_json(tk, (const char *)buf, n, path, err);
    free(buf);
    return rc;
}
