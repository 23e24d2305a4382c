# refine-pii tests: unit tests, CLI behaviour, the precision/recall
# measurement (needs ../shared/data), the fuzz corpus replay.
refine_unit_test(test_pii SOURCES pii/test_pii.c LIBS refine_pii LABELS pii)
refine_cli_test(pii_cli SCRIPT pii/cli.sh LABELS pii)
refine_cli_test(pii_eval SCRIPT pii/eval.sh LABELS pii)
refine_cli_test(pii_spam_fuzz_cli SCRIPT pii/fuzz_cli.sh LABELS "pii;spam;fuzz")

refine_fuzz_target(NAME pii SOURCES pii/fuzz_pii.c LIBS refine_pii CORPUS pii/corpus
                   LABELS pii)
