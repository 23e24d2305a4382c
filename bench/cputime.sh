# bench/cputime.sh — sourced by bench/quality.sh and bench/harm.sh.
# best CMD...: runs CMD $REPEAT times and prints "CPU WALL" (seconds) of the
# run with the least CPU time: user + system of CMD and its children (all
# threads), the per-thread cost, which other jobs on a shared machine
# hardly move; wall time for reference. Needs $tmp (a scratch directory).
best() {
    local b="" line
    for _ in $(seq 1 "$REPEAT"); do
        local TIMEFORMAT="%U %S %R"
        { time "$@" 2>"$tmp/stderr"; } 2>"$tmp/time" || { cat "$tmp/stderr" >&2; return 1; }
        line=$(python3 -c "u, s, e = map(float, open('$tmp/time').read().split()[-3:]); print(u + s, e)")
        b=$(python3 -c "b = '$b'; l = '$line'; print(l if not b or float(l.split()[0]) < float(b.split()[0]) else b)")
    done
    echo "$b"
}
