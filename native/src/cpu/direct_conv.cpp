#include "cpu/direct_conv.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <utility>

#include "cpu/channels_last.hpp"
#include "cpu/isa.hpp"
#include "cpu/simd_isa.hpp"

namespace jpac::cpu {

#if defined(__x86_64__)

namespace {

struct Row {
    const float* const* rows;  // input row r - row0, channels last ([x][c]), for rows the tile reads
    int64_t row0, width, channels, co_padded;
    const int* row_taps;    // rows.in_tap for this output row
    const Axis::Affine* A;  // column taps
    int kh, kw;
    const float* K;         // K row 0 at output column 0 of this row piece (ld = ldk)
    int64_t ldk, xs;
};

// Output channels are padded to whole vectors of the widest instruction set.
constexpr int64_t kChannelPad = 16;

}  // namespace

// The micro-kernel for AVX2 + FMA: 8 lanes, up to 6 pixels (12 of the 16 ymm registers accumulate).
#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace avx2_kernel {
struct Simd : Avx2Simd {
    static constexpr int P = 6;
};
#include "cpu/direct_conv_kernel.inc"
}  // namespace avx2_kernel
#pragma GCC pop_options

// The same for AVX-512: 16 lanes, up to 12 pixels (24 of the 32 zmm registers accumulate).
#pragma GCC push_options
#pragma GCC target("avx512f,fma")
namespace avx512_kernel {
struct Simd : Avx512Simd {
    static constexpr int P = 12;
};
#include "cpu/direct_conv_kernel.inc"
}  // namespace avx512_kernel
#pragma GCC pop_options

bool direct_conv_applies(const ConvProblem& p) {
    const Plan& plan = *p.plan;
    return cpu_isa() != Isa::Generic && !p.shared_filters && plan.cols.in_affine.valid && plan.cols.in_affine.step == 1 &&
           plan.cols.in_size < (int64_t(1) << 30);
}

void direct_conv_tile(const ConvProblem& p, const float* packed, int64_t n, int64_t t0, int T, TileView K,
                      float* output, const OutputMap& map, ScratchBuffer& rows_buffer) {
    const Plan& plan = *p.plan;
    const int64_t wo = plan.cols.out_size, co = p.out_channels, ci = p.in_channels;
    const int64_t width = plan.cols.in_size;
    // The input rows the tile reads, channels-last.
    const TileRows rows(plan, t0 / wo, (t0 + T - 1) / wo);
    rows_buffer.resize(size_t(std::max<int64_t>(rows.used, 1) * width * ci));
    const float* in = p.input + n * ci * plan.in_pixels();
    const std::vector<float*> row_at = rows.pointers(rows_buffer.data(), width * ci);
    for (size_t i = 0; i < row_at.size(); ++i)
        if (row_at[i] != nullptr)
            to_channels_last(in + (rows.row0 + int64_t(i)) * width, plan.in_pixels(), ci, width, ci, row_at[i]);
    Row row{};
    row.rows = row_at.data();
    row.row0 = rows.row0;
    row.width = width;
    row.channels = ci;
    row.co_padded = (co + kChannelPad - 1) / kChannelPad * kChannelPad;
    row.A = &plan.cols.in_affine;
    row.kh = plan.rows.k;
    row.kw = plan.cols.k;
    row.ldk = K.ld;
    float* out_n = output + n * map.image + map.origin;
    const std::vector<float> zeros(p.bias ? 0 : size_t(co), 0.f);
    const float* bias = p.bias ? p.bias : zeros.data();
    const auto piece = cpu_isa() == Isa::Avx512 ? avx512_kernel::row_piece : avx2_kernel::row_piece;
    for_each_row_piece(plan, t0, T, [&](int ts, int64_t y, int64_t xs, int64_t xe) {
        row.row_taps = plan.rows.in_tap.data() + y * row.kh;
        row.K = K.ptr + ts;
        row.xs = xs;
        piece(row, packed, bias, co, out_n + y * map.row, map.plane, map.col, xs, xe);
    });
}

#else

bool direct_conv_applies(const ConvProblem&) { return false; }
void direct_conv_tile(const ConvProblem&, const float*, int64_t, int64_t, int, TileView, float*, const OutputMap&,
                      ScratchBuffer&) {}

#endif

std::vector<float> pack_weight_for_direct(const ConvProblem& p) {
    const int64_t co = p.out_channels, ci = p.in_channels, kk = p.plan->kk();
    const int64_t cop = (co + 15) / 16 * 16;  // zero-padded to whole vectors (of any instruction set)
    std::vector<float> packed(size_t(cop * ci * kk), 0.f);
    for (int64_t o = 0; o < co; ++o)
        for (int64_t c = 0; c < ci; ++c)
            for (int64_t ij = 0; ij < kk; ++ij) packed[(ij * ci + c) * cop + o] = p.weight[(o * ci + c) * kk + ij];
    return packed;
}

}  // namespace jpac::cpu
