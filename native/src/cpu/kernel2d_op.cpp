#include "cpu/kernel2d_op.hpp"

#include <vector>

#include "cpu/kernel_source.hpp"
#include "cpu/parallel.hpp"

namespace jpac::cpu {

namespace {
int kernel_tile(const Plan& plan) { return int(std::min<int64_t>(plan.out_pixels(), 256)); }
}

void kernel2d_forward(const Plan& plan, const KernelSpec& spec, float* out_kernel, float* out_mask) {
    AdaptiveKernel adaptive(plan, spec);
    KernelSource src;
    src.adaptive = &adaptive;
    src.channels = spec.kernel_channels();
    const int T = kernel_tile(plan);
    const int64_t px = plan.out_pixels(), rows = int64_t(src.channels) * plan.kk();
    std::vector<TileWorkspace> ws(threads());
    for (TileWorkspace& w : ws) w.reserve(plan, src, &spec, T);
    for_each_tile(plan.batch, px, T, [&](int64_t n, int64_t t0, int len, int tid) {
        TileWorkspace& w = ws[tid];
        tap_offsets(plan, t0, len, w.in_offsets(), w.guide_offsets());
        TileView K{out_kernel + n * rows * px + t0, px};
        // the output mask has one channel unless normalised per channel ([B, ck or 1, 1, 1, Ho, Wo])
        TileView M{out_mask ? out_mask + n * (spec.normalize ? src.channels : 1) * px + t0 : nullptr, px};
        adaptive.forward(n, t0, len, w.in_offsets(), w.guide_offsets(), K, M, w.kernel);
    });
}

void kernel2d_backward(const Plan& plan, const KernelSpec& spec, const float* grad_kernel,
                       float* grad_guide, float* grad_alpha, float* grad_lambda, float* grad_smooth) {
    AdaptiveKernel adaptive(plan, spec);
    KernelSource src;
    src.adaptive = &adaptive;
    src.channels = spec.kernel_channels();
    const int T = kernel_tile(plan);
    const int64_t px = plan.out_pixels(), rows = int64_t(src.channels) * plan.kk();
    std::vector<TileWorkspace> ws(threads());
    for (TileWorkspace& w : ws) w.reserve(plan, src, &spec, T);
    if (grad_guide)
        std::fill(grad_guide, grad_guide + plan.batch * spec.guide_channels * plan.guide_pixels(), 0.f);
    for_each_tile_scatter_safe(plan, T, [&](int64_t n, int64_t t0, int len, int tid) {
        TileWorkspace& w = ws[tid];
        tap_offsets(plan, t0, len, w.in_offsets(), w.guide_offsets());
        TileView gK{const_cast<float*>(grad_kernel) + n * rows * px + t0, px};
        adaptive.backward(n, t0, len, w.in_offsets(), w.guide_offsets(), gK, grad_guide, w.kernel);
    });
    reduce_kernel_grads(ws, [](const TileWorkspace& w) -> const KernelWorkspace& { return w.kernel; },
                        spec, grad_alpha, grad_lambda, grad_smooth);
}

}  // namespace jpac::cpu
