/* csv.c — the RFC 4180 CSV/TSV reader of csv.h: one pass over the input
 * with a three-state machine (field start, unquoted, quoted); field bytes
 * are copied into one buffer per record, so quoted fields with "" escapes
 * need no second pass. */
#include "decontam/csv.h"

#include <stdlib.h>
#include <string.h>

void rf_csv_init(rf_csv *c, const char *p, size_t n, char delim)
{
    memset(c, 0, sizeof *c);
    c->p = p;
    c->n = n;
    c->delim = delim;
    c->line = 1;
    if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        c->i = 3;
}

void rf_csv_release(rf_csv *c)
{
    if (!c)
        return;
    rf_buf_release(&c->data);
    free(c->off);
    free(c->len);
    memset(c, 0, sizeof *c);
}

static void start_field(rf_csv *c)
{
    if (c->nfields == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        c->off = rf_xrealloc(c->off, c->cap * sizeof *c->off);
        c->len = rf_xrealloc(c->len, c->cap * sizeof *c->len);
    }
    c->off[c->nfields] = c->data.len;
    c->len[c->nfields] = 0;
    c->nfields++;
}

static void end_field(rf_csv *c)
{
    c->len[c->nfields - 1] = c->data.len - c->off[c->nfields - 1];
}

/* Consumes a line break at c->i (CRLF, LF or CR). */
static void eat_newline(rf_csv *c)
{
    if (c->p[c->i] == '\r' && c->i + 1 < c->n && c->p[c->i + 1] == '\n')
        c->i++;
    c->i++;
    c->line++;
}

int rf_csv_next(rf_csv *c, const char *name, rf_err *err)
{
    const char *p = c->p;
    size_t n = c->n;
    /* Skip blank lines. */
    while (c->i < n && (p[c->i] == '\n' || p[c->i] == '\r'))
        eat_newline(c);
    if (c->i >= n)
        return 0;
    rf_buf_reset(&c->data);
    c->nfields = 0;
    c->row_line = c->line;
    for (;;) {
        start_field(c);
        if (c->i < n && p[c->i] == '"') {
            uint64_t qline = c->line;
            c->i++;
            for (;;) {
                if (c->i >= n)
                    return rf_errf(err, RF_EFORMAT,
                                   "%s:%llu: quoted field never closed (it starts here)", name,
                                   (unsigned long long)qline);
                char ch = p[c->i];
                if (ch == '"') {
                    if (c->i + 1 < n && p[c->i + 1] == '"') {
                        rf_buf_addc(&c->data, '"');
                        c->i += 2;
                        continue;
                    }
                    c->i++;
                    break;
                }
                if (ch == '\n' || (ch == '\r' && !(c->i + 1 < n && p[c->i + 1] == '\n')))
                    c->line++;
                rf_buf_addc(&c->data, ch);
                c->i++;
            }
        }
        /* Unquoted bytes (or bytes after a closing quote) up to the end of
         * the field. */
        size_t s = c->i;
        while (c->i < n && p[c->i] != c->delim && p[c->i] != '\n' && p[c->i] != '\r')
            c->i++;
        rf_buf_add(&c->data, p + s, c->i - s);
        end_field(c);
        if (c->i >= n)
            return 1;
        if (p[c->i] == c->delim) {
            c->i++;
            continue;
        }
        eat_newline(c);
        return 1;
    }
}
