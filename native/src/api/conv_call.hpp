// Validation and set-up shared by the conv / conv_transpose / pool entry
// points, with a given K or with a guide.
#pragma once
#include <memory>
#include <vector>
#include "api/plan_builder.hpp"
#include "cpu/pac_conv.hpp"
#include "cpu/pac_pool.hpp"

namespace jpac {

struct GuideArgs {
    const jpac_tensor* guide = nullptr;  // NULL: K is given instead
    const jpac_tensor* inv_alpha = nullptr;
    const jpac_tensor* inv_lambda = nullptr;
    const jpac_tensor* smooth_kernel = nullptr;
};

struct GuideGrads {
    const jpac_tensor* guide = nullptr;
    const jpac_tensor* inv_alpha = nullptr;
    const jpac_tensor* inv_lambda = nullptr;
    const jpac_tensor* smooth_kernel = nullptr;
};

// Everything a conv-like call needs; owns the plan, spec, adaptive kernel and
// the weight in [Co][Ci*kk] order (transposed weights are permuted).
struct ConvCall {
    cpu::Plan plan;
    cpu::KernelSpec spec;
    std::unique_ptr<cpu::AdaptiveKernel> adaptive;
    cpu::ConvProblem problem;
    cpu::PoolProblem pool;
    std::vector<float> weight_matrix;  // transposed convs only
    std::vector<int64_t> output_shape, kernel_shape, weight_shape;
    GuideArgs guide_args;
    bool transposed = false;
};

// kernel is the given K (NULL for guided calls, which pass guide args).
void prepare_conv(ConvCall& c, const jpac_options* o, bool transposed, const jpac_tensor* input,
                  const jpac_tensor* kernel, const GuideArgs& g, const jpac_tensor* weight, const jpac_tensor* bias);
void prepare_pool(ConvCall& c, const jpac_options* o, const jpac_tensor* input, const jpac_tensor* kernel,
                  const GuideArgs& g);

// The backward passes: validate the gradient arguments (the pointers they
// return are for the CPU pass; CUDA calls pass the tensors on), then run.
struct ConvBackwardArgs {
    const float* grad_output = nullptr;
    cpu::ConvGrads grads;
};
ConvBackwardArgs check_conv_backward(ConvCall& c, const jpac_tensor* input, const jpac_tensor* grad_output,
                                     const jpac_tensor* grad_input, const jpac_tensor* grad_kernel,
                                     const jpac_tensor* grad_weight, const jpac_tensor* grad_bias,
                                     const GuideGrads& gg);
void run_conv_backward(ConvCall& c, ConvBackwardArgs& a);

struct PoolBackwardArgs {
    const float* grad_output = nullptr;
    float* grad_input = nullptr;
    float* grad_alpha = nullptr;
    float* grad_lambda = nullptr;
    float* grad_smooth = nullptr;
};
PoolBackwardArgs check_pool_backward(ConvCall& c, const jpac_tensor* input, const jpac_tensor* grad_output,
                                     const jpac_tensor* grad_input, const jpac_tensor* grad_kernel,
                                     const GuideGrads& gg);
void run_pool_backward(ConvCall& c, const PoolBackwardArgs& a);

}  // namespace jpac
