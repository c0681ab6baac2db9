#include "api/conv_call.hpp"

#include "api/error.hpp"
#include "api/validate.hpp"

#include <memory>

namespace jpac {

namespace {

// [Ci][Co][kk] -> [Co][Ci*kk] and back: the transposed weight as a GEMM operand.
void permute_weight(const float* src, float* dst, int64_t a, int64_t b, int64_t kk) {
    for (int64_t i = 0; i < a; ++i)
        for (int64_t j = 0; j < b; ++j)
            for (int64_t t = 0; t < kk; ++t) dst[(j * a + i) * kk + t] = src[(i * b + j) * kk + t];
}

void prepare_guide(ConvCall& c, const jpac_options* o, const GuideArgs& g, cpu::KernelSource& src) {
    c.guide_args = g;
    c.spec = kernel_spec(*o, c.plan, g.guide, g.inv_alpha, g.inv_lambda, g.smooth_kernel, nullptr);
    c.adaptive = std::make_unique<cpu::AdaptiveKernel>(c.plan, c.spec);
    src.adaptive = c.adaptive.get();
    src.channels = c.spec.kernel_channels();
}

}  // namespace

void prepare_conv(ConvCall& c, const jpac_options* o, bool transposed, const jpac_tensor* input,
                  const jpac_tensor* kernel, const GuideArgs& g, const jpac_tensor* weight, const jpac_tensor* bias) {
    const bool guided = g.guide != nullptr || kernel == nullptr;
    check_options(o, guided);
    checked_rank(input, "input", 4);
    const int64_t B = input->shape[0], ci = input->shape[1];
    c.transposed = transposed;
    c.plan = conv_plan(*o, B, input->shape[2], input->shape[3], transposed, guided ? smooth_size(g.smooth_kernel) : 0);
    const int64_t kh = o->kernel_h, kw = o->kernel_w, kk = kh * kw;
    const int64_t ho = c.plan.rows.out_size, wo = c.plan.cols.out_size;
    cpu::ConvProblem& p = c.problem;
    p.plan = &c.plan;
    p.in_channels = ci;
    p.input = input->data;
    p.shared_filters = o->shared_filters != 0;
    if (guided) {
        if (o->channel_wise)
            invalid("options.channel_wise: convolution takes a single-channel kernel; channel-wise kernels are for pool2d");
        prepare_guide(c, o, g, p.kernel);
        p.spec = &c.spec;
    } else {
        c.kernel_shape = {B, 1, kh, kw, ho, wo};
        p.kernel.given = checked(kernel, "kernel", c.kernel_shape);
    }
    if (p.shared_filters) {
        c.weight_shape = {1, 1, kh, kw};
        p.weight = checked(weight, "weight", c.weight_shape);
        p.out_channels = ci;
    } else if (transposed) {
        checked(weight, "weight", {ci, kAny, kh, kw});
        p.out_channels = weight->shape[1];
        c.weight_shape = {ci, p.out_channels, kh, kw};
        if (weight->device_type == JPAC_DEVICE_CPU) {  // the CUDA kernels read it as it is
            c.weight_matrix.resize(size_t(ci * p.out_channels * kk));
            permute_weight(weight->data, c.weight_matrix.data(), ci, p.out_channels, kk);
            p.weight = c.weight_matrix.data();
        }
    } else {
        checked(weight, "weight", {kAny, ci, kh, kw});
        p.out_channels = weight->shape[0];
        c.weight_shape = {p.out_channels, ci, kh, kw};
        p.weight = weight->data;
    }
    p.bias = optional(bias, "bias", {p.out_channels});
    c.output_shape = {B, p.out_channels, ho, wo};
}

void prepare_pool(ConvCall& c, const jpac_options* o, const jpac_tensor* input, const jpac_tensor* kernel,
                  const GuideArgs& g) {
    const bool guided = kernel == nullptr;
    check_options(o, guided);
    if (o->transposed) invalid("options.transposed: pool2d has no transposed form");
    checked_rank(input, "input", 4);
    const int64_t B = input->shape[0], C = input->shape[1];
    c.plan = conv_plan(*o, B, input->shape[2], input->shape[3], false, guided ? smooth_size(g.smooth_kernel) : 0);
    const int64_t ho = c.plan.rows.out_size, wo = c.plan.cols.out_size;
    cpu::PoolProblem& p = c.pool;
    p.plan = &c.plan;
    p.channels = C;
    p.input = input->data;
    p.kernel.gathers_by_offset = true;
    if (guided) {
        prepare_guide(c, o, g, p.kernel);
        if (c.spec.channel_wise && c.spec.guide_channels != C)
            invalid("guide: channel_wise pooling needs one guide channel per input channel (" + std::to_string(C) +
                    "), got " + shape_string(g.guide));
        p.spec = &c.spec;
    } else {
        checked_any_of(kernel, "kernel", {{B, 1, o->kernel_h, o->kernel_w, ho, wo}, {B, C, o->kernel_h, o->kernel_w, ho, wo}});
        p.kernel.given = kernel->data;
        p.kernel.channels = int(kernel->shape[1]);
        c.kernel_shape = {B, kernel->shape[1], o->kernel_h, o->kernel_w, ho, wo};
    }
    c.output_shape = {B, C, ho, wo};
}

namespace {

struct KernelParamGrads {
    float* alpha = nullptr;
    float* lambda = nullptr;
    float* smooth = nullptr;
};

// Validates the gradients of a guided call and points the kernel source at them.
KernelParamGrads bind_guide_grads(ConvCall& c, const GuideGrads& gg, cpu::KernelSource& src) {
    KernelParamGrads k;
    if (src.adaptive == nullptr) return k;
    const GuideArgs& g = c.guide_args;
    src.grad_guide = optional_like(gg.guide, "grad_guide", g.guide, "guide");
    k.alpha = optional_like(gg.inv_alpha, "grad_inv_alpha", g.inv_alpha, "inv_alpha");
    k.lambda = optional_like(gg.inv_lambda, "grad_inv_lambda", g.inv_lambda, "inv_lambda");
    k.smooth = optional_like(gg.smooth_kernel, "grad_smooth_kernel", g.smooth_kernel, "smooth_kernel");
    src.backprop_guide = src.grad_guide || k.alpha || k.lambda || k.smooth;
    return k;
}

}  // namespace

ConvBackwardArgs check_conv_backward(ConvCall& c, const jpac_tensor* input, const jpac_tensor* grad_output,
                                     const jpac_tensor* grad_input, const jpac_tensor* grad_kernel,
                                     const jpac_tensor* grad_weight, const jpac_tensor* grad_bias,
                                     const GuideGrads& gg) {
    cpu::ConvProblem& p = c.problem;
    ConvBackwardArgs a;
    a.grad_output = checked(grad_output, "grad_output", c.output_shape);
    a.grads.input = optional(grad_input, "grad_input", {input->shape[0], input->shape[1], input->shape[2], input->shape[3]});
    if (p.kernel.adaptive == nullptr) p.kernel.grad_given = optional(grad_kernel, "grad_kernel", c.kernel_shape);
    a.grads.weight = optional(grad_weight, "grad_weight", c.weight_shape);
    a.grads.bias = optional(grad_bias, "grad_bias", {p.out_channels});
    KernelParamGrads k = bind_guide_grads(c, gg, p.kernel);
    a.grads.alpha = k.alpha;
    a.grads.lambda = k.lambda;
    a.grads.smooth = k.smooth;
    return a;
}

void run_conv_backward(ConvCall& c, ConvBackwardArgs& a) {
    cpu::ConvProblem& p = c.problem;
    float* gw = a.grads.weight;
    std::vector<float> gw_matrix;  // transposed: computed as [Co][Ci*kk], permuted back below
    if (gw != nullptr && c.transposed && !p.shared_filters) {
        gw_matrix.resize(c.weight_matrix.size());
        a.grads.weight = gw_matrix.data();
    }
    cpu::pac_conv_backward(p, a.grad_output, a.grads);
    if (!gw_matrix.empty())
        permute_weight(gw_matrix.data(), gw, p.out_channels, p.in_channels, int64_t(c.plan.kk()));
}

PoolBackwardArgs check_pool_backward(ConvCall& c, const jpac_tensor* input, const jpac_tensor* grad_output,
                                     const jpac_tensor* grad_input, const jpac_tensor* grad_kernel,
                                     const GuideGrads& gg) {
    cpu::PoolProblem& p = c.pool;
    PoolBackwardArgs a;
    a.grad_output = checked(grad_output, "grad_output", c.output_shape);
    a.grad_input = optional(grad_input, "grad_input", {input->shape[0], input->shape[1], input->shape[2], input->shape[3]});
    if (p.kernel.adaptive == nullptr) p.kernel.grad_given = optional(grad_kernel, "grad_kernel", c.kernel_shape);
    KernelParamGrads k = bind_guide_grads(c, gg, p.kernel);
    a.grad_alpha = k.alpha;
    a.grad_lambda = k.lambda;
    a.grad_smooth = k.smooth;
    return a;
}

void run_pool_backward(ConvCall& c, const PoolBackwardArgs& a) {
    cpu::pac_pool_backward(c.pool, a.grad_output, a.grad_input, a.grad_alpha, a.grad_lambda, a.grad_smooth);
}

}  // namespace jpac
