#include "cpu/plan.hpp"

namespace jpac::cpu {

void tap_offsets(const Plan& plan, int64_t t0, int T, int* in_off, int* guide_off) {
    const Axis& R = plan.rows;
    const Axis& C = plan.cols;
    const int kh = R.k, kw = C.k;
    const int64_t wo = C.out_size;
    const int64_t win = C.in_size, wg = C.guide_size;
    for (int t = 0; t < T; ++t) {
        const int64_t y = (t0 + t) / wo, x = (t0 + t) % wo;
        for (int i = 0; i < kh; ++i) {
            const int ri = R.in_tap[y * kh + i];
            const int rg = R.guide_tap[y * kh + i];
            for (int j = 0; j < kw; ++j) {
                const int ci = C.in_tap[x * kw + j];
                const int cg = C.guide_tap[x * kw + j];
                const int ij = i * kw + j;
                in_off[ij * T + t] = (ri < 0 || ci < 0) ? -1 : int(ri * win + ci);
                if (guide_off != nullptr)
                    guide_off[ij * T + t] = (rg < 0 || cg < 0) ? -1 : int(rg * wg + cg);
            }
        }
    }
}

}  // namespace jpac::cpu
