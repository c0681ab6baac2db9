// Library, backend and thread queries.
#include <cstring>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <string>

#include "api/cuda_backend.hpp"
#include "api/guard.hpp"
#include "api/validate.hpp"
#include "cpu/isa.hpp"
#include "cpu/parallel.hpp"
#include "cpu/scratch.hpp"
#include "cpu/std_conv.hpp"

using namespace jpac;

namespace {

void copy_reason(const std::string& text, char* reason, int64_t capacity) {
    if (reason == nullptr || capacity <= 0) return;
    const size_t n = std::min<size_t>(text.size(), size_t(capacity - 1));
    std::memcpy(reason, text.data(), n);
    reason[n] = '\0';
}

}  // namespace

extern "C" {

JPAC_API const char* jpac_version(void) { return "0.1.0"; }

JPAC_API const char* jpac_onednn_version(void) {
    try {
        return cpu::onednn_version();
    } catch (...) {
        return "unknown";
    }
}

JPAC_API int32_t jpac_backend_available(int32_t device_type, char* reason, int64_t reason_capacity) {
    if (device_type == JPAC_DEVICE_CPU) {
        copy_reason("", reason, reason_capacity);
        return 1;
    }
    if (device_type == JPAC_DEVICE_CUDA) {
        try {
            std::string status;
            const bool usable = cuda_library(&status) != nullptr;
            copy_reason(status, reason, reason_capacity);
            return usable ? 1 : 0;
        } catch (...) {
            copy_reason("the CUDA backend could not be looked for (internal error)", reason, reason_capacity);
            return 0;
        }
    }
    copy_reason("unknown device type " + std::to_string(device_type), reason, reason_capacity);
    return 0;
}

JPAC_API jpac_status jpac_set_cuda_library(const char* path) {
    return guarded([&] {
        if (path == nullptr || *path == '\0') invalid("path: expected a library file, got NULL or empty");
        set_cuda_library(path);
    });
}

JPAC_API int32_t jpac_cuda_emulated(void) {
    try {
        const CudaLibrary* l = cuda_library(nullptr);
        return l != nullptr && l->is_emulated ? 1 : 0;
    } catch (...) {
        return 0;
    }
}

JPAC_API int32_t jpac_get_num_threads(void) { return cpu::threads(); }

JPAC_API const char* jpac_cpu_isa(void) { return cpu::isa_name(cpu::cpu_isa()); }

JPAC_API jpac_status jpac_set_cpu_isa(const char* isa) {
    return guarded([&] {
        cpu::Isa want;
        if (isa == nullptr || !cpu::parse_isa(isa, want))
            invalid(std::string("isa: expected avx512, avx2 or generic, got ") + (isa ? isa : "NULL"));
        if (!cpu::set_cpu_isa(want))
            throw Error(JPAC_ERR_UNSUPPORTED, std::string("isa: this CPU has no ") + isa + " (it has up to " +
                                                  cpu::isa_name(cpu::cpu_isa_supported()) + ")");
    });
}

JPAC_API const char* jpac_onednn_isa(void) {
    try {
        return cpu::onednn_isa();
    } catch (...) {
        return "unknown";
    }
}

JPAC_API jpac_status jpac_set_num_threads(int32_t threads) {
    return guarded([&] {
        if (threads < 0 || threads > 4096)
            invalid("threads: expected 0 (machine default) to 4096, got " + std::to_string(threads));
        cpu::set_threads(threads);
    });
}

JPAC_API int64_t jpac_scratch_peak_bytes(void) { return cpu::scratch_peak_bytes(); }

JPAC_API void jpac_scratch_reset_peak(void) { cpu::scratch_reset_peak(); }

JPAC_API void jpac_scratch_trim(void) {
    cpu::scratch_trim();
#if defined(__GLIBC__)
    malloc_trim(0);  // glibc keeps freed pages resident; the JVM's freed tensor blocks are in its heap too
#endif
}

JPAC_API void jpac_scratch_set_cache_limit(int64_t bytes) { cpu::scratch_set_cache_limit(bytes); }

JPAC_API int64_t jpac_scratch_cache_limit(void) { return cpu::scratch_cache_limit(); }

JPAC_API int64_t jpac_scratch_cached_bytes(void) { return cpu::scratch_cached_bytes(); }

JPAC_API jpac_status jpac_noop(const jpac_tensor* tensor) {
    return guarded([&] { checked_rank(tensor, "tensor", tensor ? tensor->ndim : 1); });
}

}  // extern "C"
