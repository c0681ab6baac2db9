// Turns jpac_options and argument tensors into validated CPU plans.
#pragma once
#include "cpu/adaptive_kernel.hpp"
#include "cpu/plan.hpp"
#include "jpac.h"

namespace jpac {

// Checks the geometry fields (and, with kernel_fields, the kernel ones).
void check_options(const jpac_options* o, bool kernel_fields);

// Plan of a (transposed) convolution / pooling over an input of H x W.
cpu::Plan conv_plan(const jpac_options& o, int64_t batch, int64_t h, int64_t w, bool transposed, int smooth);

// Plan of kernel2d over a guide of H x W (for transposed: the output size).
cpu::Plan kernel_plan(const jpac_options& o, int64_t batch, int64_t h, int64_t w, int smooth);

// Side of the smoothing kernel (0 if NULL); checks its shape.
int smooth_size(const jpac_tensor* smooth_kernel);

// Validates guide-related arguments against a plan and fills a KernelSpec.
// The guide must be [B, *, Hg, Wg] with the plan's guide size.
cpu::KernelSpec kernel_spec(const jpac_options& o, const cpu::Plan& plan, const jpac_tensor* guide,
                            const jpac_tensor* inv_alpha, const jpac_tensor* inv_lambda,
                            const jpac_tensor* smooth_kernel, const jpac_tensor* mask);

}  // namespace jpac
