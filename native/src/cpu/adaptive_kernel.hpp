// The adapting kernel K of SPEC.md "kernel2d", computed tile by tile from the
// guidance features, and its backward. Used by kernel2d itself and fused into
// the guided conv / pool ops, which therefore never hold more of K than one
// tile.
#pragma once
#include <cstdint>
#include "cpu/plan.hpp"
#include "cpu/scratch.hpp"

namespace jpac::cpu {

struct KernelSpec {
    bool inv = false;           // inv_{alpha}_{lambda} instead of gaussian
    bool asymmetric = false;
    bool channel_wise = false;
    bool normalize = false;
    const float* guide = nullptr;   // [B, Cg, Hg, Wg]
    int64_t guide_channels = 0;
    const float* alpha = nullptr;   // [1] or [Cg]
    const float* lambda = nullptr;
    int64_t inv_params = 1;         // 1 or Cg
    const float* smooth = nullptr;  // [m, m] or null
    int smooth_size = 0;
    const float* mask = nullptr;    // [B, 1, Hin, Win] or null
    int kernel_channels() const { return channel_wise ? int(guide_channels) : 1; }
};

// Per-thread working memory and gradient accumulators of the kernel math.
struct KernelWorkspace {
    ScratchBuffer f0, energy, raw, mask_taps, norm, empty, grad_raw, grad_f0;
    ScratchBuffer grad_alpha, grad_lambda, grad_smooth;  // accumulated over tiles
    int64_t tile_n = -1, tile_t0 = -1;  // the tile whose energies the buffers hold
    int tile_len = 0;
    void reserve(const Plan& plan, const KernelSpec& spec, int T);
};

// A view of a [rows][T] block: row r starts at ptr + r * ld.
struct TileView {
    float* ptr = nullptr;
    int64_t ld = 0;
    float* row(int64_t r) const { return ptr + r * ld; }
};

class AdaptiveKernel {
public:
    AdaptiveKernel(const Plan& plan, const KernelSpec& spec) : plan_(plan), spec_(spec) {}
    const KernelSpec& spec() const { return spec_; }

    // K for tile [t0, t0+T) of image n into K ([Ck * kk] rows); out_mask ([Ck]
    // rows, may be null) receives 1 - [n == 0] when a mask is given.
    void forward(int64_t n, int64_t t0, int T, const int* in_off, const int* guide_off,
                 TileView K, TileView out_mask, KernelWorkspace& ws) const;

    // Given dL/dK for the tile, adds dL/dguide into grad_guide (the whole
    // [B, Cg, Hg, Wg] tensor, may be null) and accumulates alpha / lambda /
    // smoothing-kernel gradients into ws.
    void backward(int64_t n, int64_t t0, int T, const int* in_off, const int* guide_off,
                  TileView grad_K, float* grad_guide, KernelWorkspace& ws) const;

private:
    int64_t centre_offset(int64_t t) const;
    void energies(int64_t n, int64_t t0, int T, const int* in_off, const int* guide_off,
                  KernelWorkspace& ws) const;
    const Plan& plan_;
    const KernelSpec& spec_;
};

}  // namespace jpac::cpu
