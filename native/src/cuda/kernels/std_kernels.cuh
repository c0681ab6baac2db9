// The standard (non-adaptive) operations the networks need, on the device:
// relu, axpby, (log-)softmax over channels, bilinear resize, average pooling,
// batch norm, channel copies and crops, forward and backward, over NCHW
// float32. Each is memory-bound: one thread per output element (softmax: per
// pixel), grid-stride loops, and gathers rather than atomics where the
// backward can be written so (pooling); the bilinear backward scatters with
// atomics as PyTorch's does. Same arithmetic as cpu/std_ops.cpp.
#pragma once
#include <cstdint>

#include "cuda/kernels/compat.cuh"

namespace jpac::cuda {

constexpr int kStdThreads = 256;

// Every index in [0, n) once, over the whole grid.
#define JPAC_GRID_LOOP(i, n)                                                                   \
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (long long)(n); \
         i += (long long)gridDim.x * blockDim.x)

struct StdShape {
    long long n, c, h, w;
    JPAC_HOST_DEVICE long long plane() const { return h * w; }
    JPAC_HOST_DEVICE long long count() const { return n * c * h * w; }
};

__global__ void relu_forward_kernel(const float* x, long long count, float* y) {
    JPAC_GRID_LOOP(i, count) y[i] = x[i] > 0.f ? x[i] : 0.f;
}

__global__ void relu_backward_kernel(const float* x, const float* gy, long long count, float* gx) {
    JPAC_GRID_LOOP(i, count) gx[i] = x[i] > 0.f ? gy[i] : 0.f;
}

// out may be x or y (each element is read before it is written).
__global__ void axpby_kernel(float alpha, const float* x, float beta, const float* y, long long count, float* out) {
    JPAC_GRID_LOOP(i, count) out[i] = alpha * x[i] + (y ? beta * y[i] : 0.f);
}

// One thread per pixel; neighbouring threads read neighbouring pixels of each
// channel plane, so every pass is coalesced.
__global__ void softmax_forward_kernel(StdShape s, const float* x, int log_softmax, float* y) {
    const long long plane = s.plane();
    JPAC_GRID_LOOP(q, s.n * plane) {
        const long long base = (q / plane) * s.c * plane + q % plane;
        float mx = x[base];
        for (long long c = 1; c < s.c; ++c) mx = fmaxf(mx, x[base + c * plane]);
        float sum = 0.f;
        for (long long c = 0; c < s.c; ++c) sum += expf(x[base + c * plane] - mx);
        if (log_softmax) {
            const float lse = mx + logf(sum);
            for (long long c = 0; c < s.c; ++c) y[base + c * plane] = x[base + c * plane] - lse;
        } else {
            const float r = 1.f / sum;
            for (long long c = 0; c < s.c; ++c) y[base + c * plane] = expf(x[base + c * plane] - mx) * r;
        }
    }
}

__global__ void softmax_backward_kernel(StdShape s, const float* y, const float* gy, int log_softmax, float* gx) {
    const long long plane = s.plane();
    JPAC_GRID_LOOP(q, s.n * plane) {
        const long long base = (q / plane) * s.c * plane + q % plane;
        double dot = 0.0;  // sum of gy (log) or of gy * y (softmax), in double as the CPU path
        for (long long c = 0; c < s.c; ++c) {
            const long long k = base + c * plane;
            dot += log_softmax ? double(gy[k]) : double(gy[k]) * double(y[k]);
        }
        for (long long c = 0; c < s.c; ++c) {
            const long long k = base + c * plane;
            gx[k] = log_softmax ? float(gy[k] - exp(double(y[k])) * dot) : float(y[k] * (gy[k] - dot));
        }
    }
}

// PyTorch's area_pixel_compute_source_index (align_corners=False) for one
// output coordinate: the two source taps and their weights.
struct Lerp {
    long long i0, i1;
    float w0, w1;
};

JPAC_DEVICE Lerp lerp_at(long long o, long long in, double scale) {
    double src = (double(o) + 0.5) * scale - 0.5;
    if (src < 0) src = 0;
    long long i0 = (long long)src;
    if (i0 > in - 1) i0 = in - 1;
    const long long i1 = i0 + (i0 < in - 1 ? 1 : 0);
    const float w1 = float(src - double(i0));
    return Lerp{i0, i1, 1.f - w1, w1};
}

// Output element i of a resize from `in` to out_h x out_w: the offsets of its
// two source rows (in the input's plane of i) and the row and column weights.
struct ResizeTaps {
    long long row0, row1;
    Lerp y, x;
};

JPAC_DEVICE ResizeTaps resize_taps(long long i, const StdShape& in, long long out_h, long long out_w,
                                   double scale_h, double scale_w) {
    const long long out_plane = out_h * out_w;
    const long long p = i / out_plane, oy = (i % out_plane) / out_w, ox = i % out_w;
    const Lerp a = lerp_at(oy, in.h, scale_h);
    return ResizeTaps{p * in.plane() + a.i0 * in.w, p * in.plane() + a.i1 * in.w, a, lerp_at(ox, in.w, scale_w)};
}

// in: the input's shape; out_h x out_w the output's; scale_*: source step.
__global__ void resize_bilinear_forward_kernel(StdShape in, const float* x, long long out_h, long long out_w,
                                               double scale_h, double scale_w, float* y) {
    JPAC_GRID_LOOP(i, in.n * in.c * out_h * out_w) {
        const ResizeTaps t = resize_taps(i, in, out_h, out_w, scale_h, scale_w);
        const Lerp &a = t.y, &b = t.x;
        const float* r0 = x + t.row0;
        const float* r1 = x + t.row1;
        y[i] = a.w0 * (b.w0 * r0[b.i0] + b.w1 * r0[b.i1]) + a.w1 * (b.w0 * r1[b.i0] + b.w1 * r1[b.i1]);
    }
}

// gx must be zero on entry.
__global__ void resize_bilinear_backward_kernel(StdShape in, const float* gy, long long out_h, long long out_w,
                                                double scale_h, double scale_w, float* gx) {
    JPAC_GRID_LOOP(i, in.n * in.c * out_h * out_w) {
        const float v = gy[i];
        if (v == 0.f) continue;
        const ResizeTaps t = resize_taps(i, in, out_h, out_w, scale_h, scale_w);
        const Lerp &a = t.y, &b = t.x;
        float* r0 = gx + t.row0;
        float* r1 = gx + t.row1;
        atomicAdd(&r0[b.i0], a.w0 * b.w0 * v);
        atomicAdd(&r0[b.i1], a.w0 * b.w1 * v);
        atomicAdd(&r1[b.i0], a.w1 * b.w0 * v);
        atomicAdd(&r1[b.i1], a.w1 * b.w1 * v);
    }
}

struct PoolShape {
    int kh, kw, sh, sw, ph, pw;
    long long out_h, out_w;
};

// The window of output (oy, ox) clipped to the image; its pixel count.
JPAC_DEVICE long long pool_window(const StdShape& in, const PoolShape& g, long long oy, long long ox,
                                  long long& y0, long long& y1, long long& x0, long long& x1) {
    y0 = oy * g.sh - g.ph, y1 = y0 + g.kh, x0 = ox * g.sw - g.pw, x1 = x0 + g.kw;
    y0 = y0 < 0 ? 0 : y0, x0 = x0 < 0 ? 0 : x0;
    y1 = y1 > in.h ? in.h : y1, x1 = x1 > in.w ? in.w : x1;
    return (y1 - y0) * (x1 - x0);
}

// Average pooling that does not count the padding (count_include_pad=False).
__global__ void avg_pool_forward_kernel(StdShape in, PoolShape g, const float* x, float* y) {
    const long long out_plane = g.out_h * g.out_w;
    JPAC_GRID_LOOP(i, in.n * in.c * out_plane) {
        const long long p = i / out_plane, oy = (i % out_plane) / g.out_w, ox = i % g.out_w;
        long long y0, y1, x0, x1;
        const long long count = pool_window(in, g, oy, ox, y0, y1, x0, x1);
        const float* src = x + p * in.plane();
        float s = 0.f;
        for (long long yy = y0; yy < y1; ++yy)
            for (long long xx = x0; xx < x1; ++xx) s += src[yy * in.w + xx];
        y[i] = count > 0 ? s / float(count) : 0.f;
    }
}

// First output index whose window (start o*s - p, k long) reaches past
// position u, and the last whose window starts at or before u.
JPAC_DEVICE void pool_outputs_covering(long long u, int k, int s, int p, long long out, long long& lo,
                                       long long& hi) {
    const long long a = u + p - k + 1;  // o*s >= a
    lo = a <= 0 ? 0 : (a + s - 1) / s;
    hi = (u + p) / s;
    if (hi > out - 1) hi = out - 1;
}

// The gradient gathered per input pixel from the outputs whose windows hold it.
__global__ void avg_pool_backward_kernel(StdShape in, PoolShape g, const float* gy, float* gx) {
    JPAC_GRID_LOOP(i, in.count()) {
        const long long p = i / in.plane(), u = (i % in.plane()) / in.w, v = i % in.w;
        long long oy0, oy1, ox0, ox1;
        pool_outputs_covering(u, g.kh, g.sh, g.ph, g.out_h, oy0, oy1);
        pool_outputs_covering(v, g.kw, g.sw, g.pw, g.out_w, ox0, ox1);
        const float* src = gy + p * g.out_h * g.out_w;
        float s = 0.f;
        for (long long oy = oy0; oy <= oy1; ++oy)
            for (long long ox = ox0; ox <= ox1; ++ox) {
                long long y0, y1, x0, x1;
                const long long count = pool_window(in, g, oy, ox, y0, y1, x0, x1);
                if (count > 0) s += src[oy * g.out_w + ox] / float(count);
            }
        gx[i] = s;
    }
}

__global__ void batch_norm_inference_kernel(StdShape s, const float* x, const float* mean, const float* var,
                                            const float* weight, const float* bias, float eps, float* y) {
    JPAC_GRID_LOOP(i, s.count()) {
        const long long c = (i / s.plane()) % s.c;
        const float scale = (weight ? weight[c] : 1.f) / sqrtf(var[c] + eps);
        const float shift = (bias ? bias[c] : 0.f) - mean[c] * scale;
        y[i] = x[i] * scale + shift;
    }
}

// Channels [from, from + count) of x (c_in channels) into channels
// [to, to + count) of y (c_out channels), for every image.
__global__ void copy_channels_kernel(const float* x, long long c_in, long long from, float* y, long long c_out,
                                     long long to, long long count, long long batch, long long plane) {
    JPAC_GRID_LOOP(i, batch * count * plane) {
        const long long n = i / (count * plane), c = (i / plane) % count, at = i % plane;
        y[(n * c_out + to + c) * plane + at] = x[(n * c_in + from + c) * plane + at];
    }
}

// small[p, y, x] = big[p, top + y, left + x] (to_small), or the reverse
// (the crop's backward, into a zeroed big).
__global__ void crop_kernel(StdShape big, long long top, long long left, long long h, long long w, float* big_data,
                            float* small_data, int to_small) {
    const long long small_plane = h * w;
    JPAC_GRID_LOOP(i, big.n * big.c * small_plane) {
        const long long p = i / small_plane, y = (i % small_plane) / w, x = i % w;
        const long long b = p * big.plane() + (top + y) * big.w + left + x;
        if (to_small)
            small_data[i] = big_data[b];
        else
            big_data[b] = small_data[i];
    }
}

#undef JPAC_GRID_LOOP

}  // namespace jpac::cuda
