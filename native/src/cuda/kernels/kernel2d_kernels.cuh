// kernel2d forward (writes K and the output mask) and backward (from dL/dK to
// the guide and the kernel's parameters). Grid: (Wo/16, Ho/8, B * Ck).
#pragma once
#include "cuda/kernels/adaptive_kernel.cuh"

namespace jpac::cuda {

template <int KMAX>
__global__ void __launch_bounds__(kThreads, kMinBlocks) kernel2d_forward_kernel(Geometry g, GuideArgs a, float* out_kernel,
                                                                     float* out_mask) {
    JPAC_DYNAMIC_SHARED(smem);
    int* ioff = reinterpret_cast<int*>(smem);
    int* goff = ioff + KMAX;
    float* region = smem + 2 * KMAX;
    const int ck = a.kernel_channels;
    const Pixel p = pixel_of(g, block_z(g) / ck, block_z(g) % ck);
    fill_tap_offsets<KMAX>(g, p.tid, ioff, goff);
    __syncthreads();
    float K[KMAX];
    const bool empty = pixel_kernel<KMAX>(g, a, p, goff, region, K);
    if (!p.valid) return;  // after the last barrier
    const int kk = g.kk();
    const size_t px = size_t(g.r.out) * g.c.out, at = size_t(p.y) * g.c.out + p.x;
    float* out = out_kernel + (size_t(p.n) * ck + p.kc) * kk * px + at;
#pragma unroll
    for (int t = 0; t < KMAX; ++t)
        if (t < kk) out[t * px] = K[t];
    // One mask row unless normalised per channel (as the CPU path).
    if (out_mask != nullptr && (a.normalize || p.kc == 0))
        out_mask[(size_t(p.n) * (a.normalize ? ck : 1) + p.kc) * px + at] = empty ? 0.f : 1.f;
}

template <int KMAX>
__global__ void __launch_bounds__(kThreads, kMinBlocks) kernel2d_backward_kernel(Geometry g, GuideArgs a,
                                                                      const float* grad_kernel) {
    JPAC_DYNAMIC_SHARED(smem);
    int* ioff = reinterpret_cast<int*>(smem);
    int* goff = ioff + KMAX;
    float* region = smem + 2 * KMAX;
    const int ck = a.kernel_channels;
    const Pixel p = pixel_of(g, block_z(g) / ck, block_z(g) % ck);
    fill_tap_offsets<KMAX>(g, p.tid, ioff, goff);
    __syncthreads();
    const int kk = g.kk();
    const size_t px = size_t(g.r.out) * g.c.out, at = size_t(p.y) * g.c.out + p.x;
    const float* gk = grad_kernel + (size_t(p.n) * ck + p.kc) * kk * px + at;
    float G[KMAX], E[KMAX];
#pragma unroll
    for (int t = 0; t < KMAX; ++t) G[t] = (t < kk && p.valid) ? gk[t * px] : 0.f;
    kernel_backward<KMAX>(g, a, p, goff, region, E, G);
}

inline size_t kernel2d_forward_shared_bytes(const Geometry& g, int chunk, int kmax) {
    return sizeof(float) * (size_t(2) * kmax + size_t(chunk) * guide_tile_floats(g));
}
inline size_t kernel2d_backward_shared_bytes(const Geometry& g, int chunk, int kmax) {
    return sizeof(float) * (size_t(2) * kmax + backward_region_floats(g, chunk));
}

}  // namespace jpac::cuda
