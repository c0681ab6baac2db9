#include "cpu/isa.hpp"

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace jpac::cpu {

namespace {

Isa detect() {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma")) return Isa::Avx512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::Avx2;
#endif
    return Isa::Generic;
}

// The environment's choice, capped at what the CPU has (an unknown value is ignored).
Isa initial() {
    Isa best = detect();
    Isa asked = best;
    const char* env = std::getenv("JPAC_CPU_ISA");
    if (env != nullptr && *env != '\0' && parse_isa(env, asked) && int(asked) < int(best)) return asked;
    return best;
}

std::atomic<int>& current() {
    static std::atomic<int> isa{int(initial())};
    return isa;
}

}  // namespace

Isa cpu_isa() { return Isa(current().load(std::memory_order_relaxed)); }

Isa cpu_isa_supported() {
    static const Isa best = detect();
    return best;
}

const char* isa_name(Isa isa) {
    switch (isa) {
        case Isa::Avx512: return "avx512";
        case Isa::Avx2: return "avx2";
        default: return "generic";
    }
}

bool set_cpu_isa(Isa isa) {
    if (int(isa) > int(cpu_isa_supported())) return false;
    current().store(int(isa));
    return true;
}

bool parse_isa(const char* name, Isa& out) {
    if (std::strcmp(name, "avx512") == 0) { out = Isa::Avx512; return true; }
    if (std::strcmp(name, "avx2") == 0) { out = Isa::Avx2; return true; }
    if (std::strcmp(name, "generic") == 0) { out = Isa::Generic; return true; }
    return false;
}

}  // namespace jpac::cpu
