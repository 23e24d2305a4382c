"""Independent reference forward pass for the parity tests.

Reads the ORIGINAL llama2.c checkpoint (stories260K.bin: a 7-int header, then
the float32 weights in llama2.c's fixed order) - not the GGUF or safetensors
copies refine reads - and runs the Llama forward pass in float64 numpy, written
from the llama2.c model definition (interleaved RoPE pairs, RMSNorm eps 1e-5,
grouped-query attention, SwiGLU, tied or separate classifier). Prints, for
each input line of whitespace-separated ids, the per-token negative
log-likelihoods of tokens 1..n-1. With --max-context C --stride S it scores
long sequences in the windows refine documents (each token once, in the first
window that holds it with at least one token of context).
"""
import sys
import numpy as np


def load(path):
    raw = open(path, "rb").read()
    dim, hidden, n_layers, n_heads, n_kv, vocab, seq_len = np.frombuffer(raw[:28], "<i4")
    shared = vocab > 0
    vocab = abs(int(vocab))
    w = np.frombuffer(raw[28:], "<f4").astype(np.float64)
    hs = dim // n_heads
    kvd = n_kv * hs
    o = 0

    def take(*shape):
        nonlocal o
        n = int(np.prod(shape))
        a = w[o:o + n].reshape(shape)
        o += n
        return a

    m = dict(dim=int(dim), n_heads=int(n_heads), n_kv=int(n_kv), vocab=vocab)
    m["emb"] = take(vocab, dim)
    m["rms_att"] = take(n_layers, dim)
    m["wq"] = take(n_layers, dim, dim)
    m["wk"] = take(n_layers, kvd, dim)
    m["wv"] = take(n_layers, kvd, dim)
    m["wo"] = take(n_layers, dim, dim)
    m["rms_ffn"] = take(n_layers, dim)
    m["w1"] = take(n_layers, hidden, dim)
    m["w2"] = take(n_layers, dim, hidden)
    m["w3"] = take(n_layers, hidden, dim)
    m["rms_final"] = take(dim)
    take(seq_len, hs // 2)  # freq_cis_real (recomputed below)
    take(seq_len, hs // 2)  # freq_cis_imag
    m["wcls"] = m["emb"] if shared else take(vocab, dim)
    m["n_layers"] = int(n_layers)
    return m


def rmsnorm(x, g):
    return x / np.sqrt((x * x).mean(-1, keepdims=True) + 1e-5) * g


def rope(x, hs):
    # x: (T, heads, hs); rotate pairs (2i, 2i+1) by pos * 10000^(-2i/hs)
    T = x.shape[0]
    i = np.arange(hs // 2)
    ang = np.arange(T)[:, None] * (10000.0 ** (-2.0 * i / hs))[None, :]
    c, s = np.cos(ang)[:, None, :], np.sin(ang)[:, None, :]
    a, b = x[..., 0::2], x[..., 1::2]
    out = np.empty_like(x)
    out[..., 0::2] = a * c - b * s
    out[..., 1::2] = a * s + b * c
    return out


def forward_nll(m, ids):
    ids = np.asarray(ids)
    T, D, H, KV = len(ids), m["dim"], m["n_heads"], m["n_kv"]
    hs = D // H
    x = m["emb"][ids]
    mask = np.triu(np.full((T, T), -np.inf), 1)
    for l in range(m["n_layers"]):
        h = rmsnorm(x, m["rms_att"][l])
        q = rope((h @ m["wq"][l].T).reshape(T, H, hs), hs)
        k = rope((h @ m["wk"][l].T).reshape(T, KV, hs), hs)
        v = (h @ m["wv"][l].T).reshape(T, KV, hs)
        att = np.empty((T, H, hs))
        for hh in range(H):
            g = hh // (H // KV)
            s = q[:, hh, :] @ k[:, g, :].T / np.sqrt(hs) + mask
            s = np.exp(s - s.max(-1, keepdims=True))
            s /= s.sum(-1, keepdims=True)
            att[:, hh, :] = s @ v[:, g, :]
        x = x + att.reshape(T, D) @ m["wo"][l].T
        h = rmsnorm(x, m["rms_ffn"][l])
        a = h @ m["w1"][l].T
        x = x + ((a / (1 + np.exp(-a))) * (h @ m["w3"][l].T)) @ m["w2"][l].T
    logits = rmsnorm(x, m["rms_final"]) @ m["wcls"].T
    mx = logits.max(-1, keepdims=True)
    lse = np.log(np.exp(logits - mx).sum(-1)) + mx[:, 0]
    return lse[:-1] - logits[np.arange(T - 1), ids[1:]]


def score(m, ids, C, S):
    n = len(ids)
    out = np.zeros(n)
    if C is None or n <= C:
        out[1:] = forward_nll(m, ids)
        return out[1:]
    prev_end, begin = 0, 0
    while True:
        end = min(begin + C, n)
        nll = forward_nll(m, ids[begin:end])  # nll[j] predicts token begin+j+1
        for tok in range(max(prev_end, begin + 1), end):
            out[tok] = nll[tok - begin - 1]
        prev_end = end
        if end == n:
            return out[1:]
        begin += S


def main():
    args = sys.argv[1:]
    C = S = None
    if "--max-context" in args:
        C = int(args[args.index("--max-context") + 1])
        S = int(args[args.index("--stride") + 1])
    m = load(args[0])
    for line in sys.stdin:
        ids = [int(t) for t in line.split()]
        print(" ".join("%.12g" % v for v in score(m, ids, C, S)))


if __name__ == "__main__":
    main()
