/* report.c — `refine-decontam report`: what the decontamination found. It
 * reads the --stats files of decontam runs (standalone or `refine run`
 * objects, any number: one per Slurm task is fine) for per-benchmark
 * document and hit counts, the --matches files for per-n-gram counts, and
 * the index's SQLite provenance for the text, benchmark and item of each
 * n-gram, and prints a table per benchmark plus the most frequent matched
 * n-grams. */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decontam/decontam.h"
#include "decontam/index.h"
#include "decontam/jpath.h"
#include "decontam/spec.h"
#include "stages/cli.h"
#include "stages/json.h"

static const rf_optspec report_opts[] = {
    {"index", 0, RF_OPT_STR, NULL, "INDEX", "the index the runs used (required)", NULL},
    {"matches", 0, RF_OPT_LIST, NULL, "FILE",
     "a --matches file of a decontam run; repeatable (counts are added)", NULL},
    {"top", 0, RF_OPT_INT, "20", "N", "how many matched n-grams to list", NULL},
    {"help", 'h', RF_OPT_FLAG, "false", NULL, "show this help and exit", NULL},
    {"version", 'V', RF_OPT_FLAG, "false", NULL, "show the version and exit", NULL},
    RF_OPTSPEC_END,
};

typedef struct totals {
    uint64_t docs_in, docs_out, docs_rejected, stages;
    uint64_t *bdocs, *bhits; /* per benchmark */
    uint32_t nbench;
    const rf_dcx *x;
    /* other counters and reasons, summed by name */
    char **names;
    uint64_t *vals;
    size_t n;
} totals;

static void add_named(totals *t, const char *name, size_t nl, uint64_t v)
{
    for (size_t i = 0; i < t->n; i++)
        if (strlen(t->names[i]) == nl && !memcmp(t->names[i], name, nl)) {
            t->vals[i] += v;
            return;
        }
    t->names = rf_xrealloc(t->names, (t->n + 1) * sizeof *t->names);
    t->vals = rf_xrealloc(t->vals, (t->n + 1) * sizeof *t->vals);
    t->names[t->n] = rf_xstrndup(name, nl);
    t->vals[t->n] = v;
    t->n++;
}

static uint64_t named(const totals *t, const char *name)
{
    for (size_t i = 0; i < t->n; i++)
        if (!strcmp(t->names[i], name))
            return t->vals[i];
    return 0;
}

static uint64_t num_at(const char *p, size_t vs, size_t ve)
{
    rf_buf b = RF_BUF_INIT;
    uint64_t v = 0;
    if (rf_jpath_scalar(p, vs, ve, &b) == 0 && b.len)
        v = strtoull(b.p, NULL, 10);
    rf_buf_release(&b);
    return v;
}

static int bench_of(const rf_dcx *x, const char *name, size_t nl)
{
    for (uint32_t b = 0; b < x->n_bench; b++) {
        size_t l;
        const char *bn = rf_dcx_bench_name(x, b, &l);
        if (l == nl && !memcmp(bn, name, nl))
            return (int)b;
    }
    return -1;
}

static int counter_fn(void *ctx, const char *key, size_t kl, const char *p, size_t vs, size_t ve)
{
    totals *t = ctx;
    uint64_t v = num_at(p, vs, ve);
    if (kl > 5 && !memcmp(key, "docs.", 5)) {
        int b = bench_of(t->x, key + 5, kl - 5);
        if (b >= 0)
            t->bdocs[b] += v;
    } else if (kl > 11 && !memcmp(key, "ngram_hits.", 11)) {
        int b = bench_of(t->x, key + 11, kl - 11);
        if (b >= 0)
            t->bhits[b] += v;
    } else {
        add_named(t, key, kl, v);
    }
    return 0;
}

static int reason_fn(void *ctx, const char *key, size_t kl, const char *p, size_t vs, size_t ve)
{
    rf_buf name = RF_BUF_INIT;
    rf_buf_adds(&name, "reason:");
    rf_buf_add(&name, key, kl);
    add_named(ctx, name.p, name.len, num_at(p, vs, ve));
    rf_buf_release(&name);
    return 0;
}

static int stage_member_fn(void *ctx, const char *key, size_t kl, const char *p, size_t vs,
                           size_t ve)
{
    totals *t = ctx;
#define KEY(s) (kl == strlen(s) && !memcmp(key, s, kl))
    if (KEY("docs_in"))
        t->docs_in += num_at(p, vs, ve);
    else if (KEY("docs_out"))
        t->docs_out += num_at(p, vs, ve);
    else if (KEY("docs_rejected"))
        t->docs_rejected += num_at(p, vs, ve);
    else if (KEY("counters"))
        rf_jpath_members(p, vs, ve, counter_fn, t);
    else if (KEY("reasons"))
        rf_jpath_members(p, vs, ve, reason_fn, t);
#undef KEY
    return 0;
}

typedef struct stage_ctx {
    totals *t;
} stage_ctx;

/* A stage object: counted when its "stage" label starts with decontam. */
static int stage_fn(void *ctx, const char *p, size_t vs, size_t ve)
{
    totals *t = ctx;
    rf_jpath sp;
    rf_jpath_parse(&sp, "stage", 5, NULL);
    rf_jpath_texts lab = {0};
    rf_jpath_collect(&sp, p, ve, vs, &lab);
    rf_jpath_release(&sp);
    int is = lab.n && lab.len[0] >= 8 && !memcmp(lab.buf.p + lab.off[0], "decontam", 8);
    rf_jpath_texts_release(&lab);
    if (is) {
        t->stages++;
        rf_jpath_members(p, vs, ve, stage_member_fn, t);
    }
    return 0;
}

static int read_stats(totals *t, const char *path, rf_err *err)
{
    char *data;
    size_t n;
    int rc = rf_dcspec_read_file(path, &data, &n, err);
    if (rc)
        return rc;
    rf_json_error je;
    if (rf_json_validate(data, n, &je) != 0) {
        free(data);
        return rf_errf(err, RF_EFORMAT, "%s: not a JSON stats file (%s at byte %zu)", path,
                       je.what, je.off);
    }
    uint64_t before = t->stages;
    size_t s = rf_json_skip_ws(data, n, 0);
    rf_jpath stages;
    rf_jpath_parse(&stages, "stages[]", 8, NULL);
    rf_jpath_walk(&stages, data, n, s, stage_fn, t);
    rf_jpath_release(&stages);
    stage_fn(t, data, s, n);
    free(data);
    if (t->stages == before)
        return rf_errf(err, RF_EFORMAT, "%s: no decontam stage in these statistics", path);
    return 0;
}

typedef struct match {
    uint64_t hash, docs, hits;
} match;

static int cmp_match_hash(const void *a, const void *b)
{
    const match *x = a, *y = b;
    return x->hash < y->hash ? -1 : x->hash > y->hash;
}

static int cmp_match_docs(const void *a, const void *b)
{
    const match *x = a, *y = b;
    if (x->docs != y->docs)
        return x->docs > y->docs ? -1 : 1;
    if (x->hits != y->hits)
        return x->hits > y->hits ? -1 : 1;
    return x->hash < y->hash ? -1 : x->hash > y->hash;
}

static int read_matches(const char *path, match **m, size_t *nm, rf_err *err)
{
    char *data;
    size_t n;
    int rc = rf_dcspec_read_file(path, &data, &n, err);
    if (rc)
        return rc;
    size_t i = 0, line = 0;
    while (i < n) {
        const char *nl = memchr(data + i, '\n', n - i);
        size_t e = nl ? (size_t)(nl - data) : n;
        line++;
        if (e > i && data[i] != '#') {
            char *tmp = rf_xstrndup(data + i, e - i);
            unsigned long long h, d, hi;
            if (sscanf(tmp, "%16llx\t%llu\t%llu", &h, &d, &hi) != 3) {
                free(tmp);
                free(data);
                return rf_errf(err, RF_EFORMAT, "%s:%zu: not a matches line (hash docs hits ...)",
                               path, line);
            }
            free(tmp);
            *m = rf_xrealloc(*m, (*nm + 1) * sizeof **m);
            (*m)[*nm].hash = h;
            (*m)[*nm].docs = d;
            (*m)[*nm].hits = hi;
            (*nm)++;
        }
        i = e + 1;
    }
    free(data);
    return 0;
}

static void print_usage(void)
{
    char tmp[4096];
    rf_opts_help(report_opts, tmp, sizeof tmp, NULL);
    printf("Usage: refine-decontam report --index INDEX [--matches FILE]... [STATS.json...]\n"
           "Summarises decontamination runs: per benchmark the items and n-grams indexed,\n"
           "the documents that matched it and the n-gram hits (from the --stats files of\n"
           "decontam runs, standalone or `refine run`), then the most frequent matched\n"
           "n-grams with their text, benchmark and item (from --matches files and the\n"
           "index's SQLite provenance). With only --index it describes the index.\n\n"
           "Options:\n%s",
           tmp);
}

/* Prints one text cell, cut to at most max characters. */
static void print_cut(const char *s, size_t max)
{
    size_t chars = 0, i = 0, n = strlen(s);
    while (i < n && chars < max) {
        i++;
        while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80)
            i++;
        chars++;
    }
    fwrite(s, 1, i, stdout);
    if (i < n)
        fputs("...", stdout);
}

int rf_decontam_report_main(int argc, char **argv)
{
    const char *prog = "refine-decontam report";
    rf_err err = {0, ""};
    const rf_optspec *tables[1] = {report_opts};
    rf_opts *o = rf_opts_new(tables, 1);
    char **pos = NULL;
    size_t npos = 0, nm = 0;
    rf_dcx *x = NULL;
    match *m = NULL;
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    char *sqlpath = NULL;
    totals t;
    memset(&t, 0, sizeof t);
    int rc = rf_opts_parse_argv(o, argc, argv, &pos, &npos, &err);
    if (rc)
        goto out;
    if (rf_opt_flag(o, "help")) {
        print_usage();
        goto out;
    }
    if (rf_opt_flag(o, "version")) {
        printf("refine-decontam %s\n", REFINE_VERSION);
        goto out;
    }
    const char *ipath = rf_opt_str(o, "index");
    if (!ipath) {
        rc = rf_errf(&err, RF_EUSAGE, "--index INDEX is required");
        goto out;
    }
    int64_t top = rf_opt_int(o, "top");
    if (top < 0) {
        rc = rf_errf(&err, RF_EUSAGE, "--top cannot be negative");
        goto out;
    }
    rc = rf_dcx_open(&x, ipath, &err);
    if (rc)
        goto out;
    t.x = x;
    t.nbench = x->n_bench;
    t.bdocs = rf_xcalloc(x->n_bench + 1, sizeof *t.bdocs);
    t.bhits = rf_xcalloc(x->n_bench + 1, sizeof *t.bhits);
    for (size_t i = 0; i < npos && !rc; i++)
        rc = read_stats(&t, pos[i], &err);
    if (rc)
        goto out;
    const char *const *mf;
    size_t nmf = rf_opt_list(o, "matches", &mf);
    for (size_t i = 0; i < nmf && !rc; i++)
        rc = read_matches(mf[i], &m, &nm, &err);
    if (rc)
        goto out;
    /* Several files (one per task): add counts of the same n-gram. */
    if (nm > 1)
        qsort(m, nm, sizeof *m, cmp_match_hash);
    size_t k = 0;
    for (size_t i = 0; i < nm; i++) {
        if (k && m[k - 1].hash == m[i].hash) {
            m[k - 1].docs += m[i].docs;
            m[k - 1].hits += m[i].hits;
        } else {
            m[k++] = m[i];
        }
    }
    nm = k;
    if (nm > 1)
        qsort(m, nm, sizeof *m, cmp_match_docs);

    uint64_t total_items = 0;
    for (uint32_t b = 0; b < x->n_bench; b++)
        total_items += x->bench[b].n_items;
    printf("index %s: %u-grams, %u benchmarks, %llu items, %llu distinct n-grams\n", ipath, x->n,
           x->n_bench, (unsigned long long)total_items, (unsigned long long)x->n_hashes);
    if (t.stages) {
        printf("runs: %llu decontam stage statistics; documents in %llu, kept %llu, rejected "
               "%llu",
               (unsigned long long)t.stages, (unsigned long long)t.docs_in,
               (unsigned long long)t.docs_out, (unsigned long long)t.docs_rejected);
        const char *sep = " (";
        for (size_t i = 0; i < t.n; i++)
            if (!strncmp(t.names[i], "reason:", 7)) {
                printf("%s%s %llu", sep, t.names[i] + 7, (unsigned long long)t.vals[i]);
                sep = ", ";
            }
        if (strcmp(sep, " ("))
            putchar(')');
        printf("\n  matched documents %llu, n-gram hits %llu, hits ignored as too frequent "
               "%llu",
               (unsigned long long)named(&t, "docs_matched"),
               (unsigned long long)named(&t, "ngram_hits"),
               (unsigned long long)named(&t, "ngram_hits_ignored"));
        if (named(&t, "excised_docs") || named(&t, "excised_regions"))
            printf("\n  excised: %llu documents, %llu regions, %llu bytes, %llu fragments dropped",
                   (unsigned long long)named(&t, "excised_docs"),
                   (unsigned long long)named(&t, "excised_regions"),
                   (unsigned long long)named(&t, "excised_bytes"),
                   (unsigned long long)named(&t, "fragments_dropped"));
        putchar('\n');
    }
    printf("\n%-30s %9s %11s %12s %12s\n", "benchmark", "items", "n-grams", "docs matched",
           "n-gram hits");
    /* Most matched first, then index order. */
    uint32_t *order = rf_xcalloc(x->n_bench + 1, sizeof *order);
    for (uint32_t b = 0; b < x->n_bench; b++)
        order[b] = b;
    for (uint32_t i = 1; i < x->n_bench; i++)
        for (uint32_t j = i; j > 0 && t.bdocs[order[j]] > t.bdocs[order[j - 1]]; j--) {
            uint32_t tmp = order[j];
            order[j] = order[j - 1];
            order[j - 1] = tmp;
        }
    for (uint32_t i = 0; i < x->n_bench; i++) {
        uint32_t b = order[i];
        size_t l;
        const char *name = rf_dcx_bench_name(x, b, &l);
        printf("%-30.*s %9u %11u %12llu %12llu\n", (int)l, name, x->bench[b].n_items,
               x->bench[b].n_ngrams, (unsigned long long)t.bdocs[b],
               (unsigned long long)t.bhits[b]);
    }
    free(order);
    if (nmf) {
        sqlpath = rf_dcx_sqlite_path(ipath);
        if (sqlite3_open_v2(sqlpath, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
            sqlite3_prepare_v2(
                db,
                "SELECT b.name, i.item_id, substr(i.text, n.start + 1, n.length),"
                " (SELECT count(*) FROM ngrams WHERE hash = ?1)"
                " FROM ngrams n JOIN items i ON i.id = n.item JOIN benchmarks b"
                " ON b.id = i.benchmark WHERE n.hash = ?1 ORDER BY n.item LIMIT 1",
                -1, &q, NULL) != SQLITE_OK) {
            rc = rf_errf(&err, RF_EIO, "%s: %s", sqlpath, db ? sqlite3_errmsg(db) : "cannot open");
            goto out;
        }
        printf("\ntop %lld matched n-grams of %zu (by documents)\n", (long long)top, nm);
        printf("%7s %8s %6s  %-18s %-26s %s\n", "docs", "hits", "items", "benchmark", "item",
               "n-gram");
        for (size_t i = 0; i < nm && i < (size_t)top; i++) {
            sqlite3_reset(q);
            sqlite3_bind_int64(q, 1, (sqlite3_int64)m[i].hash);
            printf("%7llu %8llu ", (unsigned long long)m[i].docs, (unsigned long long)m[i].hits);
            if (sqlite3_step(q) == SQLITE_ROW) {
                const char *bn = (const char *)sqlite3_column_text(q, 0);
                const char *iid = (const char *)sqlite3_column_text(q, 1);
                const char *txt = (const char *)sqlite3_column_text(q, 2);
                printf("%6lld  %-18s %-26s ", (long long)sqlite3_column_int64(q, 3),
                       bn ? bn : "?", iid ? iid : "?");
                print_cut(txt ? txt : "", 100);
                putchar('\n');
            } else {
                printf("%6s  (n-gram %016llx not in the provenance of this index)\n", "?",
                       (unsigned long long)m[i].hash);
            }
        }
    }
out:
    if (rc)
        rf_cli_error(prog, &err);
    sqlite3_finalize(q);
    if (db)
        sqlite3_close(db);
    free(sqlpath);
    for (size_t i = 0; i < t.n; i++)
        free(t.names[i]);
    free(t.names);
    free(t.vals);
    free(t.bdocs);
    free(t.bhits);
    free(m);
    rf_dcx_close(x);
    free(pos);
    rf_opts_free(o);
    return rf_exit_code(rc);
}
