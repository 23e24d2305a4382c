/* train.c — `refine-tokenize train`: byte-level and byte-fallback
 * (SentencePiece-style) BPE training with character-class rebalancing.
 *
 * Pass 1 streams the corpus through the runner: worker threads cut every
 * document into pre-tokens (the byte-level regex, or for byte fallback runs
 * of U+2581 + a word, tab runs, newline runs and single digits) and count
 * them in thread-local tables that are folded into one table under a lock.
 * Memory is bounded: when the table outgrows --max-words the rarest words
 * are pruned (and counted as such in the report).
 *
 * Pass 2 is classic BPE on the distinct words with incremental pair counts:
 * a lazy max-heap of (count, pair), and per pair the words it occurs in, so
 * a merge only touches the words that contain it. Forced tokens (all Hangul
 * syllables and jamo, whitespace runs for code) and their merges come first.
 * Every new token has a character class (latin, hangul, han, kana, ...);
 * with target shares, a merge whose class has used its budget is set aside,
 * so the vocabulary ends up with the requested mix. If the corpus cannot
 * fill a class, the budgets are lifted at the end and the best remaining
 * merges fill the vocabulary; the report says so and gives the achieved
 * shares.
 *
 * The result is a HF tokenizer.json: byte-level (Split regex + ByteLevel,
 * ByteLevel decoder) or byte fallback (spaces to U+2581, <0xXX> byte
 * tokens, <unk>, Replace/ByteFallback/Fuse decoder), with the special tokens
 * as added tokens. It is checked by loading it back before it is written. */
#define _POSIX_C_SOURCE 200809L
#include "tokenizer/train.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stages/cli.h"
#include "stages/io.h"
#include "stages/utf8.h"
#include "tokenizer/hashmap.h"
#include "tokenizer/tok_internal.h"
#include "tokenizer/tokenize_stage.h"

/* ---- classes ---- */

static const char *const tclass_names[RF_TC_COUNT] = {"latin", "hangul", "han", "kana", "cyrillic",
                                                      "digit", "symbol", "space", "other"};

const char *rf_tclass_name(rf_tclass c)
{
    return (unsigned)c < RF_TC_COUNT ? tclass_names[c] : "other";
}

int rf_tclass_parse(const char *name, size_t n)
{
    for (int i = 0; i < RF_TC_COUNT; i++)
        if (strlen(tclass_names[i]) == n && memcmp(tclass_names[i], name, n) == 0)
            return i;
    return -1;
}

static rf_tclass class_of_cp(uint32_t cp)
{
    if (cp == 0x2581)
        return RF_TC_SPACE;
    switch (rf_script_of(cp)) {
    case RF_SCRIPT_LATIN: return RF_TC_LATIN;
    case RF_SCRIPT_HANGUL: return RF_TC_HANGUL;
    case RF_SCRIPT_HAN: return RF_TC_HAN;
    case RF_SCRIPT_KANA: return RF_TC_KANA;
    case RF_SCRIPT_CYRILLIC: return RF_TC_CYRILLIC;
    case RF_SCRIPT_DIGIT: return RF_TC_DIGIT;
    case RF_SCRIPT_PUNCT: case RF_SCRIPT_SYMBOL: return RF_TC_SYMBOL;
    case RF_SCRIPT_SPACE: return RF_TC_SPACE;
    default: return RF_TC_OTHER;
    }
}

rf_tclass rf_token_class(const char *p, size_t n)
{
    unsigned cnt[RF_TC_COUNT] = {0};
    const unsigned char *s = (const unsigned char *)p;
    size_t i = 0;
    while (i < n && (s[i] & 0xC0) == 0x80) /* a cut character's tail */
        i++;
    while (i < n) {
        uint32_t cp;
        size_t l = rf_utf8_decode(s + i, n - i, &cp);
        if (!l) {
            /* A lead byte whose character is cut off: complete it with the
             * smallest continuation bytes. */
            unsigned char tmp[4] = {s[i], 0x80, 0x80, 0x80};
            size_t want = s[i] >= 0xF0 ? 4 : s[i] >= 0xE0 ? 3 : 2;
            size_t have = 1;
            while (have < want && i + have < n && (s[i + have] & 0xC0) == 0x80) {
                tmp[have] = s[i + have];
                have++;
            }
            if (i + have == n && rf_utf8_decode(tmp, want, &cp) == want)
                cnt[class_of_cp(cp)]++;
            break;
        }
        cnt[class_of_cp(cp)]++;
        i += l;
    }
    int best = -1;
    for (int c = 0; c < RF_TC_COUNT; c++)
        if (c != RF_TC_SPACE && cnt[c] && (best < 0 || cnt[c] > cnt[best]))
            best = c;
    if (best >= 0)
        return (rf_tclass)best;
    return cnt[RF_TC_SPACE] ? RF_TC_SPACE : RF_TC_OTHER;
}

int rf_train_parse_shares(const char *s, double *shares, char *err, size_t errn)
{
    for (int c = 0; c < RF_TC_COUNT; c++)
        shares[c] = -1;
    if (!s || !*s || !strcmp(s, "none"))
        return 0;
    double sum = 0;
    while (*s) {
        const char *eq = strchr(s, '=');
        const char *end = strchr(s, ',');
        if (!end)
            end = s + strlen(s);
        if (!eq || eq > end) {
            snprintf(err, errn, "--shares: expected CLASS=PERCENT, got '%.*s'", (int)(end - s), s);
            return -1;
        }
        int c = rf_tclass_parse(s, (size_t)(eq - s));
        if (c < 0) {
            snprintf(err, errn, "--shares: unknown class '%.*s' (latin, hangul, han, kana, "
                     "cyrillic, digit, symbol, space, other)", (int)(eq - s), s);
            return -1;
        }
        char *q;
        double v = strtod(eq + 1, &q);
        if (q != end || !(v >= 0 && v <= 100)) {
            snprintf(err, errn, "--shares: bad percentage for %s", tclass_names[c]);
            return -1;
        }
        shares[c] = v / 100.0;
        sum += v;
        s = *end ? end + 1 : end;
    }
    if (sum > 100.0 + 1e-9) {
        snprintf(err, errn, "--shares add up to %.1f%%, more than 100%%", sum);
        return -1;
    }
    return 0;
}

/* ---- options ---- */

#define LLAMA3_REGEX                                                                          \
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+" \
    "[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"

static const rf_optspec train_opts[] = {
    {"model", 0, RF_OPT_ENUM, "byte-fallback", "KIND",
     "byte-fallback (SentencePiece style: characters, <0xXX> for the rest) or byte-level (GPT-2 "
     "style)", "byte-fallback|byte-level"},
    {"vocab-size", 0, RF_OPT_INT, "65536", "N", "vocabulary size, special tokens included (max 262144)",
     NULL},
    {"special", 0, RF_OPT_LIST, NULL, "TOKEN",
     "another special token (repeatable), after <|endoftext|>, <|fim_prefix|>, <|fim_middle|>, "
     "<|fim_suffix|>, <|fim_pad|>, <think>, </think>", NULL},
    {"shares", 0, RF_OPT_STR, "latin=55,hangul=20,han=12,kana=8,cyrillic=2,symbol=2,digit=1",
     "LIST", "target share of the vocabulary per character class, in percent (latin, hangul, han, "
     "kana, cyrillic, digit, symbol, space, other); 'none' = plain BPE", NULL},
    {"force-hangul", 0, RF_OPT_FLAG, "true", NULL,
     "include all 11,172 Hangul syllables and the Hangul jamo as tokens", NULL},
    {"whitespace-runs", 0, RF_OPT_INT, "16", "N",
     "reserve tokens for runs of 2..N spaces, 1..N/2 tabs and 2..N/4 newlines (code); 0 = none",
     NULL},
    {"min-frequency", 0, RF_OPT_INT, "2", "N", "a pair seen fewer times is never merged", NULL},
    {"character-coverage", 0, RF_OPT_FLOAT, "0.9995", "F",
     "byte-fallback: the most frequent characters covering this share of the text are tokens; "
     "the rest are spelled with <0xXX> byte tokens", NULL},
    {"split-digits", 0, RF_OPT_FLAG, "true", NULL, "byte-fallback: every digit is a token of its own",
     NULL},
    {"regex", 0, RF_OPT_STR, LLAMA3_REGEX, "RE",
     "byte-level: pre-tokenisation regex (tokenizer.json Split syntax)", NULL},
    {"max-words", 0, RF_OPT_INT, "8000000", "N",
     "distinct pre-tokens kept while counting (bounds memory); the rarest are pruned beyond it",
     NULL},
    {"max-word-bytes", 0, RF_OPT_INT, "256", "N", "longer pre-tokens are cut into pieces", NULL},
    {"report", 0, RF_OPT_STR, NULL, "FILE", "write the training report (class shares...) as JSON",
     NULL},
    RF_OPTSPEC_END,
};

static const char *const default_specials[] = {
    "<|endoftext|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>",
    "<think>", "</think>"};

/* ---- pass 1: counting ---- */

typedef struct count_state {
    int byte_level;
    int split_digits;
    size_t max_words, max_word_bytes;
    tok_pattern re;
    pthread_mutex_t mu;
    rf_strmap words;     /* word -> count */
    rf_u64map chars;     /* code point -> count (byte fallback) */
    uint64_t pruned_words, pruned_count;
    uint64_t prune_below;
} count_state;

typedef struct count_tls {
    rf_tok_scratch *s;
    rf_strmap words;
    rf_u64map chars;
    rf_buf seg;
} count_tls;

enum { SEG_OTHER = 0, SEG_WS, SEG_TAB, SEG_NL, SEG_DIGIT };

static void prune(count_state *c)
{
    /* Drop the rarest words until the table is at three quarters of the
     * bound; the threshold only grows. */
    while (c->words.n > c->max_words * 3 / 4) {
        c->prune_below++;
        rf_strmap keep;
        rf_strmap_init(&keep);
        for (size_t i = 0; i < c->words.n; i++) {
            size_t len;
            const char *k = rf_strmap_key(&c->words, i, &len);
            uint64_t v = c->words.ent[i].val;
            if (v <= c->prune_below) {
                c->pruned_words++;
                c->pruned_count += v;
                continue;
            }
            rf_strmap_put(&keep, k, len, v, NULL);
        }
        rf_strmap_release(&c->words);
        c->words = keep;
    }
}

static void flush_local(count_state *c, count_tls *t)
{
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < t->words.n; i++) {
        size_t len;
        const char *k = rf_strmap_key(&t->words, i, &len);
        size_t e = rf_strmap_put(&c->words, k, len, 0, NULL);
        c->words.ent[e].val += t->words.ent[i].val;
    }
    if (t->chars.slot)
        for (size_t i = 0; i <= t->chars.mask; i++)
            if (t->chars.slot[i].key != RF_U64MAP_EMPTY)
                *rf_u64map_upsert(&c->chars, t->chars.slot[i].key, 0) += t->chars.slot[i].val;
    if (c->words.n > c->max_words)
        prune(c);
    pthread_mutex_unlock(&c->mu);
    rf_strmap_release(&t->words);
    rf_strmap_init(&t->words);
    rf_u64map_release(&t->chars);
}

static void count_word(count_state *c, count_tls *t, const char *p, size_t n)
{
    while (n > c->max_word_bytes) {
        /* Cut on a character boundary. */
        size_t k = c->max_word_bytes;
        while (k > 0 && ((unsigned char)p[k] & 0xC0) == 0x80)
            k--;
        if (k == 0)
            k = c->max_word_bytes;
        count_word(c, t, p, k);
        p += k;
        n -= k;
    }
    if (n < 2)
        return;
    size_t e = rf_strmap_put(&t->words, p, n, 0, NULL);
    t->words.ent[e].val++;
}

static int seg_class(uint32_t cp, int split_digits)
{
    if (cp == 0x2581)
        return SEG_WS;
    if (cp == '\t')
        return SEG_TAB;
    if (cp == '\n' || cp == '\r')
        return SEG_NL;
    if (split_digits && (cp < 0x80 ? (cp >= '0' && cp <= '9') : rf_script_of(cp) == RF_SCRIPT_DIGIT))
        return SEG_DIGIT;
    return SEG_OTHER;
}

/* Byte fallback pre-tokens: the text with ' ' as U+2581, cut between two
 * characters unless they have the same class (not digits) or a U+2581 run
 * is followed by an ordinary character. The rule only looks at neighbours,
 * so no learned token can contain a cut, and encoding the whole text with
 * the merges (as the written tokenizer does) never crosses one either. */
static void count_bf(count_state *c, count_tls *t, const char *p, size_t n)
{
    rf_buf_reset(&t->seg);
    size_t i = 0, start = 0;
    int prev = -1;
    while (i < n) {
        size_t st = i;
        uint32_t cp = rf_next_cp(p, n, &i);
        if (cp == ' ')
            cp = 0x2581;
        uint64_t *cc = rf_u64map_upsert(&t->chars, cp, 0);
        (*cc)++;
        int cl = seg_class(cp, c->split_digits);
        int cut = prev >= 0 &&
                  !((cl == prev && cl != SEG_DIGIT) || (prev == SEG_WS && cl == SEG_OTHER));
        if (cut) {
            count_word(c, t, t->seg.p + start, t->seg.len - start);
            start = t->seg.len;
        }
        if (cp == 0x2581)
            rf_buf_add(&t->seg, "\xE2\x96\x81", 3);
        else
            rf_buf_add(&t->seg, p + st, i - st);
        prev = cl;
    }
    if (t->seg.len > start)
        count_word(c, t, t->seg.p + start, t->seg.len - start);
}

static int count_init(rf_stage *st, const rf_opts *o, rf_err *err)
{
    (void)o;
    (void)err;
    (void)st;
    return 0; /* the state is set up by the train command before the run */
}

static int count_thread_init(rf_stage *st, void **tls, rf_err *err)
{
    (void)st;
    (void)err;
    count_tls *t = rf_xcalloc(1, sizeof *t);
    t->s = rf_tok_scratch_new(NULL);
    rf_strmap_init(&t->words);
    *tls = t;
    return 0;
}

static void count_thread_release(rf_stage *st, void *tls)
{
    count_tls *t = tls;
    if (!t)
        return;
    flush_local(st->state, t);
    rf_strmap_release(&t->words);
    rf_u64map_release(&t->chars);
    rf_buf_release(&t->seg);
    rf_tok_scratch_free(t->s);
    free(t);
}

static int count_process(rf_stage *st, rf_work *w, rf_doc *d, rf_err *err)
{
    count_state *c = st->state;
    count_tls *t = w->tls;
    size_t n;
    const char *text = rf_doc_text(d, &n);
    if (c->byte_level) {
        int rc = tok_find_matches(t->s, &c->re, text, n, err);
        if (rc)
            return rc;
        /* Split(Isolated): matches and the text between them are pieces. */
        for (size_t k = 0; k < t->s->nspans; k++)
            count_word(c, t, text + t->s->spans[k].start,
                       t->s->spans[k].end - t->s->spans[k].start);
    } else {
        count_bf(c, t, text, n);
    }
    rf_stats_count(w->stats, "text_bytes", n);
    if (t->words.n > c->max_words / 4 + 1024)
        flush_local(c, t);
    return 0;
}

static void count_write(rf_stage *st, rf_doc *d, rf_buf *out)
{
    (void)st;
    (void)d;
    (void)out; /* counting writes no documents */
}

static const rf_stage_desc count_desc = {
    .name = "tokenize-train",
    .summary = "count pre-tokens",
    .init = count_init,
    .thread_init = count_thread_init,
    .thread_release = count_thread_release,
    .process = count_process,
    .write = count_write,
};

/* ---- pass 2: merges ---- */

typedef struct tword {
    uint64_t off;   /* symbols at tr->sym + off */
    uint32_t len;
    uint32_t stamp; /* last merge that visited the word */
    uint64_t count;
} tword;

typedef struct tpair {
    int64_t count;
    uint32_t a, b;
    uint32_t *occ; /* words containing the pair (may hold stale entries) */
    uint32_t nocc, capocc;
    uint8_t parked;
    uint32_t touched; /* merge stamp of the last increase */
} tpair;

typedef struct theap {
    int64_t count;
    uint32_t pair;
} theap;

typedef struct trainer {
    int byte_level;
    /* tokens of the training id space */
    rf_buf pool;       /* token bytes (raw UTF-8 / raw bytes) */
    uint64_t *toff;
    uint32_t *tlen;
    uint8_t *tclass;
    uint8_t *counted;  /* counts towards the class budgets */
    size_t ntok, captok;
    rf_strmap tokmap;  /* bytes -> training id */
    rf_strmap reserved; /* names of special and byte tokens */
    /* merges: (a, b) in order */
    uint32_t *ma, *mb;
    size_t nmerge, capmerge;
    size_t nforced_merges;
    /* words */
    tword *w;
    size_t nw;
    uint32_t *sym;
    size_t nsym;
    /* pairs */
    rf_u64map pidx;
    tpair *p;
    size_t np, capp;
    theap *heap;
    size_t nheap, capheap;
    uint32_t merge_stamp;
    uint32_t *touched; /* pairs whose count grew during the current merge */
    size_t ntouched, captouched;
    /* budgets */
    int64_t budget[RF_TC_COUNT + 1]; /* RF_TC_COUNT = the pool of classes without a target */
    int64_t used[RF_TC_COUNT + 1];
    int has_target[RF_TC_COUNT];
    int rebalance, relaxed;
    size_t counted_total; /* counted tokens the vocabulary can hold */
} trainer;

static uint32_t tok_add(trainer *tr, const char *p, size_t n, int counted)
{
    int isnew;
    size_t e = rf_strmap_put(&tr->tokmap, p, n, tr->ntok, &isnew);
    if (!isnew)
        return (uint32_t)tr->tokmap.ent[e].val;
    if (tr->ntok == tr->captok) {
        tr->captok = tr->captok ? 2 * tr->captok : 1024;
        tr->toff = rf_xrealloc(tr->toff, tr->captok * sizeof *tr->toff);
        tr->tlen = rf_xrealloc(tr->tlen, tr->captok * sizeof *tr->tlen);
        tr->tclass = rf_xrealloc(tr->tclass, tr->captok * sizeof *tr->tclass);
        tr->counted = rf_xrealloc(tr->counted, tr->captok * sizeof *tr->counted);
    }
    size_t id = tr->ntok++;
    tr->toff[id] = tr->pool.len;
    tr->tlen[id] = (uint32_t)n;
    rf_buf_add(&tr->pool, p, n);
    rf_tclass cl = rf_token_class(p, n);
    tr->tclass[id] = (uint8_t)cl;
    tr->counted[id] = (uint8_t)counted;
    if (counted) {
        int slot = tr->rebalance && tr->has_target[cl] ? (int)cl : RF_TC_COUNT;
        tr->used[slot]++;
    }
    return (uint32_t)id;
}

static const char *tok_bytes(const trainer *tr, uint32_t id, size_t *n)
{
    *n = tr->tlen[id];
    return tr->pool.p + tr->toff[id];
}

static void merge_add(trainer *tr, uint32_t a, uint32_t b)
{
    if (tr->nmerge == tr->capmerge) {
        tr->capmerge = tr->capmerge ? 2 * tr->capmerge : 1024;
        tr->ma = rf_xrealloc(tr->ma, tr->capmerge * sizeof *tr->ma);
        tr->mb = rf_xrealloc(tr->mb, tr->capmerge * sizeof *tr->mb);
    }
    tr->ma[tr->nmerge] = a;
    tr->mb[tr->nmerge] = b;
    tr->nmerge++;
}

/* A new token made of a and b (its merge is recorded). */
static uint32_t merge_tokens(trainer *tr, uint32_t a, uint32_t b, int counted)
{
    size_t an, bn;
    const char *ap = tok_bytes(tr, a, &an);
    char stackbuf[512];
    char *buf = an + tr->tlen[b] <= sizeof stackbuf ? stackbuf : rf_xmalloc(an + tr->tlen[b]);
    memcpy(buf, ap, an);
    const char *bp = tok_bytes(tr, b, &bn); /* after the copy: tok_add may move the pool */
    memcpy(buf + an, bp, bn);
    uint32_t id = tok_add(tr, buf, an + bn, counted);
    if (buf != stackbuf)
        free(buf);
    merge_add(tr, a, b);
    return id;
}

/* ---- heap (max by count, then smaller pair ids) ---- */

static int heap_before(const trainer *tr, const theap *x, const theap *y)
{
    if (x->count != y->count)
        return x->count > y->count;
    const tpair *a = &tr->p[x->pair], *b = &tr->p[y->pair];
    if (a->a != b->a)
        return a->a < b->a;
    return a->b < b->b;
}

static void heap_push(trainer *tr, uint32_t pair)
{
    if (tr->nheap == tr->capheap) {
        tr->capheap = tr->capheap ? 2 * tr->capheap : 4096;
        tr->heap = rf_xrealloc(tr->heap, tr->capheap * sizeof *tr->heap);
    }
    theap e = {tr->p[pair].count, pair};
    size_t i = tr->nheap++;
    while (i > 0) {
        size_t par = (i - 1) / 2;
        if (!heap_before(tr, &e, &tr->heap[par]))
            break;
        tr->heap[i] = tr->heap[par];
        i = par;
    }
    tr->heap[i] = e;
}

static theap heap_pop(trainer *tr)
{
    theap top = tr->heap[0];
    theap last = tr->heap[--tr->nheap];
    size_t n = tr->nheap, i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && heap_before(tr, &tr->heap[c + 1], &tr->heap[c]))
            c++;
        if (!heap_before(tr, &tr->heap[c], &last))
            break;
        tr->heap[i] = tr->heap[c];
        i = c;
    }
    if (n)
        tr->heap[i] = last;
    return top;
}

static uint32_t pair_get(trainer *tr, uint32_t a, uint32_t b)
{
    uint64_t key = (uint64_t)a << 32 | b;
    uint64_t *v = rf_u64map_upsert(&tr->pidx, key, UINT64_MAX);
    if (*v != UINT64_MAX)
        return (uint32_t)*v;
    if (tr->np == tr->capp) {
        tr->capp = tr->capp ? 2 * tr->capp : 1 << 16;
        tr->p = rf_xrealloc(tr->p, tr->capp * sizeof *tr->p);
    }
    tpair *p = &tr->p[tr->np];
    memset(p, 0, sizeof *p);
    p->a = a;
    p->b = b;
    *v = tr->np;
    return (uint32_t)tr->np++;
}

static void pair_delta(trainer *tr, uint32_t a, uint32_t b, int64_t delta, uint32_t word)
{
    uint32_t pi = pair_get(tr, a, b);
    tpair *p = &tr->p[pi];
    p->count += delta;
    if (delta > 0) {
        if (!p->nocc || p->occ[p->nocc - 1] != word) {
            if (p->nocc == p->capocc) {
                p->capocc = p->capocc ? 2 * p->capocc : 4;
                p->occ = rf_xrealloc(p->occ, p->capocc * sizeof *p->occ);
            }
            p->occ[p->nocc++] = word;
        }
        /* Pushed once per merge, with its final count (see learn loop). */
        if (p->touched != tr->merge_stamp) {
            p->touched = tr->merge_stamp;
            if (tr->ntouched == tr->captouched) {
                tr->captouched = tr->captouched ? 2 * tr->captouched : 1024;
                tr->touched = rf_xrealloc(tr->touched, tr->captouched * sizeof *tr->touched);
            }
            tr->touched[tr->ntouched++] = pi;
        }
    }
}

/* Replaces every (a, b) in word wi by id; updates neighbouring pairs. */
static void apply_merge(trainer *tr, uint32_t wi, uint32_t a, uint32_t b, uint32_t id)
{
    tword *w = &tr->w[wi];
    uint32_t *s = tr->sym + w->off;
    int64_t c = (int64_t)w->count;
    uint32_t n = w->len, i = 0;
    while (i + 1 < n) {
        if (s[i] != a || s[i + 1] != b) {
            i++;
            continue;
        }
        if (i > 0) {
            pair_delta(tr, s[i - 1], a, -c, wi);
            pair_delta(tr, s[i - 1], id, c, wi);
        }
        if (i + 2 < n) {
            pair_delta(tr, b, s[i + 2], -c, wi);
            pair_delta(tr, id, s[i + 2], c, wi);
        }
        s[i] = id;
        memmove(s + i + 1, s + i + 2, (n - i - 2) * sizeof *s);
        n--;
        i++;
    }
    w->len = n;
}

/* Forced merges on all words before learning: the words are encoded with
 * the forced merges by rank (as the tokenizer will do at encode time). */
static void apply_forced(trainer *tr, const rf_u64map *forced)
{
    for (size_t wi = 0; wi < tr->nw; wi++) {
        tword *w = &tr->w[wi];
        uint32_t *s = tr->sym + w->off;
        uint32_t n = w->len;
        for (;;) {
            uint64_t best = UINT64_MAX;
            uint32_t at = 0;
            for (uint32_t i = 0; i + 1 < n; i++) {
                const uint64_t *v = rf_u64map_get(forced, (uint64_t)s[i] << 32 | s[i + 1]);
                if (v && *v < best) {
                    best = *v;
                    at = i;
                }
            }
            if (best == UINT64_MAX)
                break;
            s[at] = (uint32_t)best;
            memmove(s + at + 1, s + at + 2, (n - at - 2) * sizeof *s);
            n--;
        }
        w->len = n;
    }
}

static int budget_slot(const trainer *tr, rf_tclass cl)
{
    return tr->rebalance && tr->has_target[cl] ? (int)cl : RF_TC_COUNT;
}

/* ---- the command ---- */

typedef struct train_cfg {
    int byte_level;
    size_t vocab_size;
    double shares[RF_TC_COUNT];
    int force_hangul;
    int ws_runs;
    int64_t min_freq;
    double coverage;
    const char *regex;
    const char *const *specials;
    size_t nspecials;
} train_cfg;

typedef struct train_report {
    size_t words, alphabet, forced_tokens, forced_merges, learned, reused, specials;
    uint64_t pruned_words, pruned_count, rare_chars;
    int relaxed;
    size_t class_tokens[RF_TC_COUNT];
    size_t counted;
    double seconds_count, seconds_merge;
} train_report;

static void add_run_tokens(trainer *tr, rf_u64map *forced, uint64_t *rank, const char *unit,
                           size_t ul, uint32_t unit_id, int maxrun)
{
    /* Runs of length 2..maxrun, with a merge for every split so that BPE
     * joins any two adjacent runs whose total fits. */
    uint32_t *ids = rf_xmalloc((size_t)(maxrun + 1) * sizeof *ids);
    ids[1] = unit_id;
    char buf[1024];
    for (int k = 2; k <= maxrun && (size_t)k * ul <= sizeof buf; k++) {
        for (int j = 0; j < k; j++)
            memcpy(buf + (size_t)j * ul, unit, ul);
        ids[k] = tok_add(tr, buf, (size_t)k * ul, 1);
        for (int a = 1; a < k; a++) {
            uint64_t key = (uint64_t)ids[a] << 32 | ids[k - a];
            if (rf_u64map_get(forced, key))
                continue;
            rf_u64map_set(forced, key, (*rank)++ << 32 | ids[k]);
            merge_add(tr, ids[a], ids[k - a]);
        }
    }
    free(ids);
}

static int cmp_u64desc(const void *x, const void *y)
{
    const uint64_t *a = x, *b = y; /* (count, cp) pairs */
    if (a[0] != b[0])
        return a[0] > b[0] ? -1 : 1;
    return a[1] < b[1] ? -1 : a[1] > b[1];
}

static int train_run(const train_cfg *cfg, count_state *cs, trainer *tr, train_report *rep,
                     rf_err *err)
{
    memset(rep, 0, sizeof *rep);
    tr->byte_level = cfg->byte_level;
    rf_strmap_init(&tr->tokmap);
    rf_strmap_init(&tr->reserved);
    for (size_t i = 0; i < cfg->nspecials; i++)
        rf_strmap_put(&tr->reserved, cfg->specials[i], strlen(cfg->specials[i]), 0, NULL);
    for (int x = 0; x < 256 && !cfg->byte_level; x++) {
        char name[8];
        snprintf(name, sizeof name, "<0x%02X>", x);
        rf_strmap_put(&tr->reserved, name, 6, 0, NULL);
    }
    rf_u64map_init(&tr->pidx, 1 << 16);
    tr->rebalance = 0;
    for (int c = 0; c < RF_TC_COUNT; c++)
        if (cfg->shares[c] >= 0) {
            tr->has_target[c] = 1;
            tr->rebalance = 1;
        }
    size_t nbytes = 256;
    if (cfg->nspecials + nbytes + 1 >= cfg->vocab_size)
        return rf_errf(err, RF_EUSAGE, "--vocab-size %zu leaves no room after %zu special and "
                       "256 byte tokens", cfg->vocab_size, cfg->nspecials);
    tr->counted_total = cfg->vocab_size - cfg->nspecials - nbytes;
    double rest = 1.0;
    for (int c = 0; c < RF_TC_COUNT; c++)
        if (tr->has_target[c]) {
            tr->budget[c] = (int64_t)llround(cfg->shares[c] * (double)tr->counted_total);
            rest -= cfg->shares[c];
        }
    tr->budget[RF_TC_COUNT] =
        tr->rebalance ? (int64_t)llround((rest > 0 ? rest : 0) * (double)tr->counted_total)
                      : (int64_t)tr->counted_total;

    /* Base tokens. */
    rf_u64map alpha; /* code point -> training id (byte fallback) */
    memset(&alpha, 0, sizeof alpha);
    if (cfg->byte_level) {
        for (int b = 0; b < 256; b++) {
            char c = (char)b;
            tok_add(tr, &c, 1, 0);
        }
    } else {
        /* Characters by frequency until the coverage is reached; forced
         * characters always. */
        size_t nch = cs->chars.n;
        uint64_t *arr = rf_xmalloc((nch + 1) * 2 * sizeof *arr);
        size_t k = 0;
        uint64_t total = 0;
        for (size_t i = 0; cs->chars.slot && i <= cs->chars.mask; i++)
            if (cs->chars.slot[i].key != RF_U64MAP_EMPTY) {
                arr[2 * k] = cs->chars.slot[i].val;
                arr[2 * k + 1] = cs->chars.slot[i].key;
                total += cs->chars.slot[i].val;
                k++;
            }
        qsort(arr, k, 2 * sizeof *arr, cmp_u64desc);
        rf_u64map_init(&alpha, k + 12000);
        uint64_t acc = 0;
        for (size_t i = 0; i < k; i++) {
            if (total && (double)acc >= cfg->coverage * (double)total && acc > 0) {
                rep->rare_chars += k - i;
                break;
            }
            acc += arr[2 * i];
            char u[4];
            size_t l = rf_utf8_encode((uint32_t)arr[2 * i + 1], u);
            rf_u64map_set(&alpha, arr[2 * i + 1], tok_add(tr, u, l, 1));
        }
        free(arr);
        /* U+2581 must be a token (spaces), whatever the corpus. */
        if (!rf_u64map_get(&alpha, 0x2581))
            rf_u64map_set(&alpha, 0x2581, tok_add(tr, "\xE2\x96\x81", 3, 1));
    }
    rf_u64map forced;
    rf_u64map_init(&forced, 1 << 14);
    uint64_t frank = 0;
    if (cfg->force_hangul) {
        /* Syllables U+AC00..D7A3, jamo U+1100..11FF, compatibility jamo
         * U+3131..318E, extended jamo A960..A97C and D7B0..D7FB. */
        static const uint32_t ranges[][2] = {
            {0xAC00, 0xD7A3}, {0x1100, 0x11FF}, {0x3131, 0x318E}, {0xA960, 0xA97C},
            {0xD7B0, 0xD7C6}, {0xD7CB, 0xD7FB}};
        for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++)
            for (uint32_t cp = ranges[r][0]; cp <= ranges[r][1]; cp++) {
                char u[4];
                size_t l = rf_utf8_encode(cp, u);
                if (!cfg->byte_level) {
                    if (!rf_u64map_get(&alpha, cp)) {
                        rf_u64map_set(&alpha, cp, tok_add(tr, u, l, 1));
                        rep->forced_tokens++;
                    }
                    continue;
                }
                /* Byte level: the character's bytes joined left to right. */
                uint32_t cur = (unsigned char)u[0];
                for (size_t j = 1; j < l; j++) {
                    uint32_t nx = (unsigned char)u[j];
                    uint64_t key = (uint64_t)cur << 32 | nx;
                    const uint64_t *v = rf_u64map_get(&forced, key);
                    if (v) {
                        cur = (uint32_t)*v;
                        continue;
                    }
                    size_t before = tr->ntok;
                    uint32_t id = merge_tokens(tr, cur, nx, 1);
                    if (tr->ntok > before)
                        rep->forced_tokens++;
                    rf_u64map_set(&forced, key, frank++ << 32 | id);
                    cur = id;
                }
            }
    }
    if (cfg->ws_runs > 0) {
        size_t before = tr->ntok;
        if (cfg->byte_level) {
            add_run_tokens(tr, &forced, &frank, " ", 1, ' ', cfg->ws_runs);
            add_run_tokens(tr, &forced, &frank, "\t", 1, '\t', cfg->ws_runs / 2);
            add_run_tokens(tr, &forced, &frank, "\n", 1, '\n', cfg->ws_runs / 4);
        } else {
            const uint64_t *sp = rf_u64map_get(&alpha, 0x2581);
            add_run_tokens(tr, &forced, &frank, "\xE2\x96\x81", 3, (uint32_t)*sp, cfg->ws_runs);
            for (int k = 0; k < 2; k++) {
                uint32_t cp = k ? '\n' : '\t';
                const uint64_t *v = rf_u64map_get(&alpha, cp);
                char u = (char)cp;
                uint32_t id = v ? (uint32_t)*v : tok_add(tr, &u, 1, 1);
                if (!v)
                    rf_u64map_set(&alpha, cp, id);
                add_run_tokens(tr, &forced, &frank, &u, 1, id, k ? cfg->ws_runs / 4 : cfg->ws_runs / 2);
            }
        }
        rep->forced_tokens += tr->ntok - before;
    }
    rep->alphabet = cfg->byte_level ? 256 : alpha.n;
    tr->nforced_merges = tr->nmerge;
    rep->forced_merges = tr->nmerge;
    if (cfg->nspecials + nbytes + (tr->ntok - (cfg->byte_level ? 256 : 0)) > cfg->vocab_size) {
        rf_u64map_release(&alpha);
        rf_u64map_release(&forced);
        return rf_errf(err, RF_EUSAGE, "--vocab-size %zu is smaller than the %zu base and forced "
                       "tokens", cfg->vocab_size, cfg->nspecials + nbytes + tr->ntok);
    }

    /* Words as symbol sequences; rare characters cut words. */
    size_t total_sym = 0;
    for (size_t i = 0; i < cs->words.n; i++)
        total_sym += cs->words.ent[i].len;
    tr->sym = rf_xmalloc((total_sym + 1) * sizeof *tr->sym);
    tr->w = rf_xmalloc((cs->words.n * 2 + 1) * sizeof *tr->w);
    size_t capw = cs->words.n * 2 + 1;
    for (size_t i = 0; i < cs->words.n; i++) {
        size_t len;
        const char *k = rf_strmap_key(&cs->words, i, &len);
        uint64_t cnt = cs->words.ent[i].val;
        size_t start = tr->nsym;
        if (cfg->byte_level) {
            for (size_t j = 0; j < len; j++)
                tr->sym[tr->nsym++] = (unsigned char)k[j];
        } else {
            size_t j = 0;
            while (j <= len) {
                uint32_t cp = 0;
                const uint64_t *v = NULL;
                if (j < len) {
                    cp = rf_next_cp(k, len, &j);
                    v = rf_u64map_get(&alpha, cp);
                } else {
                    j++;
                }
                if (v) {
                    tr->sym[tr->nsym++] = (uint32_t)*v;
                    continue;
                }
                /* A rare character (or the end): close the current word. */
                if (tr->nsym - start >= 2) {
                    if (tr->nw == capw) {
                        capw *= 2;
                        tr->w = rf_xrealloc(tr->w, capw * sizeof *tr->w);
                    }
                    tr->w[tr->nw++] = (tword){start, (uint32_t)(tr->nsym - start), 0, cnt};
                } else {
                    tr->nsym = start;
                }
                start = tr->nsym;
            }
            continue;
        }
        if (tr->nw == capw) {
            capw *= 2;
            tr->w = rf_xrealloc(tr->w, capw * sizeof *tr->w);
        }
        tr->w[tr->nw++] = (tword){start, (uint32_t)(tr->nsym - start), 0, cnt};
    }
    rep->words = tr->nw;
    /* The counted words are now symbols: give their memory back. */
    rf_strmap_release(&cs->words);
    rf_u64map_release(&alpha);
    apply_forced(tr, &forced);
    rf_u64map_release(&forced);

    /* Pair counts. */
    for (size_t wi = 0; wi < tr->nw; wi++) {
        const tword *w = &tr->w[wi];
        const uint32_t *s = tr->sym + w->off;
        for (uint32_t i = 0; i + 1 < w->len; i++) {
            uint32_t pi = pair_get(tr, s[i], s[i + 1]);
            tpair *p = &tr->p[pi];
            p->count += (int64_t)w->count;
            if (!p->nocc || p->occ[p->nocc - 1] != wi) {
                if (p->nocc == p->capocc) {
                    p->capocc = p->capocc ? 2 * p->capocc : 4;
                    p->occ = rf_xrealloc(p->occ, p->capocc * sizeof *p->occ);
                }
                p->occ[p->nocc++] = (uint32_t)wi;
            }
        }
    }
    for (size_t pi = 0; pi < tr->np; pi++)
        if (tr->p[pi].count > 0)
            heap_push(tr, (uint32_t)pi);

    /* Learn. */
    uint32_t *parked = NULL;
    size_t nparked = 0, capparked = 0;
    int blocked[RF_TC_COUNT + 1] = {0};
    size_t learned_since_relax = 1;
    double rest_share = 1.0;
    for (int c = 0; c < RF_TC_COUNT; c++)
        if (tr->has_target[c])
            rest_share -= cfg->shares[c];
    if (rest_share < 0)
        rest_share = 0;
    for (;;) {
        size_t vocab_now = cfg->nspecials + nbytes + tr->ntok - (cfg->byte_level ? 256 : 0);
        if (vocab_now >= cfg->vocab_size)
            break;
        /* Nothing (frequent enough) left: lift the budgets of the classes
         * that still have room if merges were set aside, else stop. */
        int exhausted = !tr->nheap;
        if (!exhausted) {
            const tpair *tp = &tr->p[tr->heap[0].pair];
            exhausted = !tp->parked && tp->count > 0 && tp->count == tr->heap[0].count &&
                        tp->count < cfg->min_freq;
        }
        if (exhausted) {
            if (!nparked)
                break;
            /* The classes that still have budget found no more merges. Give
             * the free slots to the classes that had merges set aside, in
             * proportion to their targets (so their ratio stays as asked);
             * if that brought nothing, lift the budgets altogether. */
            tr->relaxed = 1;
            int64_t used_all = 0;
            for (int c = 0; c <= RF_TC_COUNT; c++)
                used_all += tr->used[c];
            int64_t free_slots = (int64_t)tr->counted_total - used_all;
            double wsum = 0;
            for (int c = 0; c <= RF_TC_COUNT; c++)
                if (blocked[c])
                    wsum += c < RF_TC_COUNT ? cfg->shares[c] : rest_share;
            if (tr->rebalance && free_slots > 0 && wsum > 0 && learned_since_relax > 0) {
                for (int c = 0; c <= RF_TC_COUNT; c++)
                    if (blocked[c]) {
                        double sh = c < RF_TC_COUNT ? cfg->shares[c] : rest_share;
                        tr->budget[c] = tr->used[c] + (int64_t)ceil((double)free_slots * sh / wsum);
                    }
            } else {
                tr->rebalance = 0;
            }
            memset(blocked, 0, sizeof blocked);
            learned_since_relax = 0;
            for (size_t k = 0; k < nparked; k++) {
                tr->p[parked[k]].parked = 0;
                if (tr->p[parked[k]].count > 0)
                    heap_push(tr, parked[k]);
            }
            nparked = 0;
            continue;
        }
        theap top = heap_pop(tr);
        tpair *p = &tr->p[top.pair];
        if (p->parked || p->count <= 0)
            continue;
        if (top.count != p->count) { /* stale: current count differs */
            heap_push(tr, top.pair);
            continue;
        }
        if (p->count < cfg->min_freq)
            break;
        uint32_t a = p->a, b = p->b;
        /* Class of the new token and its budget. */
        size_t an, bn;
        const char *ap = tok_bytes(tr, a, &an);
        const char *bp = tok_bytes(tr, b, &bn);
        char stackbuf[512];
        char *buf = an + bn <= sizeof stackbuf ? stackbuf : rf_xmalloc(an + bn);
        memcpy(buf, ap, an);
        memcpy(buf + an, bp, bn);
        int exists = rf_strmap_find(&tr->tokmap, buf, an + bn) >= 0;
        rf_tclass cl = rf_token_class(buf, an + bn);
        /* A token spelled like a special token or a <0xXX> byte token would
         * be a second vocabulary entry with the same name: never learn it. */
        int reserved = rf_strmap_find(&tr->reserved, buf, an + bn) >= 0;
        if (buf != stackbuf)
            free(buf);
        if (reserved) {
            p->parked = 1;
            continue;
        }
        int slot = budget_slot(tr, cl);
        if (!exists && tr->rebalance && tr->used[slot] >= tr->budget[slot]) {
            p->parked = 1;
            blocked[slot] = 1;
            if (nparked == capparked) {
                capparked = capparked ? 2 * capparked : 1024;
                parked = rf_xrealloc(parked, capparked * sizeof *parked);
            }
            parked[nparked++] = top.pair;
            continue;
        }
        size_t before = tr->ntok;
        uint32_t id = merge_tokens(tr, a, b, 1);
        if (tr->ntok == before) {
            rep->reused++;
        } else {
            rep->learned++;
            learned_since_relax++;
        }
        tr->merge_stamp++;
        /* Visit the words (the occurrence list may grow while we walk it if
         * the new token pairs with itself, so index it). */
        for (uint32_t k = 0; k < tr->p[top.pair].nocc; k++) {
            uint32_t wi = tr->p[top.pair].occ[k];
            if (tr->w[wi].stamp == tr->merge_stamp)
                continue;
            tr->w[wi].stamp = tr->merge_stamp;
            apply_merge(tr, wi, a, b, id);
        }
        p = &tr->p[top.pair];
        p->count = 0;
        free(p->occ);
        p->occ = NULL;
        p->nocc = p->capocc = 0;
        for (size_t k = 0; k < tr->ntouched; k++) {
            const tpair *q = &tr->p[tr->touched[k]];
            if (q->count > 0 && !q->parked)
                heap_push(tr, tr->touched[k]);
        }
        tr->ntouched = 0;
    }
    free(parked);
    return 0;
}

/* ---- output ---- */

static void json_token(rf_buf *b, const trainer *tr, uint32_t id)
{
    size_t n;
    const char *p = tok_bytes(tr, id, &n);
    if (!tr->byte_level) {
        rf_buf_json_str(b, p, n);
        return;
    }
    char *m = rf_xmalloc(2 * n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += rf_utf8_encode(tok_byte_char[(unsigned char)p[i]], m + k);
    rf_buf_json_str(b, m, k);
    free(m);
}

static void write_json(rf_buf *b, const train_cfg *cfg, const trainer *tr)
{
    tok_bytemap_init();
    size_t ns = cfg->nspecials;
    int bf = !cfg->byte_level;
    /* ids: specials, (byte fallback: <0x00>..<0xFF>), then training tokens. */
    size_t base = ns + (bf ? 256 : 0);
    rf_buf_adds(b, "{\"version\": \"1.0\", \"truncation\": null, \"padding\": null, \"added_tokens\": [");
    for (size_t i = 0; i < ns; i++) {
        rf_buf_addf(b, "%s{\"id\": %zu, \"content\": ", i ? ", " : "", i);
        rf_buf_json_str(b, cfg->specials[i], strlen(cfg->specials[i]));
        rf_buf_adds(b, ", \"single_word\": false, \"lstrip\": false, \"rstrip\": false, "
                       "\"normalized\": false, \"special\": true}");
    }
    rf_buf_adds(b, "], ");
    if (bf) {
        rf_buf_adds(b, "\"normalizer\": {\"type\": \"Replace\", \"pattern\": {\"String\": \" \"}, "
                       "\"content\": \"\xE2\x96\x81\"}, \"pre_tokenizer\": null, "
                       "\"post_processor\": null, \"decoder\": {\"type\": \"Sequence\", "
                       "\"decoders\": [{\"type\": \"Replace\", \"pattern\": {\"String\": "
                       "\"\xE2\x96\x81\"}, \"content\": \" \"}, {\"type\": \"ByteFallback\"}, "
                       "{\"type\": \"Fuse\"}]}, ");
    } else {
        rf_buf_adds(b, "\"normalizer\": null, \"pre_tokenizer\": {\"type\": \"Sequence\", "
                       "\"pretokenizers\": [{\"type\": \"Split\", \"pattern\": {\"Regex\": ");
        rf_buf_json_str(b, cfg->regex, strlen(cfg->regex));
        rf_buf_adds(b, "}, \"behavior\": \"Isolated\", \"invert\": false}, {\"type\": \"ByteLevel\", "
                       "\"add_prefix_space\": false, \"trim_offsets\": true, \"use_regex\": false}]}, "
                       "\"post_processor\": {\"type\": \"ByteLevel\", \"add_prefix_space\": false, "
                       "\"trim_offsets\": false, \"use_regex\": false}, \"decoder\": {\"type\": "
                       "\"ByteLevel\", \"add_prefix_space\": false, \"trim_offsets\": true, "
                       "\"use_regex\": false}, ");
    }
    rf_buf_addf(b, "\"model\": {\"type\": \"BPE\", \"dropout\": null, \"unk_token\": %s, "
                   "\"continuing_subword_prefix\": null, \"end_of_word_suffix\": null, "
                   "\"fuse_unk\": %s, \"byte_fallback\": %s, \"ignore_merges\": false, \"vocab\": {",
                bf ? "\"<unk>\"" : "null", bf ? "true" : "false", bf ? "true" : "false");
    size_t id = 0;
    for (size_t i = 0; i < ns; i++, id++) {
        rf_buf_adds(b, id ? ", " : "");
        rf_buf_json_str(b, cfg->specials[i], strlen(cfg->specials[i]));
        rf_buf_addf(b, ": %zu", id);
    }
    if (bf)
        for (int x = 0; x < 256; x++, id++)
            rf_buf_addf(b, "%s\"<0x%02X>\": %zu", id ? ", " : "", x, id);
    for (size_t t = 0; t < tr->ntok; t++) {
        rf_buf_adds(b, base + t ? ", " : "");
        json_token(b, tr, (uint32_t)t);
        rf_buf_addf(b, ": %zu", base + t);
    }
    rf_buf_adds(b, "}, \"merges\": [");
    for (size_t m = 0; m < tr->nmerge; m++) {
        rf_buf_adds(b, m ? ", [" : "[");
        json_token(b, tr, tr->ma[m]);
        rf_buf_adds(b, ", ");
        json_token(b, tr, tr->mb[m]);
        rf_buf_addc(b, ']');
    }
    rf_buf_adds(b, "]}}\n");
}

static void report_json(rf_buf *b, const train_cfg *cfg, const trainer *tr, train_report *rep)
{
    size_t counted = 0;
    memset(rep->class_tokens, 0, sizeof rep->class_tokens);
    for (size_t t = 0; t < tr->ntok; t++)
        if (tr->counted[t]) {
            rep->class_tokens[tr->tclass[t]]++;
            counted++;
        }
    rep->counted = counted;
    rf_buf_addf(b, "{\"model\": \"%s\", \"vocab_size\": %zu, \"special_tokens\": %zu, "
                   "\"byte_tokens\": 256, \"alphabet\": %zu, \"forced_tokens\": %zu, "
                   "\"forced_merges\": %zu, \"learned_merges\": %zu, \"merges_reusing_a_token\": %zu, "
                   "\"words\": %zu, \"pruned_words\": %llu, \"pruned_occurrences\": %llu, "
                   "\"rare_characters\": %llu, \"budgets_lifted\": %s, \"counted_tokens\": %zu, "
                   "\"seconds_counting\": %.3f, \"seconds_merging\": %.3f, \"classes\": {",
                cfg->byte_level ? "byte-level" : "byte-fallback",
                cfg->nspecials + (cfg->byte_level ? 0 : 256) + tr->ntok, cfg->nspecials,
                rep->alphabet, rep->forced_tokens, rep->forced_merges, rep->learned, rep->reused,
                rep->words, (unsigned long long)rep->pruned_words,
                (unsigned long long)rep->pruned_count, (unsigned long long)rep->rare_chars,
                tr->relaxed ? "true" : "false", counted, rep->seconds_count, rep->seconds_merge);
    for (int c = 0; c < RF_TC_COUNT; c++) {
        rf_buf_addf(b, "%s\"%s\": {\"tokens\": %zu, \"share\": %.4f", c ? ", " : "",
                    tclass_names[c], rep->class_tokens[c],
                    counted ? 100.0 * (double)rep->class_tokens[c] / (double)counted : 0.0);
        if (cfg->shares[c] >= 0)
            rf_buf_addf(b, ", \"target\": %.4f", 100.0 * cfg->shares[c]);
        rf_buf_addc(b, '}');
    }
    rf_buf_adds(b, "}}");
}

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void trainer_release(trainer *tr)
{
    rf_buf_release(&tr->pool);
    free(tr->toff);
    free(tr->tlen);
    free(tr->tclass);
    free(tr->counted);
    rf_strmap_release(&tr->tokmap);
    rf_strmap_release(&tr->reserved);
    free(tr->ma);
    free(tr->mb);
    free(tr->w);
    free(tr->sym);
    rf_u64map_release(&tr->pidx);
    for (size_t i = 0; i < tr->np; i++)
        free(tr->p[i].occ);
    free(tr->p);
    free(tr->heap);
    free(tr->touched);
}

static const char train_head[] =
    "Usage: refine-tokenize train --vocab-size N -o tokenizer.json [OPTIONS] [INPUT...]\n"
    "Trains a BPE tokenizer on the text of JSON Lines documents and writes a HuggingFace\n"
    "tokenizer.json (loadable by HF tokenizers; refine and HF encode it identically).\n"
    "\nThe vocabulary is split by character class to the --shares targets; the achieved\n"
    "shares are printed (and written with --report / --stats). -o is required.\n";

int rf_tokenize_train_main(int argc, char **argv)
{
    const char *prog = "refine-tokenize train";
    rf_err err = {0, ""};
    rf_opts *o = NULL;
    char **pos = NULL;
    size_t npos = 0;
    count_state cs;
    memset(&cs, 0, sizeof cs);
    pthread_mutex_init(&cs.mu, NULL);
    rf_strmap_init(&cs.words);
    trainer tr;
    memset(&tr, 0, sizeof tr);
    rf_buf json = RF_BUF_INIT, rj = RF_BUF_INIT;
    const char **specials = NULL;
    int rc = tok_cli_begin(argc, argv, prog, "tokenize-train", train_opts, train_head, &o, &pos,
                           &npos, &err);
    if (rc) {
        rc = rc > 0 ? 0 : rc;
        goto out;
    }
    train_cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.byte_level = !strcmp(rf_opt_str(o, "model"), "byte-level");
    int64_t vs = rf_opt_int(o, "vocab-size");
    if (vs < 512 || vs > 262144) {
        rc = rf_errf(&err, RF_EUSAGE, "--vocab-size must be between 512 and 262144");
        goto out;
    }
    cfg.vocab_size = (size_t)vs;
    char msg[256];
    if (rf_train_parse_shares(rf_opt_str(o, "shares"), cfg.shares, msg, sizeof msg)) {
        rc = rf_errf(&err, RF_EUSAGE, "%s", msg);
        goto out;
    }
    cfg.force_hangul = rf_opt_flag(o, "force-hangul");
    int64_t ws = rf_opt_int(o, "whitespace-runs");
    if (ws < 0 || ws > 128) {
        rc = rf_errf(&err, RF_EUSAGE, "--whitespace-runs must be between 0 and 128");
        goto out;
    }
    cfg.ws_runs = (int)ws;
    cfg.min_freq = rf_opt_int(o, "min-frequency");
    if (cfg.min_freq < 1)
        cfg.min_freq = 1;
    cfg.coverage = rf_opt_float(o, "character-coverage");
    if (!(cfg.coverage > 0 && cfg.coverage <= 1)) {
        rc = rf_errf(&err, RF_EUSAGE, "--character-coverage must be in (0, 1]");
        goto out;
    }
    cfg.regex = rf_opt_str(o, "regex");
    /* Specials: <unk> first for byte fallback, then the reserved ones, then
     * the user's (duplicates dropped). */
    const char *const *user = NULL;
    size_t nuser = rf_opt_list(o, "special", &user);
    specials = rf_xcalloc(nuser + 16, sizeof *specials);
    size_t nsp = 0;
    if (!cfg.byte_level)
        specials[nsp++] = "<unk>";
    for (size_t i = 0; i < sizeof default_specials / sizeof default_specials[0]; i++)
        specials[nsp++] = default_specials[i];
    for (size_t i = 0; i < nuser; i++) {
        int dup = !user[i][0];
        for (size_t k = 0; k < nsp && !dup; k++)
            dup = !strcmp(specials[k], user[i]);
        if (!dup)
            specials[nsp++] = user[i];
    }
    cfg.specials = specials;
    cfg.nspecials = nsp;
    const char *out_path = rf_opt_str(o, "output");
    if (!out_path || !strcmp(out_path, "-")) {
        rc = rf_errf(&err, RF_EUSAGE, "-o tokenizer.json is required");
        goto out;
    }

    /* Pass 1. */
    cs.byte_level = cfg.byte_level;
    cs.split_digits = rf_opt_flag(o, "split-digits");
    int64_t mw = rf_opt_int(o, "max-words");
    int64_t mwb = rf_opt_int(o, "max-word-bytes");
    if (mw < 1000 || mwb < 2) {
        rc = rf_errf(&err, RF_EUSAGE, "--max-words must be >= 1000 and --max-word-bytes >= 2");
        goto out;
    }
    cs.max_words = (size_t)mw;
    cs.max_word_bytes = (size_t)mwb;
    if (cfg.byte_level && (rc = tok_pattern_regex(&cs.re, cfg.regex, strlen(cfg.regex), &err)))
        goto out;
    rf_run_config rcfg;
    if ((rc = rf_cli_run_config(o, prog, pos, npos, &rcfg, &err)))
        goto out;
    rcfg.output = "-"; /* the counting pass writes no documents */
    rf_stage st;
    if ((rc = rf_stage_init(&st, &count_desc, o, &err)))
        goto out;
    st.state = &cs;
    rf_io_install_signal_cleanup();
    rf_run_result res;
    double t0 = now_sec();
    rc = rf_run(&st, 1, &rcfg, &res, &err);
    double t1 = now_sec();
    st.state = NULL;
    if (rc) {
        rf_stage_release(&st);
        goto out;
    }
    if (rcfg.verbosity >= 1)
        fprintf(stderr, "%s: counted %zu distinct pre-tokens in %llu documents (%.1f MB) in %.1f s\n",
                prog, cs.words.n, (unsigned long long)res.docs_out, (double)res.input_bytes / 1e6,
                t1 - t0);

    /* Pass 2. */
    train_report rep;
    rc = train_run(&cfg, &cs, &tr, &rep, &err);
    double t2 = now_sec();
    rep.pruned_words = cs.pruned_words;
    rep.pruned_count = cs.pruned_count;
    rep.seconds_count = t1 - t0;
    rep.seconds_merge = t2 - t1;
    if (!rc) {
        write_json(&json, &cfg, &tr);
        /* Check that it loads before anyone else tries. */
        rf_tokenizer *check = NULL;
        rc = rf_tokenizer_load_json(&check, json.p, json.len, out_path, &err);
        if (rc)
            rf_err_prefix(&err, "internal error: the trained tokenizer does not load");
        rf_tokenizer_free(check);
    }
    if (!rc) {
        rf_outopts oo = {RF_COMPRESS_NONE, 3, 0};
        rf_out *out;
        rc = rf_out_open(&out, out_path, &oo, &err);
        if (!rc && (rc = rf_out_write(out, json.p, json.len, &err)))
            rf_out_abort(out);
        else if (!rc)
            rc = rf_out_commit(out, &err);
    }
    if (!rc) {
        report_json(&rj, &cfg, &tr, &rep);
        const char *report = rf_opt_str(o, "report");
        if (report) {
            rf_buf tmp = RF_BUF_INIT;
            rf_buf_add(&tmp, rj.p, rj.len);
            rf_buf_addc(&tmp, '\n');
            rc = rf_cli_write_json(report, tmp.p, tmp.len, &err);
            rf_buf_release(&tmp);
        }
        const char *stats = rf_opt_str(o, "stats");
        if (!rc && stats)
            rc = tok_cli_write_stats(stats, &st, &res, rcfg.threads, "train", rj.p, rj.len, &err);
        if (!rc && rcfg.verbosity >= 1) {
            fprintf(stderr, "%s: %zu tokens (%zu learned merges, %zu forced tokens) in %.1f s%s\n",
                    prog, cfg.nspecials + (cfg.byte_level ? 0 : 256) + tr.ntok, rep.learned,
                    rep.forced_tokens, t2 - t1,
                    tr.relaxed ? "; some classes could not reach their target" : "");
            for (int c = 0; c < RF_TC_COUNT; c++) {
                double sh = rep.counted ? 100.0 * (double)rep.class_tokens[c] / (double)rep.counted
                                        : 0.0;
                if (cfg.shares[c] >= 0)
                    fprintf(stderr, "  %-9s %6zu tokens %6.2f%% (target %.2f%%)\n", tclass_names[c],
                            rep.class_tokens[c], sh, 100.0 * cfg.shares[c]);
                else if (rep.class_tokens[c])
                    fprintf(stderr, "  %-9s %6zu tokens %6.2f%%\n", tclass_names[c],
                            rep.class_tokens[c], sh);
            }
        }
    }
    rf_stage_release(&st);
out:
    if (rc)
        rf_cli_error(prog, &err);
    trainer_release(&tr);
    tok_pattern_release(&cs.re);
    rf_strmap_release(&cs.words);
    rf_u64map_release(&cs.chars);
    pthread_mutex_destroy(&cs.mu);
    rf_buf_release(&json);
    rf_buf_release(&rj);
    free(specials);
    free(pos);
    rf_opts_free(o);
    return rf_exit_code(rc);
}
