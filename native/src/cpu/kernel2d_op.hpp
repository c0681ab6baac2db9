// kernel2d as an operation of its own: K materialised into a tensor, and the
// backward from a given dL/dK.
#pragma once
#include "cpu/adaptive_kernel.hpp"

namespace jpac::cpu {

void kernel2d_forward(const Plan& plan, const KernelSpec& spec, float* out_kernel, float* out_mask);
void kernel2d_backward(const Plan& plan, const KernelSpec& spec, const float* grad_kernel,
                       float* grad_guide, float* grad_alpha, float* grad_lambda, float* grad_smooth);

}  // namespace jpac::cpu
