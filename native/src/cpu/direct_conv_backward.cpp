// GCC 12's AVX-512 lane shuffles (Simd::add_lane_sums) pass an undefined
// vector as their unused mask operand, which -Wmaybe-uninitialized reports
// once inlined here; it must be off where <immintrin.h> is first read.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include "cpu/direct_conv_backward.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>
#include <utility>
#include <vector>

#include "cpu/channels_last.hpp"
#include "cpu/direct_conv.hpp"
#include "cpu/isa.hpp"
#include "cpu/parallel.hpp"
#include "cpu/simd.hpp"
#include "cpu/simd_isa.hpp"

namespace jpac::cpu {

#if defined(__x86_64__)

namespace {

// One row piece of a tile, as the micro-kernels see it.
struct BackwardRow {
    const float* const* x_rows;  // input row r - row0, channels-last with `cl` floats per pixel
    float* const* gx_rows;       // their gradients, same layout (null: no input gradient)
    int64_t row0, cl, co;
    const int* row_taps;    // rows.in_tap for this output row
    const Axis::Affine* A;  // column taps
    int kh, kw;
    const float* K;         // K row 0 at output column xs (ld ldk)
    float* gK;              // dL/dK row 0 at column xs (ld ldgk; null: not needed)
    int64_t ldk, ldgk, xs, xe;
    const float* g;         // dL/dout channels-last (co per pixel) at column xs
};

// Input channels are padded to whole vectors of the widest instruction set.
constexpr int64_t kChannelPad = 16;

}  // namespace

#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace avx2_backward {
// 12 of the 16 ymm registers accumulate.
struct Simd : Avx2Simd {
    static constexpr int P = 6;
    static constexpr int OB = 6;
};
#include "cpu/direct_conv_backward_kernel.inc"
}  // namespace avx2_backward
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx512f,fma")
namespace avx512_backward {
// 24 of the 32 zmm registers accumulate.
struct Simd : Avx512Simd {
    static constexpr int P = 12;
    static constexpr int OB = 12;
};
#include "cpu/direct_conv_backward_kernel.inc"
}  // namespace avx512_backward
#pragma GCC pop_options

namespace {

struct DirectBackwardWorkspace {
    TileWorkspace tile;
    ScratchBuffer x_rows, gx_rows, g_cl, g_packed;
    ScratchBuffer gw_packed;                // [kk][Co][cl]
    ScratchBuffer grad_weight, grad_bias;   // what sum_thread_grads reads
};

// W as [kk][Co][cl], input channels zero-padded to cl.
std::vector<float> pack_weight_transposed(const ConvProblem& p, int64_t cl) {
    const int64_t co = p.out_channels, ci = p.in_channels, kk = p.plan->kk();
    std::vector<float> packed(size_t(kk * co * cl), 0.f);
    for (int64_t o = 0; o < co; ++o)
        for (int64_t c = 0; c < ci; ++c)
            for (int64_t ij = 0; ij < kk; ++ij) packed[(ij * co + o) * cl + c] = p.weight[(o * ci + c) * kk + ij];
    return packed;
}

}  // namespace

namespace {

// dL/dout of one row piece, channels-last: g_cl[x - xs][o] for columns
// [xs, xe) of output row y, read where map says. Strided columns (a phase
// class of a strided transposed conv) are first packed per channel (whole
// vector loads at step 2), then transposed as contiguous rows are.
void load_grad_piece(const float* gout_n, const OutputMap& map, int64_t co, int64_t y, int64_t xs, int64_t xe,
                     ScratchBuffer& packed, float* g_cl) {
    const float* src = gout_n + y * map.row + xs * map.col;
    const int64_t n = xe - xs;
    if (map.col == 1) return to_channels_last(src, map.plane, co, n, co, g_cl);
    packed.resize(size_t(co * n));
    float* dst = packed.data();
    with_constant_step(map.col, [&](auto step) {
        for (int64_t o = 0; o < co; ++o)
            for (int64_t x = 0; x < n; ++x) dst[o * n + x] = src[o * map.plane + x * int64_t(step)];
    });
    to_channels_last(dst, n, co, n, co, g_cl);
}

}  // namespace

void direct_conv_backward(const ConvProblem& p, const float* grad_output, const ConvGrads& g,
                          const OutputMap* gmap) {
    const Plan& plan = *p.plan;
    const int kk = plan.kk();
    const int64_t ci = p.in_channels, co = p.out_channels, cl = (ci + kChannelPad - 1) / kChannelPad * kChannelPad;
    const int64_t px = plan.out_pixels(), in_plane = plan.in_pixels(), wo = plan.cols.out_size;
    const int64_t width = plan.cols.in_size, wsize = co * ci * kk;
    // Tiles of four output rows (up to 8192 pixels): each input row is copied
    // channels-last about twice; row_piece keeps each tap's work in cache.
    const int T = int(std::min<int64_t>(px, std::clamp<int64_t>(4 * wo, 256, 8192)));
    const std::vector<float> wt = pack_weight_transposed(p, cl);
    std::vector<DirectBackwardWorkspace> ws(threads());
    for (DirectBackwardWorkspace& w : ws) {
        w.tile.reserve(plan, p.kernel, p.spec, T);
        w.g_cl.resize(size_t(T) * co);
        if (g.weight) { w.gw_packed.resize(size_t(kk * co * cl)); w.gw_packed.zero(); }
        if (g.bias) { w.grad_bias.resize(co); w.grad_bias.zero(); }
    }
    if (!g.accumulate) zero_scattered_grads(p, g);
    const bool avx512 = cpu_isa() == Isa::Avx512;
    const OutputMap map = gmap != nullptr ? *gmap : OutputMap::dense(plan, co);
    for_each_tile_scatter_safe(plan, T, [&](int64_t n, int64_t t0, int len, int tid) {
        DirectBackwardWorkspace& w = ws[tid];
        const TileView K = tile_kernel(plan, p.kernel, n, t0, len, w.tile);
        const TileView gK = tile_kernel_grad(plan, p.kernel, n, t0, len, w.tile);
        if (gK.ptr != nullptr)
            for (int ij = 0; ij < kk; ++ij) std::fill(gK.row(ij), gK.row(ij) + len, 0.f);
        // The input rows the tile reads, channels-last with zeroed padding
        // lanes (the padded weights are 0 there, and 0 * garbage may be NaN).
        const TileRows rows(plan, t0 / wo, (t0 + len - 1) / wo);
        const int64_t row_floats = width * cl, used = std::max<int64_t>(rows.used, 1);
        w.x_rows.resize(size_t(used * row_floats));
        if (cl > ci) w.x_rows.zero();
        const std::vector<float*> x_at = rows.pointers(w.x_rows.data(), row_floats);
        const float* in = p.input + n * ci * in_plane;
        for (size_t i = 0; i < x_at.size(); ++i)
            if (x_at[i] != nullptr)
                to_channels_last(in + (rows.row0 + int64_t(i)) * width, in_plane, ci, width, cl, x_at[i]);
        std::vector<float*> gx_at;
        if (g.input) {
            w.gx_rows.resize(size_t(used * row_floats));
            w.gx_rows.zero();
            gx_at = rows.pointers(w.gx_rows.data(), row_floats);
        }
        const float* gout_n = grad_output + n * map.image + map.origin;

        BackwardRow r{};
        r.x_rows = x_at.data();
        r.gx_rows = g.input ? gx_at.data() : nullptr;
        r.row0 = rows.row0;
        r.cl = cl;
        r.co = co;
        r.A = &plan.cols.in_affine;
        r.kh = plan.rows.k;
        r.kw = plan.cols.k;
        r.ldk = K.ld;
        r.ldgk = gK.ld;
        float* gw = g.weight ? w.gw_packed.data() : nullptr;
        for_each_row_piece(plan, t0, len, [&](int ts, int64_t y, int64_t xs, int64_t xe) {
            r.row_taps = plan.rows.in_tap.data() + y * r.kh;
            r.K = K.ptr + ts;
            r.gK = gK.ptr != nullptr ? gK.ptr + ts : nullptr;
            r.xs = xs;
            r.xe = xe;
            r.g = w.g_cl.data() + int64_t(ts) * co;
            load_grad_piece(gout_n, map, co, y, xs, xe, w.g_packed, w.g_cl.data() + int64_t(ts) * co);
            if (avx512) avx512_backward::row_piece(r, wt.data(), gw);
            else avx2_backward::row_piece(r, wt.data(), gw);
        });
        if (g.input)
            for (size_t i = 0; i < gx_at.size(); ++i)
                if (gx_at[i] != nullptr)
                    add_from_channels_last(gx_at[i], cl, ci, width, in_plane,
                                           g.input + n * ci * in_plane + (rows.row0 + int64_t(i)) * width);
        if (gK.ptr != nullptr) tile_kernel_backward(p.kernel, n, t0, len, w.tile);
        if (g.bias)
            for (int t = 0; t < len; ++t)
                for (int64_t c = 0; c < co; ++c) w.grad_bias.data()[c] += w.g_cl.data()[t * co + c];
    });
    if (g.weight)
        for (DirectBackwardWorkspace& w : ws) {  // [kk][Co][cl] -> [Co][Ci][kk]
            w.grad_weight.resize(size_t(wsize));
            const float* src = w.gw_packed.data();
            for (int64_t o = 0; o < co; ++o)
                for (int64_t c = 0; c < ci; ++c)
                    for (int64_t ij = 0; ij < kk; ++ij)
                        w.grad_weight.data()[(o * ci + c) * kk + ij] = src[(ij * co + o) * cl + c];
        }
    sum_thread_grads(ws, p, g, wsize);
}

#else

void direct_conv_backward(const ConvProblem&, const float*, const ConvGrads&, const OutputMap*) {}

#endif

}  // namespace jpac::cpu
