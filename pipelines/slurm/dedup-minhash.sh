#!/usr/bin/env bash
# dedup-minhash.sh — submits refine-dedup as Slurm array jobs chained with
# afterok dependencies:
#
#   [exact hash]       array, one task per TASK_SHARDS shards   (EXACT=1)
#   [exact resolve]    array over the exact hash ranges          (EXACT=1)
#   minhash signatures array, one task per TASK_SHARDS shards
#   minhash buckets    array over bands x bucket ranges
#   minhash cluster    one task
#   minhash filter     array, one task per TASK_SHARDS shards (applies exact
#                      results too when EXACT=1)
#
# Usage: pipelines/slurm/dedup-minhash.sh SHARD_LIST WORK_DIR OUT_DIR
#   SHARD_LIST   file with one input shard per line (the order is the keep order)
#   WORK_DIR     shared directory for the steps' files
#   OUT_DIR      where OUT_DIR/<shard name>, OUT_DIR/rejects/, OUT_DIR/stats.json go
# Environment:
#   REFINE_DEDUP   path of refine-dedup          [refine-dedup]
#   TASK_SHARDS    shards per array task          [1]
#   BANDS, BUCKET_RANGES, EXACT_RANGES            [14, 1, 16]; BANDS must match
#                  --bands in SIG_OPTS when set there
#   SIG_OPTS       options of the first steps, e.g. "--verify 0.8 --keep-max score"
#   CLUSTER_OPTS   options of cluster, e.g. "--verify 0.8"
#   FILTER_OPTS    options of filter, e.g. "--annotate"
#   SBATCH_OPTS    options for every sbatch, e.g. "--partition cpu --time 4:00:00"
#   THREADS        --threads of each task        [$SLURM_CPUS_PER_TASK or 1]
#   EXACT=1        also exact dedup (labels exact copies dup_exact)
#   DRY_RUN=1      print the sbatch commands instead of submitting
# Every task is idempotent and restartable: a requeued or resubmitted task
# skips the units already done, so `sbatch --requeue` and reruns are safe.
set -euo pipefail
[ $# -eq 3 ] || { sed -n '2,/^set -euo/p' "$0" | sed 's/^# \{0,1\}//;$d'; exit 2; }
LIST=$1 WORK=$2 OUT=$3
RD=${REFINE_DEDUP:-refine-dedup}
TASK_SHARDS=${TASK_SHARDS:-1}
BANDS=${BANDS:-14}
BUCKET_RANGES=${BUCKET_RANGES:-1}
EXACT_RANGES=${EXACT_RANGES:-16}
THREADS=${THREADS:-'${SLURM_CPUS_PER_TASK:-1}'}
[ -s "$LIST" ] || { echo "dedup-minhash.sh: $LIST: no shards" >&2; exit 2; }
nshards=$(grep -c -v '^\s*\(#\|$\)' "$LIST")
shard_tasks=$(( (nshards + TASK_SHARDS - 1) / TASK_SHARDS ))
mkdir -p "$WORK/slurm-logs"

q() { printf '%q' "$1"; }
submit() { # submit DEPENDENCY NTASKS NAME COMMAND: prints the job id
    local dep=$1 n=$2 name=$3 cmd=$4 args=()
    # shellcheck disable=SC2206
    args=(--parsable --job-name "$name" --output "$WORK/slurm-logs/$name-%A_%a.log" ${SBATCH_OPTS:-})
    [ "$n" -gt 1 ] && args+=(--array "0-$((n - 1))") || args+=(--array 0-0)
    [ -n "$dep" ] && args+=(--dependency "afterok:$dep")
    if [ -n "${DRY_RUN:-}" ]; then
        echo "sbatch ${args[*]} --wrap $(q "$cmd")" >&2
        echo "$name"
    else
        sbatch "${args[@]}" --wrap "$cmd"
    fi
}
rd=$(q "$RD")
base="--threads $THREADS --work-dir $(q "$WORK")"
ins="--inputs-from $(q "$LIST")"
deps=""
if [ "${EXACT:-}" = 1 ]; then
    jh=$(submit "" "$shard_tasks" dedup-exact-hash "$rd exact hash $base $ins --exact-ranges $EXACT_RANGES ${SIG_OPTS:-}")
    jr=$(submit "$jh" "$EXACT_RANGES" dedup-exact-resolve "$rd exact resolve $base")
    deps=$jr
fi
js=$(submit "" "$shard_tasks" dedup-signatures "$rd minhash signatures $base $ins --bands $BANDS --bucket-ranges $BUCKET_RANGES ${SIG_OPTS:-}")
jb=$(submit "$js" "$((BANDS * BUCKET_RANGES))" dedup-buckets "$rd minhash buckets $base")
jc=$(submit "$jb" 1 dedup-cluster "$rd minhash cluster $base ${CLUSTER_OPTS:-}")
jf=$(submit "$jc${deps:+:$deps}" "$shard_tasks" dedup-filter "$rd minhash filter $base --out-dir $(q "$OUT") ${FILTER_OPTS:-}")
echo "submitted: ${jh:+exact hash $jh, resolve $jr, }signatures $js, buckets $jb, cluster $jc, filter $jf" >&2
echo "$jf"
