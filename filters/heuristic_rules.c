/* heuristic_rules.c — the Gopher quality, Gopher repetition, C4 and FineWeb
 * rules, their per-language profiles, and the option syntax that sets them.
 *
 * Counting follows datatrove's Python implementation exactly, because the
 * English profile promises the same decisions: lengths are code points
 * (len()), "lines" are str.splitlines() for Gopher quality and C4,
 * text.split("\n") for FineWeb and re.split("\n+") for Gopher repetition,
 * paragraphs are re.split("\n{2,}", text.strip()), and words come from
 * heuristic_words (spaCy tokens for English). Where datatrove would divide by
 * zero (no words, no lines) the rule is skipped instead.
 *
 * Repetition's n-gram levels live in heuristic_ngrams; lines and
 * paragraphs are compared by XXH3 in the table of stages/htab.h. */
#define _POSIX_C_SOURCE 200809L
#define XXH_INLINE_ALL
#include "filters/heuristic_rules.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "stages/htab.h"
#include "filters/heuristic_ngrams.h"
#include "stages/bytemask.h"
#include "stages/text.h"
#include "stages/utf8.h"

/* ---- profiles and parameters ---- */

static const char *const prof_names[RF_PROF_COUNT] = {"en", "ko", "ja", "zh", "other"};

const char *rf_heur_prof_name(rf_heur_prof p)
{
    return (unsigned)p < RF_PROF_COUNT ? prof_names[p] : "other";
}

int rf_heur_prof_parse(const char *s, size_t n, rf_heur_prof *out)
{
    for (int i = 0; i < RF_PROF_COUNT; i++)
        if (strlen(prof_names[i]) == n && memcmp(prof_names[i], s, n) == 0) {
            *out = (rf_heur_prof)i;
            return 0;
        }
    return -1;
}

#define S(name, type, field, help, def) \
    {name, type, offsetof(rf_heur_profile, field), help, {def, def, def, def, def}},
#define P(name, type, field, help, en, ko, ja, zh, other) \
    {name, type, offsetof(rf_heur_profile, field), help, {en, ko, ja, zh, other}},
const rf_heur_param rf_heur_params[] = {
#include "filters/heuristic_params.def"
};
#undef S
#undef P
const size_t rf_heur_nparams = sizeof rf_heur_params / sizeof rf_heur_params[0];

static void strlist_free(rf_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    free(l->len);
    l->v = NULL;
    l->len = NULL;
    l->n = 0;
}

static int is_sep(char c)
{
    return c == ' ' || c == '\t';
}

/* Parses one value for one profile. */
static int set_value(const rf_heur_param *prm, const char *v, size_t n, rf_heur_profile *p,
                     rf_err *err)
{
    char *field = (char *)p + prm->offset;
    while (n && is_sep(*v)) {
        v++;
        n--;
    }
    while (n && is_sep(v[n - 1]))
        n--;
    char tmp[64];
    if (prm->type != RF_HP_LIST) {
        if (n >= sizeof tmp)
            return rf_errf(err, RF_EUSAGE, "--%s: value '%.*s' is too long", prm->name, (int)n, v);
        memcpy(tmp, v, n);
        tmp[n] = '\0';
    }
    switch (prm->type) {
    case RF_HP_FLAG: {
        int b;
        if (!strcmp(tmp, "on") || !strcmp(tmp, "true") || !strcmp(tmp, "yes") || !strcmp(tmp, "1"))
            b = 1;
        else if (!strcmp(tmp, "off") || !strcmp(tmp, "false") || !strcmp(tmp, "no") ||
                 !strcmp(tmp, "0"))
            b = 0;
        else
            return rf_errf(err, RF_EUSAGE, "--%s: expected on or off, not '%s'", prm->name, tmp);
        *(int *)field = b;
        return 0;
    }
    case RF_HP_SCOPE: {
        int sc;
        if (!strcmp(tmp, "off") || !strcmp(tmp, "false") || !strcmp(tmp, "no") || !strcmp(tmp, "0"))
            sc = RF_C4_SCOPE_OFF;
        else if (!strcmp(tmp, "line"))
            sc = RF_C4_SCOPE_LINE;
        else if (!strcmp(tmp, "page") || !strcmp(tmp, "on") || !strcmp(tmp, "true"))
            sc = RF_C4_SCOPE_PAGE;
        else
            return rf_errf(err, RF_EUSAGE, "--%s: expected off, line or page, not '%s'",
                           prm->name, tmp);
        *(int *)field = sc;
        return 0;
    }
    case RF_HP_THR: {
        if (!strcmp(tmp, "off") || !strcmp(tmp, "none")) {
            *(double *)field = RF_HEUR_OFF;
            return 0;
        }
        char *end;
        errno = 0;
        double d = strtod(tmp, &end);
        if (!*tmp || *end || errno || !isfinite(d))
            return rf_errf(err, RF_EUSAGE, "--%s: expected a number or off, not '%s'", prm->name,
                           tmp);
        *(double *)field = d;
        return 0;
    }
    case RF_HP_LIST: {
        rf_strlist *l = (rf_strlist *)field;
        strlist_free(l);
        size_t i = 0;
        while (i < n) {
            while (i < n && is_sep(v[i]))
                i++;
            size_t st = i;
            while (i < n && !is_sep(v[i]))
                i++;
            if (i > st) {
                l->v = rf_xrealloc(l->v, (l->n + 1) * sizeof *l->v);
                l->len = rf_xrealloc(l->len, (l->n + 1) * sizeof *l->len);
                l->len[l->n] = i - st;
                l->v[l->n++] = rf_xstrndup(v + st, i - st);
            }
        }
        return 0;
    }
    }
    return 0;
}

int rf_heur_param_apply(const rf_heur_param *prm, const char *value,
                        rf_heur_profile prof[RF_PROF_COUNT], rf_err *err)
{
    size_t len = strlen(value);
    /* Items: "V" or "LANG:V", separated by ';' (and ',' for scalars). */
    size_t i = 0;
    int any = 0;
    while (i <= len) {
        size_t st = i;
        while (i < len && value[i] != ';' && !(prm->type != RF_HP_LIST && value[i] == ','))
            i++;
        const char *item = value + st;
        size_t il = i - st;
        i++;
        size_t a = 0;
        while (a < il && is_sep(item[a]))
            a++;
        if (a == il) {
            if (il == len && prm->type == RF_HP_LIST) { /* "" = empty list everywhere */
                for (int k = 0; k < RF_PROF_COUNT; k++)
                    if (set_value(prm, "", 0, &prof[k], err))
                        return err ? err->code : RF_EUSAGE;
                return 0;
            }
            continue;
        }
        /* LANG: prefix? A language name followed by ':'. */
        const char *colon = memchr(item, ':', il);
        rf_heur_prof which;
        if (colon && rf_heur_prof_parse(item + a, (size_t)(colon - item) - a, &which) == 0) {
            int rc = set_value(prm, colon + 1, il - (size_t)(colon + 1 - item), &prof[which], err);
            if (rc)
                return rc;
        } else if (colon && (size_t)(colon - item) > a && (size_t)(colon - item) - a <= 12 &&
                   prm->type != RF_HP_LIST) {
            return rf_errf(err, RF_EUSAGE, "--%s: unknown profile '%.*s' (en, ko, ja, zh, other)",
                           prm->name, (int)((size_t)(colon - item) - a), item + a);
        } else {
            for (int k = 0; k < RF_PROF_COUNT; k++) {
                int rc = set_value(prm, item, il, &prof[k], err);
                if (rc)
                    return rc;
            }
        }
        any = 1;
    }
    if (!any && prm->type != RF_HP_LIST)
        return rf_errf(err, RF_EUSAGE, "--%s: empty value", prm->name);
    return 0;
}

void rf_heur_profile_default(rf_heur_profile *p, rf_heur_prof which)
{
    memset(p, 0, sizeof *p);
    p->words = which == RF_PROF_EN ? RF_WORDS_EN
               : (which == RF_PROF_JA || which == RF_PROF_ZH) ? RF_WORDS_CJK
                                                              : RF_WORDS_SPACE;
    for (size_t i = 0; i < rf_heur_nparams; i++) {
        const rf_heur_param *prm = &rf_heur_params[i];
        const char *d = prm->def[which];
        rf_err err;
        /* Built-in defaults are valid by construction (tests parse them). */
        (void)set_value(prm, d, strlen(d), p, &err);
    }
}

void rf_heur_profile_release(rf_heur_profile *p)
{
    if (!p)
        return;
    strlist_free(&p->gq_stop_words);
    strlist_free(&p->c4_terminal);
    strlist_free(&p->fw_stop);
}

static void strlist_copy(rf_strlist *d, const rf_strlist *s)
{
    d->n = s->n;
    d->v = s->n ? rf_xcalloc(s->n, sizeof *d->v) : NULL;
    d->len = s->n ? rf_xcalloc(s->n, sizeof *d->len) : NULL;
    for (size_t i = 0; i < s->n; i++) {
        d->v[i] = rf_xstrdup(s->v[i]);
        d->len[i] = s->len[i];
    }
}

void rf_heur_profile_copy(rf_heur_profile *dst, const rf_heur_profile *src)
{
    *dst = *src;
    strlist_copy(&dst->gq_stop_words, &src->gq_stop_words);
    strlist_copy(&dst->c4_terminal, &src->c4_terminal);
    strlist_copy(&dst->fw_stop, &src->fw_stop);
}

/* ---- scratch ---- */

typedef struct span {
    uint32_t off, len, cps;
} span;

/* A line of str.splitlines(): [off, off+len), and [b, e) after strip(). */
typedef struct sline {
    uint32_t off, len, b, e;
} sline;

struct rf_heur_scratch {
    rf_hwords words;     /* words of the text being evaluated */
    const char *wp;      /* ... which text (NULL: none) */
    size_t wn;
    rf_words_mode wmode;
    rf_hwords tmp;       /* C4 line words, sentence splitting */
    rf_ngrams *ngrams;   /* n-gram levels of the repetition rules */
    rf_htab t1;          /* duplicate lines and paragraphs */
    span *lines;
    size_t lcap;
    /* Per-text caches, valid for the text (cp, cn): one counting pass
     * (code points, '#', ellipses, newlines) and str.splitlines(). */
    const char *cp;
    size_t cn;
    int have_stats, have_sl;
    size_t cps, hashes, ellipses, newlines, seps; /* seps: \x1c-\x1e bytes */
    /* The code points of (known_p, known_n) when the caller counted them
     * (rf_heur_eval_cps), else known_p is NULL. */
    const char *known_p;
    size_t known_n, known_cps;
    uint32_t *nlpos; /* offsets of the newlines (`newlines` of them) */
    size_t nlcap;
    int only_lf; /* no line break other than \n: str.splitlines() == split at \n */
    sline *sl;
    size_t nsl, slcap;
    /* Words of the C4-edited text, counted while editing (FineWeb needs
     * the count): valid for (hint_p, hint_n). */
    const char *hint_p;
    size_t hint_n, hint_words;
    /* The lines of C4's result, which are FineWeb's lines of it when C4
     * cut no citation out (then every kept line is a stripped, non-blank
     * line without '\n'): valid for (kept_p, kept_n). */
    span *kept;
    size_t nkept, keptcap;
    const char *kept_p;
    size_t kept_n;
    rf_buf edit, line, lower;
};

rf_heur_scratch *rf_heur_scratch_new(void)
{
    rf_heur_scratch *s = rf_xcalloc(1, sizeof *s);
    rf_hwords_init(&s->words);
    rf_hwords_init(&s->tmp);
    s->ngrams = rf_ngrams_new();
    return s;
}

void rf_heur_scratch_free(rf_heur_scratch *s)
{
    if (!s)
        return;
    rf_hwords_release(&s->words);
    rf_hwords_release(&s->tmp);
    rf_ngrams_free(s->ngrams);
    rf_htab_release(&s->t1);
    free(s->lines);
    free(s->sl);
    free(s->nlpos);
    free(s->kept);
    rf_buf_release(&s->edit);
    rf_buf_release(&s->line);
    rf_buf_release(&s->lower);
    free(s);
}

static void words_for(rf_heur_scratch *s, const rf_heur_profile *pr, const char *p, size_t n)
{
    if (s->wp == p && s->wn == n && s->wmode == pr->words)
        return;
    rf_hwords_split(&s->words, p, n, pr->words);
    s->wp = p;
    s->wn = n;
    s->wmode = pr->words;
}

/* ---- text helpers (Python semantics) ---- */

static size_t count_cps(const char *p, size_t n)
{
    return rf_utf8_count(p, n);
}

/* Code point before byte position e (e > 0), and its start. */
static uint32_t cp_before(const char *p, size_t e, size_t *start)
{
    size_t b = e - 1;
    while (b > 0 && ((unsigned char)p[b] & 0xC0) == 0x80)
        b--;
    size_t k = b;
    uint32_t cp = rf_next_cp(p, e, &k);
    if (start)
        *start = b;
    return cp;
}

static int ends_with(const char *p, size_t n, const char *s, size_t l)
{
    return l <= n && !memcmp(p + n - l, s, l);
}

/* Python str.isspace() of the character at p[i]: its bytes, or 0. */
static inline size_t py_space_at(const char *p, size_t n, size_t i)
{
    unsigned char c = (unsigned char)p[i];
    return c >= 0x1C && c <= 0x1F ? 1 : rf_space_at(p, n, i);
}

/* Python str.strip(): shrinks [*b, *e) past whitespace. */
static void py_strip(const char *p, size_t *b, size_t *e)
{
    size_t k;
    while (*b < *e && (k = py_space_at(p, *e, *b)) != 0)
        *b += k;
    while (*e > *b) {
        size_t st = *e - 1;
        while (st > *b && ((unsigned char)p[st] & 0xC0) == 0x80)
            st--;
        if (py_space_at(p, *e, st) != *e - st)
            break;
        *e = st;
    }
}

static void push_line(rf_heur_scratch *s, size_t *nl, size_t off, size_t len)
{
    if (*nl == s->lcap) {
        s->lcap = s->lcap ? s->lcap * 2 : 256;
        s->lines = rf_xrealloc(s->lines, s->lcap * sizeof *s->lines);
    }
    s->lines[*nl].off = (uint32_t)off;
    s->lines[*nl].len = (uint32_t)len;
    s->lines[*nl].cps = 0;
    (*nl)++;
}

/* Bytes that may start a str.splitlines() break. */
static const unsigned char brk_lead[256] = {
    [0x0A] = 1, [0x0B] = 1, [0x0C] = 1, [0x0D] = 1, [0x1C] = 1, [0x1D] = 1, [0x1E] = 1,
    [0xC2] = 1, [0xE2] = 1,
};

/* str.splitlines(): \n \r \r\n \v \f \x1c \x1d \x1e \x85 U+2028 U+2029 end a
 * line; no empty last line after a final break. */
static size_t py_splitlines(rf_heur_scratch *s, const char *p, size_t n)
{
    size_t nl = 0, st = 0, i = 0;
    const unsigned char *q = (const unsigned char *)p;
    while (i < n) {
        if (!brk_lead[q[i]]) {
            i++;
            continue;
        }
        unsigned char c = q[i];
        size_t brk = 0;
        if (c == 0xC2)
            brk = (i + 1 < n && q[i + 1] == 0x85) ? 2 : 0;
        else if (c == 0xE2)
            brk = (i + 2 < n && q[i + 1] == 0x80 && (q[i + 2] == 0xA8 || q[i + 2] == 0xA9)) ? 3 : 0;
        else if (c == '\r')
            brk = (i + 1 < n && q[i + 1] == '\n') ? 2 : 1;
        else
            brk = 1;
        if (brk) {
            push_line(s, &nl, st, i - st);
            i += brk;
            st = i;
        } else {
            i++;
        }
    }
    if (st < n)
        push_line(s, &nl, st, n - st);
    return nl;
}

/* Forgets every per-text cache (a new text may sit at an old address). */
static void invalidate(rf_heur_scratch *s)
{
    s->wp = NULL;
    s->cp = NULL;
    s->have_stats = s->have_sl = 0;
    s->hint_p = NULL;
    s->kept_p = NULL;
    s->known_p = NULL;
}

static void use_text(rf_heur_scratch *s, const char *p, size_t n)
{
    if (s->cp != p || s->cn != n) {
        s->cp = p;
        s->cn = n;
        s->have_stats = s->have_sl = 0;
    }
}

static void push_newline(rf_heur_scratch *s, size_t *nn, size_t at)
{
    if (*nn == s->nlcap) {
        s->nlcap = s->nlcap ? 2 * s->nlcap : 256;
        s->nlpos = rf_xrealloc(s->nlpos, s->nlcap * sizeof *s->nlpos);
    }
    s->nlpos[(*nn)++] = (uint32_t)at;
}

/* Code points, '#', "..." (non-overlapping, runs of dots) and "…", the
 * newlines (their offsets, for every split at \n that follows), the line
 * separators that are not whitespace (\x1c-\x1e) and whether any line break
 * other than \n occurs: one pass 64 bytes at a time from byte masks
 * (bytemask.h), in which only newlines, dot runs and the leads C2 and E2 are
 * looked at one by one, plus fast counts of code points and of '#'. */
static void text_stats(rf_heur_scratch *s, const char *p, size_t n)
{
    use_text(s, p, n);
    if (s->have_stats)
        return;
    const unsigned char *q = (const unsigned char *)p;
    unsigned char pad[64];
    size_t hashes = 0, seps = 0, ell = 0, nn = 0, dot_run = 0;
    int other = 0;
    for (size_t i = 0; i < n; i += 64) {
        const unsigned char *w = q + i;
        if (n - i < 64) { /* the last window: zeros past the end count nowhere */
            memset(pad, 0, sizeof pad);
            memcpy(pad, q + i, n - i);
            w = pad;
        }
        uint64_t sep = rf_bytemask_range(w, 0x1C, 0x1E);
        if (sep) /* rare */
            seps += rf_popcount64(sep);
        /* \r \v \f and \x1c-\x1e break lines too */
        other |= (sep | rf_bytemask_range(w, 0x0B, 0x0D)) != 0;
        for (uint64_t m = rf_bytemask_eq(w, '\n'); m; m &= m - 1)
            push_newline(s, &nn, i + (size_t)__builtin_ctzll(m));
        /* Runs of dots, a run carried over from the window before. */
        uint64_t d = rf_bytemask_eq(w, '.');
        if (dot_run) {
            unsigned r = ~d ? (unsigned)__builtin_ctzll(~d) : 64;
            dot_run += r;
            if (r == 64)
                d = 0;
            else {
                d &= ~(((uint64_t)1 << r) - 1);
                ell += dot_run / 3;
                dot_run = 0;
            }
        }
        while (d) {
            unsigned st = (unsigned)__builtin_ctzll(d);
            uint64_t from = d >> st;
            unsigned r = ~from ? (unsigned)__builtin_ctzll(~from) : 64 - st;
            if (st + r == 64) { /* goes on in the next window */
                dot_run = r;
                break;
            }
            ell += r / 3;
            d &= ~((((uint64_t)1 << r) - 1) << st);
        }
        /* U+2026 (E2 80 A6) is an ellipsis; U+2028/U+2029 (E2 80 A8/A9)
         * and U+0085 (C2 85) break lines. */
        for (uint64_t m = rf_bytemask_eq(w, 0xE2); m; m &= m - 1) {
            size_t at = i + (size_t)__builtin_ctzll(m);
            if (n - at >= 3 && q[at + 1] == 0x80) {
                ell += q[at + 2] == 0xA6;
                other |= q[at + 2] == 0xA8 || q[at + 2] == 0xA9;
            }
        }
        for (uint64_t m = rf_bytemask_eq(w, 0xC2); m; m &= m - 1) {
            size_t at = i + (size_t)__builtin_ctzll(m);
            other |= n - at >= 2 && q[at + 1] == 0x85;
        }
    }
    ell += dot_run / 3;
    for (const char *h = p, *e = p + n; (h = memchr(h, '#', (size_t)(e - h))) != NULL; h++)
        hashes++;
    s->cps = s->known_p == p && s->known_n == n ? s->known_cps : rf_utf8_count(p, n);
    s->hashes = hashes;
    s->newlines = nn;
    s->seps = seps;
    s->ellipses = ell;
    s->only_lf = !other;
    s->have_stats = 1;
}

/* str.splitlines() of the cached text, into s->sl. */
static void text_lines(rf_heur_scratch *s, const char *p, size_t n)
{
    use_text(s, p, n);
    if (s->have_sl)
        return;
    text_stats(s, p, n);
    size_t nl = 0;
    if (s->only_lf) {
        /* split at \n, no empty last line after a final \n */
        size_t st = 0;
        for (size_t j = 0; j < s->newlines; j++) {
            push_line(s, &nl, st, s->nlpos[j] - st);
            st = s->nlpos[j] + 1;
        }
        if (st < n)
            push_line(s, &nl, st, n - st);
    } else {
        nl = py_splitlines(s, p, n);
    }
    if (nl > s->slcap) {
        s->slcap = nl + nl / 2 + 16;
        s->sl = rf_xrealloc(s->sl, s->slcap * sizeof *s->sl);
    }
    /* Gopher quality and C4 both look at the stripped lines. */
    for (size_t i = 0; i < nl; i++) {
        size_t b = s->lines[i].off, e = b + s->lines[i].len;
        py_strip(p, &b, &e);
        s->sl[i] = (sline){s->lines[i].off, s->lines[i].len, (uint32_t)b, (uint32_t)e};
    }
    s->nsl = nl;
    s->have_sl = 1;
}

/* ---- results ---- */

void rf_heur_result_init(rf_heur_result *r, const char *p, size_t n)
{
    memset(r, 0, sizeof *r);
    r->text = p;
    r->text_len = n;
    double *m = (double *)&r->m;
    for (size_t i = 0; i < sizeof r->m / sizeof(double); i++)
        m[i] = NAN;
}

static const char *fail(rf_heur_result *r, const char *reason, double value, double thr)
{
    if (!r->reason) {
        r->reason = reason;
        r->value = value;
        r->threshold = thr;
    }
    return reason;
}

/* The first failure of a group: `first` keeps it while ALL_METRICS goes on
 * measuring. */
#define CHECK_FAIL(cond, reason, value, thr)                  \
    do {                                                     \
        if (cond) {                                          \
            const char *r_ = fail(r, reason, value, thr);    \
            if (!first)                                      \
                first = r_;                                  \
            if (!all)                                        \
                return first;                                \
        }                                                    \
    } while (0)

/* ---- Gopher quality ---- */

/* A set of bytes (the last bytes of a word list): a word can end with one
 * of the words only if its last byte is in the set. */
typedef struct byteset {
    uint64_t bits[4];
} byteset;

static void byteset_of_last(byteset *b, const rf_strlist *l)
{
    memset(b, 0, sizeof *b);
    for (size_t i = 0; i < l->n; i++)
        if (l->len[i]) {
            unsigned char c = (unsigned char)l->v[i][l->len[i] - 1];
            b->bits[c >> 6] |= 1ull << (c & 63);
        }
}

static inline int byteset_has(const byteset *b, unsigned char c)
{
    return (b->bits[c >> 6] >> (c & 63)) & 1;
}

/* Does the text (p, n) end with one of the listed strings? */
static int ends_with_any(const rf_strlist *l, const byteset *last, const char *p, size_t n)
{
    if (!n || !byteset_has(last, (unsigned char)p[n - 1]))
        return 0;
    /* The last bytes compared inline first: memcmp only for real candidates. */
    for (size_t k = 0; k < l->n; k++)
        if (l->len[k] <= n && l->v[k][l->len[k] - 1] == p[n - 1] &&
            !memcmp(p + n - l->len[k], l->v[k], l->len[k]))
            return 1;
    return 0;
}

static int stop_match(const rf_heur_profile *pr, const byteset *last, const char *w, size_t n,
                      uint64_t *found)
{
    const rf_strlist *l = &pr->gq_stop_words;
    int hit = 0;
    if (pr->gq_stop_suffix) {
        /* Trailing punctuation is not part of the ending: "했다." ends in 다.
         * (A Hangul syllable is no punctuation: no need to decode it.) */
        while (n) {
            unsigned char c = (unsigned char)w[n - 1];
            if (c < 0x80) {
                if (!rf_hw_is_dt_punct(c))
                    break;
                n--;
                continue;
            }
            if (n >= 3 && ((uint32_t)(unsigned char)w[n - 3] << 16 |
                           (uint32_t)(unsigned char)w[n - 2] << 8 | c) - 0xEAB080u <=
                              0xED9EA3u - 0xEAB080u)
                break;
            size_t st;
            uint32_t cp = cp_before(w, n, &st);
            if (!rf_hw_is_dt_punct(cp))
                break;
            n = st;
        }
        if (!n || !byteset_has(last, (unsigned char)w[n - 1]))
            return 0;
        for (size_t i = 0; i < l->n && i < 64; i++) {
            size_t sl = l->len[i];
            /* found ones and other last bytes ruled out before any memcmp */
            if (!(*found & (1ull << i)) && sl <= n && l->v[i][sl - 1] == w[n - 1] &&
                !memcmp(w + n - sl, l->v[i], sl)) {
                *found |= 1ull << i;
                hit = 1;
            }
        }
        return hit;
    }
    for (size_t i = 0; i < l->n && i < 64; i++) {
        if (l->len[i] == n && !memcmp(w, l->v[i], n) && !(*found & (1ull << i))) {
            *found |= 1ull << i;
            hit = 1;
        }
    }
    return hit;
}

static const char *gopher_quality(const rf_heur_profile *pr, rf_heur_scratch *s, const char *p,
                                  size_t n, unsigned flags, rf_heur_result *r)
{
    int all = (flags & RF_HEUR_ALL_METRICS) != 0;
    const char *first = NULL;
    rf_heur_metrics *m = &r->m;
    words_for(s, pr, p, n);
    const rf_hword *w = s->words.v;
    size_t nw = s->words.n;
    size_t nonsym = 0, nonsym_cps = 0, alpha = 0;
    for (size_t i = 0; i < nw; i++) {
        if (w[i].flags & RF_HW_NONSYM) {
            nonsym++;
            nonsym_cps += w[i].cps;
        }
        alpha += (w[i].flags & RF_HW_ALPHA) != 0;
    }
    m->gq_words = (double)nonsym;
    CHECK_FAIL(rf_heur_on(pr->gq_min_words) && (double)nonsym < pr->gq_min_words,
               "gopher_short_doc", (double)nonsym, pr->gq_min_words);
    CHECK_FAIL(rf_heur_on(pr->gq_max_words) && (double)nonsym > pr->gq_max_words,
               "gopher_long_doc", (double)nonsym, pr->gq_max_words);
    if (nonsym) {
        double avg = (double)nonsym_cps / (double)nonsym;
        m->gq_avg_len = avg;
        CHECK_FAIL(rf_heur_on(pr->gq_min_avg_len) && avg < pr->gq_min_avg_len,
                   "gopher_below_avg_word_len", avg, pr->gq_min_avg_len);
        CHECK_FAIL(rf_heur_on(pr->gq_max_avg_len) && avg > pr->gq_max_avg_len,
                   "gopher_above_avg_word_len", avg, pr->gq_max_avg_len);
    }
    if (nw) {
        text_stats(s, p, n);
        size_t hashes = s->hashes, ell = s->ellipses;
        double hr = (double)hashes / (double)nw, er = (double)ell / (double)nw;
        m->gq_hash_ratio = hr;
        m->gq_ellipsis_ratio = er;
        CHECK_FAIL(rf_heur_on(pr->gq_max_symbol_ratio) && hr > pr->gq_max_symbol_ratio,
                   "gopher_too_many_hashes", hr, pr->gq_max_symbol_ratio);
        CHECK_FAIL(rf_heur_on(pr->gq_max_symbol_ratio) && er > pr->gq_max_symbol_ratio,
                   "gopher_too_many_ellipsis", er, pr->gq_max_symbol_ratio);
    }
    if (rf_heur_on(pr->gq_max_bullet_lines) || rf_heur_on(pr->gq_max_ellipsis_lines) || all) {
        text_lines(s, p, n);
        size_t nl = s->nsl, bullets = 0, ends = 0;
        for (size_t i = 0; i < nl; i++) {
            size_t b = s->sl[i].b, e = s->sl[i].e;
            if (b < e) {
                if (p[b] == '-' || (e - b >= 3 && !memcmp(p + b, "\xe2\x80\xa2", 3)))
                    bullets++;
                if ((e - b >= 3 && !memcmp(p + e - 3, "...", 3)) ||
                    (e - b >= 3 && !memcmp(p + e - 3, "\xe2\x80\xa6", 3)))
                    ends++;
            }
        }
        if (nl) {
            double br = (double)bullets / (double)nl, el = (double)ends / (double)nl;
            m->gq_bullet_lines = br;
            m->gq_ellipsis_lines = el;
            CHECK_FAIL(rf_heur_on(pr->gq_max_bullet_lines) && br > pr->gq_max_bullet_lines,
                       "gopher_too_many_bullets", br, pr->gq_max_bullet_lines);
            CHECK_FAIL(rf_heur_on(pr->gq_max_ellipsis_lines) && el > pr->gq_max_ellipsis_lines,
                       "gopher_too_many_end_ellipsis", el, pr->gq_max_ellipsis_lines);
        }
    }
    if (nw) {
        double ar = (double)alpha / (double)nw;
        m->gq_alpha_words = ar;
        CHECK_FAIL(rf_heur_on(pr->gq_min_alpha_words) && ar < pr->gq_min_alpha_words,
                   "gopher_below_alpha_ratio", ar, pr->gq_min_alpha_words);
    }
    if (rf_heur_on(pr->gq_min_stop_words) || all) {
        uint64_t found = 0;
        size_t distinct = 0;
        double need = rf_heur_on(pr->gq_min_stop_words) ? pr->gq_min_stop_words : 0;
        size_t minl = (size_t)-1, maxl = 0;
        unsigned char firstb[32] = {0};
        byteset last;
        byteset_of_last(&last, &pr->gq_stop_words);
        for (size_t i = 0; i < pr->gq_stop_words.n; i++) {
            size_t l = pr->gq_stop_words.len[i];
            minl = l < minl ? l : minl;
            maxl = l > maxl ? l : maxl;
            unsigned char f = (unsigned char)pr->gq_stop_words.v[i][0];
            firstb[f >> 3] |= (unsigned char)(1u << (f & 7));
        }
        for (size_t i = 0; i < nw && pr->gq_stop_words.n; i++) {
            const char *wp = p + w[i].off;
            size_t wl = w[i].len;
            if (!pr->gq_stop_suffix) {
                unsigned char f = (unsigned char)wp[0];
                if (wl < minl || wl > maxl || !(firstb[f >> 3] & (1u << (f & 7))))
                    continue;
            } else if (wl < minl) {
                continue;
            }
            if (stop_match(pr, &last, wp, wl, &found)) {
                distinct = (size_t)__builtin_popcountll(found);
                if (!all && (double)distinct >= need)
                    break;
            }
        }
        m->gq_stop_words = (double)distinct;
        CHECK_FAIL(rf_heur_on(pr->gq_min_stop_words) && (double)distinct < pr->gq_min_stop_words,
                   "gopher_few_stop_words", (double)distinct, pr->gq_min_stop_words);
    }
    return first;
}

/* ---- Gopher repetition ---- */


/* find_duplicates over spans: (duplicate elements, their chars). */
static void find_dups(rf_heur_scratch *s, const char *p, const span *sp, size_t ns, size_t *dup_n,
                      size_t *dup_chars)
{
    rf_htab_reset(&s->t1, ns);
    size_t dn = 0, dc = 0;
    for (size_t i = 0; i < ns; i++) {
        uint64_t k = XXH3_64bits(p + sp[i].off, sp[i].len) ^ ((uint64_t)sp[i].len << 1);
        int fresh;
        rf_htab_get(&s->t1, k, &fresh);
        if (!fresh) {
            dn++;
            dc += count_cps(p + sp[i].off, sp[i].len);
        }
    }
    *dup_n = dn;
    *dup_chars = dc;
}

/* The two duplicate rules over the spans in s->lines (paragraphs or
 * lines): share of duplicated elements, share of their characters. Returns
 * the first failure so far. */
static const char *dup_rules(rf_heur_scratch *s, const char *p, size_t ns, double len,
                             double max_frac, double max_char_frac, const char *frac_reason,
                             const char *char_reason, double *m_frac, double *m_char,
                             rf_heur_result *r, const char *first)
{
    size_t dn, dc;
    find_dups(s, p, s->lines, ns, &dn, &dc);
    double f = (double)dn / (double)ns, cf = (double)dc / len;
    *m_frac = f;
    *m_char = cf;
    if (rf_heur_on(max_frac) && f > max_frac) {
        fail(r, frac_reason, f, max_frac);
        return first ? first : frac_reason;
    }
    if (rf_heur_on(max_char_frac) && cf > max_char_frac) {
        fail(r, char_reason, cf, max_char_frac);
        return first ? first : char_reason;
    }
    return first;
}

static const char *gopher_repetition(const rf_heur_profile *pr, rf_heur_scratch *s,
                                     const char *p, size_t n, unsigned flags, rf_heur_result *r)
{
    int all = (flags & RF_HEUR_ALL_METRICS) != 0;
    const char *first = NULL;
    rf_heur_metrics *m = &r->m;
    if (n == 0) {
        CHECK_FAIL(1, "gopher_rep_empty", 0, 0);
        return first;
    }
    text_stats(s, p, n);
    double len = (double)s->cps;
    /* Paragraphs: re.split(r"\n{2,}", text.strip()). */
    const uint32_t *nlpos = s->nlpos;
    size_t nnl = s->newlines;
    {
        size_t b = 0, e = n, np = 0, j = 0;
        py_strip(p, &b, &e);
        while (j < nnl && nlpos[j] < b)
            j++;
        size_t st = b;
        while (j < nnl && nlpos[j] < e) {
            size_t i = nlpos[j];
            if (i + 1 < e && p[i + 1] == '\n') {
                push_line(s, &np, st, i - st);
                /* the whole run of newlines */
                while (j < nnl && nlpos[j] == i && i < e) {
                    i++;
                    j++;
                }
                st = i;
            } else {
                j++;
            }
        }
        push_line(s, &np, st, e - st);
        first = dup_rules(s, p, np, len, pr->gr_dup_para_frac, pr->gr_dup_para_char_frac,
                          "gopher_rep_dup_para_frac", "gopher_rep_dup_para_char_frac",
                          &m->gr_dup_para_frac, &m->gr_dup_para_char_frac, r, first);
        if (first && !all)
            return first;
    }
    /* Lines: re.split("\n+", text). */
    {
        size_t nl = 0, st = 0, j = 0;
        while (j < nnl) {
            size_t i = nlpos[j];
            push_line(s, &nl, st, i - st);
            while (j < nnl && nlpos[j] == i) { /* the whole run of newlines */
                i++;
                j++;
            }
            st = i;
        }
        push_line(s, &nl, st, n - st);
        first = dup_rules(s, p, nl, len, pr->gr_dup_line_frac, pr->gr_dup_line_char_frac,
                          "gopher_rep_dup_line_frac", "gopher_rep_dup_line_char_frac",
                          &m->gr_dup_line_frac, &m->gr_dup_line_char_frac, r, first);
        if (first && !all)
            return first;
    }
    int need_top = all, need_dup = all;
    for (int k = 0; k < 3; k++)
        need_top |= rf_heur_on(pr->gr_top_ngram[k]);
    for (int k = 0; k < 6; k++)
        need_dup |= rf_heur_on(pr->gr_dup_ngram[k]);
    if (!need_top && !need_dup)
        return first;
    words_for(s, pr, p, n);
    static const char *const top_reason[3] = {"gopher_rep_top_2_gram", "gopher_rep_top_3_gram",
                                              "gopher_rep_top_4_gram"};
    static const char *const dup_reason[6] = {
        "gopher_rep_dup_5_gram", "gopher_rep_dup_6_gram", "gopher_rep_dup_7_gram",
        "gopher_rep_dup_8_gram", "gopher_rep_dup_9_gram", "gopher_rep_dup_10_gram"};
    rf_ngrams_start(s->ngrams, p, n, s->words.v, s->words.n);
    for (size_t nn = 2; nn <= 10; nn++) {
        int top = nn <= 4;
        int idx = top ? (int)nn - 2 : (int)nn - 5;
        int want_dup = !top && (rf_heur_on(pr->gr_dup_ngram[idx]) || all);
        size_t chars;
        int st = rf_ngrams_next(s->ngrams, want_dup, &chars);
        if (st == RF_NGRAMS_END)
            break;
        if (st == RF_NGRAMS_NONE) {
            m->gr_dup_ngram[idx] = 0;
            continue;
        }
        double frac = (double)chars / len;
        if (top) {
            m->gr_top_ngram[idx] = frac;
            CHECK_FAIL(rf_heur_on(pr->gr_top_ngram[idx]) && frac > pr->gr_top_ngram[idx],
                       top_reason[idx], frac, pr->gr_top_ngram[idx]);
        } else if (want_dup) {
            m->gr_dup_ngram[idx] = frac;
            CHECK_FAIL(rf_heur_on(pr->gr_dup_ngram[idx]) && frac > pr->gr_dup_ngram[idx],
                       dup_reason[idx], frac, pr->gr_dup_ngram[idx]);
        }
    }
    return first;
}

/* ---- C4 ---- */

const char *const rf_c4_line_reasons[RF_C4_NREASONS] = {
    "too_long_word", "no_terminal_punct", "too_few_words", "javascript", "policy"};

/* Removes [123], [], [edit] and [citation needed] (\d is any decimal
 * digit) from (p, n) into out. Returns 1 when something was removed. */
static int remove_citations(const char *p, size_t n, rf_buf *out)
{
    if (!memchr(p, '[', n))
        return 0;
    rf_buf_reset(out);
    int any = 0;
    size_t i = 0;
    while (i < n) {
        if (p[i] == '[') {
            size_t j = i + 1;
            while (j < n) {
                size_t k = j;
                uint32_t cp = rf_next_cp(p, n, &k);
                if (rf_script_of(cp) != RF_SCRIPT_DIGIT)
                    break;
                j = k;
            }
            size_t end = 0;
            if (j < n && p[j] == ']')
                end = j + 1;
            else if (n - i >= 6 && !memcmp(p + i, "[edit]", 6))
                end = i + 6;
            else if (n - i >= 17 && !memcmp(p + i, "[citation needed]", 17))
                end = i + 17;
            if (end) {
                any = 1;
                i = end;
                continue;
            }
        }
        rf_buf_addc(out, p[i]);
        i++;
    }
    return any;
}

/* A lower-cased view for substring tests against ASCII patterns: ASCII
 * letters folded, KELVIN SIGN (which Python lower-cases to 'k') mapped, other
 * bytes kept (non-ASCII never matches an ASCII pattern). */
static void lower_view(const char *p, size_t n, rf_buf *out)
{
    rf_buf_reset(out);
    rf_buf_grow(out, n);
    char *o = out->p;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c >= 'A' && c <= 'Z') {
            *o++ = (char)(c + 32);
        } else if (c == 0xE2 && i + 2 < n && (unsigned char)p[i + 1] == 0x84 &&
                   (unsigned char)p[i + 2] == 0xAA) {
            *o++ = 'k';
            i += 2;
        } else {
            *o++ = (char)c;
        }
    }
    rf_buf_setlen(out, (size_t)(o - out->p));
}

/* Does h contain needle? memchr looks for needle[k], a letter chosen to be
 * rare in text, and memcmp checks around it. */
static int contains(const char *h, size_t n, const char *needle, size_t k)
{
    size_t l = strlen(needle);
    if (l > n)
        return 0;
    const char *q = h + k, *end = h + n - (l - k);
    while (q < end + 1 && (q = memchr(q, needle[k], (size_t)(end + 1 - q))) != NULL) {
        if (!memcmp(q - k, needle, l))
            return 1;
        q++;
    }
    return 0;
}

/* Does (p, n) contain "lorem ipsum", ignoring ASCII case? (No character
 * outside ASCII lower-cases into it.) memchr finds the 'p'/'P' candidates,
 * rare in most text. */
static int has_lorem_ipsum(const char *p, size_t n)
{
    static const char needle[] = "lorem ipsum";
    const size_t l = sizeof needle - 1, k = 7; /* needle[7] == 'p' */
    if (n < l)
        return 0;
    for (int pass = 0; pass < 2; pass++) {
        char a = pass ? 'P' : 'p';
        const char *q = p + k, *end = p + n - (l - k);
        while (q <= end && (q = memchr(q, a, (size_t)(end + 1 - q))) != NULL) {
            const char *st = q - k;
            size_t i = 0;
            while (i < l && (needle[i] == ' ' ? st[i] == ' '
                                              : (((unsigned char)st[i] | 0x20) == (unsigned char)needle[i])))
                i++;
            if (i == l)
                return 1;
            q++;
        }
    }
    return 0;
}

/* The lower-cased phrases below all need ASCII letters. A loop without
 * early exit, so that the compiler vectorises it: most Korean lines have no
 * ASCII letter at all and are read to the end anyway. The flags are OR-ed
 * in a byte (a count in a size_t made the vector loop widen every byte to
 * 64 bits). */
static int has_ascii_letter(const char *p, size_t n)
{
    unsigned char any = 0;
    for (size_t i = 0; i < n; i++)
        any |= (unsigned char)((((unsigned char)p[i] | 0x20) - 'a')) < 26;
    return any != 0;
}

/* C4's policy phrases; the cookie ones are only looked for when "cookie"
 * occurs. */
static int policy_line(const char *lw, size_t n)
{
    if (contains(lw, n, "terms of use", 7) || contains(lw, n, "privacy policy", 3))
        return 1;
    if (!contains(lw, n, "cookie", 3))
        return 0;
    return contains(lw, n, "cookie policy", 3) || contains(lw, n, "uses cookies", 8) ||
           contains(lw, n, "use of cookies", 10) || contains(lw, n, "use cookies", 7);
}

static const char *c4_rules(const rf_heur_profile *pr, rf_heur_scratch *s, const char *p,
                            size_t n, unsigned flags, rf_heur_result *r)
{
    int all = (flags & RF_HEUR_ALL_METRICS) != 0;
    const char *first = NULL;
    text_stats(s, p, n);
    text_lines(s, p, n);
    /* C4 counts line.split() words: for the whitespace and CJK modes these
     * are the profile's words, which never cross a line break unless the
     * text has \x1c-\x1e (breaks that are not whitespace). Then the words
     * of each line come from the document's word list, and so does the
     * word count of the edited text that FineWeb needs. */
    words_for(s, pr, p, n);
    const rf_hword *w = s->words.v;
    size_t nw = s->words.n, wi = 0;
    int from_doc = s->seps == 0;
    int c4_is_mode = pr->words != RF_WORDS_EN;
    rf_buf_reset(&s->edit);
    double sentences = 0;
    size_t edited_words = 0;
    int check_sent = rf_heur_on(pr->c4_min_sentences) || all;
    /* Page-level checks first: the C4 paper's "removed any page that
     * contained ..." (lorem ipsum before '{', as in the line loop). */
    if (pr->c4_lorem_ipsum == RF_C4_SCOPE_PAGE && has_lorem_ipsum(p, n)) {
        CHECK_FAIL(1, "c4_lorem_ipsum", 1, 0);
        return first;
    }
    if (pr->c4_curly_bracket == RF_C4_SCOPE_PAGE && memchr(p, '{', n)) {
        CHECK_FAIL(1, "c4_curly_bracket", 1, 0);
        return first;
    }
    int lorem_line = pr->c4_lorem_ipsum == RF_C4_SCOPE_LINE;
    int curly_line = pr->c4_curly_bracket == RF_C4_SCOPE_LINE;
    int need_lower = lorem_line || pr->c4_javascript || pr->c4_policy;
    int any_kept = 0, kept_clean = 1;
    s->nkept = 0;
    s->kept_p = NULL;
    byteset term_last;
    byteset_of_last(&term_last, &pr->c4_terminal);
    for (size_t li = 0; li < s->nsl; li++) {
        size_t lo = s->sl[li].off, hi = lo + s->sl[li].len;
        /* The profile's words inside this line. */
        size_t mode_words = 0, mode_max = 0;
        if (from_doc) {
            while (wi < nw && w[wi].off < lo)
                wi++;
            for (size_t k = wi; k < nw && w[k].off < hi; k++) {
                mode_words++;
                if (w[k].cps > mode_max)
                    mode_max = w[k].cps;
            }
        }
        size_t wfirst = wi;
        size_t b = s->sl[li].b, e = s->sl[li].e;
        const char *lp = p + b;
        size_t ll = e - b;
        if (ll == 0)
            continue; /* blank lines vanish when the kept lines are joined */
        size_t nwords = 0, maxw = 0;
        if (from_doc && c4_is_mode) {
            nwords = mode_words;
            maxw = mode_max;
        } else {
            rf_tok_iter it;
            rf_tok_init(&it, lp, ll, pr->words == RF_WORDS_CJK ? RF_TOK_CJK_CHARS : 0);
            const char *tok;
            size_t tl;
            while (rf_tok_next(&it, &tok, &tl)) {
                nwords++;
                if (tl > maxw) {
                    size_t c = count_cps(tok, tl);
                    if (c > maxw)
                        maxw = c;
                }
            }
        }
        int reason = -1, cited = 0;
        if (rf_heur_on(pr->c4_max_word_len) && (double)maxw > pr->c4_max_word_len)
            reason = RF_C4_TOO_LONG_WORD;
        if (reason < 0 && pr->c4_citations && remove_citations(lp, ll, &s->line)) {
            lp = s->line.p ? s->line.p : "";
            ll = s->line.len;
            cited = 1;
        }
        if (reason < 0 && pr->c4_terminal_punct) {
            int ok = ends_with_any(&pr->c4_terminal, &term_last, lp, ll);
            if (!ok || (lp[ll - 1] == '.' && ends_with(lp, ll, "...", 3)))
                reason = RF_C4_NO_TERMINAL_PUNCT;
        }
        if (reason < 0 && rf_heur_on(pr->c4_min_words_per_line) &&
            (double)nwords < pr->c4_min_words_per_line)
            reason = RF_C4_TOO_FEW_WORDS;
        if (reason < 0 && need_lower && has_ascii_letter(lp, ll)) {
            lower_view(lp, ll, &s->lower);
            const char *lw = s->lower.p ? s->lower.p : "";
            size_t lwn = s->lower.len;
            if (lorem_line && contains(lw, lwn, "lorem ipsum", 7)) {
                CHECK_FAIL(1, "c4_lorem_ipsum", 1, 0);
                return first;
            }
            if (pr->c4_javascript && contains(lw, lwn, "javascript", 0))
                reason = RF_C4_JAVASCRIPT;
            if (reason < 0 && curly_line && memchr(lp, '{', ll)) {
                CHECK_FAIL(1, "c4_curly_bracket", 1, 0);
                return first;
            }
            if (reason < 0 && pr->c4_policy && policy_line(lw, lwn))
                reason = RF_C4_POLICY;
        } else if (reason < 0 && curly_line && memchr(lp, '{', ll)) {
            CHECK_FAIL(1, "c4_curly_bracket", 1, 0);
            return first;
        }
        if (reason >= 0) {
            r->c4_removed[reason]++;
            r->c4_removed_chars += count_cps(p + b, e - b);
            continue;
        }
        /* Once the minimum is reached more sentences cannot change the
         * decision: only the metrics want the full count. */
        if (check_sent && (all || sentences < pr->c4_min_sentences)) {
            /* English sentences need spaCy's tokens of the line: those of
             * the document, unless a citation was cut out of it. */
            if (pr->words == RF_WORDS_EN && from_doc && !cited)
                sentences += (double)rf_hwords_sentences_of(&s->words, wfirst, wfirst + mode_words, p);
            else
                sentences += (double)rf_hwords_sentences(&s->tmp, lp, ll, pr->words);
        }
        /* The profile's words of the kept line (FineWeb counts them on the
         * edited text); a removed citation can change them. */
        edited_words += (from_doc && !cited) ? mode_words : rf_hwords_count(&s->tmp, lp, ll, pr->words);
        if (any_kept)
            rf_buf_addc(&s->edit, '\n');
        if (s->nkept == s->keptcap) {
            s->keptcap = s->keptcap ? 2 * s->keptcap : 64;
            s->kept = rf_xrealloc(s->kept, s->keptcap * sizeof *s->kept);
        }
        s->kept[s->nkept++] = (span){(uint32_t)s->edit.len, (uint32_t)ll, 0};
        kept_clean &= !cited;
        rf_buf_add(&s->edit, lp, ll);
        any_kept = 1;
    }
    r->m.c4_sentences = sentences;
    /* "\n".join(kept).strip(): a citation removed at the start of the first
     * kept line can leave leading space. */
    size_t eb = 0, ee = s->edit.len;
    py_strip(s->edit.p ? s->edit.p : "", &eb, &ee);
    const char *et = (s->edit.p ? s->edit.p : "") + eb;
    size_t en = ee - eb;
    if (en != n || memcmp(et, p, n) != 0) {
        r->text = et;
        r->text_len = en;
        r->edited = 1;
        s->hint_p = et;
        s->hint_n = en;
        s->hint_words = edited_words;
    } else {
        r->text = p;
        r->text_len = n;
    }
    if (kept_clean) { /* then eb == 0: the offsets hold in r->text */
        s->kept_p = r->text;
        s->kept_n = r->text_len;
    }
    CHECK_FAIL(rf_heur_on(pr->c4_min_sentences) && sentences < pr->c4_min_sentences,
               "c4_too_few_sentences", sentences, pr->c4_min_sentences);
    return first;
}

/* ---- FineWeb ---- */

/* The stop list of the line-punctuation rule, prepared once per text:
 * whether "@sterm" is in it, and the last bytes of its literal entries. */
typedef struct fw_stops {
    int sterm;
    byteset last;
} fw_stops;

static void fw_stops_init(fw_stops *f, const rf_heur_profile *pr)
{
    memset(f, 0, sizeof *f);
    for (size_t k = 0; k < pr->fw_stop.n; k++) {
        const char *st = pr->fw_stop.v[k];
        size_t l = pr->fw_stop.len[k];
        if (!strcmp(st, "@sterm"))
            f->sterm = 1;
        else if (l)
            f->last.bits[(unsigned char)st[l - 1] >> 6] |= 1ull << ((unsigned char)st[l - 1] & 63);
    }
}

static int fw_stop_end(const rf_heur_profile *pr, const fw_stops *f, const char *lp, size_t ll)
{
    if (!ll)
        return 0;
    unsigned char c = (unsigned char)lp[ll - 1];
    if (f->sterm) {
        if (c < 0x80) {
            if (c == '!' || c == '.' || c == '?')
                return 1;
        } else if (!(ll >= 3 && ((uint32_t)(unsigned char)lp[ll - 3] << 16 |
                                 (uint32_t)(unsigned char)lp[ll - 2] << 8 | c) - 0xEAB080u <=
                                    0xED9EA3u - 0xEAB080u) && /* Hangul is no terminal */
                   rf_hw_is_sent_terminal(cp_before(lp, ll, NULL))) {
            return 1;
        }
    }
    if (!byteset_has(&f->last, c))
        return 0;
    for (size_t k = 0; k < pr->fw_stop.n; k++)
        if (strcmp(pr->fw_stop.v[k], "@sterm") && ends_with(lp, ll, pr->fw_stop.v[k], pr->fw_stop.len[k]))
            return 1;
    return 0;
}

static const char *fineweb_rules(const rf_heur_profile *pr, rf_heur_scratch *s, const char *p,
                                 size_t n, unsigned flags, rf_heur_result *r)
{
    int all = (flags & RF_HEUR_ALL_METRICS) != 0;
    const char *first = NULL;
    rf_heur_metrics *m = &r->m;
    /* text.split("\n"), blank lines (strip() == "") dropped: C4's kept
     * lines when they are that, else cut here. */
    size_t nl = 0, st = 0, newlines = 0;
    int from_c4 = s->kept_p == p && s->kept_n == n;
    if (from_c4) {
        if (s->nkept > s->lcap) {
            s->lcap = s->nkept + s->nkept / 2;
            s->lines = rf_xrealloc(s->lines, s->lcap * sizeof *s->lines);
        }
        if (s->nkept)
            memcpy(s->lines, s->kept, s->nkept * sizeof *s->lines);
        nl = s->nkept;
        newlines = nl ? nl - 1 : 0;
    }
    for (; !from_c4;) {
        const char *nlp = st < n ? memchr(p + st, '\n', n - st) : NULL;
        size_t i = nlp ? (size_t)(nlp - p) : n;
        size_t b = st, e = i;
        py_strip(p, &b, &e);
        if (b < e)
            push_line(s, &nl, st, i - st);
        if (!nlp)
            break;
        newlines++;
        st = i + 1;
    }
    if (nl == 0) {
        CHECK_FAIL(1, "fineweb_empty", 0, 0);
        return first;
    }
    size_t punct = 0, shorts = 0, line_cps = 0;
    fw_stops stops;
    fw_stops_init(&stops, pr);
    for (size_t i = 0; i < nl; i++) {
        const char *lp = p + s->lines[i].off;
        size_t ll = s->lines[i].len;
        punct += fw_stop_end(pr, &stops, lp, ll);
        s->lines[i].cps = (uint32_t)count_cps(lp, ll);
        line_cps += s->lines[i].cps;
        shorts += rf_heur_on(pr->fw_short_line_len) && (double)s->lines[i].cps <= pr->fw_short_line_len;
    }
    double pr_ratio = (double)punct / (double)nl;
    m->fw_line_punct = pr_ratio;
    CHECK_FAIL(rf_heur_on(pr->fw_min_line_punct) && pr_ratio < pr->fw_min_line_punct &&
                   !(pr_ratio == 0 && pr->fw_line_punct_exclude_zero),
               "fineweb_line_punct_ratio", pr_ratio, pr->fw_min_line_punct);
    double sr = (double)shorts / (double)nl;
    m->fw_short_lines = sr;
    CHECK_FAIL(rf_heur_on(pr->fw_max_short_lines) && sr > pr->fw_max_short_lines,
               "fineweb_short_line_ratio", sr, pr->fw_max_short_lines);
    size_t dn, dc;
    find_dups(s, p, s->lines, nl, &dn, &dc);
    size_t cps = from_c4                                            ? line_cps + newlines
                 : (s->cp == p && s->cn == n && s->have_stats) ? s->cps
                                                                : count_cps(p, n);
    double denom = (double)(cps - newlines);
    double cr = denom > 0 ? (double)dc / denom : 0;
    m->fw_char_dup = cr;
    CHECK_FAIL(rf_heur_on(pr->fw_max_char_dup) && cr > pr->fw_max_char_dup,
               "fineweb_char_dup_ratio", cr, pr->fw_max_char_dup);
    if (rf_heur_on(pr->fw_max_newline_ratio) || all) {
        size_t nw;
        if (s->wp == p && s->wn == n && s->wmode == pr->words)
            nw = s->words.n;
        else if (s->hint_p == p && s->hint_n == n)
            nw = s->hint_words;
        else
            nw = rf_hwords_count(&s->tmp, p, n, pr->words);
        if (nw) {
            double nr = (double)newlines / (double)nw;
            m->fw_newline_ratio = nr;
            CHECK_FAIL(rf_heur_on(pr->fw_max_newline_ratio) && nr > pr->fw_max_newline_ratio,
                       "fineweb_list_ratio", nr, pr->fw_max_newline_ratio);
        }
    }
    return first;
}

/* ---- entry points ---- */

const char *rf_heur_gopher_quality(const rf_heur_profile *pr, rf_heur_scratch *s, const char *p,
                                   size_t n, unsigned flags, rf_heur_result *r)
{
    invalidate(s);
    return gopher_quality(pr, s, p, n, flags, r);
}

const char *rf_heur_gopher_repetition(const rf_heur_profile *pr, rf_heur_scratch *s,
                                      const char *p, size_t n, unsigned flags, rf_heur_result *r)
{
    invalidate(s);
    return gopher_repetition(pr, s, p, n, flags, r);
}

const char *rf_heur_c4(const rf_heur_profile *pr, rf_heur_scratch *s, const char *p, size_t n,
                       unsigned flags, rf_heur_result *r)
{
    invalidate(s);
    return c4_rules(pr, s, p, n, flags, r);
}

const char *rf_heur_fineweb(const rf_heur_profile *pr, rf_heur_scratch *s, const char *p,
                            size_t n, unsigned flags, rf_heur_result *r)
{
    invalidate(s);
    return fineweb_rules(pr, s, p, n, flags, r);
}

/* The groups in order; cps, when not NULL, is the text's code point
 * count, already known to the caller. */
static void eval_text(const rf_heur_profile *pr, rf_heur_scratch *s, const char *p, size_t n,
                      const size_t *cps, unsigned flags, rf_heur_result *r)
{
    rf_heur_result_init(r, p, n);
    invalidate(s); /* caches may belong to an earlier text at the same address */
    if (cps) {
        s->known_p = p;
        s->known_n = n;
        s->known_cps = *cps;
    }
    int all = (flags & RF_HEUR_ALL_METRICS) != 0;
    if (pr->gr && gopher_repetition(pr, s, p, n, flags, r) && !all)
        return;
    if (pr->gq && gopher_quality(pr, s, p, n, flags, r) && !all)
        return;
    if (pr->c4 && c4_rules(pr, s, p, n, flags, r) && !all)
        return;
    if (pr->fw)
        fineweb_rules(pr, s, r->text, r->text_len, flags, r);
}

void rf_heur_eval(const rf_heur_profile *pr, rf_heur_scratch *s, const char *p, size_t n,
                  unsigned flags, rf_heur_result *r)
{
    eval_text(pr, s, p, n, NULL, flags, r);
}

void rf_heur_eval_cps(const rf_heur_profile *pr, rf_heur_scratch *s, const char *p, size_t n,
                      size_t cps, unsigned flags, rf_heur_result *r)
{
    eval_text(pr, s, p, n, &cps, flags, r);
}

void rf_heur_metrics_json(const rf_heur_metrics *m, rf_buf *out)
{
    static const struct {
        const char *name;
        size_t off;
    } f[] = {
#define M(x) {#x, offsetof(rf_heur_metrics, x)}
        M(gq_words), M(gq_avg_len), M(gq_hash_ratio), M(gq_ellipsis_ratio), M(gq_bullet_lines),
        M(gq_ellipsis_lines), M(gq_alpha_words), M(gq_stop_words), M(gr_dup_para_frac),
        M(gr_dup_para_char_frac), M(gr_dup_line_frac), M(gr_dup_line_char_frac),
        {"gr_top_2_gram", offsetof(rf_heur_metrics, gr_top_ngram[0])},
        {"gr_top_3_gram", offsetof(rf_heur_metrics, gr_top_ngram[1])},
        {"gr_top_4_gram", offsetof(rf_heur_metrics, gr_top_ngram[2])},
        {"gr_dup_5_gram", offsetof(rf_heur_metrics, gr_dup_ngram[0])},
        {"gr_dup_6_gram", offsetof(rf_heur_metrics, gr_dup_ngram[1])},
        {"gr_dup_7_gram", offsetof(rf_heur_metrics, gr_dup_ngram[2])},
        {"gr_dup_8_gram", offsetof(rf_heur_metrics, gr_dup_ngram[3])},
        {"gr_dup_9_gram", offsetof(rf_heur_metrics, gr_dup_ngram[4])},
        {"gr_dup_10_gram", offsetof(rf_heur_metrics, gr_dup_ngram[5])},
        M(c4_sentences), M(fw_line_punct), M(fw_short_lines), M(fw_char_dup),
        M(fw_newline_ratio),
#undef M
    };
    rf_buf_addc(out, '{');
    int firstk = 1;
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        double v = *(const double *)((const char *)m + f[i].off);
        if (isnan(v))
            continue;
        if (!firstk)
            rf_buf_addc(out, ',');
        firstk = 0;
        rf_buf_json_str(out, f[i].name, strlen(f[i].name));
        rf_buf_addc(out, ':');
        rf_buf_json_num(out, v, 6);
    }
    rf_buf_addc(out, '}');
}
