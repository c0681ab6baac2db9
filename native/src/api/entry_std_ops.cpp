// C entry points of the standard operations (relu, resize, pooling, softmax,
// batch norm, axpby, channel copies, crops): validated here, then run on the
// CPU or, for CUDA tensors, by libjpac_cuda.
#include <cmath>
#include <string>

#include "api/cuda_backend.hpp"
#include "api/guard.hpp"
#include "api/validate.hpp"
#include "cpu/std_ops.hpp"

using namespace jpac;

namespace {

cpu::Nchw nchw(const jpac_tensor* t, const char* name) {
    checked_rank(t, name, 4);
    return cpu::Nchw{t->shape[0], t->shape[1], t->shape[2], t->shape[3]};
}

std::vector<int64_t> dims(const jpac_tensor* t) { return std::vector<int64_t>(t->shape, t->shape + t->ndim); }

double resize_scale(double scale, int64_t in, int64_t out, const char* name) {
    if (!std::isfinite(scale) || scale < 0 || scale > 1e6)
        invalid(std::string(name) + ": expected 0 (from the sizes) or a positive finite step, got " +
                std::to_string(scale));
    return scale == 0 ? double(in) / double(out) : scale;
}

cpu::PoolGeometry pool_geometry(const jpac_options* o, const cpu::Nchw& in) {
    if (o == nullptr) invalid("options: required, got NULL");
    const std::pair<const char*, int32_t> positive[] = {{"kernel_h", o->kernel_h}, {"kernel_w", o->kernel_w},
                                                        {"stride_h", o->stride_h}, {"stride_w", o->stride_w}};
    for (auto [name, v] : positive)
        if (v < 1 || v > 65535) invalid(std::string("options.") + name + ": expected 1 to 65535, got " + std::to_string(v));
    if (o->pad_h < 0 || 2 * o->pad_h > o->kernel_h || o->pad_w < 0 || 2 * o->pad_w > o->kernel_w)
        invalid("options.pad_h/pad_w: expected 0 <= pad <= kernel/2, got " + std::to_string(o->pad_h) + ", " +
                std::to_string(o->pad_w));
    cpu::PoolGeometry g{o->kernel_h, o->kernel_w, o->stride_h, o->stride_w, o->pad_h, o->pad_w, 0, 0};
    const int64_t sh = in.h + 2LL * o->pad_h - o->kernel_h, sw = in.w + 2LL * o->pad_w - o->kernel_w;
    if (sh < 0 || sw < 0) invalid("input: " + std::to_string(in.h) + "x" + std::to_string(in.w) +
                                  " is smaller than the pooling window");
    g.out_h = sh / o->stride_h + 1;
    g.out_w = sw / o->stride_w + 1;
    return g;
}

// The window [top, top + h) x [left, left + w) of `small` must lie inside the image.
void check_window(const cpu::Nchw& in, int64_t top, int64_t left, const jpac_tensor* small, const char* name) {
    const int64_t h = small->shape[2], w = small->shape[3];
    if (top < 0 || left < 0 || top > in.h - h || left > in.w - w)
        invalid(std::string("top/left: the ") + name + "'s " + std::to_string(h) + "x" + std::to_string(w) +
                " window at (" + std::to_string(top) + ", " + std::to_string(left) + ") does not fit in " +
                std::to_string(in.h) + "x" + std::to_string(in.w));
}

}  // namespace

extern "C" {

JPAC_API jpac_status jpac_relu_forward(const jpac_tensor* input, const jpac_tensor* output) {
    return guarded([&] {
        CallPlace place({input, output});
        checked_rank(input, "input", input ? input->ndim : 1);
        float* y = checked(output, "output", dims(input));
        if (const CudaLibrary* cuda = place.cuda()) return cuda_run(cuda->relu_forward, input, output);
        cpu::relu_forward(input->data, numel(input), y);
    });
}

JPAC_API jpac_status jpac_relu_backward(const jpac_tensor* input, const jpac_tensor* grad_output,
                                        const jpac_tensor* grad_input) {
    return guarded([&] {
        CallPlace place({input, grad_output, grad_input});
        checked_rank(input, "input", input ? input->ndim : 1);
        const float* gy = checked(grad_output, "grad_output", dims(input));
        float* gx = checked(grad_input, "grad_input", dims(input));
        if (const CudaLibrary* cuda = place.cuda())
            return cuda_run(cuda->relu_backward, input, grad_output, grad_input);
        cpu::relu_backward(input->data, gy, numel(input), gx);
    });
}

JPAC_API jpac_status jpac_resize_bilinear_forward(const jpac_tensor* input, double scale_h, double scale_w,
                                                  const jpac_tensor* output) {
    return guarded([&] {
        CallPlace place({input, output});
        cpu::Nchw in = nchw(input, "input");
        float* y = checked(output, "output", {in.n, in.c, kAny, kAny});
        const double sh = resize_scale(scale_h, in.h, output->shape[2], "scale_h");
        const double sw = resize_scale(scale_w, in.w, output->shape[3], "scale_w");
        check_no_overlap({{output, "output"}}, {{input, "input"}});
        if (const CudaLibrary* cuda = place.cuda())
            return cuda_run(cuda->resize_bilinear_forward, input, sh, sw, output);
        cpu::resize_bilinear_forward(in, input->data, output->shape[2], output->shape[3], sh, sw, y);
    });
}

JPAC_API jpac_status jpac_resize_bilinear_backward(const jpac_tensor* grad_output, double scale_h, double scale_w,
                                                   const jpac_tensor* grad_input) {
    return guarded([&] {
        CallPlace place({grad_output, grad_input});
        cpu::Nchw in = nchw(grad_input, "grad_input");
        const float* gy = checked(grad_output, "grad_output", {in.n, in.c, kAny, kAny});
        const double sh = resize_scale(scale_h, in.h, grad_output->shape[2], "scale_h");
        const double sw = resize_scale(scale_w, in.w, grad_output->shape[3], "scale_w");
        check_no_overlap({{grad_input, "grad_input"}}, {{grad_output, "grad_output"}});
        if (const CudaLibrary* cuda = place.cuda())
            return cuda_run(cuda->resize_bilinear_backward, grad_output, sh, sw, grad_input);
        cpu::resize_bilinear_backward(in, gy, grad_output->shape[2], grad_output->shape[3], sh, sw, grad_input->data);
    });
}

JPAC_API jpac_status jpac_avg_pool2d_forward(const jpac_options* options, const jpac_tensor* input,
                                             const jpac_tensor* output) {
    return guarded([&] {
        CallPlace place({input, output});
        cpu::Nchw in = nchw(input, "input");
        cpu::PoolGeometry g = pool_geometry(options, in);
        float* y = checked(output, "output", {in.n, in.c, g.out_h, g.out_w});
        check_no_overlap({{output, "output"}}, {{input, "input"}});
        if (const CudaLibrary* cuda = place.cuda()) return cuda_run(cuda->avg_pool2d_forward, options, input, output);
        cpu::avg_pool_forward(in, g, input->data, y);
    });
}

JPAC_API jpac_status jpac_avg_pool2d_backward(const jpac_options* options, const jpac_tensor* grad_output,
                                              const jpac_tensor* grad_input) {
    return guarded([&] {
        CallPlace place({grad_output, grad_input});
        cpu::Nchw in = nchw(grad_input, "grad_input");
        cpu::PoolGeometry g = pool_geometry(options, in);
        const float* gy = checked(grad_output, "grad_output", {in.n, in.c, g.out_h, g.out_w});
        check_no_overlap({{grad_input, "grad_input"}}, {{grad_output, "grad_output"}});
        if (const CudaLibrary* cuda = place.cuda())
            return cuda_run(cuda->avg_pool2d_backward, options, grad_output, grad_input);
        cpu::avg_pool_backward(in, g, gy, grad_input->data);
    });
}

JPAC_API jpac_status jpac_softmax_forward(const jpac_tensor* input, int32_t log_softmax, const jpac_tensor* output) {
    return guarded([&] {
        CallPlace place({input, output});
        cpu::Nchw s = nchw(input, "input");
        if (log_softmax != 0 && log_softmax != 1) invalid("log_softmax: expected 0 or 1, got " + std::to_string(log_softmax));
        float* y = checked(output, "output", dims(input));
        check_no_overlap({{output, "output"}}, {{input, "input"}});
        if (const CudaLibrary* cuda = place.cuda()) return cuda_run(cuda->softmax_forward, input, log_softmax, output);
        cpu::softmax_forward(s, input->data, log_softmax != 0, y);
    });
}

JPAC_API jpac_status jpac_softmax_backward(const jpac_tensor* output, const jpac_tensor* grad_output,
                                           int32_t log_softmax, const jpac_tensor* grad_input) {
    return guarded([&] {
        CallPlace place({output, grad_output, grad_input});
        cpu::Nchw s = nchw(output, "output");
        if (log_softmax != 0 && log_softmax != 1) invalid("log_softmax: expected 0 or 1, got " + std::to_string(log_softmax));
        const float* gy = checked(grad_output, "grad_output", dims(output));
        float* gx = checked(grad_input, "grad_input", dims(output));
        check_no_overlap({{grad_input, "grad_input"}}, {{output, "output"}, {grad_output, "grad_output"}});
        if (const CudaLibrary* cuda = place.cuda())
            return cuda_run(cuda->softmax_backward, output, grad_output, log_softmax, grad_input);
        cpu::softmax_backward(s, output->data, gy, log_softmax != 0, gx);
    });
}

JPAC_API jpac_status jpac_batch_norm_inference(const jpac_tensor* input, const jpac_tensor* mean,
                                               const jpac_tensor* var, const jpac_tensor* weight,
                                               const jpac_tensor* bias, float eps, const jpac_tensor* output) {
    return guarded([&] {
        CallPlace place({input, mean, var, weight, bias, output});
        cpu::Nchw s = nchw(input, "input");
        const float* m = checked(mean, "mean", std::vector<int64_t>{s.c});
        const float* v = checked(var, "var", std::vector<int64_t>{s.c});
        const float* w = optional(weight, "weight", {s.c});
        const float* b = optional(bias, "bias", {s.c});
        if (!(eps > 0.f) || !std::isfinite(eps)) invalid("eps: expected a positive finite value, got " + std::to_string(eps));
        float* y = checked(output, "output", dims(input));
        // Device values cannot be read here: a negative variance gives NaN there.
        if (const CudaLibrary* cuda = place.cuda())
            return cuda_run(cuda->batch_norm_inference, input, mean, var, weight, bias, eps, output);
        for (int64_t c = 0; c < s.c; ++c)
            if (!(v[c] >= 0.f))
                invalid("var: expected values >= 0, got " + std::to_string(v[c]) + " at " + std::to_string(c));
        cpu::batch_norm_inference(s, input->data, m, v, w, b, eps, y);
    });
}

JPAC_API jpac_status jpac_axpby(float alpha, const jpac_tensor* x, float beta, const jpac_tensor* y,
                                const jpac_tensor* output) {
    return guarded([&] {
        CallPlace place({x, y, output});
        checked_rank(x, "x", x ? x->ndim : 1);
        const float* yd = optional(y, "y", dims(x));
        float* out = checked(output, "output", dims(x));
        if (const CudaLibrary* cuda = place.cuda()) return cuda_run(cuda->axpby, alpha, x, beta, y, output);
        cpu::axpby(alpha, x->data, beta, yd, numel(x), out);
    });
}

JPAC_API jpac_status jpac_copy_channels(const jpac_tensor* input, int64_t from, int64_t count,
                                        const jpac_tensor* output, int64_t to) {
    return guarded([&] {
        CallPlace place({input, output});
        cpu::Nchw in = nchw(input, "input");
        float* y = checked(output, "output", {in.n, kAny, in.h, in.w});
        const int64_t c_out = output->shape[1];
        if (count < 0 || from < 0 || from > in.c - count)
            invalid("from/count: channels [" + std::to_string(from) + ", " + std::to_string(from + count) +
                    ") are not inside the input's " + std::to_string(in.c));
        if (to < 0 || to > c_out - count)
            invalid("to: channels [" + std::to_string(to) + ", " + std::to_string(to + count) +
                    ") are not inside the output's " + std::to_string(c_out));
        check_no_overlap({{output, "output"}}, {{input, "input"}});
        if (const CudaLibrary* cuda = place.cuda())
            return cuda_run(cuda->copy_channels, input, from, count, output, to);
        cpu::copy_channels(input->data, in.c, from, y, c_out, to, count, in.n, in.plane());
    });
}

JPAC_API jpac_status jpac_crop2d_forward(const jpac_tensor* input, int64_t top, int64_t left,
                                         const jpac_tensor* output) {
    return guarded([&] {
        CallPlace place({input, output});
        cpu::Nchw in = nchw(input, "input");
        float* y = checked(output, "output", {in.n, in.c, kAny, kAny});
        check_window(in, top, left, output, "output");
        check_no_overlap({{output, "output"}}, {{input, "input"}});
        if (const CudaLibrary* cuda = place.cuda()) return cuda_run(cuda->crop2d_forward, input, top, left, output);
        cpu::crop_forward(in, input->data, top, left, output->shape[2], output->shape[3], y);
    });
}

JPAC_API jpac_status jpac_crop2d_backward(const jpac_tensor* grad_output, int64_t top, int64_t left,
                                          const jpac_tensor* grad_input) {
    return guarded([&] {
        CallPlace place({grad_output, grad_input});
        cpu::Nchw in = nchw(grad_input, "grad_input");
        const float* gy = checked(grad_output, "grad_output", {in.n, in.c, kAny, kAny});
        check_window(in, top, left, grad_output, "grad_output");
        check_no_overlap({{grad_input, "grad_input"}}, {{grad_output, "grad_output"}});
        if (const CudaLibrary* cuda = place.cuda())
            return cuda_run(cuda->crop2d_backward, grad_output, top, left, grad_input);
        cpu::crop_backward(in, gy, top, left, grad_output->shape[2], grad_output->shape[3], grad_input->data);
    });
}

}  // extern "C"
