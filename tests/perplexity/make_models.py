"""Writes the model files the perplexity tests need (stdlib only: any python3).

  make_models.py tiny OUTDIR
      a tiny random Llama (dim 16, 2 layers, 4 heads, 2 kv heads, ffn 32,
      vocab 64) as tiny.gguf (F32) and tiny/model.safetensors + config.json
      (also tiny-f16/, tiny-bf16/ with half-precision matrices), and a Qwen2
      variant with q/k/v biases (tiny-qwen2/ and tiny-qwen2.gguf): the seeds
      of the fuzz corpus, the malformed-file tests and the HF parity checks.
  make_models.py requant STORIES.gguf OUTDIR
      stories260K re-written with its matrices in F16, BF16, Q8_0, Q4_0 and
      Q4_1 (norms stay F32), quantised by the GGUF block rules, to check that
      every tensor type loads and scores close to the F32 original.
"""
import json
import math
import os
import random
import struct
import sys

F32, F16, Q4_0, Q4_1, Q8_0, BF16 = 0, 1, 2, 3, 8, 30


def f16(x):
    return struct.pack("<e", x)


def bf16(x):
    b = struct.unpack("<I", struct.pack("<f", x))[0]
    b += 0x7FFF + ((b >> 16) & 1)
    return struct.pack("<H", (b >> 16) & 0xFFFF)


def encode(vals, t):
    if t == F32:
        return struct.pack("<%df" % len(vals), *vals)
    if t == F16:
        return b"".join(f16(v) for v in vals)
    if t == BF16:
        return b"".join(bf16(v) for v in vals)
    out = bytearray()
    for b in range(0, len(vals), 32):
        blk = vals[b:b + 32]
        if t == Q8_0:
            amax = max(abs(v) for v in blk)
            d = amax / 127 if amax else 0.0
            dh = struct.unpack("<e", f16(d))[0]
            out += f16(d) + bytes((max(-128, min(127, round(v / dh))) & 0xFF) if dh else 0
                                  for v in blk)
        elif t == Q4_0:
            mx = max(blk, key=abs)
            d = mx / -8 if mx else 0.0
            dh = struct.unpack("<e", f16(d))[0]
            q = [min(15, max(0, int(v / dh + 8.5))) if dh else 8 for v in blk]
            out += f16(d) + bytes(q[j] | (q[j + 16] << 4) for j in range(16))
        elif t == Q4_1:
            lo, hi = min(blk), max(blk)
            d = (hi - lo) / 15 if hi > lo else 0.0
            dh = struct.unpack("<e", f16(d))[0]
            mh = struct.unpack("<e", f16(lo))[0]
            q = [min(15, max(0, int((v - mh) / dh + 0.5))) if dh else 0 for v in blk]
            out += f16(d) + f16(lo) + bytes(q[j] | (q[j + 16] << 4) for j in range(16))
    return bytes(out)


def gstr(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def write_gguf(path, kv, tensors):
    """kv: list of (key, type, value); tensors: list of (name, dims outer-first, type, bytes)."""
    out = bytearray(b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kv)))
    for k, t, v in kv:
        out += gstr(k) + struct.pack("<I", t)
        out += {4: lambda: struct.pack("<I", v), 6: lambda: struct.pack("<f", v),
                7: lambda: struct.pack("<B", v), 8: lambda: gstr(v)}[t]()
    off = 0
    for name, dims, t, data in tensors:
        out += gstr(name) + struct.pack("<I", len(dims))
        out += b"".join(struct.pack("<Q", d) for d in reversed(dims))
        out += struct.pack("<IQ", t, off)
        off += (len(data) + 31) // 32 * 32
    out += b"\0" * ((-len(out)) % 32)
    for _, _, _, data in tensors:
        out += data + b"\0" * ((-len(data)) % 32)
    open(path, "wb").write(out)


def read_gguf(path):
    f = open(path, "rb").read()
    o = 4
    ver, nt, nkv = struct.unpack_from("<IQQ", f, o)
    o += 20
    kv = []

    def rs():
        nonlocal o
        n = struct.unpack_from("<Q", f, o)[0]
        s = f[o + 8:o + 8 + n].decode()
        o += 8 + n
        return s

    for _ in range(nkv):
        k = rs()
        t = struct.unpack_from("<I", f, o)[0]
        o += 4
        if t == 8:
            v = rs()
        elif t == 6:
            v = struct.unpack_from("<f", f, o)[0]
            o += 4
        elif t == 4:
            v = struct.unpack_from("<I", f, o)[0]
            o += 4
        else:
            raise SystemExit("unexpected metadata type %d" % t)
        kv.append((k, t, v))
    infos = []
    for _ in range(nt):
        name = rs()
        nd = struct.unpack_from("<I", f, o)[0]
        o += 4
        dims = list(struct.unpack_from("<%dQ" % nd, f, o))[::-1]
        o += 8 * nd
        t, off = struct.unpack_from("<IQ", f, o)
        o += 12
        infos.append((name, dims, t, off))
    base = (o + 31) // 32 * 32
    tensors = []
    for name, dims, t, off in infos:
        assert t == F32
        n = math.prod(dims)
        tensors.append((name, dims, list(struct.unpack_from("<%df" % n, f, base + off))))
    return kv, tensors


def write_safetensors(path, tensors):
    """tensors: list of (name, shape, dtype name, values)."""
    header, data = {}, bytearray()
    code = {"F32": F32, "F16": F16, "BF16": BF16}
    for name, shape, dt, vals in tensors:
        b = encode(vals, code[dt])
        header[name] = {"dtype": dt, "shape": shape, "data_offsets": [len(data), len(data) + len(b)]}
        data += b
    hj = json.dumps(header).encode()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    open(path, "wb").write(struct.pack("<Q", len(hj)) + hj + data)


def tiny(outdir):
    rnd = random.Random(1234)
    D, L, H, KV, F, V = 16, 2, 4, 2, 32, 64
    hd = D // H

    def rand(*shape):
        return [rnd.gauss(0, 0.3) for _ in range(math.prod(shape))]

    g = [("token_embd.weight", [V, D], rand(V, D)), ("output_norm.weight", [D], [1.0] * D),
         ("output.weight", [V, D], rand(V, D))]
    for l in range(L):
        p = "blk.%d." % l
        g += [(p + "attn_norm.weight", [D], [1.0 + 0.1 * rnd.random() for _ in range(D)]),
              (p + "attn_q.weight", [D, D], rand(D, D)),
              (p + "attn_k.weight", [KV * hd, D], rand(KV * hd, D)),
              (p + "attn_v.weight", [KV * hd, D], rand(KV * hd, D)),
              (p + "attn_output.weight", [D, D], rand(D, D)),
              (p + "ffn_norm.weight", [D], [1.0] * D),
              (p + "ffn_gate.weight", [F, D], rand(F, D)),
              (p + "ffn_up.weight", [F, D], rand(F, D)),
              (p + "ffn_down.weight", [D, F], rand(D, F))]
    kv = [("general.architecture", 8, "llama"), ("llama.embedding_length", 4, D),
          ("llama.block_count", 4, L), ("llama.feed_forward_length", 4, F),
          ("llama.attention.head_count", 4, H), ("llama.attention.head_count_kv", 4, KV),
          ("llama.rope.freq_base", 6, 10000.0),
          ("llama.attention.layer_norm_rms_epsilon", 6, 1e-5), ("llama.context_length", 4, 128)]
    os.makedirs(outdir, exist_ok=True)
    write_gguf(os.path.join(outdir, "tiny.gguf"), kv,
               [(n, d, F32, encode(v, F32)) for n, d, v in g])
    # safetensors copy: HF names, q/k rows permuted to rotate-half order.
    def permute(w, heads):
        rows = len(w) // D
        out = [0.0] * len(w)
        per = rows // heads
        for h in range(heads):
            for i in range(per // 2):
                for half in range(2):
                    src = h * per + 2 * i + half
                    dst = h * per + half * (per // 2) + i
                    out[dst * D:(dst + 1) * D] = w[src * D:(src + 1) * D]
        return out
    names = {"token_embd.weight": "model.embed_tokens.weight", "output_norm.weight":
             "model.norm.weight", "output.weight": "lm_head.weight"}
    sub = {"attn_norm": "input_layernorm", "attn_q": "self_attn.q_proj", "attn_k":
           "self_attn.k_proj", "attn_v": "self_attn.v_proj", "attn_output": "self_attn.o_proj",
           "ffn_norm": "post_attention_layernorm", "ffn_gate": "mlp.gate_proj", "ffn_up":
           "mlp.up_proj", "ffn_down": "mlp.down_proj"}
    hf = []
    for n, d, v in g:
        if n.startswith("blk."):
            _, l, op, _ = n.split(".")
            if op == "attn_q":
                v = permute(v, H)
            if op == "attn_k":
                v = permute(v, KV)
            hn = "model.layers.%s.%s.weight" % (l, sub[op])
        else:
            hn = names[n]
        hf.append((hn, d, v))
    config = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": D,
              "intermediate_size": F, "num_hidden_layers": L, "num_attention_heads": H,
              "num_key_value_heads": KV, "vocab_size": V, "rms_norm_eps": 1e-5,
              "rope_theta": 10000.0, "tie_word_embeddings": False, "hidden_act": "silu"}
    for sub_dir, dt in (("tiny", "F32"), ("tiny-f16", "F16"), ("tiny-bf16", "BF16")):
        sd = os.path.join(outdir, sub_dir)
        write_safetensors(os.path.join(sd, "model.safetensors"),
                          [(n, d, dt if len(d) == 2 else "F32", v) for n, d, v in hf])
        json.dump(config, open(os.path.join(sd, "config.json"), "w"), indent=1)
    # Qwen2: the same weights plus q/k/v biases, rotate-half order in both the
    # safetensors and the GGUF copy (llama.cpp does not permute qwen2).
    bias = {}
    for l in range(L):
        for op, rows in (("q", D), ("k", KV * hd), ("v", KV * hd)):
            bias[(l, op)] = [rnd.gauss(0, 0.5) for _ in range(rows)]
    qhf = list(hf)
    for (l, op), b in sorted(bias.items()):
        qhf.append(("model.layers.%d.self_attn.%s_proj.bias" % (l, op), [len(b)], b))
    sd = os.path.join(outdir, "tiny-qwen2")
    write_safetensors(os.path.join(sd, "model.safetensors"), [(n, d, "F32", v) for n, d, v in qhf])
    qc = dict(config, model_type="qwen2", architectures=["Qwen2ForCausalLM"], rope_theta=1000000.0)
    json.dump(qc, open(os.path.join(sd, "config.json"), "w"), indent=1)
    inv = {v: k for k, v in names.items()}
    inv_sub = {v: k for k, v in sub.items()}
    qg = []
    for n, d, v in qhf:
        if n.startswith("model.layers."):
            parts = n.split(".")
            gname = "blk.%s.%s.%s" % (parts[2], inv_sub[".".join(parts[3:-1])], parts[-1])
        else:
            gname = inv[n]
        qg.append((gname, d, F32, encode(v, F32)))
    qkv = [("general.architecture", 8, "qwen2")] + [
        (k.replace("llama.", "qwen2."), t, 1000000.0 if k.endswith("freq_base") else v)
        for k, t, v in kv[1:]]
    write_gguf(os.path.join(outdir, "tiny-qwen2.gguf"), qkv, qg)


def requant(src, outdir):
    kv, tensors = read_gguf(src)
    os.makedirs(outdir, exist_ok=True)
    for t, name in ((F16, "f16"), (BF16, "bf16"), (Q8_0, "q8_0"), (Q4_0, "q4_0"),
                    (Q4_1, "q4_1")):
        out = []
        for n, d, v in tensors:
            tt = t if len(d) == 2 and d[-1] % 32 == 0 else (t if t in (F16, BF16) and len(d) == 2
                                                            else F32)
            out.append((n, d, tt, encode(v, tt)))
        write_gguf(os.path.join(outdir, "stories260K-%s.gguf" % name), kv, out)


if __name__ == "__main__":
    if sys.argv[1] == "tiny":
        tiny(sys.argv[2])
    else:
        requant(sys.argv[2], sys.argv[3])
