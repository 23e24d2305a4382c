#!/usr/bin/env bash
# bench/spam.sh — refine-spam throughput beside refine-cat in the same run
# (the same harness as bench/pii.sh). Target: refine-spam >= 0.30 x refine-cat.
#
#   bash bench/spam.sh [INPUT.jsonl.zst] [REPEAT] [COPIES]
# REFINE_BIN=DIR measures the executables of another build (e.g. a build
# of main, for a before/after comparison on the same machine and load).
STAGE=spam exec bash "$(dirname "$0")/pii.sh" "$@"
