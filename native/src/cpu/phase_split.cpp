#include "cpu/phase_split.hpp"

#include <algorithm>
#include <memory>
#include <vector>

#include "cpu/direct_conv.hpp"
#include "cpu/direct_conv_backward.hpp"
#include "cpu/parallel.hpp"
#include "cpu/scratch.hpp"

namespace jpac::cpu {

namespace {

// One phase class as an ordinary conv problem. Its outputs are the full
// output's rows row0 + rs * qy and columns col0 + cs * qx.
struct PhaseClass {
    Plan plan;
    std::unique_ptr<AdaptiveKernel> adaptive;
    std::vector<int> taps;       // full-window tap ij of each class tap
    std::vector<float> weight;   // W restricted to the taps: [Co][Ci * |taps|], or [|taps|] shared
    ScratchBuffer given, grad_given;  // a given K (and its gradient) restricted to the class
    ConvProblem p;
    int64_t row0 = 0, col0 = 0, rs = 1, cs = 1;

    PhaseClass(const ConvProblem& full, int py, int px) {
        const Plan& fp = *full.plan;
        plan.rows = restrict_to_phase(fp.rows, py);
        plan.cols = restrict_to_phase(fp.cols, px);
        plan.batch = fp.batch;
        for (int i : fp.rows.phase_taps[py])
            for (int j : fp.cols.phase_taps[px]) taps.push_back(i * fp.cols.k + j);
        row0 = fp.rows.phase_first[py];
        col0 = fp.cols.phase_first[px];
        rs = fp.rows.phases;
        cs = fp.cols.phases;
        const int64_t nv = int64_t(taps.size()), ci = full.in_channels, co = full.out_channels, kk = fp.kk();
        if (full.shared_filters) {
            for (int ij : taps) weight.push_back(full.weight[ij]);
        } else {
            weight.resize(size_t(co * ci * nv));
            for (int64_t o = 0; o < co; ++o)
                for (int64_t c = 0; c < ci; ++c)
                    for (int64_t v = 0; v < nv; ++v)
                        weight[(o * ci + c) * nv + v] = full.weight[(o * ci + c) * kk + taps[v]];
        }
        p = full;
        p.plan = &plan;
        p.weight = weight.data();
        if (full.kernel.adaptive != nullptr) {
            adaptive = std::make_unique<AdaptiveKernel>(plan, *full.spec);
            p.kernel.adaptive = adaptive.get();
        }
    }

    bool empty() const { return taps.empty() || plan.out_pixels() == 0; }
};

// f(full, part) for every class pixel of `planes` compact planes: compact
// plane q ([hq * wq]) is full plane full_plane(q) ([Ho * Wo]); full and part
// are offsets into the full and the compact tensor. Moves the class's part of
// a tensor in or out.
template <typename Plane, typename F>
void for_each_class_pixel(const PhaseClass& pc, int64_t planes, int64_t ho, int64_t wo, Plane full_plane, F&& f) {
    const int64_t n_px = pc.plan.out_pixels(), wq = pc.plan.cols.out_size, hq = pc.plan.rows.out_size;
#pragma omp parallel for num_threads(threads_for(planes * n_px, planes))
    for (int64_t q = 0; q < planes; ++q) {
        const int64_t full = full_plane(q) * ho * wo + pc.row0 * wo + pc.col0, part = q * n_px;
        for (int64_t qy = 0; qy < hq; ++qy)
            for (int64_t qx = 0; qx < wq; ++qx) f(full + pc.rs * qy * wo + pc.cs * qx, part + qy * wq + qx);
    }
}

// Plane q of a compact [B][C][hq * wq] tensor is plane q of the full [B][C][Ho][Wo] one.
int64_t same_plane(int64_t q) { return q; }

// Plane q of a given K restricted to the class ([B][Ck][|taps|][hq * wq]) is
// the full K's ([B][Ck][kk][Ho][Wo]) plane of the same image and channel at tap taps[v].
struct KernelPlane {
    const PhaseClass& pc;
    int kk;
    int64_t operator()(int64_t q) const {
        const int64_t nv = int64_t(pc.taps.size());
        return (q / nv) * kk + pc.taps[q % nv];
    }
};

// A given K (if any) restricted to the class, for the class's problem.
void take_given_kernel(PhaseClass& pc, const ConvProblem& full) {
    if (full.kernel.given == nullptr) return;
    const int64_t planes = full.plan->batch * full.kernel.channels * int64_t(pc.taps.size());
    const Plan& fp = *full.plan;
    pc.given.resize(size_t(planes * pc.plan.out_pixels()));
    const float* K = full.kernel.given;
    float* part = pc.given.data();
    for_each_class_pixel(pc, planes, fp.rows.out_size, fp.cols.out_size, KernelPlane{pc, fp.kk()},
                         [&](int64_t f, int64_t q) { part[q] = K[f]; });
    pc.p.kernel.given = part;
}

// Where the class's outputs lie in the full [B][Co][Ho][Wo] output.
OutputMap class_output_map(const PhaseClass& pc, int64_t co, int64_t ho, int64_t wo) {
    return OutputMap{co * ho * wo, ho * wo, pc.row0 * wo + pc.col0, pc.rs * wo, pc.cs};
}

// f(class) for every phase class that has outputs. A phase whose first output
// lies past the axis has none: skipped before its class is built, as a stride
// far above the output size gives millions of such phases (a 2x1 input at
// stride 3000 took 10 s building 9 million empty classes).
template <typename F>
void for_each_class(const ConvProblem& p, F&& f) {
    const Axis& rows = p.plan->rows;
    const Axis& cols = p.plan->cols;
    for (int py = 0; py < rows.phases; ++py) {
        if (rows.phase_first[py] >= rows.out_size) continue;
        for (int px = 0; px < cols.phases; ++px) {
            if (cols.phase_first[px] >= cols.out_size) continue;
            PhaseClass pc(p, py, px);
            f(pc);
        }
    }
}

}  // namespace

bool phased_applies(const Plan& plan) {
    return int64_t(plan.rows.phases) * plan.cols.phases > 1;
}

void phase_split_forward(const ConvProblem& p, float* output) {
    const Plan& plan = *p.plan;
    const int64_t ho = plan.rows.out_size, wo = plan.cols.out_size, co = p.out_channels;
    ScratchBuffer part;
    for_each_class(p, [&](PhaseClass& pc) {
        const int64_t n_px = pc.plan.out_pixels();
        if (n_px == 0) return;
        if (!pc.empty()) take_given_kernel(pc, p);
        if (!pc.empty() && direct_conv_applies(pc.p)) {  // straight into the full output
            const OutputMap map = class_output_map(pc, co, ho, wo);
            dense_conv_forward(pc.p, output, &map);
            return;
        }
        part.resize(size_t(plan.batch * co * n_px));
        if (pc.empty()) {  // only inserted zeros in the window: the bias
            for (int64_t nc = 0; nc < plan.batch * co; ++nc)
                std::fill(part.data() + nc * n_px, part.data() + (nc + 1) * n_px, p.bias ? p.bias[nc % co] : 0.f);
        } else {
            dense_conv_forward(pc.p, part.data());
        }
        const float* src = part.data();
        for_each_class_pixel(pc, plan.batch * co, ho, wo, same_plane,
                             [&](int64_t f, int64_t q) { output[f] = src[q]; });
    });
}

void phase_split_backward(const ConvProblem& p, const float* grad_output, const ConvGrads& g) {
    const Plan& plan = *p.plan;
    const int64_t ho = plan.rows.out_size, wo = plan.cols.out_size, co = p.out_channels, ci = p.in_channels;
    const int kk = plan.kk();
    zero_scattered_grads(p, g);
    const int64_t wsize = p.shared_filters ? kk : co * ci * kk;
    if (g.weight) std::fill(g.weight, g.weight + wsize, 0.f);
    const KernelSpec* spec = p.spec;
    const int64_t np = spec ? spec->inv_params : 0, ns = spec ? int64_t(spec->smooth_size) * spec->smooth_size : 0;
    if (g.alpha) std::fill(g.alpha, g.alpha + np, 0.f);
    if (g.lambda) std::fill(g.lambda, g.lambda + np, 0.f);
    if (g.smooth) std::fill(g.smooth, g.smooth + ns, 0.f);
    if (p.kernel.grad_given)  // taps that read inserted zeros get no gradient
        std::fill(p.kernel.grad_given, p.kernel.grad_given + plan.batch * p.kernel.channels * kk * ho * wo, 0.f);
    if (g.bias) std::fill(g.bias, g.bias + co, 0.f);
    ScratchBuffer gout, gweight, gbias, galpha, glambda, gsmooth;
    gbias.resize(size_t(std::max<int64_t>(co, 1)));
    galpha.resize(std::max<int64_t>(np, 1));
    glambda.resize(std::max<int64_t>(np, 1));
    gsmooth.resize(std::max<int64_t>(ns, 1));
    for_each_class(p, [&](PhaseClass& pc) {
        const int64_t n_px = pc.plan.out_pixels(), nv = int64_t(pc.taps.size());
        if (n_px == 0) return;
        // The direct backward reads the class's part of dL/dout in place.
        const bool direct = !pc.empty() && direct_conv_applies(pc.p);
        if (!direct) {
            gout.resize(size_t(plan.batch * co * n_px));
            float* go = gout.data();
            for_each_class_pixel(pc, plan.batch * co, ho, wo, same_plane,
                                 [&](int64_t f, int64_t q) { go[q] = grad_output[f]; });
        }
        if (pc.empty()) {  // such outputs see the bias alone
            for (int64_t nc = 0; g.bias && nc < plan.batch * co; ++nc)
                for (int64_t t = 0; t < n_px; ++t) g.bias[nc % co] += gout.data()[nc * n_px + t];
            return;
        }
        take_given_kernel(pc, p);
        if (p.kernel.grad_given != nullptr) {
            pc.grad_given.resize(size_t(plan.batch * p.kernel.channels * nv * n_px));
            pc.p.kernel.grad_given = pc.grad_given.data();
        }
        ConvGrads cg;
        cg.accumulate = true;  // input and guide gradients add up over the classes
        cg.input = g.input;
        if (g.weight) {
            gweight.resize(size_t(p.shared_filters ? nv : co * ci * nv));
            cg.weight = gweight.data();
        }
        cg.bias = g.bias ? gbias.data() : nullptr;
        cg.alpha = g.alpha ? galpha.data() : nullptr;
        cg.lambda = g.lambda ? glambda.data() : nullptr;
        cg.smooth = g.smooth ? gsmooth.data() : nullptr;
        if (direct) {
            const OutputMap map = class_output_map(pc, co, ho, wo);
            direct_conv_backward(pc.p, grad_output, cg, &map);
        } else {
            dense_conv_backward(pc.p, gout.data(), cg);
        }
        if (g.weight) {
            const float* w = gweight.data();
            if (p.shared_filters) {
                for (int64_t v = 0; v < nv; ++v) g.weight[pc.taps[v]] += w[v];
            } else {
                for (int64_t o = 0; o < co; ++o)
                    for (int64_t c = 0; c < ci; ++c)
                        for (int64_t v = 0; v < nv; ++v)
                            g.weight[(o * ci + c) * kk + pc.taps[v]] += w[(o * ci + c) * nv + v];
            }
        }
        for (int64_t c = 0; g.bias && c < co; ++c) g.bias[c] += gbias.data()[c];
        for (int64_t i = 0; g.alpha && i < np; ++i) g.alpha[i] += galpha.data()[i];
        for (int64_t i = 0; g.lambda && i < np; ++i) g.lambda[i] += glambda.data()[i];
        for (int64_t i = 0; g.smooth && i < ns; ++i) g.smooth[i] += gsmooth.data()[i];
        if (p.kernel.grad_given != nullptr) {
            float* gK = p.kernel.grad_given;
            const float* part = pc.grad_given.data();
            for_each_class_pixel(pc, plan.batch * p.kernel.channels * nv, ho, wo, KernelPlane{pc, kk},
                                 [&](int64_t f, int64_t q) { gK[f] = part[q]; });
        }
    });
}

}  // namespace jpac::cpu
