/* device.h — which compute devices this build can use.
 *
 * The CUDA backend is optional at build time (REFINE_CUDA) and at run time
 * (a machine without a GPU). Callers ask here before choosing a device
 * (`--device auto`), and tests use it to skip cleanly without a GPU. */
#ifndef RF_KERNELS_DEVICE_H
#define RF_KERNELS_DEVICE_H

#include "stages/err.h"

/* 1 when this binary was built with the CUDA backend. */
int rf_cuda_compiled(void);

/* Number of usable CUDA devices (0 without CUDA, driver or GPU); a short
 * description of the first device or of why there is none goes to desc. */
int rf_cuda_device_count(char *desc, size_t cap);

#endif
