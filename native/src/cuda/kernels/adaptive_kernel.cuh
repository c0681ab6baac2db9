// The adapting kernel K of SPEC.md "kernel2d" for one output pixel per
// thread, held in registers (KMAX >= kh*kw floats), and its backward. The
// guidance is read through halo tiles in shared memory, a chunk of channels
// at a time; gradients for the guide are gathered in a shared tile and added
// to global memory once per block.
#pragma once
#include "cuda/kernels/compat.cuh"
#include "cuda/kernels/params.cuh"

namespace jpac::cuda {

constexpr float kInvEpsilon = 1e-4f;

// Where a thread's output pixel is, and the block's tile origin.
struct Pixel {
    int n, kc;     // image, kernel channel
    int y0, x0;    // the block's first output row / column
    int ty, tx;    // the thread's place in the tile
    int y, x;
    int tid;
    bool valid;    // inside the output (threads past the edge still take part in barriers)
};

// The thread's pixel in tile (tile_x, tile_y) of image n.
JPAC_DEVICE Pixel pixel_at(const Geometry& g, int n, int kc, int tile_x, int tile_y) {
    Pixel p;
    p.n = n;
    p.kc = kc;
    p.y0 = tile_y * kTileY;
    p.x0 = tile_x * kTileX;
    p.ty = int(threadIdx.y);
    p.tx = int(threadIdx.x);
    p.y = p.y0 + p.ty;
    p.x = p.x0 + p.tx;
    p.tid = p.ty * kTileX + p.tx;
    p.valid = p.y < g.r.out && p.x < g.c.out;
    return p;
}

// The thread's pixel in the block's tile (blockIdx.x, blockIdx.y) of image n.
JPAC_DEVICE Pixel pixel_of(const Geometry& g, int n, int kc) {
    return pixel_at(g, n, kc, int(blockIdx.x), int(blockIdx.y));
}

// Real input index of tap i of output y, or -1 (padding or an inserted zero).
JPAC_DEVICE int real_index(const Axis& a, int y, int i) {
    int u = y * a.cs - a.cp + i * a.dil;
    if (u < 0) return -1;
    if (a.ups > 1) {
        if (u % a.ups != 0) return -1;
        u /= a.ups;
    }
    return u < a.in ? u : -1;
}

// Tap offsets inside the input tile (ioff) and the guide tile (goff), shared
// by the block; followed by a barrier before use.
template <int KMAX>
JPAC_DEVICE void fill_tap_offsets(const Geometry& g, int tid, int* ioff, int* goff) {
    if (tid < KMAX) {
        const int i = tid / g.c.k, j = tid % g.c.k;
        const bool tap = tid < g.kk();
        ioff[tid] = tap ? i * g.r.pitch * g.c.in_span + j * g.c.pitch : 0;
        goff[tid] = tap ? i * g.r.g_pitch * g.c.g_span + j * g.c.g_pitch : 0;
    }
}

JPAC_HOST_DEVICE int guide_tile_floats(const Geometry& g) { return g.r.g_span * g.c.g_span; }

// Guide channels [c0, c0 + nc) of image n around the block's tile (zeros outside).
JPAC_DEVICE void load_guide_tile(const Geometry& g, const GuideArgs& a, const Pixel& p, int c0, int nc,
                                 float* tile) {
    const int rows = g.r.g_span, cols = g.c.g_span, plane = rows * cols;
    const int gy = p.y0 * g.r.gs - g.r.gp + g.r.g_lo, gx = p.x0 * g.c.gs - g.c.gp + g.c.g_lo;
    const float* base = a.guide + (size_t(p.n) * a.channels + c0) * size_t(g.r.guide) * g.c.guide;
    for (int idx = p.tid; idx < nc * plane; idx += kThreads) {
        const int c = idx / plane, rem = idx - c * plane, r = rem / cols, col = rem - r * cols;
        const int yy = gy + tile_offset(r, g.r.g_pitch, g.r.dil), xx = gx + tile_offset(col, g.c.g_pitch, g.c.dil);
        tile[idx] = (yy >= 0 && yy < g.r.guide && xx >= 0 && xx < g.c.guide)
                        ? base[(size_t(c) * g.r.guide + yy) * g.c.guide + xx]
                        : 0.f;
    }
}

// The thread's window start inside the guide tile.
JPAC_DEVICE int guide_pixel(const Geometry& g, const Pixel& p) {
    return (p.ty * g.r.gs - g.r.g_lo) * g.c.g_span + p.tx * g.c.gs - g.c.g_lo;
}

// The centre tap's offset from a pixel's window start in the guide tile.
JPAC_DEVICE int centre_tap(const Geometry& g) {
    return (g.r.k / 2) * g.r.g_pitch * g.c.g_span + (g.c.k / 2) * g.c.g_pitch;
}

// f0 of one channel: the centre tap, or the smoothed neighbourhood.
JPAC_DEVICE float centre_feature(const Geometry& g, const GuideArgs& a, const float* tile_c, int pix) {
    const int cols = g.c.g_span;
    if (g.r.m == 0) return tile_c[pix + centre_tap(g)];
    const int m = g.r.m, at = pix + g.r.smooth_off * cols + g.c.smooth_off;
    float s = 0.f;
    for (int u = 0; u < m; ++u)
        for (int v = 0; v < m; ++v) s += a.smooth[u * m + v] * tile_c[at + u * cols + v];
    return s;
}

JPAC_DEVICE int inv_param(const GuideArgs& a, int kc) { return a.inv_params > 1 ? kc : 0; }

// 1 / x, correctly rounded, without the IEEE division's slow-path
// subroutine: its call would make ptxas spill registers around it.
JPAC_DEVICE float reciprocal(float x) {
#if defined(__CUDACC__)
    return __frcp_rn(x);
#else
    return 1.f / x;
#endif
}

// b^e as exp2(e log2 b): far less code than powf, unrolled over every tap.
JPAC_DEVICE float power(float b, float e) { return exp2f(e * log2f(b)); }

JPAC_DEVICE float raw_kernel(const GuideArgs& a, int kc, float e) {
    if (a.inv) {
        const int q = inv_param(a, kc);
        return a.alpha[q] + power(e + kInvEpsilon, 0.5f * a.lambda[q]);
    }
    return expf(-0.5f * e);
}

// For tap t: m, the mask's (or an all-ones image's) window value, and
// inside, P (returned by value: no address taken, nothing in local memory).
struct TapMask {
    float m, inside;
};
JPAC_DEVICE TapMask tap_mask(const Geometry& g, const GuideArgs& a, const Pixel& p, int t) {
    const int i = t / g.c.k, j = t - (t / g.c.k) * g.c.k;
    const int ry = real_index(g.r, p.y, i), rx = real_index(g.c, p.x, j);
    if (ry < 0 || rx < 0 || !p.valid) return {0.f, 0.f};
    return {a.mask ? a.mask[(size_t(p.n) * g.r.in + ry) * g.c.in + rx] : 1.f, 1.f};
}

struct Divisor {
    float den;   // n + [n == 0]
    bool empty;  // [n == 0]
};

// Energies E[t] of the thread's pixel (channel p.kc only when channel_wise).
// `region` holds a.chunk guide planes; ends after a barrier.
template <int KMAX>
JPAC_DEVICE void energies(const Geometry& g, const GuideArgs& a, const Pixel& p, const int* goff, float* region,
                          float (&E)[KMAX]) {
    const int kk = g.kk(), plane = guide_tile_floats(g), pix = guide_pixel(g, p);
#pragma unroll
    for (int t = 0; t < KMAX; ++t) E[t] = 0.f;
    const int c_begin = a.channel_wise ? p.kc : 0, c_end = a.channel_wise ? p.kc + 1 : a.channels;
    for (int c0 = c_begin; c0 < c_end; c0 += a.chunk) {
        const int nc = c_end - c0 < a.chunk ? c_end - c0 : a.chunk;
        load_guide_tile(g, a, p, c0, nc, region);
        JPAC_TILE_BARRIER(1);
        for (int c = 0; c < nc; ++c) {
            const float* tile_c = region + c * plane;
            const float f0 = centre_feature(g, a, tile_c, pix);
#pragma unroll
            for (int t = 0; t < KMAX; ++t) {
                if (t < kk) {
                    float d = tile_c[pix + goff[t]] - f0;
                    if (a.asym) d = fmaxf(d, 0.f);
                    E[t] += d * d;
                }
            }
        }
        __syncthreads();  // the tile is overwritten next
    }
}

// The divisor of the mask / normalisation (1 when neither); v[] holds K
// before both (FROM_ENERGY: the energies it comes from).
template <int KMAX, bool FROM_ENERGY>
JPAC_DEVICE Divisor kernel_divisor(const Geometry& g, const GuideArgs& a, const Pixel& p, const float (&v)[KMAX]) {
    if (!a.normalize && a.mask == nullptr) return {1.f, false};
    const int kk = g.kk();
    float nsum = 0.f, psum = 0.f;
#pragma unroll
    for (int t = 0; t < KMAX; ++t) {
        if (t < kk) {
            const TapMask tm = tap_mask(g, a, p, t);
            nsum += a.normalize ? (FROM_ENERGY ? raw_kernel(a, p.kc, v[t]) : v[t]) * tm.m : tm.m;
            psum += tm.inside;
        }
    }
    if (!a.normalize) nsum = psum > 0.f ? nsum * reciprocal(psum) : 0.f;
    return {nsum + (nsum == 0.f ? 1.f : 0.f), nsum == 0.f};
}

// K of the thread's pixel into K[] (0 past the output's edge); returns
// [n == 0] of the normalisation. Guided: through `region`, ending after a
// barrier.
template <int KMAX>
JPAC_DEVICE bool pixel_kernel(const Geometry& g, const GuideArgs& a, const Pixel& p, const int* goff,
                              float* region, float (&K)[KMAX]) {
    const int kk = g.kk();
    if (a.guide == nullptr) {  // K given, or 1 (a plain convolution)
        const size_t px = size_t(g.r.out) * g.c.out, at = size_t(p.y) * g.c.out + p.x;
        const float* k = a.given ? a.given + (size_t(p.n) * a.kernel_channels + p.kc) * kk * px : nullptr;
#pragma unroll
        for (int t = 0; t < KMAX; ++t) K[t] = (t < kk && p.valid) ? (k ? k[t * px + at] : 1.f) : 0.f;
        return false;
    }
    energies<KMAX>(g, a, p, goff, region, K);
#pragma unroll
    for (int t = 0; t < KMAX; ++t) K[t] = t < kk ? raw_kernel(a, p.kc, K[t]) : 0.f;
    const Divisor div = kernel_divisor<KMAX, false>(g, a, p, K);
    const float rden = reciprocal(div.den);
    const bool masked = a.normalize || a.mask != nullptr;
#pragma unroll
    for (int t = 0; t < KMAX; ++t) {
        if (t < kk) {
            const float m = masked ? tap_mask(g, a, p, t).m : 1.f;
            K[t] = p.valid ? (masked ? K[t] * m * rden : K[t]) : 0.f;
        }
    }
    return div.empty;
}

// Backward of K for the thread's pixel: G[] holds dL/dK on entry (0 past the
// edge). Recomputes the energies into E[], then adds dL/dguide, dL/dalpha,
// dL/dlambda and dL/dsmooth. `region` needs backward_region_floats(g, a.chunk).
JPAC_HOST_DEVICE int backward_region_floats(const Geometry& g, int chunk) {
    return 2 * chunk * guide_tile_floats(g) + g.r.m * g.r.m + 2;
}

template <int KMAX>
JPAC_DEVICE void kernel_backward(const Geometry& g, const GuideArgs& a, const Pixel& p, const int* goff,
                                 float* region, float (&E)[KMAX], float (&G)[KMAX]) {
    const int kk = g.kk(), plane = guide_tile_floats(g), pix = guide_pixel(g, p);
    const int m = g.r.m;
    energies<KMAX>(g, a, p, goff, region, E);
    // dL/draw through the mask and the normalisation.
    const bool masked = a.normalize || a.mask != nullptr;
    if (masked) {
        const float rden = reciprocal(kernel_divisor<KMAX, true>(g, a, p, E).den);
        float dot = 0.f;
        if (a.normalize) {
#pragma unroll
            for (int t = 0; t < KMAX; ++t) {
                if (t < kk) {
                    dot += G[t] * raw_kernel(a, p.kc, E[t]) * tap_mask(g, a, p, t).m * rden;
                }
            }
        }
#pragma unroll
        for (int t = 0; t < KMAX; ++t) {
            if (t < kk) {
                G[t] = tap_mask(g, a, p, t).m * (G[t] - dot) * rden;
            }
        }
    }
    // dL/dE, and the inv parameters' gradients (per thread, summed below).
    float ga = 0.f, gl = 0.f;
#pragma unroll
    for (int t = 0; t < KMAX; ++t) {
        if (t < kk) {
            if (a.inv) {
                const int q = inv_param(a, p.kc);
                const float b = E[t] + kInvEpsilon, lb = log2f(b), pw = exp2f(0.5f * a.lambda[q] * lb);
                ga += G[t];
                gl += G[t] * pw * 0.5f * (lb * 0.69314718f);  // ln b
                G[t] = G[t] * 0.5f * a.lambda[q] * pw * reciprocal(b);
            } else {
                G[t] *= -0.5f * expf(-0.5f * E[t]);
            }
            if (!p.valid) G[t] = 0.f;
        }
    }
    if (!p.valid) ga = gl = 0.f;
    float* grad_tile = region + a.chunk * plane;
    float* sums = grad_tile + a.chunk * plane;  // [m*m] smoothing, alpha, lambda
    for (int i = p.tid; i < m * m + 2; i += kThreads) sums[i] = 0.f;
    // dL/dD = 2 D dL/dE onto each tap and, negated, onto the centre feature.
    const int c_begin = a.channel_wise ? p.kc : 0, c_end = a.channel_wise ? p.kc + 1 : a.channels;
    const bool want_guide = a.grad_guide != nullptr;
    for (int c0 = c_begin; c0 < c_end; c0 += a.chunk) {
        const int nc = c_end - c0 < a.chunk ? c_end - c0 : a.chunk;
        load_guide_tile(g, a, p, c0, nc, region);
        for (int i = p.tid; i < nc * plane; i += kThreads) grad_tile[i] = 0.f;
        JPAC_TILE_BARRIER(2);
        for (int c = 0; c < nc; ++c) {
            const float* tile_c = region + c * plane;
            float* gt = grad_tile + c * plane;
            const float f0 = centre_feature(g, a, tile_c, pix);
            float gf0 = 0.f;
#pragma unroll
            for (int t = 0; t < KMAX; ++t) {
                if (t < kk) {
                    float d = tile_c[pix + goff[t]] - f0;
                    if (a.asym) d = fmaxf(d, 0.f);
                    const float dd = 2.f * d * G[t];
                    if (want_guide && dd != 0.f) atomicAdd(&gt[pix + goff[t]], dd);
                    gf0 -= dd;
                }
            }
            if (m == 0) {
                if (want_guide && gf0 != 0.f)
                    atomicAdd(&gt[pix + centre_tap(g)], gf0);
            } else if (gf0 != 0.f) {
                const int at = pix + g.r.smooth_off * g.c.g_span + g.c.smooth_off;
                for (int u = 0; u < m; ++u)
                    for (int v = 0; v < m; ++v) {
                        const int q = at + u * g.c.g_span + v;
                        if (want_guide) atomicAdd(&gt[q], a.smooth[u * m + v] * gf0);
                        if (a.grad_smooth) atomicAdd(&sums[u * m + v], gf0 * tile_c[q]);
                    }
            }
        }
        __syncthreads();
        if (want_guide) {
            const int cols = g.c.g_span;
            const int gy = p.y0 * g.r.gs - g.r.gp + g.r.g_lo, gx = p.x0 * g.c.gs - g.c.gp + g.c.g_lo;
            float* base = a.grad_guide + (size_t(p.n) * a.channels + c0) * size_t(g.r.guide) * g.c.guide;
            for (int idx = p.tid; idx < nc * plane; idx += kThreads) {
                const int c = idx / plane, rem = idx - c * plane, r = rem / cols, col = rem - r * cols;
                const int yy = gy + tile_offset(r, g.r.g_pitch, g.r.dil);
                const int xx = gx + tile_offset(col, g.c.g_pitch, g.c.dil);
                const float v = grad_tile[idx];
                if (v != 0.f && yy >= 0 && yy < g.r.guide && xx >= 0 && xx < g.c.guide)
                    atomicAdd(&base[(size_t(c) * g.r.guide + yy) * g.c.guide + xx], v);
            }
        }
        __syncthreads();
    }
    if (a.inv) {
        if (ga != 0.f) atomicAdd(&sums[m * m], ga);
        if (gl != 0.f) atomicAdd(&sums[m * m + 1], gl);
    }
    __syncthreads();
    if (p.tid == 0) {
        const int q = inv_param(a, p.kc);
        for (int i = 0; i < m * m; ++i)
            if (a.grad_smooth && sums[i] != 0.f) atomicAdd(&a.grad_smooth[i], sums[i]);
        if (a.inv && a.grad_alpha && sums[m * m] != 0.f) atomicAdd(&a.grad_alpha[q], sums[m * m]);
        if (a.inv && a.grad_lambda && sums[m * m + 1] != 0.f) atomicAdd(&a.grad_lambda[q], sums[m * m + 1]);
    }
}

}  // namespace jpac::cuda
