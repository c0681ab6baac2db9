// What every host launcher shares: the result of a launch (a status and a
// message, never an exception), CUDA's launch errors, zeroing, and the
// tensors' shapes and data.
#pragma once
#include <cstring>
#include <string>

#include "jpac.h"
#include "cuda/kernels/compat.cuh"

namespace jpac::cuda {

struct LaunchResult {
    jpac_status status = JPAC_OK;
    std::string message;
};

inline void zero_floats(float* p, size_t count, Stream stream) {
    if (p == nullptr || count == 0) return;
#if defined(__CUDACC__)
    cudaMemsetAsync(p, 0, count * sizeof(float), stream);
#else
    (void)stream;
    std::memset(p, 0, count * sizeof(float));
#endif
}

inline LaunchResult launch_error() {
#if defined(__CUDACC__)
    const cudaError_t e = cudaGetLastError();
    if (e != cudaSuccess) return {JPAC_ERR_BACKEND, std::string("CUDA: ") + cudaGetErrorString(e)};
#else
    std::string text;
    if (::jpac::emu::take_last_error(&text) != 0) return {JPAC_ERR_BACKEND, "CUDA: " + text};
#endif
    return {};
}

inline size_t numel(const jpac_tensor* t) {
    if (t == nullptr) return 0;
    size_t n = 1;
    for (int i = 0; i < t->ndim; ++i) n *= size_t(t->shape[i]);
    return n;
}
inline int dim(const jpac_tensor* t, int i) { return int(t->shape[i < 0 ? t->ndim + i : i]); }
inline const float* data(const jpac_tensor* t) { return t ? t->data : nullptr; }
inline float* mutable_data(const jpac_tensor* t) { return t ? t->data : nullptr; }

}  // namespace jpac::cuda
