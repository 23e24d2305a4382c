# Stage 3: perplexity filtering with the built-in small-LM engine (kernels/).
add_library(refine_perplexity STATIC
  ${CMAKE_CURRENT_LIST_DIR}/perplexity.c
  ${CMAKE_CURRENT_LIST_DIR}/perplexity_lib.c
  ${CMAKE_CURRENT_LIST_DIR}/perplexity_main.c)
target_link_libraries(refine_perplexity PUBLIC refine_kernels refine_tokenizer refine_core)
refine_add_stage(NAME perplexity LIBRARY refine_perplexity)
