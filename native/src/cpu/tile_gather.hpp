// The two gathers every tile starts with: input taps times K (the adaptive
// im2col) and the guide's squared differences (the kernel's energy). Where an
// axis's taps are affine in the output position (all but strided transposed
// inputs) they stream whole row pieces; otherwise they gather by offset.
#pragma once
#include <cstdint>
#include "cpu/adaptive_kernel.hpp"
#include "cpu/plan.hpp"

namespace jpac::cpu {

// cols[c][ij][t] = K[ij][t] * input tap (0 in the padding); K may be null (1).
void gather_scaled(const Plan& plan, const float* input, int64_t channels, int64_t t0, int T,
                   const int* in_off, const TileView* K, float* cols);

// Shared-filter PAC without columns: out[c][t] = sum over taps of
// wk[ij][t] * input tap, with wk = W * K for the tile; out rows have stride
// ld_out. Needs plan.cols.in_affine.valid.
void shared_filter_taps(const Plan& plan, const float* input, int64_t channels, int64_t t0, int T, const float* wk,
                        float* out, int64_t ld_out);

// The adjoint of shared_filter_taps for `channels` channels that share the
// kernel k ([ij][t], row stride T): grad_input tap += gout[c][t] * k[ij][t]
// (when grad_input is given) and grad_k[ij][t] += gout[c][t] * input tap (when
// grad_k is given). gout rows have stride ld_gout. Needs plan.cols.in_affine.valid.
void shared_filter_taps_backward(const Plan& plan, const float* input, int64_t channels, int64_t t0, int T,
                                 const float* k, const float* gout, int64_t ld_gout, float* grad_input,
                                 float* grad_k);

// The adjoint of gather_scaled: grad_input tap += gcols[c][ij][t] * K[ij][t].
void scatter_scaled(const Plan& plan, const float* gcols, int64_t channels, int64_t t0, int T, const int* in_off,
                    const TileView& K, float* grad_input);

// energy[ij][t] += D^2, D = guide tap - f0 (max(D, 0) if asymmetric), summed over
// `channels` guide channels (planes `plane` apart; f0 of channel c at f0 + c * T).
void accumulate_energy(const Plan& plan, const float* guide, int64_t plane, int64_t channels, int64_t t0, int T,
                       const int* guide_off, const float* f0, bool asymmetric, float* energy);

// The adjoint of accumulate_energy for one guide channel: with dD = 2 D dE,
// grad_guide tap += dD and grad_f0 -= dD.
void energy_backward(const Plan& plan, const float* guide_plane, int64_t t0, int T, const int* guide_off,
                     const float* f0, bool asymmetric, const float* grad_energy, float* grad_guide_plane,
                     float* grad_f0);

}  // namespace jpac::cpu
