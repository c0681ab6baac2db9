/*
 * jpac_cuda.h: the C ABI of libjpac_cuda, the CUDA backend. libjpac loads it
 * at run time (dlopen, api/cuda_backend.cpp) at the first CUDA query or call,
 * from its own directory or where a test hook says (the emulated build,
 * libjpac_cuda_emu.so); nothing else calls it. Tensors'
 * data are device pointers; arguments have been validated by libjpac. Each
 * function returns a jpac_status and, on failure, writes a message into
 * error (error_capacity bytes, NUL-terminated). Calls run on the calling
 * thread's default stream (built with --default-stream per-thread) and
 * return when the work is done. No C++ exception crosses this boundary.
 */
#ifndef JPAC_CUDA_H
#define JPAC_CUDA_H

#include "jpac.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Number of CUDA devices (0 with the reason when none can be used). */
JPAC_API int32_t jpac_cuda_device_count(char* reason, int64_t reason_capacity);

/* 1 when this library is the emulated build (libjpac_cuda_emu.so: "device"
 * memory is host memory, kernels run on the CPU under the team's emulator; a
 * test hook, never loaded unless asked for), 0 for the real CUDA build. */
JPAC_API int32_t jpac_cuda_emulated(void);

/* Device memory for tensors, zero-filled when zero != 0. */
JPAC_API jpac_status jpac_cuda_malloc(int32_t device, int64_t bytes, int32_t zero, float** out, char* error,
    int64_t error_capacity);
JPAC_API jpac_status jpac_cuda_free(int32_t device, float* data, char* error, int64_t error_capacity);
/* kind: 0 host->device, 1 device->host, 2 device->device. */
JPAC_API jpac_status jpac_cuda_copy(int32_t device, void* dst, const void* src, int64_t bytes, int32_t kind,
    char* error, int64_t error_capacity);

/* The operations, with jpac.h's arguments (see there and SPEC.md). */
JPAC_API jpac_status jpac_cuda_kernel2d_forward(const jpac_options* options,
    const jpac_tensor* guide, const jpac_tensor* inv_alpha, const jpac_tensor* inv_lambda,
    const jpac_tensor* smooth_kernel, const jpac_tensor* mask,
    const jpac_tensor* out_kernel, const jpac_tensor* out_mask, char* error, int64_t error_capacity);
JPAC_API jpac_status jpac_cuda_kernel2d_backward(const jpac_options* options,
    const jpac_tensor* guide, const jpac_tensor* inv_alpha, const jpac_tensor* inv_lambda,
    const jpac_tensor* smooth_kernel, const jpac_tensor* mask, const jpac_tensor* grad_kernel,
    const jpac_tensor* grad_guide, const jpac_tensor* grad_inv_alpha,
    const jpac_tensor* grad_inv_lambda, const jpac_tensor* grad_smooth_kernel, char* error, int64_t error_capacity);

/* conv2d (transposed = 0) or conv_transpose2d (1) with a given K. */
JPAC_API jpac_status jpac_cuda_conv_forward(const jpac_options* options, int32_t transposed,
    const jpac_tensor* input, const jpac_tensor* kernel, const jpac_tensor* weight,
    const jpac_tensor* bias, const jpac_tensor* output, char* error, int64_t error_capacity);
JPAC_API jpac_status jpac_cuda_conv_backward(const jpac_options* options, int32_t transposed,
    const jpac_tensor* input, const jpac_tensor* kernel, const jpac_tensor* weight,
    const jpac_tensor* grad_output,
    const jpac_tensor* grad_input, const jpac_tensor* grad_kernel,
    const jpac_tensor* grad_weight, const jpac_tensor* grad_bias, char* error, int64_t error_capacity);

/* The guided (fused) forms: K from the guide, never materialised. */
JPAC_API jpac_status jpac_cuda_conv_guided_forward(const jpac_options* options, int32_t transposed,
    const jpac_tensor* input, const jpac_tensor* guide,
    const jpac_tensor* inv_alpha, const jpac_tensor* inv_lambda, const jpac_tensor* smooth_kernel,
    const jpac_tensor* weight, const jpac_tensor* bias, const jpac_tensor* output,
    char* error, int64_t error_capacity);
JPAC_API jpac_status jpac_cuda_conv_guided_backward(const jpac_options* options, int32_t transposed,
    const jpac_tensor* input, const jpac_tensor* guide,
    const jpac_tensor* inv_alpha, const jpac_tensor* inv_lambda, const jpac_tensor* smooth_kernel,
    const jpac_tensor* weight, const jpac_tensor* grad_output,
    const jpac_tensor* grad_input, const jpac_tensor* grad_guide,
    const jpac_tensor* grad_weight, const jpac_tensor* grad_bias,
    const jpac_tensor* grad_inv_alpha, const jpac_tensor* grad_inv_lambda,
    const jpac_tensor* grad_smooth_kernel, char* error, int64_t error_capacity);

/* pool2d with a given K (guide NULL) or guided (kernel NULL; channel_wise
 * needs guide channels == input channels). Gradients NULL to skip. */
JPAC_API jpac_status jpac_cuda_pool_forward(const jpac_options* options,
    const jpac_tensor* input, const jpac_tensor* kernel, const jpac_tensor* guide,
    const jpac_tensor* inv_alpha, const jpac_tensor* inv_lambda, const jpac_tensor* smooth_kernel,
    const jpac_tensor* output, char* error, int64_t error_capacity);
JPAC_API jpac_status jpac_cuda_pool_backward(const jpac_options* options,
    const jpac_tensor* input, const jpac_tensor* kernel, const jpac_tensor* guide,
    const jpac_tensor* inv_alpha, const jpac_tensor* inv_lambda, const jpac_tensor* smooth_kernel,
    const jpac_tensor* grad_output, const jpac_tensor* grad_input, const jpac_tensor* grad_kernel,
    const jpac_tensor* grad_guide, const jpac_tensor* grad_inv_alpha, const jpac_tensor* grad_inv_lambda,
    const jpac_tensor* grad_smooth_kernel, char* error, int64_t error_capacity);

/* The standard operations the networks need (jpac.h's arguments; scales
 * resolved: never 0) and the plain convolution. */
JPAC_API jpac_status jpac_cuda_std_conv_forward(const jpac_options* options, const jpac_tensor* input,
    const jpac_tensor* weight, const jpac_tensor* bias, const jpac_tensor* output, char* error,
    int64_t error_capacity);
JPAC_API jpac_status jpac_cuda_std_conv_backward(const jpac_options* options, const jpac_tensor* input,
    const jpac_tensor* weight, const jpac_tensor* grad_output, const jpac_tensor* grad_input,
    const jpac_tensor* grad_weight, const jpac_tensor* grad_bias, char* error, int64_t error_capacity);
JPAC_API jpac_status jpac_cuda_relu_forward(const jpac_tensor* input, const jpac_tensor* output, char* error,
    int64_t error_capacity);
JPAC_API jpac_status jpac_cuda_relu_backward(const jpac_tensor* input, const jpac_tensor* grad_output,
    const jpac_tensor* grad_input, char* error, int64_t error_capacity);
JPAC_API jpac_status jpac_cuda_resize_bilinear_forward(const jpac_tensor* input, double scale_h, double scale_w,
    const jpac_tensor* output, char* error, int64_t error_capacity);
JPAC_API jpac_status jpac_cuda_resize_bilinear_backward(const jpac_tensor* grad_output, double scale_h,
    double scale_w, const jpac_tensor* grad_input, char* error, int64_t error_capacity);
JPAC_API jpac_status jpac_cuda_avg_pool2d_forward(const jpac_options* options, const jpac_tensor* input,
    const jpac_tensor* output, char* error, int64_t error_capacity);
JPAC_API jpac_status jpac_cuda_avg_pool2d_backward(const jpac_options* options, const jpac_tensor* grad_output,
    const jpac_tensor* grad_input, char* error, int64_t error_capacity);
JPAC_API jpac_status jpac_cuda_softmax_forward(const jpac_tensor* input, int32_t log_softmax,
    const jpac_tensor* output, char* error, int64_t error_capacity);
JPAC_API jpac_status jpac_cuda_softmax_backward(const jpac_tensor* output, const jpac_tensor* grad_output,
    int32_t log_softmax, const jpac_tensor* grad_input, char* error, int64_t error_capacity);
JPAC_API jpac_status jpac_cuda_batch_norm_inference(const jpac_tensor* input, const jpac_tensor* mean,
    const jpac_tensor* var, const jpac_tensor* weight, const jpac_tensor* bias, float eps,
    const jpac_tensor* output, char* error, int64_t error_capacity);
JPAC_API jpac_status jpac_cuda_axpby(float alpha, const jpac_tensor* x, float beta, const jpac_tensor* y,
    const jpac_tensor* output, char* error, int64_t error_capacity);
JPAC_API jpac_status jpac_cuda_copy_channels(const jpac_tensor* input, int64_t from, int64_t count,
    const jpac_tensor* output, int64_t to, char* error, int64_t error_capacity);
JPAC_API jpac_status jpac_cuda_crop2d_forward(const jpac_tensor* input, int64_t top, int64_t left,
    const jpac_tensor* output, char* error, int64_t error_capacity);
JPAC_API jpac_status jpac_cuda_crop2d_backward(const jpac_tensor* grad_output, int64_t top, int64_t left,
    const jpac_tensor* grad_input, char* error, int64_t error_capacity);

#ifdef __cplusplus
}
#endif

#endif /* JPAC_CUDA_H */
