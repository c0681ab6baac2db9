#include "cpu/plan.hpp"

namespace jpac::cpu {

void tap_offsets(const Plan& plan, int64_t t0, int T, int* in_off, int* guide_off) {
    const Axis& R = plan.rows;
    const Axis& C = plan.cols;
    const int kh = R.k, kw = C.k;
    const int64_t win = C.in_size, wg = C.guide_size;
    // By row piece and tap, so that each tap's offsets are written contiguously.
    for_each_row_piece(plan, t0, T, [&](int ts, int64_t y, int64_t xs, int64_t xe) {
        for (int i = 0; i < kh; ++i) {
            const int ri = R.in_tap[y * kh + i];
            const int rg = R.guide_tap[y * kh + i];
            for (int j = 0; j < kw; ++j) {
                const int64_t ij = i * kw + j;
                int* io = in_off + ij * T + ts;
                const int* cols = C.in_tap_t.data() + j * C.out_size;
                for (int64_t x = xs; x < xe; ++x)
                    io[x - xs] = (ri < 0 || cols[x] < 0) ? -1 : int(ri * win + cols[x]);
                if (guide_off == nullptr) continue;
                int* go = guide_off + ij * T + ts;
                const int* gcols = C.guide_tap_t.data() + j * C.out_size;
                for (int64_t x = xs; x < xe; ++x)
                    go[x - xs] = (rg < 0 || gcols[x] < 0) ? -1 : int(rg * wg + gcols[x]);
            }
        }
    });
}

}  // namespace jpac::cpu
