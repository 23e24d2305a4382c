# Regression tests from the adversarial robustness audit (included by
# tests/CMakeLists.txt; paths relative to tests/). Each case is a defect the
# audit found: outputs that alias each other or the inputs, and --stats paths
# that fail only after the outputs are in place.
refine_cli_test(audit_outputs SCRIPT audit/outputs.sh LABELS audit)
refine_cli_test(audit_dedup_outdir SCRIPT audit/dedup_outdir.sh LABELS "audit;dedup")
refine_cli_test(audit_ids_only SCRIPT audit/ids_only.sh LABELS "audit;perplexity;pack")
