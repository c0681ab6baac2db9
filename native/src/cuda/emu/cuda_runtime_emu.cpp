// Emulated CUDA runtime calls (cuda_runtime_emu.hpp): host memory, tracked.
#include "cuda/emu/cuda_runtime_emu.hpp"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>

#include "cuda/emu/cuda_emu.hpp"

namespace {

// Each emulated device's memory: allocations beyond it fail, as on a GPU.
constexpr size_t kDeviceBytes = size_t(16) << 30;
constexpr int kMostDevices = 8;

struct Allocation {
    size_t bytes;     // as asked: accesses beyond fail
    int device;
    size_t reserved;  // counted against the device's memory
};

std::mutex g_mutex;
std::map<uintptr_t, Allocation> g_live;  // start -> every live allocation
size_t g_used[kMostDevices] = {};
thread_local int t_device = 0;

int device_count() {
    static const int count = [] {
        const char* v = std::getenv("JPAC_CUDA_EMU_DEVICES");
        const int n = v != nullptr ? std::atoi(v) : 1;
        return n < 1 ? 1 : n > kMostDevices ? kMostDevices : n;
    }();
    return count;
}

// Records a failure as the thread's last error, as the CUDA runtime does.
cudaError_t failed(cudaError_t e) {
    ::jpac::emu::set_last_error(int(e), cudaGetErrorString(e));
    return e;
}

// The live allocation holding [p, p + bytes), or null.
const Allocation* allocation_of(uintptr_t a, size_t bytes) {
    auto it = g_live.upper_bound(a);
    if (it == g_live.begin()) return nullptr;
    --it;
    return a >= it->first && a + bytes <= it->first + it->second.bytes ? &it->second : nullptr;
}

bool inside_allocation(const void* p, size_t bytes) {
    std::lock_guard<std::mutex> lock(g_mutex);
    return allocation_of(reinterpret_cast<uintptr_t>(p), bytes) != nullptr;
}

// Every 8-byte word of a launch's arguments that points into device memory
// must point into the current device's: a GPU kernel given another device's
// memory (no peer access) faults with cudaErrorIllegalAddress.
void check_devices(const void* arguments, size_t bytes) {
    std::lock_guard<std::mutex> lock(g_mutex);
    for (size_t at = 0; at + sizeof(uintptr_t) <= bytes; at += sizeof(uintptr_t)) {
        uintptr_t word;
        std::memcpy(&word, static_cast<const char*>(arguments) + at, sizeof word);
        const Allocation* a = word != 0 ? allocation_of(word, 1) : nullptr;
        if (a != nullptr && a->device != t_device)
            throw std::invalid_argument("CUDA emulator: a kernel launched on device " + std::to_string(t_device) +
                                        " was given memory of device " + std::to_string(a->device) +
                                        " (on a GPU: an illegal address)");
    }
}

const bool g_check_registered = (::jpac::emu::set_argument_check(check_devices), true);

}  // namespace

const char* cudaGetErrorString(cudaError_t e) {
    switch (e) {
        case cudaSuccess: return "no error";
        case cudaErrorInvalidValue: return "invalid argument (emulated: not a live device allocation)";
        case cudaErrorMemoryAllocation: return "out of memory";
        case cudaErrorInvalidDevice: return "invalid device ordinal";
    }
    return "unknown error";
}

cudaError_t cudaGetDeviceCount(int* count) {
    *count = device_count();
    return cudaSuccess;
}

cudaError_t cudaSetDevice(int device) {
    if (device < 0 || device >= device_count()) return failed(cudaErrorInvalidDevice);
    t_device = device;
    return cudaSuccess;
}

cudaError_t cudaGetDevice(int* device) {
    *device = t_device;
    return cudaSuccess;
}

cudaError_t cudaGetLastError() { return cudaError_t(::jpac::emu::take_last_error(nullptr)); }

cudaError_t cudaMalloc(void** p, size_t bytes) {
    const size_t asked = bytes == 0 ? 1 : bytes;
    const size_t size = (asked + 255) / 256 * 256;  // cudaMalloc aligns to 256 bytes
    {
        std::lock_guard<std::mutex> lock(g_mutex);
        if (asked > kDeviceBytes || g_used[t_device] + size > kDeviceBytes) return failed(cudaErrorMemoryAllocation);
        g_used[t_device] += size;
    }
    void* q = std::aligned_alloc(256, size);
    if (q == nullptr) {
        std::lock_guard<std::mutex> lock(g_mutex);
        g_used[t_device] -= size;
        return failed(cudaErrorMemoryAllocation);
    }
    float* f = static_cast<float*>(q);
    for (size_t i = 0; i < size / sizeof(float); ++i) f[i] = std::numeric_limits<float>::quiet_NaN();
    {
        std::lock_guard<std::mutex> lock(g_mutex);
        g_live[reinterpret_cast<uintptr_t>(q)] = {asked, t_device, size};
    }
    *p = q;
    return cudaSuccess;
}

cudaError_t cudaFree(void* p) {
    if (p == nullptr) return cudaSuccess;
    {
        std::lock_guard<std::mutex> lock(g_mutex);
        auto it = g_live.find(reinterpret_cast<uintptr_t>(p));
        if (it == g_live.end()) return failed(cudaErrorInvalidValue);
        g_used[it->second.device] -= it->second.reserved;
        g_live.erase(it);
    }
    std::free(p);
    return cudaSuccess;
}

cudaError_t cudaMemsetAsync(void* p, int value, size_t bytes, cudaStream_t) {
    if (bytes == 0) return cudaSuccess;
    if (!inside_allocation(p, bytes)) return failed(cudaErrorInvalidValue);
    std::memset(p, value, bytes);
    return cudaSuccess;
}

cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind, cudaStream_t) {
    if (bytes == 0) return cudaSuccess;
    const bool dst_device = kind == cudaMemcpyHostToDevice || kind == cudaMemcpyDeviceToDevice;
    const bool src_device = kind == cudaMemcpyDeviceToHost || kind == cudaMemcpyDeviceToDevice;
    if ((dst_device && !inside_allocation(dst, bytes)) || (src_device && !inside_allocation(src, bytes)))
        return failed(cudaErrorInvalidValue);
    std::memmove(dst, src, bytes);
    return cudaSuccess;
}

cudaError_t cudaStreamSynchronize(cudaStream_t) { return cudaSuccess; }
