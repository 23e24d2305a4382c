/* main.c — the refine-dedup command line: the all-in-one local run
 * (`refine-dedup [--exact] [--minhash] INPUT... --out-dir DIR`, every step in
 * this process, threads instead of array tasks), the step subcommands
 * (`exact hash|resolve|filter`, `minhash signatures|buckets|cluster|filter`,
 * each with --task-index/--num-tasks defaulting from the Slurm array
 * variables) and `minhash --explain`. Options follow the shared conventions:
 * the same long names in --config files ([dedup] section) and pipelines. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dedup/dedup.h"
#include "stages/cli.h"
#include "stages/io.h"

static const rf_optspec dedup_opts[] = {
    {"exact", 0, RF_OPT_FLAG, "false", NULL,
     "exact duplicates: XXH3-128 of the normalised text (NFKC, case folded, whitespace "
     "collapsed)", NULL},
    {"minhash", 0, RF_OPT_FLAG, "false", NULL,
     "near duplicates: MinHash LSH over shingles (neither flag = both methods)", NULL},
    {"out-dir", 0, RF_OPT_STR, NULL, "DIR",
     "output directory: DIR/<input name>, DIR/rejects/, DIR/stats.json", NULL},
    {"work-dir", 0, RF_OPT_STR, NULL, "DIR",
     "work directory of the steps (all-in-one default: OUT/.dedup-work, removed after success)",
     NULL},
    {"keep-work", 0, RF_OPT_FLAG, "false", NULL, "all-in-one: keep the work directory", NULL},
    {"inputs-from", 0, RF_OPT_STR, NULL, "FILE", "read input paths from FILE, one per line", NULL},
    {"task-index", 0, RF_OPT_INT, NULL, "I",
     "this task's index, 0-based [default: $SLURM_ARRAY_TASK_ID - $SLURM_ARRAY_TASK_MIN, or 0]",
     NULL},
    {"num-tasks", 0, RF_OPT_INT, NULL, "N",
     "number of tasks sharing the step [default: $SLURM_ARRAY_TASK_COUNT, or 1]", NULL},
    {"force", 0, RF_OPT_FLAG, "false", NULL, "recompute units whose output already exists", NULL},
    {"keep-max", 0, RF_OPT_STR, NULL, "FIELD",
     "keep the duplicate with the largest numeric FIELD (ties: the first); default: the first "
     "in input order", NULL},
    {"exact-raw", 0, RF_OPT_FLAG, "false", NULL, "exact: hash the raw text, not the normalised",
     NULL},
    {"exact-ranges", 0, RF_OPT_INT, "16", "N", "exact: hash ranges (resolve units)", NULL},
    {"ngram", 0, RF_OPT_INT, "5", "N", "minhash: tokens per shingle", NULL},
    {"shingle", 0, RF_OPT_ENUM, "word", "UNIT",
     "minhash: token unit: words (Han/Kana characters count as words) or characters",
     "word|char"},
    {"bands", 0, RF_OPT_INT, "14", "B", "minhash: LSH bands", NULL},
    {"rows", 0, RF_OPT_INT, "8", "R", "minhash: hashes per band", NULL},
    {"seed", 0, RF_OPT_INT, "1", "S", "minhash: seed of the hash functions", NULL},
    {"bucket-ranges", 0, RF_OPT_INT, "1", "N",
     "minhash: hash ranges per band (buckets units = bands x N)", NULL},
    {"verify", 0, RF_OPT_FLOAT, NULL, "J",
     "minhash: keep only candidate pairs whose exact Jaccard is >= J (stores shingle sets)",
     NULL},
    {"pairs-out", 0, RF_OPT_STR, NULL, "FILE",
     "minhash cluster: write every distinct candidate pair (TSV, with its Jaccard under "
     "--verify)", NULL},
    {"annotate", 0, RF_OPT_FLAG, "false", NULL,
     "add refine.dup_cluster and refine.dup_cluster_size to kept representatives", NULL},
    {"explain", 0, RF_OPT_FLAG, "false", NULL, "minhash: print the LSH S-curve and exit", NULL},
    RF_OPTSPEC_END,
};

static void usage(const char *method, const char *step)
{
    char tmp[16384];
    if (method && !step) {
        printf("Usage: refine-dedup %s STEP [OPTIONS] [INPUT...] --work-dir DIR\n", method);
        if (!strcmp(method, "minhash"))
            printf("       refine-dedup minhash --explain [--bands B --rows R]\n\n"
                   "Steps, in order (each an array job; afterok between them):\n"
                   "  signatures INPUT...  per shard: band hashes (and shingle sets for --verify)\n"
                   "  buckets              per band x range: k-way merge, candidate pairs\n"
                   "  cluster              one task: union-find (+ --verify J), removal list\n"
                   "  filter --out-dir D   per shard: write survivors, rejects, stats\n");
        else
            printf("\nSteps, in order (each an array job; afterok between them):\n"
                   "  hash INPUT...        per shard: sorted XXH3-128 keys\n"
                   "  resolve              per hash range: duplicate groups, removal lists\n"
                   "  filter --out-dir D   per shard: write survivors, rejects, stats\n");
        printf("\nTasks: --task-index I --num-tasks N (defaults from SLURM_ARRAY_TASK_ID,\n"
               "SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_COUNT). Task I does the units\n"
               "I, I+N, I+2N, ...; units already done are skipped, so a requeued task is\n"
               "harmless. See docs/dedup.md.\n");
        return;
    }
    if (step) {
        printf("Usage: refine-dedup %s %s [OPTIONS] [INPUT...] --work-dir DIR%s\n", method, step,
               !strcmp(step, "filter") ? " --out-dir OUT" : "");
        printf("One step of %s dedup; see refine-dedup %s --help for the order.\n", method,
               method);
    } else {
        printf("Usage: refine-dedup [--exact] [--minhash] [OPTIONS] INPUT... --out-dir DIR\n"
               "       refine-dedup exact hash|resolve|filter [OPTIONS] ...\n"
               "       refine-dedup minhash signatures|buckets|cluster|filter [OPTIONS] ...\n"
               "       refine-dedup minhash --explain\n"
               "Exact and MinHash-LSH near-duplicate removal over many shards.\n\n"
               "Without a step it runs every step here, in threads, and writes each input's\n"
               "surviving documents to DIR/<input file name> (same compression), removed ones\n"
               "to DIR/rejects/<input file name> (reason dup_exact or dup_minhash, with the\n"
               "cluster and the kept document in the detail) and statistics to\n"
               "DIR/stats.json. The steps are files in a work directory, so the same run can\n"
               "be split into Slurm array jobs (docs/dedup.md, pipelines/slurm/).\n"
               "In `refine run` pipelines, [dedup] with work-dir = W applies finished steps.\n");
    }
    printf("\ndedup options:\n");
    rf_opts_help(dedup_opts, tmp, sizeof tmp, NULL);
    fputs(tmp, stdout);
    printf("\nCommon options (-o and --rejects do not apply: see --out-dir):\n");
    rf_opts_help(rf_runner_optspecs, tmp, sizeof tmp, NULL);
    fputs(tmp, stdout);
    printf("\nExit status: 0 ok, 1 error, 2 usage error, 3 more malformed input than --max-bad.\n");
}

/* ---- helpers ---- */

/* An integer from the environment: 0 when unset or empty, 1 when read, -1
 * when set to something that is not a whole decimal number (a Slurm
 * variable garbled by a wrapper script must not quietly become task 0). */
static int env_int(const char *name, long *v)
{
    const char *e = getenv(name);
    if (!e || !*e)
        return 0;
    char *end;
    errno = 0;
    long x = strtol(e, &end, 10);
    if (*end || errno)
        return -1;
    *v = x;
    return 1;
}

/* Reads a Slurm variable into *v (left alone when unset); a garbled one is
 * an error. */
static int slurm_env(const char *name, long *v, rf_err *err)
{
    if (env_int(name, v) < 0)
        return rf_errf(err, RF_EUSAGE, "%s='%s' is not a number", name, getenv(name));
    return 0;
}

static int task_of(const rf_opts *o, uint32_t *task, uint32_t *ntasks, rf_err *err)
{
    long t = 0, n = 1, mn = 0;
    if (rf_opts_is_set(o, "task-index")) {
        t = (long)rf_opt_int(o, "task-index");
    } else {
        /* The array index counts from the array's first index (0 when
         * SLURM_ARRAY_TASK_MIN is unset). */
        if (slurm_env("SLURM_ARRAY_TASK_ID", &t, err) ||
            slurm_env("SLURM_ARRAY_TASK_MIN", &mn, err))
            return RF_EUSAGE;
        t -= mn;
    }
    if (rf_opts_is_set(o, "num-tasks"))
        n = (long)rf_opt_int(o, "num-tasks");
    else if (slurm_env("SLURM_ARRAY_TASK_COUNT", &n, err))
        return RF_EUSAGE;
    if (n < 1 || n > 1000000)
        return rf_errf(err, RF_EUSAGE, "--num-tasks must be between 1 and 1000000");
    if (t < 0 || t >= n)
        return rf_errf(err, RF_EUSAGE, "--task-index %ld is not in 0..%ld", t, n - 1);
    *task = (uint32_t)t;
    *ntasks = (uint32_t)n;
    return 0;
}

static int params_of(const rf_opts *o, rf_dedup_params *p, rf_err *err)
{
    rf_dedup_params_default(p);
    const char *tf = rf_opt_str(o, "text-field");
    const char *km = rf_opt_str(o, "keep-max");
    if (strlen(tf) >= sizeof p->text_field || (km && strlen(km) >= sizeof p->keep_max) ||
        strchr(tf, '\n') || (km && strchr(km, '\n')))
        return rf_errf(err, RF_EUSAGE, "field name too long");
    strcpy(p->text_field, tf);
    if (km)
        strcpy(p->keep_max, km);
    p->utf8_reject = !strcmp(rf_opt_str(o, "utf8"), "reject");
    p->exact_raw = rf_opt_flag(o, "exact-raw");
    int64_t er = rf_opt_int(o, "exact-ranges"), ng = rf_opt_int(o, "ngram");
    int64_t b = rf_opt_int(o, "bands"), r = rf_opt_int(o, "rows");
    int64_t br = rf_opt_int(o, "bucket-ranges");
    if (er < 1 || er > 65536 || br < 1 || br > 65536)
        return rf_errf(err, RF_EUSAGE, "--exact-ranges and --bucket-ranges: 1 to 65536");
    if (ng < 1 || ng > 64)
        return rf_errf(err, RF_EUSAGE, "--ngram must be between 1 and 64");
    if (b < 1 || r < 1 || b > RF_MINHASH_MAX_HASHES || r > RF_MINHASH_MAX_HASHES ||
        b * r > RF_MINHASH_MAX_HASHES)
        return rf_errf(err, RF_EUSAGE, "--bands x --rows must be between 1 and %d",
                       RF_MINHASH_MAX_HASHES);
    p->exact_ranges = (uint32_t)er;
    p->ngram = (uint32_t)ng;
    p->shingle = !strcmp(rf_opt_str(o, "shingle"), "char") ? RF_SHINGLE_CHAR : RF_SHINGLE_WORD;
    p->bands = (uint32_t)b;
    p->rows = (uint32_t)r;
    p->seed = (uint64_t)rf_opt_int(o, "seed");
    p->bucket_ranges = (uint32_t)br;
    p->shingles = rf_opts_is_set(o, "verify") && rf_opt_float(o, "verify") > 0;
    return 0;
}

/* Steps after the first read the recorded parameters; an option given
 * explicitly must agree with them. */
static int check_explicit(const rf_opts *o, const rf_dedup_work *w, int minhash, rf_err *err)
{
    static const char *const ex[] = {"exact-raw", "exact-ranges", "keep-max", NULL};
    static const char *const mh[] = {"ngram", "shingle", "bands", "rows", "seed",
                                     "bucket-ranges", "keep-max", NULL};
    rf_dedup_params p;
    int rc = params_of(o, &p, err);
    if (rc)
        return rc;
    for (const char *const *k = minhash ? mh : ex; *k; k++) {
        if (!rf_opts_is_set(o, *k))
            continue;
        int same = 1;
        if (!strcmp(*k, "exact-raw")) same = p.exact_raw == w->p.exact_raw;
        else if (!strcmp(*k, "exact-ranges")) same = p.exact_ranges == w->p.exact_ranges;
        else if (!strcmp(*k, "keep-max")) same = !strcmp(p.keep_max, w->p.keep_max);
        else if (!strcmp(*k, "ngram")) same = p.ngram == w->p.ngram;
        else if (!strcmp(*k, "shingle")) same = p.shingle == w->p.shingle;
        else if (!strcmp(*k, "bands")) same = p.bands == w->p.bands;
        else if (!strcmp(*k, "rows")) same = p.rows == w->p.rows;
        else if (!strcmp(*k, "seed")) same = p.seed == w->p.seed;
        else if (!strcmp(*k, "bucket-ranges")) same = p.bucket_ranges == w->p.bucket_ranges;
        if (!same)
            return rf_errf(err, RF_EUSAGE, "--%s differs from what %s/%s/params records", *k,
                           w->dir, minhash ? "minhash" : "exact");
    }
    return 0;
}

/* Positional inputs plus --inputs-from lines. */
static int collect_inputs(const rf_opts *o, char **pos, size_t npos, char ***out, size_t *n,
                          rf_err *err)
{
    *out = NULL;
    *n = 0;
    for (size_t i = 0; i < npos; i++) {
        *out = rf_xrealloc(*out, (*n + 1) * sizeof **out);
        (*out)[(*n)++] = rf_xstrdup(pos[i]);
    }
    const char *from = rf_opt_str(o, "inputs-from");
    if (!from)
        return 0;
    FILE *f = fopen(from, "r");
    if (!f)
        return rf_errf(err, RF_EIO, "%s: cannot open: %s", from, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) > 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = 0;
        if (!len || line[0] == '#')
            continue;
        *out = rf_xrealloc(*out, (*n + 1) * sizeof **out);
        (*out)[(*n)++] = rf_xstrdup(line);
    }
    free(line);
    fclose(f);
    return 0;
}

static int rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* OUT/<input name> must not be the input itself (--out-dir naming the
 * inputs' own directory): the filter would replace the shards it reads, and
 * a requeued task would filter its own output. */
static int check_out_dir(const char *out_dir, char *const *shards, size_t n, rf_err *err)
{
    for (size_t s = 0; s < n; s++) {
        const char *slash = strrchr(shards[s], '/');
        rf_buf p = RF_BUF_INIT;
        rf_buf_addf(&p, "%s/%s", out_dir, slash ? slash + 1 : shards[s]);
        int same = rf_out_same_file(p.p, shards[s]);
        rf_buf_release(&p);
        if (same)
            return rf_errf(err, RF_EUSAGE,
                           "--out-dir %s would overwrite the input %s: choose another directory",
                           out_dir, shards[s]);
    }
    return 0;
}

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The --stats object of a step. */
static int step_stats(const char *path, const char *name, const rf_dedup_step *s, double secs,
                      rf_err *err)
{
    rf_buf b = RF_BUF_INIT;
    rf_buf_adds(&b, "{\"step\":");
    rf_buf_json_str(&b, name, strlen(name));
    rf_buf_addf(&b, ",\"task\":%u,\"num_tasks\":%u,\"units_done\":%llu,\"units_skipped\":%llu,",
                s->task, s->ntasks, (unsigned long long)s->units_done,
                (unsigned long long)s->units_skipped);
    rf_stats_json_members(&s->stats, &b);
    rf_buf_adds(&b, ",\"seconds\":");
    rf_buf_json_num(&b, secs, 6);
    rf_buf_adds(&b, ",\"version\":\"" REFINE_VERSION "\"}\n");
    int rc = rf_cli_write_json(path, b.p, b.len, err);
    rf_buf_release(&b);
    return rc;
}

static void say(int verbosity, const char *step, const rf_dedup_step *s, double secs)
{
    if (verbosity < 2)
        return;
    fprintf(stderr, "refine-dedup: %-18s %6.2f s, %llu units done, %llu already done", step, secs,
            (unsigned long long)s->units_done, (unsigned long long)s->units_skipped);
    for (size_t i = 0; i < s->stats.ncounters; i++)
        fprintf(stderr, "%s%s %llu", i ? ", " : "; ", s->stats.counters[i].name,
                (unsigned long long)s->stats.counters[i].v);
    fputc('\n', stderr);
}

void rf_dedup_step_init(rf_dedup_step *s)
{
    memset(s, 0, sizeof *s);
    s->ntasks = 1;
    s->threads = 1;
    rf_stats_init(&s->stats, "dedup");
}

void rf_dedup_step_release(rf_dedup_step *s)
{
    rf_stats_release(&s->stats);
}

/* All-in-one: keeps the finished step's counters and readies st for the
 * next step. */
static void next_step(rf_dedup_step *agg, rf_dedup_step *st)
{
    rf_stats_merge(&agg->stats, &st->stats);
    rf_dedup_step_release(st);
    rf_stats_init(&st->stats, "dedup");
    st->units_done = st->units_skipped = 0;
}

/* ---- main ---- */

int rf_dedup_main(int argc, char **argv);

int rf_dedup_main(int argc, char **argv)
{
    const char *prog = "refine-dedup";
    rf_err err = {0, ""};
    const char *method = NULL, *stepname = NULL;
    int skip = 0;
    if (argc > 1 && (!strcmp(argv[1], "exact") || !strcmp(argv[1], "minhash"))) {
        method = argv[1];
        skip = 1;
        if (argc > 2 && argv[2][0] != '-') {
            stepname = argv[2];
            skip = 2;
        }
    }
    static const char *const msteps[] = {"signatures", "buckets", "cluster", "filter", NULL};
    static const char *const esteps[] = {"hash", "resolve", "filter", NULL};
    const rf_optspec *tables[2] = {rf_runner_optspecs, dedup_opts};
    rf_opts *o = rf_opts_new(tables, 2);
    char **pos = NULL, **inputs = NULL;
    size_t npos = 0, ninputs = 0;
    rf_dedup_work w;
    int wopen = 0;
    rf_dedup_step st;
    rf_dedup_step_init(&st);
    rf_dedup_step agg; /* all-in-one: counters of every step */
    rf_dedup_step_init(&agg);
    char *workdir = NULL;
    int rc = 0;

    if (stepname) {
        int ok = 0;
        for (const char *const *s = !strcmp(method, "minhash") ? msteps : esteps; *s; s++)
            ok |= !strcmp(*s, stepname);
        if (!ok) {
            rc = rf_errf(&err, RF_EUSAGE, "unknown %s step '%s'", method, stepname);
            goto out;
        }
    }
    /* argv without the method and step words. */
    char **av = rf_xmalloc(((size_t)argc + 1) * sizeof *av);
    av[0] = argv[0];
    for (int i = 1 + skip; i < argc; i++)
        av[i - skip] = argv[i];
    int ac = argc - skip;
    av[ac] = NULL;
    rc = rf_cli_apply_config(ac, av, o, "dedup", &err);
    if (!rc)
        rc = rf_opts_parse_argv(o, ac, av, &pos, &npos, &err);
    free(av);
    if (rc)
        goto out;
    if (rf_opt_flag(o, "help")) {
        usage(method, stepname);
        goto out;
    }
    if (rf_opt_flag(o, "version")) {
        printf("%s %s\n", prog, REFINE_VERSION);
        goto out;
    }
    if (rf_opts_is_set(o, "output") || rf_opts_is_set(o, "rejects")) {
        rc = rf_errf(&err, RF_EUSAGE, "-o/--rejects do not apply: outputs go to --out-dir");
        goto out;
    }
    rf_dedup_params P;
    rc = params_of(o, &P, &err);
    if (rc)
        goto out;
    if (rf_opts_is_set(o, "verify")) {
        double v = rf_opt_float(o, "verify");
        if (!(v > 0 && v <= 1)) {
            rc = rf_errf(&err, RF_EUSAGE, "--verify must be in (0, 1]");
            goto out;
        }
        st.verify = v;
    }
    if (rf_opt_flag(o, "explain")) {
        if (!method || strcmp(method, "minhash") || stepname) {
            rc = rf_errf(&err, RF_EUSAGE, "--explain belongs to `refine-dedup minhash --explain`");
            goto out;
        }
        rf_buf b = RF_BUF_INIT;
        rf_lsh_explain(P.bands, P.rows, &b);
        fputs(b.p, stdout);
        rf_buf_release(&b);
        goto out;
    }
    if (method && !stepname) {
        rc = rf_errf(&err, RF_EUSAGE, "%s needs a step (refine-dedup %s --help lists them)",
                     method, method);
        goto out;
    }
    rc = collect_inputs(o, pos, npos, &inputs, &ninputs, &err);
    if (rc)
        goto out;
    rf_run_config cfg;
    rc = rf_cli_run_config(o, prog, NULL, 0, &cfg, &err);
    if (rc)
        goto out;
    st.run = &cfg;
    st.threads = cfg.threads;
    st.force = rf_opt_flag(o, "force");
    st.verbosity = cfg.verbosity;
    st.pairs_out = rf_opt_str(o, "pairs-out");
    rc = task_of(o, &st.task, &st.ntasks, &err);
    if (rc)
        goto out;
    const char *out_dir = rf_opt_str(o, "out-dir");
    const char *stats_path = rf_opt_str(o, "stats");
    /* An empty name would put every output under "/". */
    if ((out_dir && !out_dir[0]) || (rf_opt_str(o, "work-dir") && !rf_opt_str(o, "work-dir")[0])) {
        rc = rf_errf(&err, RF_EUSAGE, "--out-dir and --work-dir need a directory name");
        goto out;
    }
    rf_io_install_signal_cleanup();
    double t0 = now_sec();

    if (!method) {
        /* ---- all-in-one ---- */
        if (!out_dir) {
            rc = rf_errf(&err, RF_EUSAGE, "missing --out-dir DIR");
            goto out;
        }
        if (!ninputs) {
            rc = rf_errf(&err, RF_EUSAGE, "no INPUT files");
            goto out;
        }
        if (rf_opts_is_set(o, "task-index") || rf_opts_is_set(o, "num-tasks")) {
            rc = rf_errf(&err, RF_EUSAGE, "--task-index/--num-tasks belong to the step "
                                          "subcommands; the all-in-one run does every unit");
            goto out;
        }
        st.task = 0;
        st.ntasks = 1;
        st.quiet_scan = 1;
        int ex = rf_opt_flag(o, "exact"), mh = rf_opt_flag(o, "minhash");
        if (!ex && !mh)
            ex = mh = 1;
        if (!mh && (st.verify > 0 || st.pairs_out)) {
            rc = rf_errf(&err, RF_EUSAGE, "--verify and --pairs-out need --minhash");
            goto out;
        }
        rc = check_out_dir(out_dir, inputs, ninputs, &err);
        if (rc)
            goto out;
        const char *wd = rf_opt_str(o, "work-dir");
        rf_buf b = RF_BUF_INIT;
        if (wd)
            rf_buf_adds(&b, wd);
        else
            rf_buf_addf(&b, "%s/.dedup-work", out_dir);
        workdir = rf_buf_detach(&b, NULL);
        rc = rf_dedup_work_open(&w, workdir, inputs, ninputs, &err);
        if (rc)
            goto out;
        wopen = 1;
        if (ex)
            rc = rf_dedup_work_params(&w, &P, 0, 1, &err);
        if (!rc && mh)
            rc = rf_dedup_work_params(&w, &P, 1, 1, &err);
        if (rc)
            goto out;
        double t = now_sec();
        rc = rf_dedup_scan(&w, ex, mh, &st, &err);
        say(cfg.verbosity, "scan", &st, now_sec() - t);
        if (!rc && ex) {
            next_step(&agg, &st);
            t = now_sec();
            rc = rf_dedup_resolve(&w, &st, &err);
            say(cfg.verbosity, "exact resolve", &st, now_sec() - t);
        }
        if (!rc && mh) {
            next_step(&agg, &st);
            t = now_sec();
            rc = rf_dedup_buckets(&w, &st, &err);
            say(cfg.verbosity, "minhash buckets", &st, now_sec() - t);
            if (!rc) {
                next_step(&agg, &st);
                t = now_sec();
                rc = rf_dedup_cluster(&w, &st, &err);
                say(cfg.verbosity, "minhash cluster", &st, now_sec() - t);
            }
        }
        if (rc)
            goto out;
        next_step(&agg, &st);
        rf_dedup_filter_opts fo = {out_dir, rf_opt_flag(o, "annotate"), ex, mh, ex, mh};
        t = now_sec();
        rc = rf_dedup_filter(&w, &fo, &st, &err);
        say(cfg.verbosity, "filter", &st, now_sec() - t);
        if (rc)
            goto out;
        /* Scan-time counters (short documents, ...) describe the input; the
         * filter's own ones come from the per-shard stats files. */
        rf_stats keep;
        rf_stats_init(&keep, "dedup");
        for (size_t i = 0; i < agg.stats.ncounters; i++)
            if (strcmp(agg.stats.counters[i].name, "utf8_repaired"))
                rf_stats_count(&keep, agg.stats.counters[i].name, agg.stats.counters[i].v);
        int complete;
        rc = rf_dedup_merge_stats(&w, out_dir, &keep, &complete, &err);
        rf_stats_release(&keep);
        if (!rc && stats_path) {
            char *sj = rf_dedup_path(&(rf_dedup_work){.dir = (char *)out_dir}, "stats.json");
            unsigned char *data;
            size_t n;
            rc = rf_dedup_read_file(sj, &data, &n, &err);
            if (!rc) {
                rc = rf_cli_write_json(stats_path, (const char *)data, n, &err);
                free(data);
            }
            free(sj);
        }
        if (!rc && !rf_opt_flag(o, "keep-work") && !wd) {
            nftw(workdir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
        }
        if (!rc && cfg.verbosity >= 2)
            fprintf(stderr, "refine-dedup: done in %.2f s\n", now_sec() - t0);
        goto out;
    }

    /* ---- one step ---- */
    const char *wd = rf_opt_str(o, "work-dir");
    if (!wd) {
        rc = rf_errf(&err, RF_EUSAGE, "missing --work-dir DIR");
        goto out;
    }
    int is_min = !strcmp(method, "minhash");
    int first = !strcmp(stepname, "hash") || !strcmp(stepname, "signatures");
    int filter = !strcmp(stepname, "filter");
    if (first && !ninputs) {
        char *lst = rf_dedup_path(&(rf_dedup_work){.dir = (char *)wd}, "shards.txt");
        int have = rf_dedup_exists(lst);
        free(lst);
        if (!have) {
            rc = rf_errf(&err, RF_EUSAGE, "no INPUT files (the first step needs the shards)");
            goto out;
        }
    }
    rc = rf_dedup_work_open(&w, wd, ninputs ? inputs : NULL, ninputs, &err);
    if (rc)
        goto out;
    wopen = 1;
    if (first) {
        rc = rf_dedup_work_params(&w, &P, is_min, 1, &err);
        if (!rc)
            rc = rf_dedup_scan(&w, !is_min, is_min, &st, &err);
    } else if (filter) {
        if (!out_dir) {
            rc = rf_errf(&err, RF_EUSAGE, "missing --out-dir DIR");
            goto out;
        }
        rc = check_out_dir(out_dir, w.shards, w.nshards, &err);
        if (rc)
            goto out;
        if (w.has_exact)
            rc = rf_dedup_work_load_params(&w, 0, &err);
        if (!rc && w.has_minhash)
            rc = rf_dedup_work_load_params(&w, 1, &err);
        if (!rc)
            rc = check_explicit(o, &w, is_min, &err);
        rf_dedup_filter_opts fo = {out_dir, rf_opt_flag(o, "annotate"), 1, 1, !is_min, is_min};
        if (!rc && (is_min ? !w.has_minhash : !w.has_exact))
            rc = rf_errf(&err, RF_EUSAGE, "%s: no %s results", wd, method);
        if (!rc)
            rc = rf_dedup_filter(&w, &fo, &st, &err);
        int complete = 0;
        if (!rc)
            rc = rf_dedup_merge_stats(&w, out_dir, NULL, &complete, &err);
    } else {
        rc = rf_dedup_work_load_params(&w, is_min, &err);
        if (!rc)
            rc = check_explicit(o, &w, is_min, &err);
        if (!rc && !strcmp(stepname, "resolve"))
            rc = rf_dedup_resolve(&w, &st, &err);
        else if (!rc && !strcmp(stepname, "buckets"))
            rc = rf_dedup_buckets(&w, &st, &err);
        else if (!rc && !strcmp(stepname, "cluster"))
            rc = rf_dedup_cluster(&w, &st, &err);
    }
    if (rc)
        goto out;
    char name[64];
    snprintf(name, sizeof name, "%s %s", method, stepname);
    say(cfg.verbosity, name, &st, now_sec() - t0);
    if (stats_path)
        rc = step_stats(stats_path, name, &st, now_sec() - t0, &err);

out:
    if (rc)
        rf_cli_error(prog, &err);
    if (wopen)
        rf_dedup_work_release(&w);
    rf_dedup_step_release(&st);
    rf_dedup_step_release(&agg);
    for (size_t i = 0; i < ninputs; i++)
        free(inputs[i]);
    free(inputs);
    free(workdir);
    free(pos);
    rf_opts_free(o);
    return rf_exit_code(rc);
}
