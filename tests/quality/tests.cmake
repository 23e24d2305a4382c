# Stage 4 (refine-quality, the fastText library): unit tests, parity with
# stored fastText outputs and with the Debian fasttext binary, training,
# the stage's CLI behaviour, and the model-reader fuzz corpus replay.
refine_unit_test(test_fasttext SOURCES quality/test_fasttext.c LIBS refine_fasttext LABELS quality)
refine_cli_test(quality_parity_stored SCRIPT quality/parity_stored.sh LABELS quality)
refine_cli_test(quality_parity_fasttext SCRIPT quality/parity_fasttext.sh LABELS quality)
refine_cli_test(quality_train SCRIPT quality/train.sh LABELS quality)
refine_cli_test(quality_stage SCRIPT quality/stage.sh LABELS quality)

# Fuzz target for the model reader: its corpus replays in every build; with
# -DREFINE_FUZZ=ON:  build-fuzz/tests/fuzz_fasttext tests/quality/corpus
add_executable(fuzz_fasttext_replay fuzz/replay.c quality/fuzz_fasttext.c)
target_link_libraries(fuzz_fasttext_replay PRIVATE refine_fasttext refine_core)
set_target_properties(fuzz_fasttext_replay PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
add_test(NAME fuzz.fasttext_replay
         COMMAND fuzz_fasttext_replay ${CMAKE_CURRENT_SOURCE_DIR}/quality/corpus)
set_tests_properties(fuzz.fasttext_replay PROPERTIES LABELS "fuzz;quality" TIMEOUT 300)
if(REFINE_FUZZ)
  add_executable(fuzz_fasttext quality/fuzz_fasttext.c)
  target_link_libraries(fuzz_fasttext PRIVATE refine_fasttext refine_core)
  target_link_options(fuzz_fasttext PRIVATE -fsanitize=fuzzer)
  set_target_properties(fuzz_fasttext PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
endif()
