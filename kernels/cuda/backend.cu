/* backend.cu — the CUDA rf_kernels table: contexts (one stream and cuBLAS
 * handle per worker thread), device memory, transfers, the embedding gather
 * and error reporting. The ops live one per file beside it. */
#include <stdlib.h>
#include <string.h>

#include "kernels/cuda/common.cuh"

void *rf_cuda_grow(rf_kctx *c, void **buf, size_t *cap, size_t need)
{
    if (*cap >= need)
        return *buf;
    cudaStreamSynchronize(c->stream);
    if (*buf)
        cudaFree(*buf);
    *buf = NULL;
    *cap = 0;
    cudaError_t e = cudaMalloc(buf, need);
    if (e != cudaSuccess) {
        rf_cuda_note(c, "cudaMalloc (scratch)", e);
        *buf = NULL;
        return NULL;
    }
    *cap = need;
    return *buf;
}

static int cu_ctx_new(rf_kctx **out, rf_err *err)
{
    rf_kctx *c = (rf_kctx *)rf_xcalloc(1, sizeof *c);
    cudaError_t e = cudaStreamCreateWithFlags(&c->stream, cudaStreamNonBlocking);
    if (e != cudaSuccess) {
        free(c);
        return rf_errf(err, RF_EUNSUP, "CUDA: cannot create a stream: %s", cudaGetErrorString(e));
    }
    if (cublasCreate(&c->blas) != CUBLAS_STATUS_SUCCESS) {
        cudaStreamDestroy(c->stream);
        free(c);
        return rf_errf(err, RF_EUNSUP, "CUDA: cannot create a cuBLAS handle");
    }
    cublasSetStream(c->blas, c->stream);
    const char *g = getenv("REFINE_CUDA_GEMM");
    c->half_fp16 = g && !strcmp(g, "fp16");
    *out = c;
    return 0;
}

static void cu_ctx_free(rf_kctx *c)
{
    if (!c)
        return;
    cudaStreamSynchronize(c->stream);
    if (c->act)
        cudaFree(c->act);
    if (c->tiles)
        cudaFree(c->tiles);
    cublasDestroy(c->blas);
    cudaStreamDestroy(c->stream);
    free(c);
}

static void *cu_alloc(rf_kctx *c, size_t bytes)
{
    void *p = NULL;
    cudaError_t e = cudaMalloc(&p, bytes ? bytes : 1);
    if (e != cudaSuccess) {
        rf_cuda_note(c, "cudaMalloc", e);
        return NULL;
    }
    return p;
}

static void cu_free(rf_kctx *c, void *p)
{
    cudaStreamSynchronize(c->stream);
    cudaFree(p);
}

static void cu_upload(rf_kctx *c, void *dst, const void *src, size_t bytes)
{
    /* Synchronous with respect to the host buffer: callers reuse it at once. */
    rf_cuda_note(c, "upload", cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, c->stream));
    rf_cuda_note(c, "upload", cudaStreamSynchronize(c->stream));
}

static void cu_download(rf_kctx *c, void *dst, const void *src, size_t bytes)
{
    rf_cuda_note(c, "download",
                 cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, c->stream));
    rf_cuda_note(c, "download", cudaStreamSynchronize(c->stream));
}

static int cu_sync(rf_kctx *c, rf_err *err)
{
    rf_cuda_note(c, "kernel", cudaStreamSynchronize(c->stream));
    if (c->err[0])
        return rf_errf(err, RF_EIO, "CUDA: %s", c->err);
    return 0;
}

__global__ void embed_kernel(float *x, const float *table, const int32_t *ids, int T, int dim)
{
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (size_t)T * dim)
        return;
    size_t t = i / dim, d = i % dim;
    x[i] = table[(size_t)ids[t] * dim + d];
}

extern "C" void rf_cuda_embed(rf_kctx *c, float *x, const float *table, const int32_t *ids,
                              int T, int dim)
{
    size_t n = (size_t)T * dim;
    embed_kernel<<<(unsigned)((n + 255) / 256), 256, 0, c->stream>>>(x, table, ids, T, dim);
    rf_cuda_launched(c, "embed");
}

static const rf_kernels cuda_table = {
    "cuda",
    cu_ctx_new,
    cu_ctx_free,
    cu_alloc,
    cu_free,
    cu_upload,
    cu_download,
    cu_sync,
    rf_cuda_weight_new,
    rf_cuda_weight_free,
    rf_cuda_matmul,
    rf_cuda_embed,
    rf_cuda_rmsnorm,
    rf_cuda_rope,
    rf_cuda_attention,
    rf_cuda_swiglu,
    rf_cuda_add,
    rf_cuda_nll,
};

extern "C" const rf_kernels *rf_kernels_cuda(void)
{
    return &cuda_table;
}
