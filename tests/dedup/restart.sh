#!/usr/bin/env bash
# A step killed mid-way (SIGKILL while it writes a unit, as a preempted or
# timed-out Slurm task) leaves no complete-looking unit file; running it again
# redoes only the missing units and the end result equals an uninterrupted
# run. The crash point is the test hook REFINE_DEDUP_CRASH_AFTER=N (killed
# while writing the unit after N committed ones). Also for the all-in-one run
# and for SIGTERM.
. "$(dirname "$0")/../cli/lib.sh"
cd "$T" || exit 1
D=$BIN/refine-dedup
mkdir in
python3 - <<'PY'
import json, random
rng = random.Random(7)
words = [f"w{i}" for i in range(300)]
base = [" ".join(rng.choice(words) for _ in range(60)) for _ in range(30)]
for k in range(4):
    with open(f"in/p{k}.jsonl", "w") as f:
        for i in range(40):
            t = base[rng.randrange(len(base))] if rng.random() < 0.4 else \
                " ".join(rng.choice(words) for _ in range(60))
            f.write(json.dumps({"id": f"{k}-{i}", "text": t}) + "\n")
PY
IN="in/p0.jsonl in/p1.jsonl in/p2.jsonl in/p3.jsonl"
expect_rc 0 "$D" $IN --out-dir ref --annotate

killed() { # killed N cmd...: the command must die by SIGKILL
    local n=$1
    shift
    REFINE_DEDUP_CRASH_AFTER=$n "$@" 2>/dev/null
    local rc=$?
    [ "$rc" -eq 137 ] || fail "expected a SIGKILL (137), got $rc: $*"
}
nfiles() { find "$1" -name "$2" 2>/dev/null | wc -l | tr -d ' '; }

# Exact: hash killed after 2 shards, resolve after 5 of 16 ranges.
killed 2 "$D" exact hash $IN --work-dir w -t 1
[ "$(nfiles w/exact/hash '*.xh')" = 2 ] || fail "hash: expected 2 finished shards"
expect_rc 0 "$D" exact hash $IN --work-dir w --stats h.json
[ "$(stats_get h.json 's["units_done"]'),$(stats_get h.json 's["units_skipped"]')" = "2,2" ] ||
    fail "hash restart did not skip the finished shards"
killed 5 "$D" exact resolve --work-dir w
[ "$(nfiles w/exact/resolve '*.rm')" = 5 ] || fail "resolve: expected 5 finished ranges"
expect_rc 0 "$D" exact resolve --work-dir w

# MinHash: every step killed once.
# Two threads: the other thread may commit the shard it was already writing
# before the kill lands, so 1 or 2 shards are finished (never all 4), and the
# restart must skip exactly those.
killed 1 "$D" minhash signatures $IN --work-dir w -t 2
nsig=$(nfiles w/minhash/sig '*.sig')
[ "$nsig" -ge 1 ] && [ "$nsig" -le 2 ] || fail "signatures: expected 1-2 finished shards, got $nsig"
expect_rc 0 "$D" minhash signatures $IN --work-dir w --stats s.json
[ "$(stats_get s.json 's["units_skipped"]')" = "$nsig" ] ||
    fail "signatures restart did not skip exactly the $nsig finished shards"
killed 6 "$D" minhash buckets --work-dir w -t 1
[ "$(nfiles w/minhash/pairs '*.pairs')" = 6 ] || fail "buckets: expected 6 finished units"
expect_rc 0 "$D" minhash buckets --work-dir w --stats b.json
[ "$(stats_get b.json 's["units_done"]')" = 8 ] || fail "buckets restart redid finished units"
killed 0 "$D" minhash cluster --work-dir w
[ ! -e w/minhash/remove.rm ] || fail "cluster left a complete-looking removal list"
expect_rc 0 "$D" minhash cluster --work-dir w
killed 2 "$D" minhash filter --work-dir w --out-dir out --annotate
[ "$(nfiles out/stats '*.json')" = 2 ] || fail "filter: expected 2 finished shards"
[ ! -e out/stats.json ] || fail "stats.json before every shard was filtered"
expect_rc 0 "$D" minhash filter --work-dir w --out-dir out --annotate
for f in p0.jsonl p1.jsonl p2.jsonl p3.jsonl rejects/p0.jsonl rejects/p3.jsonl; do
    same ref/$f out/$f
done
[ -z "$(find out -name '*.tmp.*')" ] || true # killed writers may leave temporaries, never finals

# The all-in-one run killed in the middle, then run again.
killed 7 "$D" $IN --out-dir aio --annotate
[ -d aio/.dedup-work ] || fail "work dir of the killed run is gone"
expect_rc 0 "$D" $IN --out-dir aio --annotate
for f in p0.jsonl p1.jsonl p2.jsonl p3.jsonl rejects/p1.jsonl stats.json; do
    [ "$f" = stats.json ] && continue
    same ref/$f aio/$f
done
[ ! -e aio/.dedup-work ] || fail "work dir left after the successful rerun"

# SIGTERM while filtering a big-enough shard: no output under its final name.
python3 -c "
import json
with open('in/big.jsonl','w') as f:
    for i in range(200000): f.write(json.dumps({'id':i,'text':'document number %d with some words in it'%i})+'\n')"
expect_rc 0 "$D" minhash signatures in/big.jsonl --work-dir wb
expect_rc 0 "$D" minhash buckets --work-dir wb
expect_rc 0 "$D" minhash cluster --work-dir wb
"$D" minhash filter --work-dir wb --out-dir ob -t 1 2>/dev/null &
pid=$!
sleep 0.3
kill -TERM $pid 2>/dev/null
wait $pid
rc=$?
if [ "$rc" -ne 0 ]; then
    [ ! -e ob/big.jsonl ] || fail "SIGTERM left a complete-looking output"
    [ -z "$(find ob -name '*.tmp.*' 2>/dev/null)" ] || fail "SIGTERM left temporaries"
fi
echo ok
