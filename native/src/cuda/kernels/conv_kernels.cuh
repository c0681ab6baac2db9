// Pixel-adaptive convolution (SPEC.md conv2d / conv_transpose2d), fused with
// its adapting kernel: each thread computes K for its output pixel into
// registers, then streams input-channel chunks of a shared-memory halo tile.
// A transposed convolution is the same loop over the zero-inserted input
// (Axis::ups). Here: the direct kernels (the forward and weight gradient of
// shared filters and pooling, and every backward data pass) and the tile
// helpers; the forward and weight gradient of convolutions with their own
// filters are register-blocked GEMMs (conv_gemm_kernels.cuh). Grids:
// (Wo/16, Ho/8, B * output-channel blocks) for the forward, (Wo/16, Ho/8, B)
// for the backward kernels.
#pragma once
#include "cuda/kernels/adaptive_kernel.cuh"

namespace jpac::cuda {

JPAC_HOST_DEVICE int input_tile_floats(const Geometry& g) { return g.r.in_span * g.c.in_span; }

// Real input index of virtual position u, or -1.
JPAC_DEVICE int virtual_to_real(const Axis& a, int u) {
    if (u < 0) return -1;
    if (a.ups > 1) {
        if (u % a.ups != 0) return -1;
        u /= a.ups;
    }
    return u < a.in ? u : -1;
}

// Input channels [c0, c0 + nc) of image n over the block's (virtual) window:
// store(tile + idx, src) for each of the thread's tile elements, src the real
// input sample or null (padding, an inserted zero).
template <typename Store>
JPAC_DEVICE void fill_input_tile(const Geometry& g, const ConvArgs& v, const Pixel& p, int c0, int nc, float* tile,
                                 Store&& store) {
    const int rows = g.r.in_span, cols = g.c.in_span, plane = rows * cols;
    const int vy = p.y0 * g.r.cs - g.r.cp, vx = p.x0 * g.c.cs - g.c.cp;
    const float* base = v.input + (size_t(p.n) * v.ci + c0) * size_t(g.r.in) * g.c.in;
    for (int idx = p.tid; idx < nc * plane; idx += kThreads) {
        const int c = idx / plane, rem = idx - c * plane, r = rem / cols, col = rem - r * cols;
        const int ry = virtual_to_real(g.r, vy + tile_offset(r, g.r.pitch, g.r.dil));
        const int rx = virtual_to_real(g.c, vx + tile_offset(col, g.c.pitch, g.c.dil));
        store(tile + idx, (ry >= 0 && rx >= 0) ? base + (size_t(c) * g.r.in + ry) * g.c.in + rx : nullptr);
    }
}

JPAC_DEVICE void load_input_tile(const Geometry& g, const ConvArgs& v, const Pixel& p, int c0, int nc, float* tile) {
    fill_input_tile(g, v, p, c0, nc, tile, [](float* dst, const float* src) { *dst = src ? *src : 0.f; });
}

// Adds a shared tile of input gradients to global memory (real samples only).
JPAC_DEVICE void flush_input_grad(const Geometry& g, const ConvArgs& v, const Pixel& p, int c0, int nc,
                                  const float* tile) {
    const int rows = g.r.in_span, cols = g.c.in_span, plane = rows * cols;
    const int vy = p.y0 * g.r.cs - g.r.cp, vx = p.x0 * g.c.cs - g.c.cp;
    float* base = v.grad_input + (size_t(p.n) * v.ci + c0) * size_t(g.r.in) * g.c.in;
    for (int idx = p.tid; idx < nc * plane; idx += kThreads) {
        const int c = idx / plane, rem = idx - c * plane, r = rem / cols, col = rem - r * cols;
        const int ry = virtual_to_real(g.r, vy + tile_offset(r, g.r.pitch, g.r.dil));
        const int rx = virtual_to_real(g.c, vx + tile_offset(col, g.c.pitch, g.c.dil));
        if (ry >= 0 && rx >= 0 && tile[idx] != 0.f) atomicAdd(&base[(size_t(c) * g.r.in + ry) * g.c.in + rx], tile[idx]);
    }
}

JPAC_DEVICE int input_pixel(const Geometry& g, const Pixel& p) {
    return p.ty * g.r.cs * g.c.in_span + p.tx * g.c.cs;
}

// W[o, c, t] of a conv2d, or W[c, o, t] of a transposed one.
JPAC_DEVICE size_t weight_index(const ConvArgs& v, int o, int c, int t, int kk) {
    return v.transposed_weight ? (size_t(c) * v.co + o) * kk + t : (size_t(o) * v.ci + c) * kk + t;
}

// W[0, 0, t] of shared filters; 1 for pooling.
JPAC_DEVICE float shared_weight(const ConvArgs& v, int t) { return v.pool ? 1.f : v.weight[t]; }

JPAC_DEVICE float warp_sum(float x) {
#pragma unroll
    for (int s = 16; s > 0; s >>= 1) x += __shfl_xor_sync(0xffffffffu, x, s);
    return x;
}

// guide_chunk: 0 when K is given.
inline size_t conv_shared_bytes(const Geometry& g, int guide_chunk, int in_chunk, int kmax, bool backward) {
    const size_t guide = guide_chunk == 0 ? 0
                         : backward      ? size_t(backward_region_floats(g, guide_chunk))
                                         : size_t(guide_chunk) * guide_tile_floats(g);
    // input tile + (backward: its gradient tile; weight gradient: the kk tap sums)
    const size_t conv = size_t(in_chunk) * input_tile_floats(g) * (backward ? 2 : 1) + g.kk();
    return sizeof(float) * (size_t(2) * kmax + (guide > conv ? guide : conv));
}

template <int KMAX>
__global__ void __launch_bounds__(kThreads, kMinBlocks) conv_forward_kernel(Geometry g, GuideArgs a, ConvArgs v) {
    JPAC_DYNAMIC_SHARED(smem);
    int* ioff = reinterpret_cast<int*>(smem);
    int* goff = ioff + KMAX;
    float* region = smem + 2 * KMAX;
    const int per_block = v.per_channel ? 1 : kOutBlock;
    const int blocks = (v.co + per_block - 1) / per_block;
    const int o0 = block_z(g) % blocks * per_block;
    const Pixel p = pixel_of(g, block_z(g) / blocks, v.per_channel ? o0 : 0);
    fill_tap_offsets<KMAX>(g, p.tid, ioff, goff);
    __syncthreads();
    float K[KMAX];
    pixel_kernel<KMAX>(g, a, p, goff, region, K);

    const int kk = g.kk(), plane = input_tile_floats(g), pix = input_pixel(g, p);
    float acc[kOutBlock];
#pragma unroll
    for (int o = 0; o < kOutBlock; ++o) acc[o] = (v.bias && o0 + o < v.co) ? v.bias[o0 + o] : 0.f;
    float* tile = region;
    // Channel o filtered by W[0, 0] alone, v.chunk channels per tile.
    const int nb = v.co - o0 < per_block ? v.co - o0 : per_block;
    for (int b0 = 0; b0 < nb; b0 += v.chunk) {
        const int nc = nb - b0 < v.chunk ? nb - b0 : v.chunk;
        load_input_tile(g, v, p, o0 + b0, nc, tile);
        JPAC_TILE_BARRIER(3);
#pragma unroll
        for (int o = 0; o < kOutBlock; ++o) {
            if (o >= b0 && o < b0 + nc) {
#pragma unroll
                for (int t = 0; t < KMAX; ++t)
                    if (t < kk) acc[o] += shared_weight(v, t) * K[t] * tile[(o - b0) * plane + pix + ioff[t]];
            }
        }
        __syncthreads();  // the tile is overwritten next
    }
    if (!p.valid) return;
    const size_t px = size_t(g.r.out) * g.c.out, at = size_t(p.y) * g.c.out + p.x;
    // Only the block's own channels: a per-channel block owns one, and the
    // next channels belong to other blocks (found on the first GPU run).
#pragma unroll
    for (int o = 0; o < kOutBlock; ++o)
        if (o < per_block && o0 + o < v.co) v.output[(size_t(p.n) * v.co + o0 + o) * px + at] = acc[o];
}

// The end of a backward data pass, with dL/dK of the thread's pixel in dK:
// written out for a given K, else passed on to the guide and the kernel's
// parameters (K's registers reused for the energies; `region` as
// kernel_backward needs it).
template <int KMAX>
JPAC_DEVICE void kernel_grads(const Geometry& g, const GuideArgs& a, const Pixel& p, const int* goff, float* region,
                              float (&K)[KMAX], float (&dK)[KMAX]) {
    if (a.guide == nullptr) {  // K given (or 1): no guide to pass it on to
        if (a.grad_given != nullptr && p.valid) {
            const size_t px = size_t(g.r.out) * g.c.out, at = size_t(p.y) * g.c.out + p.x;
            float* gk = a.grad_given + (size_t(p.n) * a.kernel_channels + p.kc) * g.kk() * px + at;
#pragma unroll
            for (int t = 0; t < KMAX; ++t)
                if (t < g.kk()) gk[t * px] = dK[t];
        }
        return;
    }
    if (a.grad_guide || a.grad_alpha || a.grad_lambda || a.grad_smooth)
        kernel_backward<KMAX>(g, a, p, goff, region, K, dK);
}

// dL/dinput and dL/dK (written to a given K's gradient, or passed on to the
// guide) of shared filters and pooling; own filters: conv_gemm_kernels.cuh.
template <int KMAX>
__global__ void __launch_bounds__(kThreads, kMinBlocks) conv_backward_data_kernel(Geometry g, GuideArgs a, ConvArgs v) {
    JPAC_DYNAMIC_SHARED(smem);
    int* ioff = reinterpret_cast<int*>(smem);
    int* goff = ioff + KMAX;
    float* region = smem + 2 * KMAX;
    // Per-channel K (pooling): one channel per block, z = n * C + c.
    const int nz = v.per_channel ? v.ci : 1, kc = block_z(g) % nz;
    const Pixel p = pixel_of(g, block_z(g) / nz, v.per_channel ? kc : 0);
    fill_tap_offsets<KMAX>(g, p.tid, ioff, goff);
    __syncthreads();
    float K[KMAX], dK[KMAX];
    pixel_kernel<KMAX>(g, a, p, goff, region, K);
#pragma unroll
    for (int t = 0; t < KMAX; ++t) dK[t] = 0.f;

    const int kk = g.kk(), plane = input_tile_floats(g), pix = input_pixel(g, p);
    const size_t px = size_t(g.r.out) * g.c.out, at = size_t(p.y) * g.c.out + p.x;
    const float* gout = v.grad_output + size_t(p.n) * v.co * px + at;
    const bool want_input = v.grad_input != nullptr;
    float* tile = region;
    float* gtile = tile + v.chunk * plane;
    const int step = v.chunk, c_begin = v.per_channel ? kc : 0, c_end = v.per_channel ? kc + 1 : v.ci;
    for (int c0 = c_begin; c0 < c_end; c0 += step) {
        const int nc = c_end - c0 < step ? c_end - c0 : step;
        load_input_tile(g, v, p, c0, nc, tile);
        for (int i = p.tid; i < nc * plane; i += kThreads) gtile[i] = 0.f;
        JPAC_TILE_BARRIER(5);
        for (int c = 0; c < nc; ++c) {
            const float go = p.valid ? gout[size_t(c0 + c) * px] : 0.f;
#pragma unroll
            for (int t = 0; t < KMAX; ++t) {
                if (t < kk) {
                    const float s = go * shared_weight(v, t);
                    dK[t] += s * tile[c * plane + pix + ioff[t]];
                    if (want_input && s * K[t] != 0.f) atomicAdd(&gtile[c * plane + pix + ioff[t]], s * K[t]);
                }
            }
        }
        __syncthreads();
        if (want_input) flush_input_grad(g, v, p, c0, nc, gtile);
        __syncthreads();
    }
    kernel_grads<KMAX>(g, a, p, goff, region, K, dK);
}

// dL/dweight of shared filters (W[0, 0] alone): per tap, the products of all
// pixels summed over each warp (shuffles), then over the block (shared
// memory), then over blocks (atomics). Own filters: conv_gemm_kernels.cuh.
template <int KMAX>
__global__ void __launch_bounds__(kThreads, kMinBlocks) conv_backward_weight_kernel(Geometry g, GuideArgs a, ConvArgs v) {
    JPAC_DYNAMIC_SHARED(smem);
    int* ioff = reinterpret_cast<int*>(smem);
    int* goff = ioff + KMAX;
    float* region = smem + 2 * KMAX;
    const Pixel p = pixel_of(g, block_z(g), 0);
    fill_tap_offsets<KMAX>(g, p.tid, ioff, goff);
    __syncthreads();
    float K[KMAX];
    pixel_kernel<KMAX>(g, a, p, goff, region, K);

    const int kk = g.kk(), plane = input_tile_floats(g), pix = input_pixel(g, p);
    const size_t px = size_t(g.r.out) * g.c.out, at = size_t(p.y) * g.c.out + p.x;
    const float* gout = v.grad_output + size_t(p.n) * v.co * px + at;
    const bool lane0 = (p.tid & 31) == 0;
    float* tile = region;
    float* sgw = tile + v.chunk * plane;  // [kk]
    for (int i = p.tid; i < kk; i += kThreads) sgw[i] = 0.f;
    for (int c0 = 0; c0 < v.ci; c0 += v.chunk) {
        const int nc = v.ci - c0 < v.chunk ? v.ci - c0 : v.chunk;
        load_input_tile(g, v, p, c0, nc, tile);
        JPAC_TILE_BARRIER(7);
        for (int c = 0; c < nc; ++c) {
            const float go = p.valid ? gout[size_t(c0 + c) * px] : 0.f;
#pragma unroll
            for (int t = 0; t < KMAX; ++t) {
                if (t < kk) {
                    const float s = warp_sum(go * K[t] * tile[c * plane + pix + ioff[t]]);
                    if (lane0 && s != 0.f) atomicAdd(&sgw[t], s);
                }
            }
        }
        __syncthreads();
    }
    for (int i = p.tid; i < kk; i += kThreads)
        if (sgw[i] != 0.f) atomicAdd(&v.grad_weight[i], sgw[i]);
}

// dL/dbias[o]: the sum of dL/dout over images and pixels. Grid: (co), block kThreads.
__global__ void __launch_bounds__(kThreads, kMinBlocks) bias_grad_kernel(const float* grad_output, int batch, int co, int pixels,
                                                             float* grad_bias) {
    JPAC_DYNAMIC_SHARED(smem);
    const int o = int(blockIdx.x), tid = int(threadIdx.x);
    float s = 0.f;
    for (int n = 0; n < batch; ++n) {
        const float* g = grad_output + (size_t(n) * co + o) * pixels;
        for (int i = tid; i < pixels; i += kThreads) s += g[i];
    }
    s = warp_sum(s);
    if ((tid & 31) == 0) smem[tid / 32] = s;
    __syncthreads();
    if (tid == 0) {
        float total = 0.f;
        for (int w = 0; w < kThreads / 32; ++w) total += smem[w];
        grad_bias[o] = total;
    }
}

}  // namespace jpac::cuda
