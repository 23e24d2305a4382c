/* fasttext.h — fastText supervised models: read, predict, train, write.
 *
 * Reads the model files of fastText 0.9.2 (`.bin` with dense matrices and
 * `.ftz` with a product-quantised input matrix, optional quantised norms and
 * output, and a pruned n-gram index) and predicts exactly what
 * `fasttext predict-prob` prints: the same features (words, character
 * n-grams of "<word>", word n-grams, "</s>" at the end of a line, hashed
 * with fastText's FNV-1a over signed bytes), the same float arithmetic, the
 * same softmax / hierarchical softmax / one-vs-all outputs, the same top-k
 * heap order and the same smoothing (a printed probability is
 * exp(log(p + 1e-5)), summed along the tree for hierarchical softmax).
 *
 * A model is immutable after loading and may be shared by any number of
 * threads; every thread predicts with its own rf_ft_scratch (kenlm style).
 *
 *   rf_ft_model *m;
 *   if (rf_ft_load(&m, "lid.176.ftz", &err)) ...
 *   rf_ft_scratch *s = rf_ft_scratch_new(m);
 *   rf_ft_pred top[3];
 *   int n = rf_ft_predict(m, s, text, len, 3, 0.0f, top);
 *   // top[0].label is an index: rf_ft_label(m, top[0].label, &len) gives
 *   // "__label__ko"; top[0].prob is the number fastText prints.
 *
 * Text is taken as fastText's command line sees one input line: tokens are
 * separated by ' ', '\t', '\n', '\r', '\v', '\f' and NUL (so a document's
 * newlines act as spaces), and the end-of-line token "</s>" follows the
 * last token. */
#ifndef RF_FASTTEXT_H
#define RF_FASTTEXT_H

#include <stddef.h>
#include <stdint.h>

#include "stages/buf.h"
#include "stages/err.h"

enum { RF_FT_LOSS_HS = 1, RF_FT_LOSS_NS = 2, RF_FT_LOSS_SOFTMAX = 3, RF_FT_LOSS_OVA = 4 };
enum { RF_FT_MODEL_CBOW = 1, RF_FT_MODEL_SG = 2, RF_FT_MODEL_SUP = 3 };

/* The hyper-parameters stored in a model file (fastText's Args::save). */
typedef struct rf_ft_args {
    int32_t dim, ws, epoch, min_count, neg, word_ngrams, loss, model, bucket, minn, maxn,
        lr_update_rate;
    double t;
} rf_ft_args;

typedef struct rf_ft_model rf_ft_model;
typedef struct rf_ft_scratch rf_ft_scratch;

/* One prediction: label index (0 .. nlabels-1), the log score fastText keeps
 * and the probability it prints (expf(score)). */
typedef struct rf_ft_pred {
    float score;
    float prob;
    int32_t label;
} rf_ft_pred;

/* Loads a .bin or .ftz file (memory-mapped while parsing). Errors name the
 * file and the field that is wrong; nothing is trusted before it is checked
 * against the bytes that are left. */
int rf_ft_load(rf_ft_model **m, const char *path, rf_err *err);
/* The same from memory; name is used in messages. */
int rf_ft_load_mem(rf_ft_model **m, const void *data, size_t n, const char *name, rf_err *err);
void rf_ft_free(rf_ft_model *m);

const rf_ft_args *rf_ft_get_args(const rf_ft_model *m);
int32_t rf_ft_nwords(const rf_ft_model *m);
int32_t rf_ft_nlabels(const rf_ft_model *m);
int rf_ft_is_quantized(const rf_ft_model *m);
/* Label i (with its "__label__" prefix), not NUL-terminated in general:
 * use *len. NULL when i is out of range. */
const char *rf_ft_label(const rf_ft_model *m, int32_t i, size_t *len);
/* Index of a label given with or without the "__label__" prefix, or -1. */
int32_t rf_ft_label_id(const rf_ft_model *m, const char *label, size_t n);

/* Per-thread prediction scratch for model m. */
rf_ft_scratch *rf_ft_scratch_new(const rf_ft_model *m);
void rf_ft_scratch_free(rf_ft_scratch *s);

/* Top-k labels (k < 0: all labels, as fastText's k = -1) whose probability is
 * at least threshold, best first, into out[] (room for k entries, or
 * nlabels when k < 0). Returns the count; 0 when the line has no known
 * feature (fastText then prints an empty line). The text is one line; "</s>"
 * is appended. */
int rf_ft_predict(const rf_ft_model *m, rf_ft_scratch *s, const char *text, size_t n, int k,
                  float threshold, rf_ft_pred *out);
/* As rf_ft_predict, but eol = 0 leaves out "</s>": what fastText does for a
 * last line without a newline. */
int rf_ft_predict_line(const rf_ft_model *m, rf_ft_scratch *s, const char *text, size_t n,
                       int eol, int k, float threshold, rf_ft_pred *out);

/* As rf_ft_predict_line, and also returns the labels the line itself
 * carries ("__label__x" tokens the model knows) in gold[0 .. *ngold), at
 * most maxgold: fastText's `test` input. */
int rf_ft_predict_labeled(const rf_ft_model *m, rf_ft_scratch *s, const char *text, size_t n,
                          int eol, int k, float threshold, rf_ft_pred *out, int32_t *gold,
                          int maxgold, int *ngold);
/* Number of input features (words, n-grams) of the last line predicted
 * with s; 0 means fastText would print an empty line. */
size_t rf_ft_last_nfeatures(const rf_ft_scratch *s);

/* Appends one prediction line exactly as `fasttext predict-prob` prints it
 * ("__label__a 0.9 __label__b 0.1\n"; just "\n" when npred is 0), or as
 * `fasttext predict` prints it when with_prob is 0. */
void rf_ft_format_line(const rf_ft_model *m, const rf_ft_pred *p, int npred, int with_prob,
                       rf_buf *out);

/* ---- training (fasttext_train.c) ---- */

typedef struct rf_ft_train_opts {
    rf_ft_args args;      /* dim, epoch, word_ngrams, bucket, minn, maxn, loss, ... */
    double lr;
    int32_t min_count_label;
    int threads;
    uint64_t seed;
    int verbose;          /* 1: a progress line on stderr (callers decide tty) */
} rf_ft_train_opts;

/* fastText's defaults for `fasttext supervised`. */
void rf_ft_train_defaults(rf_ft_train_opts *o);

/* Training examples: lines in fastText's input format (labels are tokens
 * with the "__label__" prefix, anywhere in the line). */
typedef struct rf_ft_corpus rf_ft_corpus;
rf_ft_corpus *rf_ft_corpus_new(void);
void rf_ft_corpus_free(rf_ft_corpus *c);
/* Adds one line (its text is copied; newlines inside count as spaces). */
void rf_ft_corpus_add(rf_ft_corpus *c, const char *line, size_t n);
/* Adds one line made of a label token and a text. */
void rf_ft_corpus_add_labeled(rf_ft_corpus *c, const char *label, size_t llen, const char *text,
                              size_t n);
size_t rf_ft_corpus_lines(const rf_ft_corpus *c);

/* Builds the dictionary from the corpus, trains with Hogwild SGD on
 * o->threads threads and returns a dense model (.bin layout). */
int rf_ft_train(rf_ft_model **m, const rf_ft_corpus *c, const rf_ft_train_opts *o,
                rf_err *err);

/* Writes a model in fastText's .bin format (dense models only; the file
 * appears atomically). */
int rf_ft_save(const rf_ft_model *m, const char *path, rf_err *err);

#endif
