// The few CUDA runtime calls libjpac_cuda's C ABI (jpac_cuda.cu) makes, for
// its emulated build (libjpac_cuda_emu.so): devices whose "device memory" is
// host memory (JPAC_CUDA_EMU_DEVICES of them, default 1, 16 GiB each), copies
// that are memcpy, a stream that is always idle (kernels run to completion
// inside the launch). Allocations are tracked with their device, so freeing
// or copying through a pointer that is no live allocation fails, and a kernel
// launched on one device with another's memory among its arguments fails, as
// they would on a GPU; fresh memory is NaN-filled (cudaMalloc's is garbage).
// A failed call is also the thread's last error until cudaGetLastError.
#pragma once
#include <cstddef>
#include <cstdint>

enum cudaError_t {
    cudaSuccess = 0,
    cudaErrorInvalidValue = 1,
    cudaErrorMemoryAllocation = 2,
    cudaErrorInvalidDevice = 101
};

enum cudaMemcpyKind {
    cudaMemcpyHostToDevice = 1,
    cudaMemcpyDeviceToHost = 2,
    cudaMemcpyDeviceToDevice = 3
};

using cudaStream_t = void*;
#define cudaStreamPerThread (static_cast<cudaStream_t>(nullptr))

const char* cudaGetErrorString(cudaError_t e);
cudaError_t cudaGetDeviceCount(int* count);
cudaError_t cudaSetDevice(int device);
cudaError_t cudaGetDevice(int* device);
cudaError_t cudaGetLastError();
cudaError_t cudaMalloc(void** p, size_t bytes);
cudaError_t cudaFree(void* p);
cudaError_t cudaMemsetAsync(void* p, int value, size_t bytes, cudaStream_t stream);
cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind, cudaStream_t stream);
cudaError_t cudaStreamSynchronize(cudaStream_t stream);
