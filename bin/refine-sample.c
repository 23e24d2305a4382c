/* refine-sample — standalone executable of the sample stage (stages/sample.c). */
#include "stages/cli.h"

extern const rf_stage_desc rf_stage_sample;

int main(int argc, char **argv)
{
    return rf_cli_main(&rf_stage_sample, argc, argv);
}
