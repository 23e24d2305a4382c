/* fuzz_model — libFuzzer target for the model-file readers: the input is a
 * GGUF file (when it starts with the GGUF magic) or a safetensors file read
 * with a fixed config.json of the tiny test model's shape. Whatever the
 * bytes, parsing and building the model must return an error or a model
 * whose every tensor matched its shape; a model that builds runs one short
 * forward pass. A crash, a sanitizer report or an abort() here is a bug.
 * Replayed under ctest from tests/fuzz/corpus/model. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/lm.h"

static const char config[] =
    "{\"model_type\": \"llama\", \"hidden_size\": 16, \"intermediate_size\": 32, "
    "\"num_hidden_layers\": 2, \"num_attention_heads\": 4, \"num_key_value_heads\": 2, "
    "\"vocab_size\": 64, \"rms_norm_eps\": 1e-5, \"rope_theta\": 10000.0, "
    "\"tie_word_embeddings\": false, \"hidden_act\": \"silu\"}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rf_mfile f;
    rf_err err = {0, ""};
    memset(&f, 0, sizeof f);
    int gguf = size >= 4 && !memcmp(data, "GGUF", 4);
    int rc = gguf ? rf_gguf_parse(&f, data, size, &err) : rf_safetensors_parse(&f, data, size, &err);
    if (!rc && !gguf)
        rc = rf_hfconfig_parse(&f, config, sizeof config - 1, &err);
    if (rc && !err.msg[0])
        abort(); /* every error carries a message */
    if (!rc) {
        for (size_t i = 0; i < f.ntensors; i++) {
            const rf_tensor_view *t = &f.tensors[i];
            if (t->data < (const void *)data || (const uint8_t *)t->data + t->nbytes > data + size)
                abort(); /* a tensor outside the input */
        }
        rf_lm_model m;
        if (!rf_lm_model_from_mfile(&m, &f, &err)) {
            const rf_lm_config *c = &m.cfg;
            if (c->dim < 1 || c->vocab < 1 || c->n_heads % c->n_kv_heads)
                abort();
            rf_lm *lm;
            rf_lm_ctx *ctx;
            if (!rf_lm_new(&lm, &m, &rf_kernels_cpu, &err)) {
                if (!rf_lm_ctx_new(&ctx, lm, 8, &err)) {
                    int32_t ids[3] = {0, 1 % c->vocab, 0};
                    float nll[3];
                    rf_lm_seq s = {ids, 3, nll};
                    if (rf_lm_score(ctx, &s, 1, 4, 2, &err))
                        abort();
                    rf_lm_ctx_free(ctx);
                }
                rf_lm_free(lm);
            }
            rf_lm_model_release(&m);
        }
    }
    rf_mfile_release(&f);
    return 0;
}
