# RefineStage.cmake — how a stage joins the build.
#
#   refine_add_stage(NAME heuristic LIBRARY refine_heuristic)
#
# declares that library LIBRARY defines `const rf_stage_desc rf_stage_<NAME>`.
# It creates the executable build/bin/refine-<NAME> (a generated main that runs
# the descriptor's own main() when it has one, rf_cli_main() otherwise) and
# registers the stage for the `refine` umbrella (`refine run`, `refine list`,
# `refine <stage>`), whose registry is generated in bin/ after all modules.
# A module therefore never edits a shared file to add a stage.

set(REFINE_STAGE_MAIN_TEMPLATE ${CMAKE_CURRENT_LIST_DIR}/stage_main.c.in)

function(refine_add_stage)
  cmake_parse_arguments(S "" "NAME;LIBRARY" "" ${ARGN})
  if(NOT S_NAME OR NOT S_LIBRARY)
    message(FATAL_ERROR "refine_add_stage needs NAME and LIBRARY")
  endif()
  set_property(GLOBAL APPEND PROPERTY REFINE_STAGES ${S_NAME})
  set_property(GLOBAL APPEND PROPERTY REFINE_STAGE_LIBS ${S_LIBRARY})
  set(STAGE_NAME ${S_NAME})
  string(REPLACE "-" "_" STAGE_SYMBOL ${S_NAME})
  set(main ${CMAKE_BINARY_DIR}/gen/refine-${S_NAME}.c)
  configure_file(${REFINE_STAGE_MAIN_TEMPLATE} ${main} @ONLY)
  add_executable(refine-${S_NAME} ${main})
  target_link_libraries(refine-${S_NAME} PRIVATE ${S_LIBRARY} refine_core)
endfunction()

# Stage order in `refine list` and the registry: the pipeline order of the
# design; stages not named here follow alphabetically.
set(REFINE_STAGE_ORDER cat shard sample heuristic dedup perplexity quality harm pii spam
    decontam tokenize pack)
