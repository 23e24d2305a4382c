# Stage 4: refine-quality (fastText classifiers: annotate/filter, predict,
# test, train, info).
add_library(refine_quality STATIC quality.c)
target_link_libraries(refine_quality PUBLIC refine_fasttext refine_core)
refine_add_stage(NAME quality LIBRARY refine_quality)
