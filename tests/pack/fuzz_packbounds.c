/* fuzz_packbounds.c — libFuzzer target for the PREFIX.bounds.jsonl reader
 * (rf_bounds_scan_*; merge and inspect read side files that come from other
 * runs and machines). The input is a side file; its first byte, when it is
 * not '{', sets the expected sequence length (1..255). Properties: no
 * crash or overrun on any bytes; every accepted line has its parts inside
 * its tokens; formatting the accepted lines (as merge does) gives a file the
 * reader accepts again with identical fields, and re-formatting that gives
 * the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tokenizer/packbounds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same_raw(const char *a, size_t an, const char *b, size_t bn)
{
    return (!a && !b) || (a && b && an == bn && !memcmp(a, b, an));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t seq_len = 0;
    if (size && data[0] != '{') {
        seq_len = data[0];
        data++;
        size--;
    }
    /* An exactly sized copy, so ASan sees any read past the end. */
    char *copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    rf_err err = {0, ""};
    rf_bounds_scan a, b;
    rf_bounds_line la, lb;
    rf_buf out = RF_BUF_INIT, again = RF_BUF_INIT;
    int rc;
    rf_bounds_scan_init(&a, copy, size, "fuzz", seq_len);
    while ((rc = rf_bounds_scan_next(&a, &la, &err)) == 1) {
        uint64_t at = 0;
        for (size_t k = 0; k < la.nparts; k++)
            at += la.parts[k].len;
        if (at != la.tokens || la.tokens + (uint64_t)la.pad != a.seq_len)
            abort();
        rf_bounds_format(&out, &la, 0, 0);
    }
    if (rc == 0 && rf_bounds_scan_end(&a, &err) == 0) {
        if (a.docs > size)
            abort();
        /* Read the formatted file again, line by line against the first. */
        rf_bounds_scan_release(&a);
        rf_bounds_scan_init(&a, copy, size, "fuzz", seq_len);
        rf_bounds_scan_init(&b, out.p ? out.p : "", out.len, "fuzz-out", seq_len);
        for (;;) {
            int ra = rf_bounds_scan_next(&a, &la, &err);
            int rb = rf_bounds_scan_next(&b, &lb, &err);
            if (ra != rb || ra < 0)
                abort();
            if (!ra)
                break;
            if (la.seq != lb.seq || la.tokens != lb.tokens || la.pad != lb.pad ||
                la.nparts != lb.nparts || !same_raw(la.group, la.group_len, lb.group, lb.group_len))
                abort();
            for (size_t k = 0; k < la.nparts; k++) {
                const rf_pack_part *p = &la.parts[k], *q = &lb.parts[k];
                if (p->doc != q->doc || p->offset != q->offset || p->start != q->start ||
                    p->len != q->len || !same_raw(p->id, p->id_len, q->id, q->id_len))
                    abort();
            }
            rf_bounds_format(&again, &lb, 0, 0);
        }
        if (rf_bounds_scan_end(&b, &err) != 0 || b.docs != a.docs || again.len != out.len ||
            (out.len && memcmp(again.p, out.p, out.len)))
            abort();
        rf_bounds_scan_release(&b);
    }
    rf_bounds_scan_release(&a);
    rf_buf_release(&out);
    rf_buf_release(&again);
    free(copy);
    return 0;
}
