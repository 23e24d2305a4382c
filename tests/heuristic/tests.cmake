# refine-heuristic tests: unit tests per rule, language ID and word splitting,
# CLI behaviour, the garbage generator's documents, keep rates on the shared
# corpora, parity with datatrove (skips without $REFINE_PYTHON), and the fuzz
# corpus replay.
refine_unit_test(test_heuristic_rules SOURCES heuristic/test_heuristic_rules.c
                 LIBS refine_heuristic LABELS heuristic)
refine_unit_test(test_heuristic_words SOURCES heuristic/test_heuristic_words.c
                 LIBS refine_heuristic LABELS heuristic)
refine_unit_test(test_langid SOURCES heuristic/test_langid.c
                 LIBS refine_heuristic LABELS heuristic)
refine_cli_test(heuristic SCRIPT heuristic/cli.sh LABELS heuristic)
refine_cli_test(heuristic_garbage SCRIPT heuristic/garbage.sh LABELS heuristic)
refine_cli_test(heuristic_keep SCRIPT heuristic/keep.sh LABELS heuristic)
refine_cli_test(heuristic_parity SCRIPT heuristic/parity.sh LABELS "heuristic;parity")

add_executable(fuzz_heuristic_replay fuzz/replay.c heuristic/fuzz_heuristic.c)
target_link_libraries(fuzz_heuristic_replay PRIVATE refine_heuristic refine_core)
set_target_properties(fuzz_heuristic_replay PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
add_test(NAME fuzz.heuristic_replay
         COMMAND fuzz_heuristic_replay ${CMAKE_CURRENT_SOURCE_DIR}/heuristic/corpus)
set_tests_properties(fuzz.heuristic_replay PROPERTIES LABELS "fuzz;heuristic" TIMEOUT 300)
if(REFINE_FUZZ)
  add_executable(fuzz_heuristic heuristic/fuzz_heuristic.c)
  target_link_libraries(fuzz_heuristic PRIVATE refine_heuristic refine_core)
  target_link_options(fuzz_heuristic PRIVATE -fsanitize=fuzzer)
  set_target_properties(fuzz_heuristic PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
endif()
