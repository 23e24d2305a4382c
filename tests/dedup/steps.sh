#!/usr/bin/env bash
# The steps run by hand, as Slurm array tasks would run them (several tasks
# per step, task numbers from the SLURM_ARRAY_* variables or the options),
# give byte for byte what the all-in-one run gives; signature files do not
# depend on --num-tasks, --threads or the run; the [dedup] pipeline stage
# gives the same documents; steps out of order, changed inputs and
# conflicting options are clear errors.
. "$(dirname "$0")/../cli/lib.sh"
need_data
cd "$T" || exit 1
D=$BIN/refine-dedup
mkdir in
# Three shards of real Korean/English documents with planted copies.
python3 - "$DATA" <<'PY'
import json, random, subprocess, sys
docs = subprocess.run(["zstd", "-q", "-dc", sys.argv[1] + "/corpora/mixed_ko_en.jsonl.zst"],
                      capture_output=True, check=True).stdout.decode().split("\n")[:240]
docs = [json.loads(l) for l in docs]
rng = random.Random(4)
out = [[], [], []]
for i, d in enumerate(docs):
    out[i % 3].append(d)
    r = rng.random()
    if r < 0.15:
        out[rng.randrange(3)].append({"id": d["id"] + "-copy", "text": d["text"]})
    elif r < 0.3:
        w = d["text"].split(" ")
        if len(w) > 20:
            w[rng.randrange(len(w))] = "edited"
        out[rng.randrange(3)].append({"id": d["id"] + "-near", "text": " ".join(w)})
for k, ds in enumerate(out):
    with open(f"in/s{k}.jsonl", "w") as f:
        for d in ds:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
PY
zstd -q --rm in/s1.jsonl
IN="in/s0.jsonl in/s1.jsonl.zst in/s2.jsonl"

expect_rc 0 "$D" $IN --out-dir all --annotate --keep-work --work-dir wall -t 2
stats_check all/stats.json
[ "$(stats_get all/stats.json 's["reasons"].get("dup_exact", 0)')" -gt 0 ] || fail "no exact duplicates found"
[ "$(stats_get all/stats.json 's["reasons"].get("dup_minhash", 0)')" -gt 0 ] || fail "no near duplicates found"

# By hand: exact hash with 2 tasks (Slurm variables), resolve with 3 tasks
# (options), minhash signatures with 3, buckets with 4, cluster, filter with 2.
for i in 0 1; do
    SLURM_ARRAY_TASK_ID=$((i + 5)) SLURM_ARRAY_TASK_MIN=5 SLURM_ARRAY_TASK_COUNT=2 \
        expect_rc 0 "$D" exact hash $IN --work-dir w -t 1
done
# A garbled Slurm variable is an error, not task 0; options override the variables.
SLURM_ARRAY_TASK_ID=abc expect_rc 2 "$D" exact resolve --work-dir w --num-tasks 3
grep -q "SLURM_ARRAY_TASK_ID='abc' is not a number" "$T/err" || fail "garbled task id not named"
SLURM_ARRAY_TASK_COUNT=2x expect_rc 2 "$D" exact resolve --work-dir w --task-index 0
SLURM_ARRAY_TASK_ID=abc SLURM_ARRAY_TASK_COUNT=2x \
    expect_rc 0 "$D" exact resolve --work-dir w --task-index 0 --num-tasks 3
for i in 0 1 2; do expect_rc 0 "$D" exact resolve --work-dir w --task-index $i --num-tasks 3; done
for i in 2 0 1; do
    expect_rc 0 "$D" minhash signatures $IN --work-dir w --task-index $i --num-tasks 3 -t 1
done
for i in 0 1 2 3; do
    expect_rc 0 "$D" minhash buckets --work-dir w --task-index $i --num-tasks 4 --stats b$i.json
done
[ "$(stats_get b0.json 's["units_done"]')" = 4 ] || fail "buckets task 0 should do units 0,4,8,12"
expect_rc 0 "$D" minhash cluster --work-dir w
for i in 0 1; do
    expect_rc 0 "$D" minhash filter --work-dir w --out-dir hand --annotate --task-index $i --num-tasks 2
done
for f in s0.jsonl s1.jsonl.zst s2.jsonl rejects/s0.jsonl rejects/s1.jsonl.zst rejects/s2.jsonl; do
    same all/$f hand/$f
done
stats_check hand/stats.json
for k in docs_in docs_out docs_rejected reasons; do
    [ "$(stats_get all/stats.json "s['$k']")" = "$(stats_get hand/stats.json "s['$k']")" ] ||
        fail "stats.json $k differs between all-in-one and steps"
done
# The work files are the same too.
for f in $(cd wall && find . -name '*.sig' -o -name '*.xh' -o -name '*.rm' -o -name '*.pairs'); do
    same wall/$f w/$f
done

# Other unit splits (more bucket and exact ranges) find the same duplicates.
expect_rc 0 "$D" $IN --out-dir split --annotate --bucket-ranges 3 --exact-ranges 5 -t 2
for f in s0.jsonl s1.jsonl.zst s2.jsonl rejects/s0.jsonl rejects/s2.jsonl; do
    same all/$f split/$f
done

# Signature determinism: another run, one task, other thread counts.
expect_rc 0 "$D" minhash signatures $IN --work-dir w2 -t 3 --batch-docs 7
for s in 00000 00001 00002; do same w/minhash/sig/$s.sig w2/minhash/sig/$s.sig; done
expect_rc 0 "$D" minhash signatures $IN --work-dir w3 --seed 2
cmp -s w/minhash/sig/00000.sig w3/minhash/sig/00000.sig && fail "--seed changes nothing"

# A second run of a finished step does nothing (idempotent).
expect_rc 0 "$D" minhash buckets --work-dir w --stats again.json
[ "$(stats_get again.json 's["units_done"]'),$(stats_get again.json 's["units_skipped"]')" = "0,14" ] ||
    fail "finished units were redone"

# The [dedup] stage of refine run over the work dir's shards, in order.
printf '[cat]\n[dedup]\nwork-dir = w\nannotate = true\n' >p.pipeline
expect_rc 0 "$BIN/refine" run p.pipeline $IN -o pipe.jsonl --rejects pipe.rej.jsonl --stats pst.json
stats_check pst.json
cat all/s0.jsonl <(zstd -q -dc all/s1.jsonl.zst) all/s2.jsonl >all.cat.jsonl
same pipe.jsonl all.cat.jsonl
grep -c dup_ pipe.rej.jsonl >n1
cat all/rejects/s0.jsonl <(zstd -q -dc all/rejects/s1.jsonl.zst) all/rejects/s2.jsonl |
    grep -c dup_ >n2
same n1 n2
# Other order of inputs: refused, not applied to the wrong documents.
expect_rc 1 "$BIN/refine" run p.pipeline in/s2.jsonl in/s0.jsonl in/s1.jsonl.zst -o x.jsonl
grep -q "not the work dir's shards" "$T/err" || fail "reordered inputs not detected"
[ ! -e x.jsonl ] || fail "output written after an error"
printf '[dedup]\n' >bad.pipeline
expect_rc 2 "$BIN/refine" run bad.pipeline $IN -o x.jsonl
grep -q "work-dir" "$T/err" || fail "missing work-dir message"

# A changed shard after the signatures: filter refuses it.
cp -r w wc
sed -i '1s/.*/{"id":"new","text":"something else entirely"}/' in/s0.jsonl
expect_rc 2 "$D" minhash signatures in/s0.jsonl --work-dir wc
grep -q "other input shards" "$T/err" || fail "other inputs not detected"
head -c 100 in/s2.jsonl >/dev/null
sed -i "$(grep -n -- '-copy\|-near' in/s2.jsonl | head -1 | cut -d: -f1)s/\"text\": \"/\"text\": \"X/" in/s2.jsonl
expect_rc 1 "$D" minhash filter --work-dir wc --out-dir chg
grep -q "is not the document the work dir was built from" "$T/err" || fail "changed input not detected"

# Out of order, missing and conflicting.
expect_rc 2 "$D" minhash buckets --work-dir empty
expect_rc 0 "$D" minhash signatures $IN --work-dir w4 --task-index 0 --num-tasks 3
expect_rc 2 "$D" minhash buckets --work-dir w4
grep -q "signatures step has not finished unit 1" "$T/err" || fail "missing shard message"
expect_rc 2 "$D" minhash buckets --work-dir w --bands 20
grep -q -- "--bands differs" "$T/err" || fail "conflicting option message"
expect_rc 2 "$D" minhash signatures $IN --work-dir w --ngram 3
grep -q "other options" "$T/err" || fail "conflicting params message"
expect_rc 2 "$D" minhash cluster --work-dir w --verify 0.8
grep -q "shingle sets" "$T/err" || fail "--verify without shingles message"
expect_rc 2 "$D" exact filter --work-dir w4 --out-dir x
expect_rc 2 "$D" minhash filter --work-dir w
expect_rc 2 "$D" minhash buckets --work-dir w --task-index 4 --num-tasks 4
echo ok
