// libjpac_cuda: the C ABI of jpac_cuda.h over the kernels' host launchers.
// nvcc builds it into libjpac_cuda.so; the host compiler builds the same file
// into libjpac_cuda_emu.so (cuda/emu/jpac_cuda_emu.cpp), over the emulated
// runtime calls and the kernel emulator, for the tests of the dispatch path.
#include "cuda/jpac_cuda.h"

#if !defined(__CUDACC__)
#include "cuda/emu/cuda_runtime_emu.hpp"
#endif

#include <cstdio>
#include <exception>
#include <string>

#include "cuda/kernels/launch.hpp"
#include "cuda/kernels/std_launch.hpp"

namespace {

using jpac::cuda::LaunchResult;

void write_message(const std::string& message, char* out, int64_t capacity) {
    if (out == nullptr || capacity <= 0) return;
    std::snprintf(out, size_t(capacity), "%s", message.c_str());
}

// Runs a launch on this thread's default stream, waits for it, and maps
// every failure (CUDA's or a C++ exception) to a status and message.
template <typename F>
jpac_status run(char* error, int64_t capacity, F&& launch) {
    try {
        // A failure of an earlier call on this thread (an allocation refused for
        // lack of memory) stays CUDA's last error until read: this call's launch
        // checks would report it as theirs.
        (void)cudaGetLastError();
        LaunchResult r = launch();
        if (r.status == JPAC_OK) {
            const cudaError_t e = cudaStreamSynchronize(cudaStreamPerThread);
            if (e != cudaSuccess) r = {JPAC_ERR_BACKEND, std::string("CUDA: ") + cudaGetErrorString(e)};
        }
        if (r.status != JPAC_OK) write_message(r.message, error, capacity);
        return r.status;
    } catch (const std::bad_alloc&) {
        write_message("out of host memory", error, capacity);
        return JPAC_ERR_OUT_OF_MEMORY;
    } catch (const std::exception& e) {
        write_message(e.what(), error, capacity);
        return JPAC_ERR_INTERNAL;
    } catch (...) {
        write_message("unknown error in the CUDA backend", error, capacity);
        return JPAC_ERR_INTERNAL;
    }
}

LaunchResult cuda_result(cudaError_t e) {
    if (e == cudaSuccess) return {};
    return {e == cudaErrorMemoryAllocation ? JPAC_ERR_OUT_OF_MEMORY : JPAC_ERR_BACKEND,
            std::string("CUDA: ") + cudaGetErrorString(e)};
}

// run() on the device of the call's tensors (libjpac checked that they share
// one): kernels launch on the thread's current device, which an earlier call
// may have left on another GPU, whose kernels would fault on this memory.
template <typename F>
jpac_status run_on(const jpac_tensor* tensor, char* error, int64_t capacity, F&& launch) {
    return run(error, capacity, [&] {
        const LaunchResult r = cuda_result(cudaSetDevice(tensor != nullptr ? tensor->device_index : 0));
        return r.status != JPAC_OK ? r : launch();
    });
}

const jpac::cuda::Stream kStream = cudaStreamPerThread;

}  // namespace

extern "C" {

JPAC_API int32_t jpac_cuda_emulated(void) {
#if defined(__CUDACC__)
    return 0;
#else
    return 1;
#endif
}

JPAC_API int32_t jpac_cuda_device_count(char* reason, int64_t reason_capacity) {
    try {
        int count = 0;
        const cudaError_t e = cudaGetDeviceCount(&count);
        if (e != cudaSuccess) {
            std::string why = std::string("CUDA: ") + cudaGetErrorString(e);
#if defined(__CUDACC__)
            if (e == cudaErrorInsufficientDriver)
                why = "no usable NVIDIA driver (libcuda.so.1 missing or older than CUDA " +
                      std::to_string(CUDART_VERSION / 1000) + "." + std::to_string(CUDART_VERSION % 1000 / 10) +
                      " needs): " + why;
            else if (e == cudaErrorNoDevice)
                why = "no CUDA device: " + why;
#endif
            write_message(why, reason, reason_capacity);
            return 0;
        }
        if (count == 0) write_message("no CUDA device", reason, reason_capacity);
        return count;
    } catch (...) {
        write_message("the CUDA device query failed", reason, reason_capacity);
        return 0;
    }
}

JPAC_API jpac_status jpac_cuda_malloc(int32_t device, int64_t bytes, int32_t zero, float** out, char* error,
                                      int64_t cap) {
    return run(error, cap, [&] {
        LaunchResult r = cuda_result(cudaSetDevice(device));
        if (r.status != JPAC_OK) return r;
        void* p = nullptr;
        r = cuda_result(cudaMalloc(&p, size_t(bytes)));
        if (r.status == JPAC_OK && zero) r = cuda_result(cudaMemsetAsync(p, 0, size_t(bytes), kStream));
        if (r.status != JPAC_OK && p != nullptr) {
            cudaFree(p);
            p = nullptr;
        }
        *out = static_cast<float*>(p);
        return r;
    });
}

JPAC_API jpac_status jpac_cuda_free(int32_t device, float* data, char* error, int64_t cap) {
    return run(error, cap, [&] {
        LaunchResult r = cuda_result(cudaSetDevice(device));
        return r.status != JPAC_OK ? r : cuda_result(cudaFree(data));
    });
}

JPAC_API jpac_status jpac_cuda_copy(int32_t device, void* dst, const void* src, int64_t bytes, int32_t kind,
                                    char* error, int64_t cap) {
    return run(error, cap, [&] {
        LaunchResult r = cuda_result(cudaSetDevice(device));
        if (r.status != JPAC_OK) return r;
        const cudaMemcpyKind k = kind == 0 ? cudaMemcpyHostToDevice
                                 : kind == 1 ? cudaMemcpyDeviceToHost
                                             : cudaMemcpyDeviceToDevice;
        return cuda_result(cudaMemcpyAsync(dst, src, size_t(bytes), k, kStream));
    });
}

JPAC_API jpac_status jpac_cuda_kernel2d_forward(const jpac_options* o, const jpac_tensor* guide,
                                                const jpac_tensor* alpha, const jpac_tensor* lambda,
                                                const jpac_tensor* smooth, const jpac_tensor* mask,
                                                const jpac_tensor* out_kernel, const jpac_tensor* out_mask,
                                                char* error, int64_t cap) {
    return run_on(guide, error, cap, [&] {
        return jpac::cuda::kernel2d_forward(*o, guide, alpha, lambda, smooth, mask, out_kernel, out_mask, kStream);
    });
}

JPAC_API jpac_status jpac_cuda_kernel2d_backward(const jpac_options* o, const jpac_tensor* guide,
                                                 const jpac_tensor* alpha, const jpac_tensor* lambda,
                                                 const jpac_tensor* smooth, const jpac_tensor* mask,
                                                 const jpac_tensor* grad_kernel, const jpac_tensor* grad_guide,
                                                 const jpac_tensor* grad_alpha, const jpac_tensor* grad_lambda,
                                                 const jpac_tensor* grad_smooth, char* error, int64_t cap) {
    return run_on(guide, error, cap, [&] {
        return jpac::cuda::kernel2d_backward(*o, guide, alpha, lambda, smooth, mask, grad_kernel, grad_guide,
                                             grad_alpha, grad_lambda, grad_smooth, kStream);
    });
}

JPAC_API jpac_status jpac_cuda_conv_forward(const jpac_options* o, int32_t transposed, const jpac_tensor* input,
                                            const jpac_tensor* kernel, const jpac_tensor* weight,
                                            const jpac_tensor* bias, const jpac_tensor* output, char* error,
                                            int64_t cap) {
    return run_on(input, error, cap, [&] {
        const jpac::cuda::ConvCall c{o, transposed != 0, false, input, weight, bias, kernel, nullptr, nullptr, nullptr, nullptr};
        return jpac::cuda::conv_forward(c, output, kStream);
    });
}

JPAC_API jpac_status jpac_cuda_conv_backward(const jpac_options* o, int32_t transposed, const jpac_tensor* input,
                                             const jpac_tensor* kernel, const jpac_tensor* weight,
                                             const jpac_tensor* grad_output, const jpac_tensor* grad_input,
                                             const jpac_tensor* grad_kernel, const jpac_tensor* grad_weight,
                                             const jpac_tensor* grad_bias, char* error, int64_t cap) {
    return run_on(input, error, cap, [&] {
        const jpac::cuda::ConvCall c{o, transposed != 0, false, input, weight, nullptr, kernel, nullptr, nullptr, nullptr, nullptr};
        const jpac::cuda::ConvGrads d{grad_input, grad_weight, grad_bias, grad_kernel, nullptr, nullptr, nullptr, nullptr};
        return jpac::cuda::conv_backward(c, grad_output, d, kStream);
    });
}

JPAC_API jpac_status jpac_cuda_conv_guided_forward(const jpac_options* o, int32_t transposed,
                                                   const jpac_tensor* input, const jpac_tensor* guide,
                                                   const jpac_tensor* alpha, const jpac_tensor* lambda,
                                                   const jpac_tensor* smooth, const jpac_tensor* weight,
                                                   const jpac_tensor* bias, const jpac_tensor* output, char* error,
                                                   int64_t cap) {
    return run_on(input, error, cap, [&] {
        const jpac::cuda::ConvCall c{o, transposed != 0, false, input, weight, bias, nullptr, guide, alpha, lambda, smooth};
        return jpac::cuda::conv_forward(c, output, kStream);
    });
}

JPAC_API jpac_status jpac_cuda_conv_guided_backward(
    const jpac_options* o, int32_t transposed, const jpac_tensor* input, const jpac_tensor* guide,
    const jpac_tensor* alpha, const jpac_tensor* lambda, const jpac_tensor* smooth, const jpac_tensor* weight,
    const jpac_tensor* grad_output, const jpac_tensor* grad_input, const jpac_tensor* grad_guide,
    const jpac_tensor* grad_weight, const jpac_tensor* grad_bias, const jpac_tensor* grad_alpha,
    const jpac_tensor* grad_lambda, const jpac_tensor* grad_smooth, char* error, int64_t cap) {
    return run_on(input, error, cap, [&] {
        const jpac::cuda::ConvCall c{o, transposed != 0, false, input, weight, nullptr, nullptr, guide, alpha, lambda, smooth};
        const jpac::cuda::ConvGrads d{grad_input, grad_weight, grad_bias, nullptr, grad_guide, grad_alpha, grad_lambda,
                                      grad_smooth};
        return jpac::cuda::conv_backward(c, grad_output, d, kStream);
    });
}

JPAC_API jpac_status jpac_cuda_pool_forward(const jpac_options* o, const jpac_tensor* input,
                                            const jpac_tensor* kernel, const jpac_tensor* guide,
                                            const jpac_tensor* alpha, const jpac_tensor* lambda,
                                            const jpac_tensor* smooth, const jpac_tensor* output, char* error,
                                            int64_t cap) {
    return run_on(input, error, cap, [&] {
        const jpac::cuda::ConvCall c{o, false, true, input, nullptr, nullptr, kernel, guide, alpha, lambda, smooth};
        return jpac::cuda::conv_forward(c, output, kStream);
    });
}

JPAC_API jpac_status jpac_cuda_pool_backward(const jpac_options* o, const jpac_tensor* input,
                                             const jpac_tensor* kernel, const jpac_tensor* guide,
                                             const jpac_tensor* alpha, const jpac_tensor* lambda,
                                             const jpac_tensor* smooth, const jpac_tensor* grad_output,
                                             const jpac_tensor* grad_input, const jpac_tensor* grad_kernel,
                                             const jpac_tensor* grad_guide, const jpac_tensor* grad_alpha,
                                             const jpac_tensor* grad_lambda, const jpac_tensor* grad_smooth,
                                             char* error, int64_t cap) {
    return run_on(input, error, cap, [&] {
        const jpac::cuda::ConvCall c{o, false, true, input, nullptr, nullptr, kernel, guide, alpha, lambda, smooth};
        const jpac::cuda::ConvGrads d{grad_input, nullptr, nullptr, grad_kernel, grad_guide, grad_alpha, grad_lambda,
                                      grad_smooth};
        return jpac::cuda::conv_backward(c, grad_output, d, kStream);
    });
}


JPAC_API jpac_status jpac_cuda_std_conv_forward(const jpac_options* o, const jpac_tensor* input,
                                                const jpac_tensor* weight, const jpac_tensor* bias,
                                                const jpac_tensor* output, char* error, int64_t cap) {
    return run_on(input, error, cap, [&] {
        return jpac::cuda::std_conv_forward(*o, input, weight, bias, output, kStream);
    });
}

JPAC_API jpac_status jpac_cuda_std_conv_backward(const jpac_options* o, const jpac_tensor* input,
                                                 const jpac_tensor* weight, const jpac_tensor* grad_output,
                                                 const jpac_tensor* grad_input, const jpac_tensor* grad_weight,
                                                 const jpac_tensor* grad_bias, char* error, int64_t cap) {
    return run_on(input, error, cap, [&] {
        return jpac::cuda::std_conv_backward(*o, input, weight, grad_output, grad_input, grad_weight, grad_bias,
                                             kStream);
    });
}

JPAC_API jpac_status jpac_cuda_relu_forward(const jpac_tensor* input, const jpac_tensor* output, char* error,
                                            int64_t cap) {
    return run_on(input, error, cap, [&] { return jpac::cuda::relu_forward(input, output, kStream); });
}

JPAC_API jpac_status jpac_cuda_relu_backward(const jpac_tensor* input, const jpac_tensor* grad_output,
                                             const jpac_tensor* grad_input, char* error, int64_t cap) {
    return run_on(input, error, cap, [&] {
        return jpac::cuda::relu_backward(input, grad_output, grad_input, kStream);
    });
}

JPAC_API jpac_status jpac_cuda_resize_bilinear_forward(const jpac_tensor* input, double scale_h, double scale_w,
                                                       const jpac_tensor* output, char* error, int64_t cap) {
    return run_on(input, error, cap,
               [&] { return jpac::cuda::resize_bilinear_forward(input, scale_h, scale_w, output, kStream); });
}

JPAC_API jpac_status jpac_cuda_resize_bilinear_backward(const jpac_tensor* grad_output, double scale_h,
                                                        double scale_w, const jpac_tensor* grad_input, char* error,
                                                        int64_t cap) {
    return run_on(grad_output, error, cap, [&] {
        return jpac::cuda::resize_bilinear_backward(grad_output, scale_h, scale_w, grad_input, kStream);
    });
}

JPAC_API jpac_status jpac_cuda_avg_pool2d_forward(const jpac_options* o, const jpac_tensor* input,
                                                  const jpac_tensor* output, char* error, int64_t cap) {
    return run_on(input, error, cap, [&] { return jpac::cuda::avg_pool_forward(*o, input, output, kStream); });
}

JPAC_API jpac_status jpac_cuda_avg_pool2d_backward(const jpac_options* o, const jpac_tensor* grad_output,
                                                   const jpac_tensor* grad_input, char* error, int64_t cap) {
    return run_on(grad_output, error, cap, [&] {
        return jpac::cuda::avg_pool_backward(*o, grad_output, grad_input, kStream);
    });
}

JPAC_API jpac_status jpac_cuda_softmax_forward(const jpac_tensor* input, int32_t log_softmax,
                                               const jpac_tensor* output, char* error, int64_t cap) {
    return run_on(input, error, cap, [&] { return jpac::cuda::softmax_forward(input, log_softmax, output, kStream); });
}

JPAC_API jpac_status jpac_cuda_softmax_backward(const jpac_tensor* output, const jpac_tensor* grad_output,
                                                int32_t log_softmax, const jpac_tensor* grad_input, char* error,
                                                int64_t cap) {
    return run_on(output, error, cap, [&] {
        return jpac::cuda::softmax_backward(output, grad_output, log_softmax, grad_input, kStream);
    });
}

JPAC_API jpac_status jpac_cuda_batch_norm_inference(const jpac_tensor* input, const jpac_tensor* mean,
                                                    const jpac_tensor* var, const jpac_tensor* weight,
                                                    const jpac_tensor* bias, float eps, const jpac_tensor* output,
                                                    char* error, int64_t cap) {
    return run_on(input, error, cap, [&] {
        return jpac::cuda::batch_norm_inference(input, mean, var, weight, bias, eps, output, kStream);
    });
}

JPAC_API jpac_status jpac_cuda_axpby(float alpha, const jpac_tensor* x, float beta, const jpac_tensor* y,
                                     const jpac_tensor* output, char* error, int64_t cap) {
    return run_on(x, error, cap, [&] { return jpac::cuda::axpby(alpha, x, beta, y, output, kStream); });
}

JPAC_API jpac_status jpac_cuda_copy_channels(const jpac_tensor* input, int64_t from, int64_t count,
                                             const jpac_tensor* output, int64_t to, char* error, int64_t cap) {
    return run_on(input, error, cap, [&] {
        return jpac::cuda::copy_channels(input, from, count, output, to, kStream);
    });
}

JPAC_API jpac_status jpac_cuda_crop2d_forward(const jpac_tensor* input, int64_t top, int64_t left,
                                              const jpac_tensor* output, char* error, int64_t cap) {
    return run_on(input, error, cap, [&] { return jpac::cuda::crop(input, top, left, output, true, kStream); });
}

JPAC_API jpac_status jpac_cuda_crop2d_backward(const jpac_tensor* grad_output, int64_t top, int64_t left,
                                               const jpac_tensor* grad_input, char* error, int64_t cap) {
    return run_on(grad_output, error, cap, [&] {
        return jpac::cuda::crop(grad_input, top, left, grad_output, false, kStream);
    });
}

}  // extern "C"
