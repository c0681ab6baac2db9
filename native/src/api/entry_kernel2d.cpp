// C entry points of kernel2d: validated here, then run on the CPU or, for
// CUDA tensors, by libjpac_cuda.
#include "api/cuda_backend.hpp"
#include "api/guard.hpp"
#include "api/plan_builder.hpp"
#include "api/validate.hpp"
#include "cpu/kernel2d_op.hpp"

using namespace jpac;

namespace {

struct Kernel2dCall {
    cpu::Plan plan;
    cpu::KernelSpec spec;
    std::vector<int64_t> kernel_shape, mask_shape;
};

Kernel2dCall prepare(const jpac_options* o, const jpac_tensor* guide, const jpac_tensor* alpha,
                     const jpac_tensor* lambda, const jpac_tensor* smooth, const jpac_tensor* mask) {
    check_options(o, true);
    checked_rank(guide, "guide", 4);
    Kernel2dCall c;
    c.plan = kernel_plan(*o, guide->shape[0], guide->shape[2], guide->shape[3], smooth_size(smooth));
    c.spec = kernel_spec(*o, c.plan, guide, alpha, lambda, smooth, mask);
    const int64_t ck = c.spec.kernel_channels(), ho = c.plan.rows.out_size, wo = c.plan.cols.out_size;
    c.kernel_shape = {c.plan.batch, ck, o->kernel_h, o->kernel_w, ho, wo};
    c.mask_shape = {c.plan.batch, o->normalize_kernel ? ck : 1, 1, 1, ho, wo};
    return c;
}

}  // namespace

extern "C" {

JPAC_API jpac_status jpac_kernel2d_forward(const jpac_options* options, const jpac_tensor* guide,
                                           const jpac_tensor* inv_alpha, const jpac_tensor* inv_lambda,
                                           const jpac_tensor* smooth_kernel, const jpac_tensor* mask,
                                           const jpac_tensor* out_kernel, const jpac_tensor* out_mask) {
    return guarded([&] {
        CallPlace place({guide, inv_alpha, inv_lambda, smooth_kernel, mask, out_kernel, out_mask});
        Kernel2dCall c = prepare(options, guide, inv_alpha, inv_lambda, smooth_kernel, mask);
        float* out = checked(out_kernel, "out_kernel", c.kernel_shape);
        float* om = nullptr;
        if (mask != nullptr) om = checked(out_mask, "out_mask", c.mask_shape);
        else if (out_mask != nullptr) invalid("out_mask: only produced when a mask is given; pass NULL");
        check_no_overlap({{out_kernel, "out_kernel"}, {out_mask, "out_mask"}},
                         {{guide, "guide"}, {inv_alpha, "inv_alpha"}, {inv_lambda, "inv_lambda"},
                          {smooth_kernel, "smooth_kernel"}, {mask, "mask"}, {out_kernel, "out_kernel"},
                          {out_mask, "out_mask"}});
        if (const CudaLibrary* cuda = place.cuda()) {
            cuda_run(cuda->kernel2d_forward, options, guide, inv_alpha, inv_lambda, smooth_kernel, mask, out_kernel,
                     out_mask);
            return;
        }
        cpu::kernel2d_forward(c.plan, c.spec, out, om);
    });
}

JPAC_API jpac_status jpac_kernel2d_backward(const jpac_options* options, const jpac_tensor* guide,
                                            const jpac_tensor* inv_alpha, const jpac_tensor* inv_lambda,
                                            const jpac_tensor* smooth_kernel, const jpac_tensor* mask,
                                            const jpac_tensor* grad_kernel, const jpac_tensor* grad_guide,
                                            const jpac_tensor* grad_inv_alpha, const jpac_tensor* grad_inv_lambda,
                                            const jpac_tensor* grad_smooth_kernel) {
    return guarded([&] {
        CallPlace place({guide, inv_alpha, inv_lambda, smooth_kernel, mask, grad_kernel, grad_guide, grad_inv_alpha,
                         grad_inv_lambda, grad_smooth_kernel});
        Kernel2dCall c = prepare(options, guide, inv_alpha, inv_lambda, smooth_kernel, mask);
        const float* gk = checked(grad_kernel, "grad_kernel", c.kernel_shape);
        float* gg = optional(grad_guide, "grad_guide", {guide->shape[0], guide->shape[1], guide->shape[2], guide->shape[3]});
        float* ga = optional_like(grad_inv_alpha, "grad_inv_alpha", inv_alpha, "inv_alpha");
        float* gl = optional_like(grad_inv_lambda, "grad_inv_lambda", inv_lambda, "inv_lambda");
        float* gs = optional_like(grad_smooth_kernel, "grad_smooth_kernel", smooth_kernel, "smooth_kernel");
        check_no_overlap({{grad_guide, "grad_guide"}, {grad_inv_alpha, "grad_inv_alpha"},
                          {grad_inv_lambda, "grad_inv_lambda"}, {grad_smooth_kernel, "grad_smooth_kernel"}},
                         {{guide, "guide"}, {inv_alpha, "inv_alpha"}, {inv_lambda, "inv_lambda"},
                          {smooth_kernel, "smooth_kernel"}, {mask, "mask"}, {grad_kernel, "grad_kernel"},
                          {grad_guide, "grad_guide"}, {grad_inv_alpha, "grad_inv_alpha"},
                          {grad_inv_lambda, "grad_inv_lambda"}, {grad_smooth_kernel, "grad_smooth_kernel"}});
        if (const CudaLibrary* cuda = place.cuda()) {
            cuda_run(cuda->kernel2d_backward, options, guide, inv_alpha, inv_lambda, smooth_kernel, mask, grad_kernel,
                     grad_guide, grad_inv_alpha, grad_inv_lambda, grad_smooth_kernel);
            return;
        }
        cpu::kernel2d_backward(c.plan, c.spec, gk, gg, ga, gl, gs);
    });
}

}  // extern "C"
