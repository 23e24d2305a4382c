/* stats.c — counters keyed by name (small linear tables: stages have a
 * handful of reasons), merging, and the JSON form used by --stats. */
#include "stages/stats.h"

#include <stdlib.h>
#include <string.h>

#include "stages/err.h"

void rf_stats_init(rf_stats *s, const char *stage)
{
    memset(s, 0, sizeof *s);
    s->stage = stage;
}

static void free_tab(rf_counter *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free((char *)t[i].name);
    free(t);
}

void rf_stats_release(rf_stats *s)
{
    if (!s)
        return;
    free_tab(s->reasons, s->nreasons);
    free_tab(s->counters, s->ncounters);
    s->reasons = s->counters = NULL;
    s->nreasons = s->ncounters = s->capr = s->capc = 0;
}

static void bump(rf_counter **tab, size_t *n, size_t *cap, const char *name, uint64_t v)
{
    for (size_t i = 0; i < *n; i++) {
        if ((*tab)[i].name == name || !strcmp((*tab)[i].name, name)) {
            (*tab)[i].v += v;
            return;
        }
    }
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        *tab = rf_xrealloc(*tab, *cap * sizeof **tab);
    }
    (*tab)[*n].name = rf_xstrdup(name);
    (*tab)[*n].v = v;
    (*n)++;
}

void rf_stats_reason(rf_stats *s, const char *reason, uint64_t n)
{
    bump(&s->reasons, &s->nreasons, &s->capr, reason, n);
}

void rf_stats_count(rf_stats *s, const char *name, uint64_t n)
{
    bump(&s->counters, &s->ncounters, &s->capc, name, n);
}

static uint64_t get(const rf_counter *t, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(t[i].name, name))
            return t[i].v;
    return 0;
}

uint64_t rf_stats_get_reason(const rf_stats *s, const char *reason)
{
    return get(s->reasons, s->nreasons, reason);
}

uint64_t rf_stats_get_counter(const rf_stats *s, const char *name)
{
    return get(s->counters, s->ncounters, name);
}

void rf_stats_merge(rf_stats *dst, const rf_stats *src)
{
    dst->docs_in += src->docs_in;
    dst->docs_out += src->docs_out;
    dst->docs_rejected += src->docs_rejected;
    dst->bytes_in += src->bytes_in;
    dst->bytes_out += src->bytes_out;
    dst->seconds += src->seconds;
    dst->cpu_seconds += src->cpu_seconds;
    for (size_t i = 0; i < src->nreasons; i++)
        rf_stats_reason(dst, src->reasons[i].name, src->reasons[i].v);
    for (size_t i = 0; i < src->ncounters; i++)
        rf_stats_count(dst, src->counters[i].name, src->counters[i].v);
}

static int cmp_counter(const void *a, const void *b)
{
    return strcmp(((const rf_counter *)a)->name, ((const rf_counter *)b)->name);
}

static void write_tab(rf_buf *out, const char *key, rf_counter *t, size_t n)
{
    /* Sorted so the file does not depend on which thread saw what first. */
    if (n > 1)
        qsort(t, n, sizeof *t, cmp_counter);
    rf_buf_addf(out, ",\"%s\":{", key);
    for (size_t i = 0; i < n; i++) {
        if (i)
            rf_buf_addc(out, ',');
        rf_buf_json_str(out, t[i].name, strlen(t[i].name));
        rf_buf_addc(out, ':');
        rf_buf_json_uint(out, t[i].v);
    }
    rf_buf_addc(out, '}');
}

void rf_stats_json_members(const rf_stats *cs, rf_buf *out)
{
    rf_stats *s = (rf_stats *)cs; /* sorting the tables is not a semantic change */
    rf_buf_adds(out, "\"stage\":");
    rf_buf_json_str(out, s->stage, strlen(s->stage));
    rf_buf_adds(out, ",\"docs_in\":");
    rf_buf_json_uint(out, s->docs_in);
    rf_buf_adds(out, ",\"docs_out\":");
    rf_buf_json_uint(out, s->docs_out);
    rf_buf_adds(out, ",\"docs_rejected\":");
    rf_buf_json_uint(out, s->docs_rejected);
    write_tab(out, "reasons", s->reasons, s->nreasons);
    write_tab(out, "counters", s->counters, s->ncounters);
    rf_buf_adds(out, ",\"bytes_in\":");
    rf_buf_json_uint(out, s->bytes_in);
    rf_buf_adds(out, ",\"bytes_out\":");
    rf_buf_json_uint(out, s->bytes_out);
    rf_buf_adds(out, ",\"stage_seconds\":");
    rf_buf_json_num(out, s->seconds, 6);
    rf_buf_adds(out, ",\"stage_cpu_seconds\":");
    rf_buf_json_num(out, s->cpu_seconds, 6);
}
