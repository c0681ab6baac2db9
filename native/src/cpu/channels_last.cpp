#include "cpu/channels_last.hpp"

#include <algorithm>

#if defined(__x86_64__)
#include <immintrin.h>
#define JPAC_AVX2 __attribute__((target("avx2,fma")))
#else
#define JPAC_AVX2
#endif

namespace jpac::cpu {

TileRows::TileRows(const Plan& plan, int64_t y0, int64_t y1) {
    const int64_t kh = plan.rows.k;
    int64_t r0 = plan.rows.in_size, r1 = -1;
    for (int64_t y = y0; y <= y1; ++y)
        for (int64_t i = 0; i < kh; ++i) {
            const int r = plan.rows.in_tap[y * kh + i];
            if (r >= 0) { r0 = std::min<int64_t>(r0, r); r1 = std::max<int64_t>(r1, r); }
        }
    row0 = r0;
    slot.assign(size_t(std::max<int64_t>(r1 - r0 + 1, 0)), -1);
    for (int64_t y = y0; y <= y1; ++y)
        for (int64_t i = 0; i < kh; ++i) {
            const int r = plan.rows.in_tap[y * kh + i];
            if (r >= 0 && slot[r - r0] < 0) slot[r - r0] = used++;
        }
}

std::vector<float*> TileRows::pointers(float* buffer, int64_t row_floats) const {
    std::vector<float*> at(slot.size(), nullptr);
    for (size_t i = 0; i < slot.size(); ++i)
        if (slot[i] >= 0) at[i] = buffer + slot[i] * row_floats;
    return at;
}

#if defined(__x86_64__)

namespace {

// Transposes the 8x8 block r[q][l] in registers: afterwards r[l] holds column l.
JPAC_AVX2 inline void transpose8(__m256 (&r)[8]) {
    __m256 t[8];
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
    for (int q = 0; q < 8; ++q) r[q] = t[q];
}

}  // namespace

JPAC_AVX2 void to_channels_last(const float* src, int64_t plane, int64_t channels, int64_t width, int64_t ld,
                                float* dst) {
    int64_t c0 = 0;
    for (; c0 + 8 <= channels; c0 += 8) {
        int64_t x0 = 0;
        for (; x0 + 8 <= width; x0 += 8) {
            __m256 r[8];
            for (int q = 0; q < 8; ++q) r[q] = _mm256_loadu_ps(src + (c0 + q) * plane + x0);
            transpose8(r);  // r[q]: pixel x0 + q's 8 channels
            for (int q = 0; q < 8; ++q) _mm256_storeu_ps(dst + (x0 + q) * ld + c0, r[q]);
        }
        for (; x0 < width; ++x0)
            for (int q = 0; q < 8; ++q) dst[x0 * ld + c0 + q] = src[(c0 + q) * plane + x0];
    }
    for (; c0 < channels; ++c0)
        for (int64_t x = 0; x < width; ++x) dst[x * ld + c0] = src[c0 * plane + x];
}

JPAC_AVX2 void add_from_channels_last(const float* src, int64_t ld, int64_t channels, int64_t width, int64_t plane,
                                      float* dst) {
    int64_t c0 = 0;
    for (; c0 + 8 <= channels; c0 += 8) {
        int64_t x0 = 0;
        for (; x0 + 8 <= width; x0 += 8) {
            __m256 r[8];
            for (int q = 0; q < 8; ++q) r[q] = _mm256_loadu_ps(src + (x0 + q) * ld + c0);
            transpose8(r);  // r[q]: channel c0 + q at pixels x0 .. x0 + 7
            for (int q = 0; q < 8; ++q) {
                float* d = dst + (c0 + q) * plane + x0;
                _mm256_storeu_ps(d, _mm256_add_ps(_mm256_loadu_ps(d), r[q]));
            }
        }
        for (; x0 < width; ++x0)
            for (int q = 0; q < 8; ++q) dst[(c0 + q) * plane + x0] += src[x0 * ld + c0 + q];
    }
    for (; c0 < channels; ++c0)
        for (int64_t x = 0; x < width; ++x) dst[c0 * plane + x] += src[x * ld + c0];
}

#else

void to_channels_last(const float* src, int64_t plane, int64_t channels, int64_t width, int64_t ld, float* dst) {
    for (int64_t c = 0; c < channels; ++c)
        for (int64_t x = 0; x < width; ++x) dst[x * ld + c] = src[c * plane + x];
}

void add_from_channels_last(const float* src, int64_t ld, int64_t channels, int64_t width, int64_t plane,
                            float* dst) {
    for (int64_t c = 0; c < channels; ++c)
        for (int64_t x = 0; x < width; ++x) dst[c * plane + x] += src[x * ld + c];
}

#endif

}  // namespace jpac::cpu
