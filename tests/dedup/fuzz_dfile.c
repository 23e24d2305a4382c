/* fuzz_dfile — libFuzzer target for the readers of the dedup work-dir files.
 * The first byte picks the file kind; the rest is the file image handed to
 * the whole-file validator. Property: any bytes give 0 or a clean error with
 * a message, never a crash, a hang or an out-of-bounds read (ASan). A file
 * that validates must also decode its header with the same kind. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dedup/dedup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint32_t kind = (uint32_t)(data[0] % 5) + 1;
    /* A private copy: the validator must not read past it. */
    unsigned char *img = malloc(size - 1 ? size - 1 : 1);
    memcpy(img, data + 1, size - 1);
    rf_err err = {0, ""};
    int rc = rf_dfile_check(img, size - 1, kind, "fuzz", &err);
    if (rc != 0 && (rc != RF_EFORMAT || !err.msg[0])) {
        fprintf(stderr, "fuzz_dfile: error without a message (rc %d)\n", rc);
        abort();
    }
    if (rc == 0) {
        rf_dfile_hdr h;
        if (rf_dfile_hdr_decode(img, size - 1, kind, &h, "fuzz", &err) != 0 || h.kind != kind)
            abort();
    }
    free(img);
    return 0;
}
