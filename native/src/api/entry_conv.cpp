// C entry points of conv2d, conv_transpose2d and pool2d, with a given K or a
// guide: validated here, then run on the CPU or, for CUDA tensors, by libjpac_cuda.
#include "api/conv_call.hpp"
#include "api/cuda_backend.hpp"
#include "api/guard.hpp"
#include "api/validate.hpp"

using namespace jpac;

namespace {

jpac_status conv_forward(bool transposed, const jpac_options* o, const jpac_tensor* input, const jpac_tensor* kernel,
                         const GuideArgs& g, const jpac_tensor* weight, const jpac_tensor* bias,
                         const jpac_tensor* output) {
    return guarded([&] {
        CallPlace place({input, kernel, g.guide, g.inv_alpha, g.inv_lambda, g.smooth_kernel, weight, bias, output});
        ConvCall c;
        prepare_conv(c, o, transposed, input, kernel, g, weight, bias);
        float* out = checked(output, "output", c.output_shape);
        check_no_overlap({{output, "output"}}, {{input, "input"}, {kernel, "kernel"}, {g.guide, "guide"},
                                                {weight, "weight"}, {bias, "bias"}});
        if (const CudaLibrary* cuda = place.cuda()) {
            if (kernel != nullptr)
                cuda_run(cuda->conv_forward, o, int32_t(transposed), input, kernel, weight, bias, output);
            else
                cuda_run(cuda->conv_guided_forward, o, int32_t(transposed), input, g.guide, g.inv_alpha,
                         g.inv_lambda, g.smooth_kernel, weight, bias, output);
            return;
        }
        cpu::pac_conv_forward(c.problem, out);
    });
}

jpac_status conv_backward(bool transposed, const jpac_options* o, const jpac_tensor* input,
                          const jpac_tensor* kernel, const GuideArgs& g, const jpac_tensor* weight,
                          const jpac_tensor* grad_output, const jpac_tensor* grad_input,
                          const jpac_tensor* grad_kernel, const jpac_tensor* grad_weight,
                          const jpac_tensor* grad_bias, const GuideGrads& gg) {
    return guarded([&] {
        CallPlace place({input, kernel, g.guide, g.inv_alpha, g.inv_lambda, g.smooth_kernel, weight, grad_output,
                         grad_input, grad_kernel, grad_weight, grad_bias, gg.guide, gg.inv_alpha, gg.inv_lambda,
                         gg.smooth_kernel});
        ConvCall c;
        prepare_conv(c, o, transposed, input, kernel, g, weight, nullptr);
        ConvBackwardArgs a = check_conv_backward(c, input, grad_output, grad_input, grad_kernel, grad_weight,
                                                 grad_bias, gg);
        if (const CudaLibrary* cuda = place.cuda()) {
            if (kernel != nullptr)
                cuda_run(cuda->conv_backward, o, int32_t(transposed), input, kernel, weight, grad_output, grad_input,
                         grad_kernel, grad_weight, grad_bias);
            else
                cuda_run(cuda->conv_guided_backward, o, int32_t(transposed), input, g.guide, g.inv_alpha,
                         g.inv_lambda, g.smooth_kernel, weight, grad_output, grad_input, gg.guide, grad_weight,
                         grad_bias, gg.inv_alpha, gg.inv_lambda, gg.smooth_kernel);
            return;
        }
        run_conv_backward(c, a);
    });
}

// pool2d with a given K (kernel) or guided (g.guide); runs inside guarded().
void pool_forward(const jpac_options* o, const jpac_tensor* input, const jpac_tensor* kernel, const GuideArgs& g,
                  const jpac_tensor* output) {
    CallPlace place({input, kernel, g.guide, g.inv_alpha, g.inv_lambda, g.smooth_kernel, output});
    ConvCall c;
    prepare_pool(c, o, input, kernel, g);
    float* out = checked(output, "output", c.output_shape);
    check_no_overlap({{output, "output"}}, {{input, "input"}, {kernel, "kernel"}, {g.guide, "guide"}});
    if (const CudaLibrary* cuda = place.cuda()) {
        cuda_run(cuda->pool_forward, o, input, kernel, g.guide, g.inv_alpha, g.inv_lambda, g.smooth_kernel, output);
        return;
    }
    cpu::pac_pool_forward(c.pool, out);
}

void pool_backward(const jpac_options* o, const jpac_tensor* input, const jpac_tensor* kernel, const GuideArgs& g,
                   const jpac_tensor* grad_output, const jpac_tensor* grad_input, const jpac_tensor* grad_kernel,
                   const GuideGrads& gg) {
    CallPlace place({input, kernel, g.guide, g.inv_alpha, g.inv_lambda, g.smooth_kernel, grad_output, grad_input,
                     grad_kernel, gg.guide, gg.inv_alpha, gg.inv_lambda, gg.smooth_kernel});
    ConvCall c;
    prepare_pool(c, o, input, kernel, g);
    const PoolBackwardArgs a = check_pool_backward(c, input, grad_output, grad_input, grad_kernel, gg);
    if (const CudaLibrary* cuda = place.cuda()) {
        cuda_run(cuda->pool_backward, o, input, kernel, g.guide, g.inv_alpha, g.inv_lambda, g.smooth_kernel,
                 grad_output, grad_input, grad_kernel, gg.guide, gg.inv_alpha, gg.inv_lambda, gg.smooth_kernel);
        return;
    }
    run_pool_backward(c, a);
}

}  // namespace

extern "C" {

JPAC_API jpac_status jpac_conv2d_forward(const jpac_options* options, const jpac_tensor* input,
                                         const jpac_tensor* kernel, const jpac_tensor* weight,
                                         const jpac_tensor* bias, const jpac_tensor* output) {
    if (kernel == nullptr) return guarded([] { invalid("kernel: required, got NULL"); });
    return conv_forward(false, options, input, kernel, GuideArgs{}, weight, bias, output);
}

JPAC_API jpac_status jpac_conv2d_backward(const jpac_options* options, const jpac_tensor* input,
                                          const jpac_tensor* kernel, const jpac_tensor* weight,
                                          const jpac_tensor* grad_output, const jpac_tensor* grad_input,
                                          const jpac_tensor* grad_kernel, const jpac_tensor* grad_weight,
                                          const jpac_tensor* grad_bias) {
    if (kernel == nullptr) return guarded([] { invalid("kernel: required, got NULL"); });
    return conv_backward(false, options, input, kernel, GuideArgs{}, weight, grad_output, grad_input, grad_kernel,
                         grad_weight, grad_bias, GuideGrads{});
}

JPAC_API jpac_status jpac_conv_transpose2d_forward(const jpac_options* options, const jpac_tensor* input,
                                                   const jpac_tensor* kernel, const jpac_tensor* weight,
                                                   const jpac_tensor* bias, const jpac_tensor* output) {
    if (kernel == nullptr) return guarded([] { invalid("kernel: required, got NULL"); });
    return conv_forward(true, options, input, kernel, GuideArgs{}, weight, bias, output);
}

JPAC_API jpac_status jpac_conv_transpose2d_backward(const jpac_options* options, const jpac_tensor* input,
                                                    const jpac_tensor* kernel, const jpac_tensor* weight,
                                                    const jpac_tensor* grad_output, const jpac_tensor* grad_input,
                                                    const jpac_tensor* grad_kernel, const jpac_tensor* grad_weight,
                                                    const jpac_tensor* grad_bias) {
    if (kernel == nullptr) return guarded([] { invalid("kernel: required, got NULL"); });
    return conv_backward(true, options, input, kernel, GuideArgs{}, weight, grad_output, grad_input, grad_kernel,
                         grad_weight, grad_bias, GuideGrads{});
}

JPAC_API jpac_status jpac_conv2d_guided_forward(const jpac_options* options, const jpac_tensor* input,
                                                const jpac_tensor* guide, const jpac_tensor* inv_alpha,
                                                const jpac_tensor* inv_lambda, const jpac_tensor* smooth_kernel,
                                                const jpac_tensor* weight, const jpac_tensor* bias,
                                                const jpac_tensor* output) {
    if (guide == nullptr) return guarded([] { invalid("guide: required, got NULL"); });
    return conv_forward(false, options, input, nullptr, GuideArgs{guide, inv_alpha, inv_lambda, smooth_kernel},
                        weight, bias, output);
}

JPAC_API jpac_status jpac_conv2d_guided_backward(
    const jpac_options* options, const jpac_tensor* input, const jpac_tensor* guide, const jpac_tensor* inv_alpha,
    const jpac_tensor* inv_lambda, const jpac_tensor* smooth_kernel, const jpac_tensor* weight,
    const jpac_tensor* grad_output, const jpac_tensor* grad_input, const jpac_tensor* grad_guide,
    const jpac_tensor* grad_weight, const jpac_tensor* grad_bias, const jpac_tensor* grad_inv_alpha,
    const jpac_tensor* grad_inv_lambda, const jpac_tensor* grad_smooth_kernel) {
    if (guide == nullptr) return guarded([] { invalid("guide: required, got NULL"); });
    return conv_backward(false, options, input, nullptr, GuideArgs{guide, inv_alpha, inv_lambda, smooth_kernel},
                         weight, grad_output, grad_input, nullptr, grad_weight, grad_bias,
                         GuideGrads{grad_guide, grad_inv_alpha, grad_inv_lambda, grad_smooth_kernel});
}

JPAC_API jpac_status jpac_conv_transpose2d_guided_forward(const jpac_options* options, const jpac_tensor* input,
                                                          const jpac_tensor* guide, const jpac_tensor* inv_alpha,
                                                          const jpac_tensor* inv_lambda,
                                                          const jpac_tensor* smooth_kernel, const jpac_tensor* weight,
                                                          const jpac_tensor* bias, const jpac_tensor* output) {
    if (guide == nullptr) return guarded([] { invalid("guide: required, got NULL"); });
    return conv_forward(true, options, input, nullptr, GuideArgs{guide, inv_alpha, inv_lambda, smooth_kernel},
                        weight, bias, output);
}

JPAC_API jpac_status jpac_conv_transpose2d_guided_backward(
    const jpac_options* options, const jpac_tensor* input, const jpac_tensor* guide, const jpac_tensor* inv_alpha,
    const jpac_tensor* inv_lambda, const jpac_tensor* smooth_kernel, const jpac_tensor* weight,
    const jpac_tensor* grad_output, const jpac_tensor* grad_input, const jpac_tensor* grad_guide,
    const jpac_tensor* grad_weight, const jpac_tensor* grad_bias, const jpac_tensor* grad_inv_alpha,
    const jpac_tensor* grad_inv_lambda, const jpac_tensor* grad_smooth_kernel) {
    if (guide == nullptr) return guarded([] { invalid("guide: required, got NULL"); });
    return conv_backward(true, options, input, nullptr, GuideArgs{guide, inv_alpha, inv_lambda, smooth_kernel},
                         weight, grad_output, grad_input, nullptr, grad_weight, grad_bias,
                         GuideGrads{grad_guide, grad_inv_alpha, grad_inv_lambda, grad_smooth_kernel});
}

JPAC_API jpac_status jpac_pool2d_forward(const jpac_options* options, const jpac_tensor* input,
                                         const jpac_tensor* kernel, const jpac_tensor* output) {
    return guarded([&] {
        if (kernel == nullptr) invalid("kernel: required, got NULL");
        pool_forward(options, input, kernel, GuideArgs{}, output);
    });
}

JPAC_API jpac_status jpac_pool2d_backward(const jpac_options* options, const jpac_tensor* input,
                                          const jpac_tensor* kernel, const jpac_tensor* grad_output,
                                          const jpac_tensor* grad_input, const jpac_tensor* grad_kernel) {
    return guarded([&] {
        if (kernel == nullptr) invalid("kernel: required, got NULL");
        pool_backward(options, input, kernel, GuideArgs{}, grad_output, grad_input, grad_kernel, GuideGrads{});
    });
}

JPAC_API jpac_status jpac_pool2d_guided_forward(const jpac_options* options, const jpac_tensor* input,
                                                const jpac_tensor* guide, const jpac_tensor* inv_alpha,
                                                const jpac_tensor* inv_lambda, const jpac_tensor* smooth_kernel,
                                                const jpac_tensor* output) {
    return guarded([&] {
        if (guide == nullptr) invalid("guide: required, got NULL");
        pool_forward(options, input, nullptr, GuideArgs{guide, inv_alpha, inv_lambda, smooth_kernel}, output);
    });
}

JPAC_API jpac_status jpac_pool2d_guided_backward(const jpac_options* options, const jpac_tensor* input,
                                                 const jpac_tensor* guide, const jpac_tensor* inv_alpha,
                                                 const jpac_tensor* inv_lambda, const jpac_tensor* smooth_kernel,
                                                 const jpac_tensor* grad_output, const jpac_tensor* grad_input,
                                                 const jpac_tensor* grad_guide, const jpac_tensor* grad_inv_alpha,
                                                 const jpac_tensor* grad_inv_lambda,
                                                 const jpac_tensor* grad_smooth_kernel) {
    return guarded([&] {
        if (guide == nullptr) invalid("guide: required, got NULL");
        pool_backward(options, input, nullptr, GuideArgs{guide, inv_alpha, inv_lambda, smooth_kernel}, grad_output,
                      grad_input, nullptr, GuideGrads{grad_guide, grad_inv_alpha, grad_inv_lambda, grad_smooth_kernel});
    });
}

}  // extern "C"
