/* spam_stage.c — the `spam` stage (stage 7): runs rf_spam_check of spam.c
 * on every document, writes the text with boilerplate lines and invisible
 * characters taken out, counts removed lines per kind (spam_lines_boilerplate,
 * spam_lines_repeated, ...) and invisible characters (spam_invisible_chars),
 * annotates refine.spam = {kind: count} for edited documents, and rejects
 * spam documents with a named reason. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filters/spam.h"
#include "stages/stage.h"

typedef struct spam_state {
    rf_spam *det;
    int annotate;
    char counter_names[RF_SPAM_LINE_NKINDS][40];
} spam_state;

typedef struct spam_tls {
    rf_spam_scratch *sc;
    rf_buf out;
} spam_tls;

static const rf_optspec spam_opts[] = {
    {"boilerplate", 0, RF_OPT_FLAG, "true", NULL,
     "remove boilerplate lines (copyright, share bars, cookie/login prompts, news tails, "
     "bylines, related-article lists, prev/next, menus, breadcrumbs)", NULL},
    {"repeated-lines", 0, RF_OPT_FLAG, "true", NULL,
     "remove lines repeated within a document (the first copy stays)", NULL},
    {"noise-lines", 0, RF_OPT_FLAG, "true", NULL,
     "remove lines that are mostly links, hashtags or emoji", NULL},
    {"max-line-bytes", 0, RF_OPT_INT, "200", "N",
     "lines longer than N bytes are never treated as boilerplate", NULL},
    {"min-repeat-chars", 0, RF_OPT_INT, "20", "N",
     "lines with fewer characters are never removed as repeats", NULL},
    {"max-removed", 0, RF_OPT_FLOAT, "0.5", "F",
     "reject (mostly_boilerplate) when more than this share of the bytes was removed", NULL},
    {"min-chars", 0, RF_OPT_INT, "50", "N",
     "reject (too_short_after_removal) an edited document left with fewer non-space characters",
     NULL},
    {"lexicon-density", 0, RF_OPT_FLOAT, "0.05", "F",
     "gambling/adult/loan/SEO spam: weighted lexicon hits per word needed to reject", NULL},
    {"lexicon-min-hits", 0, RF_OPT_FLOAT, "3", "F",
     "weighted hits needed in a category (strong terms 1, weak terms 0.5; at least two distinct "
     "terms, one strong)", NULL},
    {"min-words", 0, RF_OPT_INT, "20", "N", "documents with fewer words skip the stuffing checks",
     NULL},
    {"dominant-word", 0, RF_OPT_FLOAT, "0.25", "F",
     "keyword_stuffing when the most frequent word is at least this share of the words", NULL},
    {"dup-ngram", 0, RF_OPT_FLOAT, "0.5", "F",
     "repeated_ngrams when at least this share of word 3-grams repeat an earlier one", NULL},
    {"hashtag-share", 0, RF_OPT_FLOAT, "0.3", "F", "hashtag_flood: hashtags per word", NULL},
    {"hashtag-min", 0, RF_OPT_INT, "5", "N", "hashtag_flood needs at least N hashtags", NULL},
    {"emoji-share", 0, RF_OPT_FLOAT, "0.15", "F", "emoji_flood: emoji per character", NULL},
    {"emoji-min", 0, RF_OPT_INT, "10", "N", "emoji_flood needs at least N emoji", NULL},
    {"invisible-share", 0, RF_OPT_FLOAT, "0.02", "F",
     "invisible_stuffing: zero-width/format characters per character (they are always removed)",
     NULL},
    {"invisible-min", 0, RF_OPT_INT, "8", "N", "invisible_stuffing needs at least N of them", NULL},
    {"code-share", 0, RF_OPT_FLOAT, "0.3", "F",
     "documents with at least this share of code-like lines (ending in ; { }, directives, "
     "definitions, indented) keep every line and skip the stuffing checks; > 1 turns this off",
     NULL},
    {"annotate", 0, RF_OPT_FLAG, "true", NULL,
     "add refine.spam = {kind: count} to edited documents", NULL},
    RF_OPTSPEC_END,
};

static void spam_release(rf_stage *st)
{
    spam_state *s = st->state;
    if (!s)
        return;
    rf_spam_free(s->det);
    free(s);
    st->state = NULL;
}

static int nonneg(const rf_opts *o, const char *name, int64_t *v, rf_err *err)
{
    *v = rf_opt_int(o, name);
    return *v < 0 ? rf_errf(err, RF_EUSAGE, "--%s must be >= 0", name) : 0;
}

static int spam_init(rf_stage *st, const rf_opts *o, rf_err *err)
{
    rf_spam_config c;
    rf_spam_config_defaults(&c);
    c.boilerplate = rf_opt_flag(o, "boilerplate");
    c.repeated = rf_opt_flag(o, "repeated-lines");
    c.noise_lines = rf_opt_flag(o, "noise-lines");
    int64_t v;
    int rc;
#define GETI(name, field)                          \
    if ((rc = nonneg(o, name, &v, err)) != 0)      \
        return rc;                                 \
    c.field = (size_t)v;
    GETI("max-line-bytes", max_line_bytes);
    GETI("min-repeat-chars", min_repeat_chars);
    GETI("min-chars", min_chars);
    GETI("min-words", min_words);
    GETI("hashtag-min", hashtag_min);
    GETI("emoji-min", emoji_min);
    GETI("invisible-min", invisible_min);
#undef GETI
    c.max_removed = rf_opt_float(o, "max-removed");
    c.lexicon_density = rf_opt_float(o, "lexicon-density");
    c.lexicon_min_hits = rf_opt_float(o, "lexicon-min-hits");
    c.dominant_word = rf_opt_float(o, "dominant-word");
    c.dup_ngram = rf_opt_float(o, "dup-ngram");
    c.hashtag_share = rf_opt_float(o, "hashtag-share");
    c.emoji_share = rf_opt_float(o, "emoji-share");
    c.invisible_share = rf_opt_float(o, "invisible-share");
    c.code_share = rf_opt_float(o, "code-share");
    if (!(c.max_removed >= 0 && c.max_removed <= 1))
        return rf_errf(err, RF_EUSAGE, "--max-removed must be between 0 and 1");
    spam_state *s = rf_xcalloc(1, sizeof *s);
    s->annotate = rf_opt_flag(o, "annotate");
    for (int k = 1; k < RF_SPAM_LINE_NKINDS; k++)
        snprintf(s->counter_names[k], sizeof s->counter_names[k], "spam_lines_%s",
                 rf_spam_line_name(k));
    rc = rf_spam_new(&s->det, &c, err);
    if (rc) {
        free(s);
        return rc;
    }
    st->state = s;
    return 0;
}

static int spam_thread_init(rf_stage *st, void **tls, rf_err *err)
{
    spam_state *s = st->state;
    spam_tls *t = rf_xcalloc(1, sizeof *t);
    t->sc = rf_spam_scratch_new(s->det);
    if (!t->sc) {
        free(t);
        return rf_errf(err, RF_ENOMEM, "spam: out of memory");
    }
    *tls = t;
    return 0;
}

static void spam_thread_release(rf_stage *st, void *tls)
{
    (void)st;
    spam_tls *t = tls;
    if (!t)
        return;
    rf_spam_scratch_free(t->sc);
    rf_buf_release(&t->out);
    free(t);
}

static int spam_process(rf_stage *st, rf_work *w, rf_doc *d, rf_err *err)
{
    (void)err;
    const spam_state *s = st->state;
    spam_tls *tl = w->tls;
    size_t n;
    const char *t = rf_doc_text(d, &n);
    rf_spam_result r;
    rf_spam_check(s->det, tl->sc, t, n, &r, &tl->out);
    for (int k = 1; k < RF_SPAM_LINE_NKINDS; k++)
        if (r.removed[k])
            rf_stats_count(w->stats, s->counter_names[k], r.removed[k]);
    if (r.removed[0])
        rf_stats_count(w->stats, "spam_lines_removed", r.removed[0]);
    if (r.invisible)
        rf_stats_count(w->stats, "spam_invisible_chars", r.invisible);
    /* A rejected document keeps its input text, so --rejects shows what
     * was judged. */
    if (r.edited && !r.reject) {
        char *nt = rf_arena_memdup(w->arena, tl->out.p ? tl->out.p : "", tl->out.len);
        rf_doc_set_text(d, nt, tl->out.len);
        if (s->annotate) {
            rf_buf b = RF_BUF_INIT;
            rf_buf_addc(&b, '{');
            int first = 1;
            for (int k = 1; k < RF_SPAM_LINE_NKINDS; k++)
                if (r.removed[k]) {
                    rf_buf_addf(&b, "%s\"%s\":%zu", first ? "" : ",", rf_spam_line_name(k),
                                r.removed[k]);
                    first = 0;
                }
            if (r.invisible)
                rf_buf_addf(&b, "%s\"invisible\":%zu", first ? "" : ",", r.invisible);
            rf_buf_addc(&b, '}');
            rf_doc_annotate_raw(d, "spam", b.p, b.len);
            rf_buf_release(&b);
        }
        rf_stats_count(w->stats, "spam_docs_edited", 1);
    }
    if (r.reject)
        rf_doc_reject(d, r.reject, "%s", r.detail);
    return 0;
}

const rf_stage_desc rf_stage_spam = {
    .name = "spam",
    .summary = "Remove boilerplate/noise lines; reject gambling/adult/loan/SEO spam and stuffing.",
    .usage = "Lines removed: Korean/English boilerplate (copyright, share/subscribe bars, cookie and\n"
             "login prompts, read more, breadcrumbs, prev/next, 무단전재 및 재배포 금지, ⓒ/저작권자,\n"
             "기자 bylines, ▶ 관련기사, 이전글/다음글/목록), menus, lines that are mostly links,\n"
             "hashtags or emoji, repeated lines. Zero-width and other invisible characters are\n"
             "removed and counted. Reject reasons: invisible_stuffing, spam_gambling, spam_adult,\n"
             "spam_loan, spam_seo, hashtag_flood, emoji_flood, keyword_stuffing, repeated_ngrams,\n"
             "mostly_boilerplate, too_short_after_removal.",
    .opts = spam_opts,
    .init = spam_init,
    .release = spam_release,
    .thread_init = spam_thread_init,
    .thread_release = spam_thread_release,
    .process = spam_process,
};
