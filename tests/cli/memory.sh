#!/usr/bin/env bash
# Memory is bounded by batch size x queue depth, not by input size: 400 MB
# streamed through refine-cat, and a 60 MB line over --max-doc-bytes, both
# run in a small, fixed peak RSS.
. "$(dirname "$0")/lib.sh"
cd "$T"
cat >rss.py <<'PY'
import resource, subprocess, sys
r = subprocess.run(sys.argv[1:])
if r.returncode != 0:
    sys.exit(r.returncode)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
PY
# peak_rss_mb CMD...: runs CMD (stdin inherited); prints its peak RSS in MB
peak_rss_mb() { python3 rss.py "$@"; }
line=$(python3 -c 'print("{\"id\":\"x\",\"text\":\"" + "한국어 text " * 70 + "\"}")')
cat >gen.py <<'PY'
import sys
line = (sys.argv[1] + "\n").encode()
out = sys.stdout.buffer
for _ in range(400_000_000 // len(line)):
    out.write(line)
PY
python3 gen.py "$line" | peak_rss_mb "$BIN/refine-cat" -q --threads 2 --stats st0.json -o /dev/null >rss1 \
    || fail "stream run"
[ "$(stats_get st0.json 's["input_bytes"]')" -gt 390000000 ] || fail "stream was not read"
rss=$(cat rss1)
echo "400 MB stream: peak RSS ${rss} MB"
[ "$rss" -lt 150 ] || fail "peak RSS $rss MB for a 400 MB stream"

python3 -c 'import sys; sys.stdout.write("{\"text\":\"" + "y" * 60_000_000 + "\"}\n{\"text\":\"after\"}\n")' >big.jsonl
peak_rss_mb "$BIN/refine-cat" -q --max-doc-bytes 1M --rejects rej.jsonl --stats st.json big.jsonl -o out.jsonl >rss2 \
    || fail "oversized run"
rss=$(cat rss2)
echo "60 MB line over a 1 MB limit: peak RSS ${rss} MB"
[ "$rss" -lt 100 ] || fail "peak RSS $rss MB while skipping an oversized line"
[ "$(count_lines out.jsonl)" = 1 ] || fail "document after the oversized line lost"
[ "$(stats_get st.json 's["reasons"]["oversized"]')" = 1 ] || fail "oversized not counted"
echo ok
