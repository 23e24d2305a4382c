#!/usr/bin/env bash
# cli.sh — refine-pack from the command line: usage and clear errors, one
# document per input document with EOD (checked by the independent reader),
# uint16/int32 choice, identical files for any --threads and batch size, ids
# input (refine-tokenize encode lines) and `refine run` [tokenize][pack] equal
# to text input, FIM determinism across runs and shard splits (+ merge),
# atomic outputs, packing (best-fit / concat / --group-by) structure and
# efficiency counters, inspect, accounting, and merging packed datasets with
# their side files (equal to one run over all the input; clear refusals).
. "$(dirname "$0")/../cli/lib.sh"
need_data
PACK=$BIN/refine-pack
TOK=$BIN/refine-tokenize
GPT2=$DATA/tokenizers/gpt2/tokenizer.json
QWEN=$DATA/tokenizers/qwen3/tokenizer.json
LLAMA3=$DATA/tokenizers/llama3/tokenizer.json
C=$DATA/corpora/mixed_ko_en.jsonl.zst
HERE=$(cd "$(dirname "$0")" && pwd)
PY=python3
reader() { $PY "$HERE/mmidx_reader.py" "$@"; }

# --- help and usage ---
for c in "" merge inspect; do
    $PACK $c --help >"$T/help" || fail "--help of '$c' failed"
    grep -q "^Usage: refine-pack" "$T/help" || fail "no usage for '$c'"
done
expect_rc 2 $PACK --tokenizer "$GPT2" /dev/null
grep -q -- "-o PREFIX" "$T/err" || fail "missing -o not explained"
expect_rc 2 $PACK -o "$T/x" /dev/null
grep -q -- "--tokenizer" "$T/err" || fail "missing --tokenizer not explained"
expect_rc 2 $PACK --tokenizer "$GPT2" -o "$T/x" --fim-rate 0.5 /dev/null
grep -q "sentinel <|fim_prefix|>" "$T/err" || fail "missing FIM sentinel not named"
expect_rc 2 $PACK --tokenizer "$GPT2" -o "$T/x" --eod-token '<nope>' /dev/null
expect_rc 2 $PACK --tokenizer "$GPT2" -o "$T/x" --fim-rate 1.5 /dev/null
expect_rc 2 $PACK --tokenizer "$QWEN" -o "$T/x" --dtype uint16 /dev/null
expect_rc 2 $PACK --tokenizer "$GPT2" -o "$T/x" --group-by lang /dev/null
[ ! -e "$T/x.bin" ] && [ ! -e "$T/x.idx" ] || fail "a failed start left files"

# --- one document per input document, EOD, dtype ---
cat >"$T/in.jsonl" <<'EOF'
{"id": "a", "text": "Hello world"}
{"id": 7, "text": ""}
{"text": "no id here", "meta": {"x": 1}}
{"id": "k", "text": " 안녕하세요 세계"}
EOF
$PACK --tokenizer "$GPT2" -o "$T/g" "$T/in.jsonl" -q || fail "pack gpt2"
$PY - "$HERE" "$T/g" <<'PY' || fail "gpt2 dataset content"
import sys; sys.path.insert(0, sys.argv[1])
from mmidx_reader import Dataset
ds = Dataset(sys.argv[2])
assert ds.dtype_code == 8, ds.dtype_code                       # uint16: 50257 ids
assert ds.documents == 4 and len(ds) == 4 and ds.doc_idx == [0, 1, 2, 3, 4]
assert ds.sequence(0) == [15496, 995, 50256], ds.sequence(0)   # "Hello world" + EOD
assert ds.sequence(1) == [50256]                               # empty text: EOD only
assert ds.sequence(2) == [3919, 4686, 994, 50256]
assert ds.sequence(3)[:6] == [23821, 243, 230, 167, 227, 243] and ds.sequence(3)[-1] == 50256
PY
$PACK --tokenizer "$GPT2" -o "$T/g2" --no-append-eod "$T/in.jsonl" -q || fail "no eod"
[ "$(reader "$T/g2")" = "dtype 8 sequences 4 documents 4" ] || fail "no-eod counts"
[ "$(stat -c %s "$T/g2.bin")" = $(( $(stat -c %s "$T/g.bin") - 8 )) ] || fail "--no-append-eod"
$PACK --tokenizer "$QWEN" -o "$T/q" "$T/in.jsonl" -q || fail "pack qwen3"
reader "$T/q" | grep -q "^dtype 4 " || fail "qwen3 (151,669 ids) must be int32"
$PACK --tokenizer "$LLAMA3" -o "$T/l" "$T/in.jsonl" -q || fail "pack llama3"
$PACK inspect "$T/l" --json --doc 0 >"$T/l.json" || fail "inspect llama3"
$PY - "$T/l.json" <<'PY' || fail "llama3 EOD is <|end_of_text|>"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["dtype"] == "int32" and d["docs"][0]["ids"][-1] == 128001, d
PY
$PACK --tokenizer "$GPT2" -o "$T/gi" "$T/in.jsonl" -q --dtype int32 || fail "forced int32"
reader "$T/gi" | grep -q "^dtype 4 " || fail "--dtype int32"

# --- inspect ---
$PACK inspect "$T/g" --tokenizer "$GPT2" --doc 0 --doc 3 >"$T/insp" || fail "inspect"
grep -q "4 documents, 4 sequences, 29 tokens" "$T/insp" || { cat "$T/insp"; fail "inspect counts"; }
grep -q "^Hello world<|endoftext|>$" "$T/insp" || fail "inspect decode"
expect_rc 2 $PACK inspect "$T/g" --doc 4
printf 'MMIDIDX\0\0garbage' >"$T/bad.idx"; : >"$T/bad.bin"
expect_rc 1 $PACK inspect "$T/bad"
grep -q "bad.idx" "$T/err" || fail "corrupt index not named"

# --- threads and batches give the same files; accounting ---
$PACK --tokenizer "$QWEN" -o "$T/t1" -t 1 --fim-rate 0.5 --seed 9 "$C" -q --stats "$T/st1.json" ||
    fail "t1"
$PACK --tokenizer "$QWEN" -o "$T/t2" -t 2 --batch-docs 7 --fim-rate 0.5 --seed 9 "$C" -q || fail "t2"
same "$T/t1.bin" "$T/t2.bin"
same "$T/t1.idx" "$T/t2.idx"
stats_check "$T/st1.json"
[ "$(stats_get "$T/st1.json" 's["pack"]["documents"]')" = 10707 ] || fail "document count"
[ "$(stats_get "$T/st1.json" 's["counters"]["fim_psm"] + s["counters"]["fim_spm"]')" -gt 5000 ] ||
    fail "fim counters"
[ "$(stats_get "$T/st1.json" 's["counters"]["tokens"] == s["pack"]["tokens"]')" = True ] ||
    fail "token counter"
# Another seed gives other choices; the same seed the same bytes (run above).
$PACK --tokenizer "$QWEN" -o "$T/t3" --fim-rate 0.5 --seed 10 "$C" -q || fail "t3"
cmp -s "$T/t1.bin" "$T/t3.bin" && fail "--seed has no effect"

# --- shard split + merge = the whole run (FIM choices follow the ids) ---
zstd -dc "$C" >"$T/all.jsonl"
head -n 4000 "$T/all.jsonl" >"$T/part1.jsonl"
tail -n +4001 "$T/all.jsonl" >"$T/part2.jsonl"
$PACK --tokenizer "$QWEN" -o "$T/p1" --fim-rate 0.5 --seed 9 "$T/part1.jsonl" -q || fail "p1"
$PACK --tokenizer "$QWEN" -o "$T/p2" --fim-rate 0.5 --seed 9 "$T/part2.jsonl" -q || fail "p2"
$PACK merge -o "$T/merged" "$T/p1" "$T/p2" -q || fail "merge"
same "$T/merged.bin" "$T/t1.bin"
same "$T/merged.idx" "$T/t1.idx"
expect_rc 1 $PACK merge -o "$T/mx" "$T/p1" "$T/g"
grep -q "dtype uint16" "$T/err" || fail "merge dtype mismatch not explained"
[ ! -e "$T/mx.idx" ] || fail "failed merge left an index"

# --- ids input (refine-tokenize encode) = text input; refine run = tool ---
$TOK encode --tokenizer "$QWEN" "$C" -o "$T/ids.jsonl" -q || fail "encode"
$PACK --tokenizer "$QWEN" -o "$T/fromids" --fim-rate 0.5 --seed 9 "$T/ids.jsonl" -q ||
    fail "pack ids"
same "$T/fromids.bin" "$T/t1.bin"
same "$T/fromids.idx" "$T/t1.idx"
printf '[tokenize]\ntokenizer = %s\n[pack]\ntokenizer = %s\nprefix = %s\nfim-rate = 0.5\nseed = 9\n' \
    "$QWEN" "$QWEN" "$T/run" >"$T/p.pipeline"
$BIN/refine run "$T/p.pipeline" "$C" -q --stats "$T/strun.json" >"$T/run.out" || fail "refine run"
[ ! -s "$T/run.out" ] || fail "refine run wrote to stdout"
same "$T/run.bin" "$T/t1.bin"
same "$T/run.idx" "$T/t1.idx"
stats_check "$T/strun.json"
printf '[tokenize]\ntokenizer = %s\n[pack]\ntokenizer = %s\nprefix = %s\n' "$GPT2" "$QWEN" \
    "$T/mism" >"$T/m.pipeline"
expect_rc 2 $BIN/refine run "$T/m.pipeline" "$T/in.jsonl" -q
grep -q "same file" "$T/err" || fail "tokenizer mismatch not explained"
[ ! -e "$T/mism.bin" ] || fail "failed run left a .bin"
$BIN/refine list | grep -q pack || fail "pack not registered"

# --- bad input is counted, never dropped or fatal ---
cat >"$T/bad.jsonl" <<'EOF'
{"id": 1, "text": "ok"}
not json
{"id": 2, "ids": [15496, -1]}
{"id": 3, "ids": [15496, 99999999]}
{"id": 4, "ids": "no"}
{"id": 5}
{"id": 6, "ids": [15496, 995]}
EOF
$PACK --tokenizer "$GPT2" -o "$T/bad" "$T/bad.jsonl" --stats "$T/stb.json" --rejects "$T/rej.jsonl" -q ||
    fail "bad input run"
stats_check "$T/stb.json"
[ "$(stats_get "$T/stb.json" 's["docs_out"]')" = 2 ] || fail "kept count"
[ "$(stats_get "$T/stb.json" 'sorted(s["reasons"].items())')" = \
  "[('bad_ids', 2), ('id_out_of_range', 1), ('malformed_json', 1), ('no_text', 1)]" ] ||
    { cat "$T/stb.json"; fail "reasons"; }
[ "$(count_lines "$T/rej.jsonl")" = 5 ] || fail "rejects file"
[ "$(reader "$T/bad")" = "dtype 8 sequences 2 documents 2" ] || fail "bad-input dataset"
# --max-bad: the run fails and leaves no dataset.
expect_rc 3 $PACK --tokenizer "$GPT2" -o "$T/mb" --max-bad 0 "$T/bad.jsonl"
[ ! -e "$T/mb.bin" ] && [ ! -e "$T/mb.idx" ] && ! ls "$T"/mb.*tmp* >/dev/null 2>&1 ||
    fail "failed run left files"

# --- packing ---
$PACK --tokenizer "$QWEN" -o "$T/q-all" "$C" -q || fail "unpacked reference"
for mode in best-fit concat; do
    $PACK --tokenizer "$QWEN" -o "$T/pk-$mode" --seq-len 512 --packing $mode "$C" -q \
        --stats "$T/pk-$mode.json" || fail "pack $mode"
    $PY "$HERE/check_pack.py" packed "$T/pk-$mode" "$T/q-all" 512 || fail "packed $mode"
    stats_check "$T/pk-$mode.json"
done
# Best fit pads less than one sequence per document would, and splits fewer documents than concat.
$PY - "$T/pk-best-fit.json" "$T/pk-concat.json" <<'PY' || fail "packing efficiency"
import json, sys
b, c = (json.load(open(p))["pack"] for p in sys.argv[1:])
assert b["padding"] < 0.05, b
assert b["split_docs"] < c["split_docs"], (b, c)
assert b["document_tokens"] == c["document_tokens"]
PY
# Domain-aware packing and a small window: groups never mix, same checks.
$PACK --tokenizer "$QWEN" -o "$T/grp" --seq-len 256 --group-by source --pack-buffer 20000 "$C" -q ||
    fail "group-by"
$PY "$HERE/check_pack.py" packed "$T/grp" "$T/q-all" 256 source "$C" || fail "group-by check"
$PACK --tokenizer "$QWEN" -o "$T/grp2" -t 2 --batch-docs 3 --seq-len 256 --group-by source \
    --pack-buffer 20000 "$C" -q || fail "group-by t2"
same "$T/grp.bin" "$T/grp2.bin"
same "$T/grp.bounds.jsonl" "$T/grp2.bounds.jsonl"

# --- merge of packed datasets: the side files are merged too ---
# A best-fit window that flushes where part1 ends (its tokens outside full
# chunks, W) makes one run over all.jsonl pack exactly as part1 and part2
# packed apart: merged .bin, .idx and side file must equal that run's.
# part1 packed in one window is what a window of W gives it, so it is gw1.
$PACK --tokenizer "$QWEN" -o "$T/gw1" --seq-len 512 --group-by source "$T/part1.jsonl" -q ||
    fail "gw1"
W=$($PY -c 'import json, sys
print(sum(p[4] for l in open(sys.argv[1]) for p in json.loads(l)["docs"] if p[4] < 512))' \
    "$T/gw1.bounds.jsonl")
packw() { $PACK --tokenizer "$QWEN" --seq-len 512 --group-by source --pack-buffer "$W" -q "$@"; }
packw -o "$T/gw2" "$T/part2.jsonl" -t 2 --batch-docs 5 || fail "gw2"
packw -o "$T/gw0" /dev/null || fail "empty packed dataset"
[ -e "$T/gw0.bounds.jsonl" ] && [ ! -s "$T/gw0.bounds.jsonl" ] || fail "empty side file"
packw -o "$T/gwall" "$T/all.jsonl" --stats "$T/gwall.json" || fail "gwall"
$PACK merge -o "$T/gwm" "$T/gw1" "$T/gw0" "$T/gw2" 2>"$T/merge.err" || fail "merge packed"
grep -q "gwm.bounds.jsonl: 10707 packed documents in [0-9]* sequences of 512 tokens" \
    "$T/merge.err" || { cat "$T/merge.err"; fail "merge side-file summary"; }
same "$T/gwm.bin" "$T/gwall.bin"
same "$T/gwm.idx" "$T/gwall.idx"
same "$T/gwm.bounds.jsonl" "$T/gwall.bounds.jsonl"
[ "$(count_lines "$T/gw2.bounds.jsonl")" -gt 0 ] &&
    ! cmp -s "$T/gwm.bounds.jsonl" <(cat "$T/gw1.bounds.jsonl" "$T/gw2.bounds.jsonl") ||
    fail "the second input's side file must be re-numbered"
# Independently: the merged side file rebuilds every document of the corpus.
$PY "$HERE/check_pack.py" packed "$T/gwm" "$T/q-all" 512 source "$C" || fail "merged side file"
# inspect reads the side file: its figures equal the whole run's --stats.
$PACK inspect "$T/gwm" --json >"$T/gwm.json" || fail "inspect packed"
$PY - "$T/gwm.json" "$T/gwall.json" <<'PY' || fail "inspect side-file figures"
import json, sys
b = json.load(open(sys.argv[1]))["bounds"]
p = json.load(open(sys.argv[2]))["pack"]
want = {"seq_len": 512, "sequences": p["sequences"], "documents": p["input_documents"],
        "pad_tokens": p["pad_tokens"], "split_docs": p["split_docs"], "groups": 9}
assert all(b[k] == v for k, v in want.items()), (b, p)
assert abs(b["padding"] - p["padding"]) < 1e-6, (b, p)
PY
$PACK inspect "$T/gwm" >"$T/gwm.txt" || fail "inspect packed (text)"
grep -q "^packed: 10707 documents in [0-9]* sequences of 512 tokens" "$T/gwm.txt" ||
    { cat "$T/gwm.txt"; fail "inspect side-file line"; }
$PACK inspect "$T/p1" --json | $PY -c 'import json, sys; assert json.load(sys.stdin)["bounds"] is None' ||
    fail "inspect of an unpacked dataset"

# Concat, hand-made ids (gpt2, no EOD, N = 8): part A fills exactly 3
# sequences and ends with an empty document, which packing rejects, so the
# numbering of B's documents continues right after A's five in both runs.
printf '{"id": "a%s", "ids": [%s]}\n' 0 "1,2,3" 1 "4,5,6,7,8" 2 "9,10,11,12,13,14" 3 "15,16" \
    4 "17,18,19,20,21,22,23,24" 5 "" >"$T/ca.jsonl"
printf '{"id": "b%s", "ids": [%s]}\n' 0 "30,31,32,33" 1 "34,35,36,37,38,39,40,41,42" 2 "43" \
    >"$T/cb.jsonl"
cat "$T/ca.jsonl" "$T/cb.jsonl" >"$T/cab.jsonl"
packc() { $PACK --tokenizer "$GPT2" --no-append-eod --seq-len 8 --packing concat -q "$@"; }
packc -o "$T/ca" "$T/ca.jsonl" --stats "$T/ca.json" || fail "ca"
packc -o "$T/cb" "$T/cb.jsonl" || fail "cb"
packc -o "$T/cab" "$T/cab.jsonl" || fail "cab"
[ "$(stats_get "$T/ca.json" 's["reasons"]')" = "{'empty_document': 1}" ] || fail "empty doc reject"
stats_check "$T/ca.json"
$PACK merge -o "$T/cm" "$T/ca" "$T/cb" -q || fail "merge concat"
same "$T/cm.bin" "$T/cab.bin"
same "$T/cm.idx" "$T/cab.idx"
same "$T/cm.bounds.jsonl" "$T/cab.bounds.jsonl"
[ "$(sed -n 4p "$T/cm.bounds.jsonl")" = \
  '{"seq": 3, "group": null, "tokens": 8, "pad": 0, "docs": [[5, "b0", 0, 0, 4], [6, "b1", 0, 4, 4]]}' ] ||
    { cat "$T/cm.bounds.jsonl"; fail "merged concat line"; }

# Inputs that cannot be merged with their side files: a clear error, nothing written.
expect_rc 1 $PACK merge -o "$T/mx" "$T/gw1" "$T/p2"
grep -q "gw1.bounds.jsonl exists but .*p2.bounds.jsonl does not" "$T/err" ||
    fail "missing side file not explained"
$PACK --tokenizer "$QWEN" --no-append-eod --seq-len 16 -q -o "$T/c16" "$T/cb.jsonl" || fail "c16"
expect_rc 1 $PACK merge -o "$T/mx" "$T/gw1" "$T/gw0" "$T/c16"
grep -q "gw1 holds sequences of 512 tokens, .*c16 of 16" "$T/err" || fail "seq-len mismatch"
cp "$T/gw2.bin" "$T/cut.bin"; cp "$T/gw2.idx" "$T/cut.idx"
head -n -1 "$T/gw2.bounds.jsonl" >"$T/cut.bounds.jsonl"
expect_rc 1 $PACK merge -o "$T/mx" "$T/gw1" "$T/cut"
grep -q "cut.bounds.jsonl: [0-9]* lines for the [0-9]* sequences of .*cut.idx" "$T/err" ||
    fail "short side file not detected"
expect_rc 1 $PACK inspect "$T/cut"
sed '5s/"seq": 4/"seq": 5/' "$T/gw2.bounds.jsonl" >"$T/cut.bounds.jsonl"
expect_rc 1 $PACK merge -o "$T/mx" "$T/gw1" "$T/cut"
grep -q "cut.bounds.jsonl:5: \"seq\" is 5, expected 4" "$T/err" || fail "bad line not named"
[ ! -e "$T/mx.idx" ] && [ ! -e "$T/mx.bin" ] && [ ! -e "$T/mx.bounds.jsonl" ] &&
    ! ls "$T"/mx.*tmp* >/dev/null 2>&1 || fail "failed merge left files"
# --no-bounds merges .bin/.idx only, and no stale side file stays next to them.
cp "$T/gw1.bounds.jsonl" "$T/nb.bounds.jsonl"
$PACK merge -o "$T/nb" --no-bounds "$T/gw1" "$T/p2" -q || fail "--no-bounds"
[ ! -e "$T/nb.bounds.jsonl" ] || fail "stale side file after --no-bounds merge"
$PACK merge -o "$T/nb2" "$T/p1" "$T/p2" -q && cp "$T/gw1.bounds.jsonl" "$T/nb2.bounds.jsonl" &&
    $PACK merge -o "$T/nb2" "$T/p1" "$T/p2" -q || fail "unpacked merge"
[ ! -e "$T/nb2.bounds.jsonl" ] || fail "stale side file after an unpacked merge"
same "$T/nb2.bin" "$T/t1.bin"
# refine-pack without --seq-len also removes a stale side file under its prefix.
cp "$T/gw1.bounds.jsonl" "$T/g.bounds.jsonl"
$PACK --tokenizer "$GPT2" -o "$T/g" "$T/in.jsonl" -q || fail "re-pack"
[ ! -e "$T/g.bounds.jsonl" ] || fail "stale side file after an unpacked run"

echo "cli.pack ok"
