// One kernel source for two compilers: nvcc builds the kernels for the GPU,
// the host compiler builds them against the team's emulator (cuda/emu) for
// the tests. Kernels use only what both provide, through these macros.
#pragma once

#if defined(__CUDACC__)
#include <cuda_pipeline.h>
#include <cuda_runtime.h>
#define JPAC_DEVICE __device__ __forceinline__
#define JPAC_HOST_DEVICE __host__ __device__ __forceinline__
// Dynamic shared memory of the block, as floats.
#define JPAC_DYNAMIC_SHARED(name) extern __shared__ float name[]
#define JPAC_LAUNCH(kernel, grid, block, shared, stream, ...) \
    kernel<<<(grid), (block), (shared), (stream)>>>(__VA_ARGS__)
namespace jpac::cuda {
using Stream = cudaStream_t;
}
#else
#include <cmath>
#include "cuda/emu/cuda_emu.hpp"
#define JPAC_DEVICE inline
#define JPAC_HOST_DEVICE inline
#define JPAC_DYNAMIC_SHARED(name) \
    float* name = static_cast<float*>(::jpac::emu::current().dynamic_shared)
#define JPAC_LAUNCH(kernel, grid, block, shared, stream, ...) \
    ((void)(stream), ::jpac::emu::launch(kernel, (grid), (block), (shared), __VA_ARGS__))
namespace jpac::cuda {
using Stream = void*;
}
#endif

// The barrier after a shared tile is loaded, numbered: the emulated tests
// drop each one in turn (emu::drop_barrier) and must then see wrong results,
// which shows that they can catch a missing __syncthreads.
#if defined(__CUDACC__)
#define JPAC_TILE_BARRIER(id) __syncthreads()
#else
#define JPAC_TILE_BARRIER(id) (::jpac::emu::barrier_dropped(id) ? (void)0 : __syncthreads())
#endif
namespace jpac::cuda {
constexpr int kTileBarriers = 11;  // ids 1..11
}

// Four consecutive floats from a 16-byte aligned (shared memory) address into
// v[0..3] (registers, once unrolled): one 128-bit load on the GPU, which faults when misaligned; the emulator checks.
namespace jpac::cuda {
JPAC_DEVICE void load4(const float* p, float* v) {
#if defined(__CUDACC__)
    const float4 q = *reinterpret_cast<const float4*>(p);
    v[0] = q.x, v[1] = q.y, v[2] = q.z, v[3] = q.w;
#else
    if (reinterpret_cast<uintptr_t>(p) % 16 != 0) ::jpac::emu::fail("a 128-bit load from a misaligned address");
    for (int i = 0; i < 4; ++i) v[i] = p[i];
#endif
}
}  // namespace jpac::cuda

// Asynchronous 4-byte copies from global to shared memory (cp.async on sm_80+),
// in groups: copy_commit() closes a group, copy_wait_prior(n) waits until all
// but the n newest groups have landed (then a barrier shares them).
namespace jpac::cuda {
#if defined(__CUDACC__)
JPAC_DEVICE void copy_async(float* dst, const float* src) { __pipeline_memcpy_async(dst, src, sizeof(float)); }
JPAC_DEVICE void copy_commit() { __pipeline_commit(); }
template <int PENDING>
JPAC_DEVICE void copy_wait_prior() { __pipeline_wait_prior(PENDING); }
#else
JPAC_DEVICE void copy_async(float* dst, const float* src) { ::jpac::emu::copy_async(dst, src); }
JPAC_DEVICE void copy_commit() { ::jpac::emu::copy_commit(); }
template <int PENDING>
JPAC_DEVICE void copy_wait_prior() { ::jpac::emu::copy_wait_prior(PENDING); }
#endif
}  // namespace jpac::cuda

// Lets a kernel use more than the default 48 KiB of dynamic shared memory.
#if defined(__CUDACC__)
#define JPAC_ALLOW_SHARED(kernel, bytes) \
    cudaFuncSetAttribute((kernel), cudaFuncAttributeMaxDynamicSharedMemorySize, int(bytes))
#else
#define JPAC_ALLOW_SHARED(kernel, bytes) ((void)(kernel), (void)(bytes))
#endif
