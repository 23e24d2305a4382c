/* heuristic_rules.h — Gopher quality, Gopher repetition, C4 and FineWeb
 * rules with per-language profiles.
 *
 * The rule definitions follow the papers and, for English, the exact
 * counting of datatrove's GopherQualityFilter, GopherRepetitionFilter,
 * C4QualityFilter and FineWebQualityFilter (Python len() in code points,
 * str.splitlines(), spaCy tokens), so the English profile reaches the same
 * decisions with the same thresholds. Other profiles change the word
 * splitting (Korean eojeol, CJK characters), the stop words and the
 * thresholds.
 *
 * Every rule can be switched off (a threshold of RF_HEUR_OFF, a flag of 0)
 * and every threshold changed. Evaluation is a pure function of the profile
 * and the text; the scratch struct only holds reusable buffers, one per
 * thread. */
#ifndef RF_HEURISTIC_RULES_H
#define RF_HEURISTIC_RULES_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "filters/heuristic_words.h"
#include "stages/buf.h"
#include "stages/err.h"

/* A threshold that is switched off. */
#define RF_HEUR_OFF NAN
static inline int rf_heur_on(double t) { return !isnan(t); }

typedef enum rf_heur_prof {
    RF_PROF_EN = 0,
    RF_PROF_KO,
    RF_PROF_JA,
    RF_PROF_ZH,
    RF_PROF_OTHER,
    RF_PROF_COUNT
} rf_heur_prof;

const char *rf_heur_prof_name(rf_heur_prof p);
int rf_heur_prof_parse(const char *s, size_t n, rf_heur_prof *out);

typedef struct rf_strlist {
    char **v;
    size_t *len; /* strlen of each */
    size_t n;
} rf_strlist;

typedef struct rf_heur_profile {
    rf_words_mode words;

    /* Gopher quality */
    int gq;
    double gq_min_words, gq_max_words;       /* words with a non-punctuation character */
    double gq_min_avg_len, gq_max_avg_len;   /* their mean length in characters */
    double gq_max_symbol_ratio;              /* '#' per word, and "..."/"…" per word */
    double gq_max_bullet_lines;              /* share of lines starting with • or - */
    double gq_max_ellipsis_lines;            /* share of lines ending in ... or … */
    double gq_min_alpha_words;               /* share of words with a letter */
    double gq_min_stop_words;                /* distinct stop words present */
    rf_strlist gq_stop_words;
    int gq_stop_suffix;                      /* a word counts when it ends with the stop word
                                                (Korean particles and endings) */

    /* Gopher repetition */
    int gr;
    double gr_dup_para_frac, gr_dup_para_char_frac;
    double gr_dup_line_frac, gr_dup_line_char_frac;
    double gr_top_ngram[3]; /* n = 2, 3, 4: chars of the most frequent n-gram */
    double gr_dup_ngram[6]; /* n = 5 .. 10: chars inside repeated n-grams */

    /* C4 */
    int c4;
    double c4_max_word_len;      /* lines with a longer word are removed */
    int c4_citations;            /* remove [1], [edit], [citation needed] */
    int c4_terminal_punct;       /* remove lines not ending in c4_terminal (or ending in ...) */
    rf_strlist c4_terminal;
    double c4_min_words_per_line;
    int c4_lorem_ipsum;          /* reject documents containing "lorem ipsum" (RF_C4_SCOPE_*) */
    int c4_javascript;           /* remove lines mentioning javascript */
    int c4_curly_bracket;        /* reject documents with a '{' (RF_C4_SCOPE_*) */
    int c4_policy;               /* remove cookie / terms-of-use lines */
    double c4_min_sentences;

    /* FineWeb */
    int fw;
    double fw_min_line_punct;    /* share of lines ending in fw_stop */
    int fw_line_punct_exclude_zero;
    rf_strlist fw_stop;          /* "@sterm" = every Unicode sentence terminal */
    double fw_max_short_lines;   /* share of lines of at most fw_short_line_len chars */
    double fw_short_line_len;
    double fw_max_char_dup;      /* chars in duplicated lines / all chars */
    double fw_max_newline_ratio; /* newlines per word */
} rf_heur_profile;

/* Fills p with the built-in defaults of profile `which`. */
void rf_heur_profile_default(rf_heur_profile *p, rf_heur_prof which);
void rf_heur_profile_release(rf_heur_profile *p);
/* Deep copy. */
void rf_heur_profile_copy(rf_heur_profile *dst, const rf_heur_profile *src);

/* ---- parameters by name (options, config keys, pipeline sections) ---- */

/* Where C4's document-level checks ("lorem ipsum", '{') look: nowhere, in
 * the lines that survived the line filters (TFDS's C4 code and datatrove do
 * this), or anywhere on the page (as the C4 paper states the rule). */
enum { RF_C4_SCOPE_OFF = 0, RF_C4_SCOPE_LINE = 1, RF_C4_SCOPE_PAGE = 2 };

typedef enum rf_heur_ptype {
    RF_HP_FLAG,  /* on / off */
    RF_HP_THR,   /* number, or off */
    RF_HP_LIST,  /* space-separated strings */
    RF_HP_SCOPE  /* off / line / page (RF_C4_SCOPE_*) */
} rf_heur_ptype;

typedef struct rf_heur_param {
    const char *name;   /* option name, e.g. "gopher-min-words" */
    rf_heur_ptype type;
    size_t offset;      /* into rf_heur_profile */
    const char *help;   /* with the per-profile defaults */
    const char *def[RF_PROF_COUNT];
} rf_heur_param;

extern const rf_heur_param rf_heur_params[];
extern const size_t rf_heur_nparams;

/* Applies one option value to the profiles: "V" sets every profile,
 * "LANG:V;LANG:V" only the named ones (LANG = en, ko, ja, zh, other; scalar
 * values may also be separated by ','). Flags take on/off/true/false,
 * thresholds a number or "off", lists space-separated words ("" = empty). */
int rf_heur_param_apply(const rf_heur_param *prm, const char *value,
                        rf_heur_profile prof[RF_PROF_COUNT], rf_err *err);

/* ---- evaluation ---- */

/* What a rule measured: NaN where it was not computed. Without
 * RF_HEUR_ALL_METRICS a count may stop where its rule is settled
 * (c4_sentences stops at c4-min-sentences). */
typedef struct rf_heur_metrics {
    double gq_words, gq_avg_len, gq_hash_ratio, gq_ellipsis_ratio, gq_bullet_lines,
        gq_ellipsis_lines, gq_alpha_words, gq_stop_words;
    double gr_dup_para_frac, gr_dup_para_char_frac, gr_dup_line_frac, gr_dup_line_char_frac,
        gr_top_ngram[3], gr_dup_ngram[6];
    double c4_sentences;
    double fw_line_punct, fw_short_lines, fw_char_dup, fw_newline_ratio;
} rf_heur_metrics;

enum {
    RF_C4_TOO_LONG_WORD = 0,
    RF_C4_NO_TERMINAL_PUNCT,
    RF_C4_TOO_FEW_WORDS,
    RF_C4_JAVASCRIPT,
    RF_C4_POLICY,
    RF_C4_NREASONS
};
extern const char *const rf_c4_line_reasons[RF_C4_NREASONS];

typedef struct rf_heur_result {
    const char *reason; /* NULL: keep; else a static rule name */
    double value, threshold;
    /* Text after C4 line removal (the input when nothing changed); valid
     * until the scratch is used again. */
    const char *text;
    size_t text_len;
    int edited;
    uint32_t c4_removed[RF_C4_NREASONS]; /* non-blank lines removed, per reason */
    uint64_t c4_removed_chars;           /* code points of those lines */
    rf_heur_metrics m;
} rf_heur_result;

/* Resets r for the text (p, n): keep, no edit, metrics NaN. */
void rf_heur_result_init(rf_heur_result *r, const char *p, size_t n);

typedef struct rf_heur_scratch rf_heur_scratch;
rf_heur_scratch *rf_heur_scratch_new(void);
void rf_heur_scratch_free(rf_heur_scratch *s);

enum {
    RF_HEUR_ALL_METRICS = 1, /* keep measuring after the first failed rule */
};

/* Runs the enabled rule groups in FineWeb's order (Gopher repetition,
 * Gopher quality, C4, FineWeb) on (p, n), valid UTF-8. C4 edits the text;
 * FineWeb sees the edited text. */
void rf_heur_eval(const rf_heur_profile *pr, rf_heur_scratch *s, const char *p, size_t n,
                  unsigned flags, rf_heur_result *r);

/* rf_heur_eval for a text whose code points the caller has counted
 * already (language ID does): saves the rules a pass over the text. */
void rf_heur_eval_cps(const rf_heur_profile *pr, rf_heur_scratch *s, const char *p, size_t n,
                      size_t cps, unsigned flags, rf_heur_result *r);

/* The groups one by one (unit tests, parity checks), after
 * rf_heur_result_init. Each returns the reason of the first failed rule (also
 * stored in r->reason unless r already had one), or NULL. */
const char *rf_heur_gopher_quality(const rf_heur_profile *pr, rf_heur_scratch *s, const char *p,
                                   size_t n, unsigned flags, rf_heur_result *r);
const char *rf_heur_gopher_repetition(const rf_heur_profile *pr, rf_heur_scratch *s,
                                      const char *p, size_t n, unsigned flags, rf_heur_result *r);
const char *rf_heur_c4(const rf_heur_profile *pr, rf_heur_scratch *s, const char *p, size_t n,
                       unsigned flags, rf_heur_result *r);
const char *rf_heur_fineweb(const rf_heur_profile *pr, rf_heur_scratch *s, const char *p,
                            size_t n, unsigned flags, rf_heur_result *r);

/* Writes the computed metrics as a JSON object. */
void rf_heur_metrics_json(const rf_heur_metrics *m, rf_buf *out);

#endif
