// Host side of the standard operations' kernels (std_kernels.cuh) and of the
// plain convolution, which runs the PAC kernels with K = 1 (neither a guide
// nor a given K). Arguments are validated by libjpac (entry_std_ops.cpp,
// entry_std.cpp); scales are resolved there (never 0 here).
#pragma once
#include "cuda/kernels/launch.hpp"
#include "cuda/kernels/std_kernels.cuh"

namespace jpac::cuda {

inline StdShape std_shape(const jpac_tensor* t) {
    return StdShape{t->shape[0], t->shape[1], t->shape[2], t->shape[3]};
}

// Enough blocks to cover `count` once, at most 4096 (the kernels loop over the rest).
inline dim3 std_grid(long long count) {
    long long blocks = (count + kStdThreads - 1) / kStdThreads;
    return dim3(unsigned(blocks < 1 ? 1 : blocks > 4096 ? 4096 : blocks));
}

#define JPAC_STD_LAUNCH(kernel, count, stream, ...)                                              \
    do {                                                                                        \
        if ((count) > 0) JPAC_LAUNCH(kernel, std_grid(count), dim3(kStdThreads), 0, stream, __VA_ARGS__); \
    } while (0)

inline LaunchResult relu_forward(const jpac_tensor* x, const jpac_tensor* y, Stream stream) {
    const long long n = (long long)numel(x);
    JPAC_STD_LAUNCH(relu_forward_kernel, n, stream, x->data, n, y->data);
    return launch_error();
}

inline LaunchResult relu_backward(const jpac_tensor* x, const jpac_tensor* gy, const jpac_tensor* gx,
                                  Stream stream) {
    const long long n = (long long)numel(x);
    JPAC_STD_LAUNCH(relu_backward_kernel, n, stream, x->data, gy->data, n, gx->data);
    return launch_error();
}

inline LaunchResult axpby(float alpha, const jpac_tensor* x, float beta, const jpac_tensor* y,
                          const jpac_tensor* out, Stream stream) {
    const long long n = (long long)numel(x);
    JPAC_STD_LAUNCH(axpby_kernel, n, stream, alpha, x->data, beta, data(y), n, out->data);
    return launch_error();
}

inline LaunchResult softmax_forward(const jpac_tensor* x, int log_softmax, const jpac_tensor* y, Stream stream) {
    const StdShape s = std_shape(x);
    JPAC_STD_LAUNCH(softmax_forward_kernel, s.n * s.plane(), stream, s, x->data, log_softmax, y->data);
    return launch_error();
}

inline LaunchResult softmax_backward(const jpac_tensor* y, const jpac_tensor* gy, int log_softmax,
                                     const jpac_tensor* gx, Stream stream) {
    const StdShape s = std_shape(y);
    JPAC_STD_LAUNCH(softmax_backward_kernel, s.n * s.plane(), stream, s, y->data, gy->data, log_softmax, gx->data);
    return launch_error();
}

inline LaunchResult resize_bilinear_forward(const jpac_tensor* x, double scale_h, double scale_w,
                                            const jpac_tensor* y, Stream stream) {
    const StdShape in = std_shape(x);
    const long long oh = y->shape[2], ow = y->shape[3];
    JPAC_STD_LAUNCH(resize_bilinear_forward_kernel, in.n * in.c * oh * ow, stream, in, x->data, oh, ow, scale_h,
                    scale_w, y->data);
    return launch_error();
}

inline LaunchResult resize_bilinear_backward(const jpac_tensor* gy, double scale_h, double scale_w,
                                             const jpac_tensor* gx, Stream stream) {
    const StdShape in = std_shape(gx);
    const long long oh = gy->shape[2], ow = gy->shape[3];
    zero_floats(gx->data, numel(gx), stream);
    JPAC_STD_LAUNCH(resize_bilinear_backward_kernel, in.n * in.c * oh * ow, stream, in, gy->data, oh, ow, scale_h,
                    scale_w, gx->data);
    return launch_error();
}

inline PoolShape pool_shape(const jpac_options& o, const jpac_tensor* pooled) {
    return PoolShape{o.kernel_h, o.kernel_w, o.stride_h, o.stride_w, o.pad_h, o.pad_w, pooled->shape[2],
                     pooled->shape[3]};
}

inline LaunchResult avg_pool_forward(const jpac_options& o, const jpac_tensor* x, const jpac_tensor* y,
                                     Stream stream) {
    const StdShape in = std_shape(x);
    const PoolShape g = pool_shape(o, y);
    JPAC_STD_LAUNCH(avg_pool_forward_kernel, in.n * in.c * g.out_h * g.out_w, stream, in, g, x->data, y->data);
    return launch_error();
}

inline LaunchResult avg_pool_backward(const jpac_options& o, const jpac_tensor* gy, const jpac_tensor* gx,
                                      Stream stream) {
    const StdShape in = std_shape(gx);
    const PoolShape g = pool_shape(o, gy);
    JPAC_STD_LAUNCH(avg_pool_backward_kernel, in.count(), stream, in, g, gy->data, gx->data);
    return launch_error();
}

inline LaunchResult batch_norm_inference(const jpac_tensor* x, const jpac_tensor* mean, const jpac_tensor* var,
                                         const jpac_tensor* weight, const jpac_tensor* bias, float eps,
                                         const jpac_tensor* y, Stream stream) {
    const StdShape s = std_shape(x);
    JPAC_STD_LAUNCH(batch_norm_inference_kernel, s.count(), stream, s, x->data, mean->data, var->data, data(weight),
                    data(bias), eps, y->data);
    return launch_error();
}

inline LaunchResult copy_channels(const jpac_tensor* x, long long from, long long count, const jpac_tensor* y,
                                  long long to, Stream stream) {
    const StdShape in = std_shape(x);
    JPAC_STD_LAUNCH(copy_channels_kernel, in.n * count * in.plane(), stream, x->data, in.c, from, y->data,
                    (long long)y->shape[1], to, count, in.n, in.plane());
    return launch_error();
}

// The crop of `big` at (top, left) into `small` (to_small), or `small` placed
// there in a zeroed `big` (the crop's backward).
inline LaunchResult crop(const jpac_tensor* big, long long top, long long left, const jpac_tensor* small,
                         bool to_small, Stream stream) {
    const StdShape b = std_shape(big);
    const long long h = small->shape[2], w = small->shape[3];
    if (!to_small) zero_floats(big->data, numel(big), stream);
    JPAC_STD_LAUNCH(crop_kernel, b.n * b.c * h * w, stream, b, top, left, h, w, big->data, small->data,
                    int(to_small));
    return launch_error();
}

#undef JPAC_STD_LAUNCH

// The plain convolution's options: only the geometry of `o` counts.
inline jpac_options plain_options(const jpac_options& o) {
    jpac_options p = o;
    p.transposed = 0, p.shared_filters = 0, p.channel_wise = 0, p.normalize_kernel = 0, p.asymmetric = 0;
    p.output_padding_h = 0, p.output_padding_w = 0;
    return p;
}

// The plain convolution: the PAC kernels with K = 1.
inline LaunchResult std_conv_forward(const jpac_options& options, const jpac_tensor* input,
                                     const jpac_tensor* weight, const jpac_tensor* bias, const jpac_tensor* output,
                                     Stream stream) {
    const jpac_options o = plain_options(options);
    const ConvCall c{&o, false, false, input, weight, bias, nullptr, nullptr, nullptr, nullptr, nullptr};
    return conv_forward(c, output, stream);
}

inline LaunchResult std_conv_backward(const jpac_options& options, const jpac_tensor* input,
                                      const jpac_tensor* weight, const jpac_tensor* grad_output,
                                      const jpac_tensor* grad_input, const jpac_tensor* grad_weight,
                                      const jpac_tensor* grad_bias, Stream stream) {
    const jpac_options o = plain_options(options);
    const ConvCall c{&o, false, false, input, weight, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr};
    const ConvGrads d{grad_input, grad_weight, grad_bias, nullptr, nullptr, nullptr, nullptr, nullptr};
    return conv_backward(c, grad_output, d, stream);
}

}  // namespace jpac::cuda
