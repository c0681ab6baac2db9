// Emulated CUDA runtime calls (cuda_runtime_emu.hpp): host memory, tracked.
#include "cuda/emu/cuda_runtime_emu.hpp"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <mutex>

namespace {

std::mutex g_mutex;
std::map<uintptr_t, size_t> g_live;  // start -> bytes of every live allocation

// Whether [p, p + bytes) lies inside one live allocation.
bool inside_allocation(const void* p, size_t bytes) {
    const uintptr_t a = reinterpret_cast<uintptr_t>(p);
    std::lock_guard<std::mutex> lock(g_mutex);
    auto it = g_live.upper_bound(a);
    if (it == g_live.begin()) return false;
    --it;
    return a >= it->first && a + bytes <= it->first + it->second;
}

}  // namespace

const char* cudaGetErrorString(cudaError_t e) {
    switch (e) {
        case cudaSuccess: return "no error";
        case cudaErrorInvalidValue: return "invalid argument (emulated: not a live device allocation)";
        case cudaErrorMemoryAllocation: return "out of memory";
        case cudaErrorInvalidDevice: return "invalid device ordinal (the emulator has device 0 only)";
    }
    return "unknown error";
}

cudaError_t cudaGetDeviceCount(int* count) {
    *count = 1;
    return cudaSuccess;
}

cudaError_t cudaSetDevice(int device) { return device == 0 ? cudaSuccess : cudaErrorInvalidDevice; }

cudaError_t cudaMalloc(void** p, size_t bytes) {
    const size_t size = bytes == 0 ? 1 : bytes;
    void* q = std::aligned_alloc(256, (size + 255) / 256 * 256);  // cudaMalloc aligns to 256 bytes
    if (q == nullptr) return cudaErrorMemoryAllocation;
    float* f = static_cast<float*>(q);
    for (size_t i = 0; i < size / sizeof(float); ++i) f[i] = std::numeric_limits<float>::quiet_NaN();
    {
        std::lock_guard<std::mutex> lock(g_mutex);
        g_live[reinterpret_cast<uintptr_t>(q)] = size;
    }
    *p = q;
    return cudaSuccess;
}

cudaError_t cudaFree(void* p) {
    if (p == nullptr) return cudaSuccess;
    {
        std::lock_guard<std::mutex> lock(g_mutex);
        if (g_live.erase(reinterpret_cast<uintptr_t>(p)) == 0) return cudaErrorInvalidValue;
    }
    std::free(p);
    return cudaSuccess;
}

cudaError_t cudaMemsetAsync(void* p, int value, size_t bytes, cudaStream_t) {
    if (bytes == 0) return cudaSuccess;
    if (!inside_allocation(p, bytes)) return cudaErrorInvalidValue;
    std::memset(p, value, bytes);
    return cudaSuccess;
}

cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind, cudaStream_t) {
    if (bytes == 0) return cudaSuccess;
    const bool dst_device = kind == cudaMemcpyHostToDevice || kind == cudaMemcpyDeviceToDevice;
    const bool src_device = kind == cudaMemcpyDeviceToHost || kind == cudaMemcpyDeviceToDevice;
    if ((dst_device && !inside_allocation(dst, bytes)) || (src_device && !inside_allocation(src, bytes)))
        return cudaErrorInvalidValue;
    std::memmove(dst, src, bytes);
    return cudaSuccess;
}

cudaError_t cudaStreamSynchronize(cudaStream_t) { return cudaSuccess; }
