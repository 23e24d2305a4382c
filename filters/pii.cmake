# Stage 6: refine-pii (PII detection and replacement).
add_library(refine_pii STATIC pii.c pii_hash.c pii_stage.c)
target_link_libraries(refine_pii PUBLIC refine_core PkgConfig::PCRE2 PkgConfig::XXHASH)
refine_add_stage(NAME pii LIBRARY refine_pii)
