// The untiled kernels: one thread per output element, every operand read from
// global memory, K (and dL/dK) held in global memory beside the outputs. They
// are the fallback for what the tiled kernels cannot hold: windows of more
// than 25 taps (the tiled kernels keep a pixel's K in registers) and halo
// tiles larger than a block's shared memory (smoothing at large dilations).
// Every option of the tiled kernels, the same arithmetic per tap; not fast:
// nothing is reused but through the caches. K of pixel (n, kc, y, x) lies at
// K[((n * kernel_channels + kc) * kk + t) * Ho * Wo + y * Wo + x] (kernel2d's layout).
#pragma once
#include "cuda/kernels/conv_kernels.cuh"

namespace jpac::cuda {

constexpr int kUntiledThreads = 256;
// Two blocks per SM at least: caps ptxas at 128 registers (the gate's budget;
// they use 56-96). Without a minimum, ptxas 13 spilled untiled_kernel_forward
// at 48 registers for sm_90.
constexpr int kUntiledMinBlocks = 2;

// Output pixel `i` of [B, channels, Ho, Wo] (channels: kernel or output channels).
JPAC_DEVICE Pixel untiled_pixel(const Geometry& g, int channels, long long i) {
    Pixel p{};
    p.x = int(i % g.c.out);
    i /= g.c.out;
    p.y = int(i % g.r.out);
    i /= g.r.out;
    p.kc = int(i % channels);
    p.n = int(i / channels);
    p.valid = true;
    return p;
}

JPAC_DEVICE size_t out_pixels(const Geometry& g) { return size_t(g.r.out) * g.c.out; }
JPAC_DEVICE size_t out_at(const Geometry& g, const Pixel& p) { return size_t(p.y) * g.c.out + p.x; }

// Guide channel c of image n at guide position (yy, xx), 0 outside.
JPAC_DEVICE float guide_value(const Geometry& g, const GuideArgs& a, int n, int c, int yy, int xx) {
    if (yy < 0 || yy >= g.r.guide || xx < 0 || xx >= g.c.guide) return 0.f;
    return a.guide[((size_t(n) * a.channels + c) * g.r.guide + yy) * g.c.guide + xx];
}

// Guide position of tap (i, j) of the pixel (SPEC.md: y * stride - pad + i * dilation).
JPAC_DEVICE int guide_row(const Geometry& g, const Pixel& p, int i) { return p.y * g.r.gs - g.r.gp + i * g.r.dil; }
JPAC_DEVICE int guide_col(const Geometry& g, const Pixel& p, int j) { return p.x * g.c.gs - g.c.gp + j * g.c.dil; }

// f0 of channel c: the centre tap, or the smoothed neighbourhood.
JPAC_DEVICE float untiled_centre(const Geometry& g, const GuideArgs& a, const Pixel& p, int c) {
    if (g.r.m == 0) return guide_value(g, a, p.n, c, guide_row(g, p, g.r.k / 2), guide_col(g, p, g.c.k / 2));
    const int m = g.r.m, y0 = guide_row(g, p, 0) + g.r.smooth_off, x0 = guide_col(g, p, 0) + g.c.smooth_off;
    float s = 0.f;
    for (int u = 0; u < m; ++u)
        for (int v = 0; v < m; ++v) s += a.smooth[u * m + v] * guide_value(g, a, p.n, c, y0 + u, x0 + v);
    return s;
}

// The guide channels K of the pixel's kernel channel reads.
struct ChannelRange {
    int begin, end;
};
JPAC_DEVICE ChannelRange guide_channels(const GuideArgs& a, const Pixel& p) {
    return a.channel_wise ? ChannelRange{p.kc, p.kc + 1} : ChannelRange{0, a.channels};
}

// d of channel c at tap t: the guide's difference from f0 (clamped at 0 when asymmetric).
JPAC_DEVICE float tap_difference(const Geometry& g, const GuideArgs& a, const Pixel& p, int c, int t) {
    const int i = t / g.c.k, j = t - i * g.c.k;
    const float d = guide_value(g, a, p.n, c, guide_row(g, p, i), guide_col(g, p, j)) - untiled_centre(g, a, p, c);
    return a.asym ? fmaxf(d, 0.f) : d;
}

JPAC_DEVICE float untiled_energy(const Geometry& g, const GuideArgs& a, const Pixel& p, int t) {
    const ChannelRange cr = guide_channels(a, p);
    float e = 0.f;
    for (int c = cr.begin; c < cr.end; ++c) {
        const float d = tap_difference(g, a, p, c, t);
        e += d * d;
    }
    return e;
}

// The divisor of the mask / normalisation (1 when neither), from the raw kernel's
// taps raw(t): read back (the forward) or recomputed (the backward).
template <typename Raw>
JPAC_DEVICE Divisor untiled_divisor(const Geometry& g, const GuideArgs& a, const Pixel& p, Raw&& raw) {
    if (!a.normalize && a.mask == nullptr) return {1.f, false};
    float nsum = 0.f, psum = 0.f;
    for (int t = 0; t < g.kk(); ++t) {
        const TapMask tm = tap_mask(g, a, p, t);
        nsum += a.normalize ? raw(t) * tm.m : tm.m;
        psum += tm.inside;
    }
    if (!a.normalize) nsum = psum > 0.f ? nsum * reciprocal(psum) : 0.f;
    return {nsum + (nsum == 0.f ? 1.f : 0.f), nsum == 0.f};
}

// K of every pixel and kernel channel into `kernel`; the output mask when wanted.
// Grid-stride over B * kernel_channels * Ho * Wo.
__global__ void __launch_bounds__(kUntiledThreads, kUntiledMinBlocks)
    untiled_kernel_forward(Geometry g, GuideArgs a, float* kernel, float* out_mask) {
    const long long total = (long long)g.batch * a.kernel_channels * g.r.out * g.c.out;
    const size_t px = out_pixels(g);
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total;
         i += (long long)gridDim.x * blockDim.x) {
        const Pixel p = untiled_pixel(g, a.kernel_channels, i);
        float* k = kernel + (size_t(p.n) * a.kernel_channels + p.kc) * g.kk() * px + out_at(g, p);
        for (int t = 0; t < g.kk(); ++t) k[t * px] = raw_kernel(a, p.kc, untiled_energy(g, a, p, t));
        const Divisor div = untiled_divisor(g, a, p, [&](int t) { return k[t * px]; });
        if (a.normalize || a.mask != nullptr) {
            const float rden = reciprocal(div.den);
            for (int t = 0; t < g.kk(); ++t) k[t * px] *= tap_mask(g, a, p, t).m * rden;
        }
        if (out_mask != nullptr && (a.normalize || p.kc == 0))
            out_mask[(size_t(p.n) * (a.normalize ? a.kernel_channels : 1) + p.kc) * px + out_at(g, p)] =
                div.empty ? 0.f : 1.f;
    }
}

// Adds v at guide position (yy, xx) of channel c's gradient (dropped outside, as the tiles drop it).
JPAC_DEVICE void add_guide_grad(const Geometry& g, const GuideArgs& a, int n, int c, int yy, int xx, float v) {
    if (v == 0.f || yy < 0 || yy >= g.r.guide || xx < 0 || xx >= g.c.guide) return;
    atomicAdd(&a.grad_guide[((size_t(n) * a.channels + c) * g.r.guide + yy) * g.c.guide + xx], v);
}

// dL/df0 of channel c onto the centre tap, or through the smoothing (and into its gradient).
JPAC_DEVICE void add_centre_grad(const Geometry& g, const GuideArgs& a, const Pixel& p, int c, float gf0) {
    if (gf0 == 0.f) return;
    if (g.r.m == 0) {
        if (a.grad_guide) add_guide_grad(g, a, p.n, c, guide_row(g, p, g.r.k / 2), guide_col(g, p, g.c.k / 2), gf0);
        return;
    }
    const int m = g.r.m, y0 = guide_row(g, p, 0) + g.r.smooth_off, x0 = guide_col(g, p, 0) + g.c.smooth_off;
    for (int u = 0; u < m; ++u)
        for (int v = 0; v < m; ++v) {
            if (a.grad_guide) add_guide_grad(g, a, p.n, c, y0 + u, x0 + v, a.smooth[u * m + v] * gf0);
            if (a.grad_smooth) atomicAdd(&a.grad_smooth[u * m + v], gf0 * guide_value(g, a, p.n, c, y0 + u, x0 + v));
        }
}

// From dL/dK (`grad_kernel`, K's layout) to the guide, alpha, lambda and the
// smoothing kernel (zeroed by the launcher). Grid-stride over B * kernel_channels * Ho * Wo.
__global__ void __launch_bounds__(kUntiledThreads, kUntiledMinBlocks)
    untiled_kernel_backward(Geometry g, GuideArgs a, const float* grad_kernel) {
    const long long total = (long long)g.batch * a.kernel_channels * g.r.out * g.c.out;
    const size_t px = out_pixels(g);
    const int kk = g.kk();
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total;
         i += (long long)gridDim.x * blockDim.x) {
        const Pixel p = untiled_pixel(g, a.kernel_channels, i);
        const float* gk = grad_kernel + (size_t(p.n) * a.kernel_channels + p.kc) * kk * px + out_at(g, p);
        // dL/draw = m (dL/dK - dot) / den through the mask and the normalisation.
        const bool masked = a.normalize || a.mask != nullptr;
        auto raw = [&](int t) { return raw_kernel(a, p.kc, untiled_energy(g, a, p, t)); };
        const float rden = reciprocal(untiled_divisor(g, a, p, raw).den);
        float dot = 0.f;
        if (a.normalize)
            for (int t = 0; t < kk; ++t) dot += gk[t * px] * raw(t) * tap_mask(g, a, p, t).m * rden;
        const ChannelRange cr = guide_channels(a, p);
        const int q = inv_param(a, p.kc);
        float ga = 0.f, gl = 0.f;
        for (int t = 0; t < kk; ++t) {
            float gt = masked ? tap_mask(g, a, p, t).m * (gk[t * px] - dot) * rden : gk[t * px];
            if (gt == 0.f) continue;
            const float e = untiled_energy(g, a, p, t);
            if (a.inv) {  // dL/dE, as kernel_backward
                const float b = e + kInvEpsilon, lb = log2f(b), pw = exp2f(0.5f * a.lambda[q] * lb);
                ga += gt;
                gl += gt * pw * 0.5f * (lb * 0.69314718f);
                gt = gt * 0.5f * a.lambda[q] * pw * reciprocal(b);
            } else {
                gt *= -0.5f * expf(-0.5f * e);
            }
            const int ti = t / g.c.k, tj = t - ti * g.c.k;
            for (int c = cr.begin; c < cr.end; ++c) {
                const float dd = 2.f * tap_difference(g, a, p, c, t) * gt;
                if (a.grad_guide) add_guide_grad(g, a, p.n, c, guide_row(g, p, ti), guide_col(g, p, tj), dd);
                add_centre_grad(g, a, p, c, -dd);
            }
        }
        if (a.inv && a.grad_alpha && ga != 0.f) atomicAdd(&a.grad_alpha[q], ga);
        if (a.inv && a.grad_lambda && gl != 0.f) atomicAdd(&a.grad_lambda[q], gl);
    }
}

// The input sample that tap (i, j) of output pixel p reads, or 0 (padding, an inserted zero).
JPAC_DEVICE float tap_input(const Geometry& g, const ConvArgs& v, const Pixel& p, int c, int t) {
    const int i = t / g.c.k, j = t - i * g.c.k;
    const int ry = real_index(g.r, p.y, i), rx = real_index(g.c, p.x, j);
    if (ry < 0 || rx < 0) return 0.f;
    return v.input[((size_t(p.n) * v.ci + c) * g.r.in + ry) * g.c.in + rx];
}

// K[t] of the pixel's kernel channel kc: from `kernel` (K's layout, kernel_channels), or 1 when null.
JPAC_DEVICE float kernel_tap(const Geometry& g, const float* kernel, int kernel_channels, const Pixel& p, int kc,
                             int t) {
    if (kernel == nullptr) return 1.f;
    return kernel[((size_t(p.n) * kernel_channels + kc) * g.kk() + t) * out_pixels(g) + out_at(g, p)];
}

// The kernel channel of output / input channel c: its own (per-channel pooling) or the one.
JPAC_DEVICE int kernel_channel_of(const ConvArgs& v, int c) { return v.per_channel ? c : 0; }

// out[n, o, y, x]; grid-stride over B * co * Ho * Wo. `kernel`: K (null: 1).
__global__ void __launch_bounds__(kUntiledThreads, kUntiledMinBlocks)
    untiled_conv_forward(Geometry g, ConvArgs v, const float* kernel, int kernel_channels) {
    const long long total = (long long)g.batch * v.co * g.r.out * g.c.out;
    const int kk = g.kk();
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total;
         i += (long long)gridDim.x * blockDim.x) {
        const Pixel p = untiled_pixel(g, v.co, i);
        const int o = p.kc, kc = kernel_channel_of(v, o);
        float acc = v.bias ? v.bias[o] : 0.f;
        for (int t = 0; t < kk; ++t) {
            const float k = kernel_tap(g, kernel, kernel_channels, p, kc, t);
            if (v.shared_filters) {
                acc += shared_weight(v, t) * k * tap_input(g, v, p, o, t);
            } else {
                float s = 0.f;
                for (int c = 0; c < v.ci; ++c) s += v.weight[weight_index(v, o, c, t, kk)] * tap_input(g, v, p, c, t);
                acc += k * s;
            }
        }
        v.output[(size_t(p.n) * v.co + o) * out_pixels(g) + out_at(g, p)] = acc;
    }
}

// The output index along an axis whose tap i reads real input index r, or -1.
JPAC_DEVICE int output_reading(const Axis& a, int r, int i) {
    const int num = r * a.ups + a.cp - i * a.dil;  // y * cs
    if (num < 0 || num % a.cs != 0) return -1;
    const int y = num / a.cs;
    return y < a.out ? y : -1;
}

// dL/dinput[n, c, ry, rx] gathered over the outputs and taps that read it.
// Grid-stride over B * ci * H * W.
__global__ void __launch_bounds__(kUntiledThreads, kUntiledMinBlocks)
    untiled_conv_grad_input(Geometry g, ConvArgs v, const float* kernel, int kernel_channels) {
    const long long total = (long long)g.batch * v.ci * g.r.in * g.c.in;
    const size_t px = out_pixels(g);
    for (long long idx = blockIdx.x * (long long)blockDim.x + threadIdx.x; idx < total;
         idx += (long long)gridDim.x * blockDim.x) {
        long long rest = idx;
        const int rx = int(rest % g.c.in);
        rest /= g.c.in;
        const int ry = int(rest % g.r.in);
        rest /= g.r.in;
        const int c = int(rest % v.ci), n = int(rest / v.ci);
        float acc = 0.f;
        for (int i = 0; i < g.r.k; ++i) {
            const int y = output_reading(g.r, ry, i);
            if (y < 0) continue;
            for (int j = 0; j < g.c.k; ++j) {
                const int x = output_reading(g.c, rx, j);
                if (x < 0) continue;
                const int t = i * g.c.k + j;
                Pixel p{};
                p.n = n, p.y = y, p.x = x;
                const float* go = v.grad_output + size_t(n) * v.co * px + out_at(g, p);
                if (v.shared_filters) {
                    acc += go[size_t(c) * px] * shared_weight(v, t) *
                           kernel_tap(g, kernel, kernel_channels, p, kernel_channel_of(v, c), t);
                } else {
                    float s = 0.f;
                    for (int o = 0; o < v.co; ++o) s += go[size_t(o) * px] * v.weight[weight_index(v, o, c, t, g.kk())];
                    acc += s * kernel_tap(g, kernel, kernel_channels, p, 0, t);
                }
            }
        }
        v.grad_input[idx] = acc;
    }
}

// dL/dK into `grad_kernel` (K's layout). Grid-stride over B * kernel_channels * Ho * Wo.
__global__ void __launch_bounds__(kUntiledThreads, kUntiledMinBlocks)
    untiled_conv_grad_kernel(Geometry g, ConvArgs v, float* grad_kernel, int kernel_channels) {
    const long long total = (long long)g.batch * kernel_channels * g.r.out * g.c.out;
    const size_t px = out_pixels(g);
    const int kk = g.kk();
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total;
         i += (long long)gridDim.x * blockDim.x) {
        const Pixel p = untiled_pixel(g, kernel_channels, i);
        const float* go = v.grad_output + size_t(p.n) * v.co * px + out_at(g, p);
        float* gk = grad_kernel + (size_t(p.n) * kernel_channels + p.kc) * kk * px + out_at(g, p);
        if (!v.per_channel && p.kc != 0) {  // only channel 0 of K is read (as the tiled kernels)
            for (int t = 0; t < kk; ++t) gk[t * px] = 0.f;
            continue;
        }
        for (int t = 0; t < kk; ++t) {
            float s = 0.f;
            if (v.shared_filters) {
                const int c_begin = v.per_channel ? p.kc : 0, c_end = v.per_channel ? p.kc + 1 : v.ci;
                for (int c = c_begin; c < c_end; ++c) s += go[size_t(c) * px] * tap_input(g, v, p, c, t);
                s *= shared_weight(v, t);
            } else {
                for (int c = 0; c < v.ci; ++c) {
                    const float x = tap_input(g, v, p, c, t);
                    if (x == 0.f) continue;
                    float w = 0.f;
                    for (int o = 0; o < v.co; ++o) w += go[size_t(o) * px] * v.weight[weight_index(v, o, c, t, kk)];
                    s += w * x;
                }
            }
            gk[t * px] = s;
        }
    }
}

// dL/dW: one thread per weight ((o, c, t) of own filters, (c, t) of shared ones)
// and group of pixels, summing the group's pixels (n, y, x flattened) and adding
// the sum into the gradient (zeroed by the launcher): `groups` splits the pixels
// so that a few weights still give the GPU enough threads.
__global__ void __launch_bounds__(kUntiledThreads, kUntiledMinBlocks)
    untiled_conv_grad_weight(Geometry g, ConvArgs v, const float* kernel, int kernel_channels, int groups) {
    const int kk = g.kk();
    const long long weights = (long long)(v.shared_filters ? 1 : v.co) * v.ci * kk;
    const size_t px = out_pixels(g);
    const long long pixels = (long long)g.batch * (long long)px;
    for (long long idx = blockIdx.x * (long long)blockDim.x + threadIdx.x; idx < weights * groups;
         idx += (long long)gridDim.x * blockDim.x) {
        const long long wi = idx % weights, q = idx / weights;
        const int t = int(wi % kk), c = int(wi / kk % v.ci), o = v.shared_filters ? c : int(wi / kk / v.ci);
        const int kc = kernel_channel_of(v, c);
        float s = 0.f;
        for (long long i = pixels * q / groups; i < pixels * (q + 1) / groups; ++i) {
            Pixel p{};
            p.n = int(i / (long long)px);
            p.y = int(i % (long long)px / g.c.out);
            p.x = int(i % (long long)px % g.c.out);
            const float go = v.grad_output[(size_t(p.n) * v.co + o) * px + out_at(g, p)];
            if (go == 0.f) continue;
            s += go * kernel_tap(g, kernel, kernel_channels, p, kc, t) * tap_input(g, v, p, c, t);
        }
        if (s != 0.f) atomicAdd(&v.grad_weight[v.shared_filters ? size_t(t) : weight_index(v, o, c, t, kk)], s);
    }
}

}  // namespace jpac::cuda
