#include "cpu/pac_pool.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#include "cpu/parallel.hpp"
#include "cpu/scratch.hpp"
#include "cpu/tile_gather.hpp"

namespace jpac::cpu {

namespace {
int pool_tile(const PoolProblem& p) {
    return std::clamp<int>(int(std::min<int64_t>(p.plan->out_pixels(), 256)), 1, 256);
}
}  // namespace

void pac_pool_forward(const PoolProblem& p, float* output) {
    const Plan& plan = *p.plan;
    const int kk = plan.kk();
    const int64_t px = plan.out_pixels(), plane = plan.in_pixels(), C = p.channels;
    const int T = pool_tile(p);
    // Columns that are an affine function of the output column (the usual
    // case) stream each tap's run of input row against K: contiguous, and
    // vectorised, instead of one gathered load per tap and pixel.
    const bool streams = plan.cols.in_affine.valid;
    std::vector<TileWorkspace> ws(threads());
    std::vector<ScratchBuffer> packed(ws.size());
    for (size_t i = 0; i < ws.size(); ++i) {
        ws[i].reserve(plan, p.kernel, p.spec, T);
        if (streams) packed[i].resize(size_t(kk) * T);
    }
    for_each_tile(plan.batch, px, T, [&](int64_t n, int64_t t0, int len, int tid) {
        TileWorkspace& w = ws[tid];
        TileView K = tile_kernel(plan, p.kernel, n, t0, len, w);
        if (streams) {
            // shared_filter_taps reads K as [kk][len]: one kernel for all channels, or each channel's own
            const int64_t kernels = p.kernel.channels == 1 ? 1 : C;
            float* wk = packed[tid].data();
            for (int64_t kc = 0; kc < kernels; ++kc) {
                for (int ij = 0; ij < kk; ++ij)
                    std::memcpy(wk + int64_t(ij) * len, K.row(kc * kk + ij), sizeof(float) * size_t(len));
                const int64_t c0 = kernels == 1 ? 0 : kc, nc = kernels == 1 ? C : 1;
                shared_filter_taps(plan, p.input + (n * C + c0) * plane, nc, t0, len, wk,
                                   output + (n * C + c0) * px + t0, px);
            }
            return;
        }
        const int* in_off = w.in_offsets();
        for (int64_t c = 0; c < C; ++c) {
            const float* v = p.input + (n * C + c) * plane;
            float* o = output + (n * C + c) * px + t0;
            const int64_t kc = p.kernel.channels == 1 ? 0 : c;
            std::fill(o, o + len, 0.f);
            for (int ij = 0; ij < kk; ++ij) {
                const int* off = in_off + ij * len;
                const float* k = K.row(kc * kk + ij);
                for (int t = 0; t < len; ++t)
                    if (off[t] >= 0) o[t] += k[t] * v[off[t]];
            }
        }
    });
}

void pac_pool_backward(const PoolProblem& p, const float* grad_output, float* grad_input,
                       float* grad_alpha, float* grad_lambda, float* grad_smooth) {
    const Plan& plan = *p.plan;
    const int kk = plan.kk();
    const int64_t px = plan.out_pixels(), plane = plan.in_pixels(), C = p.channels;
    const int T = pool_tile(p);
    const bool streams = plan.cols.in_affine.valid;  // as in the forward
    std::vector<TileWorkspace> ws(threads());
    std::vector<ScratchBuffer> packed(ws.size()), packed_grad(ws.size());
    for (size_t i = 0; i < ws.size(); ++i) {
        ws[i].reserve(plan, p.kernel, p.spec, T);
        if (streams) {
            packed[i].resize(size_t(kk) * T);
            packed_grad[i].resize(size_t(kk) * T);
        }
    }
    if (grad_input) std::memset(grad_input, 0, sizeof(float) * plan.batch * C * plane);
    if (p.kernel.grad_guide)
        std::memset(p.kernel.grad_guide, 0,
                    sizeof(float) * plan.batch * p.spec->guide_channels * plan.guide_pixels());
    for_each_tile_scatter_safe(plan, T, [&](int64_t n, int64_t t0, int len, int tid) {
        TileWorkspace& w = ws[tid];
        TileView K = tile_kernel(plan, p.kernel, n, t0, len, w);
        TileView gK = tile_kernel_grad(plan, p.kernel, n, t0, len, w);
        const int* in_off = w.in_offsets();
        if (gK.ptr != nullptr)
            for (int r = 0; r < p.kernel.channels * kk; ++r) std::fill(gK.row(r), gK.row(r) + len, 0.f);
        if (streams) {
            // [kk][len] copies of K (and dL/dK) for the streaming helper: one kernel for all channels, or each its own
            const int64_t kernels = p.kernel.channels == 1 ? 1 : C;
            float* wk = packed[tid].data();
            float* gwk = gK.ptr ? packed_grad[tid].data() : nullptr;
            for (int64_t kc = 0; kc < kernels; ++kc) {
                for (int ij = 0; ij < kk; ++ij)
                    std::memcpy(wk + int64_t(ij) * len, K.row(kc * kk + ij), sizeof(float) * size_t(len));
                if (gwk) std::fill(gwk, gwk + int64_t(kk) * len, 0.f);
                const int64_t c0 = kernels == 1 ? 0 : kc, nc = kernels == 1 ? C : 1;
                shared_filter_taps_backward(plan, p.input + (n * C + c0) * plane, nc, t0, len, wk,
                                            grad_output + (n * C + c0) * px + t0, px,
                                            grad_input ? grad_input + (n * C + c0) * plane : nullptr, gwk);
                if (gwk)
                    for (int ij = 0; ij < kk; ++ij)
                        std::memcpy(gK.row(kc * kk + ij), gwk + int64_t(ij) * len, sizeof(float) * size_t(len));
            }
            if (gK.ptr != nullptr) tile_kernel_backward(p.kernel, n, t0, len, w);
            return;
        }
        for (int64_t c = 0; c < C; ++c) {
            const float* v = p.input + (n * C + c) * plane;
            const float* g = grad_output + (n * C + c) * px + t0;
            float* gv = grad_input ? grad_input + (n * C + c) * plane : nullptr;
            const int64_t kc = p.kernel.channels == 1 ? 0 : c;
            for (int ij = 0; ij < kk; ++ij) {
                const int* off = in_off + ij * len;
                const float* k = K.row(kc * kk + ij);
                float* gk = gK.ptr ? gK.row(kc * kk + ij) : nullptr;
                for (int t = 0; t < len; ++t) {
                    if (off[t] < 0) continue;
                    if (gv) gv[off[t]] += g[t] * k[t];
                    if (gk) gk[t] += g[t] * v[off[t]];
                }
            }
        }
        if (gK.ptr != nullptr) tile_kernel_backward(p.kernel, n, t0, len, w);
    });
    if (p.spec != nullptr)
        reduce_kernel_grads(ws, [](const TileWorkspace& w) -> const KernelWorkspace& { return w.kernel; },
                            *p.spec, grad_alpha, grad_lambda, grad_smooth);
}

}  // namespace jpac::cpu
