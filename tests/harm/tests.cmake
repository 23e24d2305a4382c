# Stage 5 (refine-harm): matcher unit tests and the stage's CLI behaviour
# (every reject reason, the toxicity classifier against fastText's own
# outputs, Aho-Corasick and PCRE2 agreeing on real corpora, C4's bad-words
# rule as a reference for the English list).
refine_unit_test(test_harm SOURCES harm/test_harm.c LIBS refine_harm LABELS harm)
refine_cli_test(harm_stage SCRIPT harm/harm.sh LABELS harm)
refine_cli_test(harm_reference SCRIPT harm/reference.sh LABELS harm)

# Fuzz target for the matchers and URL parsing (document text goes through
# them): the corpus replays in every build; with -DREFINE_FUZZ=ON:
#   build-fuzz/tests/fuzz_harm tests/harm/corpus
refine_fuzz_target(NAME harm SOURCES harm/fuzz_harm.c LIBS refine_harm CORPUS harm/corpus LABELS harm)
