# Tests of the small-LM engine and refine-perplexity (tests/perplexity/).
#   perplexity.models     writes the generated models (tiny random Llama, the
#                         re-quantised stories260K copies) for the tests below
#   unit.test_lm          formats, dtypes, windows, malformed files (C)
#   unit.test_ppl_lib     ids parsing, percentiles, cutoffs file
#   unit.test_lm_cuda     CUDA vs CPU op by op and end to end (skips w/o GPU)
#   cli.perplexity        refine-perplexity end to end
#   perplexity.parity     vs an independent numpy forward pass ($REFINE_PYTHON)
set(PPL_MODELS ${CMAKE_BINARY_DIR}/tests/perplexity-models)
add_test(NAME perplexity.models
         COMMAND sh -c "python3 '${CMAKE_CURRENT_SOURCE_DIR}/perplexity/make_models.py' tiny '${PPL_MODELS}' && if [ -f '${TESTDATA}/models/stories260K/stories260K.gguf' ]; then python3 '${CMAKE_CURRENT_SOURCE_DIR}/perplexity/make_models.py' requant '${TESTDATA}/models/stories260K/stories260K.gguf' '${PPL_MODELS}'; fi")
set_tests_properties(perplexity.models PROPERTIES FIXTURES_SETUP ppl_models LABELS perplexity
                     TIMEOUT 120)

add_executable(lm_nll perplexity/lm_nll.c)
target_link_libraries(lm_nll PRIVATE refine_kernels refine_core)
set_target_properties(lm_nll PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)

refine_unit_test(test_lm SOURCES perplexity/test_lm.c LABELS perplexity)
set_tests_properties(unit.test_lm PROPERTIES FIXTURES_REQUIRED ppl_models)
set_property(TEST unit.test_lm APPEND PROPERTY ENVIRONMENT "REFINE_PPL_MODELS=${PPL_MODELS}")
refine_unit_test(test_ppl_lib SOURCES perplexity/test_ppl_lib.c LIBS refine_perplexity
                 LABELS perplexity)
refine_unit_test(test_lm_cuda SOURCES perplexity/test_lm_cuda.c LABELS "perplexity;cuda")

refine_cli_test(perplexity SCRIPT perplexity/cli.sh LABELS perplexity)
set_tests_properties(cli.perplexity PROPERTIES FIXTURES_REQUIRED ppl_models)
set_property(TEST cli.perplexity APPEND PROPERTY ENVIRONMENT "REFINE_PPL_MODELS=${PPL_MODELS}")
refine_cli_test(perplexity_parity SCRIPT perplexity/parity.sh LABELS perplexity)
set_tests_properties(cli.perplexity_parity PROPERTIES FIXTURES_REQUIRED ppl_models)
set_property(TEST cli.perplexity_parity APPEND PROPERTY ENVIRONMENT
             "REFINE_PPL_MODELS=${PPL_MODELS}")

# Fuzz target for the model-file readers; the corpus replays in every build:
#   CC=clang cmake -S . -B build-fuzz -DREFINE_FUZZ=ON -DREFINE_CUDA=OFF
#   build-fuzz/tests/fuzz_model tests/fuzz/corpus/model
refine_fuzz_target(NAME model SOURCES fuzz/fuzz_model.c LIBS refine_kernels CORPUS fuzz/corpus/model
                   LABELS perplexity)
