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

add_executable(fuzz_dfile_replay fuzz/replay.c dedup/fuzz_dfile.c)
target_link_libraries(fuzz_dfile_replay PRIVATE refine_dedup refine_core)
set_target_properties(fuzz_dfile_replay PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
add_test(NAME fuzz.dfile_replay
         COMMAND fuzz_dfile_replay ${CMAKE_CURRENT_SOURCE_DIR}/dedup/fuzz-corpus)
set_tests_properties(fuzz.dfile_replay PROPERTIES LABELS "fuzz;dedup" TIMEOUT 300)
if(REFINE_FUZZ)
  add_executable(fuzz_dfile dedup/fuzz_dfile.c)
  target_link_libraries(fuzz_dfile PRIVATE refine_dedup refine_core)
  target_link_options(fuzz_dfile PRIVATE -fsanitize=fuzzer)
  set_target_properties(fuzz_dfile PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
endif()
refine_cli_test(dedup_slurm SCRIPT dedup/slurm.sh LABELS dedup)
