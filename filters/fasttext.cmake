# The fastText model library (read, predict, train, write), shared by
# refine-quality, refine-harm's toxicity classifier and refine-heuristic's
# --lid-model; lines.c is the line/list-file reader of the filters' tools.
add_library(refine_fasttext STATIC fasttext.c fasttext_train.c lines.c)
target_link_libraries(refine_fasttext PUBLIC refine_core m Threads::Threads)
# Hogwild training races on purpose; under TSan its matrix accesses become
# relaxed atomics so that the sanitizer still checks everything else.
if(REFINE_SANITIZE STREQUAL "thread")
  target_compile_definitions(refine_fasttext PRIVATE RF_HOGWILD_ATOMIC)
endif()
