/* refine-shard — standalone executable of the shard stage (stages/shard.c). */
#include "stages/cli.h"

extern const rf_stage_desc rf_stage_shard;

int main(int argc, char **argv)
{
    return rf_cli_main(&rf_stage_shard, argc, argv);
}
