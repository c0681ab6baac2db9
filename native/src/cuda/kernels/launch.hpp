// Host side of the CUDA kernels: builds the geometry from jpac_options and
// the tensors' shapes, zeroes the gradients that kernels add into, picks the
// register size of K and launches. Shared by libjpac_cuda (nvcc, device
// pointers) and the emulated tests (host compiler, host pointers). Arguments
// are validated by libjpac before they get here. What the tiled kernels
// cannot hold (windows above their registers for K, halo tiles above a
// block's shared memory) goes to the untiled kernels (untiled_launch.hpp).
#pragma once
#include <cstring>
#include <string>
#include <type_traits>

#include "jpac.h"
#include "cuda/kernels/conv_gemm_kernels.cuh"
#include "cuda/kernels/conv_kernels.cuh"
#include "cuda/kernels/kernel2d_kernels.cuh"
#include "cuda/kernels/launch_common.hpp"
#include "cuda/kernels/untiled_launch.hpp"

namespace jpac::cuda {

// Registers for K: 9, 25 or 49 floats, the smallest that holds kh * kw, at
// most `largest` (0: too large for the tiled kernels; the untiled kernels take
// those windows). The forward passes go to 49 (7x7); the backward passes, with
// K's gradient in registers too, would spill there and stop at 25.
constexpr int kForwardKmax = 49;
constexpr int kBackwardKmax = 25;
inline int kmax_for(int kk, int largest) {
    const int k = kk <= 9 ? 9 : kk <= 25 ? 25 : kk <= 49 ? 49 : 0;
    return k <= largest ? k : 0;
}

// Calls tiled(std::integral_constant<int, KMAX>) for the register size of kk
// taps, instantiating no size above LARGEST; untiled() for larger windows.
template <int LARGEST, typename Tiled, typename Untiled>
LaunchResult with_kmax(int kk, Tiled&& tiled, Untiled&& untiled) {
    switch (kmax_for(kk, LARGEST)) {
        case 9: return tiled(std::integral_constant<int, 9>{});
        case 25: return tiled(std::integral_constant<int, 25>{});
        case 49:
            if constexpr (LARGEST >= 49) return tiled(std::integral_constant<int, 49>{});
            [[fallthrough]];
        default: return untiled();
    }
}

inline Geometry make_geometry(const jpac_options& o, bool transposed, int batch, int in_h, int in_w, int m) {
    Geometry g{};
    g.batch = batch;
    g.r = make_axis(in_h, o.kernel_h, o.stride_h, o.pad_h, o.dilation_h, o.output_padding_h, transposed, m, kTileY);
    g.c = make_axis(in_w, o.kernel_w, o.stride_w, o.pad_w, o.dilation_w, o.output_padding_w, transposed, m, kTileX);
    return g;
}

inline GuideArgs guide_args(const jpac_options& o, const jpac_tensor* guide, const jpac_tensor* alpha,
                            const jpac_tensor* lambda, const jpac_tensor* smooth, const jpac_tensor* mask) {
    GuideArgs a{};
    a.guide = data(guide);
    a.channels = guide ? dim(guide, 1) : 1;
    a.channel_wise = o.channel_wise;
    a.kernel_channels = o.channel_wise ? a.channels : 1;
    a.inv = o.kernel_type == JPAC_KERNEL_INV;
    a.asym = o.asymmetric;
    a.normalize = o.normalize_kernel;
    a.alpha = data(alpha);
    a.lambda = data(lambda);
    a.inv_params = alpha ? int(numel(alpha)) : 1;
    a.smooth = data(smooth);
    a.mask = data(mask);
    return a;
}

inline int smooth_size(const jpac_tensor* smooth) { return smooth ? dim(smooth, -1) : 0; }

// The most channels per shared tile (up to kMaxChunk) whose block needs at
// most kSharedBudget bytes; 0 when even one channel needs more than a GPU
// block may have (227 KiB).
template <typename Bytes>
int pick_chunk(int channels, Bytes bytes) {
    int c = channels < kMaxChunk ? channels : kMaxChunk;
    if (c < 1) c = 1;
    while (c > 1 && bytes(c) > size_t(kSharedBudget)) --c;
    return bytes(c) <= size_t(227 * 1024) ? c : 0;
}

// Launches `kernel(g, args...)` over the output tiles of `z` images (or image
// and channel blocks). CUDA takes at most 65535 blocks along y and z: z goes
// in slices (the kernels add g.z0 to blockIdx.z); more rows of tiles than y
// holds are refused.
constexpr long long kMaxGridY = 65535;
inline long long max_grid_z() {
#if defined(__CUDACC__)
    return 65535;
#else
    return ::jpac::emu::grid_z_limit();  // lowered by the tests, so that small shapes take slices
#endif
}
template <typename Kernel, typename... Args>
LaunchResult launch_tiles(Kernel kernel, Geometry g, long long z, size_t bytes, Stream stream, const Args&... args) {
    const long long rows = (g.r.out + kTileY - 1) / kTileY, cols = (g.c.out + kTileX - 1) / kTileX;
    if (rows > kMaxGridY)
        return {JPAC_ERR_UNSUPPORTED, "CUDA backend: outputs of at most " + std::to_string(kMaxGridY * kTileY) +
                                          " rows, got " + std::to_string(g.r.out)};
    const long long most = max_grid_z();
    for (long long z0 = 0; z0 < z; z0 += most) {
        g.z0 = int(z0);
        const long long slice = z - z0 < most ? z - z0 : most;
        JPAC_LAUNCH(kernel, dim3(unsigned(cols), unsigned(rows), unsigned(slice)), dim3(kTileX, kTileY), bytes, stream,
                    g, args...);
        const LaunchResult r = launch_error();
        if (r.status != JPAC_OK) return r;
    }
    return {};
}

// ---- kernel2d -------------------------------------------------------------

inline LaunchResult kernel2d_forward(const jpac_options& o, const jpac_tensor* guide, const jpac_tensor* alpha,
                                     const jpac_tensor* lambda, const jpac_tensor* smooth, const jpac_tensor* mask,
                                     const jpac_tensor* out_kernel, const jpac_tensor* out_mask, Stream stream) {
    const bool tr = o.transposed != 0;
    const int gh = dim(guide, 2), gw = dim(guide, 3);
    const int in_h = tr ? transposed_in_size(gh, o.kernel_h, o.stride_h, o.pad_h, o.dilation_h, o.output_padding_h) : gh;
    const int in_w = tr ? transposed_in_size(gw, o.kernel_w, o.stride_w, o.pad_w, o.dilation_w, o.output_padding_w) : gw;
    const Geometry g = make_geometry(o, tr, dim(guide, 0), in_h, in_w, smooth_size(smooth));
    const GuideArgs a = guide_args(o, guide, alpha, lambda, smooth, mask);
    if (g.r.out <= 0 || g.c.out <= 0) return {};
    auto untiled = [&] {
        return untiled_kernel2d_forward(g, a, mutable_data(out_kernel), mutable_data(out_mask), stream);
    };
    GuideArgs ac = a;
    return with_kmax<kForwardKmax>(g.kk(), [&](auto kmax) {
        constexpr int KMAX = decltype(kmax)::value;
        ac.chunk = pick_chunk(a.channel_wise ? 1 : a.channels,
                              [&](int c) { return kernel2d_forward_shared_bytes(g, c, KMAX); });
        if (ac.chunk == 0) return untiled();
        const size_t bytes = kernel2d_forward_shared_bytes(g, ac.chunk, KMAX);
        JPAC_ALLOW_SHARED(kernel2d_forward_kernel<KMAX>, bytes);
        return launch_tiles(kernel2d_forward_kernel<KMAX>, g, (long long)g.batch * a.kernel_channels, bytes, stream,
                            ac, mutable_data(out_kernel), mutable_data(out_mask));
    }, untiled);
}

inline LaunchResult kernel2d_backward(const jpac_options& o, const jpac_tensor* guide, const jpac_tensor* alpha,
                                      const jpac_tensor* lambda, const jpac_tensor* smooth, const jpac_tensor* mask,
                                      const jpac_tensor* grad_kernel, const jpac_tensor* grad_guide,
                                      const jpac_tensor* grad_alpha, const jpac_tensor* grad_lambda,
                                      const jpac_tensor* grad_smooth, Stream stream) {
    const bool tr = o.transposed != 0;
    const int gh = dim(guide, 2), gw = dim(guide, 3);
    const int in_h = tr ? transposed_in_size(gh, o.kernel_h, o.stride_h, o.pad_h, o.dilation_h, o.output_padding_h) : gh;
    const int in_w = tr ? transposed_in_size(gw, o.kernel_w, o.stride_w, o.pad_w, o.dilation_w, o.output_padding_w) : gw;
    const Geometry g = make_geometry(o, tr, dim(guide, 0), in_h, in_w, smooth_size(smooth));
    GuideArgs a = guide_args(o, guide, alpha, lambda, smooth, mask);
    a.grad_guide = mutable_data(grad_guide);
    a.grad_alpha = mutable_data(grad_alpha);
    a.grad_lambda = mutable_data(grad_lambda);
    a.grad_smooth = mutable_data(grad_smooth);
    for (const jpac_tensor* t : {grad_guide, grad_alpha, grad_lambda, grad_smooth})
        zero_floats(mutable_data(t), numel(t), stream);
    if (g.r.out <= 0 || g.c.out <= 0) return {};
    auto untiled = [&] { return untiled_kernel2d_backward(g, a, data(grad_kernel), stream); };
    return with_kmax<kBackwardKmax>(g.kk(), [&](auto kmax) {
        constexpr int KMAX = decltype(kmax)::value;
        a.chunk = pick_chunk(a.channel_wise ? 1 : a.channels,
                             [&](int c) { return kernel2d_backward_shared_bytes(g, c, KMAX); });
        if (a.chunk == 0) return untiled();
        const size_t bytes = kernel2d_backward_shared_bytes(g, a.chunk, KMAX);
        JPAC_ALLOW_SHARED(kernel2d_backward_kernel<KMAX>, bytes);
        return launch_tiles(kernel2d_backward_kernel<KMAX>, g, (long long)g.batch * a.kernel_channels, bytes, stream,
                            a, data(grad_kernel));
    }, untiled);
}

// ---- conv2d / conv_transpose2d, with a given K or guided ---------------------

struct ConvCall {
    const jpac_options* options;
    bool transposed;
    bool pool;  // pool2d: no weight, K with 1 or C channels
    const jpac_tensor *input, *weight, *bias;
    // K: given, or computed from the guide (with alpha, lambda, smooth).
    const jpac_tensor *kernel, *guide, *alpha, *lambda, *smooth;
};

inline ConvArgs conv_args(const ConvCall& c) {
    ConvArgs v{};
    v.input = data(c.input);
    v.weight = data(c.weight);
    v.bias = data(c.bias);
    v.ci = dim(c.input, 1);
    v.shared_filters = c.pool || c.options->shared_filters;
    v.transposed_weight = c.transposed;
    v.pool = c.pool;
    // pool2d's K has one channel per input channel when given so, or channel_wise.
    v.per_channel = c.pool && (c.kernel ? dim(c.kernel, 1) > 1 : c.options->channel_wise != 0);
    v.co = v.shared_filters ? v.ci : (c.transposed ? dim(c.weight, 1) : dim(c.weight, 0));
    if (c.pool) v.weight = nullptr;
    return v;
}

inline GuideArgs conv_guide_args(const ConvCall& c) {
    jpac_options o = *c.options;
    o.transposed = c.transposed;
    if (!c.pool) o.channel_wise = 0;  // conv uses one kernel channel
    GuideArgs a = guide_args(o, c.guide, c.alpha, c.lambda, c.smooth, nullptr);
    a.given = data(c.kernel);
    if (c.kernel) a.kernel_channels = dim(c.kernel, 1);
    return a;
}

// Channels per tile for the guide and the input (the backward data pass
// holds a gradient tile too); false when one channel does not fit.
template <int KMAX>
bool choose_chunks(const Geometry& g, GuideArgs& a, ConvArgs& v, bool backward) {
    auto bytes = [&](int c) { return conv_shared_bytes(g, c, 1, KMAX, backward); };
    a.chunk = a.guide == nullptr ? 1 : pick_chunk(a.channels, bytes);
    v.chunk = pick_chunk(v.ci, [&](int c) { return conv_shared_bytes(g, 0, c, KMAX, backward); });
    return a.chunk > 0 && v.chunk > 0;
}

// Guide channels per tile and input channels per GEMM stage within a block's
// shared memory (`bytes(guide_chunk, in_chunk)`); false when one does not fit.
template <typename Bytes>
bool choose_gemm_chunks(const Geometry& g, GuideArgs& a, ConvArgs& v, Bytes bytes, int rows = kGemmRows) {
    a.chunk = a.guide == nullptr ? 1 : pick_chunk(a.channels, [&](int c) { return bytes(c, 1); });
    const int most = v.ci < gemm_channels_max(g.kk(), rows) ? v.ci : gemm_channels_max(g.kk(), rows);
    v.chunk = pick_chunk(most, [&](int c) { return bytes(0, c); });
    return a.chunk > 0 && v.chunk > 0;
}

// A convolution with its own filters: the register-blocked GEMM forward, 32
// output channels per block, or 64 (the wide kernel) for more than 32.
inline LaunchResult conv_forward_gemm(const Geometry& g, GuideArgs a, ConvArgs v, Stream stream) {
    auto untiled = [&] { return untiled_forward(g, a, v, stream); };
    return with_kmax<kForwardKmax>(g.kk(), [&](auto kmax) {
        constexpr int KMAX = decltype(kmax)::value;
        const int out = v.co > kGemmOut ? kGemmOutWide : kGemmOut;
        auto bytes = [&](int guide_chunk, int in_chunk) {
            return gemm_forward_shared_bytes(g, guide_chunk, in_chunk, KMAX, out);
        };
        if (!choose_gemm_chunks(g, a, v, bytes)) return untiled();
        const size_t total = bytes(a.guide == nullptr ? 0 : a.chunk, v.chunk);
        auto* kernel = out == kGemmOutWide ? conv_forward_gemm_wide_kernel<KMAX> : conv_forward_gemm_kernel<KMAX>;
        JPAC_ALLOW_SHARED(kernel, total);
        return launch_tiles(kernel, g, (long long)g.batch * ((v.co + out - 1) / out), total, stream, a, v);
    }, untiled);
}

// dL/dweight of a convolution with its own filters (the register-blocked GEMM);
// the gradient is zeroed already.
template <int KMAX>
LaunchResult conv_weight_grad_gemm(const Geometry& g, GuideArgs a, ConvArgs v, Stream stream) {
    auto bytes = [&](int guide_chunk, int in_chunk) {
        return gemm_weight_shared_bytes(g, guide_chunk, in_chunk, KMAX);
    };
    if (!choose_gemm_chunks(g, a, v, bytes)) return untiled_backward(g, a, v, false, true, stream);
    const size_t total = bytes(a.guide == nullptr ? 0 : a.chunk, v.chunk);
    const long long tiles = (long long)g.batch * ((g.r.out + kTileY - 1) / kTileY) * ((g.c.out + kTileX - 1) / kTileX);
    const int outputs = (v.co + kWgOut - 1) / kWgOut * ((v.ci + v.chunk - 1) / v.chunk);
    // About 1024 blocks in all: enough to fill any GPU, few enough that each sums
    // many tiles in registers before its one round of atomics.
    long long groups = 1024 / outputs;
    groups = groups < 1 ? 1 : groups > tiles ? tiles : groups;
    JPAC_ALLOW_SHARED(conv_weight_grad_gemm_kernel<KMAX>, total);
    JPAC_LAUNCH(conv_weight_grad_gemm_kernel<KMAX>, dim3(unsigned(outputs), unsigned(groups)), dim3(kTileX, kTileY),
                total, stream, g, a, v, int(groups));
    return launch_error();
}

// dL/dinput and dL/dK (and on to the guide) of a convolution with its own
// filters (the register-blocked GEMM); the gradients are zeroed already.
template <int KMAX>
LaunchResult conv_data_grad_gemm(const Geometry& g, GuideArgs a, ConvArgs v, Stream stream) {
    auto bytes = [&](int guide_chunk, int in_chunk) {
        return gemm_data_shared_bytes(g, guide_chunk, in_chunk, KMAX, v.co);
    };
    if (!choose_gemm_chunks(g, a, v, bytes, kDgRows)) return untiled_backward(g, a, v, true, false, stream);
    const size_t total = bytes(a.guide == nullptr ? 0 : a.chunk, v.chunk);
    JPAC_ALLOW_SHARED(conv_data_grad_gemm_kernel<KMAX>, total);
    return launch_tiles(conv_data_grad_gemm_kernel<KMAX>, g, g.batch, total, stream, a, v);
}

inline LaunchResult conv_forward(const ConvCall& c, const jpac_tensor* output, Stream stream) {
    const Geometry g = make_geometry(*c.options, c.transposed, dim(c.input, 0), dim(c.input, 2), dim(c.input, 3),
                                     smooth_size(c.smooth));
    GuideArgs a = conv_guide_args(c);
    ConvArgs v = conv_args(c);
    v.output = mutable_data(output);
    if (g.r.out <= 0 || g.c.out <= 0) return {};
    if (!v.shared_filters && !v.per_channel) return conv_forward_gemm(g, a, v, stream);
    const int blocks = v.per_channel ? v.co : (v.co + kOutBlock - 1) / kOutBlock;
    auto untiled = [&] { return untiled_forward(g, a, v, stream); };
    return with_kmax<kForwardKmax>(g.kk(), [&](auto kmax) {
        constexpr int KMAX = decltype(kmax)::value;
        if (!choose_chunks<KMAX>(g, a, v, false)) return untiled();
        const size_t bytes = conv_shared_bytes(g, a.guide == nullptr ? 0 : a.chunk, v.chunk, KMAX, false);
        JPAC_ALLOW_SHARED(conv_forward_kernel<KMAX>, bytes);
        return launch_tiles(conv_forward_kernel<KMAX>, g, (long long)g.batch * blocks, bytes, stream, a, v);
    }, untiled);
}

struct ConvGrads {
    const jpac_tensor *grad_input, *grad_weight, *grad_bias;
    const jpac_tensor* grad_kernel;  // a given K's gradient
    const jpac_tensor *grad_guide, *grad_alpha, *grad_lambda, *grad_smooth;
};

inline LaunchResult conv_backward(const ConvCall& c, const jpac_tensor* grad_output, const ConvGrads& d,
                                  Stream stream) {
    const Geometry g = make_geometry(*c.options, c.transposed, dim(c.input, 0), dim(c.input, 2), dim(c.input, 3),
                                     smooth_size(c.smooth));
    GuideArgs a = conv_guide_args(c);
    a.grad_given = mutable_data(d.grad_kernel);
    a.grad_guide = mutable_data(d.grad_guide);
    a.grad_alpha = mutable_data(d.grad_alpha);
    a.grad_lambda = mutable_data(d.grad_lambda);
    a.grad_smooth = mutable_data(d.grad_smooth);
    ConvArgs v = conv_args(c);
    v.grad_output = data(grad_output);
    v.grad_input = mutable_data(d.grad_input);
    v.grad_weight = mutable_data(d.grad_weight);
    v.grad_bias = mutable_data(d.grad_bias);
    for (const jpac_tensor* t : {d.grad_input, d.grad_weight, d.grad_kernel, d.grad_guide, d.grad_alpha,
                                 d.grad_lambda, d.grad_smooth})
        zero_floats(mutable_data(t), numel(t), stream);
    if (g.r.out <= 0 || g.c.out <= 0) {
        zero_floats(v.grad_bias, numel(d.grad_bias), stream);
        return {};
    }
    if (v.grad_bias) {
        JPAC_LAUNCH(bias_grad_kernel, dim3(unsigned(v.co)), dim3(kThreads), kThreads / 32 * sizeof(float), stream,
                    v.grad_output, g.batch, v.co, g.r.out * g.c.out, v.grad_bias);
        LaunchResult r = launch_error();
        if (r.status != JPAC_OK) return r;
    }
    const bool data_pass = v.grad_input || a.grad_given || a.grad_guide || a.grad_alpha || a.grad_lambda ||
                           a.grad_smooth;
    auto untiled = [&] { return untiled_backward(g, a, v, data_pass, v.grad_weight != nullptr, stream); };
    return with_kmax<kBackwardKmax>(g.kk(), [&](auto kmax) {
        constexpr int KMAX = decltype(kmax)::value;
        const bool own_filters = !v.shared_filters && !v.per_channel;
        if (data_pass && own_filters) {
            LaunchResult r = conv_data_grad_gemm<KMAX>(g, a, v, stream);
            if (r.status != JPAC_OK) return r;
        }
        if (own_filters) return v.grad_weight ? conv_weight_grad_gemm<KMAX>(g, a, v, stream) : LaunchResult{};
        if (!choose_chunks<KMAX>(g, a, v, true)) return untiled();
        if (data_pass) {
            const size_t bytes = conv_shared_bytes(g, a.guide == nullptr ? 0 : a.chunk, v.chunk, KMAX, true);
            JPAC_ALLOW_SHARED(conv_backward_data_kernel<KMAX>, bytes);
            const LaunchResult r = launch_tiles(conv_backward_data_kernel<KMAX>, g,
                                                (long long)g.batch * (v.per_channel ? v.ci : 1), bytes, stream, a, v);
            if (r.status != JPAC_OK) return r;
        }
        if (v.grad_weight) {
            const size_t bytes = conv_shared_bytes(g, a.guide == nullptr ? 0 : a.chunk, v.chunk, KMAX, false);
            JPAC_ALLOW_SHARED(conv_backward_weight_kernel<KMAX>, bytes);
            return launch_tiles(conv_backward_weight_kernel<KMAX>, g, g.batch, bytes, stream, a, v);
        }
        return LaunchResult{};
    }, untiled);
}

}  // namespace jpac::cuda
