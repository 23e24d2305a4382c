#!/usr/bin/env bash
# py_test.sh SCRIPT ARGS... — runs a tokenizer parity script with the test
# virtualenv's python ($REFINE_PYTHON, set by ./test.sh); skips (77) without it
# or without the shared data.
. "$(dirname "$0")/../cli/lib.sh"
need_data
[ -n "${REFINE_PYTHON:-}" ] && [ -x "$REFINE_PYTHON" ] ||
    { echo "skip: REFINE_PYTHON not set (./test.sh installs HF tokenizers)"; exit 77; }
script=$1
shift
"$REFINE_PYTHON" "$(dirname "$0")/$script" "$@"
