// Host side of the untiled kernels (untiled_kernels.cuh): the fallback that
// launch.hpp takes for windows the tiled kernels' registers do not hold (a
// forward above 7x7, a backward above 5x5) and halo tiles that do not fit in
// shared memory. K and dL/dK of a guided call are computed into scratch
// device memory, stream-ordered, and freed when the call returns.
#pragma once
#include <limits>
#include <new>

#include "cuda/kernels/launch_common.hpp"
#include "cuda/kernels/untiled_kernels.cuh"

namespace jpac::cuda {

// Device memory for the duration of one launcher call (NaN-filled under the
// emulator, so that a kernel reading what nobody wrote fails the tests).
class Scratch {
public:
    Scratch(size_t floats, Stream stream) : stream_(stream) {
        if (floats == 0) return;
#if defined(__CUDACC__)
        if (cudaMallocAsync(reinterpret_cast<void**>(&data_), floats * sizeof(float), stream) != cudaSuccess)
            data_ = nullptr;
#else
        data_ = new (std::nothrow) float[floats];
        if (data_ != nullptr)
            for (size_t i = 0; i < floats; ++i) data_[i] = std::numeric_limits<float>::quiet_NaN();
#endif
    }
    ~Scratch() {
        if (data_ == nullptr) return;
#if defined(__CUDACC__)
        cudaFreeAsync(data_, stream_);
#else
        delete[] data_;
#endif
    }
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;
    float* data() const { return data_; }

private:
    float* data_ = nullptr;
    Stream stream_;
};

inline LaunchResult out_of_memory(size_t floats) {
    return {JPAC_ERR_OUT_OF_MEMORY, "CUDA backend: cannot allocate " + std::to_string(floats * sizeof(float)) +
                                  " bytes of scratch memory for the untiled kernels"};
}

// Enough blocks to cover `count` once, at most 8192 (the kernels loop over the rest).
inline dim3 untiled_grid(long long count) {
    const long long blocks = (count + kUntiledThreads - 1) / kUntiledThreads;
    return dim3(unsigned(blocks < 1 ? 1 : blocks > 8192 ? 8192 : blocks));
}

inline size_t kernel_floats(const Geometry& g, int kernel_channels) {
    return size_t(g.batch) * kernel_channels * g.kk() * g.r.out * g.c.out;
}
inline long long kernel_pixels(const Geometry& g, int kernel_channels) {
    return (long long)g.batch * kernel_channels * g.r.out * g.c.out;
}

inline LaunchResult untiled_kernel2d_forward(const Geometry& g, const GuideArgs& a, float* out_kernel,
                                             float* out_mask, Stream stream) {
    JPAC_LAUNCH(untiled_kernel_forward, untiled_grid(kernel_pixels(g, a.kernel_channels)), dim3(kUntiledThreads), 0,
                stream, g, a, out_kernel, out_mask);
    return launch_error();
}

// The gradients in `a` are zeroed by the caller.
inline LaunchResult untiled_kernel2d_backward(const Geometry& g, const GuideArgs& a, const float* grad_kernel,
                                              Stream stream) {
    JPAC_LAUNCH(untiled_kernel_backward, untiled_grid(kernel_pixels(g, a.kernel_channels)), dim3(kUntiledThreads), 0,
                stream, g, a, grad_kernel);
    return launch_error();
}

// K of a convolution for the untiled kernels: the given K, none (null: K = 1),
// or computed from the guide into scratch memory that lives as long as this.
struct ConvKernel {
    Scratch scratch;
    const float* data = nullptr;
    LaunchResult status;

    ConvKernel(const Geometry& g, const GuideArgs& a, Stream stream)
        : scratch(a.guide == nullptr ? 0 : kernel_floats(g, a.kernel_channels), stream), data(a.given) {
        if (a.guide == nullptr) return;
        if (scratch.data() == nullptr) {
            status = out_of_memory(kernel_floats(g, a.kernel_channels));
            return;
        }
        data = scratch.data();
        status = untiled_kernel2d_forward(g, a, scratch.data(), nullptr, stream);
    }
};

inline LaunchResult untiled_forward(const Geometry& g, const GuideArgs& a, const ConvArgs& v, Stream stream) {
    const ConvKernel k(g, a, stream);
    if (k.status.status != JPAC_OK) return k.status;
    JPAC_LAUNCH(untiled_conv_forward, untiled_grid((long long)g.batch * v.co * g.r.out * g.c.out),
                dim3(kUntiledThreads), 0, stream, g, v, k.data, a.kernel_channels);
    return launch_error();
}

// dL/dinput and dL/dK (to a given K's gradient, or on to the guide and the
// kernel's parameters); the gradients are zeroed already.
inline LaunchResult untiled_data_grads(const Geometry& g, const GuideArgs& a, const ConvArgs& v, const float* kernel,
                                       Stream stream) {
    if (v.grad_input) {
        JPAC_LAUNCH(untiled_conv_grad_input, untiled_grid((long long)g.batch * v.ci * g.r.in * g.c.in),
                    dim3(kUntiledThreads), 0, stream, g, v, kernel, a.kernel_channels);
        const LaunchResult r = launch_error();
        if (r.status != JPAC_OK) return r;
    }
    const bool to_guide = a.guide != nullptr && (a.grad_guide || a.grad_alpha || a.grad_lambda || a.grad_smooth);
    if (!to_guide && a.grad_given == nullptr) return {};
    Scratch dk(to_guide ? kernel_floats(g, a.kernel_channels) : 0, stream);
    float* grad_kernel = to_guide ? dk.data() : a.grad_given;
    if (grad_kernel == nullptr) return out_of_memory(kernel_floats(g, a.kernel_channels));
    JPAC_LAUNCH(untiled_conv_grad_kernel, untiled_grid(kernel_pixels(g, a.kernel_channels)), dim3(kUntiledThreads), 0,
                stream, g, v, grad_kernel, a.kernel_channels);
    const LaunchResult r = launch_error();
    if (r.status != JPAC_OK || !to_guide) return r;
    return untiled_kernel2d_backward(g, a, grad_kernel, stream);
}

// dL/dweight, zeroed already.
inline LaunchResult untiled_weight_grad(const Geometry& g, const GuideArgs& a, const ConvArgs& v, const float* kernel,
                                        Stream stream) {
    const long long weights = (long long)(v.shared_filters ? 1 : v.co) * v.ci * g.kk();
    const long long pixels = (long long)g.batch * g.r.out * g.c.out;
    // About 2^18 threads in all (an H200 holds 132 x 2048), each summing at least 64 pixels.
    long long groups = (1LL << 18) / weights;
    groups = groups > pixels / 64 ? pixels / 64 : groups;
    groups = groups < 1 ? 1 : groups;
    JPAC_LAUNCH(untiled_conv_grad_weight, untiled_grid(weights * groups), dim3(kUntiledThreads), 0, stream, g, v,
                kernel, a.kernel_channels, int(groups));
    return launch_error();
}

// The backward of a convolution on the untiled kernels: the data pass (dL/dinput,
// dL/dK and on to the guide) and / or the weight gradient, K computed once for both.
inline LaunchResult untiled_backward(const Geometry& g, const GuideArgs& a, const ConvArgs& v, bool data_pass,
                                     bool weight_pass, Stream stream) {
    const ConvKernel k(g, a, stream);
    LaunchResult r = k.status;
    if (r.status == JPAC_OK && data_pass) r = untiled_data_grads(g, a, v, k.data, stream);
    if (r.status == JPAC_OK && weight_pass) r = untiled_weight_grad(g, a, v, k.data, stream);
    return r;
}

}  // namespace jpac::cuda
