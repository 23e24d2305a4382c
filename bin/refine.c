/* refine — the umbrella command: `refine run PIPELINE`, `refine list`,
 * `refine example`, and `refine <stage> ...` as a synonym of refine-<stage>. */
#include <stdio.h>
#include <string.h>

#include "stages/cli.h"
#include "stages/example.h"
#include "stages/pipeline.h"

static void usage(void)
{
    printf("Usage: refine COMMAND [ARGS...]\n"
           "Curate LLM pretraining data: JSON Lines shards in, refined shards out.\n\n"
           "Commands:\n"
           "  run PIPELINE [INPUT...]   run the stages of a pipeline file in one process\n"
           "  list                      list the stages built into this refine\n"
           "  example [-o DIR]          write the generated example shards\n"
           "  STAGE [ARGS...]           same as refine-STAGE (e.g. refine cat in.jsonl)\n"
           "  help, --help              this text\n"
           "  version, --version        print the version\n\n"
           "Every command takes --help.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage();
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        usage();
        return 0;
    }
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
        printf("refine %s\n", REFINE_VERSION);
        return 0;
    }
    if (!strcmp(cmd, "run"))
        return rf_pipeline_main(argc - 1, argv + 1);
    if (!strcmp(cmd, "example"))
        return rf_example_main(argc - 1, argv + 1);
    if (!strcmp(cmd, "list")) {
        for (size_t i = 0; rf_stage_registry[i]; i++)
            printf("%-12s %s\n", rf_stage_registry[i]->name, rf_stage_registry[i]->summary);
        return 0;
    }
    const rf_stage_desc *d = rf_stage_lookup(cmd);
    if (d)
        return d->main ? d->main(argc - 1, argv + 1) : rf_cli_main(d, argc - 1, argv + 1);
    fprintf(stderr, "refine: error: unknown command '%s'\nTry 'refine --help'.\n", cmd);
    return 2;
}
