/* test_device — the CUDA probe. Without the CUDA backend or without a GPU the
 * test is skipped (exit 77) and says why; with a GPU it checks the probe
 * describes the device. */
#include "kernels/device.h"
#include "tests/unit/check.h"

int main(void)
{
    char desc[256] = "";
    int n = rf_cuda_device_count(desc, sizeof desc);
    if (n <= 0) {
        printf("skip: %s\n", desc);
        CHECK(desc[0] != '\0');
        return check_failures ? 1 : 77;
    }
    CHECK(rf_cuda_compiled());
    printf("%d CUDA device(s): %s\n", n, desc);
    CHECK(strstr(desc, "sm_") != NULL);
    return CHECK_DONE();
}
