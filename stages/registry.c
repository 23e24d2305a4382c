/* registry.c — the list of stages built into refine. A new stage adds its
 * descriptor here and a bin/refine-<name>.c main; `refine run` and
 * `refine list` pick it up from this table. */
#include "stages/stage.h"

extern const rf_stage_desc rf_stage_cat;
extern const rf_stage_desc rf_stage_shard;
extern const rf_stage_desc rf_stage_sample;

const rf_stage_desc *const rf_stage_registry[] = {
    &rf_stage_cat,
    &rf_stage_shard,
    &rf_stage_sample,
    NULL,
};
