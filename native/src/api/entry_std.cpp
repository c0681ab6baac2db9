// C entry points of the plain convolution: oneDNN on the CPU, libjpac_cuda's
// kernels (with K = 1) for CUDA tensors.
#include "api/cuda_backend.hpp"
#include "api/guard.hpp"
#include "api/plan_builder.hpp"
#include "api/validate.hpp"
#include "cpu/std_conv.hpp"

using namespace jpac;

namespace {

cpu::StdConvShape prepare(const jpac_options* o, const jpac_tensor* input, const jpac_tensor* weight) {
    check_options(o, false);
    checked_rank(input, "input", 4);
    checked(weight, "weight", {kAny, input->shape[1], o->kernel_h, o->kernel_w});
    cpu::Plan plan = conv_plan(*o, input->shape[0], input->shape[2], input->shape[3], false, 0);
    return cpu::StdConvShape{input->shape[0], input->shape[1], weight->shape[0], input->shape[2], input->shape[3],
                             plan.rows.out_size, plan.cols.out_size, o->kernel_h, o->kernel_w, o->stride_h,
                             o->stride_w, o->pad_h, o->pad_w, o->dilation_h, o->dilation_w};
}

}  // namespace

extern "C" {

JPAC_API jpac_status jpac_std_conv2d_forward(const jpac_options* options, const jpac_tensor* input,
                                             const jpac_tensor* weight, const jpac_tensor* bias,
                                             const jpac_tensor* output) {
    return guarded([&] {
        CallPlace place({input, weight, bias, output});
        cpu::StdConvShape s = prepare(options, input, weight);
        const float* b = optional(bias, "bias", {s.out_channels});
        float* out = checked(output, "output", {s.batch, s.out_channels, s.out_h, s.out_w});
        check_no_overlap({{output, "output"}}, {{input, "input"}, {weight, "weight"}, {bias, "bias"}});
        if (const CudaLibrary* cuda = place.cuda())
            return cuda_run(cuda->std_conv_forward, options, input, weight, bias, output);
        cpu::std_conv_forward(s, input->data, weight->data, b, out);
    });
}

JPAC_API jpac_status jpac_std_conv2d_backward(const jpac_options* options, const jpac_tensor* input,
                                              const jpac_tensor* weight, const jpac_tensor* grad_output,
                                              const jpac_tensor* grad_input, const jpac_tensor* grad_weight,
                                              const jpac_tensor* grad_bias) {
    return guarded([&] {
        CallPlace place({input, weight, grad_output, grad_input, grad_weight, grad_bias});
        cpu::StdConvShape s = prepare(options, input, weight);
        const float* gout = checked(grad_output, "grad_output", {s.batch, s.out_channels, s.out_h, s.out_w});
        float* gi = optional(grad_input, "grad_input", {s.batch, s.in_channels, s.h, s.w});
        float* gw = optional(grad_weight, "grad_weight", {s.out_channels, s.in_channels, s.kh, s.kw});
        float* gb = optional(grad_bias, "grad_bias", {s.out_channels});
        if (const CudaLibrary* cuda = place.cuda())
            return cuda_run(cuda->std_conv_backward, options, input, weight, grad_output, grad_input, grad_weight,
                            grad_bias);
        cpu::std_conv_backward(s, input->data, weight->data, gout, gi, gw, gb);
    });
}

}  // extern "C"
