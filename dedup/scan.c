/* scan.c — the per-shard steps `exact hash` and `minhash signatures`. One
 * streaming pass over a shard (the shared runner, any --threads) computes
 * for every document its exact key (XXH3-128 of the normalised or raw text),
 * its MinHash band hashes and, for --verify, its sorted shingle set. Worker
 * threads collect records in their own buffers; after the pass they are
 * sorted (so the files do not depend on threads or timing) and written
 * atomically: WORK/exact/hash/NNNNN.xh, WORK/minhash/sig/NNNNN.sig and
 * WORK/minhash/shingles/NNNNN.shg. A shard whose files already exist and
 * validate is skipped, which makes the step restartable. Memory is
 * proportional to one shard's documents (about 200 bytes each), never to
 * the corpus. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <xxhash.h>

#include "dedup/dedup.h"
#include "stages/io.h"
#include "stages/json.h"
#include "stages/text.h"

_Static_assert(sizeof(rf_sig_doc) == 24, "rf_sig_doc layout");
_Static_assert(sizeof(rf_xrec) == 40, "rf_xrec layout");

typedef struct shg_doc {
    uint32_t ord, cnt;
    uint64_t off; /* into the thread's shingle buffer */
} shg_doc;

typedef struct scan_tls {
    rf_minhash_scratch ms;
    rf_buf xnorm;
    uint64_t *sig;
    rf_sig_doc *docs;
    size_t ndocs, capdocs;
    uint64_t *bh;      /* band hashes, bands per document, parallel to docs */
    rf_xrec *x;
    size_t nx, capx;
    shg_doc *sd;       /* parallel to docs when shingles are kept */
    uint64_t *shd;
    size_t nshd, capshd;
    struct scan_tls *next;
} scan_tls;

typedef struct scan_state {
    const rf_dedup_params *p;
    int exact, minhash, shingles;
    rf_minhasher mh;
    pthread_mutex_t mu;
    scan_tls *done;
} scan_state;

static int scan_thread_init(rf_stage *st, void **tls, rf_err *err)
{
    (void)err;
    scan_state *S = st->state;
    scan_tls *t = rf_xcalloc(1, sizeof *t);
    if (S->minhash)
        t->sig = rf_xmalloc(S->mh.nhash * sizeof *t->sig);
    *tls = t;
    return 0;
}

/* Hands the thread's records to the state; the step sorts and writes them
 * after the run. */
static void scan_thread_release(rf_stage *st, void *tls)
{
    scan_state *S = st->state;
    scan_tls *t = tls;
    rf_minhash_scratch_release(&t->ms);
    rf_buf_release(&t->xnorm);
    free(t->sig);
    t->sig = NULL;
    pthread_mutex_lock(&S->mu);
    t->next = S->done;
    S->done = t;
    pthread_mutex_unlock(&S->mu);
}

static void free_tls(scan_tls *t)
{
    free(t->docs);
    free(t->bh);
    free(t->x);
    free(t->sd);
    free(t->shd);
    free(t);
}

static double priority(rf_doc *d, const char *field, rf_stats *st)
{
    size_t n;
    int type;
    const char *v = rf_doc_field(d, field, &n, &type);
    if (v && type == RF_JSON_NUMBER && n < 64) {
        char tmp[64];
        memcpy(tmp, v, n);
        tmp[n] = 0;
        double x = strtod(tmp, NULL);
        if (isfinite(x))
            return x;
    }
    rf_stats_count(st, "keep_max_missing", 1);
    return -INFINITY;
}

static int scan_process(rf_stage *st, rf_work *w, rf_doc *d, rf_err *err)
{
    (void)err;
    scan_state *S = st->state;
    scan_tls *t = w->tls;
    size_t tl;
    const char *text = rf_doc_text(d, &tl);
    double prio = S->p->keep_max[0] ? priority(d, S->p->keep_max, w->stats) : 0.0;
    uint64_t lh = XXH3_64bits(d->line, d->line_len);
    if (d->seq > UINT32_MAX - 1) {
        return rf_errf(err, RF_EUNSUP, "a shard of more than 4294967294 records; split it");
    }
    uint32_t ord = (uint32_t)d->seq;
    if (S->exact) {
        if (t->nx == t->capx) {
            t->capx = t->capx ? t->capx * 2 : 1024;
            t->x = rf_xrealloc(t->x, t->capx * sizeof *t->x);
        }
        XXH128_hash_t h;
        if (S->p->exact_raw) {
            h = XXH3_128bits(text, tl);
        } else {
            rf_buf_reset(&t->xnorm);
            rf_text_normalize(text, tl, RF_DEDUP_NORM_EXACT, &t->xnorm);
            h = XXH3_128bits(t->xnorm.p ? t->xnorm.p : "", t->xnorm.len);
        }
        rf_xrec *r = &t->x[t->nx++];
        r->hi = h.high64;
        r->lo = h.low64;
        r->ord = ord;
        r->pad = 0;
        r->prio = prio;
        r->line_hash = lh;
    }
    if (S->minhash) {
        uint32_t B = S->mh.bands;
        if (t->ndocs == t->capdocs) {
            t->capdocs = t->capdocs ? t->capdocs * 2 : 1024;
            t->docs = rf_xrealloc(t->docs, t->capdocs * sizeof *t->docs);
            t->bh = rf_xrealloc(t->bh, t->capdocs * B * sizeof *t->bh);
            if (S->shingles)
                t->sd = rf_xrealloc(t->sd, t->capdocs * sizeof *t->sd);
        }
        int kind;
        if (S->exact && !S->p->exact_raw) {
            rf_buf_reset(&t->ms.norm);
            rf_text_normalize(t->xnorm.p ? t->xnorm.p : "", t->xnorm.len,
                              RF_NORM_PUNCT_TO_SPACE | RF_NORM_DIGITS_TO_0 | RF_NORM_COLLAPSE_SPACE,
                              &t->ms.norm);
            kind = rf_minhash_shingles_normalized(&S->mh, t->ms.norm.p ? t->ms.norm.p : "",
                                                  t->ms.norm.len, &t->ms);
        } else {
            kind = rf_minhash_shingles(&S->mh, text, tl, &t->ms);
        }
        if (kind == RF_SHINGLES_SHORT)
            rf_stats_count(w->stats, "minhash_short_docs", 1);
        else if (kind == RF_SHINGLES_EMPTY)
            rf_stats_count(w->stats, "minhash_empty_docs", 1);
        rf_minhash_signature(&S->mh, &t->ms, t->sig);
        size_t i = t->ndocs++;
        rf_sig_doc *sd = &t->docs[i];
        sd->ord = ord;
        sd->flags = (uint32_t)kind;
        sd->prio = prio;
        sd->line_hash = lh;
        for (uint32_t b = 0; b < B; b++)
            t->bh[i * B + b] = rf_minhash_band(&S->mh, t->sig, b);
        if (S->shingles) {
            size_t k = rf_minhash_unique(&t->ms);
            if (t->nshd + k > t->capshd) {
                t->capshd = (t->nshd + k) * 2;
                t->shd = rf_xrealloc(t->shd, t->capshd * sizeof *t->shd);
            }
            memcpy(t->shd + t->nshd, t->ms.sh, k * sizeof *t->shd);
            t->sd[i].ord = ord;
            t->sd[i].cnt = (uint32_t)k;
            t->sd[i].off = t->nshd;
            t->nshd += k;
        }
    }
    return 0;
}

/* Kept documents are not written anywhere: this pass only computes. */
static void scan_write(rf_stage *st, rf_doc *d, rf_buf *out)
{
    (void)st;
    (void)d;
    (void)out;
}

static const rf_stage_desc scan_desc = {
    .name = "dedup",
    .summary = "dedup scan pass",
    .thread_init = scan_thread_init,
    .thread_release = scan_thread_release,
    .process = scan_process,
    .write = scan_write,
};

/* ---- sorting and writing ---- */

typedef struct docref {
    rf_sig_doc doc;
    const uint64_t *bh;
    const shg_doc *sd;
    const uint64_t *shd;
} docref;

static int cmp_docref(const void *a, const void *b)
{
    uint32_t x = ((const docref *)a)->doc.ord, y = ((const docref *)b)->doc.ord;
    return x < y ? -1 : x > y;
}

static int cmp_xrec(const void *a, const void *b)
{
    const rf_xrec *x = a, *y = b;
    if (x->hi != y->hi)
        return x->hi < y->hi ? -1 : 1;
    if (x->lo != y->lo)
        return x->lo < y->lo ? -1 : 1;
    return x->ord < y->ord ? -1 : x->ord > y->ord;
}

typedef struct brec {
    uint64_t h;
    uint32_t ord;
} brec;

static int cmp_brec(const void *a, const void *b)
{
    const brec *x = a, *y = b;
    if (x->h != y->h)
        return x->h < y->h ? -1 : 1;
    return x->ord < y->ord ? -1 : x->ord > y->ord;
}

/* Buffered writes into an rf_out. */
typedef struct wbuf {
    rf_out *o;
    rf_buf b;
} wbuf;

static int wb_add(wbuf *w, const void *p, size_t n, rf_err *err)
{
    rf_buf_add(&w->b, p, n);
    if (w->b.len >= (1u << 20)) {
        int rc = rf_out_write(w->o, w->b.p, w->b.len, err);
        rf_buf_reset(&w->b);
        return rc;
    }
    return 0;
}

static int wb_open(wbuf *w, const char *path, rf_err *err)
{
    rf_buf_init(&w->b);
    rf_outopts oo = {RF_COMPRESS_NONE, 3, 0};
    return rf_out_open(&w->o, path, &oo, err);
}

static int wb_commit(wbuf *w, rf_err *err)
{
    int rc = 0;
    if (w->b.len)
        rc = rf_out_write(w->o, w->b.p, w->b.len, err);
    rf_buf_release(&w->b);
    if (rc) {
        rf_out_abort(w->o);
        return rc;
    }
    rf_dedup_crash_point();
    rc = rf_out_commit(w->o, err);
    w->o = NULL;
    if (!rc)
        rf_dedup_unit_committed();
    return rc;
}

static void wb_abort(wbuf *w)
{
    rf_buf_release(&w->b);
    rf_out_abort(w->o);
    w->o = NULL;
}

static int write_xhash(const rf_dedup_work *wk, uint32_t shard, uint64_t records, rf_xrec *x,
                       size_t n, rf_err *err)
{
    qsort(x, n, sizeof *x, cmp_xrec);
    char *path = rf_dedup_path(wk, "exact/hash/%05u.xh", shard);
    rf_dfile_hdr h = {RF_DFILE_XHASH, RF_DFILE_VERSION, rf_dedup_params_hash(&wk->p, 0), shard,
                      wk->nshards, records, n, 0};
    unsigned char hb[RF_DFILE_HDR];
    rf_dfile_hdr_encode(&h, hb);
    wbuf w;
    int rc = wb_open(&w, path, err);
    if (!rc) {
        rc = wb_add(&w, hb, sizeof hb, err);
        for (size_t i = 0; i < n && !rc; i++)
            rc = wb_add(&w, &x[i], sizeof x[i], err);
        rc = rc ? (wb_abort(&w), rc) : wb_commit(&w, err);
    }
    free(path);
    return rc;
}

static int write_sig(const rf_dedup_work *wk, uint32_t shard, uint64_t records, docref *d,
                     size_t n, uint32_t B, int shingles, rf_err *err)
{
    qsort(d, n, sizeof *d, cmp_docref);
    uint64_t ph = rf_dedup_params_hash(&wk->p, 1);
    unsigned char hb[RF_DFILE_HDR];
    char *path = NULL;
    brec *br = NULL;
    wbuf w;
    int rc = 0;
    if (shingles) {
        path = rf_dedup_path(wk, "minhash/shingles/%05u.shg", shard);
        rf_dfile_hdr h = {RF_DFILE_SHINGLES, RF_DFILE_VERSION, ph, shard, wk->nshards, records,
                          n, 0};
        rf_dfile_hdr_encode(&h, hb);
        rc = wb_open(&w, path, err);
        if (rc)
            goto out;
        rc = wb_add(&w, hb, sizeof hb, err);
        uint64_t off = RF_DFILE_HDR + (uint64_t)n * 16;
        for (size_t i = 0; i < n && !rc; i++) {
            unsigned char e[16];
            uint32_t cnt = d[i].sd->cnt;
            memcpy(e, &d[i].doc.ord, 4);
            memcpy(e + 4, &cnt, 4);
            memcpy(e + 8, &off, 8);
            off += (uint64_t)cnt * 8;
            rc = wb_add(&w, e, sizeof e, err);
        }
        for (size_t i = 0; i < n && !rc; i++)
            rc = wb_add(&w, d[i].shd + d[i].sd->off, (size_t)d[i].sd->cnt * 8, err);
        rc = rc ? (wb_abort(&w), rc) : wb_commit(&w, err);
        if (rc)
            goto out;
        free(path);
    }
    /* The signature file last: its presence means the shard is done. */
    path = rf_dedup_path(wk, "minhash/sig/%05u.sig", shard);
    rf_dfile_hdr h = {RF_DFILE_SIG, RF_DFILE_VERSION, ph, shard, wk->nshards, records, n, B};
    rf_dfile_hdr_encode(&h, hb);
    rc = wb_open(&w, path, err);
    if (rc)
        goto out;
    rc = wb_add(&w, hb, sizeof hb, err);
    for (size_t i = 0; i < n && !rc; i++)
        rc = wb_add(&w, &d[i].doc, sizeof d[i].doc, err);
    br = rf_xmalloc((n ? n : 1) * sizeof *br);
    for (uint32_t b = 0; b < B && !rc; b++) {
        for (size_t i = 0; i < n; i++) {
            br[i].h = d[i].bh[b];
            br[i].ord = d[i].doc.ord;
        }
        qsort(br, n, sizeof *br, cmp_brec);
        for (size_t i = 0; i < n && !rc; i++) {
            unsigned char e[RF_BAND_REC];
            memcpy(e, &br[i].h, 8);
            memcpy(e + 8, &br[i].ord, 4);
            rc = wb_add(&w, e, sizeof e, err);
        }
    }
    rc = rc ? (wb_abort(&w), rc) : wb_commit(&w, err);
out:
    free(br);
    free(path);
    return rc;
}

/* Whether a unit file exists with the expected header and a plausible size
 * (full validation happens where it is read). */
static int probe(const char *path, uint32_t kind, uint64_t params, uint32_t unit,
                 uint32_t nshards)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    unsigned char hb[RF_DFILE_HDR];
    size_t got = fread(hb, 1, sizeof hb, f);
    struct stat st;
    int ok = fstat(fileno(f), &st) == 0;
    fclose(f);
    rf_dfile_hdr h;
    rf_err e;
    if (!ok || rf_dfile_hdr_decode(hb, got, kind, &h, path, &e))
        return 0;
    if (h.params != params || h.unit != unit || h.nshards != nshards)
        return 0;
    uint64_t body = (uint64_t)st.st_size - RF_DFILE_HDR;
    switch (kind) {
    case RF_DFILE_SIG: return h.aux >= 1 && h.aux <= RF_MINHASH_MAX_HASHES &&
                              body == h.count * (24 + h.aux * RF_BAND_REC);
    case RF_DFILE_XHASH: return body == h.count * 40;
    case RF_DFILE_PAIRS: return body == h.count * 16;
    case RF_DFILE_REMOVE: return body == ((uint64_t)h.nshards + 1) * 8 + h.count * 40;
    case RF_DFILE_SHINGLES: return body >= h.count * 16;
    default: return 0;
    }
}

int rf_dedup_probe(const char *path, uint32_t kind, uint64_t params, uint32_t unit,
                   uint32_t nshards)
{
    return probe(path, kind, params, unit, nshards);
}

size_t rf_dedup_pending(const rf_dedup_work *w, rf_dedup_step *step, uint32_t nunits,
                        uint32_t kind, uint64_t params,
                        char *(*path_of)(const rf_dedup_work *w, uint32_t unit), uint32_t *units)
{
    size_t n = 0;
    for (uint32_t u = step->task; u < nunits; u += step->ntasks) {
        char *p = path_of(w, u);
        int done = !step->force && probe(p, kind, params, u, w->nshards);
        free(p);
        if (done)
            step->units_skipped++;
        else
            units[n++] = u;
    }
    return n;
}

size_t rf_dedup_bufrec(size_t recsize, uint32_t nshards, int threads, size_t lo, size_t hi)
{
    size_t t = threads > 0 ? (size_t)threads : 1;
    size_t n = (64u << 20) / recsize / nshards / t;
    return n < lo ? lo : n > hi ? hi : n;
}

int rf_dedup_unit_header(const char *path, uint32_t kind, uint64_t params, uint32_t unit,
                         uint32_t nshards, const char *step, rf_dfile_hdr *h, rf_err *err)
{
    if (!probe(path, kind, params, unit, nshards))
        return rf_errf(err, RF_EUSAGE,
                       "%s: missing, incomplete or made with other parameters: the %s step has "
                       "not finished unit %u", path, step, unit);
    FILE *f = fopen(path, "rb");
    unsigned char hb[RF_DFILE_HDR];
    size_t got = f ? fread(hb, 1, sizeof hb, f) : 0;
    if (f)
        fclose(f);
    return rf_dfile_hdr_decode(hb, got, kind, h, path, err);
}

static int scan_shard(rf_dedup_work *wk, uint32_t s, int exact, int minhash, rf_dedup_step *step,
                      rf_err *err)
{
    scan_state S;
    memset(&S, 0, sizeof S);
    S.p = &wk->p;
    S.exact = exact;
    S.minhash = minhash;
    S.shingles = minhash && wk->p.shingles;
    pthread_mutex_init(&S.mu, NULL);
    int rc = 0;
    if (minhash) {
        rc = rf_minhasher_init(&S.mh, wk->p.ngram, wk->p.shingle, wk->p.bands, wk->p.rows,
                               wk->p.seed, err);
        if (rc)
            goto out0;
    }
    rf_stage st;
    rf_stage_init(&st, &scan_desc, NULL, err);
    st.state = &S;
    rf_run_config cfg = *step->run;
    const char *in[1] = {wk->shards[s]};
    cfg.inputs = in;
    cfg.ninputs = 1;
    cfg.output = "/dev/null";
    cfg.rejects = NULL;
    cfg.outopts.compress = RF_COMPRESS_NONE;
    cfg.progress = 0;
    if (step->quiet_scan)
        cfg.verbosity = 0;
    rf_run_result res;
    rc = rf_run(&st, 1, &cfg, &res, err);
    uint64_t records = st.stats.docs_in;
    if (!rc)
        rf_stats_merge(&step->stats, &st.stats);
    rf_stats_release(&st.stats);

    /* Gather the threads' records. */
    size_t nx = 0, nd = 0;
    for (scan_tls *t = S.done; t; t = t->next) {
        nx += t->nx;
        nd += t->ndocs;
    }
    if (!rc && exact) {
        rf_xrec *x = rf_xmalloc((nx ? nx : 1) * sizeof *x);
        size_t k = 0;
        for (scan_tls *t = S.done; t; t = t->next) {
            if (t->nx)
                memcpy(x + k, t->x, t->nx * sizeof *x);
            k += t->nx;
        }
        rc = write_xhash(wk, s, records, x, nx, err);
        free(x);
    }
    if (!rc && minhash) {
        docref *d = rf_xmalloc((nd ? nd : 1) * sizeof *d);
        size_t k = 0;
        for (scan_tls *t = S.done; t; t = t->next)
            for (size_t i = 0; i < t->ndocs; i++) {
                d[k].doc = t->docs[i];
                d[k].bh = t->bh + i * S.mh.bands;
                d[k].sd = S.shingles ? &t->sd[i] : NULL;
                d[k].shd = t->shd;
                k++;
            }
        rc = write_sig(wk, s, records, d, nd, S.mh.bands, S.shingles, err);
        free(d);
    }
    while (S.done) {
        scan_tls *t = S.done;
        S.done = t->next;
        free_tls(t);
    }
    rf_minhasher_release(&S.mh);
out0:
    pthread_mutex_destroy(&S.mu);
    if (rc)
        rf_err_prefix_path(err, wk->shards[s]);
    return rc;
}

int rf_dedup_scan(rf_dedup_work *wk, int exact, int minhash, rf_dedup_step *step, rf_err *err)
{
    uint64_t px = exact ? rf_dedup_params_hash(&wk->p, 0) : 0;
    uint64_t pm = minhash ? rf_dedup_params_hash(&wk->p, 1) : 0;
    int rc = 0;
    char *dirs[3] = {rf_dedup_path(wk, "exact/hash/x"), rf_dedup_path(wk, "minhash/sig/x"),
                     rf_dedup_path(wk, "minhash/shingles/x")};
    if (exact)
        rc = rf_mkdir_parents(dirs[0], err);
    if (!rc && minhash)
        rc = rf_mkdir_parents(dirs[1], err);
    if (!rc && minhash && wk->p.shingles)
        rc = rf_mkdir_parents(dirs[2], err);
    for (int i = 0; i < 3; i++)
        free(dirs[i]);
    for (uint32_t s = step->task; !rc && s < wk->nshards; s += step->ntasks) {
        int need_x = 0, need_m = 0;
        if (exact) {
            char *p = rf_dedup_path(wk, "exact/hash/%05u.xh", s);
            need_x = step->force || !probe(p, RF_DFILE_XHASH, px, s, wk->nshards);
            free(p);
        }
        if (minhash) {
            char *p = rf_dedup_path(wk, "minhash/sig/%05u.sig", s);
            need_m = step->force || !probe(p, RF_DFILE_SIG, pm, s, wk->nshards);
            free(p);
            if (!need_m && wk->p.shingles) {
                p = rf_dedup_path(wk, "minhash/shingles/%05u.shg", s);
                need_m = !probe(p, RF_DFILE_SHINGLES, pm, s, wk->nshards);
                free(p);
            }
        }
        if (!need_x && !need_m) {
            step->units_skipped++;
            continue;
        }
        rc = scan_shard(wk, s, need_x, need_m, step, err);
        if (!rc)
            step->units_done++;
    }
    return rc;
}
