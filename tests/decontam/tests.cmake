# Tests of refine-decontam (decontam/): unit tests per module, CLI tests over
# the shared benchmarks and corpora, the parity test against Python's csv
# module and xxhash, and fuzz-corpus replays.
refine_unit_test(test_dc_ngram SOURCES decontam/test_dc_ngram.c LIBS refine_decontam)
refine_unit_test(test_dc_formats SOURCES decontam/test_dc_formats.c LIBS refine_decontam)
refine_unit_test(test_dc_index SOURCES decontam/test_dc_index.c LIBS refine_decontam PkgConfig::SQLITE3)
