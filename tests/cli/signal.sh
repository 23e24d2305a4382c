#!/usr/bin/env bash
# A run killed by SIGTERM or SIGINT removes its temporary output: no file
# under the target name, no .tmp litter.
. "$(dirname "$0")/lib.sh"
cd "$T"
# Job control, so the background job does not start with SIGINT ignored (as
# non-interactive shells do; refine respects an inherited "ignore").
set -m
for sig in TERM INT; do
    rm -f in.fifo
    mkfifo in.fifo
    "$BIN/refine-cat" -q in.fifo -o out.jsonl.zst --rejects rej.jsonl &
    pid=$!
    exec 3>in.fifo
    for i in $(seq 1 2000); do printf '{"id":"%d","text":"line %d"}\n' $i $i >&3; done
    for i in $(seq 1 50); do ls out.jsonl.zst.tmp.* >/dev/null 2>&1 && break; sleep 0.1; done
    ls out.jsonl.zst.tmp.* >/dev/null 2>&1 || fail "no temporary output while running"
    kill -$sig $pid
    wait $pid
    rc=$?
    exec 3>&-
    [ $rc -ne 0 ] || fail "killed run exited 0"
    [ ! -e out.jsonl.zst ] || fail "SIG$sig left an output file"
    ls *.tmp.* >/dev/null 2>&1 && fail "SIG$sig left temporary files"
done
echo ok
