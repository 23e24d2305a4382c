/* pack_tools.c — `refine-pack merge` (concatenate MMIDIDX datasets into one,
 * copying token bytes and re-basing the index, never re-tokenising; dtypes
 * must agree, as in Megatron's IndexedDatasetBuilder.add_index) and
 * `refine-pack inspect` (header counts, sequence-length percentiles, a
 * token-frequency summary, and the tokens or decoded text of chosen
 * documents; --json for scripts). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stages/buf.h"
#include "stages/cli.h"
#include "stages/opts.h"
#include "tokenizer/mmidx.h"
#include "tokenizer/tokenizer.h"

int rf_pack_merge_main(int argc, char **argv);
int rf_pack_inspect_main(int argc, char **argv);

static const rf_optspec merge_opts[] = {
    {"output", 'o', RF_OPT_STR, NULL, "PREFIX", "write PREFIX.bin and PREFIX.idx (required)", NULL},
    {"quiet", 'q', RF_OPT_FLAG, "false", NULL, "print errors only", NULL},
    {"help", 'h', RF_OPT_FLAG, "false", NULL, "show this help and exit", NULL},
    RF_OPTSPEC_END,
};

int rf_pack_merge_main(int argc, char **argv)
{
    const char *prog = "refine-pack merge";
    rf_err err = {0, ""};
    const rf_optspec *tables[1] = {merge_opts};
    rf_opts *o = rf_opts_new(tables, 1);
    char **pos = NULL;
    size_t npos = 0;
    rf_mmidx_writer *w = NULL;
    int rc = rf_opts_parse_argv(o, argc, argv, &pos, &npos, &err);
    if (rc)
        goto out;
    if (rf_opt_flag(o, "help")) {
        char tmp[4096];
        printf("Usage: refine-pack merge -o PREFIX IN_PREFIX...\n"
               "Concatenates Megatron .bin/.idx datasets (same dtype) into PREFIX.bin/.idx in\n"
               "the order given, without re-tokenising. Documents keep their sequences.\n"
               "PREFIX.bounds.jsonl side files are not merged.\n\nmerge options:\n");
        rf_opts_help(merge_opts, tmp, sizeof tmp, NULL);
        fputs(tmp, stdout);
        goto out;
    }
    const char *outp = rf_opt_str(o, "output");
    if (!outp || !*outp || !strcmp(outp, "-")) {
        rc = rf_errf(&err, RF_EUSAGE, "-o PREFIX is required");
        goto out;
    }
    if (npos == 0) {
        rc = rf_errf(&err, RF_EUSAGE, "no input datasets (IN_PREFIX...)");
        goto out;
    }
    rf_mmidx first;
    if ((rc = rf_mmidx_open(&first, pos[0], &err)))
        goto out;
    int dtype = first.dtype;
    rf_mmidx_close(&first);
    rf_io_install_signal_cleanup();
    if ((rc = rf_mmidx_writer_open(&w, outp, dtype, &err)))
        goto out;
    for (size_t i = 0; i < npos && !rc; i++)
        rc = rf_mmidx_append_dataset(w, pos[i], &err);
    if (rc)
        goto out;
    uint64_t nd = rf_mmidx_writer_documents(w), ns = rf_mmidx_writer_sequences(w),
             nt = rf_mmidx_writer_tokens(w);
    rc = rf_mmidx_writer_commit(w, &err);
    w = NULL;
    if (!rc && !rf_opt_flag(o, "quiet"))
        fprintf(stderr, "%s: %s.bin/.idx: %zu datasets, %llu documents, %llu sequences, %llu "
                "tokens (%s)\n", prog, outp, npos, (unsigned long long)nd,
                (unsigned long long)ns, (unsigned long long)nt, rf_mmidx_dtype_name(dtype));
out:
    rf_mmidx_writer_abort(w);
    if (rc)
        rf_cli_error(prog, &err);
    free(pos);
    rf_opts_free(o);
    return rf_exit_code(rc);
}

static const rf_optspec inspect_opts[] = {
    {"tokenizer", 0, RF_OPT_STR, NULL, "FILE", "decode documents with this tokenizer", NULL},
    {"doc", 0, RF_OPT_LIST, NULL, "N", "show document N (0-based; repeatable)", NULL},
    {"top", 0, RF_OPT_INT, "10", "K", "list the K most frequent token ids", NULL},
    {"json", 0, RF_OPT_FLAG, "false", NULL, "print one JSON object", NULL},
    {"help", 'h', RF_OPT_FLAG, "false", NULL, "show this help and exit", NULL},
    RF_OPTSPEC_END,
};

typedef struct freq {
    uint32_t id;
    uint64_t n;
} freq;

static int freq_cmp(const void *a, const void *b)
{
    const freq *x = a, *y = b;
    if (x->n != y->n)
        return x->n > y->n ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static int u32_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

#define DENSE_IDS (1u << 24)

int rf_pack_inspect_main(int argc, char **argv)
{
    const char *prog = "refine-pack inspect";
    rf_err err = {0, ""};
    const rf_optspec *tables[1] = {inspect_opts};
    rf_opts *o = rf_opts_new(tables, 1);
    char **pos = NULL;
    size_t npos = 0;
    rf_mmidx m;
    int opened = 0;
    rf_tokenizer *tk = NULL;
    uint64_t *counts = NULL;
    uint32_t *lens = NULL;
    freq *top = NULL;
    rf_buf b = RF_BUF_INIT, txt = RF_BUF_INIT;
    uint32_t *ids = NULL;
    int rc = rf_opts_parse_argv(o, argc, argv, &pos, &npos, &err);
    if (rc)
        goto out;
    if (rf_opt_flag(o, "help")) {
        char tmp[4096];
        printf("Usage: refine-pack inspect PREFIX [--tokenizer FILE] [--doc N]... [--json]\n"
               "Checks PREFIX.idx/.bin and prints counts, sequence-length percentiles, the most\n"
               "frequent token ids, and the tokens (decoded with --tokenizer) of documents.\n\n"
               "inspect options:\n");
        rf_opts_help(inspect_opts, tmp, sizeof tmp, NULL);
        fputs(tmp, stdout);
        goto out;
    }
    if (npos != 1) {
        rc = rf_errf(&err, RF_EUSAGE, "expected one dataset PREFIX");
        goto out;
    }
    if ((rc = rf_mmidx_open(&m, pos[0], &err)))
        goto out;
    opened = 1;
    const char *tkp = rf_opt_str(o, "tokenizer");
    if (tkp && (rc = rf_tokenizer_load(&tk, tkp, &err)))
        goto out;
    int64_t topk = rf_opt_int(o, "top");
    if (topk < 0)
        topk = 0;
    int json = rf_opt_flag(o, "json");

    /* Token frequencies (dense up to 2^24 ids; larger ids counted apart). */
    uint32_t maxid = 0;
    uint64_t big = 0, distinct = 0;
    counts = rf_xcalloc(DENSE_IDS, sizeof *counts);
    lens = rf_xmalloc((m.nseq ? m.nseq : 1) * sizeof *lens);
    for (uint64_t i = 0; i < m.nseq; i++) {
        uint32_t len = rf_mmidx_length(&m, i);
        lens[i] = len;
        for (uint32_t k = 0; k < len; k++) {
            uint32_t t = rf_mmidx_token(&m, i, k);
            if (t > maxid)
                maxid = t;
            if (t < DENSE_IDS)
                counts[t]++;
            else
                big++;
        }
    }
    size_t ntop = 0;
    top = rf_xmalloc(((size_t)topk + 1) * sizeof *top);
    for (uint32_t t = 0; t < DENSE_IDS && t <= maxid; t++) {
        if (!counts[t])
            continue;
        distinct++;
        if (!topk)
            continue;
        /* Insertion into a small sorted top list. */
        freq f = {t, counts[t]};
        if (ntop < (size_t)topk || freq_cmp(&f, &top[ntop - 1]) < 0) {
            size_t j = ntop < (size_t)topk ? ntop++ : ntop - 1;
            while (j > 0 && freq_cmp(&f, &top[j - 1]) < 0) {
                top[j] = top[j - 1];
                j--;
            }
            top[j] = f;
        }
    }
    qsort(lens, m.nseq, sizeof *lens, u32_cmp);
    static const double pct[] = {0.5, 0.9, 0.99};
    uint64_t p[3] = {0, 0, 0};
    for (int k = 0; k < 3 && m.nseq; k++)
        p[k] = lens[(uint64_t)((double)(m.nseq - 1) * pct[k])];
    double mean = m.nseq ? (double)m.ntokens / (double)m.nseq : 0.0;
    uint64_t ndocs = m.ndocidx - 1;

    if (json) {
        rf_buf_adds(&b, "{\"prefix\":");
        rf_buf_json_str(&b, pos[0], strlen(pos[0]));
        rf_buf_addf(&b, ",\"dtype\":\"%s\",\"dtype_code\":%d,\"documents\":%llu,\"sequences\":"
                    "%llu,\"tokens\":%llu,\"bin_bytes\":%llu,\"seq_len\":{\"min\":%u,\"p50\":%llu,"
                    "\"p90\":%llu,\"p99\":%llu,\"max\":%u,\"mean\":",
                    rf_mmidx_dtype_name(m.dtype), m.dtype, (unsigned long long)ndocs,
                    (unsigned long long)m.nseq, (unsigned long long)m.ntokens,
                    (unsigned long long)m.bin_size, m.nseq ? lens[0] : 0,
                    (unsigned long long)p[0], (unsigned long long)p[1], (unsigned long long)p[2],
                    m.nseq ? lens[m.nseq - 1] : 0);
        rf_buf_json_num(&b, mean, 6);
        rf_buf_addf(&b, "},\"distinct_ids\":%llu,\"max_id\":%u,\"top\":[",
                    (unsigned long long)(distinct + (big ? 1 : 0)), maxid);
        for (size_t k = 0; k < ntop; k++)
            rf_buf_addf(&b, "%s[%u,%llu]", k ? "," : "", top[k].id, (unsigned long long)top[k].n);
        rf_buf_adds(&b, "],\"docs\":[");
    } else {
        rf_buf_addf(&b, "%s: MMIDIDX v1, %s, %llu documents, %llu sequences, %llu tokens, .bin "
                    "%llu bytes\n", pos[0], rf_mmidx_dtype_name(m.dtype),
                    (unsigned long long)ndocs, (unsigned long long)m.nseq,
                    (unsigned long long)m.ntokens, (unsigned long long)m.bin_size);
        rf_buf_addf(&b, "sequence length: min %u, p50 %llu, p90 %llu, p99 %llu, max %u, mean "
                    "%.1f\n", m.nseq ? lens[0] : 0, (unsigned long long)p[0],
                    (unsigned long long)p[1], (unsigned long long)p[2],
                    m.nseq ? lens[m.nseq - 1] : 0, mean);
        rf_buf_addf(&b, "token ids: %llu distinct, max %u\n",
                    (unsigned long long)(distinct + (big ? 1 : 0)), maxid);
        for (size_t k = 0; k < ntop; k++) {
            rf_buf_addf(&b, "  %10u  %12llu  %6.2f%%", top[k].id, (unsigned long long)top[k].n,
                        m.ntokens ? 100.0 * (double)top[k].n / (double)m.ntokens : 0.0);
            size_t tl;
            const char *ts = tk ? rf_tokenizer_id_to_token(tk, top[k].id, &tl) : NULL;
            if (ts) {
                rf_buf_adds(&b, "  ");
                rf_buf_json_str(&b, ts, tl);
            }
            rf_buf_addc(&b, '\n');
        }
    }
    const char *const *docs = NULL;
    size_t ndocq = rf_opt_list(o, "doc", &docs);
    for (size_t q = 0; q < ndocq; q++) {
        char *end;
        unsigned long long dn = strtoull(docs[q], &end, 10);
        if (!*docs[q] || *end || dn >= ndocs) {
            rc = rf_errf(&err, RF_EUSAGE, "--doc %s: not a document number below %llu", docs[q],
                         (unsigned long long)ndocs);
            goto out;
        }
        uint64_t s0 = rf_mmidx_docidx(&m, dn), s1 = rf_mmidx_docidx(&m, dn + 1);
        size_t nt = 0;
        for (uint64_t i = s0; i < s1; i++)
            nt += rf_mmidx_length(&m, i);
        free(ids);
        ids = rf_xmalloc((nt ? nt : 1) * sizeof *ids);
        nt = 0;
        for (uint64_t i = s0; i < s1; i++)
            for (uint32_t k = 0; k < rf_mmidx_length(&m, i); k++)
                ids[nt++] = rf_mmidx_token(&m, i, k);
        rf_buf_reset(&txt);
        if (tk && (rc = rf_tokenizer_decode(tk, ids, nt, 0, &txt, &err)))
            goto out;
        if (json) {
            rf_buf_addf(&b, "%s{\"doc\":%llu,\"sequences\":[%llu,%llu],\"ids\":[", q ? "," : "",
                        dn, (unsigned long long)s0, (unsigned long long)s1);
            for (size_t k = 0; k < nt; k++)
                rf_buf_addf(&b, "%s%u", k ? "," : "", ids[k]);
            rf_buf_adds(&b, "]");
            if (tk) {
                rf_buf_adds(&b, ",\"text\":");
                rf_buf_json_str(&b, txt.p ? txt.p : "", txt.len);
            }
            rf_buf_adds(&b, "}");
        } else {
            rf_buf_addf(&b, "--- document %llu: sequences %llu..%llu, %zu tokens\n", dn,
                        (unsigned long long)s0, (unsigned long long)(s1 ? s1 - 1 : 0), nt);
            if (tk) {
                rf_buf_add(&b, txt.p ? txt.p : "", txt.len);
                rf_buf_addc(&b, '\n');
            } else {
                for (size_t k = 0; k < nt; k++)
                    rf_buf_addf(&b, "%s%u", k ? " " : "", ids[k]);
                rf_buf_addc(&b, '\n');
            }
        }
    }
    if (json)
        rf_buf_adds(&b, "]}\n");
    fwrite(b.p, 1, b.len, stdout);
out:
    if (rc)
        rf_cli_error(prog, &err);
    if (opened)
        rf_mmidx_close(&m);
    rf_tokenizer_free(tk);
    free(counts);
    free(lens);
    free(top);
    free(ids);
    rf_buf_release(&b);
    rf_buf_release(&txt);
    free(pos);
    rf_opts_free(o);
    return rf_exit_code(rc);
}
