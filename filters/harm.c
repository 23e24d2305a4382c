/* harm.c — stage 5, `refine-harm`: URL/domain blocklists, word lists and an
 * optional toxicity classifier.
 *
 * Checks run cheapest first and the first failing one names the reject
 * reason: blocked_domain (the URL's host or a parent domain is listed),
 * blocked_url (the exact URL is listed), url_banned_word / url_soft_words /
 * url_banned_subword (datatrove's URL filter: words among the URL's
 * alphanumeric pieces, or strings inside its normalised letters and
 * digits), banned_word (one hit of a hard word list), soft_words (at least
 * --soft-threshold hits of the soft lists, optionally also a share of the
 * words), toxic (a fastText classifier's probability for the toxic labels).
 * Word lists are matched in one pass over the normalised text (all lists in
 * one Aho–Corasick automaton; see harm_match.h for boundaries and Korean
 * eojeol prefixes). Built-in Korean lists (filters/harm_ko/) are compiled
 * into the binary. Kept documents carry refine.harm_soft (soft hits) and
 * refine.toxicity when those checks are on. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filters/fasttext.h"
#include "filters/harm_match.h"
#include "filters/harm_url.h"
#include "stages/json.h"
#include "stages/stage.h"

/* Generated from filters/harm_ko/{hard,soft}.txt (filters/harm.cmake). */
extern const char rf_harm_ko_hard[];
extern const size_t rf_harm_ko_hard_len;
extern const char rf_harm_ko_soft[];
extern const size_t rf_harm_ko_soft_len;

typedef struct harm_state {
    const char *url_field;
    rf_strset *domains, *urls, *url_words, *url_soft;
    int64_t url_soft_threshold;
    rf_wl *url_sub;
    rf_wl *words;
    int have_soft;
    int64_t soft_threshold;
    double soft_ratio;
    rf_ft_model *tox;
    int32_t *tox_labels;
    size_t ntox;
    char *tox_name;
    double tox_threshold;
} harm_state;

typedef struct harm_tls {
    rf_wl_scratch *ws, *us;
    rf_ft_scratch *fs;
    rf_ft_pred *pred;
    rf_buf url, host, word, soft_seen;
} harm_tls;

static const rf_optspec harm_opts[] = {
    {"url-field", 0, RF_OPT_STR, "url", "NAME",
     "JSON field with the document's URL (documents without one skip the URL checks)", NULL},
    {"domains", 0, RF_OPT_LIST, NULL, "FILE",
     "domain blocklist (plain, hosts-file or ||domain^ lines; .gz etc. read too); a listed "
     "domain blocks its subdomains",
     NULL},
    {"urls", 0, RF_OPT_LIST, NULL, "FILE", "exact URLs to block, one per line", NULL},
    {"url-words", 0, RF_OPT_LIST, NULL, "FILE",
     "words that block a URL when one of its alphanumeric pieces equals them (datatrove's "
     "banned_words)",
     NULL},
    {"url-soft-words", 0, RF_OPT_LIST, NULL, "FILE",
     "words that block a URL when --url-soft-threshold different ones occur in it", NULL},
    {"url-soft-threshold", 0, RF_OPT_INT, "2", "N", "different soft words that block a URL",
     NULL},
    {"url-subwords", 0, RF_OPT_LIST, NULL, "FILE",
     "strings that block a URL when they occur in its letters and digits (datatrove's "
     "banned_subwords)",
     NULL},
    {"hard-words", 0, RF_OPT_LIST, NULL, "FILE",
     "word list: one hit rejects a document (e.g. LDNOOBW as C4 uses it)", NULL},
    {"soft-words", 0, RF_OPT_LIST, NULL, "FILE", "word list whose hits are counted", NULL},
    {"soft-threshold", 0, RF_OPT_INT, "3", "N", "soft-list hits that reject a document", NULL},
    {"soft-ratio", 0, RF_OPT_FLOAT, "0", "R",
     "and the hits must be at least this share of the document's words (0: any share)", NULL},
    {"korean", 0, RF_OPT_FLAG, "true", NULL,
     "the built-in Korean lists: slurs and extreme profanity hard, profanity soft", NULL},
    {"matcher", 0, RF_OPT_ENUM, "ac", "ENGINE",
     "word-list engine: one Aho-Corasick automaton, or one PCRE2 JIT regex", "ac|pcre2"},
    {"toxic-model", 0, RF_OPT_STR, NULL, "PATH", "fastText toxicity classifier (.bin/.ftz)",
     NULL},
    {"toxic-label", 0, RF_OPT_LIST, NULL, "LABEL",
     "label(s) of --toxic-model whose probabilities add up to the toxicity score", NULL},
    {"toxic-threshold", 0, RF_OPT_FLOAT, "0.5", "P", "reject when the toxicity score is >= P",
     NULL},
    RF_OPTSPEC_END,
};

static void harm_release(rf_stage *st)
{
    harm_state *s = st->state;
    if (!s)
        return;
    rf_strset_free(s->domains);
    rf_strset_free(s->urls);
    rf_strset_free(s->url_words);
    rf_strset_free(s->url_soft);
    rf_wl_free(s->url_sub);
    rf_wl_free(s->words);
    rf_ft_free(s->tox);
    free(s->tox_labels);
    free(s->tox_name);
    free(s);
    st->state = NULL;
}

typedef int (*load_fn)(rf_strset *, const char *, rf_err *);

static int load_sets(const rf_opts *o, const char *opt, rf_strset **set, load_fn fn, rf_err *err)
{
    const char *const *files;
    size_t n = rf_opt_list(o, opt, &files);
    for (size_t i = 0; i < n; i++) {
        if (!*set)
            *set = rf_strset_new();
        int rc = fn(*set, files[i], err);
        if (rc)
            return rf_err_prefix(err, "--%s", opt);
    }
    return 0;
}

static int load_wordlists(const rf_opts *o, const char *opt, rf_wl **wl, int mode, int soft,
                          rf_err *err)
{
    const char *const *files;
    size_t n = rf_opt_list(o, opt, &files);
    for (size_t i = 0; i < n; i++) {
        if (!*wl)
            *wl = rf_wl_new(mode);
        int rc = rf_wl_add_file(*wl, files[i], soft, err);
        if (rc < 0)
            return rf_err_prefix(err, "--%s", opt);
    }
    return 0;
}

static int harm_init(rf_stage *st, const rf_opts *o, rf_err *err)
{
    harm_state *s = rf_xcalloc(1, sizeof *s);
    st->state = s;
    int rc = 0;
    s->url_field = rf_opt_str(o, "url-field");
    s->url_soft_threshold = rf_opt_int(o, "url-soft-threshold");
    s->soft_threshold = rf_opt_int(o, "soft-threshold");
    s->soft_ratio = rf_opt_float(o, "soft-ratio");
    s->tox_threshold = rf_opt_float(o, "toxic-threshold");
    if (s->url_soft_threshold < 1 || s->soft_threshold < 1) {
        rc = rf_errf(err, RF_EUSAGE, "--soft-threshold and --url-soft-threshold must be >= 1");
        goto out;
    }
    if (!(s->soft_ratio >= 0.0 && s->soft_ratio <= 1.0)) {
        rc = rf_errf(err, RF_EUSAGE, "--soft-ratio must be between 0 and 1");
        goto out;
    }
    if ((rc = load_sets(o, "domains", &s->domains, rf_domains_load, err)) ||
        (rc = load_sets(o, "urls", &s->urls, rf_lines_load, err)) ||
        (rc = load_sets(o, "url-words", &s->url_words, rf_urlwords_load, err)) ||
        (rc = load_sets(o, "url-soft-words", &s->url_soft, rf_urlwords_load, err)) ||
        (rc = load_wordlists(o, "url-subwords", &s->url_sub, RF_WL_URL, 0, err)) ||
        (rc = load_wordlists(o, "hard-words", &s->words, RF_WL_TEXT, 0, err)) ||
        (rc = load_wordlists(o, "soft-words", &s->words, RF_WL_TEXT, 1, err)))
        goto out;
    const char *const *soft_files;
    if (rf_opt_list(o, "soft-words", &soft_files))
        s->have_soft = 1;
    if (rf_opt_flag(o, "korean")) {
        if (!s->words)
            s->words = rf_wl_new(RF_WL_TEXT);
        if ((rc = rf_wl_add_list(s->words, "korean-hard", rf_harm_ko_hard, rf_harm_ko_hard_len, 0,
                                 err)) < 0 ||
            (rc = rf_wl_add_list(s->words, "korean-soft", rf_harm_ko_soft, rf_harm_ko_soft_len, 1,
                                 err)) < 0)
            goto out;
        rc = 0;
        s->have_soft = 1;
    }
    int engine = !strcmp(rf_opt_str(o, "matcher"), "pcre2") ? RF_WL_PCRE2 : RF_WL_AC;
    if (s->words && (rc = rf_wl_compile(s->words, engine, err)))
        goto out;
    if (s->url_sub && (rc = rf_wl_compile(s->url_sub, engine, err)))
        goto out;
    const char *tox = rf_opt_str(o, "toxic-model");
    const char *const *labels;
    s->ntox = rf_opt_list(o, "toxic-label", &labels);
    if (tox) {
        if (!s->ntox) {
            rc = rf_errf(err, RF_EUSAGE, "--toxic-model needs --toxic-label (the toxic class)");
            goto out;
        }
        if (!(s->tox_threshold >= 0.0 && s->tox_threshold <= 1.0)) {
            rc = rf_errf(err, RF_EUSAGE, "--toxic-threshold must be between 0 and 1");
            goto out;
        }
        if ((rc = rf_ft_load(&s->tox, tox, err)))
            goto out;
        s->tox_labels = rf_xmalloc(s->ntox * sizeof *s->tox_labels);
        rf_buf name = RF_BUF_INIT;
        for (size_t i = 0; i < s->ntox; i++) {
            s->tox_labels[i] = rf_ft_label_id(s->tox, labels[i], strlen(labels[i]));
            if (s->tox_labels[i] < 0) {
                rf_buf_release(&name);
                rc = rf_errf(err, RF_EUSAGE, "%s has no label '%s'", tox, labels[i]);
                goto out;
            }
            size_t len;
            const char *l = rf_ft_label(s->tox, s->tox_labels[i], &len);
            if (i)
                rf_buf_addc(&name, '+');
            rf_buf_add(&name, l, len);
        }
        s->tox_name = rf_buf_detach(&name, NULL);
    } else if (s->ntox) {
        rc = rf_errf(err, RF_EUSAGE, "--toxic-label needs --toxic-model");
        goto out;
    }
out:
    if (rc)
        harm_release(st);
    return rc;
}

static int harm_thread_init(rf_stage *st, void **tls, rf_err *err)
{
    (void)err;
    harm_state *s = st->state;
    harm_tls *t = rf_xcalloc(1, sizeof *t);
    if (s->words)
        t->ws = rf_wl_scratch_new(s->words);
    if (s->url_sub)
        t->us = rf_wl_scratch_new(s->url_sub);
    if (s->tox) {
        t->fs = rf_ft_scratch_new(s->tox);
        t->pred = rf_xmalloc((size_t)rf_ft_nlabels(s->tox) * sizeof *t->pred);
    }
    *tls = t;
    return 0;
}

static void harm_thread_release(rf_stage *st, void *tls)
{
    (void)st;
    harm_tls *t = tls;
    rf_wl_scratch_free(t->ws);
    rf_wl_scratch_free(t->us);
    rf_ft_scratch_free(t->fs);
    free(t->pred);
    rf_buf_release(&t->url);
    rf_buf_release(&t->host);
    rf_buf_release(&t->word);
    rf_buf_release(&t->soft_seen);
    free(t);
}

typedef struct url_ctx {
    const harm_state *s;
    harm_tls *t;
    const char *banned; /* hard word found */
    size_t nsoft;
} url_ctx;

static int url_word(void *ctx, const char *w, size_t n)
{
    url_ctx *c = ctx;
    if (c->s->url_words && rf_strset_has(c->s->url_words, w, n)) {
        c->banned = w;
        return 1;
    }
    if (c->s->url_soft && rf_strset_has(c->s->url_soft, w, n)) {
        /* Each soft word counts once: remember the ones seen, '\n'-separated. */
        rf_buf *seen = &c->t->soft_seen;
        size_t i = 0;
        while (i < seen->len) {
            const char *nl = memchr(seen->p + i, '\n', seen->len - i);
            size_t e = (size_t)(nl - seen->p);
            if (e - i == n && !memcmp(seen->p + i, w, n))
                return 0;
            i = e + 1;
        }
        rf_buf_add(seen, w, n);
        rf_buf_addc(seen, '\n');
        c->nsoft++;
    }
    return 0;
}

/* The URL field as text, or NULL. */
static const char *doc_url(const harm_state *s, harm_tls *t, rf_doc *d, size_t *n)
{
    size_t vn;
    int type;
    const char *v = rf_doc_field(d, s->url_field, &vn, &type);
    if (!v || type != RF_JSON_STRING || vn < 2)
        return NULL;
    rf_buf_reset(&t->url);
    rf_buf_grow(&t->url, vn);
    size_t k = rf_json_unescape(v + 1, vn - 2, t->url.p);
    rf_buf_setlen(&t->url, k);
    *n = k;
    return t->url.p;
}

static int check_url(const harm_state *s, harm_tls *t, rf_work *w, rf_doc *d)
{
    if (!s->domains && !s->urls && !s->url_words && !s->url_soft && !s->url_sub)
        return 0;
    size_t n = 0;
    const char *url = doc_url(s, t, d, &n);
    if (!url) {
        rf_stats_count(w->stats, "no_url", 1);
        return 0;
    }
    if (s->domains && rf_url_host(url, n, &t->host)) {
        const char *m;
        size_t ml;
        if (rf_domain_blocked(s->domains, t->host.p, t->host.len, &m, &ml)) {
            rf_doc_reject(d, "blocked_domain", "%s (listed: %.*s)", t->host.p, (int)ml, m);
            return 1;
        }
    }
    if (s->urls && rf_strset_has(s->urls, url, n)) {
        rf_doc_reject(d, "blocked_url", "%.*s", (int)(n > 200 ? 200 : n), url);
        return 1;
    }
    if (s->url_words || s->url_soft) {
        url_ctx c = {s, t, NULL, 0};
        rf_buf_reset(&t->soft_seen);
        if (rf_url_words(url, n, &t->word, url_word, &c)) {
            rf_doc_reject(d, "url_banned_word", "'%s' in the URL", t->word.p);
            return 1;
        }
        if (c.nsoft >= (size_t)s->url_soft_threshold) {
            for (size_t i = 0; i < t->soft_seen.len; i++)
                if (t->soft_seen.p[i] == '\n')
                    t->soft_seen.p[i] = ' ';
            rf_doc_reject(d, "url_soft_words", "%zu soft words in the URL: %.*s", c.nsoft,
                          (int)(t->soft_seen.len ? t->soft_seen.len - 1 : 0), t->soft_seen.p);
            return 1;
        }
    }
    if (s->url_sub) {
        rf_wl_hits h;
        rf_wl_scan(s->url_sub, t->us, url, n, 1, &h);
        if (h.first_hard >= 0) {
            rf_doc_reject(d, "url_banned_subword", "'%s' (%s) in the URL",
                          rf_wl_entry(s->url_sub, h.first_hard),
                          rf_wl_entry_list(s->url_sub, h.first_hard));
            return 1;
        }
    }
    return 0;
}

static int harm_process(rf_stage *st, rf_work *w, rf_doc *d, rf_err *err)
{
    (void)err;
    const harm_state *s = st->state;
    harm_tls *t = w->tls;
    if (check_url(s, t, w, d))
        return 0;
    size_t n;
    const char *text = rf_doc_text(d, &n);
    if (s->words) {
        rf_wl_hits h;
        rf_wl_scan(s->words, t->ws, text, n, 1, &h);
        if (h.first_hard >= 0) {
            rf_doc_reject(d, "banned_word", "'%s' (%s)", rf_wl_entry(s->words, h.first_hard),
                          rf_wl_entry_list(s->words, h.first_hard));
            return 0;
        }
        if (s->have_soft) {
            rf_doc_annotate_int(d, "harm_soft", (int64_t)h.soft);
            if (h.soft)
                rf_stats_count(w->stats, "soft_hits", h.soft);
            if (h.soft >= (uint64_t)s->soft_threshold) {
                size_t words = s->soft_ratio > 0 ? rf_wl_last_words(t->ws) : 0;
                if (s->soft_ratio <= 0 || (double)h.soft >= s->soft_ratio * (double)words) {
                    char ex[512];
                    size_t k = 0;
                    ex[0] = '\0';
                    for (int i = 0; i < h.nsoft_ids && k < sizeof ex - 1; i++)
                        k += (size_t)snprintf(ex + k, sizeof ex - k, "%s'%s'", i ? ", " : "",
                                              rf_wl_entry(s->words, h.soft_ids[i]));
                    if (k >= sizeof ex)
                        k = sizeof ex - 1;
                    rf_doc_reject(d, "soft_words", "%llu soft-list hits (%s%s)",
                                  (unsigned long long)h.soft, ex,
                                  (uint64_t)h.nsoft_ids < h.soft ? ", ..." : "");
                    return 0;
                }
            }
        }
    }
    if (s->tox) {
        int np = rf_ft_predict(s->tox, t->fs, text, n, -1, 0.0f, t->pred);
        double score = 0.0;
        for (int i = 0; i < np; i++)
            for (size_t j = 0; j < s->ntox; j++)
                if (t->pred[i].label == s->tox_labels[j])
                    score += t->pred[i].prob;
        /* fastText's printed probabilities carry +1e-5 smoothing each. */
        if (score > 1.0)
            score = 1.0;
        rf_doc_annotate_num(d, "toxicity", score, 6);
        if (score >= s->tox_threshold) {
            rf_doc_reject(d, "toxic", "P(%s) = %.4g >= %g", s->tox_name, score, s->tox_threshold);
            return 0;
        }
    }
    return 0;
}

const rf_stage_desc rf_stage_harm = {
    .name = "harm",
    .summary = "URL/domain blocklists, word lists (Korean built in) and a toxicity classifier.",
    .usage = "Reject reasons: blocked_domain, blocked_url, url_banned_word, url_soft_words,\n"
             "url_banned_subword, banned_word, soft_words, toxic (details name the entry\n"
             "and its list). Word lists: one entry per line, '#' comments; matched after NFKC\n"
             "and case folding on word boundaries (Hangul entries as eojeol prefixes; '*x'\n"
             "or 'x*' frees a side, '=x' demands both). Example:\n"
             "  refine-harm --hard-words ldnoobw.txt --domains blocklist.txt \\\n"
             "      --toxic-model kor_hate.bin --toxic-label hate --toxic-threshold 0.8",
    .opts = harm_opts,
    .init = harm_init,
    .release = harm_release,
    .thread_init = harm_thread_init,
    .thread_release = harm_thread_release,
    .process = harm_process,
};
