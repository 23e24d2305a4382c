# Stage 1, refine-heuristic: language/script ID (langid), the word splitting
# the rules count with (heuristic_words), the n-gram levels of the repetition
# rules (heuristic_ngrams), the Gopher / C4 / FineWeb rules and their profiles
# (heuristic_rules), and the stage adapter.
add_library(refine_heuristic STATIC
  ${CMAKE_CURRENT_LIST_DIR}/langid.c
  ${CMAKE_CURRENT_LIST_DIR}/heuristic_words.c
  ${CMAKE_CURRENT_LIST_DIR}/heuristic_ngrams.c
  ${CMAKE_CURRENT_LIST_DIR}/heuristic_rules.c
  ${CMAKE_CURRENT_LIST_DIR}/heuristic_stage.c)
target_link_libraries(refine_heuristic PUBLIC refine_core refine_fasttext PkgConfig::UTF8PROC PkgConfig::XXHASH m)
refine_add_stage(NAME heuristic LIBRARY refine_heuristic)
