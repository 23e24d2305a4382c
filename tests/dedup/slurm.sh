#!/usr/bin/env bash
# pipelines/slurm/dedup-minhash.sh under a stand-in sbatch that runs each
# array task in turn with the SLURM_ARRAY_* variables Slurm sets: the chain
# (exact hash/resolve, signatures, buckets, cluster, filter) gives the same
# shards as the all-in-one run, and a second submission redoes nothing.
. "$(dirname "$0")/../cli/lib.sh"
cd "$T" || exit 1
mkdir in fakebin
python3 - <<'PY'
import json, random
rng = random.Random(9)
words = [f"w{i}" for i in range(400)]
base = [" ".join(rng.choice(words) for _ in range(50)) for _ in range(25)]
for k in range(5):
    with open(f"in/s{k}.jsonl", "w") as f:
        for i in range(30):
            t = rng.choice(base)
            if rng.random() < 0.3:
                w = t.split(); w[rng.randrange(len(w))] = "x"; t = " ".join(w)
            f.write(json.dumps({"id": f"{k}-{i}", "text": t}) + "\n")
PY
ls "$T"/in/*.jsonl >shards.list
cat >fakebin/sbatch <<'SB'
#!/usr/bin/env bash
array=0-0 wrap=""
while [ $# -gt 0 ]; do
    case $1 in
        --array) array=$2; shift 2 ;;
        --wrap) wrap=$2; shift 2 ;;
        --job-name|--output|--dependency) shift 2 ;;
        *) shift ;;
    esac
done
lo=${array%-*} hi=${array#*-}
for i in $(seq "$lo" "$hi"); do
    SLURM_ARRAY_TASK_ID=$i SLURM_ARRAY_TASK_MIN=$lo SLURM_ARRAY_TASK_COUNT=$((hi - lo + 1)) \
        SLURM_CPUS_PER_TASK=1 sh -c "$wrap" >&2 || exit 1
done
echo "job$RANDOM"
SB
chmod +x fakebin/sbatch
export PATH=$T/fakebin:$PATH REFINE_DEDUP=$BIN/refine-dedup
EXACT=1 TASK_SHARDS=2 EXACT_RANGES=4 FILTER_OPTS=--annotate \
    expect_rc 0 bash "$SRC/pipelines/slurm/dedup-minhash.sh" shards.list work out
expect_rc 0 "$BIN/refine-dedup" $(cat shards.list) --out-dir all --exact-ranges 4 --annotate
for k in 0 1 2 3 4; do
    same all/s$k.jsonl out/s$k.jsonl
    same all/rejects/s$k.jsonl out/rejects/s$k.jsonl
done
stats_check out/stats.json
[ "$(stats_get out/stats.json 's["docs_in"]')" = 150 ] || fail "docs_in"
[ "$(stats_get out/stats.json 's["reasons"]')" = "$(stats_get all/stats.json 's["reasons"]')" ] ||
    fail "reasons differ"
# Resubmitting is harmless: every unit is already done.
EXACT=1 TASK_SHARDS=2 EXACT_RANGES=4 FILTER_OPTS=--annotate \
    expect_rc 0 bash "$SRC/pipelines/slurm/dedup-minhash.sh" shards.list work out
same all/s0.jsonl out/s0.jsonl
DRY_RUN=1 expect_rc 0 bash "$SRC/pipelines/slurm/dedup-minhash.sh" shards.list w2 o2
grep -q "dependency afterok:dedup-buckets" "$T/err" || fail "dry run shows no afterok chain"
expect_rc 2 bash "$SRC/pipelines/slurm/dedup-minhash.sh" shards.list
echo ok
