/* stage.c — stage instance set-up and release. */
#include "stages/stage.h"

#include <string.h>

int rf_stage_init(rf_stage *st, const rf_stage_desc *desc, const rf_opts *o, rf_err *err)
{
    memset(st, 0, sizeof *st);
    st->desc = desc;
    st->opts = o;
    st->label = desc->name;
    st->n_outputs = 1;
    rf_stats_init(&st->stats, st->label);
    if (desc->init) {
        int rc = desc->init(st, o, err);
        if (rc)
            return rc;
    }
    return 0;
}

void rf_stage_release(rf_stage *st)
{
    if (!st || !st->desc)
        return;
    if (st->desc->release)
        st->desc->release(st);
    rf_stats_release(&st->stats);
    st->desc = NULL;
}
