#include "cpu/pac_conv.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <vector>

#include "api/error.hpp"
#include "cpu/direct_conv.hpp"
#include "cpu/direct_conv_backward.hpp"
#include "cpu/parallel.hpp"
#include "cpu/phase_split.hpp"
#include "cpu/simd.hpp"
#include "cpu/tile_gather.hpp"
#include "oneapi/dnnl/dnnl.h"

namespace jpac::cpu {

namespace {

struct ConvWorkspace {
    TileWorkspace tile;
    ScratchBuffer taps, cols, grad_cols, grad_weight, grad_bias;
};

// cols[c][ij][t] = taps[c][ij][t] * K[ij][t], in place.
JPAC_HOT void scale_by_kernel(float* taps, int64_t channels, int kk, int T, TileView K) {
    for (int64_t c = 0; c < channels; ++c)
        for (int ij = 0; ij < kk; ++ij) {
            float* row = taps + (c * kk + ij) * int64_t(T);
            const float* k = K.row(ij);
            for (int t = 0; t < T; ++t) row[t] *= k[t];
        }
}

// dL/dK[ij][t] = sum over channels of dL/dcols * input tap.
JPAC_HOT void kernel_grad(const float* gcols, const float* taps, int64_t channels, int kk, int T, TileView gK) {
    for (int ij = 0; ij < kk; ++ij) {
        float* gk = gK.row(ij);
        std::fill(gk, gk + T, 0.f);
        for (int64_t c = 0; c < channels; ++c) {
            const float* gc = gcols + (c * kk + ij) * int64_t(T);
            const float* tp = taps + (c * kk + ij) * int64_t(T);
            for (int t = 0; t < T; ++t) gk[t] += gc[t] * tp[t];
        }
    }
}

void sgemm(char ta, char tb, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
           const float* B, int64_t ldb, float beta, float* C, int64_t ldc, std::atomic<int>& failed) {
    if (dnnl_sgemm(ta, tb, M, N, K, 1.f, A, lda, B, ldb, beta, C, ldc) != dnnl_success) failed = 1;
}

void check_gemm(const std::atomic<int>& failed) {
    if (failed) throw Error(JPAC_ERR_BACKEND, "oneDNN sgemm failed");
}

}  // namespace

void zero_scattered_grads(const ConvProblem& p, const ConvGrads& g) {
    const Plan& plan = *p.plan;
    if (g.input) std::memset(g.input, 0, sizeof(float) * plan.batch * p.in_channels * plan.in_pixels());
    if (p.kernel.grad_guide)
        std::memset(p.kernel.grad_guide, 0,
                    sizeof(float) * plan.batch * p.spec->guide_channels * plan.guide_pixels());
}

int tile_pixels(int64_t column_rows, int64_t pixels) {
    // About 256 KiB of columns per tile; at least 16 pixels for the GEMM.
    int64_t t = (64 * 1024) / std::max<int64_t>(column_rows, 1);
    t = std::clamp<int64_t>(t, 16, 1024);
    return int(std::min(t, std::max<int64_t>(pixels, 1)));
}

void pac_conv_forward(const ConvProblem& p, float* output) {
    if (phased_applies(*p.plan)) return phase_split_forward(p, output);
    dense_conv_forward(p, output);
}

void pac_conv_backward(const ConvProblem& p, const float* grad_output, const ConvGrads& g) {
    if (phased_applies(*p.plan)) return phase_split_backward(p, grad_output, g);
    dense_conv_backward(p, grad_output, g);
}

void dense_conv_forward(const ConvProblem& p, float* output, const OutputMap* map) {
    const Plan& plan = *p.plan;
    const int kk = plan.kk();
    const int64_t ci = p.in_channels, co = p.out_channels, rows = ci * kk;
    const int64_t px = plan.out_pixels(), in_plane = plan.in_pixels();
    const bool direct = direct_conv_applies(p);
    // Direct tiles: bands of a few output rows (up to 2048 pixels), so that
    // each input row is reordered about once.
    const bool shared_streams = p.shared_filters && plan.cols.in_affine.valid;  // no columns needed
    const int T = direct           ? int(std::min<int64_t>(px, std::clamp<int64_t>(8 * plan.cols.out_size, 256, 2048)))
                  : shared_streams ? tile_pixels(kk, px)
                                   : tile_pixels(rows, px);
    const std::vector<float> packed = direct ? pack_weight_for_direct(p) : std::vector<float>();
    const OutputMap out_map = map != nullptr ? *map : OutputMap::dense(plan, co);

    std::vector<ConvWorkspace> ws(threads());
    for (ConvWorkspace& w : ws) {
        w.tile.reserve(plan, p.kernel, p.spec, T);
        if (!direct) w.cols.resize((shared_streams ? kk : rows) * T);
    }
    std::atomic<int> failed{0};
    for_each_tile(plan.batch, px, T, [&](int64_t n, int64_t t0, int len, int tid) {
        ConvWorkspace& w = ws[tid];
        TileView K = tile_kernel(plan, p.kernel, n, t0, len, w.tile);
        if (direct) {
            direct_conv_tile(p, packed.data(), n, t0, len, K, output, out_map, w.cols);
            return;
        }
        float* out = output + n * co * px + t0;
        if (shared_streams) {
            // No columns: the taps stream straight into the output, weighted by W * K.
            float* wk = w.cols.data();
            for (int ij = 0; ij < kk; ++ij)
                for (int t = 0; t < len; ++t) wk[ij * len + t] = p.weight[ij] * K.row(ij)[t];
            shared_filter_taps(plan, p.input + n * ci * in_plane, ci, t0, len, wk, out, px);
        } else {
            float* cols = w.cols.data();
            gather_scaled(plan, p.input + n * ci * in_plane, ci, t0, len, w.tile.in_offsets(), &K, cols);
            if (p.shared_filters) {
                for (int64_t c = 0; c < co; ++c) {
                    float* o = out + c * px;
                    std::fill(o, o + len, 0.f);
                    for (int ij = 0; ij < kk; ++ij) {
                        const float wv = p.weight[ij];
                        const float* col = cols + (c * kk + ij) * int64_t(len);
                        for (int t = 0; t < len; ++t) o[t] += wv * col[t];
                    }
                }
            } else {
                sgemm('N', 'N', co, len, rows, p.weight, rows, cols, len, 0.f, out, px, failed);
            }
        }
        if (p.bias != nullptr)
            for (int64_t c = 0; c < co; ++c)
                for (int t = 0; t < len; ++t) out[c * px + t] += p.bias[c];
    });
    check_gemm(failed);
}

void dense_conv_backward(const ConvProblem& p, const float* grad_output, const ConvGrads& g) {
    if (direct_conv_applies(p)) return direct_conv_backward(p, grad_output, g);
    const Plan& plan = *p.plan;
    const int kk = plan.kk();
    const int64_t ci = p.in_channels, co = p.out_channels, rows = ci * kk;
    const int64_t px = plan.out_pixels(), in_plane = plan.in_pixels();
    const int64_t wsize = p.shared_filters ? kk : co * rows;
    const int T = tile_pixels(rows, px);
    std::vector<ConvWorkspace> ws(threads());
    for (ConvWorkspace& w : ws) {
        w.tile.reserve(plan, p.kernel, p.spec, T);
        w.taps.resize(rows * T);
        w.grad_cols.resize(rows * T);
        if (g.weight) { w.grad_weight.resize(wsize); w.grad_weight.zero(); }
        if (g.bias) { w.grad_bias.resize(co); w.grad_bias.zero(); }
    }
    if (!g.accumulate) zero_scattered_grads(p, g);
    std::atomic<int> failed{0};
    for_each_tile_scatter_safe(plan, T, [&](int64_t n, int64_t t0, int len, int tid) {
        ConvWorkspace& w = ws[tid];
        TileView K = tile_kernel(plan, p.kernel, n, t0, len, w.tile);
        const int* in_off = w.tile.in_offsets();
        const float* gout = grad_output + n * co * px + t0;
        float* gcols = w.grad_cols.data();
        // dL/dcols = W^T dL/dout
        if (p.shared_filters) {
            for (int64_t c = 0; c < co; ++c)
                for (int ij = 0; ij < kk; ++ij) {
                    float* gc = gcols + (c * kk + ij) * int64_t(len);
                    for (int t = 0; t < len; ++t) gc[t] = p.weight[ij] * gout[c * px + t];
                }
        } else {
            sgemm('T', 'N', rows, len, co, p.weight, rows, gout, px, 0.f, gcols, len, failed);
        }
        if (g.input)
            scatter_scaled(plan, gcols, ci, t0, len, in_off, K, g.input + n * ci * in_plane);
        float* taps = w.taps.data();
        gather_scaled(plan, p.input + n * ci * in_plane, ci, t0, len, in_off, nullptr, taps);
        TileView gK = tile_kernel_grad(plan, p.kernel, n, t0, len, w.tile);
        if (gK.ptr != nullptr) {
            kernel_grad(gcols, taps, ci, kk, len, gK);
            tile_kernel_backward(p.kernel, n, t0, len, w.tile);
        }
        if (g.weight) {
            scale_by_kernel(taps, ci, kk, len, K);  // taps become the columns
            if (p.shared_filters) {
                float* gw = w.grad_weight.data();
                for (int64_t c = 0; c < co; ++c)
                    for (int ij = 0; ij < kk; ++ij) {
                        const float* col = taps + (c * kk + ij) * int64_t(len);
                        float s = 0.f;
                        for (int t = 0; t < len; ++t) s += gout[c * px + t] * col[t];
                        gw[ij] += s;
                    }
            } else {
                sgemm('N', 'T', co, rows, len, gout, px, taps, len, 1.f, w.grad_weight.data(), rows, failed);
            }
        }
        if (g.bias)
            for (int64_t c = 0; c < co; ++c) {
                float s = 0.f;
                for (int t = 0; t < len; ++t) s += gout[c * px + t];
                w.grad_bias.data()[c] += s;
            }
    });
    check_gemm(failed);
    sum_thread_grads(ws, p, g, wsize);
}

}  // namespace jpac::cpu
