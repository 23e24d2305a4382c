/* harm_match.h — word lists matched in one pass over a text.
 *
 * A list file has one entry per line ('#' starts a comment line; blank
 * lines are skipped). Entries and texts are normalised the same way, so
 * matching is case-, width- and compatibility-insensitive:
 *   RF_WL_TEXT  NFKC + case folding + whitespace runs as one space (the
 *               shared normaliser, stages/text.h); multi-word entries such
 *               as "2 girls 1 cup" match across any whitespace;
 *   RF_WL_URL   datatrove's URL normalisation: ASCII letters and digits
 *               only, lower-cased, everything else removed (substrings).
 * In text mode an entry matches on word boundaries chosen by the script of
 * its first and last character: Latin, Cyrillic, digits and other
 * space-delimited scripts need a non-word character (or the text's end)
 * on both sides; a Hangul entry is an eojeol prefix (it must start an
 * eojeol, and particles or endings may follow it); Han and Kana entries
 * match anywhere. Markers override: "*x" drops the start boundary, "x*" the
 * end boundary, "=x" demands both.
 *
 * All entries of all lists go into one automaton (Aho–Corasick as a dense
 * DFA over byte classes) or, for comparison, one PCRE2 JIT alternation with
 * look-around boundaries; a scan reports the first hard hit and counts soft
 * hits. The compiled matcher is read-only: threads share it and keep their
 * own rf_wl_scratch. */
#ifndef RF_HARM_MATCH_H
#define RF_HARM_MATCH_H

#include <stddef.h>
#include <stdint.h>

#include "stages/buf.h"
#include "stages/err.h"

enum { RF_WL_TEXT = 0, RF_WL_URL = 1 };
enum { RF_WL_AC = 0, RF_WL_PCRE2 = 1 };

typedef struct rf_wl rf_wl;
typedef struct rf_wl_scratch rf_wl_scratch;

rf_wl *rf_wl_new(int mode);
void rf_wl_free(rf_wl *w);

/* Adds the entries of one list (the file's bytes); name appears in reject
 * details. soft: the list counts towards a threshold instead of rejecting
 * on one hit. Returns the number of entries added (>= 0) or an error. */
int rf_wl_add_list(rf_wl *w, const char *name, const char *text, size_t n, int soft,
                   rf_err *err);
/* Reads a list file (plain or compressed) and adds it. */
int rf_wl_add_file(rf_wl *w, const char *path, int soft, rf_err *err);

/* Builds the matcher: RF_WL_AC or RF_WL_PCRE2. */
int rf_wl_compile(rf_wl *w, int engine, rf_err *err);
size_t rf_wl_size(const rf_wl *w);       /* entries */
size_t rf_wl_states(const rf_wl *w);     /* automaton states (AC) */

rf_wl_scratch *rf_wl_scratch_new(const rf_wl *w);
void rf_wl_scratch_free(rf_wl_scratch *s);

typedef struct rf_wl_hits {
    uint64_t hard, soft;     /* hits (soft: every occurrence) */
    int32_t first_hard;      /* entry of the first hard hit, -1 if none */
    int32_t soft_ids[4];     /* the first distinct soft entries, for details */
    int nsoft_ids;
} rf_wl_hits;

/* Normalises (p, n) as the mode says into s and scans it. With stop_on_hard
 * the scan ends at the first hard hit. */
void rf_wl_scan(const rf_wl *w, rf_wl_scratch *s, const char *p, size_t n, int stop_on_hard,
                rf_wl_hits *h);
/* Words of the last scanned text (whitespace-separated tokens of its
 * normalised form), for ratios. */
size_t rf_wl_last_words(rf_wl_scratch *s);

/* An entry as written in its list, and the list's name. */
const char *rf_wl_entry(const rf_wl *w, int32_t id);
const char *rf_wl_entry_list(const rf_wl *w, int32_t id);

/* datatrove's URL normalisation (see above), appended to out. */
void rf_wl_url_normalize(const char *p, size_t n, rf_buf *out);

#endif
