"""Benchmark helper for bench/perplexity.sh (run on purpose, not in CI).

  perplexity_torch.py gen135m OUTDIR
      writes a randomly initialised SmolLM-135M-shaped Llama (dim 576, 30
      layers, 9 heads, 3 kv heads, ffn 1536, vocab 49152, tied embeddings;
      normal(0, 0.02) weights, unit norms) as OUTDIR/model.safetensors + config.json
  perplexity_torch.py docs VOCAB N LEN SEED OUT.jsonl
      N documents of LEN random ids
  perplexity_torch.py score MODELDIR DOCS.jsonl THREADS
      scores the documents with CPU PyTorch (torch.no_grad, THREADS intra-op
      threads, float32, the documents as one [N, LEN] batch per 8 docs),
      prints tokens per wall second and per CPU second of the forward
      passes (load excluded, one warm-up batch first) and writes them and
      the per-document nll_mean to stdout as JSON.
"""
import json
import math
import os
import struct
import sys
import time

import numpy as np


def save_safetensors(path, tensors):
    header, off, blobs = {}, 0, []
    for name, a in tensors.items():
        b = np.ascontiguousarray(a, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        off += len(b)
        blobs.append(b)
    hj = json.dumps(header).encode()
    hj += b" " * ((-len(hj)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hj)) + hj)
        for b in blobs:
            f.write(b)


def load_safetensors(path):
    raw = open(path, "rb").read()
    n = struct.unpack_from("<Q", raw)[0]
    h = json.loads(raw[8:8 + n])
    out = {}
    for k, v in h.items():
        if k == "__metadata__":
            continue
        assert v["dtype"] == "F32"
        a, b = v["data_offsets"]
        out[k] = np.frombuffer(raw, "<f4", (b - a) // 4, 8 + n + a).reshape(v["shape"])
    return out


def gen135m(outdir):
    D, L, H, KV, F, V = 576, 30, 9, 3, 1536, 49152
    hd = D // H
    r = np.random.default_rng(135)
    t = {"model.embed_tokens.weight": r.normal(0, 0.02, (V, D)).astype(np.float32),
         "model.norm.weight": np.ones(D, np.float32)}
    for l in range(L):
        p = "model.layers.%d." % l
        t[p + "input_layernorm.weight"] = np.ones(D, np.float32)
        t[p + "post_attention_layernorm.weight"] = np.ones(D, np.float32)
        for n, shape in (("self_attn.q_proj", (H * hd, D)), ("self_attn.k_proj", (KV * hd, D)),
                         ("self_attn.v_proj", (KV * hd, D)), ("self_attn.o_proj", (D, H * hd)),
                         ("mlp.gate_proj", (F, D)), ("mlp.up_proj", (F, D)),
                         ("mlp.down_proj", (D, F))):
            t[p + n + ".weight"] = r.normal(0, 0.02, shape).astype(np.float32)
    os.makedirs(outdir, exist_ok=True)
    save_safetensors(os.path.join(outdir, "model.safetensors"), t)
    json.dump({"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": D,
               "intermediate_size": F, "num_hidden_layers": L, "num_attention_heads": H,
               "num_key_value_heads": KV, "vocab_size": V, "rms_norm_eps": 1e-5,
               "rope_theta": 10000.0, "tie_word_embeddings": True, "hidden_act": "silu",
               "max_position_embeddings": 2048}, open(os.path.join(outdir, "config.json"), "w"))


def docs(vocab, n, length, seed, out):
    r = np.random.default_rng(seed)
    with open(out, "w") as f:
        for i in range(n):
            f.write(json.dumps({"id": i, "text": "", "ids": r.integers(0, vocab, length).tolist()})
                    + "\n")


def score(model_dir, docs_path, threads):
    import torch
    import torch.nn.functional as Fn
    torch.set_num_threads(threads)
    cfg = json.load(open(os.path.join(model_dir, "config.json")))
    W = {k: torch.from_numpy(v.copy()) for k, v in
         load_safetensors(os.path.join(model_dir, "model.safetensors")).items()}
    D, H, KV = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"]
    L, eps, theta = cfg["num_hidden_layers"], cfg["rms_norm_eps"], cfg.get("rope_theta", 1e4)
    hd = D // H
    out_w = W.get("lm_head.weight", W["model.embed_tokens.weight"])

    def rms(x, w):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w

    def rope(x, cos, sin):  # rotate-half, x: (B, heads, T, hd)
        x1, x2 = x[..., : hd // 2], x[..., hd // 2:]
        return x * cos + torch.cat((-x2, x1), -1) * sin

    def forward(ids):
        B, T = ids.shape
        inv = 1.0 / (theta ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
        ang = torch.arange(T, dtype=torch.float64)[:, None] * inv[None, :]
        ang = torch.cat((ang, ang), -1)
        cos, sin = ang.cos().float(), ang.sin().float()
        x = W["model.embed_tokens.weight"][ids]
        for l in range(L):
            p = "model.layers.%d." % l
            h = rms(x, W[p + "input_layernorm.weight"])
            q = (h @ W[p + "self_attn.q_proj.weight"].T).view(B, T, H, hd).transpose(1, 2)
            k = (h @ W[p + "self_attn.k_proj.weight"].T).view(B, T, KV, hd).transpose(1, 2)
            v = (h @ W[p + "self_attn.v_proj.weight"].T).view(B, T, KV, hd).transpose(1, 2)
            q, k = rope(q, cos, sin), rope(k, cos, sin)
            k = k.repeat_interleave(H // KV, 1)
            v = v.repeat_interleave(H // KV, 1)
            a = Fn.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + a.transpose(1, 2).reshape(B, T, D) @ W[p + "self_attn.o_proj.weight"].T
            h = rms(x, W[p + "post_attention_layernorm.weight"])
            x = x + (Fn.silu(h @ W[p + "mlp.gate_proj.weight"].T) * (h @ W[p + "mlp.up_proj.weight"].T)) \
                @ W[p + "mlp.down_proj.weight"].T
        logits = rms(x, W["model.norm.weight"]) @ out_w.T
        nll = Fn.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]).float(),
                               ids[:, 1:].reshape(-1), reduction="none").view(B, T - 1)
        return nll.double().mean(1)

    rows = [json.loads(l)["ids"] for l in open(docs_path)]
    ids = torch.tensor(rows, dtype=torch.long)
    means = []
    with torch.no_grad():
        forward(ids[:1])  # warm-up
        t0, c0 = time.perf_counter(), time.process_time()
        for b in range(0, len(rows), 8):
            means += forward(ids[b:b + 8]).tolist()
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    tokens = ids.numel()
    print("torch %s threads=%d: %d tokens in %.3f s = %.1f tokens/s" %
          (torch.__version__, threads, tokens, dt, tokens / dt), file=sys.stderr)
    json.dump({"tokens_per_s": tokens / dt, "tokens_per_cpu_s": tokens / cpu, "nll_mean": means},
              sys.stdout)


if __name__ == "__main__":
    a = sys.argv[1:]
    if a[0] == "gen135m":
        gen135m(a[1])
    elif a[0] == "docs":
        docs(int(a[1]), int(a[2]), int(a[3]), int(a[4]), a[5])
    else:
        score(a[1], a[2], int(a[3]))
