/* stats.h — per-stage document accounting.
 *
 * Each worker thread counts into its own rf_stats per stage; the runner
 * merges them when the run ends (no shared counters on the hot path). The
 * invariant docs_in == docs_out + docs_rejected holds per stage; reasons sum
 * to docs_rejected. Counters are free-form event counts (utf8_repaired,
 * pii_email, ...). */
#ifndef RF_STATS_H
#define RF_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "stages/buf.h"

typedef struct rf_counter {
    const char *name; /* owned copy */
    uint64_t v;
} rf_counter;

typedef struct rf_stats {
    const char *stage;
    uint64_t docs_in, docs_out, docs_rejected;
    uint64_t bytes_in, bytes_out; /* JSONL record bytes of docs entering/leaving */
    double seconds;               /* time inside the stage, summed over threads */
    double cpu_seconds;           /* CPU time of those threads inside the stage */
    rf_counter *reasons;
    size_t nreasons, capr;
    rf_counter *counters;
    size_t ncounters, capc;
} rf_stats;

void rf_stats_init(rf_stats *s, const char *stage);
void rf_stats_release(rf_stats *s);
void rf_stats_reason(rf_stats *s, const char *reason, uint64_t n);
void rf_stats_count(rf_stats *s, const char *name, uint64_t n);
uint64_t rf_stats_get_reason(const rf_stats *s, const char *reason);
uint64_t rf_stats_get_counter(const rf_stats *s, const char *name);
void rf_stats_merge(rf_stats *dst, const rf_stats *src);

/* Writes the stage's object members (no braces): "stage":..,"docs_in":.. */
void rf_stats_json_members(const rf_stats *s, rf_buf *out);

#endif
