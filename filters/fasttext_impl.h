/* fasttext_impl.h — the inside of an rf_ft_model, shared by the reader and
 * predictor (fasttext.c) and the trainer/writer (fasttext_train.c). Not a
 * public interface. */
#ifndef RF_FASTTEXT_IMPL_H
#define RF_FASTTEXT_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "filters/fasttext.h"

#define FT_MAGIC 793712314
#define FT_VERSION 12
#define FT_SIGMOID_TABLE 512
#define FT_MAX_SIGMOID 8
#define FT_LOG_TABLE 512
#define FT_KSUB 256 /* centroids per product-quantiser sub-space (8-bit codes) */

enum { FT_WORD = 0, FT_LABEL = 1 };

/* A product quantiser: nsubq sub-vectors of dsub floats (the last one of
 * lastdsub), 256 centroids each. */
typedef struct ft_pq {
    int32_t dim, nsubq, dsub, lastdsub;
    float *centroids; /* dim * 256 */
} ft_pq;

/* A matrix of m rows of n floats, dense or product-quantised. */
typedef struct ft_matrix {
    int64_t m, n;
    float *data; /* dense: m * n */
    int quant;
    int qnorm;
    int32_t codesize;
    uint8_t *codes;      /* m * pq.nsubq */
    ft_pq pq;
    uint8_t *norm_codes; /* m, when qnorm */
    ft_pq npq;
} ft_matrix;

/* A node of the hierarchical-softmax Huffman tree. */
typedef struct ft_node {
    int32_t parent, left, right;
    int64_t count;
    int binary;
} ft_node;

struct rf_ft_model {
    rf_ft_args args;
    int32_t version;

    /* Dictionary: nwords words, then nlabels labels. */
    int32_t size, nwords, nlabels;
    int64_t ntokens;
    int64_t pruneidx_size; /* -1: not pruned */
    char *pool;            /* every entry's bytes, each followed by a NUL */
    size_t *woff;
    uint32_t *wlen;
    int64_t *counts;
    uint8_t *types;
    uint32_t *wtab; /* open addressing on the FNV hash: entry index + 1, 0 = empty */
    uint32_t wmask;

    /* Pruned n-gram index (hash bucket -> row offset after the words). */
    int32_t *pkey, *pval; /* pval < 0: empty slot */
    uint32_t pmask;
    uint64_t *pbits;      /* which buckets the index keeps: most n-grams of a
                             text are pruned, and this rejects them in cache */

    int quant;            /* input matrix is quantised */
    int qout;             /* output matrix is quantised */
    ft_matrix in, out;

    ft_node *tree;        /* hierarchical softmax: 2 * nlabels - 1 nodes */
    /* The character n-gram rows of every word, as fastText's initNgrams
     * keeps them (word i: sub[sub_off[i] .. sub_off[i + 1])); NULL when the
     * model has none or they would take too much memory (then they are
     * computed per token). */
    int32_t *sub;
    size_t *sub_off;
    double bucket_inv; /* 1 / bucket, for ft_mod_bucket */
    float t_sigmoid[FT_SIGMOID_TABLE + 1];
    float t_log[FT_LOG_TABLE + 1];
};

/* Growable int32 vector. */
typedef struct ft_ivec {
    int32_t *v;
    size_t n, cap;
} ft_ivec;

void ft_ivec_grow(ft_ivec *a);
void ft_ivec_release(ft_ivec *a);

static inline void ft_ivec_push(ft_ivec *a, int32_t x)
{
    if (a->n == a->cap)
        ft_ivec_grow(a);
    a->v[a->n++] = x;
}

/* h % bucket without a division (char n-grams are hashed by the hundred
 * million): the double-precision quotient is off by at most one, which
 * the correction fixes, so the result is exact. bucket > 0. */
static inline uint32_t ft_mod_bucket(const rf_ft_model *m, uint32_t h)
{
    const int64_t d = m->args.bucket;
    uint32_t q = (uint32_t)((double)h * m->bucket_inv);
    int64_t r = (int64_t)h - (int64_t)q * d;
    if (r < 0)
        r += d;
    else if (r >= d)
        r -= d;
    return (uint32_t)r;
}

/* fastText's hash: FNV-1a over the bytes taken as signed chars. */
static inline uint32_t ft_hash(const char *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (uint32_t)(int32_t)(int8_t)p[i];
        h *= 16777619u;
    }
    return h;
}

/* fastText's token separators (Dictionary::readWord). */
static inline int ft_is_delim(unsigned char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f' || c == 0;
}

/* The next token of (p, n) from *i: 1 with it in (*tok, *len), 0 at the end. */
static inline int ft_next_token(const char *p, size_t n, size_t *i, const char **tok, size_t *len)
{
    size_t k = *i;
    while (k < n && ft_is_delim((unsigned char)p[k]))
        k++;
    if (k >= n) {
        *i = k;
        return 0;
    }
    size_t s = k;
    while (k < n && !ft_is_delim((unsigned char)p[k]))
        k++;
    *tok = p + s;
    *len = k - s;
    *i = k;
    return 1;
}

/* Scratch of the feature extractor. */
typedef struct ft_linebuf {
    ft_ivec hashes; /* word hashes of the line, for word n-grams */
    char *w;        /* "<token>" for character n-grams */
    size_t wcap;
} ft_linebuf;

void ft_linebuf_release(ft_linebuf *b);

/* The features of one line, as Dictionary::getLine computes them: input
 * rows in fastText's order into feat, label indices into labels (may be
 * NULL). Returns the number of tokens read (labels and "</s>" included). */
size_t ft_line_features(const rf_ft_model *m, const char *p, size_t n, int eol, ft_linebuf *lb,
                        ft_ivec *feat, ft_ivec *labels);

/* Dictionary lookup: entry index or -1. */
int32_t ft_dict_find(const rf_ft_model *m, const char *w, size_t n, uint32_t h);

/* Builds the lookup tables (word hash table, sigmoid/log tables, the
 * hierarchical-softmax tree) once the dictionary and matrices are set. */
int ft_model_finish(rf_ft_model *m, rf_err *err);

/* Fills m->sub / m->sub_off (a speed-up only; predictions are the same). */
void ft_model_precompute(rf_ft_model *m);

/* SoftmaxLoss::computeOutput's normalisation of o[0 .. n) in place. */
void ft_softmax(float *o, int32_t n);

/* Table sigmoid, as fastText's Loss::sigmoid. */
float ft_sigmoid(const rf_ft_model *m, float x);
/* Table log, as fastText's Loss::log. */
float ft_log(const rf_ft_model *m, float x);

void ft_matrix_release(ft_matrix *a);

#endif
