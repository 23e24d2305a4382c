# refine-pii tests: unit tests, CLI behaviour, the precision/recall
# measurement (needs ../shared/data), the fuzz corpus replay.
refine_unit_test(test_pii SOURCES pii/test_pii.c LIBS refine_pii LABELS pii)
refine_cli_test(pii_cli SCRIPT pii/cli.sh LABELS pii)
refine_cli_test(pii_eval SCRIPT pii/eval.sh LABELS pii)
refine_cli_test(pii_spam_fuzz_cli SCRIPT pii/fuzz_cli.sh LABELS "pii;spam;fuzz")

add_executable(fuzz_pii_replay fuzz/replay.c pii/fuzz_pii.c)
target_link_libraries(fuzz_pii_replay PRIVATE refine_pii refine_core)
set_target_properties(fuzz_pii_replay PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
add_test(NAME fuzz.pii_replay COMMAND fuzz_pii_replay ${CMAKE_CURRENT_SOURCE_DIR}/pii/corpus)
set_tests_properties(fuzz.pii_replay PROPERTIES LABELS "fuzz;pii" TIMEOUT 300)
if(REFINE_FUZZ)
  add_executable(fuzz_pii pii/fuzz_pii.c)
  target_link_libraries(fuzz_pii PRIVATE refine_pii refine_core)
  target_link_options(fuzz_pii PRIVATE -fsanitize=fuzzer)
  set_target_properties(fuzz_pii PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
endif()
