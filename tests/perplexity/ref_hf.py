"""Independent reference forward pass over a HuggingFace-style checkpoint
(model.safetensors + config.json; llama or qwen2) in float64 numpy: reads the
safetensors header itself (F32, F16, BF16), rotate-half RoPE, optional q/k/v
biases (qwen2), tied or separate lm_head. Prints per-token NLLs of tokens
1..n-1 for each input line of ids, like ref_llama2c.py."""
import json
import os
import struct
import sys

import numpy as np


def load(d):
    raw = open(os.path.join(d, "model.safetensors"), "rb").read()
    n = struct.unpack_from("<Q", raw)[0]
    hdr = json.loads(raw[8:8 + n])
    W = {}
    for k, v in hdr.items():
        if k == "__metadata__":
            continue
        a, b = v["data_offsets"]
        buf = raw[8 + n + a:8 + n + b]
        if v["dtype"] == "F32":
            x = np.frombuffer(buf, "<f4").astype(np.float64)
        elif v["dtype"] == "F16":
            x = np.frombuffer(buf, "<f2").astype(np.float64)
        elif v["dtype"] == "BF16":
            x = (np.frombuffer(buf, "<u2").astype(np.uint32) << 16).view("<f4").astype(np.float64)
        else:
            raise SystemExit("dtype " + v["dtype"])
        W[k] = x.reshape(v["shape"])
    return W, json.load(open(os.path.join(d, "config.json")))


def nll(W, c, ids):
    ids = np.asarray(ids)
    T, D, H = len(ids), c["hidden_size"], c["num_attention_heads"]
    KV = c.get("num_key_value_heads", H)
    hd = c.get("head_dim", D // H)
    eps, theta = c.get("rms_norm_eps", 1e-6), c.get("rope_theta", 10000.0)
    inv = theta ** (-np.arange(0, hd, 2) / hd)
    ang = np.arange(T)[:, None] * inv[None, :]
    cos, sin = np.cos(np.concatenate([ang, ang], 1)), np.sin(np.concatenate([ang, ang], 1))

    def rope(x):  # (T, heads, hd)
        rot = np.concatenate([-x[..., hd // 2:], x[..., :hd // 2]], -1)
        return x * cos[:, None, :] + rot * sin[:, None, :]

    def rms(x, w):
        return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * w

    def lin(x, name):
        y = x @ W[name + ".weight"].T
        return y + W[name + ".bias"] if name + ".bias" in W else y

    x = W["model.embed_tokens.weight"][ids]
    mask = np.triu(np.full((T, T), -np.inf), 1)
    for l in range(c["num_hidden_layers"]):
        p = "model.layers.%d." % l
        h = rms(x, W[p + "input_layernorm.weight"])
        q = rope(lin(h, p + "self_attn.q_proj").reshape(T, H, hd))
        k = rope(lin(h, p + "self_attn.k_proj").reshape(T, KV, hd))
        v = lin(h, p + "self_attn.v_proj").reshape(T, KV, hd)
        att = np.empty((T, H, hd))
        for hh in range(H):
            g = hh // (H // KV)
            s = q[:, hh] @ k[:, g].T / np.sqrt(hd) + mask
            s = np.exp(s - s.max(-1, keepdims=True))
            att[:, hh] = (s / s.sum(-1, keepdims=True)) @ v[:, g]
        x = x + lin(att.reshape(T, H * hd), p + "self_attn.o_proj")
        h = rms(x, W[p + "post_attention_layernorm.weight"])
        a = lin(h, p + "mlp.gate_proj")
        x = x + lin((a / (1 + np.exp(-a))) * lin(h, p + "mlp.up_proj"), p + "mlp.down_proj")
    out = W.get("lm_head.weight", W["model.embed_tokens.weight"])
    logits = rms(x, W["model.norm.weight"]) @ out.T
    mx = logits.max(-1, keepdims=True)
    lse = np.log(np.exp(logits - mx).sum(-1)) + mx[:, 0]
    return lse[:-1] - logits[np.arange(T - 1), ids[1:]]


if __name__ == "__main__":
    W, c = load(sys.argv[1])
    for line in sys.stdin:
        print(" ".join("%.12g" % v for v in nll(W, c, [int(t) for t in line.split()])))
