/* cli.c — the command-line front end shared by every executable: the runner
 * option table, --config handling (defaults < config file < command line),
 * --help/--version, the run itself, the --stats JSON object, the summary
 * line and the mapping of errors to exit codes (0 ok, 1 error, 2 usage,
 * 3 too much bad input). */
#define _POSIX_C_SOURCE 200809L
#include "stages/cli.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stages/buf.h"
#include "stages/io.h"

const rf_optspec rf_runner_optspecs[] = {
    {"output", 'o', RF_OPT_STR, "-", "FILE",
     "output file, '-' = stdout; a .zst name is zstd-compressed", NULL},
    {"rejects", 0, RF_OPT_STR, NULL, "FILE",
     "write rejected and malformed records here (else they are only counted)", NULL},
    {"stats", 0, RF_OPT_STR, NULL, "FILE", "write run statistics as one JSON object", NULL},
    {"config", 0, RF_OPT_STR, NULL, "FILE",
     "read options from FILE: 'key = value' lines, stage keys in a [stage] section", NULL},
    {"threads", 't', RF_OPT_INT, "0", "N", "worker threads, 0 = one per CPU", NULL},
    {"text-field", 0, RF_OPT_STR, "text", "NAME", "JSON field holding the document text", NULL},
    {"id-field", 0, RF_OPT_STR, "id", "NAME", "JSON field holding the document id", NULL},
    {"utf8", 0, RF_OPT_ENUM, "repair", "MODE",
     "ill-formed UTF-8: replace with U+FFFD and count, or reject the record", "repair|reject"},
    {"max-doc-bytes", 0, RF_OPT_SIZE, "64M", "SIZE",
     "longer input lines are rejected (reason oversized)", NULL},
    {"max-bad", 0, RF_OPT_INT, "-1", "N",
     "stop with exit code 3 after more than N malformed records, -1 = no limit", NULL},
    {"batch-docs", 0, RF_OPT_INT, "1024", "N", "documents per batch", NULL},
    {"batch-bytes", 0, RF_OPT_SIZE, "1M", "SIZE", "input bytes per batch", NULL},
    {"compress", 0, RF_OPT_ENUM, "auto", "MODE",
     "output compression; auto = zstd when the name ends in .zst", "auto|none|zstd"},
    {"zstd-level", 0, RF_OPT_INT, "3", "N", "zstd compression level (1-19)", NULL},
    {"zstd-threads", 0, RF_OPT_INT, "1", "N",
     "zstd compression worker threads, 0 = compress in the writer thread", NULL},
    {"progress", 0, RF_OPT_ENUM, "auto", "WHEN",
     "progress line on stderr; auto = when stderr is a terminal", "auto|always|never"},
    {"quiet", 'q', RF_OPT_FLAG, "false", NULL, "print errors only", NULL},
    {"verbose", 'v', RF_OPT_FLAG, "false", NULL, "print a summary and every warning", NULL},
    {"help", 'h', RF_OPT_FLAG, "false", NULL, "show this help and exit", NULL},
    {"version", 'V', RF_OPT_FLAG, "false", NULL, "show the version and exit", NULL},
    RF_OPTSPEC_END,
};

void rf_cli_error(const char *prog, const rf_err *err)
{
    fprintf(stderr, "%s: error: %s\n", prog, err->msg[0] ? err->msg : "unknown error");
    if (err->code == RF_EUSAGE)
        fprintf(stderr, "Try '%s --help' for more information.\n", prog);
}

static const char *find_config(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--"))
            break;
        if (!strcmp(argv[i], "--config") && i + 1 < argc)
            return argv[i + 1];
        if (!strncmp(argv[i], "--config=", 9))
            return argv[i] + 9;
    }
    return NULL;
}

int rf_cli_apply_config(int argc, char **argv, rf_opts *o, const char *section, rf_err *err)
{
    const char *path = find_config(argc, argv);
    if (!path)
        return 0;
    rf_conf conf;
    int rc = rf_conf_load(&conf, path, err);
    if (rc)
        return rc;
    for (size_t s = 0; s < conf.nsec && !rc; s++) {
        const char *name = conf.sec[s].name;
        if (!name[0] || (section && !strcmp(name, section)))
            rc = rf_conf_apply(&conf, &conf.sec[s], o, 0, err);
    }
    rf_conf_release(&conf);
    return rc;
}

void rf_cli_run_json_members(rf_buf *b, const rf_run_result *res, int threads)
{
    rf_buf_adds(b, ",\"input_bytes\":");
    rf_buf_json_uint(b, res->input_bytes);
    rf_buf_adds(b, ",\"output_bytes\":");
    rf_buf_json_uint(b, res->output_bytes);
    rf_buf_adds(b, ",\"seconds\":");
    rf_buf_json_num(b, res->seconds, 6);
    rf_buf_adds(b, ",\"threads\":");
    rf_buf_json_int(b, threads);
    rf_buf_adds(b, ",\"version\":\"" REFINE_VERSION "\"");
}

int rf_cli_write_json(const char *path, const char *json, size_t n, rf_err *err)
{
    rf_outopts oo = {RF_COMPRESS_NONE, 3, 0};
    rf_out *o;
    int rc = rf_out_open(&o, path, &oo, err);
    if (rc)
        return rc;
    rc = rf_out_write(o, json, n, err);
    if (rc) {
        rf_out_abort(o);
        return rc;
    }
    return rf_out_commit(o, err);
}

static long online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? n : 1;
}

int rf_cli_run_config(const rf_opts *o, const char *prog, char **inputs, size_t ninputs,
                      rf_run_config *cfg, rf_err *err)
{
    static const char *const stdin_only[] = {"-"};
    rf_run_config_defaults(cfg);
    cfg->prog = prog;
    cfg->inputs = ninputs ? (const char *const *)inputs : stdin_only;
    cfg->ninputs = ninputs ? ninputs : 1;
    cfg->output = rf_opt_str(o, "output");
    cfg->rejects = rf_opt_str(o, "rejects");
    int64_t th = rf_opt_int(o, "threads");
    if (th < 0 || th > 1024)
        return rf_errf(err, RF_EUSAGE, "--threads must be between 0 and 1024");
    cfg->threads = th ? (int)th : (int)online_cpus();
    cfg->fmt.text_field = rf_opt_str(o, "text-field");
    cfg->fmt.id_field = rf_opt_str(o, "id-field");
    if (!cfg->fmt.text_field[0] || !cfg->fmt.id_field[0])
        return rf_errf(err, RF_EUSAGE, "--text-field and --id-field need a name");
    cfg->fmt.utf8 = strcmp(rf_opt_str(o, "utf8"), "reject") == 0 ? RF_UTF8_REJECT : RF_UTF8_REPAIR;
    cfg->max_doc_bytes = rf_opt_size(o, "max-doc-bytes");
    if (cfg->max_doc_bytes < 2)
        return rf_errf(err, RF_EUSAGE, "--max-doc-bytes is too small");
    cfg->max_bad = rf_opt_int(o, "max-bad");
    int64_t bd = rf_opt_int(o, "batch-docs");
    if (bd < 1 || bd > (1 << 24))
        return rf_errf(err, RF_EUSAGE, "--batch-docs must be between 1 and 16777216");
    cfg->batch_docs = (size_t)bd;
    cfg->batch_bytes = rf_opt_size(o, "batch-bytes");
    if (cfg->batch_bytes < 1)
        cfg->batch_bytes = 1;
    const char *comp = rf_opt_str(o, "compress");
    cfg->outopts.compress = !strcmp(comp, "zstd")   ? RF_COMPRESS_ZSTD
                            : !strcmp(comp, "none") ? RF_COMPRESS_NONE
                                                    : RF_COMPRESS_AUTO;
    int64_t lvl = rf_opt_int(o, "zstd-level");
    if (lvl < 1 || lvl > 22)
        return rf_errf(err, RF_EUSAGE, "--zstd-level must be between 1 and 22");
    cfg->outopts.level = (int)lvl;
    int64_t zt = rf_opt_int(o, "zstd-threads");
    if (zt < 0 || zt > 256)
        return rf_errf(err, RF_EUSAGE, "--zstd-threads must be between 0 and 256");
    cfg->outopts.threads = (int)zt;
    cfg->verbosity = rf_opt_flag(o, "quiet") ? 0 : rf_opt_flag(o, "verbose") ? 2 : 1;
    const char *pr = rf_opt_str(o, "progress");
    cfg->progress = !strcmp(pr, "always") ||
                    (!strcmp(pr, "auto") && cfg->verbosity > 0 && isatty(STDERR_FILENO));
    if (cfg->rejects && !strcmp(cfg->rejects, "-") && !strcmp(cfg->output, "-"))
        return rf_errf(err, RF_EUSAGE, "output and rejects cannot both go to stdout");
    /* Two outputs on one file would share a temporary name or rename over
     * each other: documents would be lost while the run looks fine. */
    const char *stats = rf_opt_str(o, "stats");
    if (rf_out_same_file(cfg->output, cfg->rejects))
        return rf_errf(err, RF_EUSAGE, "-o and --rejects name the same file (%s)", cfg->rejects);
    if (rf_out_same_file(cfg->output, stats))
        return rf_errf(err, RF_EUSAGE, "-o and --stats name the same file (%s)", stats);
    if (rf_out_same_file(cfg->rejects, stats))
        return rf_errf(err, RF_EUSAGE, "--rejects and --stats name the same file (%s)", stats);
    /* The stats file is written after the outputs are committed: find out
     * now, before anything is read, that it cannot be created. */
    if (stats && strcmp(stats, "-") != 0) {
        rf_outopts plain = {RF_COMPRESS_NONE, 3, 0};
        rf_out *probe;
        int rc = rf_out_open(&probe, stats, &plain, err);
        if (rc)
            return rf_err_prefix(err, "--stats");
        rf_out_abort(probe);
    }
    return 0;
}

void rf_cli_print_stage_summary(FILE *f, const rf_stage *st, double seconds)
{
    const rf_stats *s = &st->stats;
    fprintf(f, "  %-12s in %10llu  out %10llu  rejected %9llu", st->label,
            (unsigned long long)s->docs_in, (unsigned long long)s->docs_out,
            (unsigned long long)s->docs_rejected);
    if (seconds > 0)
        fprintf(f, "  %7.1f MB/s", (double)s->bytes_in / 1e6 / seconds);
    for (size_t i = 0; i < s->nreasons; i++)
        fprintf(f, "%s%s %llu", i ? ", " : "  (", s->reasons[i].name,
                (unsigned long long)s->reasons[i].v);
    if (s->nreasons)
        fputc(')', f);
    fputc('\n', f);
}

static void usage(const rf_stage_desc *desc, const char *prog)
{
    char tmp[16384];
    printf("Usage: %s [OPTIONS] [INPUT...]\n", prog);
    printf("%s\n\n", desc->summary);
    printf("Reads JSON Lines documents from the INPUTs (plain, .gz, .zst, .xz, .bz2, or tar\n"
           "archives of those; '-' or none = stdin) and writes JSON Lines to stdout or -o.\n");
    if (desc->usage)
        printf("\n%s\n", desc->usage);
    if (desc->opts && desc->opts[0].name) {
        printf("\n%s options:\n", desc->name);
        rf_opts_help(desc->opts, tmp, sizeof tmp, NULL);
        fputs(tmp, stdout);
    }
    printf("\nCommon options:\n");
    rf_opts_help(rf_runner_optspecs, tmp, sizeof tmp, NULL);
    fputs(tmp, stdout);
    printf("\nExit status: 0 ok, 1 error, 2 usage error, 3 more malformed input than --max-bad.\n");
}

/* The --stats object of a standalone run. */
static void stats_json(rf_buf *b, const rf_stage *st, const rf_run_config *cfg,
                       const rf_run_result *res)
{
    rf_buf_addc(b, '{');
    rf_stats_json_members(&st->stats, b);
    rf_cli_run_json_members(b, res, cfg->threads);
    rf_buf_adds(b, "}\n");
}

int rf_cli_main(const rf_stage_desc *desc, int argc, char **argv)
{
    char prog[128];
    snprintf(prog, sizeof prog, "refine-%s", desc->name);
    rf_err err = {0, ""};
    const rf_optspec *tables[2] = {rf_runner_optspecs, desc->opts};
    rf_opts *o = rf_opts_new(tables, desc->opts ? 2 : 1);
    char **pos = NULL;
    size_t npos = 0;
    rf_stage st;
    int stage_ok = 0;
    rf_buf sj = RF_BUF_INIT;
    int rc = 0;

    rc = rf_cli_apply_config(argc, argv, o, desc->name, &err);
    if (rc)
        goto out;
    rc = rf_opts_parse_argv(o, argc, argv, &pos, &npos, &err);
    if (rc)
        goto out;
    if (rf_opt_flag(o, "help")) {
        usage(desc, prog);
        goto out;
    }
    if (rf_opt_flag(o, "version")) {
        printf("%s %s\n", prog, REFINE_VERSION);
        goto out;
    }
    rf_run_config cfg;
    rc = rf_cli_run_config(o, prog, pos, npos, &cfg, &err);
    if (rc)
        goto out;
    rc = rf_stage_init(&st, desc, o, &err);
    if (rc)
        goto out;
    stage_ok = 1;
    rf_io_install_signal_cleanup();
    rf_run_result res;
    rc = rf_run(&st, 1, &cfg, &res, &err);
    if (rc)
        goto out;
    const char *stats_path = rf_opt_str(o, "stats");
    if (stats_path) {
        stats_json(&sj, &st, &cfg, &res);
        rc = rf_cli_write_json(stats_path, sj.p, sj.len, &err);
        if (rc)
            goto out;
    }
    if (cfg.verbosity >= 2) {
        fprintf(stderr, "%s: %.2f s, %.1f MB/s in, %llu malformed\n", prog, res.seconds,
                res.seconds > 0 ? (double)res.input_bytes / 1e6 / res.seconds : 0.0,
                (unsigned long long)res.malformed);
        rf_cli_print_stage_summary(stderr, &st, res.seconds);
    }
out:
    if (rc)
        rf_cli_error(prog, &err);
    if (stage_ok)
        rf_stage_release(&st);
    rf_buf_release(&sj);
    free(pos);
    rf_opts_free(o);
    return rf_exit_code(rc);
}
