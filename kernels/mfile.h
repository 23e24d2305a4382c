/* mfile.h — a model file opened for reading: the tensors it holds and its
 * metadata, whatever the container.
 *
 * Two containers are read: GGUF v3 (one file: metadata key/values, tensor
 * infos, aligned data) and safetensors (an 8-byte header length, a JSON
 * header naming each tensor's dtype, shape and byte range, then the data),
 * whose model hyper-parameters live in the HuggingFace config.json beside it.
 * Both end up as rf_tensor_view lists plus one flat metadata list, so the
 * model builder (model.c) does not care which it got.
 *
 * The parsers work on a memory range (the mapping, or a fuzzer's buffer) and
 * check every count, length and offset against the bytes that remain, so a
 * truncated or hostile file gives an error, never an out-of-bounds read. */
#ifndef RF_KERNELS_MFILE_H
#define RF_KERNELS_MFILE_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/tensor.h"
#include "stages/err.h"

typedef enum rf_meta_kind {
    RF_META_INT,    /* i (and f) valid */
    RF_META_FLOAT,  /* f valid */
    RF_META_BOOL,   /* i is 0/1 */
    RF_META_STRING, /* s, slen (not NUL-terminated: points into the file) */
    RF_META_ARRAY,  /* count elements of elem_type, not decoded */
    RF_META_OTHER   /* JSON null/object: present but without a value */
} rf_meta_kind;

typedef struct rf_meta {
    const char *key; /* NUL-terminated copy */
    rf_meta_kind kind;
    int64_t i;
    double f;
    const char *s;
    size_t slen;
    uint64_t count;
    uint32_t elem_type;
} rf_meta;

enum { RF_MFILE_GGUF = 1, RF_MFILE_SAFETENSORS = 2 };

typedef struct rf_mfile {
    int format;
    const char *path;   /* for messages (owned copy) */
    void *map;          /* mmap of the weights file (NULL when parsing a buffer) */
    size_t map_len;
    char *config;       /* config.json text (safetensors) */
    size_t config_len;
    rf_tensor_view *tensors;
    size_t ntensors;
    rf_meta *meta;
    size_t nmeta;
    uint32_t gguf_version;
} rf_mfile;

/* Opens a model: a .gguf file, a .safetensors file (config.json is read
 * from the same directory) or a directory holding model.safetensors and
 * config.json. The container is recognised by its content. */
int rf_mfile_open(rf_mfile *m, const char *path, rf_err *err);
void rf_mfile_release(rf_mfile *m);

/* Parsers over memory (the caller keeps the bytes alive while m is used). */
int rf_gguf_parse(rf_mfile *m, const void *p, size_t n, rf_err *err);
int rf_safetensors_parse(rf_mfile *m, const void *p, size_t n, rf_err *err);
/* Reads the top-level members of a HuggingFace config.json into m->meta
 * (the text must stay alive). */
int rf_hfconfig_parse(rf_mfile *m, const char *json, size_t n, rf_err *err);

const rf_meta *rf_mfile_meta(const rf_mfile *m, const char *key);
const rf_tensor_view *rf_mfile_tensor(const rf_mfile *m, const char *name);

#endif
