/* perplexity_lib.c — the model-free parts of the perplexity stage: parsing
 * token-id arrays from documents, percentile cutoffs (computing them, the
 * TSV file calibrate writes and the stage reads) and the CCNet-style
 * head/middle/tail bucketing. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filters/perplexity.h"

const char *const rf_ppl_bucket_names[3] = {"head", "middle", "tail"};

int64_t rf_ppl_parse_ids(const char *p, size_t n, int32_t *ids, size_t cap, int vocab,
                         const char **why)
{
    size_t i = 0;
    int64_t count = 0;
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
        i++;
    if (i >= n || p[i] != '[') {
        *why = "ids field is not an array";
        return -1;
    }
    i++;
    int expect_value = 1, first = 1;
    for (;;) {
        while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
            i++;
        if (i >= n) {
            *why = "ids array is not closed";
            return -1;
        }
        if (p[i] == ']' && (first || !expect_value)) {
            break;
        }
        if (!expect_value) {
            if (p[i] != ',') {
                *why = "ids array is malformed";
                return -1;
            }
            i++;
            expect_value = 1;
            continue;
        }
        if (p[i] == '-') {
            *why = "negative token id";
            return -1;
        }
        if (p[i] < '0' || p[i] > '9') {
            *why = "ids must be integers";
            return -1;
        }
        int64_t v = 0;
        while (i < n && p[i] >= '0' && p[i] <= '9') {
            v = v * 10 + (p[i] - '0');
            if (v > INT32_MAX) {
                *why = "token id out of range";
                return -1;
            }
            i++;
        }
        if (i < n && (p[i] == '.' || p[i] == 'e' || p[i] == 'E')) {
            *why = "ids must be integers";
            return -1;
        }
        if (v >= vocab) {
            *why = "token id not in the model's vocabulary";
            return -1;
        }
        if ((size_t)count < cap)
            ids[count] = (int32_t)v;
        count++;
        expect_value = 0;
        first = 0;
    }
    return count;
}

double rf_ppl_percentile(const double *v, size_t n, double p)
{
    if (n == 0)
        return NAN;
    double pos = p / 100.0 * (double)(n - 1);
    size_t lo = (size_t)floor(pos);
    if (lo + 1 >= n)
        return v[n - 1];
    double f = pos - (double)lo;
    return v[lo] + (v[lo + 1] - v[lo]) * f;
}

int rf_ppl_parse_percentiles(const char *s, double pct[2], rf_err *err)
{
    char *end;
    errno = 0;
    pct[0] = strtod(s, &end);
    if (end == s || *end != ',')
        goto bad;
    const char *s2 = end + 1;
    pct[1] = strtod(s2, &end);
    if (end == s2 || *end || errno)
        goto bad;
    if (!(pct[0] > 0 && pct[0] < pct[1] && pct[1] < 100))
        goto bad;
    return 0;
bad:
    return rf_errf(err, RF_EUSAGE, "--percentiles wants two increasing values between 0 and "
                   "100, like 30,60 (got '%s')", s);
}

void rf_ppl_cutoffs_release(rf_ppl_cutoffs *c)
{
    if (c)
        free(c->v);
}

int rf_ppl_cutoffs_load(rf_ppl_cutoffs *c, const char *path, rf_err *err)
{
    memset(c, 0, sizeof *c);
    FILE *f = fopen(path, "r");
    if (!f)
        return rf_errf(err, RF_EIO, "%s: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    int rc = 0, have_header = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) > 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (!len || line[0] == '#')
            continue;
        char lang[64];
        if (!have_header) {
            if (sscanf(line, "lang\tdocs\tp%lf\tp%lf", &c->pct[0], &c->pct[1]) != 2 ||
                !(c->pct[0] > 0 && c->pct[0] < c->pct[1] && c->pct[1] < 100)) {
                rc = rf_errf(err, RF_EFORMAT, "%s:%zu: expected the header 'lang<TAB>docs<TAB>pA"
                             "<TAB>pB' written by refine-perplexity calibrate", path, lineno);
                break;
            }
            have_header = 1;
            continue;
        }
        rf_ppl_cutoff e;
        memset(&e, 0, sizeof e);
        unsigned long long docs;
        int used = 0;
        if (sscanf(line, "%63[^\t]\t%llu\t%lf\t%lf%n", lang, &docs, &e.cut[0], &e.cut[1],
                   &used) != 4 || line[used] || strlen(lang) >= sizeof e.lang ||
            !(e.cut[0] > 0 && e.cut[0] <= e.cut[1] && isfinite(e.cut[1]))) {
            rc = rf_errf(err, RF_EFORMAT, "%s:%zu: expected 'LANG<TAB>DOCS<TAB>CUTOFF<TAB>CUTOFF' "
                         "with 0 < cutoffs ascending", path, lineno);
            break;
        }
        memcpy(e.lang, lang, strlen(lang) + 1);
        e.docs = docs;
        if (rf_ppl_cutoffs_find(c, e.lang)) {
            rc = rf_errf(err, RF_EFORMAT, "%s:%zu: language '%s' appears twice", path, lineno,
                         e.lang);
            break;
        }
        c->v = rf_xrealloc(c->v, (c->n + 1) * sizeof *c->v);
        c->v[c->n++] = e;
    }
    if (!rc && !have_header)
        rc = rf_errf(err, RF_EFORMAT, "%s: empty cutoffs file", path);
    free(line);
    fclose(f);
    if (rc)
        rf_ppl_cutoffs_release(c);
    return rc;
}

const rf_ppl_cutoff *rf_ppl_cutoffs_find(const rf_ppl_cutoffs *c, const char *lang)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->v[i].lang, lang))
            return &c->v[i];
    return NULL;
}

int rf_ppl_bucket(const rf_ppl_cutoff *c, double ppl)
{
    return ppl < c->cut[0] ? RF_PPL_HEAD : ppl < c->cut[1] ? RF_PPL_MIDDLE : RF_PPL_TAIL;
}
