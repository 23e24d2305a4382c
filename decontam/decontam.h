/* decontam.h — entry points of the refine-decontam tool: the filter stage
 * (rf_stage_decontam, filter.c) and the subcommands `index` and `report`
 * (tool.c, report.c). */
#ifndef RF_DECONTAM_H
#define RF_DECONTAM_H

#include "stages/stage.h"

extern const rf_stage_desc rf_stage_decontam;

/* main() of refine-decontam and `refine decontam`: dispatches to the
 * subcommands, or runs the filter stage. */
int rf_decontam_main(int argc, char **argv);
int rf_decontam_index_main(int argc, char **argv);
int rf_decontam_report_main(int argc, char **argv);

#endif
