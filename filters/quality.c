/* quality.c — stage 4, `refine-quality`: fastText classifiers over documents.
 *
 * As a stage it runs one or more fastText models over every document's text
 * (the text as fastText's command line would see it on one line) and writes
 * `refine.<name>`: the probability of --label, or the top-k labels as an
 * object; --min-score / --max-score turn that probability into a verdict.
 * The tool also has subcommands that stand in for the fastText command line
 * without Python or C++: `predict` (the output format of `fasttext
 * predict-prob`, byte for byte), `test` (fastText's N / P@k / R@k), `train`
 * (a supervised model in fastText's .bin format, from JSONL with a label
 * field, from positive/negative JSONL files, or from fastText's own
 * "__label__x text" lines) and `info`. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filters/fasttext.h"
#include "filters/lines.h"
#include "stages/cli.h"
#include "stages/io.h"
#include "stages/json.h"
#include "stages/stage.h"
#include "stages/utf8.h"

#define LABEL_PREFIX "__label__"
#define LABEL_PREFIX_LEN 9

/* ---- helpers shared by the subcommands ---- */

/* A JSON value as a label token: "__label__" + the string (whitespace turned
 * into '_', since fastText's labels are single tokens) or the raw number /
 * true / false. Returns 0, or -1 for null, objects and arrays. */
static int label_token(const char *raw, size_t n, int type, rf_buf *out)
{
    rf_buf_reset(out);
    rf_buf_add(out, LABEL_PREFIX, LABEL_PREFIX_LEN);
    if (type == RF_JSON_STRING) {
        size_t start = out->len;
        rf_buf_grow(out, n);
        size_t k = rf_json_unescape(raw + 1, n - 2, out->p + out->len);
        rf_buf_setlen(out, out->len + k);
        /* A value that already carries the prefix is not prefixed twice. */
        if (k >= LABEL_PREFIX_LEN && !memcmp(out->p + start, LABEL_PREFIX, LABEL_PREFIX_LEN)) {
            memmove(out->p, out->p + start, k);
            rf_buf_setlen(out, k);
        }
        for (size_t i = 0; i < out->len; i++)
            if (out->p[i] == ' ' || out->p[i] == '\t' || out->p[i] == '\n' || out->p[i] == '\r' ||
                out->p[i] == '\v' || out->p[i] == '\f' || out->p[i] == '\0')
                out->p[i] = '_';
        return out->len > LABEL_PREFIX_LEN ? 0 : -1;
    }
    if (type == RF_JSON_NUMBER || type == RF_JSON_TRUE || type == RF_JSON_FALSE) {
        rf_buf_add(out, raw, n);
        return 0;
    }
    return -1;
}

static void print_sub_help(const char *prog, const char *sub, const char *synopsis,
                           const char *text, const rf_optspec *specs)
{
    char tmp[16384];
    printf("Usage: %s %s %s\n%s\n\nOptions:\n", prog, sub, synopsis, text);
    rf_opts_help(specs, tmp, sizeof tmp, NULL);
    fputs(tmp, stdout);
}

static const rf_optspec common_sub_opts[] = {
    {"quiet", 'q', RF_OPT_FLAG, "false", NULL, "print errors only", NULL},
    {"help", 'h', RF_OPT_FLAG, "false", NULL, "show this help and exit", NULL},
    {"version", 'V', RF_OPT_FLAG, "false", NULL, "show the version and exit", NULL},
    RF_OPTSPEC_END,
};

/* Parses a subcommand's options (its table plus the common ones) and
 * answers --help / --version. Returns 1 when it has answered them, 0 to go
 * on, or an error. */
static int sub_start(int argc, char **argv, const char *prog, const char *sub,
                     const char *synopsis, const char *text, const rf_optspec *specs, rf_opts **o,
                     char ***pos, size_t *npos, rf_err *err)
{
    const rf_optspec *tables[2] = {common_sub_opts, specs};
    *o = rf_opts_new(tables, 2);
    int rc = rf_opts_parse_argv(*o, argc, argv, pos, npos, err);
    if (rc)
        return rc;
    if (rf_opt_flag(*o, "help")) {
        print_sub_help(prog, sub, synopsis, text, specs);
        return 1;
    }
    if (rf_opt_flag(*o, "version")) {
        printf("%s %s\n", prog, REFINE_VERSION);
        return 1;
    }
    return 0;
}

/* JSONL input of the test and train subcommands: one document per line;
 * malformed lines are counted and the first ten reported. */
typedef struct doc_in {
    rf_docfmt fmt;
    rf_arena arena;
    uint64_t bad;
    int verbose;
    const char *prog;
} doc_in;

static void doc_in_init(doc_in *r, const rf_opts *o, const char *prog)
{
    r->fmt.text_field = rf_opt_str(o, "text-field");
    r->fmt.id_field = "id";
    r->fmt.utf8 = RF_UTF8_REPAIR;
    rf_arena_init(&r->arena, 1 << 20);
    r->bad = 0;
    r->verbose = !rf_opt_flag(o, "quiet");
    r->prog = prog;
}

/* 0 with d parsed (valid until the next call), -1 for a malformed line. */
static int doc_in_parse(doc_in *r, rf_doc *d, const char *p, size_t n, const char *input,
                        uint64_t line_no)
{
    rf_arena_reset(&r->arena);
    rf_parse_error pe;
    if (!rf_doc_parse(d, p, n, &r->fmt, &r->arena, &pe))
        return 0;
    if (r->verbose && r->bad < 10)
        fprintf(stderr, "%s: warning: %s:%llu: %s: %s\n", r->prog, input,
                (unsigned long long)line_no, pe.reason, pe.detail ? pe.detail : "");
    r->bad++;
    return -1;
}

/* ---- the stage: annotate and filter ---- */

typedef struct qmodel {
    rf_ft_model *m;
    char *name;
    int32_t label;        /* -1: annotate the top-k instead */
    char *label_str;
    double min, max;      /* NAN: unset */
    char *why_low, *why_high;
} qmodel;

typedef struct qstate {
    qmodel *models;
    size_t n;
    int k;
    float threshold; /* predict */
    int prob;        /* predict: print probabilities */
} qstate;

typedef struct qtls {
    rf_ft_scratch **s;
    rf_ft_pred *pred;
    rf_buf buf;
} qtls;

static const rf_optspec quality_opts[] = {
    {"model", 'm', RF_OPT_LIST, NULL, "PATH",
     "fastText model (.bin or .ftz); repeat it to run several models in one pass", NULL},
    {"name", 0, RF_OPT_LIST, NULL, "NAME",
     "annotation key under \"refine\", one per --model [default: quality, quality2, ...]", NULL},
    {"label", 0, RF_OPT_LIST, NULL, "LABEL",
     "label whose probability is annotated and thresholded (with or without __label__), one per "
     "--model, '-' for none; without it the top-k labels are annotated as an object",
     NULL},
    {"min-score", 0, RF_OPT_LIST, NULL, "P",
     "reject a document when P(label) is below P; one per --model, '-' for none", NULL},
    {"max-score", 0, RF_OPT_LIST, NULL, "P",
     "reject a document when P(label) is above P; one per --model, '-' for none", NULL},
    {"top-k", 'k', RF_OPT_INT, "2", "K",
     "labels annotated for a model without --label (-1 = all)", NULL},
    RF_OPTSPEC_END,
};

static void quality_release(rf_stage *st)
{
    qstate *s = st->state;
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        rf_ft_free(s->models[i].m);
        free(s->models[i].name);
        free(s->models[i].label_str);
        free(s->models[i].why_low);
        free(s->models[i].why_high);
    }
    free(s->models);
    free(s);
    st->state = NULL;
}

static int valid_name(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-' || *s == '.'))
            return 0;
    return 1;
}

/* One value of a per-model list: lists hold 0 values (default for all) or
 * one per model; '-' means none. */
static const char *per_model(const char *const *v, size_t nv, size_t i)
{
    if (nv == 0 || !strcmp(v[i], "-"))
        return NULL;
    return v[i];
}

static int parse_prob(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v >= 0.0 && v <= 1.0))
        return -1;
    *out = v;
    return 0;
}

static int quality_init(rf_stage *st, const rf_opts *o, rf_err *err)
{
    const char *const *paths, *const *names, *const *labels, *const *mins, *const *maxs;
    size_t np = rf_opt_list(o, "model", &paths);
    size_t nn = rf_opt_list(o, "name", &names);
    size_t nl = rf_opt_list(o, "label", &labels);
    size_t nmin = rf_opt_list(o, "min-score", &mins);
    size_t nmax = rf_opt_list(o, "max-score", &maxs);
    if (np == 0)
        return rf_errf(err, RF_EUSAGE, "--model is required");
    const struct {
        const char *opt;
        size_t n;
    } lists[] = {{"name", nn}, {"label", nl}, {"min-score", nmin}, {"max-score", nmax}};
    for (size_t i = 0; i < 4; i++)
        if (lists[i].n != 0 && lists[i].n != np)
            return rf_errf(err, RF_EUSAGE,
                           "--%s is given %zu times for %zu models: give it once per --model "
                           "('-' for none) or not at all",
                           lists[i].opt, lists[i].n, np);
    int64_t k = rf_opt_int(o, "top-k");
    if (k == 0 || k < -1 || k > 100000)
        return rf_errf(err, RF_EUSAGE, "--top-k must be -1 or between 1 and 100000");
    qstate *s = rf_xcalloc(1, sizeof *s);
    st->state = s;
    s->k = (int)k;
    s->models = rf_xcalloc(np, sizeof *s->models);
    int rc = 0;
    for (size_t i = 0; i < np && !rc; i++) {
        qmodel *q = &s->models[i];
        s->n = i + 1;
        q->label = -1;
        q->min = q->max = NAN;
        if ((rc = rf_ft_load(&q->m, paths[i], err)))
            break;
        const char *name = per_model(names, nn, i);
        if (name) {
            q->name = rf_xstrdup(name);
        } else {
            char def[32];
            snprintf(def, sizeof def, i ? "quality%zu" : "quality", i + 1);
            q->name = rf_xstrdup(def);
        }
        if (!valid_name(q->name)) {
            rc = rf_errf(err, RF_EUSAGE, "--name '%s': use letters, digits, '_', '-', '.'",
                         q->name);
            break;
        }
        for (size_t j = 0; j < i; j++)
            if (!strcmp(s->models[j].name, q->name)) {
                rc = rf_errf(err, RF_EUSAGE, "two models are named '%s': give each a --name",
                             q->name);
                break;
            }
        const char *label = per_model(labels, nl, i);
        if (label) {
            q->label = rf_ft_label_id(q->m, label, strlen(label));
            if (q->label < 0) {
                rc = rf_errf(err, RF_EUSAGE, "%s has no label '%s'", paths[i], label);
                break;
            }
            size_t len;
            const char *l = rf_ft_label(q->m, q->label, &len);
            q->label_str = rf_xstrndup(l, len);
        }
        const char *mn = per_model(mins, nmin, i), *mx = per_model(maxs, nmax, i);
        if ((mn && parse_prob(mn, &q->min)) || (mx && parse_prob(mx, &q->max))) {
            rc = rf_errf(err, RF_EUSAGE, "--min-score/--max-score need a number from 0 to 1");
            break;
        }
        if ((mn || mx) && q->label < 0) {
            rc = rf_errf(err, RF_EUSAGE, "--min-score/--max-score for '%s' need its --label",
                         q->name);
            break;
        }
        size_t wl = strlen(q->name) + 16;
        q->why_low = rf_xmalloc(wl);
        q->why_high = rf_xmalloc(wl);
        snprintf(q->why_low, wl, "%s_below_min", q->name);
        snprintf(q->why_high, wl, "%s_above_max", q->name);
    }
    if (rc)
        quality_release(st);
    return rc;
}

static int quality_thread_init(rf_stage *st, void **tls, rf_err *err)
{
    (void)err;
    qstate *s = st->state;
    qtls *t = rf_xcalloc(1, sizeof *t);
    t->s = rf_xcalloc(s->n, sizeof *t->s);
    int32_t maxl = 1;
    for (size_t i = 0; i < s->n; i++) {
        t->s[i] = rf_ft_scratch_new(s->models[i].m);
        if (rf_ft_nlabels(s->models[i].m) > maxl)
            maxl = rf_ft_nlabels(s->models[i].m);
    }
    t->pred = rf_xmalloc((size_t)maxl * sizeof *t->pred);
    *tls = t;
    return 0;
}

static void quality_thread_release(rf_stage *st, void *tls)
{
    const qstate *s = st->state;
    qtls *t = tls;
    if (!t)
        return;
    for (size_t i = 0; i < s->n; i++)
        rf_ft_scratch_free(t->s[i]);
    free(t->s);
    free(t->pred);
    rf_buf_release(&t->buf);
    free(t);
}

static int quality_process(rf_stage *st, rf_work *w, rf_doc *d, rf_err *err)
{
    (void)err;
    qstate *s = st->state;
    qtls *t = w->tls;
    size_t n;
    const char *text = rf_doc_text(d, &n);
    for (size_t i = 0; i < s->n; i++) {
        qmodel *q = &s->models[i];
        if (q->label >= 0) {
            /* All labels, then the one asked for: a label the model leaves
             * out (hierarchical softmax prunes below 1e-5) scores 0. */
            int np = rf_ft_predict(q->m, t->s[i], text, n, -1, 0.0f, t->pred);
            double p = 0.0;
            for (int j = 0; j < np; j++)
                if (t->pred[j].label == q->label)
                    p = t->pred[j].prob;
            if (np == 0)
                rf_stats_count(w->stats, "no_features", 1);
            rf_doc_annotate_num(d, q->name, p, 6);
            if (!isnan(q->min) && p < q->min) {
                rf_doc_reject(d, q->why_low, "P(%s) = %.6g < %g", q->label_str, p, q->min);
                return 0;
            }
            if (!isnan(q->max) && p > q->max) {
                rf_doc_reject(d, q->why_high, "P(%s) = %.6g > %g", q->label_str, p, q->max);
                return 0;
            }
        } else {
            int np = rf_ft_predict(q->m, t->s[i], text, n, s->k, 0.0f, t->pred);
            if (np == 0)
                rf_stats_count(w->stats, "no_features", 1);
            rf_buf *b = &t->buf;
            rf_buf_reset(b);
            rf_buf_addc(b, '{');
            for (int j = 0; j < np; j++) {
                size_t len;
                const char *l = rf_ft_label(q->m, t->pred[j].label, &len);
                if (len > LABEL_PREFIX_LEN && !memcmp(l, LABEL_PREFIX, LABEL_PREFIX_LEN)) {
                    l += LABEL_PREFIX_LEN;
                    len -= LABEL_PREFIX_LEN;
                }
                if (j)
                    rf_buf_addc(b, ',');
                /* Labels are bytes from the model file: escape them as
                 * JSON only when they are UTF-8. */
                if (rf_utf8_check(l, len) == len)
                    rf_buf_json_str(b, l, len);
                else
                    rf_buf_adds(b, "\"?\"");
                rf_buf_addc(b, ':');
                rf_buf_json_num(b, t->pred[j].prob, 6);
            }
            rf_buf_addc(b, '}');
            rf_doc_annotate_raw(d, q->name, b->p, b->len);
        }
    }
    return 0;
}

extern const rf_stage_desc rf_stage_quality;

/* ---- predict ---- */

/* The predict subcommand is the quality stage with one model and a writer
 * that prints fastText's prediction line instead of the document. */
static const rf_optspec predict_opts[] = {
    {"model", 'm', RF_OPT_STR, NULL, "PATH", "fastText model (.bin or .ftz)", NULL},
    {"top-k", 'k', RF_OPT_INT, "1", "K", "labels per line, -1 = all", NULL},
    {"threshold", 0, RF_OPT_FLOAT, "0", "P", "leave out labels with a lower probability", NULL},
    {"plain", 0, RF_OPT_FLAG, "false", NULL,
     "inputs are plain text lines (read byte for byte as fastText reads them, one thread) "
     "instead of JSONL",
     NULL},
    {"prob", 0, RF_OPT_FLAG, "true", NULL,
     "print probabilities (fasttext predict-prob); --no-prob prints labels only (fasttext "
     "predict)",
     NULL},
    RF_OPTSPEC_END,
};

static int predict_init(rf_stage *st, const rf_opts *o, rf_err *err)
{
    const char *path = rf_opt_str(o, "model");
    if (!path)
        return rf_errf(err, RF_EUSAGE, "--model is required");
    int64_t k = rf_opt_int(o, "top-k");
    if (k == 0 || k < -1 || k > INT32_MAX)
        return rf_errf(err, RF_EUSAGE, "-k must be -1 or at least 1");
    qstate *s = rf_xcalloc(1, sizeof *s);
    st->state = s;
    s->k = (int)k;
    s->threshold = (float)rf_opt_float(o, "threshold");
    s->prob = rf_opt_flag(o, "prob");
    s->models = rf_xcalloc(1, sizeof *s->models);
    s->n = 1;
    int rc = rf_ft_load(&s->models[0].m, path, err);
    if (rc)
        quality_release(st);
    return rc;
}

static int predict_process(rf_stage *st, rf_work *w, rf_doc *d, rf_err *err)
{
    (void)err;
    qstate *s = st->state;
    qtls *t = w->tls;
    size_t n;
    const char *text = rf_doc_text(d, &n);
    const rf_ft_model *m = s->models[0].m;
    int np = rf_ft_predict(m, t->s[0], text, n, s->k, s->threshold, t->pred);
    if (np == 0)
        rf_stats_count(w->stats, "no_features", 1);
    rf_buf_reset(&t->buf);
    rf_ft_format_line(m, t->pred, np, s->prob, &t->buf);
    rf_buf *line = rf_arena_alloc(w->arena, sizeof *line);
    line->p = rf_arena_memdup(w->arena, t->buf.p, t->buf.len);
    line->len = t->buf.len;
    line->cap = 0;
    d->payload = line;
    return 0;
}

static void predict_write(rf_stage *st, rf_doc *d, rf_buf *out)
{
    (void)st;
    const rf_buf *line = d->payload;
    rf_buf_add(out, line->p, line->len);
}

static const rf_stage_desc predict_desc = {
    .name = "quality predict",
    .summary = "Print `fasttext predict-prob` lines: one per JSONL document, or per text line "
               "with --plain.",
    .usage = "Prints \"__label__a P __label__b P ...\" exactly as `fasttext predict-prob MODEL\n"
             "FILE K [THRESHOLD]` prints it (no probabilities with --no-prob). A document is\n"
             "one fastText line: its newlines are spaces. Malformed JSON lines are reported\n"
             "and counted, not printed; --plain reads every line as fastText does instead.",
    .opts = predict_opts,
    .init = predict_init,
    .release = quality_release,
    .thread_init = quality_thread_init,
    .thread_release = quality_thread_release,
    .process = predict_process,
    .write = predict_write,
};

/* --plain: every line as fastText reads it, one thread. */
typedef struct plain_ctx {
    const qstate *s;
    qtls *t;
    rf_out *out;
} plain_ctx;

static int plain_line(void *ctx, const char *p, size_t n, int has_nl, const char *input,
                      uint64_t line_no, rf_err *err)
{
    (void)input, (void)line_no;
    plain_ctx *c = ctx;
    const rf_ft_model *m = c->s->models[0].m;
    int np = rf_ft_predict_line(m, c->t->s[0], p, n, has_nl, c->s->k, c->s->threshold,
                                c->t->pred);
    rf_ft_format_line(m, c->t->pred, np, c->s->prob, &c->t->buf);
    if (c->t->buf.len < (1 << 16))
        return 0;
    int rc = rf_out_write(c->out, c->t->buf.p, c->t->buf.len, err);
    rf_buf_reset(&c->t->buf);
    return rc;
}

static int predict_plain(int argc, char **argv, const char *prog)
{
    rf_err err = {0, ""};
    const rf_optspec *tables[2] = {rf_runner_optspecs, predict_opts};
    rf_opts *o = rf_opts_new(tables, 2);
    char **pos = NULL;
    size_t npos = 0;
    rf_stage st;
    int stage_ok = 0;
    void *tls = NULL;
    plain_ctx c = {NULL, NULL, NULL};
    rf_run_config cfg;
    int rc = rf_opts_parse_argv(o, argc, argv, &pos, &npos, &err);
    if (!rc)
        rc = rf_cli_run_config(o, prog, pos, npos, &cfg, &err);
    if (!rc)
        rc = rf_stage_init(&st, &predict_desc, o, &err);
    if (rc)
        goto out;
    stage_ok = 1;
    rf_io_install_signal_cleanup();
    quality_thread_init(&st, &tls, &err);
    c.s = st.state;
    c.t = tls;
    if ((rc = rf_out_open(&c.out, cfg.output, &cfg.outopts, &err)))
        goto out;
    for (size_t i = 0; i < cfg.ninputs && !rc; i++)
        rc = rf_each_line(cfg.inputs[i], plain_line, &c, &err);
    if (!rc && c.t->buf.len)
        rc = rf_out_write(c.out, c.t->buf.p, c.t->buf.len, &err);
    if (!rc)
        rc = rf_out_commit(c.out, &err);
    else
        rf_out_abort(c.out);
out:
    if (rc)
        rf_cli_error(prog, &err);
    if (tls)
        quality_thread_release(&st, tls);
    if (stage_ok)
        rf_stage_release(&st);
    free(pos);
    rf_opts_free(o);
    return rf_exit_code(rc);
}

/* JSONL documents go through the shared runner (threads, compressed input,
 * --stats, --rejects); --plain text lines through predict_plain. */
static int predict_main(int argc, char **argv, const char *prog)
{
    int plain = 0;
    for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h") ||
            !strcmp(argv[i], "--version") || !strcmp(argv[i], "-V"))
            return rf_cli_main(&predict_desc, argc, argv);
        plain |= !strcmp(argv[i], "--plain");
    }
    return plain ? predict_plain(argc, argv, prog) : rf_cli_main(&predict_desc, argc, argv);
}

/* ---- test ---- */

static const rf_optspec test_opts[] = {
    {"model", 'm', RF_OPT_STR, NULL, "PATH", "fastText model (.bin or .ftz)", NULL},
    {"top-k", 'k', RF_OPT_INT, "1", "K", "labels predicted per example (P@K, R@K)", NULL},
    {"threshold", 0, RF_OPT_FLOAT, "0", "P", "leave out labels with a lower probability", NULL},
    {"plain", 0, RF_OPT_FLAG, "false", NULL,
     "inputs are fastText lines (\"__label__x text\") instead of JSONL", NULL},
    {"label-field", 0, RF_OPT_STR, "label", "NAME", "JSONL: field holding the true label", NULL},
    {"text-field", 0, RF_OPT_STR, "text", "NAME", "JSONL: field holding the text", NULL},
    RF_OPTSPEC_END,
};

typedef struct test_ctx {
    rf_ft_model *m;
    rf_ft_scratch *s;
    rf_ft_pred *pred;
    int k;
    float threshold;
    int plain;
    doc_in in;
    const char *label_field;
    rf_buf lab;
    int32_t *gold;
    uint64_t n, gold_total, predicted, correct, no_label;
} test_ctx;

static void test_count(test_ctx *c, const int32_t *gold, int ng, int np)
{
    c->n++;
    c->gold_total += (uint64_t)ng;
    c->predicted += (uint64_t)np;
    for (int i = 0; i < np; i++)
        for (int j = 0; j < ng; j++)
            if (c->pred[i].label == gold[j]) {
                c->correct++;
                break;
            }
}

static int test_line(void *ctx, const char *p, size_t n, int has_nl, const char *input,
                     uint64_t line_no, rf_err *err)
{
    (void)err;
    test_ctx *c = ctx;
    if (c->plain) {
        int ng = 0;
        int np = rf_ft_predict_labeled(c->m, c->s, p, n, has_nl, c->k, c->threshold, c->pred,
                                       c->gold, rf_ft_nlabels(c->m), &ng);
        /* fastText's test skips lines without a known label or a feature. */
        if (ng > 0 && rf_ft_last_nfeatures(c->s) > 0)
            test_count(c, c->gold, ng, np);
        return 0;
    }
    rf_doc d;
    if (doc_in_parse(&c->in, &d, p, n, input, line_no))
        return 0;
    size_t vn;
    int type;
    const char *v = rf_doc_field(&d, c->label_field, &vn, &type);
    int32_t g = -1;
    if (v && !label_token(v, vn, type, &c->lab))
        g = rf_ft_label_id(c->m, c->lab.p, c->lab.len);
    if (g < 0) {
        c->no_label++;
        return 0;
    }
    size_t tn;
    const char *text = rf_doc_text(&d, &tn);
    int np = rf_ft_predict(c->m, c->s, text, tn, c->k, c->threshold, c->pred);
    if (rf_ft_last_nfeatures(c->s) > 0)
        test_count(c, &g, 1, np);
    return 0;
}

static int test_main(int argc, char **argv, const char *prog)
{
    rf_err err = {0, ""};
    rf_opts *o = NULL;
    char **pos = NULL;
    size_t npos = 0;
    test_ctx c;
    memset(&c, 0, sizeof c);
    int rc = sub_start(argc, argv, prog, "test",
                       "--model PATH [-k K] [--plain | --label-field F] [INPUT...]",
                       "Evaluates a model on labelled examples and prints fastText's `test`\n"
                       "summary: N (examples with a known label), P@K and R@K. With one label\n"
                       "per example, P@1 is the accuracy.",
                       test_opts, &o, &pos, &npos, &err);
    doc_in_init(&c.in, o, prog);
    if (rc)
        goto out;
    const char *path = rf_opt_str(o, "model");
    if (!path) {
        rc = rf_errf(&err, RF_EUSAGE, "--model is required");
        goto out;
    }
    int64_t k = rf_opt_int(o, "top-k");
    if (k < 1 || k > INT32_MAX) {
        rc = rf_errf(&err, RF_EUSAGE, "-k must be at least 1");
        goto out;
    }
    if ((rc = rf_ft_load(&c.m, path, &err)))
        goto out;
    c.s = rf_ft_scratch_new(c.m);
    c.pred = rf_xmalloc((size_t)rf_ft_nlabels(c.m) * sizeof *c.pred);
    c.gold = rf_xmalloc((size_t)rf_ft_nlabels(c.m) * sizeof *c.gold);
    c.k = (int)k;
    c.threshold = (float)rf_opt_float(o, "threshold");
    c.plain = rf_opt_flag(o, "plain");
    c.label_field = rf_opt_str(o, "label-field");
    static char dash[] = "-";
    if (npos == 0) /* pos has room for argc + 1 entries */
        pos[npos++] = dash;
    for (size_t i = 0; i < npos && !rc; i++)
        rc = rf_each_line(pos[i], test_line, &c, &err);
    if (rc)
        goto out;
    printf("N\t%llu\n", (unsigned long long)c.n);
    printf("P@%d\t%.3g\n", c.k, c.predicted ? (double)c.correct / (double)c.predicted : NAN);
    printf("R@%d\t%.3g\n", c.k, c.gold_total ? (double)c.correct / (double)c.gold_total : NAN);
    if (c.in.verbose && (c.in.bad || c.no_label))
        fprintf(stderr, "%s: %llu malformed lines, %llu without a label the model knows\n", prog,
                (unsigned long long)c.in.bad, (unsigned long long)c.no_label);
out:
    if (rc < 0)
        rf_cli_error(prog, &err);
    rf_ft_scratch_free(c.s);
    rf_ft_free(c.m);
    free(c.pred);
    free(c.gold);
    rf_arena_release(&c.in.arena);
    rf_buf_release(&c.lab);
    free(pos);
    rf_opts_free(o);
    return rf_exit_code(rc < 0 ? rc : 0);
}

/* ---- train ---- */

static const rf_optspec train_opts[] = {
    {"output", 'o', RF_OPT_STR, NULL, "MODEL.bin", "where the model is written (required)", NULL},
    {"plain", 0, RF_OPT_FLAG, "false", NULL,
     "INPUTs are fastText training lines (\"__label__x __label__y text ...\")", NULL},
    {"label-field", 0, RF_OPT_STR, "label", "NAME",
     "JSONL INPUTs: field holding the label (string, number or boolean)", NULL},
    {"text-field", 0, RF_OPT_STR, "text", "NAME", "JSONL: field holding the text", NULL},
    {"positive", 0, RF_OPT_LIST, NULL, "FILE", "JSONL documents of the positive class", NULL},
    {"negative", 0, RF_OPT_LIST, NULL, "FILE", "JSONL documents of the negative class", NULL},
    {"positive-label", 0, RF_OPT_STR, "hq", "LABEL", "label of --positive documents", NULL},
    {"negative-label", 0, RF_OPT_STR, "lq", "LABEL", "label of --negative documents", NULL},
    {"dim", 0, RF_OPT_INT, "100", "N", "size of the word vectors", NULL},
    {"epoch", 0, RF_OPT_INT, "5", "N", "passes over the data", NULL},
    {"lr", 0, RF_OPT_FLOAT, "0.1", "X", "learning rate (decays linearly to 0)", NULL},
    {"word-ngrams", 0, RF_OPT_INT, "1", "N", "longest word n-gram", NULL},
    {"minn", 0, RF_OPT_INT, "0", "N", "shortest character n-gram (0 with maxn 0: none)", NULL},
    {"maxn", 0, RF_OPT_INT, "0", "N", "longest character n-gram", NULL},
    {"bucket", 0, RF_OPT_INT, "2000000", "N", "hash buckets for word and character n-grams",
     NULL},
    {"min-count", 0, RF_OPT_INT, "1", "N", "words seen fewer times are dropped", NULL},
    {"min-count-label", 0, RF_OPT_INT, "0", "N", "labels seen fewer times are dropped", NULL},
    {"loss", 0, RF_OPT_ENUM, "softmax", "LOSS", "loss function", "softmax|ova|hs|ns"},
    {"neg", 0, RF_OPT_INT, "5", "N", "negatives sampled per example (loss ns)", NULL},
    {"lr-update-rate", 0, RF_OPT_INT, "100", "N", "tokens between learning-rate updates", NULL},
    {"threads", 't', RF_OPT_INT, "0", "N", "training threads (Hogwild), 0 = one per CPU", NULL},
    {"seed", 0, RF_OPT_INT, "0", "N", "random seed (runs with one thread are reproducible)",
     NULL},
    {"progress", 0, RF_OPT_ENUM, "auto", "WHEN",
     "progress line on stderr; auto = when stderr is a terminal", "auto|always|never"},
    RF_OPTSPEC_END,
};

typedef struct train_ctx {
    rf_ft_corpus *c;
    int plain;
    doc_in in;
    const char *label_field;
    const char *fixed_label; /* --positive / --negative files */
    rf_buf lab;
    uint64_t no_label;
} train_ctx;

static int train_line(void *ctx, const char *p, size_t n, int has_nl, const char *input,
                      uint64_t line_no, rf_err *err)
{
    (void)err, (void)has_nl;
    train_ctx *c = ctx;
    if (c->plain) {
        rf_ft_corpus_add(c->c, p, n);
        return 0;
    }
    rf_doc d;
    if (doc_in_parse(&c->in, &d, p, n, input, line_no))
        return 0;
    if (c->fixed_label) {
        rf_buf_reset(&c->lab);
        rf_buf_adds(&c->lab, c->fixed_label);
    } else {
        size_t vn;
        int type;
        const char *v = rf_doc_field(&d, c->label_field, &vn, &type);
        if (!v || label_token(v, vn, type, &c->lab)) {
            c->no_label++;
            return 0;
        }
    }
    size_t tn;
    const char *text = rf_doc_text(&d, &tn);
    rf_ft_corpus_add_labeled(c->c, c->lab.p, c->lab.len, text, tn);
    return 0;
}

static char *label_with_prefix(const char *l)
{
    size_t n = strlen(l);
    char *s = rf_xmalloc(n + LABEL_PREFIX_LEN + 1);
    if (n >= LABEL_PREFIX_LEN && !memcmp(l, LABEL_PREFIX, LABEL_PREFIX_LEN)) {
        memcpy(s, l, n + 1);
    } else {
        memcpy(s, LABEL_PREFIX, LABEL_PREFIX_LEN);
        memcpy(s + LABEL_PREFIX_LEN, l, n + 1);
    }
    return s;
}

static int train_main(int argc, char **argv, const char *prog)
{
    rf_err err = {0, ""};
    rf_opts *o = NULL;
    char **pos = NULL;
    size_t npos = 0;
    rf_ft_model *m = NULL;
    char *poslab = NULL, *neglab = NULL;
    train_ctx c;
    memset(&c, 0, sizeof c);
    c.c = rf_ft_corpus_new();
    int rc = sub_start(
        argc, argv, prog, "train", "-o MODEL.bin [OPTIONS] [INPUT...]",
        "Trains a supervised fastText classifier and writes it in fastText's .bin format\n"
        "(it loads in the fasttext command line and in refine-quality). Training data:\n"
        "JSONL INPUTs with a --label-field, --positive/--negative JSONL files, or\n"
        "fastText lines with --plain. The defaults are those of `fasttext supervised`.",
        train_opts, &o, &pos, &npos, &err);
    doc_in_init(&c.in, o, prog);
    if (rc)
        goto out;
    const char *outpath = rf_opt_str(o, "output");
    if (!outpath || !strcmp(outpath, "-")) {
        rc = rf_errf(&err, RF_EUSAGE, "-o MODEL.bin is required (a file, not stdout)");
        goto out;
    }
    rf_ft_train_opts to;
    rf_ft_train_defaults(&to);
    struct {
        const char *name;
        int32_t *dst;
        int64_t lo;
    } ints[] = {{"dim", &to.args.dim, 1},
                {"epoch", &to.args.epoch, 1},
                {"word-ngrams", &to.args.word_ngrams, 1},
                {"minn", &to.args.minn, 0},
                {"maxn", &to.args.maxn, 0},
                {"bucket", &to.args.bucket, 0},
                {"min-count", &to.args.min_count, 0},
                {"min-count-label", &to.min_count_label, 0},
                {"neg", &to.args.neg, 1},
                {"lr-update-rate", &to.args.lr_update_rate, 1}};
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
        int64_t v = rf_opt_int(o, ints[i].name);
        if (v < ints[i].lo || v > INT32_MAX) {
            rc = rf_errf(&err, RF_EUSAGE, "--%s must be between %lld and %d", ints[i].name,
                         (long long)ints[i].lo, INT32_MAX);
            goto out;
        }
        *ints[i].dst = (int32_t)v;
    }
    to.lr = rf_opt_float(o, "lr");
    const char *loss = rf_opt_str(o, "loss");
    to.args.loss = !strcmp(loss, "ova")  ? RF_FT_LOSS_OVA
                   : !strcmp(loss, "hs") ? RF_FT_LOSS_HS
                   : !strcmp(loss, "ns") ? RF_FT_LOSS_NS
                                         : RF_FT_LOSS_SOFTMAX;
    int64_t th = rf_opt_int(o, "threads");
    if (th < 0 || th > 1024) {
        rc = rf_errf(&err, RF_EUSAGE, "--threads must be between 0 and 1024");
        goto out;
    }
    if (th == 0) {
        long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        th = ncpu > 0 ? ncpu : 1;
    }
    to.threads = (int)th;
    to.seed = (uint64_t)rf_opt_int(o, "seed");
    const char *prg = rf_opt_str(o, "progress");
    to.verbose = !rf_opt_flag(o, "quiet") &&
                 (!strcmp(prg, "always") || (!strcmp(prg, "auto") && isatty(STDERR_FILENO)));

    c.plain = rf_opt_flag(o, "plain");
    c.label_field = rf_opt_str(o, "label-field");
    for (size_t i = 0; i < npos && !rc; i++)
        rc = rf_each_line(pos[i], train_line, &c, &err);
    const char *const *files;
    size_t nf = rf_opt_list(o, "positive", &files);
    poslab = label_with_prefix(rf_opt_str(o, "positive-label"));
    neglab = label_with_prefix(rf_opt_str(o, "negative-label"));
    int was_plain = c.plain;
    c.plain = 0;
    c.fixed_label = poslab;
    for (size_t i = 0; i < nf && !rc; i++)
        rc = rf_each_line(files[i], train_line, &c, &err);
    nf = rf_opt_list(o, "negative", &files);
    c.fixed_label = neglab;
    for (size_t i = 0; i < nf && !rc; i++)
        rc = rf_each_line(files[i], train_line, &c, &err);
    c.plain = was_plain;
    if (rc)
        goto out;
    if (rf_ft_corpus_lines(c.c) == 0) {
        rc = rf_errf(&err, RF_EUSAGE, "no training examples (give INPUTs or --positive/--negative)");
        goto out;
    }
    if ((rc = rf_ft_train(&m, c.c, &to, &err)))
        goto out;
    if ((rc = rf_ft_save(m, outpath, &err)))
        goto out;
    if (c.in.verbose) {
        fprintf(stderr, "%s: %zu lines, %d words, %d labels -> %s\n", prog,
                rf_ft_corpus_lines(c.c), rf_ft_nwords(m), rf_ft_nlabels(m), outpath);
        if (c.in.bad || c.no_label)
            fprintf(stderr, "%s: skipped %llu malformed lines and %llu documents without a label\n",
                    prog, (unsigned long long)c.in.bad, (unsigned long long)c.no_label);
    }
out:
    if (rc < 0)
        rf_cli_error(prog, &err);
    rf_ft_free(m);
    rf_ft_corpus_free(c.c);
    rf_arena_release(&c.in.arena);
    rf_buf_release(&c.lab);
    free(poslab);
    free(neglab);
    free(pos);
    rf_opts_free(o);
    return rf_exit_code(rc < 0 ? rc : 0);
}

/* ---- info ---- */

static const rf_optspec info_opts[] = {
    {"model", 'm', RF_OPT_STR, NULL, "PATH", "fastText model (.bin or .ftz)", NULL},
    RF_OPTSPEC_END,
};

static int info_main(int argc, char **argv, const char *prog)
{
    rf_err err = {0, ""};
    rf_opts *o = NULL;
    char **pos = NULL;
    size_t npos = 0;
    rf_ft_model *m = NULL;
    int rc = sub_start(argc, argv, prog, "info", "--model PATH",
                       "Prints a model's arguments, dictionary sizes and labels.", info_opts, &o,
                       &pos, &npos, &err);
    if (rc)
        goto out;
    const char *path = rf_opt_str(o, "model");
    if (!path && npos)
        path = pos[0];
    if (!path) {
        rc = rf_errf(&err, RF_EUSAGE, "--model is required");
        goto out;
    }
    if ((rc = rf_ft_load(&m, path, &err)))
        goto out;
    const rf_ft_args *a = rf_ft_get_args(m);
    static const char *const losses[] = {"?", "hs", "ns", "softmax", "ova"};
    printf("model\t%s\nquantized\t%s\ndim\t%d\nepoch\t%d\nword_ngrams\t%d\nminn\t%d\nmaxn\t%d\n"
           "bucket\t%d\nloss\t%s\nmin_count\t%d\nwords\t%d\nlabels\t%d\n",
           path, rf_ft_is_quantized(m) ? "yes" : "no", a->dim, a->epoch, a->word_ngrams, a->minn,
           a->maxn, a->bucket, losses[a->loss], a->min_count, rf_ft_nwords(m), rf_ft_nlabels(m));
    for (int32_t i = 0; i < rf_ft_nlabels(m); i++) {
        size_t len;
        const char *l = rf_ft_label(m, i, &len);
        printf("label\t%.*s\n", (int)len, l);
    }
out:
    if (rc < 0)
        rf_cli_error(prog, &err);
    rf_ft_free(m);
    free(pos);
    rf_opts_free(o);
    return rf_exit_code(rc < 0 ? rc : 0);
}

/* ---- main ---- */

static int quality_main(int argc, char **argv)
{
    const char *prog = "refine-quality";
    if (argc >= 2) {
        if (!strcmp(argv[1], "predict"))
            return predict_main(argc - 1, argv + 1, prog);
        if (!strcmp(argv[1], "test"))
            return test_main(argc - 1, argv + 1, prog);
        if (!strcmp(argv[1], "train"))
            return train_main(argc - 1, argv + 1, prog);
        if (!strcmp(argv[1], "info"))
            return info_main(argc - 1, argv + 1, prog);
    }
    return rf_cli_main(&rf_stage_quality, argc, argv);
}

const rf_stage_desc rf_stage_quality = {
    .name = "quality",
    .summary = "fastText classifiers (quality, language, toxicity): annotate and filter.",
    .usage =
        "Each --model annotates refine.<name> with the probability of its --label (the\n"
        "number `fasttext predict-prob` prints), or with its top-k labels as an object;\n"
        "--min-score/--max-score reject documents (reason <name>_below_min/_above_max).\n"
        "Example: refine-quality --model lid.176.ftz --name lang_ko --label ko --min-score 0.5\n"
        "\n"
        "Subcommands (refine-quality SUBCOMMAND --help):\n"
        "  predict  print `fasttext predict-prob` lines for JSONL documents or text lines\n"
        "  test     fastText's N / P@k / R@k on labelled data\n"
        "  train    train a supervised model (.bin, loads in fastText)\n"
        "  info     a model's arguments and labels",
    .opts = quality_opts,
    .init = quality_init,
    .release = quality_release,
    .thread_init = quality_thread_init,
    .thread_release = quality_thread_release,
    .process = quality_process,
    .main = quality_main,
};
