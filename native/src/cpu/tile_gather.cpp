#include "cpu/tile_gather.hpp"

#include <algorithm>

#include "cpu/simd.hpp"

namespace jpac::cpu {

namespace {

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

JPAC_HOT void stream_scaled(const float* src, int64_t step, const float* k, int64_t n, float* dst) {
    if (step == 1) {
        if (k) for (int64_t x = 0; x < n; ++x) dst[x] = src[x] * k[x];
        else std::copy(src, src + n, dst);
    } else {
        for (int64_t x = 0; x < n; ++x) dst[x] = src[x * step] * (k ? k[x] : 1.f);
    }
}

JPAC_HOT void stream_energy(const float* src, int64_t step, const float* f0, int64_t n, bool asym, float* e) {
    for (int64_t x = 0; x < n; ++x) {
        float d = src[x * step] - f0[x];
        if (asym) d = std::max(d, 0.f);
        e[x] += d * d;
    }
}

JPAC_HOT void outside_energy(const float* f0, int64_t n, bool asym, float* e) {
    for (int64_t x = 0; x < n; ++x) {
        float d = -f0[x];
        if (asym) d = std::max(d, 0.f);
        e[x] += d * d;
    }
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
    for (int64_t x = 0; x < n; ++x) {
        float d = (src ? src[x * step] : 0.f) - f0[x];
        if (asym) d = std::max(d, 0.f);
        const float gd = 2.f * d * ge[x];
        if (gsrc) gsrc[x * step] += gd;
        gf0[x] -= gd;
    }
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
    const int kh = plan.rows.k, kw = plan.cols.k;
    const int64_t width = plan.cols.in_size;
    for_each_row_piece(plan, t0, T, [&](int ts, int64_t y, int64_t xs, int64_t xe) {
        for (int i = 0; i < kh; ++i) {
            const int r = plan.rows.in_tap[y * kh + i];
            for (int j = 0; j < kw; ++j) {
                const int ij = i * kw + j;
                Run run = r < 0 ? Run{xs, xs, 0} : run_of(A, j, xs, xe);
                const float* k = K ? K->row(ij) + ts + (run.lo - xs) : nullptr;
                for (int64_t c = 0; c < channels; ++c) {
                    float* dst = cols + (c * kk + ij) * int64_t(T) + ts;
                    std::fill(dst, dst + (run.lo - xs), 0.f);
                    std::fill(dst + (run.hi - xs), dst + (xe - xs), 0.f);
                    if (run.hi > run.lo)
                        stream_scaled(input + c * plane + r * width + run.first, A.step, k, run.hi - run.lo,
                                      dst + (run.lo - xs));
                }
            }
        }
    });
}

void accumulate_energy(const Plan& plan, const float* guide_plane, int64_t t0, int T, const int* guide_off,
                       const float* f0, bool asymmetric, float* energy) {
    const int kk = plan.kk();
    const Axis::Affine& A = plan.cols.guide_affine;
    if (!A.valid) {
        for (int ij = 0; ij < kk; ++ij) {
            const int* off = guide_off + ij * T;
            float* e = energy + ij * int64_t(T);
            for (int t = 0; t < T; ++t) {
                float d = (off[t] >= 0 ? guide_plane[off[t]] : 0.f) - f0[t];
                if (asymmetric) d = std::max(d, 0.f);
                e[t] += d * d;
            }
        }
        return;
    }
    const int kh = plan.rows.k, kw = plan.cols.k;
    const int64_t width = plan.cols.guide_size;
    for_each_row_piece(plan, t0, T, [&](int ts, int64_t y, int64_t xs, int64_t xe) {
        for (int i = 0; i < kh; ++i) {
            const int r = plan.rows.guide_tap[y * kh + i];
            for (int j = 0; j < kw; ++j) {
                float* e = energy + (i * kw + j) * int64_t(T) + ts;
                const float* f = f0 + ts;
                Run run = r < 0 ? Run{xs, xs, 0} : run_of(A, j, xs, xe);
                outside_energy(f, run.lo - xs, asymmetric, e);
                if (run.hi > run.lo)
                    stream_energy(guide_plane + r * width + run.first, A.step, f + (run.lo - xs), run.hi - run.lo,
                                  asymmetric, e + (run.lo - xs));
                outside_energy(f + (run.hi - xs), xe - run.hi, asymmetric, e + (run.hi - xs));
            }
        }
    });
}

void shared_filter_taps(const Plan& plan, const float* input, int64_t channels, int64_t t0, int T, const float* wk,
                        float* out, int64_t ld_out) {
    const int kh = plan.rows.k, kw = plan.cols.k;
    const int64_t plane = plan.in_pixels(), width = plan.cols.in_size;
    const Axis::Affine& A = plan.cols.in_affine;
    for (int64_t c = 0; c < channels; ++c) {
        float* o = out + c * ld_out;
        std::fill(o, o + T, 0.f);
        const float* v = input + c * plane;
        for_each_row_piece(plan, t0, T, [&](int ts, int64_t y, int64_t xs, int64_t xe) {
            for (int i = 0; i < kh; ++i) {
                const int r = plan.rows.in_tap[y * kh + i];
                if (r < 0) continue;
                for (int j = 0; j < kw; ++j) {
                    const Run run = run_of(A, j, xs, xe);
                    if (run.hi <= run.lo) continue;
                    const int64_t at = ts + (run.lo - xs);
                    stream_fma(v + r * width + run.first, A.step, wk + (i * kw + j) * int64_t(T) + at,
                               run.hi - run.lo, o + at);
                }
            }
        });
    }
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
    const int kh = plan.rows.k, kw = plan.cols.k;
    const int64_t width = plan.cols.in_size;
    for_each_row_piece(plan, t0, T, [&](int ts, int64_t y, int64_t xs, int64_t xe) {
        for (int i = 0; i < kh; ++i) {
            const int r = plan.rows.in_tap[y * kh + i];
            if (r < 0) continue;
            for (int j = 0; j < kw; ++j) {
                const int ij = i * kw + j;
                const Run run = run_of(A, j, xs, xe);
                if (run.hi <= run.lo) continue;
                const int64_t at = ts + (run.lo - xs);
                for (int64_t c = 0; c < channels; ++c)
                    stream_scatter(gcols + (c * kk + ij) * int64_t(T) + at, K.row(ij) + at, run.hi - run.lo, A.step,
                                   grad_input + c * plane + r * width + run.first);
            }
        }
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
                if (asymmetric) d = std::max(d, 0.f);
                const float gd = 2.f * d * ge[t];
                if (grad_guide_plane && off[t] >= 0) grad_guide_plane[off[t]] += gd;
                grad_f0[t] -= gd;
            }
        }
        return;
    }
    const int kh = plan.rows.k, kw = plan.cols.k;
    const int64_t width = plan.cols.guide_size;
    for_each_row_piece(plan, t0, T, [&](int ts, int64_t y, int64_t xs, int64_t xe) {
        for (int i = 0; i < kh; ++i) {
            const int r = plan.rows.guide_tap[y * kh + i];
            for (int j = 0; j < kw; ++j) {
                const float* ge = grad_energy + (i * kw + j) * int64_t(T) + ts;
                const Run run = r < 0 ? Run{xs, xs, 0} : run_of(A, j, xs, xe);
                const int64_t a = run.lo - xs, b = run.hi - xs, e = xe - xs;
                stream_energy_grad(nullptr, 0, f0 + ts, ge, a, asymmetric, nullptr, grad_f0 + ts);
                if (b > a) {
                    const int64_t at = r * width + run.first;
                    stream_energy_grad(guide_plane + at, A.step, f0 + ts + a, ge + a, b - a, asymmetric,
                                       grad_guide_plane ? grad_guide_plane + at : nullptr, grad_f0 + ts + a);
                }
                stream_energy_grad(nullptr, 0, f0 + ts + b, ge + b, e - b, asymmetric, nullptr, grad_f0 + ts + b);
            }
        }
    });
}

}  // namespace jpac::cpu
