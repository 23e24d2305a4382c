/* device.cu — CUDA device discovery for the CUDA backend: counts devices and
 * describes the first one. A machine without a driver or GPU is not an error
 * here, just zero devices. */
#include <cuda_runtime.h>
#include <stdio.h>

extern "C" {
#include "kernels/device.h"
}

extern "C" int rf_cuda_compiled(void)
{
    return 1;
}

extern "C" int rf_cuda_device_count(char *desc, size_t cap)
{
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess) {
        if (desc && cap)
            snprintf(desc, cap, "no CUDA device: %s", cudaGetErrorString(e));
        cudaGetLastError(); /* clear the sticky error */
        return 0;
    }
    if (n > 0 && desc && cap) {
        cudaDeviceProp p;
        if (cudaGetDeviceProperties(&p, 0) == cudaSuccess)
            snprintf(desc, cap, "%s (sm_%d%d, %.1f GiB)", p.name, p.major, p.minor,
                     (double)p.totalGlobalMem / (1024.0 * 1024.0 * 1024.0));
    }
    return n;
}
