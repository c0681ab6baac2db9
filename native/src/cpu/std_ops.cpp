#include "cpu/std_ops.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "cpu/parallel.hpp"
#include "cpu/simd.hpp"

namespace jpac::cpu {

void relu_forward(const float* x, int64_t count, float* y) {
#pragma omp parallel for num_threads(threads_for(count, count)) schedule(static)
    for (int64_t i = 0; i < count; ++i) y[i] = x[i] > 0.f ? x[i] : 0.f;
}

void relu_backward(const float* x, const float* gy, int64_t count, float* gx) {
#pragma omp parallel for num_threads(threads_for(count, count)) schedule(static)
    for (int64_t i = 0; i < count; ++i) gx[i] = x[i] > 0.f ? gy[i] : 0.f;
}

namespace {

// Source taps of one output coordinate (PyTorch's area_pixel_compute_source_index).
struct Lerp {
    int64_t i0, i1;
    float w0, w1;
};

std::vector<Lerp> lerps(int64_t in, int64_t out, double scale) {
    std::vector<Lerp> l(out);
    for (int64_t o = 0; o < out; ++o) {
        double src = (o + 0.5) * scale - 0.5;
        if (src < 0) src = 0;
        int64_t i0 = std::min<int64_t>(int64_t(src), in - 1);
        int64_t i1 = i0 + (i0 < in - 1 ? 1 : 0);
        float w1 = float(src - double(i0));
        l[o] = Lerp{i0, i1, 1.f - w1, w1};
    }
    return l;
}

}  // namespace

void resize_bilinear_forward(const Nchw& in, const float* x, int64_t out_h, int64_t out_w, double scale_h,
                             double scale_w, float* y) {
    const std::vector<Lerp> ly = lerps(in.h, out_h, scale_h), lx = lerps(in.w, out_w, scale_w);
#pragma omp parallel for num_threads(threads_for(in.planes() * in.plane(), in.planes())) schedule(static)
    for (int64_t p = 0; p < in.planes(); ++p) {
        const float* src = x + p * in.plane();
        float* dst = y + p * out_h * out_w;
        for (int64_t oy = 0; oy < out_h; ++oy) {
            const Lerp& a = ly[oy];
            const float* r0 = src + a.i0 * in.w;
            const float* r1 = src + a.i1 * in.w;
            for (int64_t ox = 0; ox < out_w; ++ox) {
                const Lerp& b = lx[ox];
                dst[oy * out_w + ox] = a.w0 * (b.w0 * r0[b.i0] + b.w1 * r0[b.i1]) +
                                       a.w1 * (b.w0 * r1[b.i0] + b.w1 * r1[b.i1]);
            }
        }
    }
}

void resize_bilinear_backward(const Nchw& in, const float* gy, int64_t out_h, int64_t out_w, double scale_h,
                              double scale_w, float* gx) {
    const std::vector<Lerp> ly = lerps(in.h, out_h, scale_h), lx = lerps(in.w, out_w, scale_w);
#pragma omp parallel for num_threads(threads_for(in.planes() * in.plane(), in.planes())) schedule(static)
    for (int64_t p = 0; p < in.planes(); ++p) {
        float* dst = gx + p * in.plane();
        const float* g = gy + p * out_h * out_w;
        std::fill(dst, dst + in.plane(), 0.f);
        for (int64_t oy = 0; oy < out_h; ++oy) {
            const Lerp& a = ly[oy];
            float* r0 = dst + a.i0 * in.w;
            float* r1 = dst + a.i1 * in.w;
            for (int64_t ox = 0; ox < out_w; ++ox) {
                const Lerp& b = lx[ox];
                const float v = g[oy * out_w + ox];
                r0[b.i0] += a.w0 * b.w0 * v;
                r0[b.i1] += a.w0 * b.w1 * v;
                r1[b.i0] += a.w1 * b.w0 * v;
                r1[b.i1] += a.w1 * b.w1 * v;
            }
        }
    }
}

namespace {

// The window of output (oy, ox) clipped to the image, and its pixel count.
struct Window {
    int64_t y0, y1, x0, x1;
    float count() const { return float((y1 - y0) * (x1 - x0)); }
};

Window window(const Nchw& in, const PoolGeometry& g, int64_t oy, int64_t ox) {
    Window w;
    w.y0 = std::max<int64_t>(oy * g.sh - g.ph, 0);
    w.y1 = std::min<int64_t>(oy * g.sh - g.ph + g.kh, in.h);
    w.x0 = std::max<int64_t>(ox * g.sw - g.pw, 0);
    w.x1 = std::min<int64_t>(ox * g.sw - g.pw + g.kw, in.w);
    return w;
}

}  // namespace

void avg_pool_forward(const Nchw& in, const PoolGeometry& g, const float* x, float* y) {
#pragma omp parallel for num_threads(threads_for(in.planes() * in.plane(), in.planes())) schedule(static)
    for (int64_t p = 0; p < in.planes(); ++p) {
        const float* src = x + p * in.plane();
        float* dst = y + p * g.out_h * g.out_w;
        for (int64_t oy = 0; oy < g.out_h; ++oy)
            for (int64_t ox = 0; ox < g.out_w; ++ox) {
                const Window w = window(in, g, oy, ox);
                float s = 0.f;
                for (int64_t yy = w.y0; yy < w.y1; ++yy)
                    for (int64_t xx = w.x0; xx < w.x1; ++xx) s += src[yy * in.w + xx];
                dst[oy * g.out_w + ox] = w.count() > 0 ? s / w.count() : 0.f;
            }
    }
}

void avg_pool_backward(const Nchw& in, const PoolGeometry& g, const float* gy, float* gx) {
#pragma omp parallel for num_threads(threads_for(in.planes() * in.plane(), in.planes())) schedule(static)
    for (int64_t p = 0; p < in.planes(); ++p) {
        float* dst = gx + p * in.plane();
        const float* src = gy + p * g.out_h * g.out_w;
        std::fill(dst, dst + in.plane(), 0.f);
        for (int64_t oy = 0; oy < g.out_h; ++oy)
            for (int64_t ox = 0; ox < g.out_w; ++ox) {
                const Window w = window(in, g, oy, ox);
                if (w.count() <= 0) continue;
                const float v = src[oy * g.out_w + ox] / w.count();
                for (int64_t yy = w.y0; yy < w.y1; ++yy)
                    for (int64_t xx = w.x0; xx < w.x1; ++xx) dst[yy * in.w + xx] += v;
            }
    }
}

namespace {

// Softmax of one block of pixels [p0, p0 + n) of one image: channel planes are
// walked one after another so that every loop runs over contiguous pixels.
JPAC_HOT void softmax_block(const float* x, int64_t channels, int64_t plane, int64_t n, bool log, float* y,
                            float* mx, float* sum) {
    std::copy(x, x + n, mx);
    for (int64_t c = 1; c < channels; ++c) {
        const float* xc = x + c * plane;
        for (int64_t i = 0; i < n; ++i) mx[i] = std::max(mx[i], xc[i]);
    }
    std::fill(sum, sum + n, 0.f);
    for (int64_t c = 0; c < channels; ++c) {
        const float* xc = x + c * plane;
        float* yc = y + c * plane;
        for (int64_t i = 0; i < n; ++i) {
            const float e = exp_nonpositive(xc[i] - mx[i]);
            yc[i] = e;
            sum[i] += e;
        }
    }
    if (log) {
        for (int64_t i = 0; i < n; ++i) sum[i] = mx[i] + std::log(sum[i]);  // log-sum-exp
        for (int64_t c = 0; c < channels; ++c) {
            const float* xc = x + c * plane;
            float* yc = y + c * plane;
            for (int64_t i = 0; i < n; ++i) yc[i] = xc[i] - sum[i];
        }
    } else {
        for (int64_t i = 0; i < n; ++i) sum[i] = 1.f / sum[i];
        for (int64_t c = 0; c < channels; ++c) {
            float* yc = y + c * plane;
            for (int64_t i = 0; i < n; ++i) yc[i] *= sum[i];
        }
    }
}

}  // namespace

void softmax_forward(const Nchw& s, const float* x, bool log, float* y) {
    constexpr int64_t kBlock = 1024;
    const int64_t plane = s.plane(), blocks = (plane + kBlock - 1) / kBlock;
#pragma omp parallel num_threads(threads_for(s.n * plane * s.c, s.n * blocks))
    {
        float mx[kBlock], sum[kBlock];
#pragma omp for schedule(static)
        for (int64_t q = 0; q < s.n * blocks; ++q) {
            const int64_t n = q / blocks, p0 = (q % blocks) * kBlock, len = std::min(kBlock, plane - p0);
            const int64_t base = n * s.c * plane + p0;
            softmax_block(x + base, s.c, plane, len, log, y + base, mx, sum);
        }
    }
}

void softmax_backward(const Nchw& s, const float* y, const float* gy, bool log, float* gx) {
    const int64_t plane = s.plane();
#pragma omp parallel for num_threads(threads_for(s.n * plane * s.c, s.n * plane)) schedule(static)
    for (int64_t q = 0; q < s.n * plane; ++q) {
        const int64_t n = q / plane, i = q % plane, base = n * s.c * plane + i;
        double dot = 0.0;  // sum of gy (log) or of gy * y (softmax)
        for (int64_t c = 0; c < s.c; ++c) dot += log ? gy[base + c * plane] : gy[base + c * plane] * y[base + c * plane];
        for (int64_t c = 0; c < s.c; ++c) {
            const int64_t k = base + c * plane;
            gx[k] = log ? float(gy[k] - std::exp(double(y[k])) * dot) : float(y[k] * (gy[k] - dot));
        }
    }
}

void batch_norm_inference(const Nchw& s, const float* x, const float* mean, const float* var, const float* weight,
                          const float* bias, float eps, float* y) {
#pragma omp parallel for num_threads(threads_for(s.planes() * s.plane(), s.planes())) schedule(static)
    for (int64_t p = 0; p < s.planes(); ++p) {
        const int64_t c = p % s.c;
        const float scale = (weight ? weight[c] : 1.f) / std::sqrt(var[c] + eps);
        const float shift = (bias ? bias[c] : 0.f) - mean[c] * scale;
        const float* src = x + p * s.plane();
        float* dst = y + p * s.plane();
        for (int64_t i = 0; i < s.plane(); ++i) dst[i] = src[i] * scale + shift;
    }
}

void axpby(float alpha, const float* x, float beta, const float* y, int64_t count, float* out) {
#pragma omp parallel for num_threads(threads_for(count, count)) schedule(static)
    for (int64_t i = 0; i < count; ++i) out[i] = alpha * x[i] + (y ? beta * y[i] : 0.f);
}

void copy_channels(const float* x, int64_t c_in, int64_t from, float* y, int64_t c_out, int64_t to, int64_t count,
                   int64_t batch, int64_t plane) {
#pragma omp parallel for num_threads(threads_for(batch * count * plane, batch * count)) schedule(static)
    for (int64_t q = 0; q < batch * count; ++q) {
        const int64_t n = q / count, c = q % count;
        std::memcpy(y + (n * c_out + to + c) * plane, x + (n * c_in + from + c) * plane, sizeof(float) * plane);
    }
}

void crop_forward(const Nchw& in, const float* x, int64_t top, int64_t left, int64_t h, int64_t w, float* y) {
#pragma omp parallel for num_threads(threads_for(in.planes() * h * w, in.planes())) schedule(static)
    for (int64_t p = 0; p < in.planes(); ++p)
        for (int64_t r = 0; r < h; ++r)
            std::memcpy(y + (p * h + r) * w, x + p * in.plane() + (top + r) * in.w + left, sizeof(float) * w);
}

void crop_backward(const Nchw& in, const float* gy, int64_t top, int64_t left, int64_t h, int64_t w, float* gx) {
#pragma omp parallel for num_threads(threads_for(in.planes() * in.plane(), in.planes())) schedule(static)
    for (int64_t p = 0; p < in.planes(); ++p) {
        float* dst = gx + p * in.plane();
        std::fill(dst, dst + in.plane(), 0.f);
        for (int64_t r = 0; r < h; ++r)
            std::memcpy(dst + (top + r) * in.w + left, gy + (p * h + r) * w, sizeof(float) * w);
    }
}

}  // namespace jpac::cpu
