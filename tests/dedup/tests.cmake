# Tests of refine-dedup (included by tests/CMakeLists.txt; paths relative to
# tests/). Unit tests of the library, CLI tests of the steps, the all-in-one
# run and the pipeline stage, a parity test of the exact Jaccard against an
# independent Python implementation, and the work-file fuzz corpus replay.
refine_unit_test(test_dedup_minhash SOURCES dedup/test_minhash.c LIBS refine_dedup
                 LABELS dedup)
refine_cli_test(dedup_basic SCRIPT dedup/basic.sh LABELS dedup)
refine_cli_test(dedup_steps SCRIPT dedup/steps.sh LABELS dedup)
refine_cli_test(dedup_restart SCRIPT dedup/restart.sh LABELS dedup)
refine_cli_test(dedup_corrupt SCRIPT dedup/corrupt.sh LABELS dedup)
refine_cli_test(dedup_parity SCRIPT dedup/parity.sh LABELS "dedup;parity")

refine_fuzz_target(NAME dfile SOURCES dedup/fuzz_dfile.c LIBS refine_dedup CORPUS dedup/fuzz-corpus
                   LABELS dedup)
refine_cli_test(dedup_slurm SCRIPT dedup/slurm.sh LABELS dedup)
