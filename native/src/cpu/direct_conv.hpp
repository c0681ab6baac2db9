// PAC forward for stride-1, non-transposed convolutions without im2col: an
// AVX2/FMA micro-kernel multiplies input taps by K in registers and feeds
// them straight into the output accumulators (K * v is never stored). The
// im2col + sgemm path in pac_conv.cpp covers every other case and CPUs
// without AVX2.
#pragma once
#include <cstdint>
#include <vector>
#include "cpu/pac_conv.hpp"

namespace jpac::cpu {

bool direct_conv_applies(const ConvProblem& p);

// Weight as [kk][Ci][Co]: the micro-kernel broadcasts W[o, c, ij] for
// consecutive o.
std::vector<float> pack_weight_for_direct(const ConvProblem& p);

// Output pixels [t0, t0+T) of image n, all output channels, bias included,
// written where map says. rows_buffer: per-thread scratch for the tile's input rows.
void direct_conv_tile(const ConvProblem& p, const float* packed, int64_t n, int64_t t0, int T, TileView K,
                      float* output, const OutputMap& map, ScratchBuffer& rows_buffer);

}  // namespace jpac::cpu
