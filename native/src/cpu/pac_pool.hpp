// Pixel-adaptive pooling: out[c] = sum over taps of K * input (SPEC.md pool2d).
#pragma once
#include <cstdint>
#include "cpu/kernel_source.hpp"

namespace jpac::cpu {

struct PoolProblem {
    const Plan* plan = nullptr;
    int64_t channels = 0;
    const float* input = nullptr;  // [B, C, H, W]
    KernelSource kernel;           // 1 or C kernel channels
    const KernelSpec* spec = nullptr;
};

void pac_pool_forward(const PoolProblem& p, float* output);
// grad_input may be null; kernel / guide gradients go where p.kernel says.
void pac_pool_backward(const PoolProblem& p, const float* grad_output, float* grad_input,
                       float* grad_alpha, float* grad_lambda, float* grad_smooth);

}  // namespace jpac::cpu
