# refine-spam tests: unit tests, CLI behaviour, the removal/rejection
# measurement (needs ../shared/data), the fuzz corpus replay.
refine_unit_test(test_spam SOURCES spam/test_spam.c LIBS refine_spam LABELS spam)
refine_cli_test(spam_cli SCRIPT spam/cli.sh LABELS spam)
refine_cli_test(spam_eval SCRIPT spam/eval.sh LABELS spam)

refine_fuzz_target(NAME spam SOURCES spam/fuzz_spam.c LIBS refine_spam CORPUS spam/corpus
                   LABELS spam)
# Output digests on every corpus must equal those of the stage before the
# speed work (tests/spam/regress.sh).
refine_cli_test(spam_regress SCRIPT spam/regress.sh LABELS spam)
