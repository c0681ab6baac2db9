#include "cpu/direct_conv.hpp"

#include <algorithm>

#if defined(__x86_64__)
#include <immintrin.h>
#define JPAC_AVX2 __attribute__((target("avx2,fma")))
#endif

namespace jpac::cpu {

#if defined(__x86_64__)

namespace {

bool cpu_has_avx2() {
    static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return yes;
}

constexpr int kPixels = 6;   // pixels per micro-tile
constexpr int kOutBlock = 16;  // output channels per micro-tile (two AVX vectors)

struct Row {
    const float* const* rows;  // input row r - row0, channels last ([x][c]), for rows the tile reads
    int64_t row0, width, channels, co_padded;
    const int* row_taps;    // rows.in_tap for this output row
    const Axis::Affine* A;  // column taps
    int kh, kw;
    const float* K;         // K row 0 at output column 0 of this row piece (ld = ldk)
    int64_t ldk, xs;
};

// Y[v][p] += sum_c W[o0 + 8v .., c, tap] * v[c, tap(x0 + p)]: a P x 8V
// register GEMM whose inputs are broadcast straight from the input rows.
template <int P, int V>
JPAC_AVX2 inline void tap_gemm(const float* src, const float* w, int64_t co, int64_t channels, __m256 (&y)[V][P]) {
    for (int64_t c = 0; c < channels; ++c) {
        __m256 wv[V];
        for (int v = 0; v < V; ++v) wv[v] = _mm256_loadu_ps(w + c * co + 8 * v);
        const float* s = src + c;
#pragma GCC unroll 6
        for (int p = 0; p < P; ++p) {
            const __m256 b = _mm256_broadcast_ss(s + p * channels);
            for (int v = 0; v < V; ++v) y[v][p] = _mm256_fmadd_ps(b, wv[v], y[v][p]);
        }
    }
}

// acc[p][o0 + ..] += K[tap, x0 + p] * Y[.][p], for the taps of one pixel run.
template <int P, int V>
JPAC_AVX2 inline void fold(const float* k, const __m256 (&y)[V][P], float (*acc)[kOutBlock]) {
    for (int p = 0; p < P; ++p) {
        const __m256 kv = _mm256_broadcast_ss(k + p);
        for (int v = 0; v < V; ++v)
            _mm256_storeu_ps(acc[p] + 8 * v, _mm256_fmadd_ps(kv, y[v][p], _mm256_loadu_ps(acc[p] + 8 * v)));
    }
}

// acc[p] += sum over taps of K[tap, x0+p] * Y_tap[p], for P consecutive
// pixels from x0 and output channels [o0, o0 + 8V). Taps whose row lies in
// the padding are skipped; a tap that leaves the row for some of the P pixels
// is done pixel by pixel for the ones inside (padding reads 0).
template <int P, int V>
JPAC_AVX2 void micro_tile(const Row& row, const float* packed, int64_t o0, int64_t x0, float (*acc)[kOutBlock]) {
    const int64_t channels = row.channels, co = row.co_padded;
    for (int i = 0; i < row.kh; ++i) {
        const int r = row.row_taps[i];
        if (r < 0) continue;
        for (int j = 0; j < row.kw; ++j) {
            const int ij = i * row.kw + j;
            const int64_t lo = row.A->lo[j], hi = row.A->hi[j];
            const float* src = row.rows[r - row.row0] + (row.A->first[j] + (x0 - lo)) * channels;
            const float* w = packed + (int64_t(ij) * channels) * co + o0;
            const float* k = row.K + ij * row.ldk + (x0 - row.xs);
            if (x0 >= lo && x0 + P <= hi) {
                __m256 y[V][P];
                for (int v = 0; v < V; ++v)
                    for (int p = 0; p < P; ++p) y[v][p] = _mm256_setzero_ps();
                tap_gemm<P, V>(src, w, co, channels, y);
                fold<P, V>(k, y, acc);
                continue;
            }
            for (int p = 0; p < P; ++p) {
                if (x0 + p < lo || x0 + p >= hi) continue;
                __m256 y[V][1];
                for (int v = 0; v < V; ++v) y[v][0] = _mm256_setzero_ps();
                tap_gemm<1, V>(src + p * channels, w, co, channels, y);
                fold<1, V>(k + p, y, acc + p);
            }
        }
    }
}

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

using MicroTile = void (*)(const Row&, const float*, int64_t, int64_t, float (*)[kOutBlock]);
// [vectors - 1][pixels]: 16 or 8 output channels, 1 to 6 pixels.
constexpr MicroTile kMicroTiles[2][kPixels + 1] = {
    {nullptr, micro_tile<1, 1>, micro_tile<2, 1>, micro_tile<3, 1>, micro_tile<4, 1>, micro_tile<5, 1>,
     micro_tile<6, 1>},
    {nullptr, micro_tile<1, 2>, micro_tile<2, 2>, micro_tile<3, 2>, micro_tile<4, 2>, micro_tile<5, 2>,
     micro_tile<6, 2>}};

}  // namespace

bool direct_conv_applies(const ConvProblem& p) {
    const Plan& plan = *p.plan;
    return cpu_has_avx2() && !p.shared_filters && plan.cols.in_affine.valid && plan.cols.in_affine.step == 1 &&
           plan.cols.in_size < (int64_t(1) << 30);
}

void direct_conv_tile(const ConvProblem& p, const float* packed, int64_t n, int64_t t0, int T, TileView K,
                      float* output, ScratchBuffer& rows_buffer) {
    const Plan& plan = *p.plan;
    const int64_t px = plan.out_pixels(), wo = plan.cols.out_size, co = p.out_channels, ci = p.in_channels;
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
    row.co_padded = (co + 7) / 8 * 8;
    row.A = &plan.cols.in_affine;
    row.kh = plan.rows.k;
    row.kw = plan.cols.k;
    row.ldk = K.ld;
    float* out_n = output + n * co * px;
    alignas(32) float acc[kPixels][kOutBlock];
    const std::vector<float> zeros(p.bias ? 0 : size_t(co), 0.f);
    const float* bias = p.bias ? p.bias : zeros.data();
    for_each_row_piece(plan, t0, T, [&](int ts, int64_t y, int64_t xs, int64_t xe) {
        row.row_taps = plan.rows.in_tap.data() + y * row.kh;
        row.K = K.ptr + ts;
        row.xs = xs;
        for (int64_t x = xs; x < xe;) {
            const int n_px = int(std::min<int64_t>(kPixels, xe - x));
            // Output blocks innermost: the chunk's input lines stay in L1 between them.
            for (int64_t o0 = 0; o0 < co; o0 += kOutBlock) {
                const int64_t ob = std::min<int64_t>(kOutBlock, co - o0);
                for (int q = 0; q < n_px; ++q)
                    for (int b = 0; b < kOutBlock; ++b) acc[q][b] = b < ob ? bias[o0 + b] : 0.f;
                kMicroTiles[ob > 8 ? 1 : 0][n_px](row, packed, o0, x, acc);
                float* o = out_n + o0 * px + y * wo + x;
                for (int64_t b = 0; b < ob; ++b)
                    for (int q = 0; q < n_px; ++q) o[b * px + q] = acc[q][b];
            }
            x += n_px;
        }
    });
}

#else

bool direct_conv_applies(const ConvProblem&) { return false; }
void direct_conv_tile(const ConvProblem&, const float*, int64_t, int64_t, int, TileView, float*, ScratchBuffer&) {}

#endif

std::vector<float> pack_weight_for_direct(const ConvProblem& p) {
    const int64_t co = p.out_channels, ci = p.in_channels, kk = p.plan->kk();
    const int64_t cop = (co + 7) / 8 * 8;  // zero-padded to whole vectors
    std::vector<float> packed(size_t(cop * ci * kk), 0.f);
    for (int64_t o = 0; o < co; ++o)
        for (int64_t c = 0; c < ci; ++c)
            for (int64_t ij = 0; ij < kk; ++ij) packed[(ij * ci + c) * cop + o] = p.weight[(o * ci + c) * kk + ij];
    return packed;
}

}  // namespace jpac::cpu
