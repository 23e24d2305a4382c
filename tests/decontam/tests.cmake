# Tests of refine-decontam (decontam/): unit tests per module, CLI tests over
# the shared benchmarks and corpora, the parity test against Python's csv
# module and xxhash, and fuzz-corpus replays.
refine_unit_test(test_dc_ngram SOURCES decontam/test_dc_ngram.c LIBS refine_decontam)
refine_unit_test(test_dc_formats SOURCES decontam/test_dc_formats.c LIBS refine_decontam)
refine_unit_test(test_dc_index SOURCES decontam/test_dc_index.c LIBS refine_decontam PkgConfig::SQLITE3)

# CLI tests. cli.decontam_index builds the index over every shared benchmark
# once (fixture); the others use it.
set(DC_DIR ${CMAKE_BINARY_DIR}/tests/decontam-data)
# The < 60 s build-time target is for optimised builds; sanitizer and Debug
# builds are several times slower and only get a generous limit.
if(REFINE_SANITIZE OR CMAKE_BUILD_TYPE STREQUAL "Debug")
  set(DC_TIME_LIMIT 600)
else()
  set(DC_TIME_LIMIT 60)
endif()
function(refine_dc_test name)
  refine_cli_test(decontam_${name} SCRIPT decontam/${name}.sh LABELS decontam)
  set_property(TEST cli.decontam_${name} APPEND PROPERTY ENVIRONMENT "DC_DIR=${DC_DIR}"
               "DC_TIME_LIMIT=${DC_TIME_LIMIT}")
  if(name STREQUAL "index")
    set_tests_properties(cli.decontam_${name} PROPERTIES FIXTURES_SETUP dc_index)
  else()
    set_tests_properties(cli.decontam_${name} PROPERTIES FIXTURES_REQUIRED dc_index)
  endif()
endfunction()
refine_dc_test(index)
refine_dc_test(plant)
refine_dc_test(clean)
refine_cli_test(decontam_examples SCRIPT decontam/examples.sh LABELS decontam)
refine_dc_test(parity)

# Fuzz target (CSV/TSV, JSON paths, index files, token stream): the corpus
# replays under ctest in every build; with -DREFINE_FUZZ=ON the libFuzzer
# binary is built too: build-fuzz/tests/fuzz_decontam tests/fuzz/corpus/decontam
refine_fuzz_target(NAME decontam SOURCES fuzz/fuzz_decontam.c LIBS refine_decontam CORPUS fuzz/corpus/decontam
                   LABELS decontam)
