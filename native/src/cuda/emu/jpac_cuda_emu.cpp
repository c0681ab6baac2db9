// libjpac_cuda_emu.so: libjpac_cuda's C ABI (the same jpac_cuda.cu) built by
// the host compiler, over the emulated runtime and the kernel emulator. A test
// hook: libjpac loads it only when told to (JPAC_CUDA_LIBRARY or
// -Djpac.cuda.library), so the whole Java -> libjpac -> libjpac_cuda path runs
// in CI without a GPU. Never shipped in the natives jar.
#include "cuda/jpac_cuda.cu"

// Kernel launches so far (emu::launches), for the Java tests' dispatch checks.
extern "C" JPAC_API int64_t jpac_cuda_emu_launches(void) { return ::jpac::emu::launches(); }
