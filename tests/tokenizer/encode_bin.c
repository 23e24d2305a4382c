/* encode_bin — test helper: encodes every document of the inputs with the
 * library (through the runner, like refine-tokenize encode) and writes the
 * ids in binary, per document: uint32 count, then count uint32 ids (host
 * order). The parity tests compare these bytes with HF's ids without parsing
 * hundreds of megabytes of JSON. With --decode it writes instead, per
 * document, uint32 length + the bytes of decode(ids) (special tokens kept).
 *
 *   encode_bin TOKENIZER [--special] [--decode] [--threads N] INPUT... */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stages/cli.h"
#include "stages/runner.h"
#include "tokenizer/tokenize_stage.h"
#include "tokenizer/tokenizer.h"

static rf_tokenizer *decoder; /* set with --decode */

static void write_bin(rf_stage *st, rf_doc *d, rf_buf *out)
{
    (void)st;
    const rf_token_ids *p = rf_tokenize_payload(d);
    uint32_t n = p ? (uint32_t)p->n : 0;
    if (decoder) {
        rf_buf text = RF_BUF_INIT;
        rf_err err;
        if (rf_tokenizer_decode(decoder, p ? p->ids : NULL, n, 0, &text, &err))
            rf_buf_adds(&text, "<decode failed>");
        uint32_t len = (uint32_t)text.len;
        rf_buf_add(out, &len, sizeof len);
        rf_buf_add(out, text.p, text.len);
        rf_buf_release(&text);
        return;
    }
    rf_buf_add(out, &n, sizeof n);
    if (n)
        rf_buf_add(out, p->ids, n * sizeof *p->ids);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: encode_bin TOKENIZER [--special] [--threads N] INPUT...\n");
        return 2;
    }
    rf_stage_desc desc = rf_stage_tokenize;
    desc.write = write_bin;
    const rf_optspec *tables[2] = {rf_runner_optspecs, desc.opts};
    rf_opts *o = rf_opts_new(tables, 2);
    rf_err err = {0, ""};
    char **inputs = rf_xcalloc((size_t)argc, sizeof *inputs);
    size_t ninputs = 0;
    int rc = rf_opts_set(o, "tokenizer", argv[1], "argv", &err);
    for (int i = 2; i < argc && !rc; i++) {
        if (!strcmp(argv[i], "--special"))
            rc = rf_opts_set(o, "add-special-tokens", "true", "argv", &err);
        else if (!strcmp(argv[i], "--decode"))
            rc = rf_tokenizer_load(&decoder, argv[1], &err);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            rc = rf_opts_set(o, "threads", argv[++i], "argv", &err);
        else
            inputs[ninputs++] = argv[i];
    }
    rf_stage st;
    int stage_ok = 0;
    rf_run_config cfg;
    rf_run_result res;
    if (!rc)
        rc = rf_cli_run_config(o, "encode_bin", inputs, ninputs, &cfg, &err);
    if (!rc) {
        cfg.verbosity = 0;
        cfg.progress = 0;
        rc = rf_stage_init(&st, &desc, o, &err);
        stage_ok = !rc;
    }
    if (!rc)
        rc = rf_run(&st, 1, &cfg, &res, &err);
    if (rc)
        fprintf(stderr, "encode_bin: %s\n", err.msg);
    if (stage_ok)
        rf_stage_release(&st);
    rf_opts_free(o);
    rf_tokenizer_free(decoder);
    free(inputs);
    return rc ? 1 : 0;
}
