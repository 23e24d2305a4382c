/* perplexity.c — the `perplexity` stage (stage 3): scores every document
 * with a small reference language model (kernels/lm.h) and annotates
 * refine.ppl, refine.nll_mean and refine.tokens; then filters by absolute
 * thresholds (--min-ppl / --max-ppl, global or per language) and/or by
 * CCNet-style percentile buckets (--cutoffs FILE from `calibrate`, --keep).
 *
 * The text is encoded with --tokenizer (tokenizer/: HF-exact ids, with the
 * post-processor's special tokens such as BOS unless
 * --no-add-special-tokens), or documents carry their token ids in a JSON
 * array field (--ids-field), scored exactly as given. Token i >= 1 is
 * predicted from tokens < i, nll_mean is the mean of those n-1 values in
 * nats, ppl = exp(nll_mean). The language (refine.lang, from stage 1) picks
 * the model (--model ko=PATH); a plain --model PATH serves every other
 * language.
 *
 * Threads: models are loaded once in init and shared read-only; each worker
 * thread owns one forward-pass context per model (activation buffers sized
 * by --batch-tokens), so scoring needs no locks. A runner batch of documents
 * is grouped by model and its windows are packed into token-budget forward
 * passes. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filters/perplexity.h"
#include "kernels/device.h"
#include "kernels/lm.h"
#include "tokenizer/tokenizer.h"

typedef struct lang_val {
    char lang[32]; /* "" = every language without its own entry */
    double v;
    int idx;       /* model index (for --model) */
} lang_val;

typedef struct calib_entry {
    char lang[32];
    double ppl;
} calib_entry;

typedef struct ppl_tls {
    rf_lm_ctx **ctx; /* one per model */
    rf_tok_scratch *tok;
    rf_ids ids;
    calib_entry *cal;
    size_t ncal, capcal;
    struct ppl_tls *next; /* calibrate: every thread's collector */
} ppl_tls;

typedef struct ppl_state {
    rf_lm **lm;
    char **lm_path;
    size_t nlm;
    lang_val *models;
    size_t nmodels;
    const char *ids_field;
    rf_tokenizer *tok; /* --tokenizer, when not --ids-field */
    int add_special;
    int max_ctx, stride, budget;
    lang_val *min_ppl, *max_ppl;
    size_t nmin, nmax;
    rf_ppl_cutoffs cutoffs;
    int have_cutoffs;
    unsigned keep; /* bit per bucket */
    int calibrate;
    pthread_mutex_t mu; /* calibrate: guards the tls list */
    ppl_tls *tls_list;
} ppl_state;

static const rf_optspec ppl_opts[] = {
    {"model", 'm', RF_OPT_LIST, NULL, "[LANG=]PATH",
     "reference model: a .gguf file, or a safetensors file or directory with config.json; "
     "LANG=PATH is used for documents whose refine.lang is LANG, a plain PATH for the rest",
     NULL},
    {"ids-field", 0, RF_OPT_STR, NULL, "NAME",
     "score the token ids in this JSON array field exactly as given (no BOS added)", NULL},
    {"tokenizer", 0, RF_OPT_STR, NULL, "FILE",
     "encode the text with this tokenizer.json or GGUF vocabulary (HF-exact ids; every model "
     "must accept its ids)", NULL},
    {"add-special-tokens", 0, RF_OPT_FLAG, "true", NULL,
     "with --tokenizer: add the post-processor's special tokens (BOS), as HF tokenizer(text)",
     NULL},
    {"device", 0, RF_OPT_ENUM, "auto", "DEV", "compute device; auto = CUDA when a GPU is usable",
     "auto|cpu|cuda"},
    {"max-context", 0, RF_OPT_INT, "512", "N", "tokens per window; longer documents are scored "
     "in overlapping windows", NULL},
    {"stride", 0, RF_OPT_INT, "0", "N",
     "tokens between window starts, < max-context; 0 = max-context / 2", NULL},
    {"batch-tokens", 0, RF_OPT_INT, "4096", "N",
     "tokens per forward pass (windows of many documents packed together)", NULL},
    {"min-ppl", 0, RF_OPT_LIST, NULL, "[LANG=]X", "reject documents with ppl < X (ppl_too_low)",
     NULL},
    {"max-ppl", 0, RF_OPT_LIST, NULL, "[LANG=]X", "reject documents with ppl > X (ppl_too_high)",
     NULL},
    {"cutoffs", 0, RF_OPT_STR, NULL, "FILE",
     "per-language percentile cutoffs from `refine-perplexity calibrate`; annotates "
     "refine.ppl_bucket (head, middle, tail)", NULL},
    {"keep", 0, RF_OPT_STR, "head,middle,tail", "LIST",
     "buckets to keep with --cutoffs; others are rejected (ppl_bucket_head/middle/tail)", NULL},
    RF_OPTSPEC_END,
};

/* "LANG=VALUE" or "VALUE": a language code is short and has no '/' or '.'. */
static void split_lang(const char *s, char lang[32], const char **val)
{
    const char *eq = strchr(s, '=');
    lang[0] = '\0';
    *val = s;
    if (!eq || eq == s || eq - s >= 32)
        return;
    for (const char *p = s; p < eq; p++)
        if (*p == '/' || *p == '.')
            return;
    memcpy(lang, s, (size_t)(eq - s));
    lang[eq - s] = '\0';
    *val = eq + 1;
}

static int parse_thresholds(const rf_opts *o, const char *name, lang_val **out, size_t *n,
                            rf_err *err)
{
    const char *const *vals;
    size_t nv = rf_opt_list(o, name, &vals);
    *out = rf_xcalloc(nv ? nv : 1, sizeof **out);
    *n = nv;
    for (size_t i = 0; i < nv; i++) {
        const char *v;
        char *end;
        split_lang(vals[i], (*out)[i].lang, &v);
        (*out)[i].v = strtod(v, &end);
        if (end == v || *end || !((*out)[i].v > 0))
            return rf_errf(err, RF_EUSAGE, "--%s wants [LANG=]X with X > 0 (got '%s')", name,
                           vals[i]);
    }
    return 0;
}

static const lang_val *find_lang(const lang_val *v, size_t n, const char *lang)
{
    const lang_val *def = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(v[i].lang, lang))
            return &v[i];
        if (!v[i].lang[0])
            def = &v[i];
    }
    return def;
}

static void ppl_release(rf_stage *st)
{
    ppl_state *s = st->state;
    if (!s)
        return;
    for (size_t i = 0; i < s->nlm; i++) {
        rf_lm_free(s->lm[i]);
        free(s->lm_path[i]);
    }
    free(s->lm);
    free(s->lm_path);
    free(s->models);
    free(s->min_ppl);
    free(s->max_ppl);
    rf_ppl_cutoffs_release(&s->cutoffs);
    rf_tokenizer_free(s->tok);
    for (ppl_tls *t = s->tls_list, *nx; t; t = nx) { /* calibrate, not collected */
        nx = t->next;
        free(t->cal);
        free(t);
    }
    pthread_mutex_destroy(&s->mu);
    free(s);
    st->state = NULL;
}

static int choose_device(const char *dev, const rf_kernels **k, rf_err *err)
{
    char desc[256] = "";
    if (!strcmp(dev, "cpu")) {
        *k = &rf_kernels_cpu;
        return 0;
    }
    int ngpu = rf_cuda_device_count(desc, sizeof desc);
    if (ngpu > 0 && rf_kernels_cuda()) {
        *k = rf_kernels_cuda();
        return 0;
    }
    if (!strcmp(dev, "cuda"))
        return rf_errf(err, RF_EUNSUP, "--device cuda: %s", desc);
    *k = &rf_kernels_cpu;
    return 0;
}

static int init_state(rf_stage *st, const rf_opts *o, int calibrate, rf_err *err)
{
    ppl_state *s = rf_xcalloc(1, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    st->state = s;
    s->calibrate = calibrate;
    int rc = 0;
    const char *const *models;
    size_t nm = rf_opt_list(o, "model", &models);
    if (!nm)
        return rf_errf(err, RF_EUSAGE, "--model PATH is required (a .gguf file or a "
                       "safetensors model with config.json)");
    /* Text is encoded with --tokenizer; --ids-field scores given ids. The
     * ids of both go through the same scorer. */
    const char *tokp = rf_opt_str(o, "tokenizer");
    s->ids_field = rf_opt_str(o, "ids-field");
    if (s->ids_field && !*s->ids_field)
        s->ids_field = NULL;
    /* Scored ids need no text: `refine-tokenize encode` writes {id, ids}. */
    if (s->ids_field)
        st->parse_flags |= RF_PARSE_TEXT_OPTIONAL;
    if (tokp && !*tokp)
        tokp = NULL;
    if (!tokp == !s->ids_field)
        return rf_errf(err, RF_EUSAGE, "give either --tokenizer FILE (score the text) or "
                       "--ids-field NAME (score a JSON array of token ids, e.g. from "
                       "refine-tokenize encode)%s", tokp ? ", not both" : "");
    if (tokp && (rc = rf_tokenizer_load(&s->tok, tokp, err)))
        return rc;
    s->add_special = rf_opt_flag(o, "add-special-tokens");
    int64_t mc = rf_opt_int(o, "max-context"), sd = rf_opt_int(o, "stride");
    int64_t bt = rf_opt_int(o, "batch-tokens");
    if (mc < 2 || mc > (1 << 20))
        return rf_errf(err, RF_EUSAGE, "--max-context must be between 2 and 1048576");
    if (sd == 0)
        sd = mc / 2;
    if (sd < 1 || sd >= mc)
        return rf_errf(err, RF_EUSAGE, "--stride must be between 1 and --max-context - 1, so "
                       "every window shares context with the previous one");
    if (bt < mc || bt > (1 << 24))
        return rf_errf(err, RF_EUSAGE, "--batch-tokens must be at least --max-context (and at "
                       "most 16777216)");
    s->max_ctx = (int)mc;
    s->stride = (int)sd;
    s->budget = (int)bt;
    if ((rc = parse_thresholds(o, "min-ppl", &s->min_ppl, &s->nmin, err)) ||
        (rc = parse_thresholds(o, "max-ppl", &s->max_ppl, &s->nmax, err)))
        return rc;
    const char *cut = rf_opt_str(o, "cutoffs");
    if (cut && !calibrate) {
        if ((rc = rf_ppl_cutoffs_load(&s->cutoffs, cut, err)))
            return rc;
        s->have_cutoffs = 1;
    }
    const char *keep = rf_opt_str(o, "keep");
    for (const char *p = keep; *p;) {
        size_t len = strcspn(p, ",");
        int b = -1;
        for (int i = 0; i < 3; i++)
            if (len == strlen(rf_ppl_bucket_names[i]) && !strncmp(p, rf_ppl_bucket_names[i], len))
                b = i;
        if (b < 0)
            return rf_errf(err, RF_EUSAGE, "--keep takes a list of head, middle, tail (got '%s')",
                           keep);
        s->keep |= 1u << b;
        p += len + (p[len] == ',');
    }
    if (s->keep != 7 && !s->have_cutoffs && !calibrate)
        return rf_errf(err, RF_EUSAGE, "--keep needs --cutoffs FILE (from refine-perplexity "
                       "calibrate)");
    const rf_kernels *k = &rf_kernels_cpu;
    if ((rc = choose_device(rf_opt_str(o, "device"), &k, err)))
        return rc;
    s->models = rf_xcalloc(nm, sizeof *s->models);
    s->lm = rf_xcalloc(nm, sizeof *s->lm);
    s->lm_path = rf_xcalloc(nm, sizeof *s->lm_path);
    for (size_t i = 0; i < nm; i++) {
        const char *path;
        lang_val *mv = &s->models[s->nmodels++];
        split_lang(models[i], mv->lang, &path);
        for (size_t j = 0; j + 1 < s->nmodels; j++)
            if (!strcmp(s->models[j].lang, mv->lang))
                return rf_errf(err, RF_EUSAGE, "--model given twice for %s",
                               mv->lang[0] ? mv->lang : "the default language");
        mv->idx = -1;
        for (size_t j = 0; j < s->nlm; j++)
            if (!strcmp(s->lm_path[j], path))
                mv->idx = (int)j; /* the same file serves several languages once */
        if (mv->idx >= 0)
            continue;
        rf_lm_model m;
        if ((rc = rf_lm_model_load(&m, path, err)))
            return rc;
        rc = rf_lm_new(&s->lm[s->nlm], &m, k, err);
        rf_lm_model_release(&m);
        if (rc)
            return rf_err_prefix(err, "%s", path);
        s->lm_path[s->nlm] = rf_xstrdup(path);
        mv->idx = (int)s->nlm++;
        if (s->tok && rf_tokenizer_id_limit(s->tok) > (uint32_t)rf_lm_cfg(s->lm[mv->idx])->vocab)
            return rf_errf(err, RF_EUSAGE, "--tokenizer %s produces ids up to %u but %s has a "
                           "vocabulary of %d: not this model's tokenizer", tokp,
                           rf_tokenizer_id_limit(s->tok) - 1, path,
                           rf_lm_cfg(s->lm[mv->idx])->vocab);
    }
    return 0;
}

/* The runner releases only stages whose init succeeded: clean up here. */
static int ppl_init_mode(rf_stage *st, const rf_opts *o, int calibrate, rf_err *err)
{
    int rc = init_state(st, o, calibrate, err);
    if (rc)
        ppl_release(st);
    return rc;
}

static int ppl_init(rf_stage *st, const rf_opts *o, rf_err *err)
{
    return ppl_init_mode(st, o, 0, err);
}

static int ppl_init_calibrate(rf_stage *st, const rf_opts *o, rf_err *err)
{
    return ppl_init_mode(st, o, 1, err);
}

static void ppl_thread_release(rf_stage *st, void *tls)
{
    ppl_state *s = st->state;
    ppl_tls *t = tls;
    if (!t)
        return;
    for (size_t i = 0; i < s->nlm; i++)
        rf_lm_ctx_free(t->ctx[i]);
    free(t->ctx);
    rf_tok_scratch_free(t->tok);
    rf_ids_release(&t->ids);
    if (!s->calibrate) {
        free(t->cal);
        free(t);
    } /* calibrate: freed with the list in rf_ppl_calibrate_write */
}

static int ppl_thread_init(rf_stage *st, void **tls, rf_err *err)
{
    ppl_state *s = st->state;
    ppl_tls *t = rf_xcalloc(1, sizeof *t);
    t->ctx = rf_xcalloc(s->nlm, sizeof *t->ctx);
    if (s->tok)
        t->tok = rf_tok_scratch_new(s->tok);
    for (size_t i = 0; i < s->nlm; i++) {
        int rc = rf_lm_ctx_new(&t->ctx[i], s->lm[i], s->budget, err);
        if (rc) {
            ppl_thread_release(st, t);
            if (s->calibrate) {
                free(t->cal);
                free(t);
            }
            return rc;
        }
    }
    if (s->calibrate) {
        pthread_mutex_lock(&s->mu);
        t->next = s->tls_list;
        s->tls_list = t;
        pthread_mutex_unlock(&s->mu);
    }
    *tls = t;
    return 0;
}

/* refine.lang as a C string ("" when absent or not a plain string). */
static void doc_lang(const rf_doc *d, char out[32])
{
    size_t n;
    const char *v = rf_doc_annotation(d, "lang", &n);
    out[0] = '\0';
    if (!v || n < 2 || v[0] != '"' || n - 2 >= 32 || memchr(v + 1, '\\', n - 2))
        return;
    memcpy(out, v + 1, n - 2);
    out[n - 2] = '\0';
}

typedef struct doc_work {
    rf_doc *d;
    int model;
    char lang[32];
    rf_lm_seq seq;
} doc_work;

static void verdict(const ppl_state *s, rf_work *w, doc_work *dw)
{
    rf_doc *d = dw->d;
    double sum = 0;
    for (size_t i = 1; i < dw->seq.n; i++)
        sum += dw->seq.nll[i];
    double mean = sum / (double)(dw->seq.n - 1), ppl = exp(mean);
    rf_stats_count(w->stats, "tokens_scored", dw->seq.n - 1);
    rf_doc_annotate_num(d, "ppl", ppl, 7);
    rf_doc_annotate_num(d, "nll_mean", mean, 7);
    rf_doc_annotate_int(d, "tokens", (int64_t)dw->seq.n);
    if (s->calibrate) {
        ppl_tls *t = w->tls;
        if (t->ncal == t->capcal) {
            t->capcal = t->capcal ? 2 * t->capcal : 1024;
            t->cal = rf_xrealloc(t->cal, t->capcal * sizeof *t->cal);
        }
        calib_entry *e = &t->cal[t->ncal++];
        snprintf(e->lang, sizeof e->lang, "%s", dw->lang[0] ? dw->lang : "*");
        e->ppl = ppl;
        return;
    }
    const lang_val *lo = find_lang(s->min_ppl, s->nmin, dw->lang);
    const lang_val *hi = find_lang(s->max_ppl, s->nmax, dw->lang);
    if (lo && ppl < lo->v) {
        rf_doc_reject(d, "ppl_too_low", "ppl %.6g < %.6g", ppl, lo->v);
        return;
    }
    if (hi && ppl > hi->v) {
        rf_doc_reject(d, "ppl_too_high", "ppl %.6g > %.6g", ppl, hi->v);
        return;
    }
    if (!s->have_cutoffs)
        return;
    const rf_ppl_cutoff *c = rf_ppl_cutoffs_find(&s->cutoffs, dw->lang[0] ? dw->lang : "*");
    if (!c) {
        rf_stats_count(w->stats, "no_cutoffs_for_lang", 1);
        return;
    }
    int b = rf_ppl_bucket(c, ppl);
    rf_doc_annotate_str(d, "ppl_bucket", rf_ppl_bucket_names[b], strlen(rf_ppl_bucket_names[b]));
    static const char *const reasons[3] = {"ppl_bucket_head", "ppl_bucket_middle",
                                           "ppl_bucket_tail"};
    if (!(s->keep & (1u << b)))
        rf_doc_reject(d, reasons[b], "ppl %.6g in the %s bucket of %s (cutoffs %.6g, %.6g)", ppl,
                      rf_ppl_bucket_names[b], c->lang, c->cut[0], c->cut[1]);
}

static int ppl_process_batch(rf_stage *st, rf_work *w, rf_doc **docs, size_t n, rf_err *err)
{
    const ppl_state *s = st->state;
    ppl_tls *t = w->tls;
    doc_work *dw = rf_arena_alloc(w->arena, (n ? n : 1) * sizeof *dw);
    rf_lm_seq *seqs = rf_arena_alloc(w->arena, (n ? n : 1) * sizeof *seqs);
    size_t nw = 0;
    for (size_t i = 0; i < n; i++) {
        rf_doc *d = docs[i];
        doc_work *x = &dw[nw];
        memset(x, 0, sizeof *x);
        x->d = d;
        doc_lang(d, x->lang);
        const lang_val *m = find_lang(s->models, s->nmodels, x->lang);
        if (!m) {
            rf_stats_count(w->stats, "unscored_no_model", 1);
            continue;
        }
        x->model = m->idx;
        int32_t *ids;
        int64_t cnt;
        if (s->tok) {
            size_t tn;
            const char *text = rf_doc_text(d, &tn);
            rf_err terr = {0};
            if (rf_tokenizer_encode(s->tok, t->tok, text, tn, s->add_special, &t->ids, &terr)) {
                rf_doc_reject(d, "tokenize_failed", "%s", terr.msg);
                continue;
            }
            cnt = (int64_t)t->ids.n;
            ids = rf_arena_alloc(w->arena, (t->ids.n ? t->ids.n : 1) * sizeof *ids);
            for (size_t j = 0; j < t->ids.n; j++)
                ids[j] = (int32_t)t->ids.v[j];
        } else {
            size_t vn;
            int type;
            const char *v = rf_doc_field(d, s->ids_field, &vn, &type);
            if (!v) {
                rf_doc_reject(d, "no_ids", "no field '%s'", s->ids_field);
                continue;
            }
            const char *why = NULL;
            ids = rf_arena_alloc(w->arena, (vn / 2 + 1) * sizeof *ids);
            cnt = rf_ppl_parse_ids(v, vn, ids, vn / 2 + 1, rf_lm_cfg(s->lm[x->model])->vocab,
                                   &why);
            if (cnt < 0) {
                rf_doc_reject(d, "bad_ids", "%s", why);
                continue;
            }
        }
        if (cnt < 2) {
            rf_doc_reject(d, "too_few_tokens", "%lld token(s): nothing to predict",
                          (long long)cnt);
            continue;
        }
        x->seq.ids = ids;
        x->seq.n = (size_t)cnt;
        x->seq.nll = rf_arena_alloc(w->arena, (size_t)cnt * sizeof(float));
        nw++;
    }
    for (size_t m = 0; m < s->nlm; m++) {
        size_t ns = 0;
        for (size_t i = 0; i < nw; i++)
            if (dw[i].model == (int)m)
                seqs[ns++] = dw[i].seq;
        if (!ns)
            continue;
        int rc = rf_lm_score(t->ctx[m], seqs, ns, s->max_ctx, s->stride, err);
        if (rc)
            return rc;
    }
    for (size_t i = 0; i < nw; i++)
        verdict(s, w, &dw[i]);
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int cmp_entry(const void *a, const void *b)
{
    const calib_entry *x = a, *y = b;
    int c = strcmp(x->lang, y->lang);
    return c ? c : cmp_double(&x->ppl, &y->ppl);
}

int rf_ppl_calibrate_write(rf_stage *st, const double pct[2], rf_buf *out)
{
    ppl_state *s = st->state;
    size_t total = 0;
    for (ppl_tls *t = s->tls_list; t; t = t->next)
        total += t->ncal;
    calib_entry *all = rf_xmalloc((total ? total : 1) * sizeof *all);
    size_t k = 0;
    for (ppl_tls *t = s->tls_list, *nx; t; t = nx) {
        nx = t->next;
        if (t->ncal)
            memcpy(all + k, t->cal, t->ncal * sizeof *all);
        k += t->ncal;
        free(t->cal);
        free(t);
    }
    s->tls_list = NULL;
    qsort(all, total, sizeof *all, cmp_entry);
    rf_buf_addf(out, "# refine-perplexity calibrate: per-language perplexity percentiles; "
                "max-context %d, stride %d; models:", s->max_ctx, s->stride);
    for (size_t i = 0; i < s->nmodels; i++)
        rf_buf_addf(out, " %s%s%s", s->models[i].lang, s->models[i].lang[0] ? "=" : "",
                    s->lm_path[s->models[i].idx]);
    rf_buf_addf(out, "\nlang\tdocs\tp%g\tp%g\n", pct[0], pct[1]);
    double *v = rf_xmalloc((total ? total : 1) * sizeof *v);
    int langs = 0;
    for (size_t i = 0; i < total;) {
        size_t j = i;
        while (j < total && !strcmp(all[j].lang, all[i].lang)) {
            v[j - i] = all[j].ppl;
            j++;
        }
        rf_buf_addf(out, "%s\t%zu\t%.9g\t%.9g\n", all[i].lang, j - i,
                    rf_ppl_percentile(v, j - i, pct[0]), rf_ppl_percentile(v, j - i, pct[1]));
        langs++;
        i = j;
    }
    free(v);
    free(all);
    return langs;
}

const rf_stage_desc rf_stage_perplexity = {
    .name = "perplexity",
    .summary = "Score documents with a small reference LM (CPU or CUDA); filter by perplexity "
               "thresholds or CCNet-style percentile buckets.",
    .usage = "Annotates refine.ppl, refine.nll_mean (nats per predicted token) and refine.tokens;\n"
             "with --cutoffs also refine.ppl_bucket. Token i >= 1 is predicted from tokens < i;\n"
             "nll_mean is the mean over the n-1 predicted tokens and ppl = exp(nll_mean).\n"
             "Give --tokenizer FILE (tokenizer.json or GGUF vocabulary) to score the text, or\n"
             "--ids-field NAME to score token ids already in the documents.\n"
             "Rejects: no_ids, bad_ids, tokenize_failed, too_few_tokens, ppl_too_low,\n"
             "ppl_too_high,\n"
             "ppl_bucket_head/middle/tail. Documents whose language has no model are kept\n"
             "unscored (counter unscored_no_model).\n"
             "\n"
             "  refine-perplexity calibrate --model M --tokenizer T [--percentiles 30,60]\n"
             "      -o cutoffs.tsv SAMPLE...\n"
             "computes per-language cutoffs from a sample; then\n"
             "  refine-perplexity --model M --tokenizer T --cutoffs cutoffs.tsv --keep head,middle",
    .opts = ppl_opts,
    .init = ppl_init,
    .release = ppl_release,
    .thread_init = ppl_thread_init,
    .thread_release = ppl_thread_release,
    .process_batch = ppl_process_batch,
    .main = rf_ppl_main,
};

/* Calibrate writes no documents: only the cutoffs. */
static void write_nothing(rf_stage *st, rf_doc *d, rf_buf *out)
{
    (void)st;
    (void)d;
    (void)out;
}

const rf_stage_desc rf_stage_perplexity_calibrate = {
    .name = "perplexity",
    .summary = "Compute per-language perplexity percentile cutoffs from a sample.",
    .opts = ppl_opts,
    .init = ppl_init_calibrate,
    .release = ppl_release,
    .thread_init = ppl_thread_init,
    .thread_release = ppl_thread_release,
    .process_batch = ppl_process_batch,
    .write = write_nothing,
};
