// The standard (non-adaptive) operations the networks need, forward and
// backward, as plain loops over NCHW float32 (each is memory-bound, so a
// parallel loop over planes is as fast as a library primitive here).
#pragma once
#include <cstdint>

namespace jpac::cpu {

struct Nchw {
    int64_t n, c, h, w;
    int64_t planes() const { return n * c; }
    int64_t plane() const { return h * w; }
};

void relu_forward(const float* x, int64_t count, float* y);
void relu_backward(const float* x, const float* gy, int64_t count, float* gx);

// PyTorch's bilinear interpolation with align_corners=False; scale_h/scale_w
// are the source-per-destination step (in/out, or 1/scale_factor).
void resize_bilinear_forward(const Nchw& in, const float* x, int64_t out_h, int64_t out_w, double scale_h,
                             double scale_w, float* y);
void resize_bilinear_backward(const Nchw& in, const float* gy, int64_t out_h, int64_t out_w, double scale_h,
                              double scale_w, float* gx);

struct PoolGeometry {
    int kh, kw, sh, sw, ph, pw;
    int64_t out_h, out_w;
};
// Average pooling without counting the padding (count_include_pad=False).
void avg_pool_forward(const Nchw& in, const PoolGeometry& g, const float* x, float* y);
void avg_pool_backward(const Nchw& in, const PoolGeometry& g, const float* gy, float* gx);

// (Log-)softmax over channels, per pixel.
void softmax_forward(const Nchw& s, const float* x, bool log, float* y);
void softmax_backward(const Nchw& s, const float* y, const float* gy, bool log, float* gx);

void batch_norm_inference(const Nchw& s, const float* x, const float* mean, const float* var, const float* weight,
                          const float* bias, float eps, float* y);

// out = alpha * x + beta * y (y may be null).
void axpby(float alpha, const float* x, float beta, const float* y, int64_t count, float* out);

// Copies channels [from, from + count) of x (c_in channels) into channels
// [to, to + count) of y (c_out channels), for every image.
void copy_channels(const float* x, int64_t c_in, int64_t from, float* y, int64_t c_out, int64_t to, int64_t count,
                   int64_t batch, int64_t plane);

// y = x[:, :, top:top+h, left:left+w]; the backward places gy there in a zeroed gx.
void crop_forward(const Nchw& in, const float* x, int64_t top, int64_t left, int64_t h, int64_t w, float* y);
void crop_backward(const Nchw& in, const float* gy, int64_t top, int64_t left, int64_t h, int64_t w, float* gx);

}  // namespace jpac::cpu
