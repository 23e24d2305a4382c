# Stage 7: refine-spam (boilerplate lines, spam documents).
add_library(refine_spam STATIC spam.c spam_stage.c)
target_link_libraries(refine_spam PUBLIC refine_core PkgConfig::PCRE2 PkgConfig::XXHASH)
refine_add_stage(NAME spam LIBRARY refine_spam)
