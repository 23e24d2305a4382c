/* resolve.c — the `exact resolve` step. A unit is one range of the 128-bit
 * exact keys (split on their first 64 bits): the task merges that range of
 * every shard's sorted hash file k-way, ordered by (key, shard, record), so
 * the documents sharing a key arrive together and in corpus order. In each
 * group of two or more, the document with the highest --keep-max priority
 * (ties: the first) is kept and the others are removed. Entries are written,
 * sorted by (shard, record), to WORK/exact/resolve/RRRRR.rm with one section
 * per shard. Memory: a read buffer per shard plus the duplicates of the
 * range. */
#define _XOPEN_SOURCE 700
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dedup/afile.h"
#include "dedup/dedup.h"

typedef struct xs {
    rf_rstream rs;
    uint32_t shard;
    uint64_t records;
    rf_xrec r;
    int have;
} xs;

static int xless(const void *va, const void *vb)
{
    const xs *a = va, *b = vb;
    if (a->r.hi != b->r.hi)
        return a->r.hi < b->r.hi;
    if (a->r.lo != b->r.lo)
        return a->r.lo < b->r.lo;
    if (a->shard != b->shard)
        return a->shard < b->shard;
    return a->r.ord < b->r.ord;
}

static int x_next(xs *s, rf_err *err)
{
    int r = rf_rstream_next(&s->rs, err);
    if (r <= 0)
        return r;
    rf_xrec x;
    memcpy(&x, s->rs.rec, sizeof x);
    if (x.ord >= s->records ||
        (s->have && (x.hi < s->r.hi ||
                     (x.hi == s->r.hi && (x.lo < s->r.lo || (x.lo == s->r.lo && x.ord <= s->r.ord))))))
        return rf_errf(err, RF_EFORMAT, "%s: hash records are corrupt (unsorted or out of range)",
                       s->rs.path);
    s->r = x;
    s->have = 1;
    return 1;
}

typedef struct member {
    uint32_t shard, ord;
    double prio;
    uint64_t lh;
} member;

typedef struct rctx {
    rf_dedup_work *w;
    uint64_t params;
    uint32_t *units;
    size_t bufrec;
    int keep_open;
    pthread_mutex_t mu;
    uint64_t groups, removed;
} rctx;

typedef struct ent {
    uint32_t shard;
    rf_rm e;
} ent;

static int cmp_ent(const void *a, const void *b)
{
    const ent *x = a, *y = b;
    if (x->shard != y->shard)
        return x->shard < y->shard ? -1 : 1;
    return x->e.ord < y->e.ord ? -1 : x->e.ord > y->e.ord;
}

typedef struct entv {
    ent *v;
    size_t n, cap;
} entv;

static void flush_group(const member *g, size_t n, uint64_t cid, entv *out, uint64_t *removed)
{
    if (n < 2)
        return;
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        if (g[i].prio > g[best].prio)
            best = i;
    for (size_t i = 0; i < n; i++) {
        if (out->n == out->cap) {
            out->cap = out->cap ? out->cap * 2 : 1024;
            out->v = rf_xrealloc(out->v, out->cap * sizeof *out->v);
        }
        ent *e = &out->v[out->n++];
        e->shard = g[i].shard;
        e->e = (rf_rm){g[i].ord, i == best ? RF_RM_KEEP : RF_RM_REMOVE, g[best].shard,
                       g[best].ord, n, cid, g[i].lh};
    }
    *removed += n - 1;
}

static int resolve_unit(void *vctx, size_t ui, rf_err *err)
{
    rctx *C = vctx;
    rf_dedup_work *w = C->w;
    uint32_t unit = C->units[ui], S = w->nshards;
    uint64_t lo, hi;
    rf_key_range(unit, w->p.exact_ranges, &lo, &hi);
    xs *st = rf_xcalloc(S, sizeof *st);
    void **heap = rf_xcalloc(S, sizeof *heap);
    char **paths = rf_xcalloc(S, sizeof *paths);
    member *g = NULL;
    size_t ng = 0, capg = 0;
    entv out = {NULL, 0, 0};
    uint64_t removed = 0, groups = 0;
    uint32_t opened = 0;
    size_t nh = 0;
    int rc = 0;
    for (uint32_t s = 0; s < S && !rc; s++) {
        paths[s] = rf_dedup_path(w, "exact/hash/%05u.xh", s);
        rf_dfile_hdr h;
        rc = rf_dedup_unit_header(paths[s], RF_DFILE_XHASH, C->params, s, S, "exact hash", &h, err);
        if (rc)
            break;
        st[s].shard = s;
        st[s].records = h.records;
        rc = rf_rstream_open(&st[s].rs, paths[s], sizeof(rf_xrec), C->bufrec, C->keep_open,
                             RF_DFILE_HDR, h.count, lo, hi, err);
        if (rc)
            break;
        opened = s + 1;
        int r = x_next(&st[s], err);
        if (r < 0)
            rc = r;
        else if (r == 1)
            heap[nh++] = &st[s];
    }
    for (size_t i = nh; !rc && i-- > 0;)
        rf_heap_sift(heap, nh, i, xless);
    uint64_t ghi = 0, glo = 0;
    while (!rc && nh) {
        xs *x = heap[0];
        if (ng && (x->r.hi != ghi || x->r.lo != glo)) {
            groups += ng > 1;
            flush_group(g, ng, ghi, &out, &removed);
            ng = 0;
        }
        if (ng == capg) {
            capg = capg ? capg * 2 : 64;
            g = rf_xrealloc(g, capg * sizeof *g);
        }
        g[ng++] = (member){x->shard, x->r.ord, x->r.prio, x->r.line_hash};
        ghi = x->r.hi;
        glo = x->r.lo;
        int r = x_next(x, err);
        if (r < 0) {
            rc = r;
            break;
        }
        if (r == 0)
            heap[0] = heap[--nh];
        rf_heap_sift(heap, nh, 0, xless);
    }
    if (!rc) {
        groups += ng > 1;
        flush_group(g, ng, ghi, &out, &removed);
        if (out.n)
            qsort(out.v, out.n, sizeof *out.v, cmp_ent);
        uint64_t *index = rf_xcalloc((size_t)S + 1, sizeof *index);
        for (size_t i = 0; i < out.n; i++)
            index[out.v[i].shard + 1]++;
        for (uint32_t s = 0; s < S; s++)
            index[s + 1] += index[s];
        char *opath = rf_dedup_path(w, "exact/resolve/%05u.rm", unit);
        rf_afile f;
        rc = rf_afile_open(&f, opath, err);
        free(opath);
        if (!rc) {
            rf_dfile_hdr h = {RF_DFILE_REMOVE, RF_DFILE_VERSION, C->params, unit, S, 0, out.n, 1};
            unsigned char hb[RF_DFILE_HDR];
            rf_dfile_hdr_encode(&h, hb);
            rc = rf_afile_write(&f, hb, sizeof hb, err);
            if (!rc)
                rc = rf_afile_write(&f, index, ((size_t)S + 1) * sizeof *index, err);
            for (size_t i = 0; i < out.n && !rc; i++)
                rc = rf_afile_write(&f, &out.v[i].e, sizeof out.v[i].e, err);
            if (rc)
                rf_afile_abort(&f);
            else
                rc = rf_afile_commit(&f, NULL, 0, err);
        }
        free(index);
    }
    for (uint32_t s = 0; s < opened; s++)
        rf_rstream_close(&st[s].rs);
    for (uint32_t s = 0; s < S; s++)
        free(paths[s]);
    free(paths);
    free(st);
    free(heap);
    free(g);
    free(out.v);
    if (!rc) {
        pthread_mutex_lock(&C->mu);
        C->groups += groups;
        C->removed += removed;
        pthread_mutex_unlock(&C->mu);
    }
    return rc;
}

static char *range_path(const rf_dedup_work *w, uint32_t u)
{
    return rf_dedup_path(w, "exact/resolve/%05u.rm", u);
}

int rf_dedup_resolve(rf_dedup_work *w, rf_dedup_step *step, rf_err *err)
{
    _Static_assert(sizeof(rf_rm) == 40, "rf_rm layout");
    rctx C;
    memset(&C, 0, sizeof C);
    C.w = w;
    C.params = rf_dedup_params_hash(&w->p, 0);
    uint32_t R = w->p.exact_ranges;
    C.units = rf_xmalloc(R * sizeof *C.units);
    size_t n = rf_dedup_pending(w, step, R, RF_DFILE_REMOVE, C.params, range_path, C.units);
    size_t threads = step->threads > 0 ? (size_t)step->threads : 1;
    C.bufrec = rf_dedup_bufrec(sizeof(rf_xrec), w->nshards, step->threads, 64, 16384);
    C.keep_open = w->nshards <= 256;
    pthread_mutex_init(&C.mu, NULL);
    int rc = rf_dedup_parallel(n, (int)threads, resolve_unit, &C, err);
    pthread_mutex_destroy(&C.mu);
    if (!rc) {
        step->units_done += n;
        rf_stats_count(&step->stats, "exact_groups", C.groups);
        rf_stats_count(&step->stats, "exact_removed", C.removed);
    }
    free(C.units);
    return rc;
}
