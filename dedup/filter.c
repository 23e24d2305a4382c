/* filter.c — the filter step and the `dedup` stage. The stage looks every
 * document up, by (shard, record), in the removal lists of the finished
 * methods (exact resolve files, minhash remove.rm) and rejects removed ones
 * with reason dup_exact or dup_minhash; the detail names the cluster and the
 * kept representative (file:record). Before removing it checks that the
 * document's raw line hashes to what the work dir recorded, so a different
 * or reordered input is an error, never a wrong removal. --annotate adds
 * refine.dup_cluster and refine.dup_cluster_size to kept representatives.
 *
 * In `refine run` pipelines the stage identifies the shard by the input's
 * position (the pipeline must read the work dir's shards, in order) and the
 * record by its position in the stream minus the records of the shards
 * before it. The filter step runs it over one shard at a time and writes
 * OUT/<name> in the input's own compression (gzip, xz, bzip2 and lz4 through
 * libarchive, after a plain temporary), OUT/rejects/<name> and
 * OUT/stats/<name>.json; the last one to finish merges OUT/stats.json. */
#define _XOPEN_SOURCE 700
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "dedup/dedup.h"
#include "stages/cli.h"
#include "stages/io.h"
#include "stages/json.h"

int rf_dedup_main(int argc, char **argv);

typedef struct fshard {
    rf_rmlist ex, mh;
    uint64_t records;
    uint64_t first; /* pipeline mode: stream position of its first record */
} fshard;

typedef struct fstate {
    rf_dedup_work w;
    int own_work;
    fshard *sh;
    uint32_t nsh;
    int single;     /* filter step: every document is from shard `shard` */
    uint32_t shard;
    int annotate;
} fstate;

static const rf_rm *find(const rf_rmlist *l, uint32_t ord)
{
    size_t lo = 0, hi = l->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->e[mid].ord < ord)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < l->n && l->e[lo].ord == ord ? &l->e[lo] : NULL;
}

int rf_dedup_exact_done(rf_dedup_work *w)
{
    if (!w->has_exact)
        return 0;
    uint64_t ph = rf_dedup_params_hash(&w->p, 0);
    for (uint32_t r = 0; r < w->p.exact_ranges; r++) {
        char *p = rf_dedup_path(w, "exact/resolve/%05u.rm", r);
        int ok = rf_dedup_probe(p, RF_DFILE_REMOVE, ph, r, w->nshards);
        free(p);
        if (!ok)
            return 0;
    }
    return 1;
}

int rf_dedup_minhash_done(rf_dedup_work *w)
{
    if (!w->has_minhash)
        return 0;
    char *p = rf_dedup_path(w, "minhash/remove.rm");
    int ok = rf_dedup_probe(p, RF_DFILE_REMOVE, rf_dedup_params_hash(&w->p, 1), 0, w->nshards);
    free(p);
    return ok;
}

/* Records of shard s from its hash or signature file header. */
static int shard_records(rf_dedup_work *w, uint32_t s, int use_exact, uint64_t *records,
                         rf_err *err)
{
    char *p = use_exact ? rf_dedup_path(w, "exact/hash/%05u.xh", s)
                        : rf_dedup_path(w, "minhash/sig/%05u.sig", s);
    FILE *f = fopen(p, "rb");
    unsigned char hb[RF_DFILE_HDR];
    size_t got = f ? fread(hb, 1, sizeof hb, f) : 0;
    if (f)
        fclose(f);
    rf_dfile_hdr h;
    int rc = rf_dfile_hdr_decode(hb, got, use_exact ? RF_DFILE_XHASH : RF_DFILE_SIG, &h, p, err);
    if (!rc && (h.unit != s || h.nshards != w->nshards))
        rc = rf_errf(err, RF_EFORMAT, "%s: belongs to another shard list", p);
    free(p);
    *records = h.records;
    return rc;
}

static int cmp_rm(const void *a, const void *b)
{
    uint32_t x = ((const rf_rm *)a)->ord, y = ((const rf_rm *)b)->ord;
    return x < y ? -1 : x > y;
}

/* Loads the lists of shards [s0, s1) into F (which owns F->w). */
static int load_shards(fstate *F, uint32_t s0, uint32_t s1, int use_exact, int use_minhash,
                       rf_err *err)
{
    rf_dedup_work *w = &F->w;
    F->nsh = w->nshards;
    F->sh = rf_xcalloc(F->nsh, sizeof *F->sh);
    uint64_t pe = rf_dedup_params_hash(&w->p, 0), pm = rf_dedup_params_hash(&w->p, 1);
    int rc = 0;
    uint64_t first = 0;
    for (uint32_t s = 0; s < w->nshards && !rc; s++) {
        /* The filter step needs only its shard; a pipeline needs every
         * shard's record count to find where each input starts. */
        if (F->single && (s < s0 || s >= s1))
            continue;
        rc = shard_records(w, s, use_exact, &F->sh[s].records, err);
        F->sh[s].first = first;
        first += F->sh[s].records;
        if (rc || s < s0 || s >= s1)
            continue;
        for (uint32_t r = 0; use_exact && r < w->p.exact_ranges && !rc; r++) {
            char *p = rf_dedup_path(w, "exact/resolve/%05u.rm", r);
            rc = rf_rmlist_load(&F->sh[s].ex, p, pe, w->nshards, s, err);
            free(p);
        }
        /* Ranges are disjoint in keys, not in records: sort by record (a
         * record is in one exact group, so no two entries share one). */
        if (!rc && use_exact && F->sh[s].ex.n > 1)
            qsort(F->sh[s].ex.e, F->sh[s].ex.n, sizeof *F->sh[s].ex.e, cmp_rm);
        if (!rc && use_minhash) {
            char *p = rf_dedup_path(w, "minhash/remove.rm");
            rc = rf_rmlist_load(&F->sh[s].mh, p, pm, w->nshards, s, err);
            free(p);
        }
    }
    return rc;
}

static void fstate_free(fstate *F)
{
    if (!F)
        return;
    for (uint32_t s = 0; s < F->nsh; s++) {
        rf_rmlist_release(&F->sh[s].ex);
        rf_rmlist_release(&F->sh[s].mh);
    }
    free(F->sh);
    if (F->own_work)
        rf_dedup_work_release(&F->w);
    free(F);
}

static const rf_optspec filter_opts[] = {
    {"work-dir", 0, RF_OPT_STR, NULL, "DIR",
     "work directory made by the earlier steps (exact hash/resolve, minhash "
     "signatures/buckets/cluster); its finished methods are applied",
     NULL},
    {"annotate", 0, RF_OPT_FLAG, "false", NULL,
     "add refine.dup_cluster and refine.dup_cluster_size to kept representatives", NULL},
    RF_OPTSPEC_END,
};

static int stage_init(rf_stage *st, const rf_opts *o, rf_err *err)
{
    const char *dir = rf_opt_str(o, "work-dir");
    if (!dir)
        return rf_errf(err, RF_EUSAGE,
                       "the dedup stage needs work-dir = DIR made by the dedup steps "
                       "(see refine-dedup --help)");
    fstate *F = rf_xcalloc(1, sizeof *F);
    F->annotate = rf_opt_flag(o, "annotate");
    int rc = rf_dedup_work_open(&F->w, dir, NULL, 0, err);
    if (rc) {
        free(F);
        return rc;
    }
    F->own_work = 1;
    if (F->w.has_exact)
        rc = rf_dedup_work_load_params(&F->w, 0, err);
    if (!rc && F->w.has_minhash)
        rc = rf_dedup_work_load_params(&F->w, 1, err);
    int ue = !rc && rf_dedup_exact_done(&F->w), um = !rc && rf_dedup_minhash_done(&F->w);
    if (!rc && !ue && !um)
        rc = rf_errf(err, RF_EUSAGE, "%s: no finished method (run exact resolve or minhash "
                                     "cluster first)", dir);
    if (!rc)
        rc = load_shards(F, 0, F->w.nshards, ue, um, err);
    if (rc) {
        fstate_free(F);
        return rc;
    }
    st->state = F;
    return 0;
}

static void stage_release(rf_stage *st)
{
    fstate_free(st->state);
    st->state = NULL;
}

static int stage_process(rf_stage *st, rf_work *w, rf_doc *d, rf_err *err)
{
    fstate *F = st->state;
    uint32_t shard;
    uint64_t ord;
    if (F->single) {
        shard = F->shard;
        ord = d->seq;
    } else {
        if (d->input >= F->nsh)
            return rf_errf(err, RF_EFORMAT, "input %u is not a shard of the work dir (it has %u)",
                           d->input + 1, F->nsh);
        shard = d->input;
        ord = d->seq >= F->sh[shard].first ? d->seq - F->sh[shard].first : UINT64_MAX;
    }
    if (ord >= F->sh[shard].records)
        return rf_errf(err, RF_EFORMAT,
                       "%s has more records than when the work dir was made (%llu): inputs "
                       "changed, or not the work dir's shards in its order",
                       F->w.names[shard], (unsigned long long)F->sh[shard].records);
    const rf_rm *e = find(&F->sh[shard].ex, (uint32_t)ord);
    const rf_rm *m = find(&F->sh[shard].mh, (uint32_t)ord);
    if ((e && XXH3_64bits(d->line, d->line_len) != e->line_hash) ||
        (m && XXH3_64bits(d->line, d->line_len) != m->line_hash))
        return rf_errf(err, RF_EFORMAT,
                       "%s record %llu is not the document the work dir was built from (inputs "
                       "changed, or not the work dir's shards in its order)",
                       F->w.names[shard], (unsigned long long)ord + 1);
    /* An exact duplicate keeps the more precise reason. With both methods
     * the document kept for it is its MinHash cluster's (its exact group's
     * own may be a near duplicate of that one, removed too). */
    if (e && e->kind == RF_RM_REMOVE) {
        const rf_rm *k = m ? m : e;
        rf_doc_reject(d, "dup_exact", "cluster %016llx, size %llu, kept %s:%u",
                      (unsigned long long)e->cid, (unsigned long long)e->size,
                      F->w.names[k->rep_shard], k->rep_ord + 1);
        return 0;
    }
    if (m && m->kind == RF_RM_REMOVE) {
        rf_doc_reject(d, "dup_minhash", "cluster %u:%u, size %llu, kept %s:%u", m->rep_shard,
                      m->rep_ord + 1, (unsigned long long)m->size, F->w.names[m->rep_shard],
                      m->rep_ord + 1);
        return 0;
    }
    if (e)
        rf_stats_count(w->stats, "exact_kept_representatives", 1);
    if (m)
        rf_stats_count(w->stats, "minhash_kept_representatives", 1);
    const rf_rm *a = m ? m : e;
    if (a && F->annotate) {
        char id[64];
        if (a == m)
            snprintf(id, sizeof id, "%u:%u", m->rep_shard, m->rep_ord + 1);
        else
            snprintf(id, sizeof id, "%016llx", (unsigned long long)e->cid);
        rf_doc_annotate_str(d, "dup_cluster", id, strlen(id));
        rf_doc_annotate_int(d, "dup_cluster_size", (int64_t)a->size);
    }
    return 0;
}

const rf_stage_desc rf_stage_dedup = {
    .name = "dedup",
    .summary = "Exact and MinHash-LSH near-duplicate removal (steps over a work dir).",
    .usage = NULL,
    .opts = filter_opts,
    .init = stage_init,
    .release = stage_release,
    .process = stage_process,
    .main = rf_dedup_main,
};

/* ---- the filter step ---- */

/* The stage without option handling: the step sets its state itself. */
static const rf_stage_desc filter_step_desc = {
    .name = "dedup",
    .summary = "dedup filter step",
    .process = stage_process,
};

typedef enum ofmt { OF_PLAIN, OF_ZSTD, OF_GZIP, OF_XZ, OF_BZIP2, OF_LZ4 } ofmt;

static ofmt detect(const char *path)
{
    unsigned char m[6] = {0};
    FILE *f = fopen(path, "rb");
    size_t got = f ? fread(m, 1, sizeof m, f) : 0;
    if (f)
        fclose(f);
    if (got >= 4 && m[0] == 0x28 && m[1] == 0xB5 && m[2] == 0x2F && m[3] == 0xFD)
        return OF_ZSTD;
    if (got >= 2 && m[0] == 0x1F && m[1] == 0x8B)
        return OF_GZIP;
    if (got >= 6 && !memcmp(m, "\xFD" "7zXZ\0", 6))
        return OF_XZ;
    if (got >= 3 && m[0] == 'B' && m[1] == 'Z' && m[2] == 'h')
        return OF_BZIP2;
    if (got >= 4 && m[0] == 0x04 && m[1] == 0x22 && m[2] == 0x4D && m[3] == 0x18)
        return OF_LZ4;
    return OF_PLAIN;
}

/* Compresses the plain file src into dst (atomically) with libarchive's
 * raw writer, then removes src. */
static int recompress(const char *src, const char *dst, ofmt fmt, rf_err *err)
{
    rf_buf tmp = RF_BUF_INIT;
    rf_buf_addf(&tmp, "%s.tmp.%ld", dst, (long)getpid());
    struct archive *a = archive_write_new();
    struct archive_entry *e = archive_entry_new();
    unsigned char *buf = rf_xmalloc(1 << 20);
    int fd = -1, rc = 0;
    int r = fmt == OF_GZIP    ? archive_write_add_filter_gzip(a)
            : fmt == OF_XZ    ? archive_write_add_filter_xz(a)
            : fmt == OF_BZIP2 ? archive_write_add_filter_bzip2(a)
                              : archive_write_add_filter_lz4(a);
    if (r == ARCHIVE_OK && fmt == OF_GZIP)
        archive_write_set_filter_option(a, "gzip", "timestamp", NULL); /* reproducible */
    if (r == ARCHIVE_OK)
        r = archive_write_set_format_raw(a);
    if (r == ARCHIVE_OK)
        r = archive_write_open_filename(a, tmp.p);
    if (r != ARCHIVE_OK) {
        rc = rf_errf(err, RF_EIO, "%s: cannot write: %s", tmp.p, archive_error_string(a));
        goto out;
    }
    archive_entry_set_pathname(e, "data");
    archive_entry_set_filetype(e, AE_IFREG);
    if (archive_write_header(a, e) != ARCHIVE_OK) {
        rc = rf_errf(err, RF_EIO, "%s: %s", tmp.p, archive_error_string(a));
        goto out;
    }
    fd = open(src, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = rf_errf(err, RF_EIO, "%s: cannot open: %s", src, strerror(errno));
        goto out;
    }
    for (;;) {
        ssize_t n = read(fd, buf, 1 << 20);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = rf_errf(err, RF_EIO, "%s: read failed", src);
            goto out;
        }
        if (n == 0)
            break;
        if (archive_write_data(a, buf, (size_t)n) != n) {
            rc = rf_errf(err, RF_EIO, "%s: %s", tmp.p, archive_error_string(a));
            goto out;
        }
    }
    if (archive_write_close(a) != ARCHIVE_OK) {
        rc = rf_errf(err, RF_EIO, "%s: %s", tmp.p, archive_error_string(a));
        goto out;
    }
    if (rename(tmp.p, dst) != 0)
        rc = rf_errf(err, RF_EIO, "cannot rename %s to %s: %s", tmp.p, dst, strerror(errno));
out:
    if (fd >= 0)
        close(fd);
    archive_entry_free(e);
    archive_write_free(a);
    if (rc)
        unlink(tmp.p);
    else
        unlink(src);
    free(buf);
    rf_buf_release(&tmp);
    return rc;
}

static char *join_path(const char *dir, const char *a, const char *b)
{
    rf_buf p = RF_BUF_INIT;
    rf_buf_addf(&p, "%s/%s%s", dir, a, b);
    return rf_buf_detach(&p, NULL);
}

static int filter_shard(rf_dedup_work *w, uint32_t s, int ue, int um,
                        const rf_dedup_filter_opts *fo, rf_dedup_step *step, rf_err *err)
{
    fstate *F = rf_xcalloc(1, sizeof *F);
    F->w = *w; /* borrowed: not released with F */
    F->single = 1;
    F->shard = s;
    F->annotate = fo->annotate;
    int rc = load_shards(F, s, s + 1, ue, um, err);
    char *out = join_path(fo->out_dir, "", w->names[s]);
    char *rej = join_path(fo->out_dir, "rejects/", w->names[s]);
    char *stp = join_path(fo->out_dir, "stats/", w->names[s]);
    char *plain_out = join_path(fo->out_dir, ".plain.", w->names[s]);
    char *plain_rej = join_path(fo->out_dir, "rejects/.plain.", w->names[s]);
    rf_buf sj = RF_BUF_INIT;
    ofmt fmt = detect(w->shards[s]);
    int via_plain = fmt != OF_PLAIN && fmt != OF_ZSTD;
    rf_stage st;
    int st_ok = 0;
    if (rc)
        goto out;
    rf_stage_init(&st, &filter_step_desc, NULL, err);
    st_ok = 1;
    st.state = F;
    rf_run_config cfg = *step->run;
    const char *in[1] = {w->shards[s]};
    cfg.inputs = in;
    cfg.ninputs = 1;
    cfg.output = via_plain ? plain_out : out;
    cfg.rejects = via_plain ? plain_rej : rej;
    cfg.outopts.compress = fmt == OF_ZSTD ? RF_COMPRESS_ZSTD : RF_COMPRESS_NONE;
    cfg.progress = 0;
    rf_run_result res;
    rc = rf_run(&st, 1, &cfg, &res, err);
    if (!rc && via_plain) {
        rc = recompress(plain_out, out, fmt, err);
        if (!rc)
            rc = recompress(plain_rej, rej, fmt, err);
    }
    if (rc)
        goto out;
    rf_buf_adds(&sj, "{\"shard\":");
    rf_buf_json_str(&sj, w->names[s], strlen(w->names[s]));
    rf_buf_addc(&sj, ',');
    rf_stats_json_members(&st.stats, &sj);
    rf_cli_run_json_members(&sj, &res, cfg.threads);
    rf_buf_adds(&sj, "}\n");
    rc = rf_mkdir_parents(stp, err);
    if (!rc) {
        rf_buf name = RF_BUF_INIT;
        rf_buf_addf(&name, "%s.json", stp);
        rc = rf_cli_write_json(name.p, sj.p, sj.len, err);
        rf_buf_release(&name);
    }
    if (!rc)
        rf_stats_merge(&step->stats, &st.stats);
out:
    if (st_ok) {
        st.state = NULL;
        rf_stage_release(&st);
    }
    F->own_work = 0;
    fstate_free(F);
    free(out);
    free(rej);
    free(stp);
    free(plain_out);
    free(plain_rej);
    rf_buf_release(&sj);
    if (rc)
        rf_err_prefix_path(err, w->shards[s]);
    return rc;
}

int rf_dedup_filter(rf_dedup_work *w, const rf_dedup_filter_opts *fo, rf_dedup_step *step,
                    rf_err *err)
{
    int ue = fo->use_exact && rf_dedup_exact_done(w);
    int um = fo->use_minhash && rf_dedup_minhash_done(w);
    if (fo->need_exact && !ue)
        return rf_errf(err, RF_EUSAGE, "%s: the exact steps have not finished (hash, resolve)",
                       w->dir);
    if (fo->need_minhash && !um)
        return rf_errf(err, RF_EUSAGE,
                       "%s: the minhash steps have not finished (signatures, buckets, cluster)",
                       w->dir);
    int rc = 0;
    for (uint32_t s = step->task; s < w->nshards && !rc; s += step->ntasks) {
        char *stp = join_path(fo->out_dir, "stats/", w->names[s]);
        rf_buf name = RF_BUF_INIT;
        rf_buf_addf(&name, "%s.json", stp);
        free(stp);
        int done = !step->force && rf_dedup_exists(name.p);
        rf_buf_release(&name);
        if (done) {
            step->units_skipped++;
            continue;
        }
        rc = filter_shard(w, s, ue, um, fo, step, err);
        if (!rc) {
            step->units_done++;
            rf_dedup_unit_committed();
            rf_dedup_crash_point();
        }
    }
    return rc;
}

/* ---- stats merging ---- */

/* Adds the numbers of one per-shard stats object (as written above) to s. */
static int add_stats(rf_stats *s, const char *p, size_t n, const char *path, rf_err *err)
{
    size_t i = rf_json_skip_ws(p, n, 0);
    if (i >= n || p[i] != '{')
        return rf_errf(err, RF_EFORMAT, "%s: not a stats object", path);
    i++;
    char key[256];
    for (;;) {
        i = rf_json_skip_ws(p, n, i);
        if (i < n && p[i] == '}')
            return 0;
        size_t k0 = i;
        unsigned fl = 0;
        rf_json_error je;
        if (i >= n || p[i] != '"' || rf_json_scan_string(p, n, &i, &fl, &je) ||
            i - k0 - 2 >= sizeof key)
            return rf_errf(err, RF_EFORMAT, "%s: bad key", path);
        size_t kl = rf_json_unescape(p + k0 + 1, i - k0 - 2, key);
        key[kl] = 0;
        i = rf_json_skip_ws(p, n, i);
        if (i >= n || p[i] != ':')
            return rf_errf(err, RF_EFORMAT, "%s: ':' expected", path);
        i = rf_json_skip_ws(p, n, i + 1);
        size_t v0 = i;
        rf_json_type t;
        if (rf_json_scan_value(p, n, &i, &t, NULL, &je))
            return rf_errf(err, RF_EFORMAT, "%s: bad value", path);
        if (t == RF_JSON_NUMBER) {
            uint64_t v = strtoull(p + v0, NULL, 10);
            if (!strcmp(key, "docs_in"))
                s->docs_in += v;
            else if (!strcmp(key, "docs_out"))
                s->docs_out += v;
            else if (!strcmp(key, "docs_rejected"))
                s->docs_rejected += v;
            else if (!strcmp(key, "bytes_in"))
                s->bytes_in += v;
            else if (!strcmp(key, "bytes_out"))
                s->bytes_out += v;
            else if (!strcmp(key, "stage_seconds"))
                s->seconds += strtod(p + v0, NULL);
        } else if (t == RF_JSON_OBJECT && (!strcmp(key, "reasons") || !strcmp(key, "counters"))) {
            int reasons = key[0] == 'r';
            size_t j = v0 + 1;
            for (;;) {
                j = rf_json_skip_ws(p, i, j);
                if (j >= i || p[j] == '}')
                    break;
                size_t a = j;
                if (rf_json_scan_string(p, i, &j, &fl, &je) || j - a - 2 >= sizeof key)
                    return rf_errf(err, RF_EFORMAT, "%s: bad key", path);
                size_t l = rf_json_unescape(p + a + 1, j - a - 2, key);
                key[l] = 0;
                j = rf_json_skip_ws(p, i, j);
                j = rf_json_skip_ws(p, i, j + 1); /* ':' */
                uint64_t v = strtoull(p + j, NULL, 10);
                if (reasons)
                    rf_stats_reason(s, key, v);
                else
                    rf_stats_count(s, key, v);
                rf_json_type t2;
                if (rf_json_scan_value(p, i, &j, &t2, NULL, &je))
                    return rf_errf(err, RF_EFORMAT, "%s: bad value", path);
                j = rf_json_skip_ws(p, i, j);
                if (j < i && p[j] == ',')
                    j++;
            }
        }
        i = rf_json_skip_ws(p, n, i);
        if (i < n && p[i] == ',')
            i++;
    }
}

int rf_dedup_merge_stats(rf_dedup_work *w, const char *out_dir, const rf_stats *extra,
                         int *complete, rf_err *err)
{
    *complete = 0;
    rf_stats tot;
    rf_stats_init(&tot, "dedup");
    int rc = 0;
    for (uint32_t s = 0; s < w->nshards && !rc; s++) {
        char *stp = join_path(out_dir, "stats/", w->names[s]);
        rf_buf name = RF_BUF_INIT;
        rf_buf_addf(&name, "%s.json", stp);
        free(stp);
        if (!rf_dedup_exists(name.p)) {
            rf_buf_release(&name);
            rf_stats_release(&tot);
            return 0; /* another task is still filtering */
        }
        unsigned char *data;
        size_t n;
        rc = rf_dedup_read_file(name.p, &data, &n, err);
        if (!rc) {
            rc = add_stats(&tot, (const char *)data, n, name.p, err);
            free(data);
        }
        rf_buf_release(&name);
    }
    if (!rc && extra)
        for (size_t i = 0; i < extra->ncounters; i++)
            rf_stats_count(&tot, extra->counters[i].name, extra->counters[i].v);
    if (!rc) {
        rf_buf b = RF_BUF_INIT;
        rf_buf_addc(&b, '{');
        rf_stats_json_members(&tot, &b);
        rf_buf_addf(&b, ",\"shards\":%u,\"version\":\"" REFINE_VERSION "\"}\n", w->nshards);
        char *path = join_path(out_dir, "stats.json", "");
        rc = rf_cli_write_json(path, b.p, b.len, err);
        free(path);
        rf_buf_release(&b);
        *complete = !rc;
    }
    rf_stats_release(&tot);
    return rc;
}
