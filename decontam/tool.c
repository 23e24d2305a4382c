/* tool.c — the refine-decontam command line: subcommand dispatch and
 * `refine-decontam index`, which reads evaluation sets named by SPECs
 * (spec.h), builds the n-gram index and its SQLite provenance (index.h) and
 * prints what it indexed: files, items and n-grams per benchmark, sizes and
 * time. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decontam/decontam.h"
#include "decontam/index.h"
#include "decontam/spec.h"
#include "stages/cli.h"
#include "stages/io.h"

int rf_decontam_main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "index"))
        return rf_decontam_index_main(argc - 1, argv + 1);
    if (argc > 1 && !strcmp(argv[1], "report"))
        return rf_decontam_report_main(argc - 1, argv + 1);
    return rf_cli_main(&rf_stage_decontam, argc, argv);
}

static const rf_optspec index_opts[] = {
    {"output", 'o', RF_OPT_STR, NULL, "INDEX",
     "index file to write (provenance goes to INDEX.sqlite)", NULL},
    {"n", 0, RF_OPT_INT, "12", "N", "tokens per n-gram (1-64)", NULL},
    {"min-tokens", 0, RF_OPT_INT, "8", "M",
     "items shorter than N tokens are indexed whole when they have at least M tokens", NULL},
    {"specs", 0, RF_OPT_LIST, NULL, "FILE",
     "read SPECs from FILE, one per line ('#' comments); repeatable", NULL},
    {"base", 0, RF_OPT_STR, NULL, "DIR", "resolve relative file names in SPECs against DIR",
     NULL},
    {"quiet", 'q', RF_OPT_FLAG, "false", NULL, "print errors only", NULL},
    {"verbose", 'v', RF_OPT_FLAG, "false", NULL, "print every file read", NULL},
    {"help", 'h', RF_OPT_FLAG, "false", NULL, "show this help and exit", NULL},
    {"version", 'V', RF_OPT_FLAG, "false", NULL, "show the version and exit", NULL},
    RF_OPTSPEC_END,
};

static void index_usage(void)
{
    char tmp[8192];
    rf_opts_help(index_opts, tmp, sizeof tmp, NULL);
    printf("Usage: refine-decontam index -o INDEX [OPTIONS] SPEC...\n"
           "Builds the n-gram index of evaluation sets that refine-decontam filters against.\n\n"
           "  SPEC = [NAME=]FILES:[RECORD/]FIELD[,FIELD...][?OPTION[,OPTION...]]\n\n"
           "FILES is a path or glob (quote it), plain or compressed (gzip, zstd, xz, ...);\n"
           "the format comes from the name (.jsonl, .json, .csv, .tsv) or ?format=...\n"
           "Each record is one item; its FIELDs are concatenated in order. JSON fields are\n"
           "paths (question, choices, a.b, list[], list[0]); arrays and objects contribute\n"
           "every string in them. Records are JSONL lines, the elements of a top-level JSON\n"
           "array, or those named by RECORD/ (SQuAD: data[].paragraphs[]/context). CSV/TSV\n"
           "fields are header names or #N (N-th column); ?header=no for files without a\n"
           "header row. ?id=FIELD names the item id (default: id, task_id, ID or qid, else\n"
           "FILE-STEM:LINE). NAME defaults to the file stem (per file).\n\n"
           "Examples:\n"
           "  gsm8k=gsm8k_test.jsonl:question,answer\n"
           "  kmmlu=kmmlu_test/*.csv:question,A,B,C,D\n"
           "  mmlu=mmlu/*.csv:#1,#2,#3,#4,#5?header=no\n"
           "  korquad=korquad_v1_dev.json:data[].paragraphs[]/context\n\n"
           "Text is normalised (NFKC, case folded, punctuation and symbols removed) and cut\n"
           "into whitespace tokens (Han and Kana characters are single tokens); each\n"
           "N-token window is hashed with XXH3-64. Items shorter than N tokens are matched\n"
           "as a whole.\n\nOptions:\n%s",
           tmp);
}

typedef struct ictx {
    rf_dcx_builder *b;
    int verbose;
    const char *last_source;
} ictx;

static void add_item(void *ctx, const rf_dcspec_item *it)
{
    ictx *c = ctx;
    uint32_t bench = rf_dcx_builder_bench(c->b, it->bench);
    rf_dcx_builder_add(c->b, bench, it->id, it->source, it->record, it->texts, it->lens,
                       it->ntexts);
}

static double now_sec(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Appends the SPEC lines of a list file. */
static int read_spec_file(const char *path, char ***specs, size_t *n, rf_err *err)
{
    char *data;
    size_t len;
    int rc = rf_dcspec_read_file(path, &data, &len, err);
    if (rc)
        return rc;
    size_t i = 0;
    while (i < len) {
        const char *nl = memchr(data + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - data) : len;
        size_t s = i, t = e;
        while (s < t && (data[s] == ' ' || data[s] == '\t'))
            s++;
        while (t > s && (data[t - 1] == ' ' || data[t - 1] == '\t' || data[t - 1] == '\r'))
            t--;
        if (t > s && data[s] != '#') {
            *specs = rf_xrealloc(*specs, (*n + 1) * sizeof **specs);
            (*specs)[(*n)++] = rf_xstrndup(data + s, t - s);
        }
        i = e + 1;
    }
    free(data);
    return 0;
}

static double mb(uint64_t b)
{
    return (double)b / 1e6;
}

int rf_decontam_index_main(int argc, char **argv)
{
    const char *prog = "refine-decontam index";
    rf_err err = {0, ""};
    const rf_optspec *tables[1] = {index_opts};
    rf_opts *o = rf_opts_new(tables, 1);
    char **pos = NULL, **specs = NULL;
    size_t npos = 0, nspecs = 0;
    rf_dcx_builder *b = NULL;
    rf_dcx *x = NULL;
    int rc = rf_opts_parse_argv(o, argc, argv, &pos, &npos, &err);
    if (rc)
        goto out;
    if (rf_opt_flag(o, "help")) {
        index_usage();
        goto out;
    }
    if (rf_opt_flag(o, "version")) {
        printf("refine-decontam %s\n", REFINE_VERSION);
        goto out;
    }
    const char *output = rf_opt_str(o, "output");
    int64_t n = rf_opt_int(o, "n"), minl = rf_opt_int(o, "min-tokens");
    int quiet = rf_opt_flag(o, "quiet"), verbose = rf_opt_flag(o, "verbose");
    if (!output || !output[0]) {
        rc = rf_errf(&err, RF_EUSAGE, "-o INDEX is required");
        goto out;
    }
    if (n < 1 || n > RF_DCX_MAX_N) {
        rc = rf_errf(&err, RF_EUSAGE, "--n must be between 1 and %d", RF_DCX_MAX_N);
        goto out;
    }
    if (minl < 1 || minl > n) {
        rc = rf_errf(&err, RF_EUSAGE, "--min-tokens must be between 1 and --n");
        goto out;
    }
    const char *const *lists;
    size_t nlists = rf_opt_list(o, "specs", &lists);
    for (size_t i = 0; i < nlists && !rc; i++)
        rc = read_spec_file(lists[i], &specs, &nspecs, &err);
    if (rc)
        goto out;
    for (size_t i = 0; i < npos; i++) {
        specs = rf_xrealloc(specs, (nspecs + 1) * sizeof *specs);
        specs[nspecs++] = rf_xstrdup(pos[i]);
    }
    if (!nspecs) {
        rc = rf_errf(&err, RF_EUSAGE, "no SPEC given (see --help)");
        goto out;
    }
    double t0 = now_sec();
    b = rf_dcx_builder_new((unsigned)n, (unsigned)minl);
    ictx c = {b, verbose, NULL};
    rf_dcspec_stats st;
    memset(&st, 0, sizeof st);
    const char *base = rf_opt_str(o, "base");
    for (size_t i = 0; i < nspecs; i++) {
        rf_dcspec s;
        rc = rf_dcspec_parse(&s, specs[i], &err);
        if (rc)
            goto out;
        uint64_t items0 = st.items, files0 = st.files;
        rc = rf_dcspec_load(&s, base, add_item, &c, &st, &err);
        if (!rc && verbose)
            fprintf(stderr, "%s: %s: %llu files, %llu items\n", prog, s.text,
                    (unsigned long long)(st.files - files0), (unsigned long long)(st.items - items0));
        rf_dcspec_release(&s);
        if (rc)
            goto out;
    }
    double t1 = now_sec();
    rf_dcx_build_stats bs;
    rc = rf_dcx_builder_write(b, output, &bs, &err);
    if (rc)
        goto out;
    double t2 = now_sec();
    /* Read the result back: validates it and gives the per-benchmark table. */
    rc = rf_dcx_open(&x, output, &err);
    if (rc)
        goto out;
    if (!quiet) {
        fprintf(stderr, "%s: %zu specs, %llu files, %.1f MB of evaluation data, %llu records\n",
                prog, nspecs, (unsigned long long)st.files, mb(st.bytes),
                (unsigned long long)st.records);
        fprintf(stderr, "  %-28s %9s %11s\n", "benchmark", "items", "n-grams");
        for (uint32_t k = 0; k < x->n_bench; k++) {
            size_t l;
            const char *name = rf_dcx_bench_name(x, k, &l);
            fprintf(stderr, "  %-28.*s %9u %11u\n", (int)l, name, x->bench[k].n_items,
                    x->bench[k].n_ngrams);
        }
        fprintf(stderr,
                "  items %llu (%llu shorter than %lld tokens indexed whole, %llu below "
                "--min-tokens %lld skipped, %llu without text), %llu tokens\n",
                (unsigned long long)bs.items, (unsigned long long)bs.items_short, (long long)n,
                (unsigned long long)bs.items_too_short, (long long)minl,
                (unsigned long long)st.empty, (unsigned long long)bs.tokens);
        fprintf(stderr,
                "  n-grams: %llu occurrences, %llu distinct (%llu in more than 10 items), "
                "%llu short-item prefixes\n",
                (unsigned long long)bs.ngrams_total, (unsigned long long)bs.n_hashes,
                (unsigned long long)bs.frequent, (unsigned long long)bs.n_prefix);
        if (st.utf8_repaired)
            fprintf(stderr, "  %llu ill-formed UTF-8 sequences replaced\n",
                    (unsigned long long)st.utf8_repaired);
        char *sq = rf_dcx_sqlite_path(output);
        fprintf(stderr, "  %s: %.1f MB; %s: %.1f MB\n", output, mb(bs.index_bytes), sq,
                mb(bs.sqlite_bytes));
        free(sq);
        fprintf(stderr, "  time: %.2f s reading and hashing, %.2f s writing, %.2f s total\n",
                t1 - t0, t2 - t1, t2 - t0);
    }
out:
    if (rc)
        rf_cli_error(prog, &err);
    rf_dcx_close(x);
    rf_dcx_builder_free(b);
    for (size_t i = 0; i < nspecs; i++)
        free(specs[i]);
    free(specs);
    free(pos);
    rf_opts_free(o);
    return rf_exit_code(rc);
}
