# Tests of the small-LM engine and refine-perplexity (tests/perplexity/).
add_executable(lm_nll perplexity/lm_nll.c)
target_link_libraries(lm_nll PRIVATE refine_kernels refine_core)
set_target_properties(lm_nll PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
