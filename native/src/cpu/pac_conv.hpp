// Pixel-adaptive convolution on the CPU: per tile, an "adaptive im2col"
// (input taps times K) feeds oneDNN's sgemm. Transposed convolution is the
// same loop over a plan whose taps read the zero-inserted input.
#pragma once
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
};

void pac_conv_forward(const ConvProblem& p, float* output);
void pac_conv_backward(const ConvProblem& p, const float* grad_output, const ConvGrads& g);

// Tile length for a given column height: keeps one tile's columns in L2.
int tile_pixels(int64_t column_rows, int64_t pixels);

}  // namespace jpac::cpu
