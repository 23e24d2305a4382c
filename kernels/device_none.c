/* device_none.c — the device probe and CUDA table lookup of a build without
 * the CUDA backend: no devices, no table. */
#include <stdio.h>

#include "kernels/device.h"

int rf_cuda_compiled(void)
{
    return 0;
}

int rf_cuda_device_count(char *desc, size_t cap)
{
    if (desc && cap)
        snprintf(desc, cap, "built without CUDA (configure with -DREFINE_CUDA=ON)");
    return 0;
}

#include "kernels/ops.h"

const rf_kernels *rf_kernels_cuda(void)
{
    return NULL;
}
