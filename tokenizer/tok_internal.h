/* tok_internal.h — the tokenizer's data structures, shared by the loaders
 * (tokenizer.json, GGUF), the encoder, the decoder and the trainer's writer.
 * Not a public interface: use tokenizer/tokenizer.h. */
#ifndef RF_TOK_INTERNAL_H
#define RF_TOK_INTERNAL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stddef.h>
#include <stdint.h>

#include "stages/arena.h"
#include "stages/buf.h"
#include "stages/err.h"
#include "stages/opts.h"
#include "tokenizer/hashmap.h"
#include "tokenizer/tokenizer.h"

/* ---- patterns (Split, Replace) ---- */

enum { PAT_LITERAL = 1, PAT_REGEX, PAT_CHARFN };

typedef int (*rf_charfn)(uint32_t cp);

typedef struct tok_pattern {
    int kind;
    char *lit; /* PAT_LITERAL */
    size_t litn;
    pcre2_code *re; /* PAT_REGEX */
    rf_charfn fn;   /* PAT_CHARFN: one character per match */
} tok_pattern;

/* One span of a pattern search: [start, end) and whether it matched. */
typedef struct tok_span {
    size_t start, end;
    int match;
} tok_span;

/* ---- normalizers ---- */

enum {
    NORM_SEQ = 1, NORM_NFC, NORM_NFD, NORM_NFKC, NORM_NFKD, NORM_LOWER, NORM_REPLACE,
    NORM_PREPEND, NORM_STRIP, NORM_STRIP_ACCENTS, NORM_NMT, NORM_BYTELEVEL
};

typedef struct tok_norm tok_norm;
struct tok_norm {
    int kind;
    tok_pattern pat;   /* REPLACE */
    char *str;         /* REPLACE content, PREPEND text */
    size_t strn;
    int left, right;   /* STRIP */
    tok_norm *items;   /* SEQ */
    size_t nitems;
};

/* ---- pre-tokenizers ---- */

enum {
    PRE_SEQ = 1, PRE_BYTELEVEL, PRE_SPLIT, PRE_DIGITS, PRE_METASPACE, PRE_WHITESPACE,
    PRE_WHITESPACE_SPLIT, PRE_PUNCT, PRE_BERT, PRE_CHAR_DELIM
};

/* HF SplitDelimiterBehavior */
enum { B_REMOVED = 1, B_ISOLATED, B_MERGED_PREV, B_MERGED_NEXT, B_CONTIGUOUS };

enum { PREPEND_ALWAYS = 1, PREPEND_FIRST, PREPEND_NEVER };

typedef struct tok_pre tok_pre;
struct tok_pre {
    int kind;
    int add_prefix_space, use_regex; /* BYTELEVEL */
    tok_pattern pat;                 /* SPLIT */
    int behavior, invert;            /* SPLIT, PUNCT */
    int individual;                  /* DIGITS */
    uint32_t rep;                    /* METASPACE replacement, CHAR_DELIM delimiter */
    char repu[4];
    size_t repn;
    int prepend, split;              /* METASPACE */
    tok_pre *items;                  /* SEQ */
    size_t nitems;
};

/* ---- model (BPE) ---- */

typedef struct tok_str {
    uint64_t off; /* in the vocab pool */
    uint32_t len; /* UINT32_MAX: no token with this id */
} tok_str;

/* How one input unit (a character, or a byte of a byte-level piece) becomes
 * initial symbols, following HF's merge_word: its vocabulary id, else its
 * byte-fallback tokens, else the unknown token, else nothing. */
enum { UNIT_ID = 1, UNIT_BYTES, UNIT_UNK, UNIT_DROP };

#define TOK_UNIT_MAX 16
typedef struct tok_unit {
    uint8_t kind;
    uint8_t nb;                 /* UNIT_BYTES: number of ids */
    uint32_t id[TOK_UNIT_MAX];  /* UNIT_ID: id[0]; UNIT_BYTES: byte ids */
} tok_unit;

typedef struct tok_bpe {
    rf_strmap vocab;    /* token -> id */
    rf_strmap raw;      /* byte-level models: decoded bytes of the token -> id */
    tok_str *id2tok;    /* id -> vocab string */
    size_t nid;         /* max id + 1 */
    size_t vocab_n;     /* entries in the vocab object (HF get_vocab_size) */
    rf_u64map merges;   /* (a << 32 | b) -> (rank << 32 | new id) */
    size_t nmerges;
    /* The same merges in 8-byte slots (a << 44 | b << 24 | rank, ids below
     * 2^20, ranks below 2^24) plus rank -> new id: half the memory of the
     * map above, which is what an encode step waits for. NULL when ids or
     * ranks do not fit; then the map is used. */
    uint64_t *mslot;
    size_t mmask;
    uint32_t *mnew;
    int64_t unk_id;     /* -1: no unknown token */
    char *prefix, *suffix; /* continuing_subword_prefix, end_of_word_suffix (NULL = none) */
    size_t prefix_len, suffix_len;
    int fuse_unk, byte_fallback, ignore_merges;
    int64_t byte_fb[256];  /* id of "<0xXX>", -1 when missing */
    tok_unit bl_unit[256]; /* byte-level pieces: the unit of each raw byte */
    uint64_t *bl_pair;     /* [b1 << 8 | b2] -> rank << 32 | new id (rank UINT32_MAX: none),
                            * when every byte is a single token */
    int32_t *bmp;          /* single-character ids for the BMP (-1 = not a token), when
                            * there is no prefix/suffix */
    /* Long pieces without pre-tokenisation (SentencePiece style) are cut
     * before a U+2581 that follows a character c when no vocabulary token
     * contains "c▁" and c is a token itself: no merge can cross such a
     * boundary, so the result is the same and the cache can be used. */
    int seg_ok;
    rf_u64map seg_left;    /* code points c such that "c▁" occurs inside a token */
} tok_bpe;

/* ---- added tokens ---- */

typedef struct tok_added {
    char *content;
    size_t len;
    uint32_t id;
    uint8_t special, normalized, lstrip, rstrip, single_word;
} tok_added;

/* Leftmost-longest matcher over a set of strings (a byte trie). */
typedef struct tok_trie {
    rf_u64map next;   /* (node << 8 | byte) -> child node */
    int64_t *term;    /* node -> pattern id (an added-token id) or -1 */
    size_t nnodes, cap;
    uint8_t first[256]; /* bytes that start some pattern */
    size_t npat;
} tok_trie;

/* ---- post-processor, decoder ---- */

typedef struct tok_post {
    int present;
    uint32_t *before, *after; /* special ids around the sequence (single) */
    size_t nbefore, nafter;
} tok_post;

enum {
    DEC_SEQ = 1, DEC_BYTELEVEL, DEC_REPLACE, DEC_BYTE_FALLBACK, DEC_FUSE, DEC_STRIP,
    DEC_METASPACE, DEC_BPE_SUFFIX
};

typedef struct tok_dec tok_dec;
struct tok_dec {
    int kind;
    tok_pattern pat;  /* REPLACE */
    char *str;        /* REPLACE content, BPE suffix */
    size_t strn;
    uint32_t ch;      /* STRIP content, METASPACE replacement */
    size_t start, stop; /* STRIP */
    int prepend;      /* METASPACE prepend scheme */
    tok_dec *items;
    size_t nitems;
};

struct rf_tokenizer {
    char *name;
    tok_norm *norm;   /* NULL: none */
    tok_pre *pre;     /* NULL: none */
    tok_bpe bpe;
    tok_post post;
    tok_dec *dec;     /* NULL: tokens joined with ' ' */

    /* Added tokens as given (tokenizer.json order), resolved by
     * tok_added_finish() into HF's AddedVocabulary state. */
    tok_added *pending;
    size_t npending, cappending;
    tok_added *added;     /* HF added_tokens_map_r values: one per id */
    size_t nadded, capadded;
    rf_strmap added_map;  /* content -> id (HF added_tokens_map) */
    int64_t *added_by_id; /* id -> index in added, over [0, added_nid) */
    size_t added_nid;
    rf_strmap special_set; /* contents of special tokens */
    tok_trie trie_raw;    /* non-normalized added tokens, matched on the input */
    tok_trie trie_norm;   /* normalized ones, matched on normalized text */

    int byte_level;   /* decode(encode(x)) == x: ByteLevel pre-tokenizer and decoder */
    int pre_bl;       /* the pre-tokenizer maps bytes to the GPT-2 alphabet */
    int has_regex;
};

/* ---- scratch ---- */

typedef struct tok_piece {
    const char *p;
    size_t n;
    int64_t id;       /* >= 0: already a token (added token) */
    uint8_t bl;       /* bytes still to be mapped to the byte-level alphabet */
    uint8_t orig0;    /* starts at offset 0 of the original text */
} tok_piece;

typedef struct tok_pieces {
    tok_piece *v;
    size_t n, cap;
} tok_pieces;

typedef struct tok_sym {
    uint32_t c;
    int32_t prev, next;
    uint32_t len;
} tok_sym;

typedef struct tok_heapent {
    uint32_t rank;
    uint32_t pos;
    uint32_t new_id;
} tok_heapent;

/* Per-thread pre-token cache: piece bytes -> ids, direct-mapped by hash
 * (a colliding piece replaces the old one). An entry is two cache lines. */
#define TOK_CACHE_KEY 30
#define TOK_CACHE_IDS 6
typedef struct tok_centry {
    uint64_t hash;
    uint8_t klen, nids; /* klen 0: empty */
    char key[TOK_CACHE_KEY];
    uint32_t ids[TOK_CACHE_IDS];
} tok_centry;

typedef struct tok_cache {
    tok_centry *e; /* allocated on first use */
    size_t mask;
    int disabled;  /* tests: encode without the cache */
    uint64_t hits, misses;
} tok_cache;

struct rf_tok_scratch {
    const rf_tokenizer *tk;
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    pcre2_jit_stack *jit;
    rf_arena arena;        /* per encode call */
    tok_pieces a, b;
    tok_span *spans;
    size_t nspans, capspans;
    tok_sym *sym;
    size_t capsym;
    tok_heapent *heap;
    size_t capheap;
    tok_cache cache[2]; /* text pieces, byte-level pieces */
    rf_ids tmp;
};

/* ---- functions shared between the tokenizer's files ---- */

/* Patterns: compile a regex written for Oniguruma (HF's SysRegex). */
int tok_pattern_regex(tok_pattern *pt, const char *re, size_t n, rf_err *err);
void tok_pattern_literal(tok_pattern *pt, const char *s, size_t n);
void tok_pattern_release(tok_pattern *pt);
/* All spans of (p, n) in order, covering it (HF Pattern::find_matches). */
int tok_find_matches(rf_tok_scratch *s, const tok_pattern *pt, const char *p, size_t n,
                     rf_err *err);

void tok_norm_free(tok_norm *nm);
void tok_pre_free(tok_pre *pt);
void tok_dec_free(tok_dec *d);

/* Normalises (p, n) into arena memory; *lead_removed is set when the first
 * original character did not survive (for Metaspace prepend_scheme=first). */
int tok_normalize(rf_tok_scratch *s, const tok_norm *nm, const char *p, size_t n,
                  const char **out, size_t *outn, int *lead_removed, rf_err *err);
int tok_pretokenize(rf_tok_scratch *s, const tok_pre *pt, tok_pieces *in, tok_pieces *tmp,
                    rf_err *err);
/* Replaces the content of a byte-level piece by its mapped characters. */
void tok_piece_materialize(rf_tok_scratch *s, tok_piece *pc);
void tok_pieces_push(tok_pieces *l, const char *p, size_t n, int64_t id, int bl, int orig0);

/* BPE model. */
int tok_bpe_build(tok_bpe *m, rf_err *err); /* after vocab/merges/options are set */
void tok_bpe_release(tok_bpe *m);
int tok_bpe_add_merge(tok_bpe *m, const char *a, size_t an, const char *b, size_t bn,
                      uint32_t rank, rf_err *err);
void tok_bpe_tokenize(rf_tok_scratch *s, const tok_bpe *m, const tok_piece *pc, rf_ids *out);
const char *tok_bpe_token(const tok_bpe *m, uint32_t id, size_t *len);

/* Added vocabulary (HF AddedVocabulary::add_tokens semantics). */
void tok_added_add(rf_tokenizer *tk, const tok_added *t);
int tok_added_finish(rf_tokenizer *tk, rf_tok_scratch *s, rf_err *err);
void tok_trie_release(tok_trie *t);
/* Splits the text pieces of in (into out) on the trie's tokens. */
void tok_added_split(rf_tok_scratch *s, const rf_tokenizer *tk, const tok_trie *t,
                     const tok_pieces *in, tok_pieces *out);

/* Unicode predicates as Rust / HF define them. */
int tok_is_whitespace(uint32_t cp); /* char::is_whitespace (White_Space) */
int tok_is_numeric(uint32_t cp);    /* char::is_numeric (N*) */
int tok_is_word(uint32_t cp);       /* regex \w */
int tok_is_punct(uint32_t cp);      /* is_ascii_punctuation || P* */

/* The byte of a "<0xXX>" byte-fallback token, or -1 (as HF's ByteFallback
 * decoder reads it). */
int tok_byte_token(const char *p, size_t n);

/* refine-tokenize subcommands: applies --config (section `section`) and
 * argv to the runner options plus `opts`; prints usage (head, then the
 * option tables) for --help and the version for --version. Returns 1 when
 * it printed help/version (exit 0), 0 to go on, or a negative rf_rc. */
int tok_cli_begin(int argc, char **argv, const char *prog, const char *section,
                  const rf_optspec *opts, const char *head, rf_opts **o, char ***pos,
                  size_t *npos, rf_err *err);

/* Writes the --stats object of a subcommand run to path: the stage's
 * members, the run's, and "key": extra (raw JSON) when key is not NULL. */
struct rf_stage;
struct rf_run_result;
int tok_cli_write_stats(const char *path, const struct rf_stage *st,
                        const struct rf_run_result *res, int threads, const char *key,
                        const char *extra, size_t n, rf_err *err);

/* The GPT-2 byte <-> character map. */
extern uint32_t tok_byte_char[256];
int tok_char_byte(uint32_t cp); /* -1 when cp is not in the map */
void tok_bytemap_init(void);

rf_tokenizer *tok_new(const char *name);
/* Common finishing steps of the loaders: BPE tables, added tokens, flags. */
int tok_finish(rf_tokenizer *tk, rf_err *err);

#endif
