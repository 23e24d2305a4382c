/* harm_url.h — URL and domain blocklists for refine-harm.
 *
 * A domain list blocks a host and all its subdomains: "example.com" blocks
 * example.com, www.example.com and a.b.example.com, but not
 * badexample.com. List files may be plain ("example.com"), hosts-file
 * style ("0.0.0.0 example.com") or ad-block style ("||example.com^");
 * '#' and '!' start comments. URL word lists follow datatrove's URL filter:
 * the URL is split on every run of characters other than ASCII letters and
 * digits, and a banned word must equal one of those pieces (case is
 * ignored); soft words count, each word once. */
#ifndef RF_HARM_URL_H
#define RF_HARM_URL_H

#include <stddef.h>

#include "stages/buf.h"
#include "stages/err.h"

/* A set of byte strings. */
typedef struct rf_strset rf_strset;
rf_strset *rf_strset_new(void);
void rf_strset_free(rf_strset *s);
/* Returns 1 when added, 0 when already present. */
int rf_strset_add(rf_strset *s, const char *p, size_t n);
int rf_strset_has(const rf_strset *s, const char *p, size_t n);
size_t rf_strset_size(const rf_strset *s);

/* Adds the domains of a list file (plain or compressed). */
int rf_domains_load(rf_strset *s, const char *path, rf_err *err);
/* Adds the lines of a file as they are (trimmed; exact URLs). */
int rf_lines_load(rf_strset *s, const char *path, rf_err *err);
/* Adds the lines of a word list, normalised as datatrove normalises them
 * (ASCII letters and digits only, lower case). */
int rf_urlwords_load(rf_strset *s, const char *path, rf_err *err);

/* The host of a URL, lower-cased, without scheme, user, port or trailing
 * dot ("HTTP://User@WWW.Example.COM.:8080/x" -> "www.example.com"). A URL
 * without a scheme is taken as starting with its host. Returns the host
 * length written to out (0: none). */
size_t rf_url_host(const char *url, size_t n, rf_buf *out);

/* Whether host or one of its parent domains is in s; *match receives the
 * listed domain (a suffix of host). */
int rf_domain_blocked(const rf_strset *s, const char *host, size_t n, const char **match,
                      size_t *mlen);

/* Calls fn for each lower-cased piece of the URL between runs of
 * non-alphanumeric characters; stops when fn returns non-zero (and returns
 * that value). */
int rf_url_words(const char *url, size_t n, rf_buf *scratch,
                 int (*fn)(void *ctx, const char *w, size_t len), void *ctx);

#endif
