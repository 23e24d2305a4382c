/* pack.c — the `pack` stage and the refine-pack tool: documents (JSONL text,
 * `refine-tokenize encode` id lines, or the ids a preceding [tokenize] stage
 * left in d->payload) become a Megatron MMIDIDX .bin/.idx pair, optionally
 * with FIM (PSM / SPM v2) and fixed-length sequence packing.
 *
 * Work is split the runner's way: workers tokenise (the three FIM parts
 * separately), add sentinels and EOD and encode the tokens in the dataset's
 * dtype into the batch arena; the writer thread receives the documents in
 * input order through the stage's emit hook and appends them to the .bin
 * (or hands them to the packer), so the files are identical for any
 * --threads. Subcommands: merge (concatenate datasets without
 * re-tokenising) and inspect (counts, length and token summaries, decode a
 * document). */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stages/cli.h"
#include "stages/io.h"
#include "stages/json.h"
#include "tokenizer/fim.h"
#include "tokenizer/mmidx.h"
#include "tokenizer/packbounds.h"
#include "tokenizer/packseq.h"
#include "tokenizer/tokenize_stage.h"
#include "tokenizer/tokenizer.h"

#define PACK_DOC_MAGIC 0x5041434Bu /* "PACK" */

extern const rf_stage_desc rf_stage_pack;

enum { IN_AUTO, IN_TEXT, IN_IDS };
enum { SPLIT_AUTO = -1 };

typedef struct pack_doc {
    uint32_t magic;
    uint32_t ntok;
    const unsigned char *data; /* ntok tokens in the dtype, little endian */
    const char *id;            /* raw JSON id value, or NULL */
    size_t id_len;
    const char *group;         /* raw JSON group value, or NULL */
    size_t group_len;
} pack_doc;

typedef struct pack_summary {
    int done;
    uint64_t documents, sequences, tokens;
    rf_pack_stats ps;
} pack_summary;

typedef struct pack_state {
    rf_tokenizer *tk;
    uint32_t id_limit;
    int dtype;
    size_t isz;
    int append_eod, have_eod;
    uint32_t eod, pad;
    double fim_rate, spm_rate;
    uint64_t seed;
    int split; /* SPLIT_AUTO or rf_fim_split */
    char **domain_fields;
    size_t ndomain;
    char **code_domains;
    size_t ncode;
    uint32_t fim_pre, fim_mid, fim_suf;
    int input;
    const char *ids_field;
    uint32_t seq_len;
    const char *group_by;
    char *prefix;
    /* Writer-thread state (emit and finish only). */
    rf_mmidx_writer *w;
    rf_packer *pk;
    rf_out *bounds;
    rf_buf bbuf;
    pack_summary sum;
} pack_state;

typedef struct pack_tls {
    rf_tok_scratch *s;
    rf_ids out, part;
    rf_buf text;
} pack_tls;

static const rf_optspec pack_opts[] = {
    {"prefix", 0, RF_OPT_STR, NULL, "PREFIX",
     "write PREFIX.bin and PREFIX.idx (refine-pack: the same as -o PREFIX)", NULL},
    {"tokenizer", 0, RF_OPT_STR, NULL, "FILE",
     "HF tokenizer.json or GGUF vocabulary: encodes text, names EOD/FIM tokens (required)", NULL},
    {"input", 0, RF_OPT_ENUM, "auto", "KIND",
     "documents: text (the text field), ids (the --ids-field array of `refine-tokenize encode`); "
     "auto = text when the document has the text field, else ids",
     "auto|text|ids"},
    {"ids-field", 0, RF_OPT_STR, "ids", "NAME", "field holding token ids for --input ids", NULL},
    {"append-eod", 0, RF_OPT_FLAG, "true", NULL,
     "append the EOD token to every document (--no-append-eod: do not)", NULL},
    {"eod-token", 0, RF_OPT_STR, "auto", "TOKEN",
     "end-of-document token; auto = the first of <|endoftext|>, <|end_of_text|>, </s>, <eos> the "
     "tokenizer has",
     NULL},
    {"dtype", 0, RF_OPT_ENUM, "auto", "TYPE",
     "token type in .bin; auto = uint16 when the tokenizer has fewer than 65,500 ids, else int32 "
     "(Megatron's rule)",
     "auto|uint16|int32"},
    {"fim-rate", 0, RF_OPT_FLOAT, "0", "R", "share of documents turned into FIM examples, 0..1",
     NULL},
    {"fim-spm-rate", 0, RF_OPT_FLOAT, "0.5", "S",
     "share of FIM examples in SPM (variant 2) order instead of PSM, 0..1", NULL},
    {"seed", 0, RF_OPT_INT, "0", "K",
     "FIM seed: every choice is a function of (document id, K), on any machine and split", NULL},
    {"fim-split", 0, RF_OPT_ENUM, "auto", "MODE",
     "FIM split points: char = grapheme boundaries, line = line starts; auto = line for code "
     "(--domain-field value in --code-domains, or the code detector), else char",
     "auto|char|line"},
    {"domain-field", 0, RF_OPT_STR, "lang,source", "FIELDS",
     "comma-separated fields naming a document's domain; the first present is used", NULL},
    {"code-domains", 0, RF_OPT_STR,
     "code,c,h,cc,cpp,hpp,c++,cs,java,js,javascript,ts,typescript,py,python,rs,rust,go,rb,ruby,"
     "php,swift,kt,kotlin,scala,sh,bash,shell,sql,lua,perl,r,julia,haskell,html,css",
     "LIST", "domain values that mean code (case-insensitive)", NULL},
    {"fim-prefix-token", 0, RF_OPT_STR, "<|fim_prefix|>", "TOKEN", "FIM prefix sentinel", NULL},
    {"fim-middle-token", 0, RF_OPT_STR, "<|fim_middle|>", "TOKEN", "FIM middle sentinel", NULL},
    {"fim-suffix-token", 0, RF_OPT_STR, "<|fim_suffix|>", "TOKEN", "FIM suffix sentinel", NULL},
    {"seq-len", 0, RF_OPT_INT, "0", "N",
     "0 = one sequence per document (the trainer concatenates); N = sequences of exactly N "
     "tokens",
     NULL},
    {"packing", 0, RF_OPT_ENUM, "best-fit", "MODE",
     "with --seq-len: best-fit = best-fit-decreasing of whole documents (long ones in N-token "
     "chunks), concat = documents concatenated and cut every N tokens",
     "best-fit|concat"},
    {"pack-buffer", 0, RF_OPT_SIZE, "16M", "TOKENS",
     "best-fit window: tokens buffered and packed together (bounds memory: 4-8 bytes each)",
     NULL},
    {"group-by", 0, RF_OPT_STR, NULL, "FIELD",
     "pack only documents with equal FIELD values together (a top-level field, or refine.KEY)",
     NULL},
    {"pad-token", 0, RF_OPT_STR, "auto", "TOKEN",
     "padding of packed sequences; auto = <|fim_pad|> when the tokenizer has it, else EOD", NULL},
    RF_OPTSPEC_END,
};

static void free_list(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static char **split_list(const char *s, size_t *n, int lower)
{
    char **v = NULL;
    size_t cnt = 0, cap = 0;
    while (s && *s) {
        const char *e = strchr(s, ',');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        while (len && isspace((unsigned char)*s)) {
            s++;
            len--;
        }
        while (len && isspace((unsigned char)s[len - 1]))
            len--;
        if (len) {
            if (cnt == cap) {
                cap = cap ? cap * 2 : 8;
                v = rf_xrealloc(v, cap * sizeof *v);
            }
            char *t = rf_xstrndup(s, len);
            if (lower)
                for (char *q = t; *q; q++)
                    *q = (char)tolower((unsigned char)*q);
            v[cnt++] = t;
        }
        if (!e)
            break;
        s = e + 1;
    }
    *n = cnt;
    return v;
}

static int token_id(const rf_tokenizer *tk, const char *name, uint32_t *id)
{
    int64_t v = rf_tokenizer_token_to_id(tk, name, strlen(name));
    if (v < 0)
        return -1;
    *id = (uint32_t)v;
    return 0;
}

static void pack_release(rf_stage *st)
{
    pack_state *s = st->state;
    if (!s)
        return;
    rf_mmidx_writer_abort(s->w);
    rf_out_abort(s->bounds);
    rf_packer_free(s->pk);
    rf_buf_release(&s->bbuf);
    rf_tokenizer_free(s->tk);
    free_list(s->domain_fields, s->ndomain);
    free_list(s->code_domains, s->ncode);
    free(s->prefix);
    free(s);
    st->state = NULL;
}

static int bounds_sink(void *ctx, const rf_pack_seq *q, rf_err *err);

static int pack_init(rf_stage *st, const rf_opts *o, rf_err *err)
{
    const char *prefix = rf_opt_str(o, "prefix");
    if (!prefix || !*prefix)
        return rf_errf(err, RF_EUSAGE, "an output prefix is required (refine-pack -o PREFIX; "
                                       "prefix = PREFIX in a [pack] section)");
    const char *tkp = rf_opt_str(o, "tokenizer");
    if (!tkp || !*tkp)
        return rf_errf(err, RF_EUSAGE, "--tokenizer FILE is required");
    pack_state *s = rf_xcalloc(1, sizeof *s);
    st->state = s;
    int rc = rf_tokenizer_load(&s->tk, tkp, err);
    if (rc)
        goto fail;
    s->prefix = rf_xstrdup(prefix);
    s->id_limit = rf_tokenizer_id_limit(s->tk);
    const char *dt = rf_opt_str(o, "dtype");
    s->dtype = !strcmp(dt, "uint16")  ? RF_MMIDX_UINT16
               : !strcmp(dt, "int32") ? RF_MMIDX_INT32
                                      : rf_mmidx_optimal_dtype(s->id_limit);
    if (s->dtype == RF_MMIDX_UINT16 && s->id_limit > 65536) {
        rc = rf_errf(err, RF_EUSAGE, "--dtype uint16 cannot hold the %u ids of %s", s->id_limit,
                     tkp);
        goto fail;
    }
    s->isz = rf_mmidx_dtype_size(s->dtype);
    s->append_eod = rf_opt_flag(o, "append-eod");
    const char *eod = rf_opt_str(o, "eod-token");
    if (!strcmp(eod, "auto")) {
        static const char *const cand[] = {"<|endoftext|>", "<|end_of_text|>", "</s>", "<eos>",
                                           NULL};
        int found = -1;
        for (int k = 0; cand[k] && found < 0; k++)
            if (!token_id(s->tk, cand[k], &s->eod))
                found = k;
        s->have_eod = found >= 0;
        if (found < 0 && s->append_eod) {
            rc = rf_errf(err, RF_EUSAGE, "%s has none of <|endoftext|>, <|end_of_text|>, </s>, "
                         "<eos>: name the end-of-document token with --eod-token (or "
                         "--no-append-eod)", tkp);
            goto fail;
        }
    } else if (token_id(s->tk, eod, &s->eod)) {
        rc = rf_errf(err, RF_EUSAGE, "--eod-token %s is not a token of %s", eod, tkp);
        goto fail;
    } else {
        s->have_eod = 1;
    }
    s->fim_rate = rf_opt_float(o, "fim-rate");
    s->spm_rate = rf_opt_float(o, "fim-spm-rate");
    if (!(s->fim_rate >= 0 && s->fim_rate <= 1) || !(s->spm_rate >= 0 && s->spm_rate <= 1)) {
        rc = rf_errf(err, RF_EUSAGE, "--fim-rate and --fim-spm-rate must be between 0 and 1");
        goto fail;
    }
    s->seed = (uint64_t)rf_opt_int(o, "seed");
    const char *sp = rf_opt_str(o, "fim-split");
    s->split = !strcmp(sp, "char") ? RF_FIM_SPLIT_CHAR
               : !strcmp(sp, "line") ? RF_FIM_SPLIT_LINE
                                     : SPLIT_AUTO;
    s->domain_fields = split_list(rf_opt_str(o, "domain-field"), &s->ndomain, 0);
    s->code_domains = split_list(rf_opt_str(o, "code-domains"), &s->ncode, 1);
    if (s->fim_rate > 0) {
        static const char *const keys[] = {"fim-prefix-token", "fim-middle-token",
                                           "fim-suffix-token"};
        uint32_t *ids[] = {&s->fim_pre, &s->fim_mid, &s->fim_suf};
        for (int k = 0; k < 3; k++) {
            const char *name = rf_opt_str(o, keys[k]);
            if (token_id(s->tk, name, ids[k])) {
                rc = rf_errf(err, RF_EUSAGE, "FIM needs the sentinel %s, which %s does not have "
                             "(name another with --%s)", name, tkp, keys[k]);
                goto fail;
            }
        }
    }
    const char *in = rf_opt_str(o, "input");
    s->input = !strcmp(in, "text") ? IN_TEXT : !strcmp(in, "ids") ? IN_IDS : IN_AUTO;
    s->ids_field = rf_opt_str(o, "ids-field");
    /* Documents may be ids without text (as refine-pack's own main parses
     * them); the stage rejects those with neither. For `refine run`. */
    st->parse_flags |= RF_PARSE_TEXT_OPTIONAL;
    int64_t sl = rf_opt_int(o, "seq-len");
    if (sl < 0 || sl > (1 << 24)) {
        rc = rf_errf(err, RF_EUSAGE, "--seq-len must be between 0 and 16777216");
        goto fail;
    }
    s->seq_len = (uint32_t)sl;
    s->group_by = rf_opt_str(o, "group-by");
    if (s->group_by && !*s->group_by)
        s->group_by = NULL;
    if (s->seq_len) {
        const char *pt = rf_opt_str(o, "pad-token");
        if (!strcmp(pt, "auto")) {
            if (token_id(s->tk, "<|fim_pad|>", &s->pad)) {
                if (!s->have_eod) {
                    rc = rf_errf(err, RF_EUSAGE, "%s has no <|fim_pad|> and no known EOD "
                                 "token: name the padding token with --pad-token", tkp);
                    goto fail;
                }
                s->pad = s->eod;
            }
        } else if (token_id(s->tk, pt, &s->pad)) {
            rc = rf_errf(err, RF_EUSAGE, "--pad-token %s is not a token of %s", pt, tkp);
            goto fail;
        }
        unsigned char pad[4] = {(unsigned char)s->pad, (unsigned char)(s->pad >> 8),
                                (unsigned char)(s->pad >> 16), (unsigned char)(s->pad >> 24)};
        const char *pm = rf_opt_str(o, "packing");
        s->pk = rf_packer_new(!strcmp(pm, "concat") ? RF_PACK_CONCAT : RF_PACK_BEST_FIT,
                              s->seq_len, s->isz, pad, rf_opt_size(o, "pack-buffer"),
                              bounds_sink, s);
    } else if (s->group_by) {
        rc = rf_errf(err, RF_EUSAGE, "--group-by needs --seq-len (packing)");
        goto fail;
    }
    rc = rf_mmidx_writer_open(&s->w, s->prefix, s->dtype, err);
    if (rc)
        goto fail;
    if (s->seq_len) {
        rf_buf bp = RF_BUF_INIT;
        rf_buf_addf(&bp, "%s.bounds.jsonl", s->prefix);
        rf_outopts oo = {RF_COMPRESS_NONE, 0, 0};
        rc = rf_out_open(&s->bounds, bp.p, &oo, err);
        rf_buf_release(&bp);
        if (rc)
            goto fail;
    }
    return 0;
fail:
    pack_release(st);
    return rc;
}

static int pack_thread_init(rf_stage *st, void **tls, rf_err *err)
{
    (void)err;
    pack_state *s = st->state;
    pack_tls *t = rf_xcalloc(1, sizeof *t);
    t->s = rf_tok_scratch_new(s->tk);
    *tls = t;
    return 0;
}

static void pack_thread_release(rf_stage *st, void *tls)
{
    (void)st;
    pack_tls *t = tls;
    if (!t)
        return;
    rf_tok_scratch_free(t->s);
    rf_ids_release(&t->out);
    rf_ids_release(&t->part);
    rf_buf_release(&t->text);
    free(t);
}

/* Parses a JSON array of non-negative integers (already valid JSON). */
static int parse_ids(const char *p, size_t n, rf_ids *out, const char **why)
{
    out->n = 0;
    size_t i = rf_json_skip_ws(p, n, 0);
    if (i >= n || p[i] != '[') {
        *why = "not an array";
        return -1;
    }
    i = rf_json_skip_ws(p, n, i + 1);
    if (i < n && p[i] == ']')
        return 0;
    for (;;) {
        uint64_t v = 0;
        size_t d0 = i;
        while (i < n && p[i] >= '0' && p[i] <= '9') {
            v = v * 10 + (uint64_t)(p[i] - '0');
            if (v > UINT32_MAX) {
                *why = "an id above 2^32-1";
                return -1;
            }
            i++;
        }
        if (i == d0 || (i < n && (p[i] == '.' || p[i] == 'e' || p[i] == 'E'))) {
            *why = "an element that is not a non-negative integer";
            return -1;
        }
        rf_ids_push(out, (uint32_t)v);
        i = rf_json_skip_ws(p, n, i);
        if (i < n && p[i] == ',') {
            i = rf_json_skip_ws(p, n, i + 1);
            continue;
        }
        return 0; /* ']' (the parser validated the JSON) */
    }
}

/* The raw value of a top-level field or of refine.KEY. */
static const char *field_value(const rf_doc *d, const char *name, size_t *n, int *type)
{
    if (!strncmp(name, "refine.", 7)) {
        const char *v = rf_doc_annotation(d, name + 7, n);
        if (v && type)
            *type = v[0] == '"' ? RF_JSON_STRING : RF_JSON_NUMBER;
        return v;
    }
    return rf_doc_field(d, name, n, type);
}

static rf_fim_split choose_split(const pack_state *s, const rf_doc *d, const char *text,
                                 size_t n, rf_stats *stats)
{
    if (s->split != SPLIT_AUTO)
        return (rf_fim_split)s->split;
    for (size_t f = 0; f < s->ndomain; f++) {
        size_t vn;
        int type = 0;
        const char *v = field_value(d, s->domain_fields[f], &vn, &type);
        if (!v)
            continue;
        if (type == RF_JSON_STRING && vn >= 2 && vn - 2 < 64) {
            char low[64];
            for (size_t k = 0; k < vn - 2; k++)
                low[k] = (char)tolower((unsigned char)v[1 + k]);
            for (size_t c = 0; c < s->ncode; c++)
                if (strlen(s->code_domains[c]) == vn - 2 &&
                    !memcmp(s->code_domains[c], low, vn - 2))
                    return RF_FIM_SPLIT_LINE;
        }
        break; /* the first domain field present decides; else the detector */
    }
    if (rf_fim_looks_like_code(text, n)) {
        rf_stats_count(stats, "fim_code_detected", 1);
        return RF_FIM_SPLIT_LINE;
    }
    return RF_FIM_SPLIT_CHAR;
}

static int encode_append(const pack_state *s, pack_tls *t, const char *p, size_t n, rf_err *err)
{
    int rc = rf_tokenizer_encode(s->tk, t->s, p, n, 0, &t->part, err);
    if (rc)
        return rc;
    rf_ids_grow(&t->out, t->part.n);
    memcpy(t->out.v + t->out.n, t->part.v, t->part.n * sizeof *t->part.v);
    t->out.n += t->part.n;
    return 0;
}

static int pack_process(rf_stage *st, rf_work *w, rf_doc *d, rf_err *err)
{
    const pack_state *s = st->state;
    pack_tls *t = w->tls;
    const uint32_t *ids = NULL;
    size_t nids = 0;
    const char *text = NULL;
    size_t tlen = 0;
    int have_ids = 0;
    const char *raw_ids = NULL;
    size_t raw_ids_len = 0;
    int rc;

    const rf_token_ids *pl = rf_tokenize_payload(d);
    if (pl) {
        if (pl->vocab_size != s->id_limit)
            return rf_errf(err, RF_EUSAGE, "the ids of the [tokenize] stage come from a "
                           "tokenizer with %u ids, pack's --tokenizer has %u: use the same file",
                           pl->vocab_size, s->id_limit);
        ids = pl->ids;
        nids = pl->n;
        have_ids = 1;
    } else if (s->input != IN_IDS && d->text_idx >= 0) {
        text = rf_doc_text(d, &tlen);
    } else if (s->input != IN_TEXT) {
        int type = 0;
        raw_ids = rf_doc_field(d, s->ids_field, &raw_ids_len, &type);
        if (!raw_ids) {
            rf_doc_reject(d, "no_text", "no text field and no \"%s\" field", s->ids_field);
            return 0;
        }
        const char *why = NULL;
        if (parse_ids(raw_ids, raw_ids_len, &t->part, &why)) {
            rf_doc_reject(d, "bad_ids", "\"%s\" holds %s", s->ids_field, why);
            return 0;
        }
        for (size_t k = 0; k < t->part.n; k++)
            if (t->part.v[k] >= s->id_limit) {
                rf_doc_reject(d, "id_out_of_range", "id %u, but the tokenizer has %u ids",
                              t->part.v[k], s->id_limit);
                return 0;
            }
        ids = t->part.v;
        nids = t->part.n;
        have_ids = 1;
    } else {
        rf_doc_reject(d, "no_text", "no text field");
        return 0;
    }

    rf_fim_plan plan = {0, 0, 0, 0};
    rf_fim_split split = RF_FIM_SPLIT_CHAR;
    if (s->fim_rate > 0) {
        uint64_t ds;
        if (d->id) {
            ds = rf_fim_doc_seed(d->id, d->id_len, s->seed);
        } else {
            rf_stats_count(w->stats, "no_id", 1);
            if (text)
                ds = rf_fim_doc_seed(text, tlen, s->seed);
            else
                ds = rf_fim_doc_seed(ids, nids * sizeof *ids, s->seed);
        }
        /* The text is needed only when the document is chosen. */
        rf_fim_plan_doc(ds, s->fim_rate, s->spm_rate, "", 0, RF_FIM_SPLIT_CHAR, &plan);
        if (plan.fim) {
            if (!text && d->text_idx >= 0) {
                text = rf_doc_text(d, &tlen);
            } else if (!text) {
                rf_buf_reset(&t->text);
                rc = rf_tokenizer_decode(s->tk, ids, nids, 0, &t->text, err);
                if (rc)
                    return rf_err_prefix(err, "line %llu", (unsigned long long)d->line_no);
                text = t->text.p ? t->text.p : "";
                tlen = t->text.len;
            }
            split = choose_split(s, d, text, tlen, w->stats);
            rf_fim_plan_doc(ds, s->fim_rate, s->spm_rate, text, tlen, split, &plan);
        }
    }

    t->out.n = 0;
    if (plan.fim) {
        const char *pre = text, *mid = text + plan.b0, *suf = text + plan.b1;
        size_t npre = plan.b0, nmid = plan.b1 - plan.b0, nsuf = tlen - plan.b1;
        rf_ids_push(&t->out, s->fim_pre);
        if (plan.spm) {
            rf_ids_push(&t->out, s->fim_suf);
            if ((rc = encode_append(s, t, suf, nsuf, err)))
                goto enc_fail;
            rf_ids_push(&t->out, s->fim_mid);
            if ((rc = encode_append(s, t, pre, npre, err)) ||
                (rc = encode_append(s, t, mid, nmid, err)))
                goto enc_fail;
        } else {
            if ((rc = encode_append(s, t, pre, npre, err)))
                goto enc_fail;
            rf_ids_push(&t->out, s->fim_suf);
            if ((rc = encode_append(s, t, suf, nsuf, err)))
                goto enc_fail;
            rf_ids_push(&t->out, s->fim_mid);
            if ((rc = encode_append(s, t, mid, nmid, err)))
                goto enc_fail;
        }
        rf_stats_count(w->stats, plan.spm ? "fim_spm" : "fim_psm", 1);
        if (split == RF_FIM_SPLIT_LINE)
            rf_stats_count(w->stats, "fim_line_split", 1);
    } else if (have_ids) {
        rf_ids_grow(&t->out, nids);
        if (nids)
            memcpy(t->out.v, ids, nids * sizeof *ids);
        t->out.n = nids;
    } else {
        if ((rc = encode_append(s, t, text, tlen, err)))
            goto enc_fail;
    }
    if (s->append_eod)
        rf_ids_push(&t->out, s->eod);
    if (text)
        rf_stats_count(w->stats, "text_bytes", tlen);
    if (s->seq_len && t->out.n == 0) {
        /* Nowhere in a packed dataset: a reject keeps the side file's
         * document numbers dense (what merge counts documents by). */
        rf_doc_reject(d, "empty_document", "no tokens to pack (empty, and --no-append-eod)");
        return 0;
    }
    if (t->out.n > INT32_MAX && !s->seq_len) {
        rf_doc_reject(d, "too_many_tokens", "%zu tokens, more than a Megatron sequence holds",
                      t->out.n);
        return 0;
    }

    pack_doc *pd = rf_arena_alloc(w->arena, sizeof *pd);
    pd->magic = PACK_DOC_MAGIC;
    pd->ntok = (uint32_t)t->out.n;
    unsigned char *q = rf_arena_alloc(w->arena, t->out.n * s->isz + 1);
    if (s->isz == 2) {
        for (size_t k = 0; k < t->out.n; k++) {
            uint32_t v = t->out.v[k];
            q[2 * k] = (unsigned char)v;
            q[2 * k + 1] = (unsigned char)(v >> 8);
        }
    } else {
        for (size_t k = 0; k < t->out.n; k++) {
            uint32_t v = t->out.v[k];
            q[4 * k] = (unsigned char)v;
            q[4 * k + 1] = (unsigned char)(v >> 8);
            q[4 * k + 2] = (unsigned char)(v >> 16);
            q[4 * k + 3] = (unsigned char)(v >> 24);
        }
    }
    pd->data = q;
    pd->id = NULL;
    pd->id_len = 0;
    if (d->id_idx >= 0) {
        pd->id = d->fields[d->id_idx].val;
        pd->id_len = d->fields[d->id_idx].vlen;
    }
    pd->group = NULL;
    pd->group_len = 0;
    if (s->group_by)
        pd->group = field_value(d, s->group_by, &pd->group_len, NULL);
    d->payload = pd;
    rf_stats_count(w->stats, "tokens", t->out.n);
    return 0;
enc_fail:
    return rf_err_prefix(err, "document at line %llu", (unsigned long long)d->line_no);
}

static int flush_bounds(pack_state *s, int force, rf_err *err)
{
    if (!s->bbuf.len || (!force && s->bbuf.len < (1u << 20)))
        return 0;
    int rc = rf_out_write(s->bounds, s->bbuf.p, s->bbuf.len, err);
    rf_buf_reset(&s->bbuf);
    return rc;
}

/* One packed sequence: into the dataset as its own document, and its parts
 * into the side file. */
static int bounds_sink(void *ctx, const rf_pack_seq *q, rf_err *err)
{
    pack_state *s = ctx;
    uint64_t seq = rf_mmidx_writer_sequences(s->w);
    int rc = rf_mmidx_add_raw(s->w, q->data, s->seq_len, err);
    if (rc)
        return rc;
    rf_mmidx_end_document(s->w);
    rf_bounds_line l = {seq, q->group, q->group_len, q->ntok, s->seq_len - q->ntok, q->parts,
                        q->nparts};
    rf_bounds_format(&s->bbuf, &l, 0, 0);
    return flush_bounds(s, 0, err);
}

static int pack_emit(rf_stage *st, rf_doc *d, rf_err *err)
{
    pack_state *s = st->state;
    const pack_doc *pd = d->payload;
    if (!pd || pd->magic != PACK_DOC_MAGIC)
        return rf_errf(err, RF_EINTERNAL, "document at line %llu reached the writer without "
                       "tokens (a stage after [pack] replaced them)",
                       (unsigned long long)d->line_no);
    if (s->pk)
        return rf_packer_add(s->pk, pd->data, pd->ntok, pd->id, pd->id_len, pd->group,
                             pd->group_len, err);
    int rc = rf_mmidx_add_raw(s->w, pd->data, pd->ntok, err);
    rf_mmidx_end_document(s->w);
    return rc;
}

static int pack_finish(rf_stage *st, rf_err *err)
{
    pack_state *s = st->state;
    int rc = 0;
    if (s->pk) {
        rc = rf_packer_finish(s->pk, err);
        if (!rc)
            rc = flush_bounds(s, 1, err);
        if (rc)
            return rc;
        s->sum.ps = *rf_packer_stats(s->pk);
        rf_stats_count(&st->stats, "sequences", s->sum.ps.sequences);
        rf_stats_count(&st->stats, "pad_tokens", s->sum.ps.pad_tokens);
        rf_stats_count(&st->stats, "split_docs", s->sum.ps.split_docs);
    }
    s->sum.documents = rf_mmidx_writer_documents(s->w);
    s->sum.sequences = rf_mmidx_writer_sequences(s->w);
    s->sum.tokens = rf_mmidx_writer_tokens(s->w);
    /* Side file first, then .bin, then .idx: a final .idx means all is there. */
    if (s->bounds) {
        rc = rf_out_commit(s->bounds, err);
        s->bounds = NULL;
        if (rc)
            return rc;
    }
    rc = rf_mmidx_writer_commit(s->w, err);
    s->w = NULL;
    /* A side file left by an earlier packed run under this prefix would
     * describe sequences this dataset does not have. */
    if (!rc && !s->seq_len)
        rc = rf_bounds_remove_stale(s->prefix, err);
    s->sum.done = !rc;
    return rc;
}

static void pack_write(rf_stage *st, rf_doc *d, rf_buf *out)
{
    /* The data goes to PREFIX.bin through emit; nothing to stdout. */
    (void)st;
    (void)d;
    (void)out;
}

/* ---- the refine-pack tool ---- */

static const char pack_usage_head[] =
    "Usage: refine-pack --tokenizer FILE -o PREFIX [OPTIONS] [INPUT...]\n"
    "       refine-pack merge -o PREFIX IN_PREFIX...\n"
    "       refine-pack inspect PREFIX [--tokenizer FILE] [--doc N] [--json]\n"
    "Tokenise documents (FIM optional) into a Megatron-LM MMIDIDX PREFIX.bin + PREFIX.idx,\n"
    "one document (one sequence, EOD appended) per input document in input order, or\n"
    "fixed --seq-len sequences with a PREFIX.bounds.jsonl side file.\n"
    "\n"
    "Input: JSON Lines with the text field, or the {\"id\": ..., \"ids\": [...]} lines of\n"
    "`refine-tokenize encode` (a record without the text field is read as ids; see --input).\n"
    "The files are written under temporary names and renamed when the run succeeds.\n";

static void summary_json(rf_buf *b, const pack_state *s)
{
    rf_buf_adds(b, "{\"prefix\":");
    rf_buf_json_str(b, s->prefix, strlen(s->prefix));
    rf_buf_addf(b, ",\"dtype\":\"%s\",\"documents\":", rf_mmidx_dtype_name(s->dtype));
    rf_buf_json_uint(b, s->sum.documents);
    rf_buf_adds(b, ",\"sequences\":");
    rf_buf_json_uint(b, s->sum.sequences);
    rf_buf_adds(b, ",\"tokens\":");
    rf_buf_json_uint(b, s->sum.tokens);
    if (s->seq_len) {
        const rf_pack_stats *p = &s->sum.ps;
        uint64_t slots = p->sequences * (uint64_t)s->seq_len;
        rf_buf_addf(b, ",\"seq_len\":%u,\"input_documents\":", s->seq_len);
        rf_buf_json_uint(b, p->docs);
        rf_buf_adds(b, ",\"document_tokens\":");
        rf_buf_json_uint(b, p->doc_tokens);
        rf_buf_adds(b, ",\"pad_tokens\":");
        rf_buf_json_uint(b, p->pad_tokens);
        rf_buf_adds(b, ",\"padding\":");
        rf_buf_json_num(b, slots ? (double)p->pad_tokens / (double)slots : 0.0, 6);
        rf_buf_adds(b, ",\"split_docs\":");
        rf_buf_json_uint(b, p->split_docs);
        rf_buf_adds(b, ",\"split_share\":");
        rf_buf_json_num(b, p->docs ? (double)p->split_docs / (double)p->docs : 0.0, 6);
    }
    rf_buf_addc(b, '}');
}

static int pack_run_main(int argc, char **argv)
{
    const char *prog = "refine-pack";
    rf_err err = {0, ""};
    const rf_optspec *tables[2] = {rf_runner_optspecs, pack_opts};
    rf_opts *o = rf_opts_new(tables, 2);
    char **pos = NULL;
    size_t npos = 0;
    rf_stage st;
    int stage_ok = 0;
    rf_buf sj = RF_BUF_INIT;
    int rc = rf_cli_apply_config(argc, argv, o, "pack", &err);
    if (!rc)
        rc = rf_opts_parse_argv(o, argc, argv, &pos, &npos, &err);
    if (rc)
        goto out;
    if (rf_opt_flag(o, "help")) {
        char tmp[16384];
        fputs(pack_usage_head, stdout);
        printf("\npack options:\n");
        rf_opts_help(pack_opts, tmp, sizeof tmp, NULL);
        fputs(tmp, stdout);
        printf("\nCommon options (-o PREFIX names the output files):\n");
        rf_opts_help(rf_runner_optspecs, tmp, sizeof tmp, NULL);
        fputs(tmp, stdout);
        printf("\nExit status: 0 ok, 1 error, 2 usage error, 3 more malformed input than "
               "--max-bad.\n");
        goto out;
    }
    if (rf_opt_flag(o, "version")) {
        printf("%s %s\n", prog, REFINE_VERSION);
        goto out;
    }
    /* -o names the dataset prefix; the runner's own output stays stdout,
     * which the stage leaves empty. */
    const char *outp = rf_opt_str(o, "output");
    if (strcmp(outp, "-") != 0) {
        char *pfx = rf_xstrdup(outp);
        rc = rf_opts_set(o, "prefix", pfx, "-o", &err);
        free(pfx);
        if (!rc)
            rc = rf_opts_set(o, "output", "-", "-o", &err);
        if (rc)
            goto out;
    }
    rf_run_config cfg;
    rc = rf_cli_run_config(o, prog, pos, npos, &cfg, &err);
    if (rc)
        goto out;
    cfg.parse_flags = RF_PARSE_TEXT_OPTIONAL;
    rc = rf_stage_init(&st, &rf_stage_pack, o, &err);
    if (rc)
        goto out;
    stage_ok = 1;
    rf_io_install_signal_cleanup();
    rf_run_result res;
    rc = rf_run(&st, 1, &cfg, &res, &err);
    if (rc)
        goto out;
    const pack_state *s = st.state;
    const char *stats_path = rf_opt_str(o, "stats");
    if (stats_path) {
        rf_buf_addc(&sj, '{');
        rf_stats_json_members(&st.stats, &sj);
        rf_cli_run_json_members(&sj, &res, cfg.threads);
        rf_buf_adds(&sj, ",\"pack\":");
        summary_json(&sj, s);
        rf_buf_adds(&sj, "}\n");
        rc = rf_cli_write_json(stats_path, sj.p, sj.len, &err);
        if (rc)
            goto out;
    }
    if (cfg.verbosity > 0) {
        fprintf(stderr, "%s: %s.bin/.idx: %llu documents, %llu sequences, %llu tokens (%s)",
                prog, s->prefix, (unsigned long long)s->sum.documents,
                (unsigned long long)s->sum.sequences, (unsigned long long)s->sum.tokens,
                rf_mmidx_dtype_name(s->dtype));
        uint64_t psm = rf_stats_get_counter(&st.stats, "fim_psm");
        uint64_t spm = rf_stats_get_counter(&st.stats, "fim_spm");
        if (psm + spm)
            fprintf(stderr, ", FIM %llu (PSM %llu, SPM %llu)", (unsigned long long)(psm + spm),
                    (unsigned long long)psm, (unsigned long long)spm);
        if (st.stats.docs_rejected)
            fprintf(stderr, ", %llu rejected", (unsigned long long)st.stats.docs_rejected);
        fputc('\n', stderr);
        if (s->seq_len) {
            const rf_pack_stats *p = &s->sum.ps;
            uint64_t slots = p->sequences * (uint64_t)s->seq_len;
            fprintf(stderr, "%s: %s packing into %u tokens: padding %.2f%% (%llu tokens), %llu "
                    "of %llu documents split (%.2f%%)\n", prog,
                    !strcmp(rf_opt_str(o, "packing"), "concat") ? "concat" : "best-fit",
                    s->seq_len, slots ? 100.0 * (double)p->pad_tokens / (double)slots : 0.0,
                    (unsigned long long)p->pad_tokens, (unsigned long long)p->split_docs,
                    (unsigned long long)p->docs,
                    p->docs ? 100.0 * (double)p->split_docs / (double)p->docs : 0.0);
        }
    }
out:
    if (rc)
        rf_cli_error(prog, &err);
    if (stage_ok)
        rf_stage_release(&st);
    rf_buf_release(&sj);
    free(pos);
    rf_opts_free(o);
    return rf_exit_code(rc);
}

int rf_pack_merge_main(int argc, char **argv);
int rf_pack_inspect_main(int argc, char **argv);

static int pack_main(int argc, char **argv)
{
    if (argc >= 2) {
        if (!strcmp(argv[1], "merge"))
            return rf_pack_merge_main(argc - 1, argv + 1);
        if (!strcmp(argv[1], "inspect"))
            return rf_pack_inspect_main(argc - 1, argv + 1);
        if (!strcmp(argv[1], "pack"))
            return pack_run_main(argc - 1, argv + 1);
    }
    return pack_run_main(argc, argv);
}

const rf_stage_desc rf_stage_pack = {
    .name = "pack",
    .summary = "Tokenise (FIM optional) and write Megatron .bin/.idx token binaries, optionally "
               "packed into fixed-length sequences.",
    .usage = "In a pipeline, [pack] takes prefix = PREFIX and reads the ids of a preceding\n"
             "[tokenize] stage (same tokenizer) without re-tokenising.",
    .opts = pack_opts,
    .init = pack_init,
    .release = pack_release,
    .thread_init = pack_thread_init,
    .thread_release = pack_thread_release,
    .process = pack_process,
    .write = pack_write,
    .emit = pack_emit,
    .finish = pack_finish,
    .main = pack_main,
};
