/* csv.h — an RFC 4180 reader for CSV and TSV evaluation files.
 *
 * Records end at CRLF, LF or CR outside quotes. A field that starts with a
 * double quote is quoted: it may hold delimiters and line breaks, and "" is
 * one quote; characters after its closing quote up to the next delimiter are
 * appended (as Python's csv module does). A quote inside an unquoted field is
 * an ordinary character. Blank lines are skipped. A quoted field still open
 * at the end of the input is an error. A UTF-8 byte order mark at the start
 * is skipped. The same rules with a tab delimiter read TSV files. */
#ifndef RF_CSV_H
#define RF_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "stages/buf.h"
#include "stages/err.h"

typedef struct rf_csv {
    const char *p;
    size_t n, i;
    char delim;
    uint64_t line;  /* current line (1-based) */
    uint64_t row_line; /* line where the last record started */
    rf_buf data;    /* unquoted field bytes of the last record */
    size_t *off;    /* field k is data.p + off[k], len[k] bytes */
    size_t *len;
    size_t nfields, cap;
} rf_csv;

void rf_csv_init(rf_csv *c, const char *p, size_t n, char delim);
void rf_csv_release(rf_csv *c);
/* Reads the next record: 1 when one was read (fields in c), 0 at the end,
 * negative with err set on malformed input (name names the input). */
int rf_csv_next(rf_csv *c, const char *name, rf_err *err);

static inline const char *rf_csv_field(const rf_csv *c, size_t k, size_t *len)
{
    *len = c->len[k];
    return c->data.p + c->off[k];
}

#endif
