/* cluster.c — the `minhash cluster` step (one task). It reads every candidate
 * pair file twice: first to collect the documents that have a candidate
 * (the nodes, numbered in (shard, record) order), then to join them in a
 * union-find with path halving and union by rank. With --verify J a pair is
 * joined only when the exact Jaccard of the two stored shingle sets is at
 * least J (pairs already in one set need no check). Each set of two or more
 * documents keeps one representative — the first in (shard, record) order,
 * or the highest --keep-max priority — and the others are removed. The
 * result is WORK/minhash/remove.rm: one section per shard, entries sorted by
 * record, each naming its cluster and representative. Memory is
 * proportional to the documents that have a candidate, never the corpus. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dedup/afile.h"
#include "dedup/dedup.h"

/* ---- node map: (shard << 32 | ord) → node number ---- */

typedef struct nmap {
    uint64_t *keys; /* key + 1, 0 = empty */
    uint32_t *val;
    size_t cap, n;
} nmap;

static size_t mix(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xFF51AFD7ED558CCDull;
    k ^= k >> 33;
    return (size_t)k;
}

static void nmap_grow(nmap *m);

static uint32_t *nmap_slot(nmap *m, uint64_t key, int insert)
{
    if (insert && (m->n + 1) * 2 > m->cap)
        nmap_grow(m);
    if (!m->cap)
        return NULL;
    size_t i = mix(key) & (m->cap - 1);
    for (;;) {
        if (m->keys[i] == key + 1)
            return &m->val[i];
        if (!m->keys[i]) {
            if (!insert)
                return NULL;
            m->keys[i] = key + 1;
            m->n++;
            m->val[i] = UINT32_MAX;
            return &m->val[i];
        }
        i = (i + 1) & (m->cap - 1);
    }
}

static void nmap_grow(nmap *m)
{
    nmap o = *m;
    m->cap = o.cap ? o.cap * 2 : 1024;
    m->keys = rf_xcalloc(m->cap, sizeof *m->keys);
    m->val = rf_xmalloc(m->cap * sizeof *m->val);
    m->n = 0;
    for (size_t i = 0; i < o.cap; i++)
        if (o.keys[i])
            *nmap_slot(m, o.keys[i] - 1, 1) = o.val[i];
    free(o.keys);
    free(o.val);
}

static void nmap_release(nmap *m)
{
    free(m->keys);
    free(m->val);
    memset(m, 0, sizeof *m);
}

/* ---- union-find ---- */

static uint32_t uf_find(uint32_t *parent, uint32_t x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

static void uf_union(uint32_t *parent, uint8_t *rank, uint32_t a, uint32_t b)
{
    if (rank[a] < rank[b]) {
        uint32_t t = a;
        a = b;
        b = t;
    }
    parent[b] = a;
    if (rank[a] == rank[b])
        rank[a]++;
}

/* ---- the step ---- */

typedef struct shard_info {
    uint64_t records, count;
    int fd; /* shingle file, -1 when closed */
    char *shg;
} shard_info;

typedef struct cl {
    rf_dedup_work *w;
    uint64_t params;
    uint32_t S;
    shard_info *si;
    uint64_t *keys;    /* node → key, sorted */
    size_t nn;
    nmap map;
    double *prio;
    uint64_t *lh;
    uint64_t *soff;    /* shingle set offset and count (verify) */
    uint32_t *scnt;
    uint64_t *ba, *bb; /* set buffers */
    size_t capa, capb;
} cl;

typedef int (*pair_fn)(cl *C, const rf_pair *p, void *ctx, rf_err *err);

/* Streams every pair of every unit file, checked, into fn. */
static int for_pairs(cl *C, pair_fn fn, void *ctx, rf_err *err)
{
    rf_dedup_work *w = C->w;
    uint32_t nunits = w->p.bands * w->p.bucket_ranges;
    unsigned char *buf = rf_xmalloc(16 << 16);
    int rc = 0;
    for (uint32_t u = 0; u < nunits && !rc; u++) {
        char *path = rf_dedup_path(w, "minhash/pairs/b%03u-r%05u.pairs", u / w->p.bucket_ranges,
                                   u % w->p.bucket_ranges);
        if (!rf_dedup_probe(path, RF_DFILE_PAIRS, C->params, u, C->S)) {
            rc = rf_errf(err, RF_EUSAGE, "%s: missing, incomplete or made with other parameters: the buckets step has not "
                                         "finished unit %u", path, u);
            free(path);
            break;
        }
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            rc = rf_errf(err, RF_EIO, "%s: cannot open: %s", path, strerror(errno));
            free(path);
            break;
        }
        unsigned char hb[RF_DFILE_HDR];
        rf_dfile_hdr h;
        rc = rf_pread_full(fd, hb, sizeof hb, 0, path, err);
        if (!rc)
            rc = rf_dfile_hdr_decode(hb, sizeof hb, RF_DFILE_PAIRS, &h, path, err);
        uint64_t off = RF_DFILE_HDR;
        for (uint64_t done = 0; !rc && done < h.count;) {
            size_t k = h.count - done < (1u << 16) ? (size_t)(h.count - done) : (1u << 16);
            rc = rf_pread_full(fd, buf, k * 16, off, path, err);
            for (size_t i = 0; i < k && !rc; i++) {
                const unsigned char *r = buf + i * 16;
                rf_pair p = {rf_get32(r), rf_get32(r + 4), rf_get32(r + 8), rf_get32(r + 12)};
                if (p.s1 >= C->S || p.s2 >= C->S || p.o1 >= C->si[p.s1].records ||
                    p.o2 >= C->si[p.s2].records || p.s1 > p.s2 || (p.s1 == p.s2 && p.o1 >= p.o2))
                    rc = rf_errf(err, RF_EFORMAT, "%s: pair %llu is invalid", path,
                                 (unsigned long long)(done + i));
                else
                    rc = fn(C, &p, ctx, err);
            }
            done += k;
            off += k * 16;
        }
        close(fd);
        free(path);
    }
    free(buf);
    return rc;
}

static int collect(cl *C, const rf_pair *p, void *ctx, rf_err *err)
{
    (void)ctx;
    (void)err;
    uint64_t k1 = (uint64_t)p->s1 << 32 | p->o1, k2 = (uint64_t)p->s2 << 32 | p->o2;
    uint32_t *v = nmap_slot(&C->map, k1, 1);
    if (*v == UINT32_MAX)
        *v = 0;
    v = nmap_slot(&C->map, k2, 1);
    if (*v == UINT32_MAX)
        *v = 0;
    if (C->map.n > UINT32_MAX - 2)
        return rf_errf(err, RF_EUNSUP, "more than 4 billion documents with a candidate");
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Joins the nodes of each shard with its signature document table (and
 * shingle index) by record number. */
static int node_info(cl *C, int verify, rf_err *err)
{
    rf_dedup_work *w = C->w;
    unsigned char *buf = rf_xmalloc(24 << 14);
    int rc = 0;
    size_t i = 0;
    while (i < C->nn && !rc) {
        uint32_t s = (uint32_t)(C->keys[i] >> 32);
        size_t j = i;
        while (j < C->nn && (uint32_t)(C->keys[j] >> 32) == s)
            j++;
        char *path = rf_dedup_path(w, "minhash/sig/%05u.sig", s);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            rc = rf_errf(err, RF_EIO, "%s: cannot open: %s", path, strerror(errno));
        uint64_t cnt = C->si[s].count, t = 0;
        size_t k = i;
        for (uint64_t done = 0; !rc && done < cnt && k < j;) {
            size_t m = cnt - done < (1u << 14) ? (size_t)(cnt - done) : (1u << 14);
            rc = rf_pread_full(fd, buf, m * 24, RF_DFILE_HDR + done * 24, path, err);
            for (size_t q = 0; q < m && !rc && k < j; q++) {
                uint32_t ord = rf_get32(buf + q * 24);
                uint32_t want = (uint32_t)C->keys[k];
                if (ord == want) {
                    memcpy(&C->prio[k], buf + q * 24 + 8, 8);
                    C->lh[k] = rf_get64(buf + q * 24 + 16);
                    k++;
                } else if (ord > want) {
                    break; /* reported below */
                }
            }
            done += m;
            t = done;
            if (k < j && m && rf_get32(buf + (m - 1) * 24) > (uint32_t)C->keys[k])
                break; /* the table went past a node: it has no signature */
        }
        (void)t;
        if (!rc && k < j)
            rc = rf_errf(err, RF_EFORMAT, "%s: record %u has a candidate pair but no signature",
                         path, (uint32_t)C->keys[k]);
        if (fd >= 0)
            close(fd);
        free(path);
        if (!rc && verify) {
            shard_info *x = &C->si[s];
            fd = open(x->shg, O_RDONLY | O_CLOEXEC);
            if (fd < 0) {
                rc = rf_errf(err, RF_EIO, "%s: cannot open: %s", x->shg, strerror(errno));
                break;
            }
            unsigned char hb[RF_DFILE_HDR];
            rf_dfile_hdr h;
            rc = rf_pread_full(fd, hb, sizeof hb, 0, x->shg, err);
            if (!rc)
                rc = rf_dfile_hdr_decode(hb, sizeof hb, RF_DFILE_SHINGLES, &h, x->shg, err);
            off_t fsize = lseek(fd, 0, SEEK_END);
            uint64_t expect = RF_DFILE_HDR + h.count * 16;
            k = i;
            for (uint64_t done = 0; !rc && done < h.count && k < j;) {
                size_t m = h.count - done < (1u << 14) ? (size_t)(h.count - done) : (1u << 14);
                rc = rf_pread_full(fd, buf, m * 16, RF_DFILE_HDR + done * 16, x->shg, err);
                for (size_t q = 0; q < m && !rc && k < j; q++) {
                    uint32_t ord = rf_get32(buf + q * 16), c = rf_get32(buf + q * 16 + 4);
                    uint64_t o = rf_get64(buf + q * 16 + 8);
                    if (o != expect || o + (uint64_t)c * 8 > (uint64_t)fsize) {
                        rc = rf_errf(err, RF_EFORMAT, "%s: index entry %llu is invalid", x->shg,
                                     (unsigned long long)(done + q));
                        break;
                    }
                    expect = o + (uint64_t)c * 8;
                    uint32_t want = (uint32_t)C->keys[k];
                    if (ord == want) {
                        C->soff[k] = o;
                        C->scnt[k] = c;
                        k++;
                    }
                }
                done += m;
                if (k < j && m && rf_get32(buf + (m - 1) * 16) > (uint32_t)C->keys[k])
                    break;
            }
            if (!rc && k < j)
                rc = rf_errf(err, RF_EFORMAT, "%s: no shingle set for record %u", x->shg,
                             (uint32_t)C->keys[k]);
            if (C->S <= 256)
                x->fd = fd;
            else
                close(fd);
        }
        i = j;
    }
    free(buf);
    return rc;
}

static int load_set(cl *C, uint32_t node, uint64_t **buf, size_t *cap, rf_err *err)
{
    uint32_t s = (uint32_t)(C->keys[node] >> 32);
    shard_info *x = &C->si[s];
    size_t n = C->scnt[node];
    if (n > *cap) {
        *cap = n + n / 2;
        free(*buf);
        *buf = rf_xmalloc(*cap * sizeof **buf);
    }
    int fd = x->fd;
    if (fd < 0) {
        fd = open(x->shg, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return rf_errf(err, RF_EIO, "%s: cannot open: %s", x->shg, strerror(errno));
    }
    int rc = rf_pread_full(fd, *buf, n * 8, C->soff[node], x->shg, err);
    if (fd != x->fd)
        close(fd);
    for (size_t i = 1; !rc && i < n; i++)
        if ((*buf)[i] <= (*buf)[i - 1])
            rc = rf_errf(err, RF_EFORMAT, "%s: shingle set is not sorted", x->shg);
    return rc;
}

typedef struct join_ctx {
    uint32_t *parent;
    uint8_t *rank;
    double verify;
    FILE *tsv;
    nmap seen;     /* distinct pairs, only for the TSV */
    uint64_t redundant, checked, rejected, joined;
} join_ctx;

static int join(cl *C, const rf_pair *p, void *vctx, rf_err *err)
{
    join_ctx *J = vctx;
    uint32_t a = *nmap_slot(&C->map, (uint64_t)p->s1 << 32 | p->o1, 0);
    uint32_t b = *nmap_slot(&C->map, (uint64_t)p->s2 << 32 | p->o2, 0);
    if (J->tsv) {
        uint64_t pk = (uint64_t)a << 32 | b;
        uint32_t *v = nmap_slot(&J->seen, pk, 1);
        if (*v != UINT32_MAX)
            return 0; /* already written (the same pair in another band) */
        *v = 1;
    }
    uint32_t ra = uf_find(J->parent, a), rb = uf_find(J->parent, b);
    if (ra == rb && !J->tsv) {
        J->redundant++;
        return 0;
    }
    double jac = -1;
    if (J->verify > 0) {
        int rc = load_set(C, a, &C->ba, &C->capa, err);
        if (!rc)
            rc = load_set(C, b, &C->bb, &C->capb, err);
        if (rc)
            return rc;
        jac = rf_jaccard_sorted(C->ba, C->scnt[a], C->bb, C->scnt[b]);
        J->checked++;
    }
    int ok = !(J->verify > 0) || jac >= J->verify;
    if (J->tsv)
        fprintf(J->tsv, "%u\t%u\t%u\t%u\t%.6f\t%d\n", p->s1, p->o1, p->s2, p->o2, jac, ok);
    if (!ok) {
        J->rejected++;
        return 0;
    }
    if (ra != rb) {
        uf_union(J->parent, J->rank, ra, rb);
        J->joined++;
    } else {
        J->redundant++;
    }
    return 0;
}

int rf_dedup_cluster(rf_dedup_work *w, rf_dedup_step *step, rf_err *err)
{
    cl C;
    memset(&C, 0, sizeof C);
    C.w = w;
    C.params = rf_dedup_params_hash(&w->p, 1);
    C.S = w->nshards;
    join_ctx J;
    memset(&J, 0, sizeof J);
    uint32_t *best = NULL, *size = NULL;
    rf_afile out;
    int out_open = 0;
    int rc = 0;
    char *opath = rf_dedup_path(w, "minhash/remove.rm");
    if (step->task != 0) {
        step->units_skipped++;
        goto out; /* one task does the whole step; others have nothing to do */
    }
    int verify = step->verify > 0;
    if (verify && !w->p.shingles) {
        rc = rf_errf(err, RF_EUSAGE, "--verify needs the shingle sets: run `minhash signatures` "
                                     "with --verify (in a new --work-dir)");
        goto out;
    }
    /* The header's records field holds the --verify threshold it was made
     * with: a finished file made with another threshold is redone. */
    uint64_t vbits;
    double vthr = verify ? step->verify : 0.0;
    memcpy(&vbits, &vthr, sizeof vbits);
    if (!step->force && !step->pairs_out &&
        rf_dedup_probe(opath, RF_DFILE_REMOVE, C.params, 0, C.S)) {
        FILE *f = fopen(opath, "rb");
        unsigned char hb[RF_DFILE_HDR];
        rf_dfile_hdr h;
        size_t got = f ? fread(hb, 1, sizeof hb, f) : 0;
        if (f)
            fclose(f);
        rf_err e2;
        if (!rf_dfile_hdr_decode(hb, got, RF_DFILE_REMOVE, &h, opath, &e2) && h.records == vbits) {
            step->units_skipped++;
            goto out;
        }
    }
    C.si = rf_xcalloc(C.S, sizeof *C.si);
    for (uint32_t s = 0; s < C.S && !rc; s++) {
        C.si[s].fd = -1;
        char *path = rf_dedup_path(w, "minhash/sig/%05u.sig", s);
        if (!rf_dedup_probe(path, RF_DFILE_SIG, C.params, s, C.S)) {
            rc = rf_errf(err, RF_EUSAGE, "%s: missing, incomplete or made with other parameters: the signatures step has not "
                                         "finished shard %u", path, s);
        } else {
            int fd = open(path, O_RDONLY | O_CLOEXEC);
            unsigned char hb[RF_DFILE_HDR];
            rf_dfile_hdr h;
            rc = fd < 0 ? rf_errf(err, RF_EIO, "%s: cannot open", path)
                        : rf_pread_full(fd, hb, sizeof hb, 0, path, err);
            if (!rc)
                rc = rf_dfile_hdr_decode(hb, sizeof hb, RF_DFILE_SIG, &h, path, err);
            if (fd >= 0)
                close(fd);
            C.si[s].records = h.records;
            C.si[s].count = h.count;
        }
        free(path);
        if (!rc && verify) {
            C.si[s].shg = rf_dedup_path(w, "minhash/shingles/%05u.shg", s);
            if (!rf_dedup_probe(C.si[s].shg, RF_DFILE_SHINGLES, C.params, s, C.S))
                rc = rf_errf(err, RF_EUSAGE, "%s: missing or incomplete", C.si[s].shg);
        }
    }
    if (rc)
        goto out;

    /* Pass 1: the nodes, numbered in (shard, record) order. */
    rc = for_pairs(&C, collect, NULL, err);
    if (rc)
        goto out;
    C.nn = C.map.n;
    C.keys = rf_xmalloc((C.nn ? C.nn : 1) * sizeof *C.keys);
    size_t k = 0;
    for (size_t i = 0; i < C.map.cap; i++)
        if (C.map.keys[i])
            C.keys[k++] = C.map.keys[i] - 1;
    qsort(C.keys, C.nn, sizeof *C.keys, cmp_u64);
    for (size_t i = 0; i < C.nn; i++)
        *nmap_slot(&C.map, C.keys[i], 0) = (uint32_t)i;
    C.prio = rf_xcalloc(C.nn ? C.nn : 1, sizeof *C.prio);
    C.lh = rf_xcalloc(C.nn ? C.nn : 1, sizeof *C.lh);
    if (verify) {
        C.soff = rf_xcalloc(C.nn ? C.nn : 1, sizeof *C.soff);
        C.scnt = rf_xcalloc(C.nn ? C.nn : 1, sizeof *C.scnt);
    }
    rc = node_info(&C, verify, err);
    if (rc)
        goto out;

    /* Pass 2: union-find. */
    J.parent = rf_xmalloc((C.nn ? C.nn : 1) * sizeof *J.parent);
    J.rank = rf_xcalloc(C.nn ? C.nn : 1, 1);
    for (size_t i = 0; i < C.nn; i++)
        J.parent[i] = (uint32_t)i;
    J.verify = step->verify;
    if (step->pairs_out) {
        J.tsv = fopen(step->pairs_out, "w");
        if (!J.tsv) {
            rc = rf_errf(err, RF_EIO, "%s: cannot create: %s", step->pairs_out, strerror(errno));
            goto out;
        }
        fprintf(J.tsv, "shard1\trecord1\tshard2\trecord2\tjaccard\taccepted\n");
    }
    rc = for_pairs(&C, join, &J, err);
    if (J.tsv && fclose(J.tsv) != 0 && !rc)
        rc = rf_errf(err, RF_EIO, "%s: write failed", step->pairs_out);
    J.tsv = NULL;
    if (rc)
        goto out;

    /* Representatives: the highest priority, then the first position. */
    best = rf_xmalloc((C.nn ? C.nn : 1) * sizeof *best);
    size = rf_xcalloc(C.nn ? C.nn : 1, sizeof *size);
    for (size_t i = 0; i < C.nn; i++)
        best[i] = UINT32_MAX;
    for (size_t i = 0; i < C.nn; i++) {
        uint32_t r = uf_find(J.parent, (uint32_t)i);
        size[r]++;
        if (best[r] == UINT32_MAX || C.prio[i] > C.prio[best[r]])
            best[r] = (uint32_t)i;
    }
    uint64_t *index = rf_xcalloc((size_t)C.S + 1, sizeof *index);
    uint64_t entries = 0, clusters = 0, removed = 0;
    for (size_t i = 0; i < C.nn; i++) {
        uint32_t r = uf_find(J.parent, (uint32_t)i);
        if (size[r] < 2)
            continue;
        index[(C.keys[i] >> 32) + 1]++;
        entries++;
        if (best[r] == i)
            clusters++;
        else
            removed++;
    }
    for (uint32_t s = 0; s < C.S; s++)
        index[s + 1] += index[s];
    rc = rf_afile_open(&out, opath, err);
    if (!rc) {
        out_open = 1;
        rf_dfile_hdr h = {RF_DFILE_REMOVE, RF_DFILE_VERSION, C.params, 0, C.S, vbits, entries, 2};
        unsigned char hb[RF_DFILE_HDR];
        rf_dfile_hdr_encode(&h, hb);
        rc = rf_afile_write(&out, hb, sizeof hb, err);
        if (!rc)
            rc = rf_afile_write(&out, index, ((size_t)C.S + 1) * sizeof *index, err);
        for (size_t i = 0; i < C.nn && !rc; i++) {
            uint32_t r = uf_find(J.parent, (uint32_t)i);
            if (size[r] < 2)
                continue;
            uint64_t rk = C.keys[best[r]];
            rf_rm e = {(uint32_t)C.keys[i], best[r] == i ? RF_RM_KEEP : RF_RM_REMOVE,
                       (uint32_t)(rk >> 32), (uint32_t)rk, size[r], rk, C.lh[i]};
            rc = rf_afile_write(&out, &e, sizeof e, err);
        }
        if (!rc) {
            rc = rf_afile_commit(&out, NULL, 0, err);
            out_open = 0;
        }
    }
    free(index);
    if (rc)
        goto out;
    step->units_done++;
    rf_stats_count(&step->stats, "minhash_docs_with_candidates", C.nn);
    rf_stats_count(&step->stats, "minhash_clusters", clusters);
    rf_stats_count(&step->stats, "minhash_removed", removed);
    rf_stats_count(&step->stats, "minhash_pairs_joined", J.joined);
    rf_stats_count(&step->stats, "minhash_pairs_redundant", J.redundant);
    if (verify) {
        rf_stats_count(&step->stats, "minhash_pairs_verified", J.checked);
        rf_stats_count(&step->stats, "minhash_pairs_verify_rejected", J.rejected);
    }
out:
    if (out_open)
        rf_afile_abort(&out);
    if (J.tsv)
        fclose(J.tsv);
    nmap_release(&J.seen);
    free(J.parent);
    free(J.rank);
    free(best);
    free(size);
    if (C.si)
        for (uint32_t s = 0; s < C.S; s++) {
            if (C.si[s].fd >= 0)
                close(C.si[s].fd);
            free(C.si[s].shg);
        }
    free(C.si);
    free(C.keys);
    nmap_release(&C.map);
    free(C.prio);
    free(C.lh);
    free(C.soff);
    free(C.scnt);
    free(C.ba);
    free(C.bb);
    free(opath);
    return rc;
}
