// The geometry of one PAC call in both spatial axes, and the per-tile tap
// offsets derived from it. A tile is a run of consecutive output pixels of
// one image (row-major), so its outputs are contiguous in memory.
#pragma once
#include <algorithm>
#include <cstdint>
#include "cpu/geometry.hpp"

namespace jpac::cpu {

struct Plan {
    Axis rows, cols;
    int64_t batch = 0;
    int kk() const { return rows.k * cols.k; }
    int64_t in_pixels() const { return rows.in_size * cols.in_size; }
    int64_t out_pixels() const { return rows.out_size * cols.out_size; }
    int64_t guide_pixels() const { return rows.guide_size * cols.guide_size; }
};

// Where output pixel (y, x) of channel c of image n goes: output + n *
// image + c * plane + origin + y * row + x * col. The identity for a
// [B][Co][Ho][Wo] output; the phase split writes its classes' outputs
// straight into their places in the full output.
struct OutputMap {
    int64_t image = 0, plane = 0, origin = 0, row = 0, col = 1;
    static OutputMap dense(const Plan& plan, int64_t channels) {
        return OutputMap{channels * plan.out_pixels(), plan.out_pixels(), 0, plan.cols.out_size, 1};
    }
};

// For tile pixels [t0, t0+T): in_off[ij*T + t] and guide_off[ij*T + t] are
// offsets into an input / guide plane, or -1 for zero padding.
void tap_offsets(const Plan& plan, int64_t t0, int T, int* in_off, int* guide_off);

// f(ts, y, xs, xe) for each piece of the tile within one output row: tile
// pixels [ts, ts + xe - xs) are outputs (y, xs .. xe-1).
template <typename F>
void for_each_row_piece(const Plan& plan, int64_t t0, int T, F&& f) {
    const int64_t wo = plan.cols.out_size, end = t0 + T;
    for (int64_t t = t0; t < end;) {
        const int64_t y = t / wo, xs = t % wo, xe = std::min(wo, xs + (end - t));
        f(int(t - t0), y, xs, xe);
        t += xe - xs;
    }
}

}  // namespace jpac::cpu
