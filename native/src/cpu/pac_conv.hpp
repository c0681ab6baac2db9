// Pixel-adaptive convolution on the CPU: per tile, the direct micro-kernel
// (direct_conv.hpp) or an "adaptive im2col" (input taps times K) that feeds
// oneDNN's sgemm. Transposed convolution is the same loop over a plan whose
// taps read the zero-inserted input; with a stride it is split into one
// ordinary conv per output phase (phase_split.hpp).
#pragma once
#include <algorithm>
#include <cstdint>
#include "cpu/kernel_source.hpp"

namespace jpac::cpu {

struct ConvProblem {
    const Plan* plan = nullptr;
    int64_t in_channels = 0, out_channels = 0;
    bool shared_filters = false;
    const float* input = nullptr;   // [B, Ci, Hin, Win]
    const float* weight = nullptr;  // [Co][Ci * kk] row-major, or [kk] when shared
    const float* bias = nullptr;    // [Co] or null
    KernelSource kernel;
    const KernelSpec* spec = nullptr;  // guided sources only
};

struct ConvGrads {
    float* input = nullptr;   // [B, Ci, Hin, Win]
    float* weight = nullptr;  // same layout as ConvProblem::weight
    float* bias = nullptr;
    float* alpha = nullptr;
    float* lambda = nullptr;
    float* smooth = nullptr;
    bool accumulate = false;  // add to input and guide gradients (the caller zeroed them)
};

void pac_conv_forward(const ConvProblem& p, float* output);
void pac_conv_backward(const ConvProblem& p, const float* grad_output, const ConvGrads& g);

// The same for plans with one output phase (what the phase split runs).
// map (null: the dense layout) only where direct_conv_applies(p).
void dense_conv_forward(const ConvProblem& p, float* output, const OutputMap* map = nullptr);
void dense_conv_backward(const ConvProblem& p, const float* grad_output, const ConvGrads& g);

// Zeroes the gradients that backward passes scatter into: input and guide.
void zero_scattered_grads(const ConvProblem& p, const ConvGrads& g);

// Sums the threads' weight, bias and kernel-parameter gradients into g (each
// may be null); a workspace has grad_weight, grad_bias and tile.kernel.
template <typename Workspaces>
void sum_thread_grads(const Workspaces& ws, const ConvProblem& p, const ConvGrads& g, int64_t wsize) {
    if (g.weight) {
        std::fill(g.weight, g.weight + wsize, 0.f);
        for (const auto& w : ws)
            for (int64_t i = 0; i < wsize; ++i) g.weight[i] += w.grad_weight.data()[i];
    }
    if (g.bias) {
        std::fill(g.bias, g.bias + p.out_channels, 0.f);
        for (const auto& w : ws)
            for (int64_t c = 0; c < p.out_channels; ++c) g.bias[c] += w.grad_bias.data()[c];
    }
    if (p.spec != nullptr)
        reduce_kernel_grads(ws, [](const auto& w) -> const KernelWorkspace& { return w.tile.kernel; }, *p.spec,
                            g.alpha, g.lambda, g.smooth);
}

// Tile length for a given column height: keeps one tile's columns in L2.
int tile_pixels(int64_t column_rows, int64_t pixels);

}  // namespace jpac::cpu
