# Stage 4 (refine-quality, the fastText library): unit tests, parity with
# stored fastText outputs and with the Debian fasttext binary, training,
# the stage's CLI behaviour, and the model-reader fuzz corpus replay.
refine_unit_test(test_fasttext SOURCES quality/test_fasttext.c LIBS refine_fasttext LABELS quality)
refine_cli_test(quality_parity_stored SCRIPT quality/parity_stored.sh LABELS quality)
refine_cli_test(quality_parity_fasttext SCRIPT quality/parity_fasttext.sh LABELS quality)
refine_cli_test(quality_train SCRIPT quality/train.sh LABELS quality)
refine_cli_test(quality_stage SCRIPT quality/stage.sh LABELS quality)

# Fuzz target for the model reader: its corpus replays in every build; with
# -DREFINE_FUZZ=ON:  build-fuzz/tests/fuzz_fasttext tests/quality/corpus
refine_fuzz_target(NAME fasttext SOURCES quality/fuzz_fasttext.c LIBS refine_fasttext CORPUS quality/corpus LABELS quality)
