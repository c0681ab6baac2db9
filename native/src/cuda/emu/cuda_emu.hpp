// The team's CUDA emulator: what the kernel headers in native/src/cuda/kernels
// need from CUDA, for the host compiler. A launch runs the grid's blocks one
// after the other, in the chosen order below (as a GPU promises no order); each block's threads are fibers (fiber.hpp) that switch
// only at __syncthreads and at warp collectives, and the scheduler resumes
// runnable threads in a chosen order (forward, reverse or seeded random), so
// a missing barrier shows up as a wrong result. Dynamic shared memory is
// filled with NaN at each block's start, so reading a value no thread of the
// block has written yet poisons the result.
//
// Rules it enforces (a violation throws from launch()):
// - every thread of the block reaches each __syncthreads (none may have exited);
// - warp collectives use the full mask 0xffffffff and all 32 lanes take part
//   (partial-mask collectives are not emulated: the kernels must not use them);
// - all lanes of a warp meet at the same kind of collective.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace jpac::emu {

struct uint3 {
    unsigned x = 0, y = 0, z = 0;
};

struct dim3 {
    unsigned x, y, z;
    constexpr dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};

enum class Order { forward, reverse, random };

// The order in which a launch's blocks run and runnable threads of a block are
// resumed (per launch on this OS thread; random reshuffles every round from `seed`).
void set_order(Order order, uint64_t seed = 1);
Order order();
const char* order_name(Order order);

// One asynchronous 4-byte copy to shared memory, pending until waited for.
struct AsyncCopy {
    float* dst;
    const float* src;
};

// What a running emulated thread sees.
struct ThreadContext {
    uint3 thread_idx, block_idx;
    dim3 block_dim, grid_dim;
    unsigned linear = 0;  // thread index within the block
    void* dynamic_shared = nullptr;
    // Asynchronous copies: committed groups (oldest first) and the open one.
    std::vector<std::vector<AsyncCopy>> copy_groups;
    std::vector<AsyncCopy> open_copies;
};
ThreadContext& current();

void syncthreads();
void syncwarp(unsigned mask);
// Warp exchange: every lane publishes `value`; returns the 32 lanes' values.
const uint64_t* warp_exchange(unsigned mask, uint64_t value, int kind);
void fail(const std::string& message);  // ends the kernel with an error

// Asynchronous global -> shared copies (cp.async): a copy lands only when a
// wait covers its group, so reading it earlier reads the poisoned (NaN) or old
// value, as a missing wait would on a GPU.
void copy_async(float* dst, const float* src);
void copy_commit();
void copy_wait_prior(size_t pending);  // all but the `pending` newest groups land

// Test hook: barrier `id` of JPAC_TILE_BARRIER(id) is skipped (0: none).
void drop_barrier(int id);
bool barrier_dropped(int id);
// Kernel launches so far, in this process (all threads): lets the Java tests
// see that a call reached the kernels, where results alone cannot tell the
// emulator from the CPU backend.
long long launches();

// Runs body() as the kernel of every thread of every block.
void run_grid(dim3 grid, dim3 block, size_t shared_bytes, const std::function<void()>& body);

// The most blocks a grid may have along z: 65535 as on a GPU, or fewer when
// JPAC_CUDA_EMU_GRID_Z says so, so that tests of small shapes take the
// launches that CUDA's limit splits (launch_tiles). Along y: 65535.
unsigned grid_z_limit();

// CUDA's last error on this OS thread (0: none), as cudaGetLastError reports
// it: the emulated runtime sets it when a call fails; take_last_error reads
// and clears it (launch_error does, after each launch, as on a GPU).
void set_last_error(int code, const char* text);
int take_last_error(std::string* text);

// A check of a launch's argument bytes before it runs (set by the emulated
// runtime, which knows each allocation's device; none in the kernel tests).
using ArgumentCheck = void (*)(const void* arguments, size_t bytes);
void set_argument_check(ArgumentCheck check);
void check_arguments(const void* arguments, size_t bytes);

template <typename... P, typename... A>
void launch(void (*kernel)(P...), dim3 grid, dim3 block, size_t shared_bytes, A&&... args) {
    std::tuple<std::decay_t<P>...> params(std::forward<A>(args)...);
    check_arguments(&params, sizeof params);
    run_grid(grid, block, shared_bytes, [&] { std::apply(kernel, params); });
}

// ---- warp collectives (full mask only) ------------------------------------
enum CollectiveKind { kShfl = 1, kShflXor = 2, kShflDown = 3, kShflUp = 4, kBallot = 5, kSyncWarp = 6 };

template <typename T>
uint64_t to_bits(T v) {
    static_assert(sizeof(T) <= 8 && std::is_trivially_copyable_v<T>, "warp shuffles move up to 8 bytes");
    uint64_t b = 0;
    std::memcpy(&b, &v, sizeof(T));
    return b;
}
template <typename T>
T from_bits(uint64_t b) {
    T v;
    std::memcpy(&v, &b, sizeof(T));
    return v;
}

inline unsigned lane_id() { return current().linear % 32u; }

template <typename T>
T shfl_sync(unsigned mask, T v, int src, int width = 32) {
    const uint64_t* lanes = warp_exchange(mask, to_bits(v), kShfl);
    const unsigned lane = lane_id();
    const unsigned base = lane - lane % unsigned(width);
    return from_bits<T>(lanes[base + unsigned(src) % unsigned(width)]);
}
template <typename T>
T shfl_xor_sync(unsigned mask, T v, int lane_mask, int width = 32) {
    const uint64_t* lanes = warp_exchange(mask, to_bits(v), kShflXor);
    const unsigned lane = lane_id(), other = lane ^ unsigned(lane_mask);
    // A source outside the lane's width segment returns the lane's own value.
    return from_bits<T>(lanes[(other / unsigned(width) == lane / unsigned(width)) ? other : lane]);
}
template <typename T>
T shfl_down_sync(unsigned mask, T v, unsigned delta, int width = 32) {
    const uint64_t* lanes = warp_exchange(mask, to_bits(v), kShflDown);
    const unsigned lane = lane_id(), seg = lane % unsigned(width);
    return from_bits<T>(lanes[seg + delta < unsigned(width) ? lane + delta : lane]);
}
template <typename T>
T shfl_up_sync(unsigned mask, T v, unsigned delta, int width = 32) {
    const uint64_t* lanes = warp_exchange(mask, to_bits(v), kShflUp);
    const unsigned lane = lane_id(), seg = lane % unsigned(width);
    return from_bits<T>(lanes[seg >= delta ? lane - delta : lane]);
}
inline unsigned ballot_sync(unsigned mask, int predicate) {
    const uint64_t* lanes = warp_exchange(mask, predicate ? 1u : 0u, kBallot);
    unsigned bits = 0;
    for (unsigned i = 0; i < 32; ++i) bits |= unsigned(lanes[i] & 1u) << i;
    return bits;
}

// ---- atomics: blocks may run on several OS threads, so these are real atomics
template <typename T>
T atomic_add(T* address, T value) {
    if constexpr (std::is_integral_v<T>) {
        return __atomic_fetch_add(address, value, __ATOMIC_RELAXED);
    } else {
        // Generic forms: the _n builtins take integers and pointers only.
        T old;
        __atomic_load(address, &old, __ATOMIC_RELAXED);
        T sum = old + value;
        while (!__atomic_compare_exchange(address, &old, &sum, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
            sum = old + value;
        return old;
    }
}
template <typename T>
T atomic_max(T* address, T value) {
    T old;
    __atomic_load(address, &old, __ATOMIC_RELAXED);
    while (old < value && !__atomic_compare_exchange(address, &old, &value, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
    }
    return old;
}
template <typename T>
T atomic_cas(T* address, T compare, T value) {
    __atomic_compare_exchange(address, &compare, &value, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
    return compare;
}

}  // namespace jpac::emu

// ---- the CUDA spellings ---------------------------------------------------
using jpac::emu::dim3;
using jpac::emu::uint3;

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
// Static __shared__ arrays: one per OS thread, which runs one block at a time.
#define __shared__ static thread_local

#define threadIdx (::jpac::emu::current().thread_idx)
#define blockIdx (::jpac::emu::current().block_idx)
#define blockDim (::jpac::emu::current().block_dim)
#define gridDim (::jpac::emu::current().grid_dim)
#define warpSize 32

inline void __syncthreads() { ::jpac::emu::syncthreads(); }
inline void __syncwarp(unsigned mask = 0xffffffffu) { ::jpac::emu::syncwarp(mask); }
template <typename T>
T __shfl_sync(unsigned mask, T v, int src, int width = 32) { return ::jpac::emu::shfl_sync(mask, v, src, width); }
template <typename T>
T __shfl_xor_sync(unsigned mask, T v, int m, int width = 32) { return ::jpac::emu::shfl_xor_sync(mask, v, m, width); }
template <typename T>
T __shfl_down_sync(unsigned mask, T v, unsigned d, int width = 32) {
    return ::jpac::emu::shfl_down_sync(mask, v, d, width);
}
template <typename T>
T __shfl_up_sync(unsigned mask, T v, unsigned d, int width = 32) { return ::jpac::emu::shfl_up_sync(mask, v, d, width); }
inline unsigned __ballot_sync(unsigned mask, int p) { return ::jpac::emu::ballot_sync(mask, p); }
template <typename T>
T atomicAdd(T* a, T v) { return ::jpac::emu::atomic_add(a, v); }
template <typename T>
T atomicMax(T* a, T v) { return ::jpac::emu::atomic_max(a, v); }
template <typename T>
T atomicCAS(T* a, T c, T v) { return ::jpac::emu::atomic_cas(a, c, v); }
template <typename T>
T __ldg(const T* p) { return *p; }
inline float __expf(float x) { return __builtin_expf(x); }
inline float __logf(float x) { return __builtin_logf(x); }
inline float __powf(float x, float y) { return __builtin_powf(x, y); }
