/* tokenize_stage.c — the `tokenize` stage (HF-exact encoding of every
 * document with a tokenizer.json or GGUF vocabulary) and the refine-tokenize
 * front end with its subcommands encode, train and stats.
 *
 * The tokenizer is loaded once and shared read-only; each worker thread has
 * its own scratch (regex match data, pre-token cache). Ids go to d->payload
 * for the next stage and, when the stage is last, out as
 * {"id": ID, "ids": [...]} lines. */
#include "tokenizer/tokenize_stage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stages/cli.h"
#include "tokenizer/tok_internal.h"
#include "tokenizer/tokenizer.h"

typedef struct tokenize_state {
    rf_tokenizer *tk;
    int add_special;
    uint32_t vocab_size;
} tokenize_state;

typedef struct tokenize_tls {
    rf_tok_scratch *s;
    rf_ids ids;
} tokenize_tls;

static const rf_optspec tokenize_opts[] = {
    {"tokenizer", 0, RF_OPT_STR, NULL, "FILE",
     "HF tokenizer.json, or a GGUF model whose metadata holds tokenizer.ggml.* (required)", NULL},
    {"add-special-tokens", 0, RF_OPT_FLAG, "false", NULL,
     "add the post-processor's special tokens (e.g. <bos>), as HF add_special_tokens=True", NULL},
    RF_OPTSPEC_END,
};

static int tokenize_init(rf_stage *st, const rf_opts *o, rf_err *err)
{
    const char *path = rf_opt_str(o, "tokenizer");
    if (!path || !*path)
        return rf_errf(err, RF_EUSAGE, "--tokenizer FILE is required");
    tokenize_state *s = rf_xcalloc(1, sizeof *s);
    int rc = rf_tokenizer_load(&s->tk, path, err);
    if (rc) {
        free(s);
        return rc;
    }
    s->add_special = rf_opt_flag(o, "add-special-tokens");
    s->vocab_size = rf_tokenizer_id_limit(s->tk);
    st->state = s;
    return 0;
}

static void tokenize_release(rf_stage *st)
{
    tokenize_state *s = st->state;
    if (!s)
        return;
    rf_tokenizer_free(s->tk);
    free(s);
    st->state = NULL;
}

static int tokenize_thread_init(rf_stage *st, void **tls, rf_err *err)
{
    (void)err;
    tokenize_state *s = st->state;
    tokenize_tls *t = rf_xcalloc(1, sizeof *t);
    t->s = rf_tok_scratch_new(s->tk);
    *tls = t;
    return 0;
}

static void tokenize_thread_release(rf_stage *st, void *tls)
{
    (void)st;
    tokenize_tls *t = tls;
    if (!t)
        return;
    rf_tok_scratch_free(t->s);
    rf_ids_release(&t->ids);
    free(t);
}

static int tokenize_process(rf_stage *st, rf_work *w, rf_doc *d, rf_err *err)
{
    tokenize_state *s = st->state;
    tokenize_tls *t = w->tls;
    size_t n;
    const char *text = rf_doc_text(d, &n);
    int rc = rf_tokenizer_encode(s->tk, t->s, text, n, s->add_special, &t->ids, err);
    if (rc) {
        /* Documents are valid UTF-8 after parsing, so this is a real fault
         * (a regex engine limit): stop rather than drop the document. */
        return rf_err_prefix(err, "document at line %llu", (unsigned long long)d->line_no);
    }
    rf_token_ids *p = rf_arena_alloc(w->arena, sizeof *p);
    p->magic = RF_TOKEN_IDS_MAGIC;
    p->vocab_size = s->vocab_size;
    p->n = t->ids.n;
    p->ids = t->ids.n ? rf_arena_memdup(w->arena, t->ids.v, t->ids.n * sizeof *t->ids.v) : NULL;
    p->add_special = s->add_special;
    d->payload = p;
    rf_stats_count(w->stats, "tokens", t->ids.n);
    rf_stats_count(w->stats, "text_bytes", n);
    return 0;
}

const rf_token_ids *rf_tokenize_payload(const rf_doc *d)
{
    const rf_token_ids *p = d ? d->payload : NULL;
    return p && p->magic == RF_TOKEN_IDS_MAGIC ? p : NULL;
}

void rf_tokenize_write_line(const rf_doc *d, const uint32_t *ids, size_t n, rf_buf *out)
{
    rf_buf_adds(out, "{\"id\": ");
    if (d->id_idx >= 0 && (uint32_t)d->id_idx < d->nfields)
        rf_buf_add(out, d->fields[d->id_idx].val, d->fields[d->id_idx].vlen);
    else
        rf_buf_adds(out, "null");
    rf_buf_adds(out, ", \"ids\": [");
    /* Decimal ids without printf: this is the hot output path. */
    rf_buf_grow(out, n * 12 + 4);
    char *o = out->p + out->len;
    for (size_t i = 0; i < n; i++) {
        if (i) {
            *o++ = ',';
            *o++ = ' ';
        }
        char tmp[12];
        int k = 0;
        uint32_t v = ids[i];
        do {
            tmp[k++] = (char)('0' + v % 10);
            v /= 10;
        } while (v);
        while (k)
            *o++ = tmp[--k];
    }
    rf_buf_setlen(out, (size_t)(o - out->p));
    rf_buf_adds(out, "]}\n");
}

static void tokenize_write(rf_stage *st, rf_doc *d, rf_buf *out)
{
    (void)st;
    const rf_token_ids *p = rf_tokenize_payload(d);
    rf_tokenize_write_line(d, p ? p->ids : NULL, p ? p->n : 0, out);
}

int tok_cli_begin(int argc, char **argv, const char *prog, const char *section,
                  const rf_optspec *opts, const char *head, rf_opts **o, char ***pos,
                  size_t *npos, rf_err *err)
{
    const rf_optspec *tables[2] = {rf_runner_optspecs, opts};
    *o = rf_opts_new(tables, 2);
    int rc = rf_cli_apply_config(argc, argv, *o, section, err);
    if (!rc)
        rc = rf_opts_parse_argv(*o, argc, argv, pos, npos, err);
    if (rc)
        return rc;
    if (rf_opt_flag(*o, "help")) {
        char tmp[16384];
        fputs(head, stdout);
        printf("\n%s options:\n", strchr(prog, ' ') ? strchr(prog, ' ') + 1 : prog);
        rf_opts_help(opts, tmp, sizeof tmp, NULL);
        fputs(tmp, stdout);
        printf("\nCommon options:\n");
        rf_opts_help(rf_runner_optspecs, tmp, sizeof tmp, NULL);
        fputs(tmp, stdout);
        return 1;
    }
    if (rf_opt_flag(*o, "version")) {
        printf("%s %s\n", prog, REFINE_VERSION);
        return 1;
    }
    return 0;
}

int tok_cli_write_stats(const char *path, const rf_stage *st, const rf_run_result *res,
                        int threads, const char *key, const char *extra, size_t n, rf_err *err)
{
    rf_buf sj = RF_BUF_INIT;
    rf_buf_addc(&sj, '{');
    rf_stats_json_members(&st->stats, &sj);
    rf_cli_run_json_members(&sj, res, threads);
    if (key) {
        rf_buf_addf(&sj, ",\"%s\":", key);
        rf_buf_add(&sj, extra, n);
    }
    rf_buf_adds(&sj, "}\n");
    int rc = rf_cli_write_json(path, sj.p, sj.len, err);
    rf_buf_release(&sj);
    return rc;
}

static const char main_usage[] =
    "Usage: refine-tokenize COMMAND [OPTIONS] [INPUT...]\n"
    "HuggingFace-exact BPE tokenisation, BPE training and tokenizer statistics.\n"
    "\n"
    "Commands:\n"
    "  encode   --tokenizer FILE [--add-special-tokens] [INPUT...]\n"
    "           write {\"id\": ID, \"ids\": [...]} per document (the default command)\n"
    "  train    --vocab-size N -o tokenizer.json [INPUT...]\n"
    "           train a byte-level or byte-fallback BPE tokenizer\n"
    "  stats    --tokenizer FILE [INPUT...]\n"
    "           fertility (tokens per character and per word) per script, as JSON\n"
    "\n"
    "'refine-tokenize COMMAND --help' shows the options of a command.\n";

static int tokenize_main(int argc, char **argv)
{
    if (argc >= 2) {
        const char *c = argv[1];
        if (!strcmp(c, "encode"))
            return rf_cli_main(&rf_stage_tokenize, argc - 1, argv + 1);
        if (!strcmp(c, "train"))
            return rf_tokenize_train_main(argc - 1, argv + 1);
        if (!strcmp(c, "stats"))
            return rf_tokenize_stats_main(argc - 1, argv + 1);
        if (!strcmp(c, "--help") || !strcmp(c, "-h")) {
            fputs(main_usage, stdout);
            return 0;
        }
        if (!strcmp(c, "--version") || !strcmp(c, "-V")) {
            printf("refine-tokenize %s\n", REFINE_VERSION);
            return 0;
        }
    } else {
        fputs(main_usage, stderr);
        return 2;
    }
    /* No command: encode. */
    return rf_cli_main(&rf_stage_tokenize, argc, argv);
}

const rf_stage_desc rf_stage_tokenize = {
    .name = "tokenize",
    .summary = "Encode documents with a HuggingFace tokenizer (exact ids); train BPE tokenizers.",
    .usage = "Writes {\"id\": ID, \"ids\": [...]} per document (json.dumps layout); in a\n"
             "`refine run` chain the ids go to the next stage (the packer) without JSON.\n"
             "ID is the raw value of the id field, null when a document has none.",
    .opts = tokenize_opts,
    .init = tokenize_init,
    .release = tokenize_release,
    .thread_init = tokenize_thread_init,
    .thread_release = tokenize_thread_release,
    .process = tokenize_process,
    .write = tokenize_write,
    .main = tokenize_main,
};
