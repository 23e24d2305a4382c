# Stage 5 (refine-harm): matcher unit tests and the stage's CLI behaviour
# (every reject reason, the toxicity classifier against fastText's own
# outputs, Aho-Corasick and PCRE2 agreeing on real corpora, C4's bad-words
# rule as a reference for the English list).
refine_unit_test(test_harm SOURCES harm/test_harm.c LIBS refine_harm LABELS harm)
refine_cli_test(harm_stage SCRIPT harm/harm.sh LABELS harm)
refine_cli_test(harm_reference SCRIPT harm/reference.sh LABELS harm)

# Fuzz target for the matchers and URL parsing (document text goes through
# them): the corpus replays in every build; with -DREFINE_FUZZ=ON:
#   build-fuzz/tests/fuzz_harm tests/harm/corpus
add_executable(fuzz_harm_replay fuzz/replay.c harm/fuzz_harm.c)
target_link_libraries(fuzz_harm_replay PRIVATE refine_harm refine_core)
set_target_properties(fuzz_harm_replay PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
add_test(NAME fuzz.harm_replay COMMAND fuzz_harm_replay ${CMAKE_CURRENT_SOURCE_DIR}/harm/corpus)
set_tests_properties(fuzz.harm_replay PROPERTIES LABELS "fuzz;harm" TIMEOUT 300)
if(REFINE_FUZZ)
  add_executable(fuzz_harm harm/fuzz_harm.c)
  target_link_libraries(fuzz_harm PRIVATE refine_harm refine_core)
  target_link_options(fuzz_harm PRIVATE -fsanitize=fuzzer)
  set_target_properties(fuzz_harm PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
endif()
