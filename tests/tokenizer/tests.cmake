# Tokenizer tests (included by tests/CMakeLists.txt; paths relative to tests/).
refine_unit_test(test_tok_golden SOURCES tokenizer/test_tok_golden.c LIBS refine_tokenizer
                 LABELS tokenizer)

add_executable(tok_encode_bin tokenizer/encode_bin.c)
target_link_libraries(tok_encode_bin PRIVATE refine_tokenizer refine_core)
set_target_properties(tok_encode_bin PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
refine_unit_test(test_tok_units SOURCES tokenizer/test_tok_units.c LIBS refine_tokenizer
                 LABELS tokenizer)
refine_cli_test(tokenizer SCRIPT tokenizer/cli.sh LABELS tokenizer)

# Parity with HF tokenizers (needs $REFINE_PYTHON from ./test.sh; skips
# otherwise). HF's per-document digests are kept in the build tree, keyed by
# the tokenizer, corpora, script and tokenizers version (parity_hf.py).
# Sanitizer builds check memory safety, not exactness again: they run the
# parity on two corpora and train a smaller vocabulary (REFINE_TOK_QUICK).
if(REFINE_SANITIZE STREQUAL "")
  file(GLOB tok_corpora ${TESTDATA}/corpora/*.jsonl.zst ${TESTDATA}/corpora/formats/test.jsonl*)
  set(tok_quick 0)
else()
  set(tok_corpora ${TESTDATA}/corpora/mixed_ko_en.jsonl.zst ${TESTDATA}/corpora/code_files.jsonl.zst)
  set(tok_quick 1)
endif()
set(tok_env "${TEST_ENV};REFINE_PARITY_CACHE=${CMAKE_BINARY_DIR}/tests/tokenizer-parity-cache;REFINE_TOK_QUICK=${tok_quick}")
add_test(NAME tokenizer.parity_hf
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/tokenizer/py_test.sh parity_hf.py
                 ${CMAKE_BINARY_DIR}/tests/tok_encode_bin ${TESTDATA}
                 llama3,qwen3,gemma3,gpt2,llama2,gpt-neox ${tok_corpora})
add_test(NAME tokenizer.parity_components
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/tokenizer/py_test.sh parity_components.py
                 ${CMAKE_BINARY_DIR}/tests/tok_encode_bin ${TESTDATA}
                 ${CMAKE_BINARY_DIR}/tests/tokenizer-components)
add_test(NAME tokenizer.train_roundtrip
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/tokenizer/train_roundtrip.sh)
set_tests_properties(tokenizer.parity_hf tokenizer.parity_components tokenizer.train_roundtrip
                     PROPERTIES SKIP_RETURN_CODE 77 LABELS "tokenizer;parity" TIMEOUT 1800
                     ENVIRONMENT "${tok_env}")

# Fuzz target for the encoder: the corpus replays under ctest in every build;
# with -DREFINE_FUZZ=ON (clang) the libFuzzer binary is built too:
#   build-fuzz/tests/fuzz_tokenize tests/tokenizer/fuzz_corpus
refine_fuzz_target(NAME tokenize SOURCES tokenizer/fuzz_tokenize.c LIBS refine_tokenizer
                   CORPUS tokenizer/fuzz_corpus LABELS tokenizer
                   DEFINES REFINE_TESTDATA_DEFAULT="${TESTDATA}")
