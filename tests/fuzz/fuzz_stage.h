/* fuzz_stage.h — shared pieces of the libFuzzer targets that drive a whole
 * stage: a property check that aborts, stage set-up from its option table,
 * and one document through process() with its written record checked to be
 * valid JSON (kept or rejected, never neither). */
#ifndef RF_FUZZ_STAGE_H
#define RF_FUZZ_STAGE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stages/json.h"
#include "stages/stage.h"

static void must(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz: property violated: %s\n", what);
        abort();
    }
}

/* Initialises st for desc with its defaults plus name=value pairs
 * (NULL-terminated) and one thread's state. */
static void fuzz_stage_setup(rf_stage *st, const rf_stage_desc *desc, void **tls,
                             const char *const *kv)
{
    const rf_optspec *tables[1] = {desc->opts};
    rf_err err;
    rf_opts *o = rf_opts_new(tables, 1);
    for (; kv && kv[0]; kv += 2)
        must(rf_opts_set(o, kv[0], kv[1], "fuzz", &err) == 0, "option");
    must(rf_stage_init(st, desc, o, &err) == 0, "stage init");
    must(!desc->thread_init || desc->thread_init(st, tls, &err) == 0, "thread init");
}

/* (t, n), valid UTF-8, as the text of one document through the stage.
 * Returns the reject reason or NULL when the document was kept. */
static const char *fuzz_stage_doc(rf_stage *st, void *tls, const char *t, size_t n)
{
    rf_buf line = RF_BUF_INIT, rec = RF_BUF_INIT;
    rf_buf_adds(&line, "{\"id\":\"f\",\"text\":");
    rf_buf_json_str(&line, t, n);
    rf_buf_addc(&line, '}');
    rf_arena a;
    rf_arena_init(&a, 0);
    rf_docfmt fmt = {"text", "id", RF_UTF8_REPAIR};
    rf_doc d;
    rf_parse_error pe;
    must(rf_doc_parse(&d, line.p, line.len, &fmt, &a, &pe) == 0, "document does not parse");
    rf_stats stats;
    rf_stats_init(&stats, st->label);
    rf_work w = {tls, &stats, &a};
    rf_err err;
    must(st->desc->process(st, &w, &d, &err) == 0, "process failed");
    const char *reason = d.reject_reason;
    if (reason) {
        must(strlen(reason) > 0, "empty reject reason");
        d.reject_stage = st->label;
        rf_doc_write_reject(&d, &rec);
    } else {
        rf_doc_write(&d, &rec);
    }
    rf_json_error je;
    must(rec.len > 1 && rf_json_validate(rec.p, rec.len - 1, &je) == 0, "record is not JSON");
    rf_stats_release(&stats);
    rf_arena_release(&a);
    rf_buf_release(&line);
    rf_buf_release(&rec);
    return reason; /* static strings: valid after the arena is gone */
}

#endif
