/* heuristic_stage.c — the `heuristic` stage: language/script identification
 * and the Gopher / C4 / FineWeb rules of heuristic_rules, per language.
 *
 * For every document: identify the language (langid, or a fastText
 * language-ID model such as lid.176 with --lid-model), annotate refine.lang,
 * refine.lang_score and refine.scripts, reject documents outside --lang
 * (reason `lang`), pick the rule profile of the language (or --profile), run
 * the rules, and reject with the name of the first failed rule. C4 line
 * removal replaces the text of kept documents and is annotated as
 * refine.c4_removed (lines per reason, chars). Options are declared once in
 * heuristic_params.def; each accepts one value for every profile or
 * per-profile values ("ko:30;en:50"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filters/fasttext.h"
#include "filters/heuristic_rules.h"
#include "filters/langid.h"
#include "stages/stage.h"

#define LANG_HELP "keep only these languages, comma-separated (ko,en,ja,zh,latin-other,other); " \
                  "others are rejected with reason lang"

#define S(name, type, field, help, def) \
    {name, 0, RF_OPT_STR, NULL, "V", help " [" def "]", NULL},
#define P(name, type, field, help, en, ko, ja, zh, other)                                    \
    {name, 0, RF_OPT_STR, NULL, "V", help " [en " en ", ko " ko ", ja " ja ", zh " zh ", other " \
     other "]", NULL},
static const rf_optspec heuristic_opts[] = {
    {"lang", 0, RF_OPT_STR, NULL, "LIST", LANG_HELP, NULL},
    {"profile", 0, RF_OPT_ENUM, "auto", "NAME",
     "rule profile: auto = the profile of the detected language (latin-other and other use "
     "'other')",
     "auto|en|ko|ja|zh|other"},
    {"lid-model", 0, RF_OPT_STR, NULL, "PATH",
     "fastText language-ID model (.bin/.ftz, e.g. lid.176.ftz) instead of the built-in "
     "identifier: refine.lang is its top label (ko, en, de, ...), refine.lang_score its "
     "probability; ko/en/ja/zh use their rule profiles, every other label the 'other' profile; "
     "--lang then lists the model's labels",
     NULL},
    {"annotate-scripts", 0, RF_OPT_FLAG, "true", NULL, "annotate refine.scripts (script shares)",
     NULL},
    {"annotate-metrics", 0, RF_OPT_FLAG, "false", NULL,
     "annotate refine.heuristic_metrics: every rule's measured value (slower: no early exit)",
     NULL},
#include "filters/heuristic_params.def"
    RF_OPTSPEC_END,
};
#undef S
#undef P

typedef struct heur_state {
    rf_heur_profile prof[RF_PROF_COUNT];
    unsigned keep_mask; /* bit per rf_lang; 0 = keep all */
    int forced;         /* -1 or an rf_heur_prof */
    int scripts, metrics;
    rf_ft_model *lid;  /* --lid-model, or NULL for the built-in identifier */
    char **lid_keep;   /* with lid: the --lang labels, without "__label__" */
    size_t nlid_keep;
} heur_state;

typedef struct heur_tls {
    rf_heur_scratch *s;
    rf_ft_scratch *ft;
    rf_buf json;
} heur_tls;

static void heur_release(rf_stage *st)
{
    heur_state *h = st->state;
    if (!h)
        return;
    for (int i = 0; i < RF_PROF_COUNT; i++)
        rf_heur_profile_release(&h->prof[i]);
    rf_ft_free(h->lid);
    for (size_t i = 0; i < h->nlid_keep; i++)
        free(h->lid_keep[i]);
    free(h->lid_keep);
    free(h);
    st->state = NULL;
}

static int heur_init(rf_stage *st, const rf_opts *o, rf_err *err)
{
    heur_state *h = rf_xcalloc(1, sizeof *h);
    st->state = h;
    const char *lid = rf_opt_str(o, "lid-model");
    if (lid && *lid) {
        int rc = rf_ft_load(&h->lid, lid, err);
        if (rc) {
            heur_release(st);
            return rc;
        }
    }
    for (int i = 0; i < RF_PROF_COUNT; i++)
        rf_heur_profile_default(&h->prof[i], (rf_heur_prof)i);
    for (size_t i = 0; i < rf_heur_nparams; i++) {
        const rf_heur_param *prm = &rf_heur_params[i];
        if (!rf_opts_is_set(o, prm->name))
            continue;
        int rc = rf_heur_param_apply(prm, rf_opt_str(o, prm->name), h->prof, err);
        if (rc) {
            heur_release(st);
            return rc;
        }
    }
    const char *langs = rf_opt_str(o, "lang");
    if (langs && *langs) {
        const char *q = langs;
        while (*q) {
            const char *e = q;
            while (*e && *e != ',')
                e++;
            const char *a = q, *b = e;
            while (a < b && *a == ' ')
                a++;
            while (b > a && b[-1] == ' ')
                b--;
            rf_lang l;
            if (b > a && h->lid) {
                /* Labels of the model: any name it has ("__label__" optional). */
                size_t pre = (size_t)(b - a) > 9 && !memcmp(a, "__label__", 9) ? 9 : 0;
                if (rf_ft_label_id(h->lid, a, (size_t)(b - a)) < 0) {
                    int rc = rf_errf(err, RF_EUSAGE, "--lang: '%.*s' is not a label of "
                                     "--lid-model %s", (int)(b - a), a, lid);
                    heur_release(st);
                    return rc;
                }
                h->lid_keep = rf_xrealloc(h->lid_keep, (h->nlid_keep + 1) * sizeof *h->lid_keep);
                h->lid_keep[h->nlid_keep++] = rf_xstrndup(a + pre, (size_t)(b - a) - pre);
            } else if (b > a) {
                if (rf_lang_parse(a, (size_t)(b - a), &l)) {
                    heur_release(st);
                    return rf_errf(err, RF_EUSAGE,
                                   "--lang: unknown language '%.*s' (ko, en, ja, zh, latin-other, "
                                   "other)",
                                   (int)(b - a), a);
                }
                h->keep_mask |= 1u << l;
            }
            q = *e ? e + 1 : e;
        }
        if (!h->keep_mask && !h->nlid_keep) {
            heur_release(st);
            return rf_errf(err, RF_EUSAGE, "--lang: no language given");
        }
    }
    const char *prof = rf_opt_str(o, "profile");
    h->forced = -1;
    rf_heur_prof pf;
    if (prof && strcmp(prof, "auto") && rf_heur_prof_parse(prof, strlen(prof), &pf) == 0)
        h->forced = (int)pf;
    h->scripts = rf_opt_flag(o, "annotate-scripts");
    h->metrics = rf_opt_flag(o, "annotate-metrics");
    return 0;
}

static int heur_thread_init(rf_stage *st, void **tls, rf_err *err)
{
    (void)err;
    const heur_state *h = st->state;
    heur_tls *t = rf_xcalloc(1, sizeof *t);
    t->s = rf_heur_scratch_new();
    if (h->lid)
        t->ft = rf_ft_scratch_new(h->lid);
    *tls = t;
    return 0;
}

static void heur_thread_release(rf_stage *st, void *tls)
{
    (void)st;
    heur_tls *t = tls;
    if (!t)
        return;
    rf_heur_scratch_free(t->s);
    rf_ft_scratch_free(t->ft);
    rf_buf_release(&t->json);
    free(t);
}

static rf_heur_prof profile_of(rf_lang l)
{
    switch (l) {
    case RF_LANG_EN: return RF_PROF_EN;
    case RF_LANG_KO: return RF_PROF_KO;
    case RF_LANG_JA: return RF_PROF_JA;
    case RF_LANG_ZH: return RF_PROF_ZH;
    default: return RF_PROF_OTHER;
    }
}

/* The top label of the --lid-model for the text (one fastText line: its
 * newlines are spaces), as fastText's predict-prob prints it: the label
 * without "__label__" and its probability (capped at 1: hierarchical
 * softmax models can print 1.00007). A text without any known feature gets
 * "other" with score 0. li->lang becomes the label's rule-profile language:
 * ko, en, ja, zh, or other for every other label. */
static void lid_label(const heur_state *h, heur_tls *t, const char *text, size_t n, rf_langid *li,
                      const char **name, size_t *len, double *score)
{
    rf_ft_pred top;
    li->lang = RF_LANG_OTHER;
    if (rf_ft_predict(h->lid, t->ft, text, n, 1, 0.0f, &top) < 1) {
        *name = "other";
        *len = 5;
        *score = 0;
        return;
    }
    size_t ll;
    const char *l = rf_ft_label(h->lid, top.label, &ll);
    if (ll > 9 && !memcmp(l, "__label__", 9)) {
        l += 9;
        ll -= 9;
    }
    *name = l;
    *len = ll;
    *score = top.prob > 1.0f ? 1.0 : (double)top.prob;
    rf_lang lg;
    if (rf_lang_parse(l, ll, &lg) == 0 && lg != RF_LANG_LATIN_OTHER)
        li->lang = lg;
}

static int heur_process(rf_stage *st, rf_work *w, rf_doc *d, rf_err *err)
{
    (void)err;
    const heur_state *h = st->state;
    heur_tls *t = w->tls;
    size_t n;
    const char *text = rf_doc_text(d, &n);

    rf_langid li;
    rf_langid_detect(text, n, &li);
    const char *lname = rf_lang_name(li.lang);
    size_t llen = strlen(lname);
    double lscore = li.score;
    if (h->lid)
        lid_label(h, t, text, n, &li, &lname, &llen, &lscore);
    rf_doc_annotate_str(d, "lang", lname, llen);
    rf_buf_reset(&t->json);
    rf_langid_share_json(&t->json, lscore);
    rf_doc_annotate_raw(d, "lang_score", t->json.p, t->json.len);
    if (h->scripts) {
        rf_buf_reset(&t->json);
        rf_langid_scripts_json(&li, &t->json);
        rf_doc_annotate_raw(d, "scripts", t->json.p, t->json.len);
    }
    int keep = 1;
    if (h->lid && h->nlid_keep) {
        keep = 0;
        for (size_t i = 0; i < h->nlid_keep && !keep; i++)
            keep = strlen(h->lid_keep[i]) == llen && !memcmp(h->lid_keep[i], lname, llen);
    } else if (h->keep_mask) {
        keep = (h->keep_mask & (1u << li.lang)) != 0;
    }
    if (!keep) {
        rf_doc_reject(d, "lang", "lang=%.*s", (int)llen, lname);
        return 0;
    }

    rf_heur_prof pf = h->forced >= 0 ? (rf_heur_prof)h->forced : profile_of(li.lang);
    rf_heur_result r;
    /* rf_langid_detect counted every code point of the text (li.chars). */
    rf_heur_eval_cps(&h->prof[pf], t->s, text, n, (size_t)li.chars,
                     h->metrics ? RF_HEUR_ALL_METRICS : 0, &r);

    uint32_t removed = 0;
    for (int k = 0; k < RF_C4_NREASONS; k++)
        removed += r.c4_removed[k];
    if (removed) {
        rf_buf_reset(&t->json);
        rf_buf_adds(&t->json, "{\"lines\":");
        rf_buf_json_uint(&t->json, removed);
        rf_buf_adds(&t->json, ",\"chars\":");
        rf_buf_json_uint(&t->json, r.c4_removed_chars);
        for (int k = 0; k < RF_C4_NREASONS; k++) {
            if (!r.c4_removed[k])
                continue;
            /* the reasons are plain ASCII names: no escaping to look for */
            rf_buf_add(&t->json, ",\"", 2);
            rf_buf_adds(&t->json, rf_c4_line_reasons[k]);
            rf_buf_add(&t->json, "\":", 2);
            rf_buf_json_uint(&t->json, r.c4_removed[k]);
        }
        rf_buf_addc(&t->json, '}');
        rf_doc_annotate_raw(d, "c4_removed", t->json.p, t->json.len);
    }
    if (h->metrics) {
        rf_buf_reset(&t->json);
        rf_heur_metrics_json(&r.m, &t->json);
        rf_doc_annotate_raw(d, "heuristic_metrics", t->json.p, t->json.len);
    }
    if (r.reason) {
        if (isnan(r.threshold) || r.threshold == 0)
            rf_doc_reject(d, r.reason, "profile=%s", rf_heur_prof_name(pf));
        else
            rf_doc_reject(d, r.reason, "profile=%s value=%.4g limit=%.4g", rf_heur_prof_name(pf),
                          r.value, r.threshold);
        return 0;
    }
    if (r.edited) {
        rf_doc_set_text(d, rf_arena_memdup(w->arena, r.text_len ? r.text : "", r.text_len),
                        r.text_len);
        rf_stats_count(w->stats, "c4_docs_edited", 1);
        rf_stats_count(w->stats, "c4_lines_removed", removed);
    }
    return 0;
}

const rf_stage_desc rf_stage_heuristic = {
    .name = "heuristic",
    .summary = "Language/script ID and Gopher / C4 / FineWeb quality rules with per-language "
               "profiles (en, ko, ja, zh, other).",
    .usage =
        "Annotates refine.lang, refine.lang_score and refine.scripts (the built-in script-based\n"
        "identifier, or a fastText model with --lid-model lid.176.ftz); rejects documents whose\n"
        "language is not in --lang (reason lang) and documents failing a rule (the reason\n"
        "names the rule, e.g. gopher_short_doc, gopher_rep_top_2_gram, c4_too_few_sentences,\n"
        "fineweb_line_punct_ratio). C4 removes lines without terminal punctuation, with too\n"
        "few words, mentioning javascript or cookie policies (refine.c4_removed counts them).\n"
        "Rule options take one value for every profile, or per-profile values:\n"
        "  --gopher-min-words 30            every profile\n"
        "  --gopher-min-words 'ko:30;en:50' only ko and en\n"
        "  --c4 ko:off                      switch a rule group off for Korean\n"
        "  --rep-top-2-gram off             switch one rule off\n"
        "Defaults are shown per profile as [en .., ko .., ja .., zh .., other ..].",
    .opts = heuristic_opts,
    .init = heur_init,
    .release = heur_release,
    .thread_init = heur_thread_init,
    .thread_release = heur_thread_release,
    .process = heur_process,
};
