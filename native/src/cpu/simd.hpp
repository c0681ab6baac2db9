// Helpers for the hot loops: a vectorisable exp, and the attribute that
// compiles a function for AVX-512 (x86-64-v4), AVX2+FMA and baseline x86-64,
// picked at load time by the CPU (so one library runs on any x86-64 CPU, fast
// on modern ones; JPAC_CPU_ISA selects the hand-written micro-kernels only).
#pragma once
#include <algorithm>
#include <cstdint>
#include <type_traits>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define JPAC_HOT __attribute__((target_clones("arch=x86-64-v4", "arch=haswell", "default")))
#else
#define JPAC_HOT
#endif

namespace jpac::cpu {

// For the lambdas of a JPAC_HOT function: inlined into each of its clones, so
// that their loops are compiled for the clone's ISA (left out of line, GCC
// compiled them once for the baseline ISA: the energy loops ran unvectorised).
#define JPAC_INLINE_LAMBDA __attribute__((always_inline))

// f(s) with s = step as a compile-time constant where it is 1 or 2 (the
// stride of a strided transposed conv's output phases), else f(step): a
// constant step lets the compiler load strided runs as whole vectors and
// pick the lanes, instead of one load per lane. Use s as int64_t(s).
template <typename F>
__attribute__((always_inline)) inline void with_constant_step(int64_t step, F&& f) {
    if (step == 1) f(std::integral_constant<int64_t, 1>());
    else if (step == 2) f(std::integral_constant<int64_t, 2>());
    else f(step);
}

// exp(x) for x <= 0 (relative error about 1e-7; 0 below -87), written so
// that loops over it vectorise: x = n ln2 + r with |r| <= ln2 / 2 (ln2 split
// in two parts for accuracy), e^r by its Taylor series, 2^n via the exponent.
__attribute__((always_inline)) inline float exp_nonpositive(float x) {
    x = std::max(x, -87.f);
    // n = round(x log2 e): adding 1.5 * 2^23 rounds to an integer (no -ffast-math here).
    const float n = (x * 1.44269504088896341f + 12582912.f) - 12582912.f;
    const float r = (x - n * 0.693145751953125f) - n * 1.428606765330187e-06f;
    float p = 1.f / 5040.f;
    p = p * r + 1.f / 720.f;
    p = p * r + 1.f / 120.f;
    p = p * r + 1.f / 24.f;
    p = p * r + 1.f / 6.f;
    p = p * r + 0.5f;
    p = p * r + 1.f;
    p = p * r + 1.f;
    const float scale = __builtin_bit_cast(float, (static_cast<int32_t>(n) + 127) << 23);
    return p * scale;
}

}  // namespace jpac::cpu
