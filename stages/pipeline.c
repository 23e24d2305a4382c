/* pipeline.c — loading pipeline files into an initialised chain of stages
 * and the `refine run` command: the same runner as the standalone tools, with
 * per-stage statistics in one --stats object and a per-stage summary. */
#define _POSIX_C_SOURCE 200809L
#include "stages/pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stages/buf.h"
#include "stages/cli.h"
#include "stages/io.h"

static const rf_optspec run_optspecs[] = {
    {"set", 0, RF_OPT_LIST, NULL, "STAGE.KEY=VALUE",
     "override a key of a stage section of the pipeline", NULL},
    RF_OPTSPEC_END,
};

/* Here rather than in stage.c: only the umbrella links a registry. */
const rf_stage_desc *rf_stage_lookup(const char *name)
{
    for (size_t i = 0; rf_stage_registry[i]; i++)
        if (!strcmp(rf_stage_registry[i]->name, name))
            return rf_stage_registry[i];
    return NULL;
}

int rf_pipeline_load(rf_pipeline *p, const char *path, rf_opts *runner_opts,
                     const char *const *sets, size_t nsets, rf_err *err)
{
    memset(p, 0, sizeof *p);
    int rc = rf_conf_load(&p->conf, path, err);
    if (rc)
        return rc;
    size_t nsec = 0;
    for (size_t s = 0; s < p->conf.nsec; s++)
        if (p->conf.sec[s].name[0])
            nsec++;
    if (nsec == 0) {
        rc = rf_errf(err, RF_EUSAGE, "%s: no [stage] sections", path);
        goto fail;
    }
    /* One spare NULL slot ends the opts and labels lists for release. */
    p->stages = rf_xcalloc(nsec, sizeof *p->stages);
    p->opts = rf_xcalloc(nsec + 1, sizeof *p->opts);
    p->labels = rf_xcalloc(nsec + 1, sizeof *p->labels);
    for (size_t s = 0; s < p->conf.nsec; s++) {
        const rf_conf_section *sec = &p->conf.sec[s];
        if (!sec->name[0]) {
            if (runner_opts) {
                rc = rf_conf_apply(&p->conf, sec, runner_opts, 0, err);
                if (rc)
                    goto fail;
            }
            continue;
        }
        const rf_stage_desc *d = rf_stage_lookup(sec->name);
        if (!d) {
            rc = rf_errf(err, RF_EUSAGE, "%s:%d: unknown stage [%s] (refine list shows them)",
                         path, sec->line, sec->name);
            goto fail;
        }
        /* A repeated stage gets a numbered label so stats stay apart. */
        size_t same = 0;
        for (size_t k = 0; k < p->n; k++)
            if (p->stages[k].desc == d)
                same++;
        rf_buf lb = RF_BUF_INIT;
        if (same)
            rf_buf_addf(&lb, "%s.%zu", d->name, same + 1);
        else
            rf_buf_adds(&lb, d->name);
        p->labels[p->n] = rf_buf_detach(&lb, NULL);
        const rf_optspec *tables[1] = {d->opts};
        rf_opts *o = rf_opts_new(tables, d->opts ? 1 : 0);
        p->opts[p->n] = o;
        rc = rf_conf_apply(&p->conf, sec, o, 0, err);
        for (size_t k = 0; !rc && k < nsets; k++) {
            const char *dot = strchr(sets[k], '.');
            const char *eq = strchr(sets[k], '=');
            if (!dot || !eq || eq < dot) {
                rc = rf_errf(err, RF_EUSAGE, "--set %s: expected STAGE.KEY=VALUE", sets[k]);
                break;
            }
            size_t sl = (size_t)(dot - sets[k]);
            if (sl != strlen(p->labels[p->n]) || memcmp(sets[k], p->labels[p->n], sl))
                continue;
            char *key = rf_xstrndup(dot + 1, (size_t)(eq - dot - 1));
            rc = rf_opts_set(o, key, eq + 1, "--set", err);
            free(key);
        }
        if (rc)
            goto fail;
        rc = rf_stage_init(&p->stages[p->n], d, o, err);
        if (rc) {
            rf_err_prefix(err, "%s:%d: [%s]", path, sec->line, sec->name);
            goto fail;
        }
        p->stages[p->n].label = p->labels[p->n];
        p->stages[p->n].stats.stage = p->labels[p->n];
        p->n++;
    }
    /* A --set naming no stage of this pipeline is a typo. */
    for (size_t k = 0; k < nsets; k++) {
        const char *dot = strchr(sets[k], '.');
        size_t sl = dot ? (size_t)(dot - sets[k]) : strlen(sets[k]);
        int found = 0;
        for (size_t s = 0; s < p->n; s++)
            if (strlen(p->labels[s]) == sl && !memcmp(sets[k], p->labels[s], sl))
                found = 1;
        if (!found) {
            rc = rf_errf(err, RF_EUSAGE, "--set %s: the pipeline has no stage '%.*s'", sets[k],
                         (int)sl, sets[k]);
            goto fail;
        }
    }
    return 0;
fail:
    rf_pipeline_release(p);
    return rc;
}

void rf_pipeline_release(rf_pipeline *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        rf_stage_release(&p->stages[i]);
    /* Options of a stage whose init failed were allocated too. */
    for (size_t i = 0; p->opts && p->opts[i]; i++)
        rf_opts_free(p->opts[i]);
    for (size_t i = 0; p->labels && p->labels[i]; i++)
        free(p->labels[i]);
    free(p->stages);
    free(p->opts);
    free(p->labels);
    rf_conf_release(&p->conf);
    memset(p, 0, sizeof *p);
}

static void run_usage(void)
{
    char tmp[16384];
    printf("Usage: refine run PIPELINE [OPTIONS] [INPUT...]\n"
           "Run the stages of a pipeline file chained in one process.\n\n"
           "PIPELINE lists stages as [name] sections in order; a section's keys are that\n"
           "stage's options (see refine-<name> --help); keys before the first section are\n"
           "common options. Example:\n\n"
           "  threads = 2\n  [cat]\n  [sample]\n  fraction = 0.5\n\n"
           "Statistics (--stats) hold one object per stage under \"stages\".\n\n"
           "run options:\n");
    rf_opts_help(run_optspecs, tmp, sizeof tmp, NULL);
    fputs(tmp, stdout);
    printf("\nCommon options:\n");
    rf_opts_help(rf_runner_optspecs, tmp, sizeof tmp, NULL);
    fputs(tmp, stdout);
}

int rf_pipeline_main(int argc, char **argv)
{
    const char *prog = "refine run";
    rf_err err = {0, ""};
    const rf_optspec *tables[2] = {rf_runner_optspecs, run_optspecs};
    /* Precedence: defaults < --config < the pipeline's runner keys < argv.
     * argv is read first into `cli` (for --help, the pipeline path and
     * --set), then applied again on top of the files into `o`. */
    rf_opts *cli = rf_opts_new(tables, 2);
    rf_opts *o = rf_opts_new(tables, 2);
    char **pos = NULL;
    size_t npos = 0;
    rf_pipeline p;
    int loaded = 0;
    rf_buf sj = RF_BUF_INIT;
    int rc = rf_opts_parse_argv(cli, argc, argv, &pos, &npos, &err);
    if (rc)
        goto out;
    if (rf_opt_flag(cli, "help")) {
        run_usage();
        goto out;
    }
    if (rf_opt_flag(cli, "version")) {
        printf("refine %s\n", REFINE_VERSION);
        goto out;
    }
    if (npos < 1) {
        rc = rf_errf(&err, RF_EUSAGE, "missing PIPELINE file");
        goto out;
    }
    rc = rf_cli_apply_config(argc, argv, o, NULL, &err);
    if (rc)
        goto out;
    const char *const *sets = NULL;
    size_t nsets = rf_opt_list(cli, "set", &sets);
    rc = rf_pipeline_load(&p, pos[0], o, sets, nsets, &err);
    if (rc)
        goto out;
    loaded = 1;
    free(pos);
    pos = NULL;
    rc = rf_opts_parse_argv(o, argc, argv, &pos, &npos, &err);
    if (rc)
        goto out;

    rf_run_config cfg;
    rc = rf_cli_run_config(o, prog, pos + 1, npos - 1, &cfg, &err);
    if (rc)
        goto out;
    rf_io_install_signal_cleanup();
    rf_run_result res;
    rc = rf_run(p.stages, p.n, &cfg, &res, &err);
    if (rc)
        goto out;

    const char *stats_path = rf_opt_str(o, "stats");
    if (stats_path) {
        rf_buf_adds(&sj, "{\"pipeline\":");
        rf_buf_json_str(&sj, pos[0], strlen(pos[0]));
        rf_buf_adds(&sj, ",\"docs_in\":");
        rf_buf_json_uint(&sj, res.docs_in);
        rf_buf_adds(&sj, ",\"docs_out\":");
        rf_buf_json_uint(&sj, res.docs_out);
        rf_buf_adds(&sj, ",\"docs_rejected\":");
        rf_buf_json_uint(&sj, res.docs_rejected);
        rf_buf_adds(&sj, ",\"malformed\":");
        rf_buf_json_uint(&sj, res.malformed);
        rf_cli_run_json_members(&sj, &res, cfg.threads);
        rf_buf_adds(&sj, ",\"stages\":[");
        for (size_t s = 0; s < p.n; s++) {
            if (s)
                rf_buf_addc(&sj, ',');
            rf_buf_addc(&sj, '{');
            rf_stats_json_members(&p.stages[s].stats, &sj);
            rf_buf_addc(&sj, '}');
        }
        rf_buf_adds(&sj, "]}\n");
        rc = rf_cli_write_json(stats_path, sj.p, sj.len, &err);
        if (rc)
            goto out;
    }
    if (cfg.verbosity > 0) {
        fprintf(stderr, "refine run %s: %llu docs in, %llu out, %llu rejected, %.2f s (%.1f MB/s)\n",
                pos[0], (unsigned long long)res.docs_in, (unsigned long long)res.docs_out,
                (unsigned long long)res.docs_rejected, res.seconds,
                res.seconds > 0 ? (double)res.input_bytes / 1e6 / res.seconds : 0.0);
        for (size_t s = 0; s < p.n; s++)
            rf_cli_print_stage_summary(stderr, &p.stages[s], 0);
    }
out:
    if (rc)
        rf_cli_error(prog, &err);
    if (loaded)
        rf_pipeline_release(&p);
    rf_buf_release(&sj);
    free(pos);
    rf_opts_free(o);
    rf_opts_free(cli);
    return rf_exit_code(rc);
}
