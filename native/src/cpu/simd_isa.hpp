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
    JPAC_SIMD_AVX2 static inline float hsum(V v) {
        __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
        s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        s = _mm_add_ss(s, _mm_movehdup_ps(s));
        return _mm_cvtss_f32(s);
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
    JPAC_SIMD_AVX512 static inline float hsum(V v) { return _mm512_reduce_add_ps(v); }
};
#undef JPAC_SIMD_AVX512

}  // namespace jpac::cpu
#endif
