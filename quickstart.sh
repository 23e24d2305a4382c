#!/usr/bin/env bash
# quickstart.sh — sets refine up on a fresh Debian 12 machine and runs the
# default pipeline on the bundled example shards:
#   1. installs the Debian packages it needs (only the missing ones; sudo when
#      not root),
#   2. configures and builds (build/, Release; CUDA when nvcc is present),
#   3. runs the global steps (dedup work dir, decontamination index of the
#      toy evaluation set the examples leak from), then
#      pipelines/default.pipeline over examples/shard-*.jsonl.zst, printing
#      the per-stage summary; results go to out/,
#   4. ends like a training-data job: trains a small byte-level BPE tokenizer
#      on the kept documents and packs them, half as fill-in-the-middle
#      examples, into a Megatron .bin/.idx dataset (out/train).
set -euo pipefail
cd "$(dirname "$0")"

pkgs=(build-essential cmake pkg-config
      libzstd-dev libpcre2-dev libxxhash-dev libarchive-dev libsqlite3-dev libutf8proc-dev
      zstd gzip xz-utils bzip2 tar python3 python3-venv python3-pip)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "quickstart: installing ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"

mkdir -p out
# The global steps are files made first: the dedup work dir (exact and
# MinHash) and the decontamination index of the toy evaluation set the
# examples leak from; the pipeline's [dedup] and [decontam] stages apply them.
rm -rf out/dedup-work out/dedup
build/bin/refine-dedup -q examples/shard-*.jsonl.zst --out-dir out/dedup --work-dir out/dedup-work --keep-work
build/bin/refine-decontam index -q -o out/toy.dcx examples/eval/toy_eval.jsonl:question,answer
build/bin/refine run pipelines/default.pipeline examples/shard-*.jsonl.zst \
    -o out/example.jsonl.zst --rejects out/example.rejects.jsonl.zst --stats out/example.stats.json
# Training binaries: a 4,096-token byte-level BPE trained on the kept
# documents (a real run uses the target model's tokenizer.json), then FIM +
# Megatron MMIDIDX packing, summarised by refine-pack inspect.
build/bin/refine-tokenize train -q --model byte-level --vocab-size 4096 --no-force-hangul \
    --shares none out/example.jsonl.zst -o out/tokenizer.json
build/bin/refine-pack -q --tokenizer out/tokenizer.json --fim-rate 0.5 --seed 1 -o out/train \
    out/example.jsonl.zst
build/bin/refine-pack inspect out/train >out/train.inspect.txt
head -n 2 out/train.inspect.txt
echo "quickstart: kept documents in out/example.jsonl.zst, rejects in out/example.rejects.jsonl.zst,"
echo "            statistics in out/example.stats.json, tokenizer out/tokenizer.json,"
echo "            training binaries out/train.bin + out/train.idx"
