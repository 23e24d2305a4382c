/* tok_stats.c — `refine-tokenize stats`: tokenizer fertility per script.
 *
 * For every document: characters per script (stages/text.h classes), words
 * per script (whitespace-separated words, eojeol for Korean, classed by the
 * script most of their characters belong to, punctuation and symbols only
 * when there is nothing else) and tokens per script. A token is attributed
 * through its surface form (the bytes it stands for: GPT-2 characters as
 * their bytes, <0xXX> as that byte, U+2581 as a space) to the script of the
 * first non-space character that starts inside it, else of the character it
 * continues, else "space". The report gives tokens per character and per
 * word for each script, so tokenizers can be compared on Korean and English
 * alike. Output: one JSON object on stdout (or -o FILE). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stages/cli.h"
#include "stages/text.h"
#include "stages/utf8.h"
#include "tokenizer/tok_internal.h"
#include "tokenizer/tokenize_stage.h"

typedef struct fert {
    uint64_t docs, bytes, tokens, special;
    uint64_t chars[RF_SCRIPT_COUNT], words[RF_SCRIPT_COUNT], toks[RF_SCRIPT_COUNT];
} fert;

typedef struct stats_state {
    rf_tokenizer *tk;
    rf_buf surf;     /* surface bytes of every id, back to back */
    size_t *soff;    /* id -> offset in surf; soff[nid] = end */
    uint8_t *special;
    size_t nid;
    pthread_mutex_t mu;
    fert total;
} stats_state;

typedef struct stats_tls {
    rf_tok_scratch *s;
    rf_ids ids;
    rf_buf stream;
    size_t *start;
    int8_t *attr, *inside;
    size_t cap;
    fert f;
} stats_tls;

static const rf_optspec stats_opts[] = {
    {"tokenizer", 0, RF_OPT_STR, NULL, "FILE", "HF tokenizer.json or GGUF file (required)", NULL},
    RF_OPTSPEC_END,
};

/* The bytes token (t, n) stands for in the text. */
static void add_surface(const rf_tokenizer *tk, const char *t, size_t n, rf_buf *out)
{
    int byte = tok_byte_token(t, n);
    if (byte >= 0) {
        rf_buf_addc(out, (char)byte);
        return;
    }
    size_t i = 0;
    while (i < n) {
        size_t st = i;
        uint32_t cp = rf_next_cp(t, n, &i);
        int b = tk->pre_bl ? tok_char_byte(cp) : -1;
        if (b >= 0)
            rf_buf_addc(out, (char)b);
        else if (cp == 0x2581)
            rf_buf_addc(out, ' ');
        else
            rf_buf_add(out, t + st, i - st);
    }
}

static int stats_init(rf_stage *st, const rf_opts *o, rf_err *err)
{
    const char *path = rf_opt_str(o, "tokenizer");
    if (!path || !*path)
        return rf_errf(err, RF_EUSAGE, "--tokenizer FILE is required");
    stats_state *s = rf_xcalloc(1, sizeof *s);
    int rc = rf_tokenizer_load(&s->tk, path, err);
    if (rc) {
        free(s);
        return rc;
    }
    tok_bytemap_init();
    s->nid = rf_tokenizer_id_limit(s->tk);
    s->soff = rf_xmalloc((s->nid + 1) * sizeof *s->soff);
    s->special = rf_xcalloc(s->nid + 1, 1);
    for (size_t id = 0; id < s->nid; id++) {
        s->soff[id] = s->surf.len;
        size_t n;
        const char *t = rf_tokenizer_id_to_token(s->tk, (uint32_t)id, &n);
        if (!t)
            continue;
        if (rf_tokenizer_is_special(s->tk, (uint32_t)id)) {
            s->special[id] = 1; /* not text: no surface */
            continue;
        }
        add_surface(s->tk, t, n, &s->surf);
    }
    s->soff[s->nid] = s->surf.len;
    pthread_mutex_init(&s->mu, NULL);
    st->state = s;
    return 0;
}

static void stats_release(rf_stage *st)
{
    stats_state *s = st->state;
    if (!s)
        return;
    rf_tokenizer_free(s->tk);
    rf_buf_release(&s->surf);
    free(s->soff);
    free(s->special);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

static int stats_thread_init(rf_stage *st, void **tls, rf_err *err)
{
    (void)err;
    stats_state *s = st->state;
    stats_tls *t = rf_xcalloc(1, sizeof *t);
    t->s = rf_tok_scratch_new(s->tk);
    *tls = t;
    return 0;
}

static void stats_thread_release(rf_stage *st, void *tls)
{
    stats_state *s = st->state;
    stats_tls *t = tls;
    if (!t)
        return;
    pthread_mutex_lock(&s->mu);
    fert *a = &s->total;
    a->docs += t->f.docs;
    a->bytes += t->f.bytes;
    a->tokens += t->f.tokens;
    a->special += t->f.special;
    for (int c = 0; c < RF_SCRIPT_COUNT; c++) {
        a->chars[c] += t->f.chars[c];
        a->words[c] += t->f.words[c];
        a->toks[c] += t->f.toks[c];
    }
    pthread_mutex_unlock(&s->mu);
    rf_tok_scratch_free(t->s);
    rf_ids_release(&t->ids);
    rf_buf_release(&t->stream);
    free(t->start);
    free(t->attr);
    free(t->inside);
    free(t);
}

static rf_script script_at(const char *p, size_t n, size_t *i)
{
    uint32_t cp;
    size_t l = rf_utf8_decode((const unsigned char *)p + *i, n - *i, &cp);
    if (!l) { /* a cut byte sequence from byte fallback */
        *i += 1;
        return RF_SCRIPT_OTHER;
    }
    *i += l;
    return rf_script_of(cp);
}

static int stats_process(rf_stage *st, rf_work *w, rf_doc *d, rf_err *err)
{
    stats_state *s = st->state;
    stats_tls *t = w->tls;
    size_t n;
    const char *text = rf_doc_text(d, &n);
    fert *f = &t->f;
    f->docs++;
    f->bytes += n;
    /* Characters and words. */
    for (size_t i = 0; i < n;)
        f->chars[rf_script_of(rf_next_cp(text, n, &i))]++;
    rf_tok_iter it;
    rf_tok_init(&it, text, n, 0);
    const char *wp;
    size_t wl;
    while (rf_tok_next(&it, &wp, &wl)) {
        unsigned cnt[RF_SCRIPT_COUNT] = {0};
        for (size_t i = 0; i < wl;)
            cnt[rf_script_of(rf_next_cp(wp, wl, &i))]++;
        int best = -1;
        for (int c = 0; c < RF_SCRIPT_COUNT; c++)
            if (c != RF_SCRIPT_PUNCT && c != RF_SCRIPT_SYMBOL && cnt[c] &&
                (best < 0 || cnt[c] > cnt[best]))
                best = c;
        if (best < 0)
            best = cnt[RF_SCRIPT_PUNCT] >= cnt[RF_SCRIPT_SYMBOL] ? RF_SCRIPT_PUNCT : RF_SCRIPT_SYMBOL;
        f->words[best]++;
    }
    /* Tokens. */
    int rc = rf_tokenizer_encode(s->tk, t->s, text, n, 0, &t->ids, err);
    if (rc)
        return rc;
    size_t nt = t->ids.n;
    if (nt + 1 > t->cap) {
        t->cap = 2 * (nt + 1);
        t->start = rf_xrealloc(t->start, t->cap * sizeof *t->start);
        t->attr = rf_xrealloc(t->attr, t->cap);
        t->inside = rf_xrealloc(t->inside, t->cap);
    }
    rf_buf_reset(&t->stream);
    for (size_t k = 0; k < nt; k++) {
        uint32_t id = t->ids.v[k];
        t->start[k] = t->stream.len;
        t->attr[k] = -1;
        t->inside[k] = -1;
        if (id < s->nid)
            rf_buf_add(&t->stream, s->surf.p + s->soff[id], s->soff[id + 1] - s->soff[id]);
        if (id < s->nid && s->special[id])
            f->special++;
    }
    t->start[nt] = t->stream.len;
    const char *p = t->stream.p ? t->stream.p : "";
    size_t sn = t->stream.len, i = 0, k = 0;
    while (i < sn) {
        size_t o = i;
        rf_script sc = script_at(p, sn, &i);
        while (k + 1 < nt && t->start[k + 1] <= o)
            k++;
        if (nt && t->attr[k] < 0 && sc != RF_SCRIPT_SPACE)
            t->attr[k] = (int8_t)sc;
        /* Tokens that start inside this character continue it. */
        for (size_t j = k + 1; j < nt && t->start[j] < i; j++)
            if (t->start[j] > o)
                t->inside[j] = (int8_t)sc;
    }
    for (size_t j = 0; j < nt; j++) {
        uint32_t id = t->ids.v[j];
        if (id < s->nid && s->special[id])
            continue; /* special tokens spell no text */
        int sc = t->attr[j] >= 0 ? t->attr[j] : t->inside[j] >= 0 ? t->inside[j] : RF_SCRIPT_SPACE;
        f->toks[sc]++;
        f->tokens++;
    }
    return 0;
}

static void stats_write(rf_stage *st, rf_doc *d, rf_buf *out)
{
    (void)st;
    (void)d;
    (void)out; /* only the report is written */
}

static const rf_stage_desc stats_desc = {
    .name = "tokenize-stats",
    .summary = "Tokenizer fertility per script.",
    .opts = stats_opts,
    .init = stats_init,
    .release = stats_release,
    .thread_init = stats_thread_init,
    .thread_release = stats_thread_release,
    .process = stats_process,
    .write = stats_write,
};

static void ratio(rf_buf *b, const char *name, uint64_t num, uint64_t den)
{
    rf_buf_addf(b, ", \"%s\": ", name);
    if (den)
        rf_buf_json_num(b, (double)num / (double)den, 6);
    else
        rf_buf_adds(b, "null");
}

static void report(rf_buf *b, const char *path, const fert *f)
{
    uint64_t chars = 0, words = 0;
    for (int c = 0; c < RF_SCRIPT_COUNT; c++) {
        chars += f->chars[c];
        words += f->words[c];
    }
    rf_buf_adds(b, "{\"tokenizer\": ");
    rf_buf_json_str(b, path, strlen(path));
    rf_buf_addf(b, ", \"documents\": %llu, \"bytes\": %llu, \"characters\": %llu, \"words\": %llu, "
                   "\"tokens\": %llu",
                (unsigned long long)f->docs, (unsigned long long)f->bytes,
                (unsigned long long)chars, (unsigned long long)words,
                (unsigned long long)f->tokens);
    ratio(b, "tokens_per_char", f->tokens, chars);
    ratio(b, "tokens_per_word", f->tokens, words);
    ratio(b, "bytes_per_token", f->bytes, f->tokens);
    rf_buf_adds(b, ", \"scripts\": {");
    int first = 1;
    for (int c = 0; c < RF_SCRIPT_COUNT; c++) {
        if (!f->chars[c] && !f->toks[c] && !f->words[c])
            continue;
        rf_buf_addf(b, "%s\"%s\": {\"characters\": %llu, \"words\": %llu, \"tokens\": %llu",
                    first ? "" : ", ", rf_script_name((rf_script)c),
                    (unsigned long long)f->chars[c], (unsigned long long)f->words[c],
                    (unsigned long long)f->toks[c]);
        ratio(b, "tokens_per_char", f->toks[c], f->chars[c]);
        ratio(b, "tokens_per_word", f->toks[c], f->words[c]);
        rf_buf_addc(b, '}');
        first = 0;
    }
    rf_buf_adds(b, "}}\n");
}

static const char stats_head[] =
    "Usage: refine-tokenize stats --tokenizer FILE [OPTIONS] [INPUT...]\n"
    "Fertility of a tokenizer on JSON Lines documents: tokens per character and per word,\n"
    "overall and per script (latin, hangul, han, kana, ...), as one JSON object on stdout\n"
    "(or -o FILE). Words are whitespace-separated (Korean eojeol); a token counts for the\n"
    "script of the first character it spells.\n";

int rf_tokenize_stats_main(int argc, char **argv)
{
    const char *prog = "refine-tokenize stats";
    rf_err err = {0, ""};
    rf_opts *o = NULL;
    char **pos = NULL;
    size_t npos = 0;
    rf_stage st;
    int stage_ok = 0;
    rf_buf rep = RF_BUF_INIT;
    int rc = tok_cli_begin(argc, argv, prog, "tokenize-stats", stats_opts, stats_head, &o, &pos,
                           &npos, &err);
    if (rc) {
        rc = rc > 0 ? 0 : rc;
        goto out;
    }
    rf_run_config cfg;
    if ((rc = rf_cli_run_config(o, prog, pos, npos, &cfg, &err)))
        goto out;
    const char *out_path = cfg.output;
    cfg.output = "-"; /* no documents are written; the report goes to out_path */
    if ((rc = rf_stage_init(&st, &stats_desc, o, &err)))
        goto out;
    stage_ok = 1;
    rf_run_result res;
    if ((rc = rf_run(&st, 1, &cfg, &res, &err)))
        goto out;
    stats_state *s = st.state;
    report(&rep, rf_opt_str(o, "tokenizer"), &s->total);
    if (!strcmp(out_path, "-")) {
        fwrite(rep.p, 1, rep.len, stdout);
        fflush(stdout);
    } else {
        rc = rf_cli_write_json(out_path, rep.p, rep.len, &err);
    }
    const char *stats_path = rf_opt_str(o, "stats");
    if (!rc && stats_path)
        rc = tok_cli_write_stats(stats_path, &st, &res, cfg.threads, NULL, NULL, 0, &err);
out:
    if (rc)
        rf_cli_error(prog, &err);
    if (stage_ok)
        rf_stage_release(&st);
    rf_buf_release(&rep);
    free(pos);
    rf_opts_free(o);
    return rf_exit_code(rc);
}
