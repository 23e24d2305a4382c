#!/usr/bin/env bash
# Damaged work-dir files (truncated, bytes flipped, wrong kind, edited
# parameter or shard lists) are refused with a message naming the file and
# exit status 1 or 2, never a crash or a wrong result. ASan builds run this
# too.
. "$(dirname "$0")/../cli/lib.sh"
cd "$T" || exit 1
D=$BIN/refine-dedup
python3 - <<'PY'
import json, random
rng = random.Random(3)
words = [f"w{i}" for i in range(200)]
base = [" ".join(rng.choice(words) for _ in range(40)) for _ in range(10)]
for k in range(2):
    with open(f"s{k}.jsonl", "w") as f:
        for i in range(30):
            f.write(json.dumps({"id": f"{k}-{i}", "text": rng.choice(base)}) + "\n")
PY
"$D" minhash signatures s0.jsonl s1.jsonl --work-dir good --verify 0.5 -q || fail "signatures"
"$D" minhash buckets --work-dir good -q && "$D" minhash cluster --work-dir good --verify 0.5 -q ||
    fail "buckets/cluster"
"$D" exact hash s0.jsonl s1.jsonl --work-dir good -q && "$D" exact resolve --work-dir good -q ||
    fail "exact"

fresh() { rm -rf w && cp -r good w; }
flip() { # flip FILE OFFSET: xor one byte
    python3 -c "import sys; p=sys.argv[1]; o=int(sys.argv[2]); b=bytearray(open(p,'rb').read()); b[o]^=0xFF; open(p,'wb').write(b)" "$1" "$2"
}
check() { # check RC PATTERN cmd...
    local want=$1 pat=$2
    shift 2
    "$@" >/dev/null 2>"$T/err"
    local rc=$?
    [ "$rc" -eq "$want" ] || { cat "$T/err" >&2; fail "expected exit $want, got $rc: $*"; }
    grep -q -- "$pat" "$T/err" || { cat "$T/err" >&2; fail "message without '$pat': $*"; }
    grep -q -i "sanitizer\|segmentation" "$T/err" && fail "crash: $*"
    return 0
}

# Signature file: truncated (incomplete), then a band section out of order.
fresh; truncate -s -5 w/minhash/sig/00001.sig
check 2 "00001.sig: missing, incomplete" "$D" minhash buckets --work-dir w --force
fresh; flip w/minhash/sig/00000.sig $((64 + 30 * 24 + 3 * 12 + 7))
check 1 "00000.sig: band section is corrupt" "$D" minhash buckets --work-dir w --force
fresh; flip w/minhash/sig/00000.sig 0
check 2 "00000.sig: missing, incomplete" "$D" minhash buckets --work-dir w --force
# Pairs: a shard number out of range.
fresh; f=$(ls w/minhash/pairs/*.pairs | head -1)
python3 -c "import sys; p=sys.argv[1]; b=bytearray(open(p,'rb').read()); b[64:68]=(9).to_bytes(4,'little') if len(b)>64 else b[64:68]; open(p,'wb').write(b)" "$f"
if [ "$(stat -c %s "$f")" -gt 64 ]; then
    check 1 "pair 0 is invalid" "$D" minhash cluster --work-dir w --force
fi
# Shingle sets: an index offset pointing elsewhere.
fresh; flip w/minhash/shingles/00001.shg $((64 + 8))
check 1 "00001.shg: index entry 0 is invalid" "$D" minhash cluster --work-dir w --force --verify 0.5
# Removal lists: a wrong entry kind, a truncated file, another kind of file.
fresh; flip w/minhash/remove.rm $((64 + 3 * 8 + 4))
check 1 "remove.rm: entry 0 is invalid" "$D" minhash filter --work-dir w --out-dir o
fresh; truncate -s -1 w/exact/resolve/00003.rm
check 2 "exact steps have not finished" "$D" exact filter --work-dir w --out-dir o
fresh; cp w/minhash/sig/00000.sig w/minhash/remove.rm
check 2 "minhash steps have not finished" "$D" minhash filter --work-dir w --out-dir o
# Exact hash file out of order.
fresh; flip w/exact/hash/00000.xh $((64 + 40 * 3))
check 1 "00000.xh: hash records are corrupt" "$D" exact resolve --work-dir w --force
# Parameter and shard lists edited by hand.
fresh; sed -i 's/^bands 14/bands 15/' w/minhash/params
check 2 "made with other parameters" "$D" minhash buckets --work-dir w
fresh; sed -i 's/^ngram .*/ngram abc/' w/minhash/params
check 1 "params" "$D" minhash buckets --work-dir w
fresh; echo garbage >w/shards.txt
check 1 "not a shard list" "$D" minhash buckets --work-dir w
fresh; printf 'refine-dedup shards v1\n/a/x.jsonl\n/b/x.jsonl\n' >w/shards.txt
check 2 "same file name" "$D" minhash buckets --work-dir w
# The untouched copy still works.
fresh; expect_rc 0 "$D" minhash filter --work-dir w --out-dir o
stats_check o/stats.json
echo ok
