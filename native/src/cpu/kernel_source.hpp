// Where a PAC op gets K from, tile by tile: a given K tensor (read in place)
// or the guidance features (computed on the fly, then discarded).
#pragma once
#include <cstdint>
#include <vector>
#include "cpu/adaptive_kernel.hpp"

namespace jpac::cpu {

struct KernelSource {
    const float* given = nullptr;           // [B, Ck, kk, Ho, Wo], or null
    const AdaptiveKernel* adaptive = nullptr;
    int channels = 1;                       // Ck
    // Backward targets: the given K's gradient tensor, or the guide's.
    float* grad_given = nullptr;
    float* grad_guide = nullptr;
    bool backprop_guide = false;  // guided: any of guide / alpha / lambda / smoothing grads wanted
    bool gathers_by_offset = false;  // the op's own loops read the tap offsets (pooling)
};

// Per-thread buffers common to the tile loops.
struct TileWorkspace {
    ScratchBuffer in_off, guide_off;   // int offsets, stored in float-sized slots
    ScratchBuffer K, grad_K;           // [Ck * kk][T] when computed here
    KernelWorkspace kernel;
    int* in_offsets() const { return reinterpret_cast<int*>(in_off.data()); }
    int* guide_offsets() const { return reinterpret_cast<int*>(guide_off.data()); }
    void reserve(const Plan& plan, const KernelSource& src, const KernelSpec* spec, int T);
};

// Fills the tap offsets and returns K for the tile.
TileView tile_kernel(const Plan& plan, const KernelSource& src, int64_t n, int64_t t0, int T,
                     TileWorkspace& ws);
// Where dL/dK of the tile is written (null view: not needed).
TileView tile_kernel_grad(const Plan& plan, const KernelSource& src, int64_t n, int64_t t0, int T,
                          TileWorkspace& ws);
// Passes dL/dK of the tile on to the guide (guided sources only).
void tile_kernel_backward(const KernelSource& src, int64_t n, int64_t t0, int T, TileWorkspace& ws);

// Sums per-thread kernel-parameter gradients into the outputs (may be null).
template <typename Workspaces, typename Get>
void reduce_kernel_grads(const Workspaces& ws, Get kernel_of, const KernelSpec& spec,
                         float* grad_alpha, float* grad_lambda, float* grad_smooth) {
    const int64_t np = spec.inv_params, ns = int64_t(spec.smooth_size) * spec.smooth_size;
    for (int64_t i = 0; grad_alpha && i < np; ++i) grad_alpha[i] = 0.f;
    for (int64_t i = 0; grad_lambda && i < np; ++i) grad_lambda[i] = 0.f;
    for (int64_t i = 0; grad_smooth && i < ns; ++i) grad_smooth[i] = 0.f;
    for (const auto& w : ws) {
        const KernelWorkspace& kw = kernel_of(w);
        for (int64_t i = 0; grad_alpha && i < np; ++i) grad_alpha[i] += kw.grad_alpha.data()[i];
        for (int64_t i = 0; grad_lambda && i < np; ++i) grad_lambda[i] += kw.grad_lambda.data()[i];
        for (int64_t i = 0; grad_smooth && i < ns; ++i) grad_smooth[i] += kw.grad_smooth.data()[i];
    }
}

}  // namespace jpac::cpu
