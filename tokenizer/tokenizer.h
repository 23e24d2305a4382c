/* tokenizer.h — HuggingFace-exact BPE tokenizers: load a tokenizer.json (or
 * the vocabulary of a GGUF model), encode text to ids, decode ids to text.
 *
 * The ids are exactly those of HuggingFace `tokenizers` (0.22) for the same
 * file: the same added-token matching (lstrip/rstrip/single_word/normalized),
 * normalisers, pre-tokenisers (Split regexes run with PCRE2 JIT in UTF mode,
 * translated from Oniguruma syntax), BPE merges in rank order with the same
 * tie-breaking, byte fallback and unknown-token fusing, and post-processing.
 * A component this library does not implement is a load error naming it;
 * nothing is approximated.
 *
 * Threads: an rf_tokenizer is immutable after loading and may be shared; each
 * thread encodes with its own rf_tok_scratch (regex match data, the pre-token
 * cache, work buffers). */
#ifndef RF_TOKENIZER_H
#define RF_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#include "stages/buf.h"
#include "stages/err.h"

typedef struct rf_tokenizer rf_tokenizer;
typedef struct rf_tok_scratch rf_tok_scratch;

/* A growable list of token ids. */
typedef struct rf_ids {
    uint32_t *v;
    size_t n, cap;
} rf_ids;

/* Makes room for extra more ids. */
void rf_ids_grow(rf_ids *a, size_t extra);
void rf_ids_release(rf_ids *a);
static inline void rf_ids_push(rf_ids *a, uint32_t id)
{
    if (a->n == a->cap)
        rf_ids_grow(a, 1);
    a->v[a->n++] = id;
}

/* Loads a tokenizer.json, or a GGUF file (recognised by its magic) whose
 * metadata holds tokenizer.ggml.* (SentencePiece "llama" vocabularies with
 * scores, and "gpt2" byte-level vocabularies with merges). */
int rf_tokenizer_load(rf_tokenizer **tk, const char *path, rf_err *err);
/* Same from memory; name is used in messages. */
int rf_tokenizer_load_json(rf_tokenizer **tk, const char *json, size_t n, const char *name,
                           rf_err *err);
int rf_tokenizer_load_gguf(rf_tokenizer **tk, const unsigned char *p, size_t n, const char *name,
                           rf_err *err);
void rf_tokenizer_free(rf_tokenizer *tk);

rf_tok_scratch *rf_tok_scratch_new(const rf_tokenizer *tk);
void rf_tok_scratch_free(rf_tok_scratch *s);

/* Encodes (text, n) into out (replacing its contents). The text must be
 * valid UTF-8 (RF_EFORMAT otherwise). With add_special the post-processor's
 * special tokens are added (HF add_special_tokens=True). */
int rf_tokenizer_encode(const rf_tokenizer *tk, rf_tok_scratch *s, const char *text, size_t n,
                        int add_special, rf_ids *out, rf_err *err);

/* Decodes ids with the tokenizer's decoder (HF Tokenizer.decode); unknown ids
 * are skipped as HF does. With skip_special, special added tokens are left
 * out. Appends to out. */
int rf_tokenizer_decode(const rf_tokenizer *tk, const uint32_t *ids, size_t n, int skip_special,
                        rf_buf *out, rf_err *err);

/* Number of ids: model vocabulary plus added tokens not in it (HF
 * get_vocab_size(with_added_tokens=True)). */
size_t rf_tokenizer_vocab_size(const rf_tokenizer *tk);
/* One more than the largest id the tokenizer can produce (the bound the
 * packer needs for its dtype; equals the vocabulary size when ids are
 * dense). */
uint32_t rf_tokenizer_id_limit(const rf_tokenizer *tk);
/* The token string of an id (added tokens first, then the model), or NULL. */
const char *rf_tokenizer_id_to_token(const rf_tokenizer *tk, uint32_t id, size_t *len);
/* The id of a token string, or -1. */
int64_t rf_tokenizer_token_to_id(const rf_tokenizer *tk, const char *p, size_t n);
/* 1 when the model works on bytes mapped to characters (GPT-2 ByteLevel):
 * decode(encode(x)) == x for every valid UTF-8 x. */
int rf_tokenizer_is_byte_level(const rf_tokenizer *tk);
/* 1 when id is a special added token. */
int rf_tokenizer_is_special(const rf_tokenizer *tk, uint32_t id);

#endif
