#include "cpu/kernel_source.hpp"

#include <vector>

namespace jpac::cpu {

void TileWorkspace::reserve(const Plan& plan, const KernelSource& src, const KernelSpec* spec, int T) {
    const size_t kk = plan.kk();
    in_off.resize(kk * T);
    guide_off.resize(kk * T);
    if (src.adaptive != nullptr) {
        K.resize(src.channels * kk * T);
        grad_K.resize(src.channels * kk * T);
        kernel.reserve(plan, *spec, T);
    }
}

TileView tile_kernel(const Plan& plan, const KernelSource& src, int64_t n, int64_t t0, int T,
                     TileWorkspace& ws) {
    const int kk = plan.kk();
    // Offsets serve the gathers that cannot stream (see tile_gather.hpp) and the mask taps.
    const bool masked = src.adaptive && (src.adaptive->spec().mask != nullptr || src.adaptive->spec().normalize);
    if (src.gathers_by_offset || masked || !plan.cols.in_affine.valid || !plan.cols.guide_affine.valid)
        // guide offsets only where the energy loops cannot stream the guide
        tap_offsets(plan, t0, T, ws.in_offsets(),
                    src.adaptive && !plan.cols.guide_affine.valid ? ws.guide_offsets() : nullptr);
    if (src.adaptive == nullptr) {
        const int64_t px = plan.out_pixels();
        return TileView{const_cast<float*>(src.given) + n * src.channels * kk * px + t0, px};
    }
    TileView K{ws.K.data(), T};
    src.adaptive->forward(n, t0, T, ws.in_offsets(), ws.guide_offsets(), K, TileView{}, ws.kernel);
    return K;
}

TileView tile_kernel_grad(const Plan& plan, const KernelSource& src, int64_t n, int64_t t0, int T,
                          TileWorkspace& ws) {
    if (src.adaptive != nullptr) return src.backprop_guide ? TileView{ws.grad_K.data(), T} : TileView{};
    if (src.grad_given == nullptr) return TileView{};
    const int64_t px = plan.out_pixels();
    return TileView{src.grad_given + n * src.channels * plan.kk() * px + t0, px};
}

void tile_kernel_backward(const KernelSource& src, int64_t n, int64_t t0, int T, TileWorkspace& ws) {
    if (src.adaptive == nullptr || !src.backprop_guide) return;
    src.adaptive->backward(n, t0, T, ws.in_offsets(), ws.guide_offsets(), TileView{ws.grad_K.data(), T},
                           src.grad_guide, ws.kernel);
}

}  // namespace jpac::cpu
