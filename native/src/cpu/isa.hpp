// Which vector instructions the fused kernels use: the widest the CPU has,
// unless JPAC_CPU_ISA (avx512 | avx2 | generic) asks for less, or
// set_cpu_isa (the tests) picks one. "generic" skips the hand-written
// micro-kernels (the im2col + sgemm path runs instead).
#pragma once

namespace jpac::cpu {

enum class Isa { Generic = 0, Avx2 = 1, Avx512 = 2 };

Isa cpu_isa();               // the ISA in use
Isa cpu_isa_supported();     // the widest the CPU supports
const char* isa_name(Isa isa);
// Uses `isa` from now on; false (and nothing changed) if the CPU lacks it.
bool set_cpu_isa(Isa isa);
// Parses "avx512", "avx2", "generic"; false for anything else.
bool parse_isa(const char* name, Isa& out);

}  // namespace jpac::cpu
