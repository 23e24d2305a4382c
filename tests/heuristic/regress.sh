#!/usr/bin/env bash
# Output regression check for refine-heuristic: speed work must not change a
# byte of what the stage writes. For every corpus of ../shared/data/corpora
# and the generated garbage (garbage.py 100 1) it runs the stage and digests
# the kept documents, the rejects and the stats (timing fields dropped), in
# these variants:
#   default   every rule on, one thread
#   metrics   --annotate-metrics (no early exit: every rule measured)
#   threads2  --threads 2 (must equal `default` byte for byte)
#   alt       line-scoped C4 checks, FineWeb's exclude-zero switch and the
#             Japanese profile forced on everything (CJK character words)
#   en        the English profile forced on everything (spaCy-style words)
#
# Under ctest (cli.heuristic_regress) the corpora are cut to their first
# MAXMB megabytes (whole lines; 2 by default) and the digests must equal
# tests/heuristic/golden.sha256, recorded with the stage as merged before the
# speed-up (main at 4ae88df). By hand:
#   bash tests/heuristic/regress.sh --compare OLD_BIN_DIR NEW_BIN_DIR
#       full byte comparison of two builds on the whole corpora
#   bash tests/heuristic/regress.sh --update
#       rewrite the golden digests (only for a deliberate output change)
. "$(dirname "$0")/../cli/lib.sh"
need_data
H=$(cd "$(dirname "$0")" && pwd)
GOLD=$H/golden.sha256
MAXMB=${MAXMB:-2}
variants=(default metrics threads2 alt en)

opts_of() {
    case $1 in
    default) echo "--threads 1" ;;
    metrics) echo "--threads 1 --annotate-metrics" ;;
    threads2) echo "--threads 2" ;;
    alt) echo "--threads 1 --c4-lorem-ipsum line --c4-curly-bracket line" \
        "--fineweb-line-punct-exclude-zero on --profile ja" ;;
    en) echo "--threads 1 --profile en" ;;
    esac
}

# prepare MODE: writes the inputs to $T/in/ (named after the corpus, so
# reject records of malformed lines do not carry the checkout's path).
prepare() {
    mkdir -p "$T/in"
    for f in "$DATA"/corpora/*.jsonl.zst "$DATA"/corpora/formats/*.jsonl.zst; do
        b=$(basename "$f" .jsonl.zst)
        [ "$b" = test ] && b=formats_test
        if [ "$1" = full ]; then
            zstd -q -dc "$f" >"$T/in/$b.jsonl"
        else
            # First MAXMB megabytes, whole lines only (a cut file keeps its
            # last line when it has no newline).
            zstd -q -dc "$f" | head -c $((MAXMB * 1000000)) >"$T/in/$b.cut"
            if [ "$(wc -c <"$T/in/$b.cut")" -ge $((MAXMB * 1000000)) ]; then
                sed '$d' "$T/in/$b.cut" >"$T/in/$b.jsonl"
            else
                mv "$T/in/$b.cut" "$T/in/$b.jsonl"
            fi
            rm -f "$T/in/$b.cut"
        fi
    done
    python3 "$H/garbage.py" 100 1 >"$T/in/garbage.jsonl" || fail "garbage generator"
}

# run BIN_DIR NAME VARIANT PREFIX: writes PREFIX.{out,rej,stats}.
run() {
    # shellcheck disable=SC2046
    (cd "$T/in" && "$1/refine-heuristic" -q $(opts_of "$3") "$2.jsonl" -o "$4.out" \
        --rejects "$4.rej" --stats "$4.st") || fail "refine-heuristic failed on $2 ($3)"
    stats_untimed "$4.st" "$4.stats"
}

digest() { cat "$1.out" "$1.rej" "$1.stats" | sha256sum | cut -d' ' -f1; }

names() { for f in "$T"/in/*.jsonl; do basename "$f" .jsonl; done; }

mode=${1:-check}
case $mode in
--compare)
    old=$(cd "${2:?OLD_BIN_DIR}" && pwd) || fail "no $2"
    new=$(cd "${3:?NEW_BIN_DIR}" && pwd) || fail "no $3"
    prepare full
    for b in $(names); do
        for v in "${variants[@]}"; do
            run "$old" "$b" "$v" "$T/old"
            run "$new" "$b" "$v" "$T/new"
            for x in out rej stats; do same "$T/old.$x" "$T/new.$x"; done
            echo "same: $b $v ($(count_lines "$T/new.out") kept, $(count_lines "$T/new.rej")" \
                "rejected, $(wc -c <"$T/new.out") bytes out)"
        done
    done
    ;;
--update | check)
    prepare cut
    : >"$T/digests"
    for b in $(names); do
        for v in "${variants[@]}"; do
            run "$BIN" "$b" "$v" "$T/r"
            if [ "$v" = threads2 ]; then
                [ "$(digest "$T/r")" = "$d_default" ] ||
                    fail "$b: --threads 2 output differs from --threads 1"
                continue
            fi
            d=$(digest "$T/r")
            [ "$v" = default ] && d_default=$d
            echo "$d  $b $v" >>"$T/digests"
        done
    done
    if [ "$mode" = --update ]; then
        cp "$T/digests" "$GOLD"
        cat "$GOLD"
    else
        diff "$GOLD" "$T/digests" >&2 ||
            fail "refine-heuristic output changed (see tests/heuristic/regress.sh)"
    fi
    ;;
*) fail "usage: regress.sh [--compare OLD_BIN NEW_BIN | --update]" ;;
esac
echo ok
