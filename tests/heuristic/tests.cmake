# refine-heuristic tests: unit tests per rule, language ID and word splitting,
# CLI behaviour, the garbage generator's documents, keep rates on the shared
# corpora, parity with datatrove (skips without $REFINE_PYTHON), and the fuzz
# corpus replay.
refine_unit_test(test_heuristic_rules SOURCES heuristic/test_heuristic_rules.c
                 LIBS refine_heuristic LABELS heuristic)
refine_unit_test(test_heuristic_words SOURCES heuristic/test_heuristic_words.c
                 LIBS refine_heuristic LABELS heuristic)
refine_unit_test(test_langid SOURCES heuristic/test_langid.c
                 LIBS refine_heuristic LABELS heuristic)
refine_cli_test(heuristic SCRIPT heuristic/cli.sh LABELS heuristic)
refine_cli_test(heuristic_garbage SCRIPT heuristic/garbage.sh LABELS heuristic)
refine_cli_test(heuristic_keep SCRIPT heuristic/keep.sh LABELS heuristic)
refine_cli_test(heuristic_parity SCRIPT heuristic/parity.sh LABELS "heuristic;parity")

refine_fuzz_target(NAME heuristic SOURCES heuristic/fuzz_heuristic.c LIBS refine_heuristic
                   CORPUS heuristic/corpus LABELS heuristic)
refine_cli_test(heuristic_lid SCRIPT heuristic/lid.sh LABELS "heuristic;parity")
# Speed work must not change a byte of the output: digests of every corpus
# (first 2 MB) and the garbage, in five option variants (tests/heuristic/regress.sh).
refine_cli_test(heuristic_regress SCRIPT heuristic/regress.sh LABELS heuristic)
