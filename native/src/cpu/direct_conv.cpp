#include "cpu/direct_conv.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <utility>

#include "cpu/isa.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#define JPAC_AVX2 __attribute__((target("avx2,fma")))
#endif

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
struct Simd {
    using V = __m256;
    static constexpr int L = 8;
    static constexpr int P = 6;
    static inline V zero() { return _mm256_setzero_ps(); }
    static inline V load(const float* p) { return _mm256_loadu_ps(p); }
    static inline void store(float* p, V v) { _mm256_storeu_ps(p, v); }
    static inline V bcast(const float* p) { return _mm256_broadcast_ss(p); }
    static inline V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
};
#include "cpu/direct_conv_kernel.inc"
}  // namespace avx2_kernel
#pragma GCC pop_options

// The same for AVX-512: 16 lanes, up to 12 pixels (24 of the 32 zmm registers accumulate).
#pragma GCC push_options
#pragma GCC target("avx512f,fma")
namespace avx512_kernel {
struct Simd {
    using V = __m512;
    static constexpr int L = 16;
    static constexpr int P = 12;
    static inline V zero() { return _mm512_setzero_ps(); }
    static inline V load(const float* p) { return _mm512_loadu_ps(p); }
    static inline void store(float* p, V v) { _mm512_storeu_ps(p, v); }
    static inline V bcast(const float* p) { return _mm512_set1_ps(*p); }
    static inline V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
};
#include "cpu/direct_conv_kernel.inc"
}  // namespace avx512_kernel
#pragma GCC pop_options

namespace {

// dst[x][c] = src[c * plane + x] for one row: 8x8 blocks transposed in registers.
JPAC_AVX2 void to_channels_last(const float* src, int64_t plane, int64_t channels, int64_t width, float* dst) {
    int64_t c0 = 0;
    for (; c0 + 8 <= channels; c0 += 8) {
        int64_t x0 = 0;
        for (; x0 + 8 <= width; x0 += 8) {
            __m256 r[8], t[8];
            for (int q = 0; q < 8; ++q) r[q] = _mm256_loadu_ps(src + (c0 + q) * plane + x0);
            for (int q = 0; q < 8; q += 2) {
                t[q] = _mm256_unpacklo_ps(r[q], r[q + 1]);
                t[q + 1] = _mm256_unpackhi_ps(r[q], r[q + 1]);
            }
            for (int q = 0; q < 8; q += 4) {
                r[q] = _mm256_shuffle_ps(t[q], t[q + 2], 0x44);
                r[q + 1] = _mm256_shuffle_ps(t[q], t[q + 2], 0xEE);
                r[q + 2] = _mm256_shuffle_ps(t[q + 1], t[q + 3], 0x44);
                r[q + 3] = _mm256_shuffle_ps(t[q + 1], t[q + 3], 0xEE);
            }
            for (int q = 0; q < 4; ++q) {
                t[q] = _mm256_permute2f128_ps(r[q], r[q + 4], 0x20);
                t[q + 4] = _mm256_permute2f128_ps(r[q], r[q + 4], 0x31);
            }
            // t[q] now holds pixel x0 + q's 8 channels.
            for (int q = 0; q < 8; ++q) _mm256_storeu_ps(dst + (x0 + q) * channels + c0, t[q]);
        }
        for (; x0 < width; ++x0)
            for (int q = 0; q < 8; ++q) dst[x0 * channels + c0 + q] = src[(c0 + q) * plane + x0];
    }
    for (; c0 < channels; ++c0)
        for (int64_t x = 0; x < width; ++x) dst[x * channels + c0] = src[c0 * plane + x];
}

}  // namespace

bool direct_conv_applies(const ConvProblem& p) {
    const Plan& plan = *p.plan;
    return cpu_isa() != Isa::Generic && !p.shared_filters && plan.cols.in_affine.valid && plan.cols.in_affine.step == 1 &&
           plan.cols.in_size < (int64_t(1) << 30);
}

void direct_conv_tile(const ConvProblem& p, const float* packed, int64_t n, int64_t t0, int T, TileView K,
                      float* output, const OutputMap& map, ScratchBuffer& rows_buffer) {
    const Plan& plan = *p.plan;
    const int64_t wo = plan.cols.out_size, co = p.out_channels, ci = p.in_channels;
    const int64_t width = plan.cols.in_size, kh = plan.rows.k;
    // The input rows the tile reads (with a large dilation, few of the rows in
    // between), copied channels-last so that the micro-kernel's loads walk
    // memory contiguously (channel planes are far apart: TLB misses).
    const int64_t y0 = t0 / wo, y1 = (t0 + T - 1) / wo;
    int64_t r0 = plan.rows.in_size, r1 = -1;
    for (int64_t y = y0; y <= y1; ++y)
        for (int64_t i = 0; i < kh; ++i) {
            const int r = plan.rows.in_tap[y * kh + i];
            if (r >= 0) { r0 = std::min<int64_t>(r0, r); r1 = std::max<int64_t>(r1, r); }
        }
    std::vector<int64_t> slot(size_t(std::max<int64_t>(r1 - r0 + 1, 0)), -1);
    int64_t used = 0;
    for (int64_t y = y0; y <= y1; ++y)
        for (int64_t i = 0; i < kh; ++i) {
            const int r = plan.rows.in_tap[y * kh + i];
            if (r >= 0 && slot[r - r0] < 0) slot[r - r0] = used++;
        }
    rows_buffer.resize(size_t(std::max<int64_t>(used, 1) * width * ci));
    const float* in = p.input + n * ci * plan.in_pixels();
    std::vector<const float*> row_at(slot.size(), nullptr);
    for (int64_t r = r0; r <= r1; ++r) {
        if (slot[r - r0] < 0) continue;
        float* dst = rows_buffer.data() + slot[r - r0] * width * ci;
        to_channels_last(in + r * width, plan.in_pixels(), ci, width, dst);
        row_at[r - r0] = dst;
    }
    Row row{};
    row.rows = row_at.data();
    row.row0 = r0;
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
