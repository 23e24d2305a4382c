# Tokenizer tests (included by tests/CMakeLists.txt; paths relative to tests/).
refine_unit_test(test_tok_golden SOURCES tokenizer/test_tok_golden.c LIBS refine_tokenizer
                 LABELS tokenizer)

add_executable(tok_encode_bin tokenizer/encode_bin.c)
target_link_libraries(tok_encode_bin PRIVATE refine_tokenizer refine_core)
set_target_properties(tok_encode_bin PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
