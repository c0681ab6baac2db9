#include "cpu/adaptive_kernel.hpp"

#include <algorithm>
#include <cmath>

#include "cpu/simd.hpp"
#include "cpu/tile_gather.hpp"

namespace jpac::cpu {

namespace {
constexpr float kInvEpsilon = 1e-4f;

JPAC_HOT void gaussian_kernel(const float* energy, int64_t n, float* out) {
    for (int64_t i = 0; i < n; ++i) out[i] = exp_nonpositive(-0.5f * energy[i]);
}
}  // namespace

void KernelWorkspace::reserve(const Plan& plan, const KernelSpec& spec, int T) {
    const size_t kk = plan.kk(), ck = spec.kernel_channels(), cg = spec.guide_channels;
    f0.resize(cg * T);
    energy.resize(ck * kk * T);
    raw.resize(ck * kk * T);
    mask_taps.resize(kk * T);
    norm.resize(ck * T);
    empty.resize(ck * T);
    grad_raw.resize(ck * kk * T);
    grad_f0.resize(cg * T);
    grad_alpha.resize(std::max<size_t>(spec.inv_params, 1));
    grad_lambda.resize(std::max<size_t>(spec.inv_params, 1));
    grad_smooth.resize(std::max(1, spec.smooth_size * spec.smooth_size));
    grad_alpha.zero();
    grad_lambda.zero();
    grad_smooth.zero();
    tile_n = -1;
}

// Guide offset of output pixel t's centre tap, or -1 (from the axis tables:
// the tile's tap offsets are only filled where a gather needs them).
int64_t AdaptiveKernel::centre_offset(int64_t t) const {
    const Axis& R = plan_.rows;
    const Axis& C = plan_.cols;
    const int64_t y = t / C.out_size, x = t % C.out_size;
    const int r = R.centre_tap[y], col = C.centre_tap[x];
    return (r < 0 || col < 0) ? -1 : int64_t(r) * C.guide_size + col;
}

// Fills f0, energy, raw (K before mask / normalisation), mask_taps and norm
// (the divisor n + [n == 0]) for one tile.
void AdaptiveKernel::energies(int64_t n, int64_t t0, int T, const int* in_off,
                              const int* guide_off, KernelWorkspace& ws) const {
    // The backward of a tile follows its forward in the same workspace: reuse.
    if (ws.tile_n == n && ws.tile_t0 == t0 && ws.tile_len == T) return;
    ws.tile_n = n;
    ws.tile_t0 = t0;
    ws.tile_len = T;
    const int kk = plan_.kk();
    const int64_t cg = spec_.guide_channels;
    const int ck = spec_.kernel_channels();
    const int64_t gplane = plan_.guide_pixels();
    const float* guide = spec_.guide + n * cg * gplane;
    float* f0 = ws.f0.data();
    float* energy = ws.energy.data();

    // Centre feature: the centre tap, or the smoothed neighbourhood.
    if (spec_.smooth == nullptr) {
        for (int t = 0; t < T; ++t) {
            const int64_t off = centre_offset(t0 + t);
            for (int64_t c = 0; c < cg; ++c) f0[c * T + t] = off >= 0 ? guide[c * gplane + off] : 0.f;
        }
    } else {
        const int m = spec_.smooth_size;
        const int64_t wo = plan_.cols.out_size, wg = plan_.cols.guide_size;
        for (int t = 0; t < T; ++t) {
            const int64_t y = (t0 + t) / wo, x = (t0 + t) % wo;
            for (int64_t c = 0; c < cg; ++c) {
                const float* g = guide + c * gplane;
                float sum = 0.f;
                for (int u = 0; u < m; ++u) {
                    const int r = plan_.rows.smooth_tap[y * m + u];
                    if (r < 0) continue;
                    for (int v = 0; v < m; ++v) {
                        const int col = plan_.cols.smooth_tap[x * m + v];
                        if (col >= 0) sum += spec_.smooth[u * m + v] * g[r * wg + col];
                    }
                }
                f0[c * T + t] = sum;
            }
        }
    }

    std::fill(energy, energy + size_t(ck) * kk * T, 0.f);
    if (spec_.channel_wise) {
        for (int64_t c = 0; c < cg; ++c)
            accumulate_energy(plan_, guide + c * gplane, gplane, 1, t0, T, guide_off, f0 + c * T, spec_.asymmetric,
                              energy + c * int64_t(kk) * T);
    } else {
        accumulate_energy(plan_, guide, gplane, cg, t0, T, guide_off, f0, spec_.asymmetric, energy);
    }

    float* raw = ws.raw.data();
    for (int k = 0; k < ck; ++k) {
        const float* e = energy + k * int64_t(kk) * T;
        float* r = raw + k * int64_t(kk) * T;
        if (spec_.inv) {
            const int p = spec_.inv_params == 1 ? 0 : k;
            const float a = spec_.alpha[p], half_lambda = 0.5f * spec_.lambda[p];
            for (int64_t i = 0; i < int64_t(kk) * T; ++i) r[i] = a + std::pow(e[i] + kInvEpsilon, half_lambda);
        } else {
            gaussian_kernel(e, int64_t(kk) * T, r);
        }
    }

    if (spec_.mask == nullptr && !spec_.normalize) return;
    // M: the window pattern of the mask, or of an all-ones image.
    float* mt = ws.mask_taps.data();
    const float* mask = spec_.mask ? spec_.mask + n * plan_.in_pixels() : nullptr;
    for (int64_t i = 0; i < int64_t(kk) * T; ++i)
        mt[i] = in_off[i] < 0 ? 0.f : (mask ? mask[in_off[i]] : 1.f);
    // Sums over taps run tap by tap over the tile, reading rows contiguously.
    for (int k = 0; k < ck; ++k) {
        float* nsum = ws.norm.data() + k * T;
        float* empty = ws.empty.data() + k * T;
        std::fill(nsum, nsum + T, 0.f);
        if (spec_.normalize) {
            for (int ij = 0; ij < kk; ++ij) {
                const float* r = raw + (k * kk + ij) * int64_t(T);
                const float* m = mt + ij * int64_t(T);
                for (int t = 0; t < T; ++t) nsum[t] += r[t] * m[t];
            }
        } else {  // mask without normalisation: share of valid taps that the mask keeps
            float* psum = empty;  // scratch until the end of this block
            std::fill(psum, psum + T, 0.f);
            for (int ij = 0; ij < kk; ++ij) {
                const float* m = mt + ij * int64_t(T);
                const int* off = in_off + ij * int64_t(T);
                for (int t = 0; t < T; ++t) {
                    nsum[t] += m[t];
                    psum[t] += off[t] >= 0 ? 1.f : 0.f;
                }
            }
            for (int t = 0; t < T; ++t) nsum[t] = psum[t] > 0.f ? nsum[t] / psum[t] : 0.f;
        }
        for (int t = 0; t < T; ++t) {
            empty[t] = nsum[t] == 0.f ? 1.f : 0.f;
            nsum[t] += empty[t];  // the divisor n + [n == 0]
        }
    }
}

void AdaptiveKernel::forward(int64_t n, int64_t t0, int T, const int* in_off, const int* guide_off,
                             TileView K, TileView out_mask, KernelWorkspace& ws) const {
    energies(n, t0, T, in_off, guide_off, ws);
    const int kk = plan_.kk(), ck = spec_.kernel_channels();
    const float* raw = ws.raw.data();
    const bool masked = spec_.mask != nullptr || spec_.normalize;
    for (int k = 0; k < ck; ++k) {
        for (int ij = 0; ij < kk; ++ij) {
            const float* r = raw + (k * kk + ij) * int64_t(T);
            float* out = K.row(k * kk + ij);
            if (!masked) {
                std::copy(r, r + T, out);
                continue;
            }
            const float* mt = ws.mask_taps.data() + ij * T;
            const float* norm = ws.norm.data() + k * T;
            for (int t = 0; t < T; ++t) out[t] = r[t] * mt[t] / norm[t];
        }
        if (out_mask.ptr != nullptr && (spec_.normalize || k == 0)) {  // one mask row unless normalised per channel
            const float* empty = ws.empty.data() + k * T;
            float* om = out_mask.row(k);
            for (int t = 0; t < T; ++t) om[t] = 1.f - empty[t];
        }
    }
}

void AdaptiveKernel::backward(int64_t n, int64_t t0, int T, const int* in_off, const int* guide_off,
                              TileView grad_K, float* grad_guide, KernelWorkspace& ws) const {
    energies(n, t0, T, in_off, guide_off, ws);
    const int kk = plan_.kk(), ck = spec_.kernel_channels();
    const int64_t cg = spec_.guide_channels, gplane = plan_.guide_pixels();
    const bool masked = spec_.mask != nullptr || spec_.normalize;
    const float* raw = ws.raw.data();
    const float* energy = ws.energy.data();
    float* gE = ws.grad_raw.data();

    // dL/draw through the mask and the normalisation, tap by tap over the tile.
    float* dot = ws.grad_f0.data();  // [T]: sum over taps of dL/dK * K; grad_f0 is filled later
    for (int k = 0; k < ck; ++k) {
        const float* den = ws.norm.data() + k * T;
        std::fill(dot, dot + T, 0.f);
        if (spec_.normalize) {
            for (int ij = 0; ij < kk; ++ij) {
                const float* g = grad_K.row(k * kk + ij);
                const float* r = raw + (k * kk + ij) * int64_t(T);
                const float* m = ws.mask_taps.data() + ij * int64_t(T);
                for (int t = 0; t < T; ++t) dot[t] += g[t] * r[t] * m[t] / den[t];
            }
        }
        for (int ij = 0; ij < kk; ++ij) {
            const float* g = grad_K.row(k * kk + ij);
            float* ge = gE + (k * kk + ij) * int64_t(T);
            const float* m = ws.mask_taps.data() + ij * int64_t(T);
            if (!masked) {
                std::copy(g, g + T, ge);
                continue;
            }
            for (int t = 0; t < T; ++t) ge[t] = m[t] * (g[t] - dot[t]) / den[t];
        }
    }
    // dL/dE, and the inv parameters.
    for (int k = 0; k < ck; ++k) {
        const int64_t base = k * int64_t(kk) * T;
        if (spec_.inv) {
            const int p = spec_.inv_params == 1 ? 0 : k;
            const float half_lambda = 0.5f * spec_.lambda[p];
            double ga = 0.0, gl = 0.0;
            for (int64_t i = 0; i < int64_t(kk) * T; ++i) {
                const float b = energy[base + i] + kInvEpsilon;
                const float pw = raw[base + i] - spec_.alpha[p];
                const float g = gE[base + i];
                ga += g;
                gl += double(g) * pw * 0.5f * std::log(b);
                gE[base + i] = g * half_lambda * pw / b;
            }
            ws.grad_alpha.data()[p] += float(ga);
            ws.grad_lambda.data()[p] += float(gl);
        } else {
            for (int64_t i = 0; i < int64_t(kk) * T; ++i) gE[base + i] *= -0.5f * raw[base + i];
        }
    }
    // dL/dD = 2 D dL/dE, onto the taps and (negated) onto the centre feature.
    const float* guide = spec_.guide + n * cg * gplane;
    float* gguide = grad_guide ? grad_guide + n * cg * gplane : nullptr;
    float* gf0 = ws.grad_f0.data();
    const float* f0 = ws.f0.data();
    std::fill(gf0, gf0 + cg * T, 0.f);
    for (int64_t c = 0; c < cg; ++c)
        energy_backward(plan_, guide + c * gplane, t0, T, guide_off, f0 + c * T, spec_.asymmetric,
                        gE + (spec_.channel_wise ? c : 0) * int64_t(kk) * T, gguide ? gguide + c * gplane : nullptr,
                        gf0 + c * T);
    if (spec_.smooth == nullptr) {
        if (gguide == nullptr) return;
        for (int t = 0; t < T; ++t) {
            const int64_t off = centre_offset(t0 + t);
            if (off < 0) continue;
            for (int64_t c = 0; c < cg; ++c) gguide[c * gplane + off] += gf0[c * T + t];
        }
        return;
    }
    const int m = spec_.smooth_size;
    const int64_t wo = plan_.cols.out_size, wg = plan_.cols.guide_size;
    float* gs = ws.grad_smooth.data();
    for (int t = 0; t < T; ++t) {
        const int64_t y = (t0 + t) / wo, x = (t0 + t) % wo;
        for (int u = 0; u < m; ++u) {
            const int r = plan_.rows.smooth_tap[y * m + u];
            if (r < 0) continue;
            for (int v = 0; v < m; ++v) {
                const int col = plan_.cols.smooth_tap[x * m + v];
                if (col < 0) continue;
                const int64_t pos = r * wg + col;
                for (int64_t c = 0; c < cg; ++c) {
                    const float g0 = gf0[c * T + t];
                    gs[u * m + v] += g0 * guide[c * gplane + pos];
                    if (gguide) gguide[c * gplane + pos] += spec_.smooth[u * m + v] * g0;
                }
            }
        }
    }
}

}  // namespace jpac::cpu
