/* buckets.c — the `minhash buckets` step. A unit is (band b, hash range r):
 * the task reads band b's sorted section of every shard's signature file,
 * only the records whose band hash falls in range r (found by binary search),
 * and merges them k-way with a heap ordered by (hash, shard, record). Each
 * run of equal band hashes is an LSH bucket. Its first 32 members (in
 * shard, record order) are paired with each other, so --verify can check
 * every candidate pair of a small bucket; later members are paired with the
 * first only, which connects them in `cluster`'s union-find while a bucket
 * of k identical documents stays at O(k) pairs. Memory is a fixed read
 * buffer per shard, never the signatures themselves; pairs stream to
 * WORK/minhash/pairs/bBBB-rRRRRR.pairs. */
#define _XOPEN_SOURCE 700
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dedup/afile.h"
#include "dedup/dedup.h"

typedef struct stream {
    rf_rstream rs;
    uint32_t shard;
    uint64_t records;
    uint64_t h;        /* current record */
    uint32_t ord;
    int have_prev;
} stream;

typedef struct bctx {
    rf_dedup_work *w;
    rf_dedup_step *step;
    uint64_t params;
    uint32_t *units;
    size_t bufrec;     /* records per stream buffer */
    int keep_open;
    uint64_t pairs_total;
    pthread_mutex_t mu;
} bctx;

/* Advances to the next record, checking order and range; returns 1, 0 at
 * the end, negative on error. */
static int s_next(stream *s, rf_err *err)
{
    int r = rf_rstream_next(&s->rs, err);
    if (r <= 0)
        return r;
    uint64_t h = rf_get64(s->rs.rec);
    uint32_t ord = rf_get32(s->rs.rec + 8);
    if (ord >= s->records || (s->have_prev && (h < s->h || (h == s->h && ord <= s->ord))))
        return rf_errf(err, RF_EFORMAT, "%s: band section is corrupt (unsorted or out of range)",
                       s->rs.path);
    s->h = h;
    s->ord = ord;
    s->have_prev = 1;
    return 1;
}

static int less(const void *va, const void *vb)
{
    const stream *a = va, *b = vb;
    if (a->h != b->h)
        return a->h < b->h;
    if (a->shard != b->shard)
        return a->shard < b->shard;
    return a->ord < b->ord;
}

static int bucket_unit(void *vctx, size_t ui, rf_err *err)
{
    bctx *C = vctx;
    rf_dedup_work *w = C->w;
    uint32_t unit = C->units[ui];
    uint32_t R = w->p.bucket_ranges;
    uint32_t band = unit / R, range = unit % R;
    uint64_t lo, hi;
    rf_key_range(range, R, &lo, &hi);
    uint32_t S = w->nshards;
    stream *st = rf_xcalloc(S, sizeof *st);
    void **heap = rf_xcalloc(S, sizeof *heap);
    char **paths = rf_xcalloc(S, sizeof *paths);
    size_t nh = 0;
    uint64_t npairs = 0;
    rf_afile out;
    int out_open = 0;
    uint32_t opened = 0;
    int rc = 0;
    for (uint32_t s = 0; s < S && !rc; s++) {
        paths[s] = rf_dedup_path(w, "minhash/sig/%05u.sig", s);
        stream *x = &st[s];
        x->shard = s;
        rf_dfile_hdr h;
        rc = rf_dedup_unit_header(paths[s], RF_DFILE_SIG, C->params, s, S, "signatures", &h, err);
        if (!rc && h.aux != w->p.bands)
            rc = rf_errf(err, RF_EFORMAT, "%s: %llu bands, the parameters say %u", paths[s],
                         (unsigned long long)h.aux, w->p.bands);
        if (rc)
            break;
        x->records = h.records;
        uint64_t base = RF_DFILE_HDR + h.count * 24 + (uint64_t)band * h.count * RF_BAND_REC;
        rc = rf_rstream_open(&x->rs, paths[s], RF_BAND_REC, C->bufrec, C->keep_open, base,
                             h.count, lo, hi, err);
        if (rc)
            break;
        opened = s + 1;
        int r = s_next(x, err);
        if (r < 0)
            rc = r;
        else if (r == 1)
            heap[nh++] = x;
    }
    if (rc)
        goto out;
    for (size_t i = nh; i-- > 0;)
        rf_heap_sift(heap, nh, i, less);

    char *opath = rf_dedup_path(w, "minhash/pairs/b%03u-r%05u.pairs", band, range);
    rc = rf_afile_open(&out, opath, err);
    free(opath);
    if (rc)
        goto out;
    out_open = 1;
    unsigned char zero[RF_DFILE_HDR] = {0};
    rc = rf_afile_write(&out, zero, sizeof zero, err);
    /* The bucket being merged: its hash and its first SMALL members. A
     * small bucket gives every pair (so --verify can check each one, as a
     * candidate list would); past SMALL members only pairs with the first,
     * which keeps a bucket of k identical documents at O(k) pairs. */
    enum { SMALL = 32 };
    uint32_t ms[SMALL], mo[SMALL];
    size_t nm = 0;
    uint64_t bh = 0;
    while (!rc && nh) {
        stream *x = heap[0];
        if (nm && x->h != bh)
            nm = 0;
        if (!nm)
            bh = x->h;
        size_t upto = nm < SMALL ? nm : 1;
        for (size_t i = 0; i < upto && !rc; i++) {
            rf_pair p = {ms[i], mo[i], x->shard, x->ord};
            rc = rf_afile_write(&out, &p, sizeof p, err);
            npairs++;
        }
        if (nm < SMALL) {
            ms[nm] = x->shard;
            mo[nm] = x->ord;
            nm++;
        }
        if (rc)
            break;
        int r = s_next(x, err);
        if (r < 0) {
            rc = r;
            break;
        }
        if (r == 0)
            heap[0] = heap[--nh];
        rf_heap_sift(heap, nh, 0, less);
    }
    if (!rc) {
        rf_dfile_hdr h = {RF_DFILE_PAIRS, RF_DFILE_VERSION, C->params, unit, S, 0, npairs, band};
        unsigned char hb[RF_DFILE_HDR];
        rf_dfile_hdr_encode(&h, hb);
        rc = rf_afile_commit(&out, hb, sizeof hb, err);
        out_open = 0;
    }
out:
    if (out_open)
        rf_afile_abort(&out);
    for (uint32_t s = 0; s < opened; s++)
        rf_rstream_close(&st[s].rs);
    for (uint32_t s = 0; s < S; s++)
        free(paths[s]);
    free(st);
    free(heap);
    free(paths);
    if (!rc) {
        pthread_mutex_lock(&C->mu);
        C->pairs_total += npairs;
        pthread_mutex_unlock(&C->mu);
    }
    return rc;
}

static char *pairs_path(const rf_dedup_work *w, uint32_t u)
{
    return rf_dedup_path(w, "minhash/pairs/b%03u-r%05u.pairs", u / w->p.bucket_ranges,
                         u % w->p.bucket_ranges);
}

int rf_dedup_buckets(rf_dedup_work *w, rf_dedup_step *step, rf_err *err)
{
    bctx C;
    memset(&C, 0, sizeof C);
    C.w = w;
    C.step = step;
    C.params = rf_dedup_params_hash(&w->p, 1);
    uint32_t nunits = w->p.bands * w->p.bucket_ranges;
    C.units = rf_xmalloc(nunits * sizeof *C.units);
    size_t n = rf_dedup_pending(w, step, nunits, RF_DFILE_PAIRS, C.params, pairs_path, C.units);
    /* A fixed budget of read buffers per merge, at least 256 records per
     * shard; many shards are reopened per refill instead of holding
     * thousands of descriptors. */
    size_t threads = step->threads > 0 ? (size_t)step->threads : 1;
    C.bufrec = rf_dedup_bufrec(RF_BAND_REC, w->nshards, step->threads, 256, 65536);
    C.keep_open = w->nshards <= 256;
    pthread_mutex_init(&C.mu, NULL);
    int rc = rf_dedup_parallel(n, (int)threads, bucket_unit, &C, err);
    pthread_mutex_destroy(&C.mu);
    if (!rc) {
        step->units_done += n;
        rf_stats_count(&step->stats, "minhash_candidate_pairs", C.pairs_total);
    }
    free(C.units);
    return rc;
}
