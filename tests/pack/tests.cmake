# refine-pack tests (included by tests/CMakeLists.txt; paths relative to tests/).
refine_unit_test(test_pack SOURCES pack/test_pack.c LIBS refine_pack LABELS pack)
refine_cli_test(pack SCRIPT pack/cli.sh LABELS pack)
