# refine-pack tests (included by tests/CMakeLists.txt; paths relative to tests/).
refine_unit_test(test_pack SOURCES pack/test_pack.c LIBS refine_pack LABELS pack)
refine_unit_test(test_packbounds SOURCES pack/test_packbounds.c LIBS refine_pack LABELS pack)
refine_cli_test(pack SCRIPT pack/cli.sh LABELS pack)

# Checks against the references (HF tokenizers, Megatron-Core's IndexedDataset):
# need $REFINE_PYTHON from ./test.sh (tests/requirements/pack.txt); skip without.
foreach(check roundtrip megatron)
  add_test(NAME pack.${check} COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/pack/py_checks.sh ${check})
  set_tests_properties(pack.${check} PROPERTIES SKIP_RETURN_CODE 77 LABELS "pack;parity"
                       TIMEOUT 900 ENVIRONMENT "${TEST_ENV}")
endforeach()

# Fuzz target for the index reader and the FIM split points; the corpus replays
# under ctest. With -DREFINE_FUZZ=ON (clang): build-fuzz/tests/fuzz_mmidx tests/pack/fuzz_corpus
refine_fuzz_target(NAME mmidx SOURCES pack/fuzz_mmidx.c LIBS refine_pack CORPUS pack/fuzz_corpus
                   LABELS pack)

# Fuzz target for the side-file reader (merge and inspect read side files from
# other runs): build-fuzz/tests/fuzz_packbounds tests/pack/bounds_corpus
refine_fuzz_target(NAME packbounds SOURCES pack/fuzz_packbounds.c LIBS refine_pack
                   CORPUS pack/bounds_corpus LABELS pack)
