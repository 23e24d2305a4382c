/* refine-cat — standalone executable of the cat stage (stages/cat.c). */
#include "stages/cli.h"

extern const rf_stage_desc rf_stage_cat;

int main(int argc, char **argv)
{
    return rf_cli_main(&rf_stage_cat, argc, argv);
}
