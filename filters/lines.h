/* lines.h — reading text files line by line for the filters' tools and
 * list loaders: any input refine reads (plain, compressed, tar members,
 * '-' for stdin), streamed, with the line number and whether the line ended
 * in '\n' (fastText treats an unterminated last line differently). */
#ifndef RF_LINES_H
#define RF_LINES_H

#include <stddef.h>
#include <stdint.h>

#include "stages/err.h"

/* Called for every line (without its '\n'); a non-zero return stops the
 * reading and is returned by rf_each_line. */
typedef int (*rf_line_fn)(void *ctx, const char *p, size_t n, int has_nl, const char *input,
                          uint64_t line_no, rf_err *err);

int rf_each_line(const char *path, rf_line_fn fn, void *ctx, rf_err *err);

/* Calls fn for every line with surrounding blanks (space, tab, CR) trimmed,
 * skipping empty lines and lines starting with one of the comment
 * characters (e.g. "#!"): the format of word, domain and URL lists. */
typedef void (*rf_list_fn)(void *ctx, const char *p, size_t n);
int rf_each_list_entry(const char *path, const char *comment_chars, rf_list_fn fn, void *ctx,
                       rf_err *err);
/* The same over a list held in memory. */
void rf_each_list_entry_mem(const char *text, size_t n, const char *comment_chars, rf_list_fn fn,
                            void *ctx);

#endif
