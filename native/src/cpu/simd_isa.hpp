// The vector operations the hand-written micro-kernels are written in, once
// per instruction set: V is the register type, L its float lanes. A kernel
// template (a .inc file) is instantiated per struct inside a matching
// `#pragma GCC target` region, so every call here inlines.
#pragma once
#if defined(__x86_64__)
#include <immintrin.h>

namespace jpac::cpu {

#define JPAC_SIMD_AVX2 __attribute__((target("avx2,fma"), always_inline))
struct Avx2Simd {
    using V = __m256;
    static constexpr int L = 8;
    JPAC_SIMD_AVX2 static inline V zero() { return _mm256_setzero_ps(); }
    JPAC_SIMD_AVX2 static inline V load(const float* p) { return _mm256_loadu_ps(p); }
    JPAC_SIMD_AVX2 static inline void store(float* p, V v) { _mm256_storeu_ps(p, v); }
    JPAC_SIMD_AVX2 static inline V bcast(const float* p) { return _mm256_broadcast_ss(p); }
    JPAC_SIMD_AVX2 static inline V mul(V a, V b) { return _mm256_mul_ps(a, b); }
    JPAC_SIMD_AVX2 static inline V add(V a, V b) { return _mm256_add_ps(a, b); }
    JPAC_SIMD_AVX2 static inline V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
    // Per 128-bit lane: the partial sums of a, b, c and d, in that order.
    JPAC_SIMD_AVX2 static inline V sum4(V a, V b, V c, V d) {
        const V u = _mm256_add_ps(_mm256_unpacklo_ps(a, b), _mm256_unpackhi_ps(a, b));
        const V w = _mm256_add_ps(_mm256_unpacklo_ps(c, d), _mm256_unpackhi_ps(c, d));
        return _mm256_add_ps(_mm256_shuffle_ps(u, w, 0x44), _mm256_shuffle_ps(u, w, 0xEE));
    }
    // out[p] += the sum of s[p]'s lanes, p < N <= 8: a transposing tree, far
    // fewer shuffles than one horizontal sum per vector.
    template <int N>
    JPAC_SIMD_AVX2 static inline void add_lane_sums(const V (&s)[N], float* out) {
        static_assert(N >= 1 && N <= 8, "8 sums per vector");
        V z[2];
        for (int q = 0; q < 2; ++q) {
            V v[4];
            for (int i = 0; i < 4; ++i) v[i] = 4 * q + i < N ? s[4 * q + i] : zero();
            z[q] = sum4(v[0], v[1], v[2], v[3]);
        }
        alignas(32) float t[8];
        _mm256_store_ps(t, _mm256_add_ps(_mm256_permute2f128_ps(z[0], z[1], 0x20),
                                         _mm256_permute2f128_ps(z[0], z[1], 0x31)));
        for (int p = 0; p < N; ++p) out[p] += t[p];
    }
};
#undef JPAC_SIMD_AVX2

#define JPAC_SIMD_AVX512 __attribute__((target("avx512f,fma"), always_inline))
struct Avx512Simd {
    using V = __m512;
    static constexpr int L = 16;
    JPAC_SIMD_AVX512 static inline V zero() { return _mm512_setzero_ps(); }
    JPAC_SIMD_AVX512 static inline V load(const float* p) { return _mm512_loadu_ps(p); }
    JPAC_SIMD_AVX512 static inline void store(float* p, V v) { _mm512_storeu_ps(p, v); }
    JPAC_SIMD_AVX512 static inline V bcast(const float* p) { return _mm512_set1_ps(*p); }
    JPAC_SIMD_AVX512 static inline V mul(V a, V b) { return _mm512_mul_ps(a, b); }
    JPAC_SIMD_AVX512 static inline V add(V a, V b) { return _mm512_add_ps(a, b); }
    JPAC_SIMD_AVX512 static inline V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
    // Per 128-bit lane: the partial sums of a, b, c and d, in that order.
    JPAC_SIMD_AVX512 static inline V sum4(V a, V b, V c, V d) {
        const V u = _mm512_add_ps(_mm512_unpacklo_ps(a, b), _mm512_unpackhi_ps(a, b));
        const V w = _mm512_add_ps(_mm512_unpacklo_ps(c, d), _mm512_unpackhi_ps(c, d));
        return _mm512_add_ps(_mm512_shuffle_ps(u, w, 0x44), _mm512_shuffle_ps(u, w, 0xEE));
    }
    // out[p] += the sum of s[p]'s lanes, p < N <= 16 (see Avx2Simd).
    template <int N>
    JPAC_SIMD_AVX512 static inline void add_lane_sums(const V (&s)[N], float* out) {
        static_assert(N >= 1 && N <= 16, "16 sums per vector");
        V z[4];
        for (int q = 0; q < 4; ++q) {
            V v[4];
            for (int i = 0; i < 4; ++i) v[i] = 4 * q + i < N ? s[4 * q + i] : zero();
            z[q] = sum4(v[0], v[1], v[2], v[3]);
        }
        // Lane q of z[g] holds group g's sums over 128-bit lane q: add the lanes.
        const V a01 = _mm512_add_ps(_mm512_shuffle_f32x4(z[0], z[1], 0x44), _mm512_shuffle_f32x4(z[0], z[1], 0xEE));
        const V a23 = _mm512_add_ps(_mm512_shuffle_f32x4(z[2], z[3], 0x44), _mm512_shuffle_f32x4(z[2], z[3], 0xEE));
        const V r = _mm512_add_ps(_mm512_shuffle_f32x4(a01, a23, 0x88), _mm512_shuffle_f32x4(a01, a23, 0xDD));
        const __mmask16 m = __mmask16((1u << N) - 1u);
        _mm512_mask_storeu_ps(out, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, out), r));
    }
};
#undef JPAC_SIMD_AVX512

}  // namespace jpac::cpu
#endif
