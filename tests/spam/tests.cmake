# refine-spam tests: unit tests, CLI behaviour, the removal/rejection
# measurement (needs ../shared/data), the fuzz corpus replay.
refine_unit_test(test_spam SOURCES spam/test_spam.c LIBS refine_spam LABELS spam)
refine_cli_test(spam_cli SCRIPT spam/cli.sh LABELS spam)
refine_cli_test(spam_eval SCRIPT spam/eval.sh LABELS spam)

add_executable(fuzz_spam_replay fuzz/replay.c spam/fuzz_spam.c)
target_link_libraries(fuzz_spam_replay PRIVATE refine_spam refine_core)
set_target_properties(fuzz_spam_replay PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
add_test(NAME fuzz.spam_replay COMMAND fuzz_spam_replay ${CMAKE_CURRENT_SOURCE_DIR}/spam/corpus)
set_tests_properties(fuzz.spam_replay PROPERTIES LABELS "fuzz;spam" TIMEOUT 300)
if(REFINE_FUZZ)
  add_executable(fuzz_spam spam/fuzz_spam.c)
  target_link_libraries(fuzz_spam PRIVATE refine_spam refine_core)
  target_link_options(fuzz_spam PRIVATE -fsanitize=fuzzer)
  set_target_properties(fuzz_spam PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
endif()
