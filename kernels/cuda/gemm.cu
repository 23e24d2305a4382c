/* gemm.cu — CUDA matrix products through cuBLAS: weights are stored once in
 * BF16 (or FP16 with REFINE_CUDA_GEMM=fp16), activations are converted to
 * the same type per call, and cublasGemmEx multiplies with FP32
 * accumulation (CUBLAS_COMPUTE_32F) into an FP32 output; the optional bias
 * is added by a small kernel. Row-major y (T × out) = x (T × in) · Wᵀ is the
 * column-major product y' (out × T) = W' ᵀ(in × out) · x' (in × T). */
#include <stdlib.h>

#include "kernels/cuda/common.cuh"

__global__ void to_half_kernel(void *dst, const float *src, size_t n, int fp16)
{
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n)
        return;
    if (fp16)
        ((__half *)dst)[i] = __float2half_rn(src[i]);
    else
        ((__nv_bfloat16 *)dst)[i] = __float2bfloat16_rn(src[i]);
}

__global__ void bias_kernel(float *y, const float *b, int T, int out)
{
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < (size_t)T * out)
        y[i] += b[i % out];
}

extern "C" rf_kweight *rf_cuda_weight_new(rf_kctx *c, const float *w, int rows, int cols)
{
    size_t n = (size_t)rows * cols;
    float *tmp = NULL;
    rf_kweight *kw = (rf_kweight *)rf_xcalloc(1, sizeof *kw);
    kw->rows = rows;
    kw->cols = cols;
    cudaError_t e = cudaMalloc(&tmp, n * sizeof(float));
    if (e == cudaSuccess)
        e = cudaMalloc(&kw->w, n * 2);
    if (e == cudaSuccess)
        e = cudaMemcpyAsync(tmp, w, n * sizeof(float), cudaMemcpyHostToDevice, c->stream);
    if (e == cudaSuccess) {
        to_half_kernel<<<(unsigned)((n + 255) / 256), 256, 0, c->stream>>>(kw->w, tmp, n,
                                                                            c->half_fp16);
        e = cudaGetLastError();
    }
    if (e == cudaSuccess)
        e = cudaStreamSynchronize(c->stream);
    if (tmp)
        cudaFree(tmp);
    if (e != cudaSuccess) {
        rf_cuda_note(c, "weight upload", e);
        if (kw->w)
            cudaFree(kw->w);
        free(kw);
        return NULL;
    }
    return kw;
}

extern "C" void rf_cuda_weight_free(rf_kctx *c, rf_kweight *w)
{
    if (!w)
        return;
    cudaStreamSynchronize(c->stream);
    cudaFree(w->w);
    free(w);
}

extern "C" void rf_cuda_matmul(rf_kctx *c, float *y, const float *x, const rf_kweight *w,
                               const float *bias, int T, int in, int out)
{
    size_t n = (size_t)T * in;
    void *xa = rf_cuda_grow(c, &c->act, &c->act_cap, n * 2);
    if (!xa)
        return;
    to_half_kernel<<<(unsigned)((n + 255) / 256), 256, 0, c->stream>>>(xa, x, n, c->half_fp16);
    rf_cuda_launched(c, "gemm convert");
    const float alpha = 1.0f, beta = 0.0f;
    cudaDataType_t t = c->half_fp16 ? CUDA_R_16F : CUDA_R_16BF;
    cublasStatus_t s = cublasGemmEx(c->blas, CUBLAS_OP_T, CUBLAS_OP_N, out, T, in, &alpha, w->w,
                                    t, in, xa, t, in, &beta, y, CUDA_R_32F, out,
                                    CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
    if (s != CUBLAS_STATUS_SUCCESS && !c->err[0])
        snprintf(c->err, sizeof c->err, "cublasGemmEx failed (status %d)", (int)s);
    if (bias) {
        size_t m = (size_t)T * out;
        bias_kernel<<<(unsigned)((m + 255) / 256), 256, 0, c->stream>>>(y, bias, T, out);
        rf_cuda_launched(c, "bias");
    }
}
