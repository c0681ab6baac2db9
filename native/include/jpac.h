/*
 * jpac.h: the C ABI of jpac, pixel-adaptive convolution (Su et al., CVPR 2019).
 *
 * Plain C, read by jextract. Every function returns a jpac_status; on failure
 * jpac_last_error() holds a message for the calling thread that names the
 * offending argument. No C++ exception ever crosses this boundary.
 *
 * Tensors are dense, contiguous, row-major float32 in NCHW order (an adapting
 * kernel K is 6-D: [B, Ck, kh, kw, Ho, Wo]). Optional tensors are passed as
 * NULL. Output tensors are written, never resized: their shapes are checked.
 * Gradients are written (not accumulated); a NULL gradient is not computed.
 *
 * What each operation computes is defined in SPEC.md.
 */
#ifndef JPAC_H
#define JPAC_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define JPAC_API __declspec(dllexport)
#else
#define JPAC_API __attribute__((visibility("default")))
#endif

/* ---- status and errors ------------------------------------------------ */

typedef enum jpac_status {
    JPAC_OK = 0,
    JPAC_ERR_INVALID_ARGUMENT = 1, /* shape, option or pointer is wrong */
    JPAC_ERR_UNSUPPORTED = 2,      /* valid, but this backend cannot do it */
    JPAC_ERR_OUT_OF_MEMORY = 3,
    JPAC_ERR_BACKEND = 4,          /* oneDNN / CUDA reported a failure */
    JPAC_ERR_INTERNAL = 5
} jpac_status;

/* Message of the last failed call on this thread ("" if none). Valid until
 * the next jpac call on the same thread. */
JPAC_API const char* jpac_last_error(void);

/* ---- library and backends --------------------------------------------- */

typedef enum jpac_device_type {
    JPAC_DEVICE_CPU = 0,
    JPAC_DEVICE_CUDA = 1
} jpac_device_type;

JPAC_API const char* jpac_version(void);
/* oneDNN version of the CPU backend, e.g. "3.13.0". */
JPAC_API const char* jpac_onednn_version(void);
/* 1 when the backend can run here, else 0; reason (may be NULL) receives why
 * not (for CUDA: library missing, no driver, no device), or for an available
 * CUDA backend what was loaded (and whether it is the emulator), as a
 * NUL-terminated string truncated to reason_capacity bytes. libjpac loads
 * libjpac_cuda.so from its own directory at the first CUDA query or call. */
JPAC_API int32_t jpac_backend_available(int32_t device_type, char* reason, int64_t reason_capacity);
/* Test hook: load the CUDA backend from `path` (e.g. the emulated build
 * libjpac_cuda_emu.so) instead of libjpac_cuda.so next to libjpac; the
 * environment variable JPAC_CUDA_LIBRARY does the same. Only before the first
 * CUDA query or call (JPAC_ERR_INVALID_ARGUMENT after). */
JPAC_API jpac_status jpac_set_cuda_library(const char* path);
/* 1 when the CUDA backend loaded is the emulator (kernels run on the CPU,
 * host memory stands for device memory), else 0 (also when none is loaded). */
JPAC_API int32_t jpac_cuda_emulated(void);
/* Threads the CPU backend uses; set 0 for the machine's default. */
JPAC_API int32_t jpac_get_num_threads(void);
JPAC_API jpac_status jpac_set_num_threads(int32_t threads);
/* Vector instructions of the CPU backend's fused kernels: "avx512", "avx2" or
 * "generic" (the widest the CPU has, unless the environment variable
 * JPAC_CPU_ISA asks for less). jpac_set_cpu_isa switches it (for tests and
 * comparisons): JPAC_ERR_UNSUPPORTED when the CPU lacks it. */
JPAC_API const char* jpac_cpu_isa(void);
JPAC_API jpac_status jpac_set_cpu_isa(const char* isa);
/* The instruction set oneDNN's own kernels use, as oneDNN names it (e.g. "avx512_core"). */
JPAC_API const char* jpac_onednn_isa(void);
/* Peak bytes of scratch memory the library allocated since the last reset
 * (all threads together); used to show the memory bound of the fused ops. */
JPAC_API int64_t jpac_scratch_peak_bytes(void);
JPAC_API void jpac_scratch_reset_peak(void);

/* ---- tensors ------------------------------------------------------------ */

#define JPAC_MAX_DIMS 6

typedef struct jpac_tensor {
    float* data;           /* first element; contiguous row-major */
    int32_t device_type;   /* jpac_device_type */
    int32_t device_index;  /* CUDA ordinal; 0 on CPU */
    int32_t ndim;          /* 1..JPAC_MAX_DIMS */
    int32_t reserved;
    int64_t shape[JPAC_MAX_DIMS];
} jpac_tensor;

/* Device memory for tensors on a CUDA device (device_type JPAC_DEVICE_CUDA):
 * `bytes` (>= 1), zero-filled when zero != 0; *out receives the device pointer.
 * Each operation runs on the device of its tensors: all of one call must be on
 * the same device (JPAC_ERR_INVALID_ARGUMENT naming the one that is not);
 * operations the CUDA backend lacks return JPAC_ERR_UNSUPPORTED for CUDA
 * tensors (never a silent copy to the host). */
JPAC_API jpac_status jpac_device_alloc(int32_t device_type, int32_t device_index, int64_t bytes, int32_t zero,
    void** out);
JPAC_API jpac_status jpac_device_free(int32_t device_type, int32_t device_index, void* data);
/* Copies src into dst (equal shapes), between any two devices: host to
 * device, device to host, device to device, host to host. */
JPAC_API jpac_status jpac_copy_tensor(const jpac_tensor* src, const jpac_tensor* dst);

/* ---- options ------------------------------------------------------------ */

typedef enum jpac_kernel_type {
    JPAC_KERNEL_GAUSSIAN = 0, /* K = exp(-E/2) */
    JPAC_KERNEL_INV = 1       /* K = alpha + (E + 1e-4)^(lambda/2) */
} jpac_kernel_type;

/* One option set for every PAC operation; fields an operation does not use
 * are ignored (listed per function). Sizes are (height, width) pairs. */
typedef struct jpac_options {
    int32_t kernel_h, kernel_w;       /* odd, >= 1 */
    int32_t stride_h, stride_w;       /* >= 1 */
    int32_t pad_h, pad_w;             /* >= 0 */
    int32_t dilation_h, dilation_w;   /* >= 1 */
    int32_t output_padding_h, output_padding_w; /* transposed only; < max(stride, dilation) */
    int32_t kernel_type;              /* jpac_kernel_type */
    int32_t asymmetric;               /* inv kernels: D = max(D, 0) */
    int32_t channel_wise;             /* one kernel per guidance channel */
    int32_t normalize_kernel;         /* K /= sum over taps */
    int32_t transposed;               /* kernel for a transposed convolution */
    int32_t shared_filters;           /* conv: weight [1,1,k,k] applied per channel */
} jpac_options;

/* ---- kernel2d: adapting kernel from guidance ------------------------------
 * guide [B,C,H,W] (for transposed: the OUTPUT size of the transposed conv);
 * inv_alpha, inv_lambda: [1] or [C] (channel_wise), inv kernels only, else NULL;
 * smooth_kernel: [m,m] or [1,1,m,m], odd m, or NULL for no smoothing;
 * mask: [B,1,H,W] of 0/1 or NULL (transposed: the transposed conv's input size);
 * out_kernel: [B, C or 1, kh, kw, Ho, Wo]; out_mask: [B,1,1,1,Ho,Wo], required
 * exactly when mask is given. Uses all options except shared_filters. */
JPAC_API jpac_status jpac_kernel2d_forward(const jpac_options* options,
    const jpac_tensor* guide, const jpac_tensor* inv_alpha, const jpac_tensor* inv_lambda,
    const jpac_tensor* smooth_kernel, const jpac_tensor* mask,
    const jpac_tensor* out_kernel, const jpac_tensor* out_mask);

/* grad_kernel has out_kernel's shape. Gradients for guide, alpha, lambda and
 * the smoothing kernel (NULL to skip each). */
JPAC_API jpac_status jpac_kernel2d_backward(const jpac_options* options,
    const jpac_tensor* guide, const jpac_tensor* inv_alpha, const jpac_tensor* inv_lambda,
    const jpac_tensor* smooth_kernel, const jpac_tensor* mask,
    const jpac_tensor* grad_kernel,
    const jpac_tensor* grad_guide, const jpac_tensor* grad_inv_alpha,
    const jpac_tensor* grad_inv_lambda, const jpac_tensor* grad_smooth_kernel);

/* ---- conv2d / conv_transpose2d with a given kernel K ----------------------
 * input [B,Ci,H,W]; kernel [B,1,kh,kw,Ho,Wo];
 * weight [Co,Ci,kh,kw] (conv2d) or [Ci,Co,kh,kw] (transposed), [1,1,kh,kw]
 * when shared_filters; bias [Co] or NULL; output [B,Co,Ho,Wo].
 * Uses the geometry fields and shared_filters (output_padding: transposed). */
JPAC_API jpac_status jpac_conv2d_forward(const jpac_options* options,
    const jpac_tensor* input, const jpac_tensor* kernel, const jpac_tensor* weight,
    const jpac_tensor* bias, const jpac_tensor* output);
JPAC_API jpac_status jpac_conv2d_backward(const jpac_options* options,
    const jpac_tensor* input, const jpac_tensor* kernel, const jpac_tensor* weight,
    const jpac_tensor* grad_output,
    const jpac_tensor* grad_input, const jpac_tensor* grad_kernel,
    const jpac_tensor* grad_weight, const jpac_tensor* grad_bias);

JPAC_API jpac_status jpac_conv_transpose2d_forward(const jpac_options* options,
    const jpac_tensor* input, const jpac_tensor* kernel, const jpac_tensor* weight,
    const jpac_tensor* bias, const jpac_tensor* output);
JPAC_API jpac_status jpac_conv_transpose2d_backward(const jpac_options* options,
    const jpac_tensor* input, const jpac_tensor* kernel, const jpac_tensor* weight,
    const jpac_tensor* grad_output,
    const jpac_tensor* grad_input, const jpac_tensor* grad_kernel,
    const jpac_tensor* grad_weight, const jpac_tensor* grad_bias);

/* ---- pool2d with a given kernel K ----------------------------------------
 * input [B,C,H,W]; kernel [B,1 or C,kh,kw,Ho,Wo]; output [B,C,Ho,Wo]. */
JPAC_API jpac_status jpac_pool2d_forward(const jpac_options* options,
    const jpac_tensor* input, const jpac_tensor* kernel, const jpac_tensor* output);
JPAC_API jpac_status jpac_pool2d_backward(const jpac_options* options,
    const jpac_tensor* input, const jpac_tensor* kernel, const jpac_tensor* grad_output,
    const jpac_tensor* grad_input, const jpac_tensor* grad_kernel);

/* ---- guided (fused) forms -------------------------------------------------
 * The same operations with K = kernel2d(guide, ...) computed on the fly, never
 * materialised. No mask (use kernel2d + the K forms for masks). For conv and
 * conv_transpose channel_wise must be 0; for pool2d channel_wise needs guide
 * channels == input channels. The backward returns the gradient for the guide
 * (and for alpha, lambda, smooth_kernel when non-NULL) instead of K's. */
JPAC_API jpac_status jpac_conv2d_guided_forward(const jpac_options* options,
    const jpac_tensor* input, const jpac_tensor* guide,
    const jpac_tensor* inv_alpha, const jpac_tensor* inv_lambda, const jpac_tensor* smooth_kernel,
    const jpac_tensor* weight, const jpac_tensor* bias, const jpac_tensor* output);
JPAC_API jpac_status jpac_conv2d_guided_backward(const jpac_options* options,
    const jpac_tensor* input, const jpac_tensor* guide,
    const jpac_tensor* inv_alpha, const jpac_tensor* inv_lambda, const jpac_tensor* smooth_kernel,
    const jpac_tensor* weight, const jpac_tensor* grad_output,
    const jpac_tensor* grad_input, const jpac_tensor* grad_guide,
    const jpac_tensor* grad_weight, const jpac_tensor* grad_bias,
    const jpac_tensor* grad_inv_alpha, const jpac_tensor* grad_inv_lambda,
    const jpac_tensor* grad_smooth_kernel);

JPAC_API jpac_status jpac_conv_transpose2d_guided_forward(const jpac_options* options,
    const jpac_tensor* input, const jpac_tensor* guide,
    const jpac_tensor* inv_alpha, const jpac_tensor* inv_lambda, const jpac_tensor* smooth_kernel,
    const jpac_tensor* weight, const jpac_tensor* bias, const jpac_tensor* output);
JPAC_API jpac_status jpac_conv_transpose2d_guided_backward(const jpac_options* options,
    const jpac_tensor* input, const jpac_tensor* guide,
    const jpac_tensor* inv_alpha, const jpac_tensor* inv_lambda, const jpac_tensor* smooth_kernel,
    const jpac_tensor* weight, const jpac_tensor* grad_output,
    const jpac_tensor* grad_input, const jpac_tensor* grad_guide,
    const jpac_tensor* grad_weight, const jpac_tensor* grad_bias,
    const jpac_tensor* grad_inv_alpha, const jpac_tensor* grad_inv_lambda,
    const jpac_tensor* grad_smooth_kernel);

JPAC_API jpac_status jpac_pool2d_guided_forward(const jpac_options* options,
    const jpac_tensor* input, const jpac_tensor* guide,
    const jpac_tensor* inv_alpha, const jpac_tensor* inv_lambda, const jpac_tensor* smooth_kernel,
    const jpac_tensor* output);
JPAC_API jpac_status jpac_pool2d_guided_backward(const jpac_options* options,
    const jpac_tensor* input, const jpac_tensor* guide,
    const jpac_tensor* inv_alpha, const jpac_tensor* inv_lambda, const jpac_tensor* smooth_kernel,
    const jpac_tensor* grad_output,
    const jpac_tensor* grad_input, const jpac_tensor* grad_guide,
    const jpac_tensor* grad_inv_alpha, const jpac_tensor* grad_inv_lambda,
    const jpac_tensor* grad_smooth_kernel);

/* ---- plain convolution (oneDNN on CPU): the baseline PAC is compared with --
 * Cross-correlation, weight [Co,Ci,kh,kw], bias [Co] or NULL. Uses the
 * geometry fields only. On CUDA tensors: the PAC kernels with K = 1. */
JPAC_API jpac_status jpac_std_conv2d_forward(const jpac_options* options,
    const jpac_tensor* input, const jpac_tensor* weight, const jpac_tensor* bias,
    const jpac_tensor* output);
JPAC_API jpac_status jpac_std_conv2d_backward(const jpac_options* options,
    const jpac_tensor* input, const jpac_tensor* weight, const jpac_tensor* grad_output,
    const jpac_tensor* grad_input, const jpac_tensor* grad_weight, const jpac_tensor* grad_bias);

/* ---- standard operations the networks need ------------------------------
 * Plain NCHW float32, on the CPU or (all tensors there) a CUDA device. The
 * output of each is written whole. */
JPAC_API jpac_status jpac_relu_forward(const jpac_tensor* input, const jpac_tensor* output);
JPAC_API jpac_status jpac_relu_backward(const jpac_tensor* input, const jpac_tensor* grad_output,
    const jpac_tensor* grad_input);

/* Bilinear resize as PyTorch's interpolate(mode="bilinear", align_corners=False).
 * input [B,C,H,W], output [B,C,Ho,Wo]. scale_h / scale_w: input pixels per output
 * pixel (1/scale_factor when resizing by a factor), or 0 for H/Ho and W/Wo. */
JPAC_API jpac_status jpac_resize_bilinear_forward(const jpac_tensor* input, double scale_h, double scale_w,
    const jpac_tensor* output);
JPAC_API jpac_status jpac_resize_bilinear_backward(const jpac_tensor* grad_output, double scale_h, double scale_w,
    const jpac_tensor* grad_input);

/* Average pooling that does not count the padding (count_include_pad=False).
 * Uses kernel, stride and pad of options (any kernel size >= 1). */
JPAC_API jpac_status jpac_avg_pool2d_forward(const jpac_options* options, const jpac_tensor* input,
    const jpac_tensor* output);
JPAC_API jpac_status jpac_avg_pool2d_backward(const jpac_options* options, const jpac_tensor* grad_output,
    const jpac_tensor* grad_input);

/* Softmax over channels (log_softmax = 1: log-softmax). The backward takes
 * the forward's output. */
JPAC_API jpac_status jpac_softmax_forward(const jpac_tensor* input, int32_t log_softmax, const jpac_tensor* output);
JPAC_API jpac_status jpac_softmax_backward(const jpac_tensor* output, const jpac_tensor* grad_output,
    int32_t log_softmax, const jpac_tensor* grad_input);

/* Batch norm in inference mode; mean, var [C]; weight, bias [C] or NULL. */
JPAC_API jpac_status jpac_batch_norm_inference(const jpac_tensor* input, const jpac_tensor* mean,
    const jpac_tensor* var, const jpac_tensor* weight, const jpac_tensor* bias, float eps,
    const jpac_tensor* output);

/* output = alpha * x + beta * y (y may be NULL); equal shapes; output may be x or y. */
JPAC_API jpac_status jpac_axpby(float alpha, const jpac_tensor* x, float beta, const jpac_tensor* y,
    const jpac_tensor* output);

/* Copies channels [from, from + count) of input [B,Ci,H,W] into channels
 * [to, to + count) of output [B,Co,H,W]: concat, slice and repeat (and their
 * gradients) are made of it. */
JPAC_API jpac_status jpac_copy_channels(const jpac_tensor* input, int64_t from, int64_t count,
    const jpac_tensor* output, int64_t to);

/* Crop: output [B,C,h,w] = input[:, :, top:top+h, left:left+w] (the window
 * must fit); the backward places grad_output there in a zeroed grad_input. */
JPAC_API jpac_status jpac_crop2d_forward(const jpac_tensor* input, int64_t top, int64_t left,
    const jpac_tensor* output);
JPAC_API jpac_status jpac_crop2d_backward(const jpac_tensor* grad_output, int64_t top, int64_t left,
    const jpac_tensor* grad_input);

/* No-op that validates one tensor: measures the cost of a call from Java. */
JPAC_API jpac_status jpac_noop(const jpac_tensor* tensor);

/* ---- one entry point for managed callers ----------------------------------
 * jpac_call runs the operation `op` on the arguments of its own entry point
 * above, in that entry point's order. A managed runtime keeps memory alive
 * only while it is an argument of the call in progress (Java's FFM linker
 * does so for every MemorySegment argument), so each tensor's memory is
 * passed as an argument here: data0..data15 is the memory of tensors[0..15];
 * tensors[i].data is ignored and replaced by data<i>, and a NULL data<i>
 * passes that tensor as NULL (absent). `count` must equal the number of
 * tensors of the operation. `scalars` holds the operation's non-tensor
 * arguments in order, as doubles (NULL when it has none):
 *   RESIZE_BILINEAR_*: scale_h, scale_w; SOFTMAX_*: log_softmax;
 *   BATCH_NORM_INFERENCE: eps; AXPBY: alpha, beta;
 *   COPY_CHANNELS: from, count, to (integers); CROP2D_*: top, left (integers).
 * `options` is the operation's options (ignored by those that take none). */
typedef enum jpac_op {
    JPAC_OP_KERNEL2D_FORWARD = 0,
    JPAC_OP_KERNEL2D_BACKWARD = 1,
    JPAC_OP_CONV2D_FORWARD = 2,
    JPAC_OP_CONV2D_BACKWARD = 3,
    JPAC_OP_CONV_TRANSPOSE2D_FORWARD = 4,
    JPAC_OP_CONV_TRANSPOSE2D_BACKWARD = 5,
    JPAC_OP_POOL2D_FORWARD = 6,
    JPAC_OP_POOL2D_BACKWARD = 7,
    JPAC_OP_CONV2D_GUIDED_FORWARD = 8,
    JPAC_OP_CONV2D_GUIDED_BACKWARD = 9,
    JPAC_OP_CONV_TRANSPOSE2D_GUIDED_FORWARD = 10,
    JPAC_OP_CONV_TRANSPOSE2D_GUIDED_BACKWARD = 11,
    JPAC_OP_POOL2D_GUIDED_FORWARD = 12,
    JPAC_OP_POOL2D_GUIDED_BACKWARD = 13,
    JPAC_OP_STD_CONV2D_FORWARD = 14,
    JPAC_OP_STD_CONV2D_BACKWARD = 15,
    JPAC_OP_RELU_FORWARD = 16,
    JPAC_OP_RELU_BACKWARD = 17,
    JPAC_OP_RESIZE_BILINEAR_FORWARD = 18,
    JPAC_OP_RESIZE_BILINEAR_BACKWARD = 19,
    JPAC_OP_AVG_POOL2D_FORWARD = 20,
    JPAC_OP_AVG_POOL2D_BACKWARD = 21,
    JPAC_OP_SOFTMAX_FORWARD = 22,
    JPAC_OP_SOFTMAX_BACKWARD = 23,
    JPAC_OP_BATCH_NORM_INFERENCE = 24,
    JPAC_OP_AXPBY = 25,
    JPAC_OP_COPY_CHANNELS = 26,
    JPAC_OP_NOOP = 27,
    JPAC_OP_COPY_TENSOR = 28,
    JPAC_OP_CROP2D_FORWARD = 29,
    JPAC_OP_CROP2D_BACKWARD = 30
} jpac_op;

#define JPAC_CALL_MAX_TENSORS 16

JPAC_API jpac_status jpac_call(int32_t op, const jpac_options* options, const double* scalars,
    int32_t count, const jpac_tensor* tensors,
    float* data0, float* data1, float* data2, float* data3,
    float* data4, float* data5, float* data6, float* data7,
    float* data8, float* data9, float* data10, float* data11,
    float* data12, float* data13, float* data14, float* data15);

/* Frees the scratch memory the CPU backend keeps between calls (it keeps
 * up to jpac_scratch_cache_limit bytes of freed temporaries so that steady
 * calls of the same shapes do not fault in fresh pages), then hands the
 * process's freed heap pages back to the system (glibc's malloc_trim: without
 * it, memory freed by the caller's allocator too stays resident). */
JPAC_API void jpac_scratch_trim(void);
/* Sets how many bytes of freed scratch memory may be kept (0: none). */
JPAC_API void jpac_scratch_set_cache_limit(int64_t bytes);
JPAC_API int64_t jpac_scratch_cache_limit(void);
/* Bytes of freed scratch memory kept now. */
JPAC_API int64_t jpac_scratch_cached_bytes(void);

#ifdef __cplusplus
}
#endif

#endif /* JPAC_H */
