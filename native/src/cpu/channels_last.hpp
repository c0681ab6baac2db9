// Input rows copied channels-last ([x][c]) for the direct micro-kernels, whose
// loads then walk memory contiguously (channel planes are far apart: TLB
// misses), and the way back for gradients. x86-64 with AVX2 only.
#pragma once
#include <cstdint>
#include <vector>
#include "cpu/plan.hpp"

namespace jpac::cpu {

// The input rows a band of output rows [y0, y1] reads (with a large dilation,
// few of the rows in between), each given a slot in a row buffer.
struct TileRows {
    TileRows(const Plan& plan, int64_t y0, int64_t y1);
    int64_t row0 = 0;           // input row of slot lookup index 0
    std::vector<int64_t> slot;  // slot of input row row0 + i, -1 where none is read
    int64_t used = 0;           // slots in use
    // at[i] = buffer + slot * row_floats for the rows read, else null.
    std::vector<float*> pointers(float* buffer, int64_t row_floats) const;
};

// dst[x * ld + c] = src[c * plane + x] for c < channels, x < width.
void to_channels_last(const float* src, int64_t plane, int64_t channels, int64_t width, int64_t ld, float* dst);

// dst[c * plane + x] += src[x * ld + c]: the adjoint of to_channels_last.
void add_from_channels_last(const float* src, int64_t ld, int64_t channels, int64_t width, int64_t plane,
                            float* dst);

}  // namespace jpac::cpu
