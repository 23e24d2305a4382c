/* filter.c — the `decontam` stage: finds n-grams of evaluation sets in
 * documents using an index built by `refine-decontam index`, then either
 * rejects the document (drop) or cuts the matched regions out of it
 * (excise, GPT-3 style: each match plus a margin on both sides is removed,
 * the remaining fragments shorter than a minimum are dropped, and a document
 * split too often is rejected).
 *
 * Hot path: the text is tokenised once (decontam/ngram.h), every n-token
 * window is hashed and looked up (Bloom filter first, then the bucketed
 * sorted table); windows of the lengths of short items are only hashed where
 * the window's first min_tokens tokens are the start of some short item.
 * N-grams that occur in more than --max-item-freq items are ignored.
 * Per-thread tables count every matched n-gram; finish() merges them into
 * the --matches file the report reads. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decontam/decontam.h"
#include "decontam/index.h"
#include "decontam/ngram.h"
#include "stages/io.h"
#include "stages/stage.h"

static const rf_optspec decontam_opts[] = {
    {"index", 0, RF_OPT_STR, NULL, "FILE", "index built by `refine-decontam index` (required)",
     NULL},
    {"mode", 0, RF_OPT_ENUM, "drop", "MODE",
     "drop: reject documents with a match (reason decontam); excise: cut the matches out",
     "drop|excise"},
    {"max-item-freq", 0, RF_OPT_INT, "10", "K",
     "ignore n-grams that occur in more than K benchmark items (boilerplate)", NULL},
    {"excise-margin", 0, RF_OPT_INT, "200", "CHARS",
     "excise: characters removed on each side of a match", NULL},
    {"min-fragment", 0, RF_OPT_INT, "200", "CHARS",
     "excise: fragments shorter than this are dropped", NULL},
    {"max-splits", 0, RF_OPT_INT, "10", "N",
     "excise: documents with more than N excised regions are rejected", NULL},
    {"fragment-sep", 0, RF_OPT_STR, "\\n\\n", "TEXT",
     "excise: text placed between kept fragments (\\n, \\t and \\\\ escapes)", NULL},
    {"matches", 0, RF_OPT_STR, NULL, "FILE",
     "write every matched n-gram with its document and hit counts (TSV; for the report)", NULL},
    RF_OPTSPEC_END,
};

typedef struct dc_state {
    rf_dcx *x;
    int excise;
    uint32_t max_item_freq;
    size_t margin, min_fragment, max_splits;
    char *sep;
    size_t seplen;
    const char *matches;
    char **docs_name, **hits_name; /* per benchmark: counter names */
    pthread_mutex_t mu;             /* guards tls registration only */
    struct dc_tls **tls;
    size_t ntls;
} dc_state;

typedef struct hit {
    uint32_t tok, m;
    uint32_t entry;
} hit;

typedef struct mslot {
    uint32_t key; /* entry + 1, 0 = empty */
    uint32_t last_doc;
    uint64_t docs, hits;
} mslot;

typedef struct dc_tls {
    rf_ngram_toks toks;
    hit *hits;
    size_t nhits, caphits;
    uint32_t *bench_stamp, *bench_hits, *bench_list;
    uint32_t stamp;
    mslot *map;
    size_t mapcap, mapn;
    uint32_t doc_no;
    size_t *reg; /* excise: region bounds */
    size_t capreg;
    uint64_t lookups; /* windows whose gate passed (exact lookups) */
    uint64_t *wh; /* window gates of the current document */
    size_t *pos;    /* windows whose gate passed */
    int64_t *ent;   /* and their index entries */
    size_t *cand;   /* windows whose short-item gate passed */
    size_t capcand;
    size_t capwh;
} dc_tls;

#if defined(__GNUC__)
#define RF_PREFETCH(p) __builtin_prefetch(p)
#else
#define RF_PREFETCH(p) ((void)(p))
#endif

static char *unescape_sep(const char *s, size_t *n)
{
    size_t l = strlen(s), k = 0;
    char *o = rf_xmalloc(l + 1);
    for (size_t i = 0; i < l; i++) {
        if (s[i] == '\\' && i + 1 < l) {
            char c = s[++i];
            o[k++] = c == 'n' ? '\n' : c == 't' ? '\t' : c;
        } else {
            o[k++] = s[i];
        }
    }
    o[k] = '\0';
    *n = k;
    return o;
}

static void dc_release(rf_stage *st)
{
    dc_state *S = st->state;
    if (!S)
        return;
    if (S->x)
        for (uint32_t b = 0; b < S->x->n_bench; b++) {
            free(S->docs_name[b]);
            free(S->hits_name[b]);
        }
    free(S->docs_name);
    free(S->hits_name);
    rf_dcx_close(S->x);
    free(S->sep);
    free(S->tls);
    pthread_mutex_destroy(&S->mu);
    free(S);
    st->state = NULL;
}

static int dc_init(rf_stage *st, const rf_opts *o, rf_err *err)
{
    const char *path = rf_opt_str(o, "index");
    if (!path || !path[0])
        return rf_errf(err, RF_EUSAGE,
                       "--index FILE is required (build one with: refine-decontam index -o FILE "
                       "SPEC...)");
    int64_t k = rf_opt_int(o, "max-item-freq"), mg = rf_opt_int(o, "excise-margin"),
            mf = rf_opt_int(o, "min-fragment"), ms = rf_opt_int(o, "max-splits");
    if (k < 1 || k > UINT32_MAX)
        return rf_errf(err, RF_EUSAGE, "--max-item-freq must be at least 1");
    if (mg < 0 || mf < 0 || ms < 0)
        return rf_errf(err, RF_EUSAGE,
                       "--excise-margin, --min-fragment and --max-splits cannot be negative");
    dc_state *S = rf_xcalloc(1, sizeof *S);
    pthread_mutex_init(&S->mu, NULL);
    st->state = S;
    int rc = rf_dcx_open(&S->x, path, err);
    if (rc) {
        dc_release(st);
        return rc;
    }
    S->excise = !strcmp(rf_opt_str(o, "mode"), "excise");
    S->max_item_freq = (uint32_t)k;
    S->margin = (size_t)mg;
    S->min_fragment = (size_t)mf;
    S->max_splits = (size_t)ms;
    S->sep = unescape_sep(rf_opt_str(o, "fragment-sep"), &S->seplen);
    S->matches = rf_opt_str(o, "matches");
    uint32_t nb = S->x->n_bench;
    S->docs_name = rf_xcalloc(nb ? nb : 1, sizeof *S->docs_name);
    S->hits_name = rf_xcalloc(nb ? nb : 1, sizeof *S->hits_name);
    for (uint32_t b = 0; b < nb; b++) {
        size_t l;
        const char *name = rf_dcx_bench_name(S->x, b, &l);
        rf_buf t = RF_BUF_INIT;
        rf_buf_addf(&t, "docs.%.*s", (int)l, name);
        S->docs_name[b] = rf_buf_detach(&t, NULL);
        rf_buf_addf(&t, "ngram_hits.%.*s", (int)l, name);
        S->hits_name[b] = rf_buf_detach(&t, NULL);
    }
    return 0;
}

static int dc_thread_init(rf_stage *st, void **tlsp, rf_err *err)
{
    (void)err;
    dc_state *S = st->state;
    dc_tls *T = rf_xcalloc(1, sizeof *T);
    rf_ngram_toks_init(&T->toks);
    uint32_t nb = S->x->n_bench ? S->x->n_bench : 1;
    T->bench_stamp = rf_xcalloc(nb, sizeof *T->bench_stamp);
    T->bench_hits = rf_xcalloc(nb, sizeof *T->bench_hits);
    T->bench_list = rf_xcalloc(nb, sizeof *T->bench_list);
    pthread_mutex_lock(&S->mu);
    S->tls = rf_xrealloc(S->tls, (S->ntls + 1) * sizeof *S->tls);
    S->tls[S->ntls++] = T;
    pthread_mutex_unlock(&S->mu);
    *tlsp = T;
    return 0;
}

static void dc_thread_release(rf_stage *st, void *tls)
{
    dc_state *S = st->state;
    dc_tls *T = tls;
    if (!T)
        return;
    pthread_mutex_lock(&S->mu);
    for (size_t i = 0; i < S->ntls; i++)
        if (S->tls[i] == T) {
            S->tls[i] = S->tls[--S->ntls];
            break;
        }
    pthread_mutex_unlock(&S->mu);
    rf_ngram_toks_release(&T->toks);
    free(T->hits);
    free(T->bench_stamp);
    free(T->bench_hits);
    free(T->bench_list);
    free(T->map);
    free(T->reg);
    free(T->wh);
    free(T->cand);
    free(T->pos);
    free(T->ent);
    free(T);
}

/* ---- matched n-gram counts (per thread) ---- */

static void map_grow(dc_tls *T)
{
    size_t nc = T->mapcap ? T->mapcap * 2 : 1024;
    mslot *m = rf_xcalloc(nc, sizeof *m);
    for (size_t i = 0; i < T->mapcap; i++) {
        if (!T->map[i].key)
            continue;
        size_t k = (T->map[i].key * 2654435761u) & (nc - 1);
        while (m[k].key)
            k = (k + 1) & (nc - 1);
        m[k] = T->map[i];
    }
    free(T->map);
    T->map = m;
    T->mapcap = nc;
}

static mslot *map_get(dc_tls *T, uint32_t entry)
{
    if ((T->mapn + 1) * 2 > T->mapcap)
        map_grow(T);
    uint32_t key = entry + 1;
    size_t k = (key * 2654435761u) & (T->mapcap - 1);
    while (T->map[k].key && T->map[k].key != key)
        k = (k + 1) & (T->mapcap - 1);
    if (!T->map[k].key) {
        T->map[k].key = key;
        T->mapn++;
    }
    return &T->map[k];
}

/* ---- matching ---- */

static void add_hit(dc_tls *T, uint32_t tok, uint32_t m, uint32_t entry)
{
    if (T->nhits == T->caphits) {
        T->caphits = T->caphits ? T->caphits * 2 : 64;
        T->hits = rf_xrealloc(T->hits, T->caphits * sizeof *T->hits);
    }
    T->hits[T->nhits].tok = tok;
    T->hits[T->nhits].m = m;
    T->hits[T->nhits].entry = entry;
    T->nhits++;
}

/* Records the window (i, m) when its lookup found entry e: a hit, or an
 * ignored one (returns 1) when the n-gram is in too many items. */
static int consider(const dc_state *S, dc_tls *T, int64_t e, size_t i, size_t m)
{
    if (e < 0)
        return 0;
    if (S->x->info[e].n_items > S->max_item_freq)
        return 1;
    add_hit(T, (uint32_t)i, (uint32_t)m, (uint32_t)e);
    return 0;
}

/* Fills T->hits; returns the number of hits ignored as too frequent. */
static uint64_t find_hits(const dc_state *S, dc_tls *T)
{
    const rf_dcx *x = S->x;
    const rf_ngram_toks *t = &T->toks;
    size_t ntok = t->n, n = x->n, p = x->min_tokens;
    uint64_t ignored = 0;
    T->nhits = 0;
    if (ntok < p || ntok == 0)
        return 0;
    if (T->capwh < ntok) {
        T->capwh = ntok + ntok / 2;
        free(T->wh);
        free(T->pos);
        free(T->ent);
        T->wh = rf_xmalloc(T->capwh * sizeof *T->wh);
        T->pos = rf_xmalloc(T->capwh * sizeof *T->pos);
        T->ent = rf_xmalloc(T->capwh * sizeof *T->ent);
    }
    const uint64_t *keys = t->key;
    uint64_t *g = T->wh;
    /* Pass 1: the rolling gates of every n-token window (prefetching their
     * Bloom words) and of every min_tokens window (probing the small
     * short-item filter at once). Pass 2: the n-gram probes, independent
     * loads whose cache misses overlap. Only windows whose gate passes are
     * hashed and looked up. */
    size_t nw = ntok >= n ? ntok - n + 1 : 0, np = ntok - p + 1;
    uint64_t sn = 0, sp = 0;
    for (size_t k = 0; k < p; k++)
        sp += keys[k];
    for (size_t k = 0; k < n && k < ntok; k++)
        sn += keys[k];
    int short_items = x->n_prefix != 0;
    size_t ncand = 0;
    for (size_t i = 0; i < np; i++) {
        if (i < nw) {
            g[i] = sn;
            RF_PREFETCH(&x->bloom[sn & x->bloom_mask]);
            if (i + n < ntok)
                sn += keys[i + n] - keys[i];
        }
        if (short_items && rf_dcx_maybe(x->pbloom, x->pbloom_mask, sp)) {
            if (ncand == T->capcand) {
                T->capcand = T->capcand ? 2 * T->capcand : 64;
                T->cand = rf_xrealloc(T->cand, T->capcand * sizeof *T->cand);
            }
            T->cand[ncand++] = i;
        }
        if (i + p < ntok)
            sp += keys[i + p] - keys[i];
    }
    /* Windows whose gate passes: hash them, then look them up in stages
     * (directory, hash table, info), prefetching each stage for all of them
     * first. In text that repeats a benchmark most windows pass, and the
     * three cache misses of each lookup then overlap. The gates in g are no
     * longer needed: g[k] and pos[k] hold the k-th passing window. */
    size_t npass = 0;
    size_t *pos = T->pos;
    for (size_t i = 0; i < nw; i++) {
        if (!rf_dcx_maybe(x->bloom, x->bloom_mask, g[i]))
            continue;
        uint64_t h = rf_ngram_hash(t, i, n);
        RF_PREFETCH(&x->dir[h >> x->dir_shift]);
        g[npass] = h;
        pos[npass++] = i;
    }
    T->lookups += npass;
    for (size_t k = 0; k < npass; k++) {
        uint32_t lo = x->dir[g[k] >> x->dir_shift];
        if (lo < x->n_hashes)
            RF_PREFETCH(&x->hashes[lo]);
    }
    int64_t *ent = T->ent;
    for (size_t k = 0; k < npass; k++) {
        ent[k] = rf_dcx_find(x, g[k]);
        if (ent[k] >= 0)
            RF_PREFETCH(&x->info[ent[k]]);
    }
    for (size_t k = 0; k < npass; k++)
        ignored += consider(S, T, ent[k], pos[k], n);
    for (size_t c = 0; c < ncand; c++) {
        size_t i = T->cand[c];
        uint64_t hp = rf_ngram_hash(t, i, p);
        if (!rf_dcx_has_prefix(x, hp))
            continue;
        for (size_t m = p; m < n && i + m <= ntok; m++) {
            if (!((x->short_lengths >> m) & 1))
                continue;
            ignored += consider(S, T, rf_dcx_find(x, m == p ? hp : rf_ngram_hash(t, i, m)), i, m);
        }
    }
    return ignored;
}

/* Benchmarks touched by the hits, in order of first hit, in T->bench_list;
 * hits per benchmark in T->bench_hits. Returns their number. */
static size_t collect_benches(const dc_state *S, dc_tls *T)
{
    if (++T->stamp == 0) { /* wrapped: clear the stamps once */
        memset(T->bench_stamp, 0, S->x->n_bench * sizeof *T->bench_stamp);
        T->stamp = 1;
    }
    size_t nb = 0;
    for (size_t h = 0; h < T->nhits; h++) {
        size_t ns;
        const uint32_t *ids = rf_dcx_bset(S->x, S->x->info[T->hits[h].entry].bset, &ns);
        for (size_t k = 0; k < ns; k++) {
            uint32_t b = ids[k];
            if (b >= S->x->n_bench)
                continue;
            if (T->bench_stamp[b] != T->stamp) {
                T->bench_stamp[b] = T->stamp;
                T->bench_hits[b] = 0;
                T->bench_list[nb++] = b;
            }
            T->bench_hits[b]++;
        }
    }
    return nb;
}

static void bench_names(const dc_state *S, const dc_tls *T, size_t nb, rf_buf *out, int json)
{
    for (size_t k = 0; k < nb; k++) {
        size_t l;
        const char *name = rf_dcx_bench_name(S->x, T->bench_list[k], &l);
        if (k)
            rf_buf_addc(out, ',');
        if (json)
            rf_buf_json_str(out, name, l);
        else
            rf_buf_add(out, name, l);
    }
}

static int cmp_size2(const void *a, const void *b)
{
    const size_t *x = a, *y = b;
    return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* Steps back / forward `chars` code points from byte offset i. */
static size_t back_chars(const char *p, size_t i, size_t chars)
{
    while (i > 0 && chars > 0) {
        i--;
        while (i > 0 && ((unsigned char)p[i] & 0xC0) == 0x80)
            i--;
        chars--;
    }
    return i;
}

static size_t fwd_chars(const char *p, size_t n, size_t i, size_t chars)
{
    while (i < n && chars > 0) {
        i++;
        while (i < n && ((unsigned char)p[i] & 0xC0) == 0x80)
            i++;
        chars--;
    }
    return i;
}

/* Excision: returns 0 and edits/annotates d, or rejects it. */
static void excise(const dc_state *S, dc_tls *T, rf_work *w, rf_doc *d, const char *text,
                   size_t len, size_t nb)
{
    const rf_ngram_toks *t = &T->toks;
    if (T->capreg < 2 * T->nhits) {
        T->capreg = 2 * T->nhits;
        T->reg = rf_xrealloc(T->reg, T->capreg * sizeof *T->reg);
    }
    size_t nr = 0;
    for (size_t h = 0; h < T->nhits; h++) {
        size_t a = t->raw_start[T->hits[h].tok];
        size_t b = t->raw_end[T->hits[h].tok + T->hits[h].m - 1];
        T->reg[2 * nr] = back_chars(text, a, S->margin);
        T->reg[2 * nr + 1] = fwd_chars(text, len, b, S->margin);
        nr++;
    }
    qsort(T->reg, nr, 2 * sizeof *T->reg, cmp_size2);
    size_t m = 0;
    for (size_t r = 0; r < nr; r++) {
        if (m && T->reg[2 * r] <= T->reg[2 * (m - 1) + 1]) {
            if (T->reg[2 * r + 1] > T->reg[2 * (m - 1) + 1])
                T->reg[2 * (m - 1) + 1] = T->reg[2 * r + 1];
        } else {
            T->reg[2 * m] = T->reg[2 * r];
            T->reg[2 * m + 1] = T->reg[2 * r + 1];
            m++;
        }
    }
    rf_stats_count(w->stats, "excised_regions", m);
    if (m > S->max_splits) {
        rf_buf det = RF_BUF_INIT;
        rf_buf_addf(&det, "%zu excised regions (more than --max-splits %zu); benchmarks ", m,
                    S->max_splits);
        bench_names(S, T, nb, &det, 0);
        rf_doc_reject(d, "decontam_splits", "%s", det.p);
        rf_buf_release(&det);
        return;
    }
    /* Fragments between the regions; short ones are dropped. */
    rf_buf out = RF_BUF_INIT;
    size_t kept = 0, dropped = 0, prev = 0;
    for (size_t r = 0; r <= m; r++) {
        size_t fs = prev, fe = r < m ? T->reg[2 * r] : len;
        if (r < m)
            prev = T->reg[2 * r + 1];
        if (fe <= fs)
            continue;
        if (rf_ngram_chars(text + fs, fe - fs) < S->min_fragment) {
            dropped++;
            continue;
        }
        if (kept)
            rf_buf_add(&out, S->sep, S->seplen);
        rf_buf_add(&out, text + fs, fe - fs);
        kept++;
    }
    rf_stats_count(w->stats, "fragments_dropped", dropped);
    if (!kept) {
        rf_buf det = RF_BUF_INIT;
        rf_buf_adds(&det, "nothing left after excision; benchmarks ");
        bench_names(S, T, nb, &det, 0);
        rf_doc_reject(d, "decontam_excised", "%s", det.p);
        rf_buf_release(&det);
        rf_buf_release(&out);
        return;
    }
    size_t removed = len - (out.len - (kept - 1) * S->seplen);
    char *nt = rf_arena_memdup(w->arena, out.p, out.len);
    rf_doc_set_text(d, nt, out.len);
    rf_stats_count(w->stats, "excised_docs", 1);
    rf_stats_count(w->stats, "excised_bytes", removed);
    rf_buf a = RF_BUF_INIT;
    rf_buf_adds(&a, "{\"benchmarks\":[");
    bench_names(S, T, nb, &a, 1);
    rf_buf_addf(&a, "],\"regions\":%zu,\"fragments\":%zu,\"removed_bytes\":%zu}", m, kept,
                removed);
    rf_doc_annotate_raw(d, "decontam", a.p, a.len);
    rf_buf_release(&a);
    rf_buf_release(&out);
}

static int dc_process(rf_stage *st, rf_work *w, rf_doc *d, rf_err *err)
{
    (void)err;
    const dc_state *S = st->state;
    dc_tls *T = w->tls;
    size_t len;
    const char *text = rf_doc_text(d, &len);
    rf_ngram_toks_reset(&T->toks);
    rf_ngram_tokenize(&T->toks, text, len, 0);
    T->lookups = 0;
    uint64_t ignored = find_hits(S, T);
    uint64_t nt = T->toks.n;
    rf_stats_count(w->stats, "windows", nt >= S->x->n ? nt - S->x->n + 1 : 0);
    if (T->lookups)
        rf_stats_count(w->stats, "window_lookups", T->lookups);
    if (ignored)
        rf_stats_count(w->stats, "ngram_hits_ignored", ignored);
    if (!T->nhits)
        return 0;
    rf_stats_count(w->stats, "docs_matched", 1);
    rf_stats_count(w->stats, "ngram_hits", T->nhits);
    size_t nb = collect_benches(S, T);
    for (size_t k = 0; k < nb; k++) {
        uint32_t b = T->bench_list[k];
        rf_stats_count(w->stats, S->docs_name[b], 1);
        rf_stats_count(w->stats, S->hits_name[b], T->bench_hits[b]);
    }
    T->doc_no++;
    for (size_t h = 0; S->matches && h < T->nhits; h++) {
        mslot *ms = map_get(T, T->hits[h].entry);
        ms->hits++;
        if (ms->last_doc != T->doc_no) {
            ms->last_doc = T->doc_no;
            ms->docs++;
        }
    }
    if (S->excise) {
        excise(S, T, w, d, text, len, nb);
        return 0;
    }
    uint32_t bench;
    size_t il;
    const char *iid = rf_dcx_item_id(S->x, S->x->info[T->hits[0].entry].first_item, &bench, &il);
    size_t bl;
    const char *bname = rf_dcx_bench_name(S->x, bench, &bl);
    rf_buf det = RF_BUF_INIT;
    rf_buf_adds(&det, "benchmarks ");
    bench_names(S, T, nb, &det, 0);
    rf_buf_addf(&det, "; item %.*s %.*s; %zu n-gram hits", (int)bl, bname, (int)il, iid,
                T->nhits);
    rf_doc_reject(d, "decontam", "%s", det.p);
    rf_buf_release(&det);
    return 0;
}

typedef struct mrow {
    uint64_t hash, docs, hits;
    uint32_t entry;
} mrow;

static int cmp_mrow(const void *a, const void *b)
{
    const mrow *x = a, *y = b;
    if (x->docs != y->docs)
        return x->docs > y->docs ? -1 : 1;
    if (x->hits != y->hits)
        return x->hits > y->hits ? -1 : 1;
    return x->hash < y->hash ? -1 : x->hash > y->hash;
}

static int dc_finish(rf_stage *st, rf_err *err)
{
    dc_state *S = st->state;
    if (!S->matches)
        return 0;
    /* Merge the per-thread tables (workers have stopped). */
    dc_tls M;
    memset(&M, 0, sizeof M);
    for (size_t i = 0; i < S->ntls; i++) {
        const dc_tls *T = S->tls[i];
        for (size_t k = 0; k < T->mapcap; k++) {
            if (!T->map[k].key)
                continue;
            mslot *ms = map_get(&M, T->map[k].key - 1);
            ms->docs += T->map[k].docs;
            ms->hits += T->map[k].hits;
        }
    }
    mrow *rows = rf_xcalloc(M.mapn ? M.mapn : 1, sizeof *rows);
    size_t nr = 0;
    for (size_t k = 0; k < M.mapcap; k++) {
        if (!M.map[k].key)
            continue;
        uint32_t e = M.map[k].key - 1;
        rows[nr].entry = e;
        rows[nr].hash = e < S->x->n_hashes ? S->x->hashes[e] : 0;
        rows[nr].docs = M.map[k].docs;
        rows[nr].hits = M.map[k].hits;
        nr++;
    }
    free(M.map);
    if (nr > 1)
        qsort(rows, nr, sizeof *rows, cmp_mrow);
    rf_buf b = RF_BUF_INIT;
    rf_buf_adds(&b, "# refine-decontam matches 1\thash\tdocs\thits\titems\tfirst_item\n");
    for (size_t i = 0; i < nr; i++) {
        const rf_dcx_info *in = &S->x->info[rows[i].entry];
        uint32_t bench;
        size_t il, bl;
        const char *iid = rf_dcx_item_id(S->x, in->first_item, &bench, &il);
        const char *bn = rf_dcx_bench_name(S->x, bench, &bl);
        rf_buf_addf(&b, "%016llx\t%llu\t%llu\t%u\t%.*s %.*s\n", (unsigned long long)rows[i].hash,
                    (unsigned long long)rows[i].docs, (unsigned long long)rows[i].hits,
                    in->n_items, (int)bl, bn, (int)il, iid);
    }
    free(rows);
    rf_outopts oo = {RF_COMPRESS_NONE, 3, 0};
    rf_out *o;
    int rc = rf_out_open(&o, S->matches, &oo, err);
    if (!rc) {
        rc = rf_out_write(o, b.p, b.len, err);
        if (rc)
            rf_out_abort(o);
        else
            rc = rf_out_commit(o, err);
    }
    rf_buf_release(&b);
    return rc;
}

const rf_stage_desc rf_stage_decontam = {
    .name = "decontam",
    .summary = "Remove benchmark leaks: n-gram overlap with evaluation sets (drop or excise).",
    .usage = "Subcommands:\n"
             "  refine-decontam index -o INDEX [--n 12] [--min-tokens 8] SPEC...\n"
             "      build an index (and INDEX.sqlite provenance) from evaluation files\n"
             "  refine-decontam report --index INDEX [--matches FILE] [STATS.json...]\n"
             "      matches per benchmark and the most frequent matched n-grams\n"
             "  refine-decontam --index INDEX [--mode drop|excise] [INPUT...]\n"
             "      filter documents (this help)\n"
             "See `refine-decontam index --help` for the SPEC syntax. Counters in --stats:\n"
             "docs_matched, ngram_hits, ngram_hits_ignored, docs.BENCH, ngram_hits.BENCH,\n"
             "windows (n-gram windows checked), window_lookups (windows past the Bloom\n"
             "filter), and in excise mode excised_docs, excised_regions, excised_bytes,\n"
             "fragments_dropped. Reject reasons: decontam (drop), decontam_splits and\n"
             "decontam_excised (excise).",
    .opts = decontam_opts,
    .init = dc_init,
    .release = dc_release,
    .thread_init = dc_thread_init,
    .thread_release = dc_thread_release,
    .process = dc_process,
    .finish = dc_finish,
    .main = rf_decontam_main,
};
