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
#include "stages/io.h"
#include "stages/opts.h"
#include "tokenizer/hashmap.h"
#include "tokenizer/mmidx.h"
#include "tokenizer/packbounds.h"
#include "tokenizer/tokenizer.h"

int rf_pack_merge_main(int argc, char **argv);
int rf_pack_inspect_main(int argc, char **argv);

static const rf_optspec merge_opts[] = {
    {"output", 'o', RF_OPT_STR, NULL, "PREFIX", "write PREFIX.bin and PREFIX.idx (required)", NULL},
    {"bounds", 0, RF_OPT_FLAG, "true", NULL,
     "merge the PREFIX.bounds.jsonl side files of --seq-len datasets (all inputs must have one); "
     "--no-bounds: write .bin/.idx only",
     NULL},
    {"quiet", 'q', RF_OPT_FLAG, "false", NULL, "print errors only", NULL},
    {"help", 'h', RF_OPT_FLAG, "false", NULL, "show this help and exit", NULL},
    RF_OPTSPEC_END,
};

/* Which inputs have side files: all (1), none (0), or an error naming one
 * with and one without. */
static int merge_has_bounds(char **pos, size_t npos, int *all, rf_err *err)
{
    size_t with = npos, without = npos;
    for (size_t i = 0; i < npos; i++) {
        if (rf_bounds_exists(pos[i]))
            with = with < npos ? with : i;
        else
            without = without < npos ? without : i;
    }
    *all = with < npos;
    if (with < npos && without < npos)
        return rf_errf(err, RF_EFORMAT, "%s.bounds.jsonl exists but %s.bounds.jsonl does not: "
                       "the merged side file would not describe every sequence (merge only "
                       "datasets packed with --seq-len, or give --no-bounds to write .bin/.idx "
                       "only)", pos[with], pos[without]);
    return 0;
}

/* The common --seq-len of packed inputs (datasets without sequences fit
 * any); checked before anything is written. */
static int merge_seq_len(char **pos, size_t npos, uint32_t *seq_len, rf_err *err)
{
    size_t from = 0;
    *seq_len = 0;
    for (size_t i = 0; i < npos; i++) {
        rf_mmidx m;
        uint32_t n;
        int rc = rf_mmidx_open(&m, pos[i], err);
        if (rc)
            return rc;
        rc = rf_bounds_dataset_seq_len(&m, pos[i], &n, err);
        rf_mmidx_close(&m);
        if (rc)
            return rc;
        if (n && *seq_len && n != *seq_len)
            return rf_errf(err, RF_EFORMAT, "%s holds sequences of %u tokens, %s of %u: "
                           "datasets packed with different --seq-len cannot be merged with "
                           "their side files (--no-bounds merges .bin/.idx only)", pos[from],
                           *seq_len, pos[i], n);
        if (n && !*seq_len) {
            *seq_len = n;
            from = i;
        }
    }
    return 0;
}

/* Appends the side file of one input, re-numbered: seq from seq_base, its
 * documents from *doc_base (which then moves past them). */
static int merge_bounds(rf_out *out, rf_buf *b, const char *prefix, uint32_t seq_len,
                        uint64_t seq_base, uint64_t nseq, uint64_t *doc_base, rf_err *err)
{
    rf_bounds_scan sc;
    rf_bounds_line l;
    int rc = rf_bounds_open(&sc, prefix, seq_len, err);
    while (!rc && (rc = rf_bounds_scan_next(&sc, &l, err)) == 1) {
        rf_bounds_format(b, &l, seq_base, *doc_base);
        rc = 0;
        if (b->len >= (1u << 20)) {
            rc = rf_out_write(out, b->p, b->len, err);
            rf_buf_reset(b);
        }
    }
    if (!rc && sc.lines != nseq)
        rc = rf_errf(err, RF_EFORMAT, "%s: %llu lines for the %llu sequences of %s.idx",
                     sc.name, (unsigned long long)sc.lines, (unsigned long long)nseq, prefix);
    if (!rc)
        rc = rf_bounds_scan_end(&sc, err);
    if (!rc)
        *doc_base += sc.docs;
    rf_bounds_scan_release(&sc);
    return rc;
}

int rf_pack_merge_main(int argc, char **argv)
{
    const char *prog = "refine-pack merge";
    rf_err err = {0, ""};
    const rf_optspec *tables[1] = {merge_opts};
    rf_opts *o = rf_opts_new(tables, 1);
    char **pos = NULL;
    size_t npos = 0;
    rf_mmidx_writer *w = NULL;
    rf_out *bout = NULL;
    char *bpath = NULL;
    rf_buf bb = RF_BUF_INIT;
    int rc = rf_opts_parse_argv(o, argc, argv, &pos, &npos, &err);
    if (rc)
        goto out;
    if (rf_opt_flag(o, "help")) {
        char tmp[4096];
        printf("Usage: refine-pack merge -o PREFIX IN_PREFIX...\n"
               "Concatenates Megatron .bin/.idx datasets (same dtype) into PREFIX.bin/.idx in\n"
               "the order given, without re-tokenising. Documents keep their sequences.\n"
               "When the inputs were packed with --seq-len (all of them, the same N), their\n"
               "PREFIX.bounds.jsonl side files are merged too: sequence and document numbers\n"
               "continue across the inputs, as if their documents had been one input.\n\n"
               "merge options:\n");
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
    int bounds = 0;
    uint32_t seq_len = 0;
    if (rf_opt_flag(o, "bounds") && ((rc = merge_has_bounds(pos, npos, &bounds, &err)) ||
                                     (bounds && (rc = merge_seq_len(pos, npos, &seq_len, &err)))))
        goto out;
    rf_io_install_signal_cleanup();
    if ((rc = rf_mmidx_writer_open(&w, outp, dtype, &err)))
        goto out;
    if (bounds) {
        rf_outopts oo = {RF_COMPRESS_NONE, 0, 0};
        bpath = rf_bounds_path(outp);
        if ((rc = rf_out_open(&bout, bpath, &oo, &err)))
            goto out;
    }
    uint64_t doc_base = 0;
    for (size_t i = 0; i < npos && !rc; i++) {
        uint64_t seq_base = rf_mmidx_writer_sequences(w);
        rc = rf_mmidx_append_dataset(w, pos[i], &err);
        if (!rc && bounds)
            rc = merge_bounds(bout, &bb, pos[i], seq_len, seq_base,
                              rf_mmidx_writer_sequences(w) - seq_base, &doc_base, &err);
    }
    if (rc)
        goto out;
    uint64_t nd = rf_mmidx_writer_documents(w), ns = rf_mmidx_writer_sequences(w),
             nt = rf_mmidx_writer_tokens(w);
    /* Side file first, then .bin and .idx, as refine-pack writes them: a
     * final .idx means everything is in place. */
    if (bout) {
        if (bb.len)
            rc = rf_out_write(bout, bb.p, bb.len, &err);
        if (!rc)
            rc = rf_out_commit(bout, &err);
        bout = NULL;
        if (rc)
            goto out;
    }
    rc = rf_mmidx_writer_commit(w, &err);
    w = NULL;
    if (!rc && !bounds)
        rc = rf_bounds_remove_stale(outp, &err);
    if (!rc && !rf_opt_flag(o, "quiet")) {
        fprintf(stderr, "%s: %s.bin/.idx: %zu datasets, %llu documents, %llu sequences, %llu "
                "tokens (%s)\n", prog, outp, npos, (unsigned long long)nd,
                (unsigned long long)ns, (unsigned long long)nt, rf_mmidx_dtype_name(dtype));
        if (bounds)
            fprintf(stderr, "%s: %s: %llu packed documents in %llu sequences of %u tokens\n",
                    prog, bpath, (unsigned long long)doc_base, (unsigned long long)ns, seq_len);
    }
out:
    rf_out_abort(bout);
    rf_mmidx_writer_abort(w);
    if (rc)
        rf_cli_error(prog, &err);
    free(bpath);
    rf_buf_release(&bb);
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

/* What inspect says about a side file: its figures, after reading all of
 * it with merge's checks (a side file that does not fit its dataset fails
 * inspect as a corrupt index would). */
typedef struct bounds_info {
    int present;
    uint32_t seq_len;
    uint64_t sequences, documents, pad_tokens, split_docs, groups;
} bounds_info;

static int inspect_bounds(const rf_mmidx *m, const char *prefix, bounds_info *bi, rf_err *err)
{
    memset(bi, 0, sizeof *bi);
    if (!rf_bounds_exists(prefix))
        return 0;
    rf_bounds_scan sc;
    rf_bounds_line l;
    rf_strmap groups;
    uint32_t n;
    int rc = rf_bounds_dataset_seq_len(m, prefix, &n, err);
    if (rc)
        return rc;
    rf_strmap_init(&groups);
    rc = rf_bounds_open(&sc, prefix, n, err);
    while (!rc && (rc = rf_bounds_scan_next(&sc, &l, err)) == 1) {
        rf_strmap_put(&groups, l.group ? l.group : "null", l.group ? l.group_len : 4, 0, NULL);
        rc = 0;
    }
    if (!rc && sc.lines != m->nseq)
        rc = rf_errf(err, RF_EFORMAT, "%s: %llu lines for the %llu sequences of %s.idx",
                     sc.name, (unsigned long long)sc.lines, (unsigned long long)m->nseq,
                     prefix);
    if (!rc)
        rc = rf_bounds_scan_end(&sc, err);
    if (!rc)
        *bi = (bounds_info){1, sc.seq_len, sc.lines, sc.docs, sc.pad_tokens, sc.split_docs,
                            groups.n};
    rf_bounds_scan_release(&sc);
    rf_strmap_release(&groups);
    return rc;
}

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
               "frequent token ids, and the tokens (decoded with --tokenizer) of documents.\n"
               "A PREFIX.bounds.jsonl side file (--seq-len packing) is checked against the\n"
               "index and summarised: packed documents, padding, split documents, groups.\n\n"
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
    bounds_info bi;
    if ((rc = inspect_bounds(&m, pos[0], &bi, &err)))
        goto out;
    uint64_t slots = bi.sequences * (uint64_t)bi.seq_len;
    double padding = slots ? (double)bi.pad_tokens / (double)slots : 0.0;
    double split = bi.documents ? (double)bi.split_docs / (double)bi.documents : 0.0;

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
        rf_buf_adds(&b, "],\"bounds\":");
        if (bi.present) {
            rf_buf_addf(&b, "{\"seq_len\":%u,\"sequences\":%llu,\"documents\":%llu,"
                        "\"pad_tokens\":%llu,\"padding\":", bi.seq_len,
                        (unsigned long long)bi.sequences, (unsigned long long)bi.documents,
                        (unsigned long long)bi.pad_tokens);
            rf_buf_json_num(&b, padding, 6);
            rf_buf_addf(&b, ",\"split_docs\":%llu,\"split_share\":",
                        (unsigned long long)bi.split_docs);
            rf_buf_json_num(&b, split, 6);
            rf_buf_addf(&b, ",\"groups\":%llu}", (unsigned long long)bi.groups);
        } else {
            rf_buf_adds(&b, "null");
        }
        rf_buf_adds(&b, ",\"docs\":[");
    } else {
        rf_buf_addf(&b, "%s: MMIDIDX v1, %s, %llu documents, %llu sequences, %llu tokens, .bin "
                    "%llu bytes\n", pos[0], rf_mmidx_dtype_name(m.dtype),
                    (unsigned long long)ndocs, (unsigned long long)m.nseq,
                    (unsigned long long)m.ntokens, (unsigned long long)m.bin_size);
        rf_buf_addf(&b, "sequence length: min %u, p50 %llu, p90 %llu, p99 %llu, max %u, mean "
                    "%.1f\n", m.nseq ? lens[0] : 0, (unsigned long long)p[0],
                    (unsigned long long)p[1], (unsigned long long)p[2],
                    m.nseq ? lens[m.nseq - 1] : 0, mean);
        if (bi.present)
            rf_buf_addf(&b, "packed: %llu documents in %llu sequences of %u tokens, padding "
                        "%.2f%% (%llu tokens), %llu documents split (%.2f%%), %llu group "
                        "value%s (%s.bounds.jsonl)\n", (unsigned long long)bi.documents,
                        (unsigned long long)bi.sequences, bi.seq_len, 100.0 * padding,
                        (unsigned long long)bi.pad_tokens, (unsigned long long)bi.split_docs,
                        100.0 * split, (unsigned long long)bi.groups, bi.groups == 1 ? "" : "s",
                        pos[0]);
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
