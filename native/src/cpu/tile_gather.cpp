#include "cpu/tile_gather.hpp"

#include <algorithm>

#include "cpu/simd.hpp"

namespace jpac::cpu {

namespace {

// max(d, 0) as std::max has it (NaN stays NaN). std::max itself, left out of
// line in the JPAC_HOT clones, kept their energy loops from vectorising.
__attribute__((always_inline)) inline float positive_part(float d) { return d < 0.f ? 0.f : d; }

// Valid outputs [lo, hi) of tap j within the piece [xs, xe), and the index
// the first of them reads.
struct Run {
    int64_t lo, hi, first;
};

inline Run run_of(const Axis::Affine& a, int j, int64_t xs, int64_t xe) {
    const int64_t lo = std::max(xs, a.lo[j]), hi = std::min(xe, a.hi[j]);
    if (hi <= lo) return Run{xs, xs, 0};
    return Run{lo, hi, a.first[j] + (lo - a.lo[j]) * a.step};
}

// One tap of one row piece of a tile: tap ij reads row r (-1: padding) over
// the run of the piece's outputs [xs, xe) that stay inside the image; tile
// pixels start at ts.
struct TapRun {
    int ij, r, ts;
    int64_t xs, xe;
    Run run;
    bool empty() const { return run.hi <= run.lo; }
    int64_t before() const { return run.lo - xs; }  // outputs ahead of the run
    int64_t length() const { return run.hi - run.lo; }
};

// f(TapRun) for every tap of every row piece of the tile, reading the input
// (guide = false) or the guide (guide = true); the axis must be affine.
template <typename F>
void for_each_tap_run(const Plan& plan, bool guide, int64_t t0, int T, F&& f) {
    const Axis::Affine& A = guide ? plan.cols.guide_affine : plan.cols.in_affine;
    const std::vector<int>& rows = guide ? plan.rows.guide_tap : plan.rows.in_tap;
    const int kh = plan.rows.k, kw = plan.cols.k;
    for_each_row_piece(plan, t0, T, [&](int ts, int64_t y, int64_t xs, int64_t xe) {
        for (int i = 0; i < kh; ++i) {
            const int r = rows[y * kh + i];
            for (int j = 0; j < kw; ++j)
                f(TapRun{i * kw + j, r, ts, xs, xe, r < 0 ? Run{xs, xs, 0} : run_of(A, j, xs, xe)});
        }
    });
}

JPAC_HOT void stream_scaled(const float* src, int64_t step, const float* k, int64_t n, float* dst) {
    if (step == 1) {
        if (k) for (int64_t x = 0; x < n; ++x) dst[x] = src[x] * k[x];
        else std::copy(src, src + n, dst);
    } else {
        for (int64_t x = 0; x < n; ++x) dst[x] = src[x * step] * (k ? k[x] : 1.f);
    }
}

// One tap run of every guide channel: e[x] += sum over channels of D^2 over a
// row piece of n = before + length + after outputs, of which `length` read the
// guide row at src (channel c at src + c * plane, every step-th sample) and
// the others lie in the padding (D = -f0). One call per run, not three per
// channel: on small images the calls cost more than the arithmetic.
JPAC_HOT void tap_run_energy(const float* src, int64_t plane, int64_t step, const float* __restrict f0,
                             int64_t f0_stride, int64_t channels, int64_t before, int64_t length, int64_t after,
                             bool asym, float* __restrict e) {
    // Outputs [from, to) in the padding: D = -f0.
    auto padding = [&](const float* __restrict f, int64_t from, int64_t to) JPAC_INLINE_LAMBDA {
        for (int64_t x = from; x < to; ++x) {
            float d = -f[x];
            if (asym) d = positive_part(d);
            e[x] += d * d;
        }
    };
    for (int64_t c = 0; c < channels; ++c) {
        padding(f0 + c * f0_stride, 0, before);
        padding(f0 + c * f0_stride, before + length, before + length + after);
    }
    if (length == 0) return;
    // Inside the image: up to 16 outputs at a time, summed over the channels in
    // a block that stays in registers, then added to e once. (A constant block
    // of 16 let GCC 12 load strided runs past their last sample, one float
    // beyond the guide, which faulted.)
    float* __restrict ei = e + before;
    with_constant_step(step, [&](auto s) JPAC_INLINE_LAMBDA {
        for (int64_t x0 = 0; x0 < length; x0 += 16) {
            const int64_t m = std::min<int64_t>(16, length - x0);
            float acc[16] = {};
            for (int64_t c = 0; c < channels; ++c) {
                const float* __restrict g = src + c * plane + x0 * int64_t(s);
                const float* __restrict f = f0 + c * f0_stride + before + x0;
                for (int64_t i = 0; i < m; ++i) {
                    float d = g[i * int64_t(s)] - f[i];
                    if (asym) d = positive_part(d);
                    acc[i] += d * d;
                }
            }
            for (int64_t i = 0; i < m; ++i) ei[x0 + i] += acc[i];
        }
    });
}

JPAC_HOT void stream_fma(const float* src, int64_t step, const float* k, int64_t n, float* dst) {
    if (step == 1) for (int64_t x = 0; x < n; ++x) dst[x] += k[x] * src[x];
    else for (int64_t x = 0; x < n; ++x) dst[x] += k[x] * src[x * step];
}

JPAC_HOT void stream_scatter(const float* g, const float* k, int64_t n, int64_t step, float* dst) {
    if (step == 1) for (int64_t x = 0; x < n; ++x) dst[x] += g[x] * k[x];
    else for (int64_t x = 0; x < n; ++x) dst[x * step] += g[x] * k[x];
}

JPAC_HOT void scatter_by_offset(const float* g, const int* off, const float* k, int T, float* dst) {
    for (int t = 0; t < T; ++t)
        if (off[t] >= 0) dst[off[t]] += g[t] * k[t];
}

// One run of energy_backward: inside the image (src != null) or in the padding.
JPAC_HOT void stream_energy_grad(const float* src, int64_t step, const float* f0, const float* ge, int64_t n,
                                 bool asym, float* gsrc, float* gf0) {
    with_constant_step(step, [&](auto s) JPAC_INLINE_LAMBDA {
        for (int64_t x = 0; x < n; ++x) {
            float d = (src ? src[x * int64_t(s)] : 0.f) - f0[x];
            if (asym) d = positive_part(d);
            const float gd = 2.f * d * ge[x];
            if (gsrc) gsrc[x * int64_t(s)] += gd;
            gf0[x] -= gd;
        }
    });
}

JPAC_HOT void gather_by_offset(const float* v, const int* off, const float* k, int T, float* row) {
    for (int t = 0; t < T; ++t) {
        const float x = off[t] >= 0 ? v[off[t]] : 0.f;
        row[t] = k ? x * k[t] : x;
    }
}

}  // namespace

void gather_scaled(const Plan& plan, const float* input, int64_t channels, int64_t t0, int T,
                   const int* in_off, const TileView* K, float* cols) {
    const int kk = plan.kk();
    const int64_t plane = plan.in_pixels();
    const Axis::Affine& A = plan.cols.in_affine;
    if (!A.valid) {
        for (int64_t c = 0; c < channels; ++c)
            for (int ij = 0; ij < kk; ++ij)
                gather_by_offset(input + c * plane, in_off + ij * T, K ? K->row(ij) : nullptr, T,
                                 cols + (c * kk + ij) * int64_t(T));
        return;
    }
    const int64_t width = plan.cols.in_size;
    for_each_tap_run(plan, false, t0, T, [&](const TapRun& tr) {
        const float* k = K ? K->row(tr.ij) + tr.ts + tr.before() : nullptr;
        for (int64_t c = 0; c < channels; ++c) {
            float* dst = cols + (c * kk + tr.ij) * int64_t(T) + tr.ts;
            std::fill(dst, dst + tr.before(), 0.f);
            std::fill(dst + (tr.run.hi - tr.xs), dst + (tr.xe - tr.xs), 0.f);
            if (!tr.empty())
                stream_scaled(input + c * plane + tr.r * width + tr.run.first, A.step, k, tr.length(),
                              dst + tr.before());
        }
    });
}

void accumulate_energy(const Plan& plan, const float* guide, int64_t plane, int64_t channels, int64_t t0, int T,
                       const int* guide_off, const float* f0, bool asymmetric, float* energy) {
    const int kk = plan.kk();
    const Axis::Affine& A = plan.cols.guide_affine;
    if (!A.valid) {
        for (int ij = 0; ij < kk; ++ij) {
            const int* off = guide_off + ij * T;
            float* e = energy + ij * int64_t(T);
            for (int64_t c = 0; c < channels; ++c) {
                const float* g = guide + c * plane;
                const float* f = f0 + c * T;
                for (int t = 0; t < T; ++t) {
                    float d = (off[t] >= 0 ? g[off[t]] : 0.f) - f[t];
                    if (asymmetric) d = positive_part(d);
                    e[t] += d * d;
                }
            }
        }
        return;
    }
    const int64_t width = plan.cols.guide_size;
    // The channels inside each tap run: the runs are worked out once, not once per
    // channel (on small tiles that bookkeeping cost more than the arithmetic).
    for_each_tap_run(plan, true, t0, T, [&](const TapRun& tr) {
        const int64_t length = tr.empty() ? 0 : tr.length();
        tap_run_energy(length > 0 ? guide + tr.r * width + tr.run.first : nullptr, plane, A.step, f0 + tr.ts, T,
                       channels, tr.before(), length, tr.xe - tr.xs - tr.before() - length, asymmetric,
                       energy + tr.ij * int64_t(T) + tr.ts);
    });
}

void shared_filter_taps(const Plan& plan, const float* input, int64_t channels, int64_t t0, int T, const float* wk,
                        float* out, int64_t ld_out) {
    const int64_t plane = plan.in_pixels(), width = plan.cols.in_size;
    const Axis::Affine& A = plan.cols.in_affine;
    // A few channels per pass: each run of W * K is then read from L1 once
    // per channel while the channels' output rows stay in L1 too.
    constexpr int64_t kChannels = 4;
    for (int64_t c0 = 0; c0 < channels; c0 += kChannels) {
        const int64_t c1 = std::min(channels, c0 + kChannels);
        for (int64_t c = c0; c < c1; ++c) std::fill(out + c * ld_out, out + c * ld_out + T, 0.f);
        for_each_tap_run(plan, false, t0, T, [&](const TapRun& tr) {
            if (tr.empty()) return;
            const int64_t at = tr.ts + tr.before();
            const float* k = wk + tr.ij * int64_t(T) + at;
            for (int64_t c = c0; c < c1; ++c)
                stream_fma(input + c * plane + tr.r * width + tr.run.first, A.step, k, tr.length(),
                           out + c * ld_out + at);
        });
    }
}

void shared_filter_taps_backward(const Plan& plan, const float* input, int64_t channels, int64_t t0, int T,
                                 const float* k, const float* gout, int64_t ld_gout, float* grad_input,
                                 float* grad_k) {
    const int64_t plane = plan.in_pixels(), width = plan.cols.in_size;
    const Axis::Affine& A = plan.cols.in_affine;
    for_each_tap_run(plan, false, t0, T, [&](const TapRun& tr) {
        if (tr.empty()) return;
        const int64_t at = tr.ts + tr.before(), src = tr.r * width + tr.run.first, n = tr.length();
        const float* kr = k + tr.ij * int64_t(T) + at;
        float* gk = grad_k ? grad_k + tr.ij * int64_t(T) + at : nullptr;
        for (int64_t c = 0; c < channels; ++c) {
            const float* g = gout + c * ld_gout + at;
            if (grad_input) stream_scatter(g, kr, n, A.step, grad_input + c * plane + src);
            if (gk) stream_fma(input + c * plane + src, A.step, g, n, gk);
        }
    });
}

void scatter_scaled(const Plan& plan, const float* gcols, int64_t channels, int64_t t0, int T, const int* in_off,
                    const TileView& K, float* grad_input) {
    const int kk = plan.kk();
    const int64_t plane = plan.in_pixels();
    const Axis::Affine& A = plan.cols.in_affine;
    if (!A.valid) {
        for (int64_t c = 0; c < channels; ++c)
            for (int ij = 0; ij < kk; ++ij)
                scatter_by_offset(gcols + (c * kk + ij) * int64_t(T), in_off + ij * T, K.row(ij), T,
                                  grad_input + c * plane);
        return;
    }
    const int64_t width = plan.cols.in_size;
    for_each_tap_run(plan, false, t0, T, [&](const TapRun& tr) {
        if (tr.empty()) return;
        const int64_t at = tr.ts + tr.before();
        for (int64_t c = 0; c < channels; ++c)
            stream_scatter(gcols + (c * kk + tr.ij) * int64_t(T) + at, K.row(tr.ij) + at, tr.length(), A.step,
                           grad_input + c * plane + tr.r * width + tr.run.first);
    });
}

void energy_backward(const Plan& plan, const float* guide_plane, int64_t t0, int T, const int* guide_off,
                     const float* f0, bool asymmetric, const float* grad_energy, float* grad_guide_plane,
                     float* grad_f0) {
    const int kk = plan.kk();
    const Axis::Affine& A = plan.cols.guide_affine;
    if (!A.valid) {
        for (int ij = 0; ij < kk; ++ij) {
            const int* off = guide_off + ij * T;
            const float* ge = grad_energy + ij * int64_t(T);
            for (int t = 0; t < T; ++t) {
                float d = (off[t] >= 0 ? guide_plane[off[t]] : 0.f) - f0[t];
                if (asymmetric) d = positive_part(d);
                const float gd = 2.f * d * ge[t];
                if (grad_guide_plane && off[t] >= 0) grad_guide_plane[off[t]] += gd;
                grad_f0[t] -= gd;
            }
        }
        return;
    }
    const int64_t width = plan.cols.guide_size;
    for_each_tap_run(plan, true, t0, T, [&](const TapRun& tr) {
        const float* ge = grad_energy + tr.ij * int64_t(T) + tr.ts;
        const float* f = f0 + tr.ts;
        float* gf = grad_f0 + tr.ts;
        const int64_t a = tr.before(), b = tr.run.hi - tr.xs, e = tr.xe - tr.xs;
        stream_energy_grad(nullptr, 0, f, ge, a, asymmetric, nullptr, gf);
        if (!tr.empty()) {
            const int64_t at = tr.r * width + tr.run.first;
            stream_energy_grad(guide_plane + at, A.step, f + a, ge + a, b - a, asymmetric,
                               grad_guide_plane ? grad_guide_plane + at : nullptr, gf + a);
        }
        stream_energy_grad(nullptr, 0, f + b, ge + b, e - b, asymmetric, nullptr, gf + b);
    });
}

}  // namespace jpac::cpu
