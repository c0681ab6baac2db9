#include "cpu/phase_conv.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <vector>

#include "api/error.hpp"
#include "cpu/parallel.hpp"
#include "cpu/simd.hpp"
#include "oneapi/dnnl/dnnl.h"

namespace jpac::cpu {

namespace {

// The taps of one (row phase, column phase) class and W restricted to them:
// [Co][Ci * |taps|] (or [|taps|] for shared filters).
struct PhaseClass {
    std::vector<int> taps;  // ij of the taps that read the real input
    std::vector<float> weight;
};

std::vector<PhaseClass> phase_classes(const ConvProblem& p) {
    const Plan& plan = *p.plan;
    const int kk = plan.kk(), kw = plan.cols.k;
    const int64_t ci = p.in_channels, co = p.out_channels;
    std::vector<PhaseClass> out(size_t(plan.rows.phases) * plan.cols.phases);
    for (int py = 0; py < plan.rows.phases; ++py)
        for (int px = 0; px < plan.cols.phases; ++px) {
            PhaseClass& pc = out[size_t(py) * plan.cols.phases + px];
            for (int i : plan.rows.phase_taps[py])
                for (int j : plan.cols.phase_taps[px]) pc.taps.push_back(i * kw + j);
            const int64_t nv = int64_t(pc.taps.size());
            if (p.shared_filters) {
                for (int ij : pc.taps) pc.weight.push_back(p.weight[ij]);
                continue;
            }
            pc.weight.resize(size_t(co * ci * nv));
            for (int64_t o = 0; o < co; ++o)
                for (int64_t c = 0; c < ci; ++c)
                    for (int64_t v = 0; v < nv; ++v)
                        pc.weight[(o * ci + c) * nv + v] = p.weight[(o * ci + c) * kk + pc.taps[v]];
        }
    return out;
}

size_t most_taps(const std::vector<PhaseClass>& classes) {
    size_t n = 0;
    for (const PhaseClass& pc : classes) n = std::max(n, pc.taps.size());
    return n;
}

// Tile length: a phase group's columns (Ci * |taps| rows) about 256 KiB, the
// tap offsets (kk rows) at most 4 MiB.
int phased_tile(const Plan& plan, int64_t ci) {
    const int64_t classes = int64_t(plan.rows.phases) * plan.cols.phases;
    const int64_t rows = std::max<int64_t>(1, ci * plan.kk() / classes);
    int64_t t = std::clamp<int64_t>((64 * 1024) / rows, 16, 1024) * classes;
    t = std::min<int64_t>(t, std::max<int64_t>(64, (1 << 20) / plan.kk()));
    return int(std::min<int64_t>(t, std::max<int64_t>(plan.out_pixels(), 1)));
}

// What the forward and backward passes share: the classes, the kernel source
// (reading tap offsets), the tile length.
struct PhasedCall {
    std::vector<PhaseClass> classes;
    size_t max_rows;
    KernelSource src;
    int T;
    explicit PhasedCall(const ConvProblem& p)
        : classes(phase_classes(p)), max_rows(most_taps(classes)), src(p.kernel),
          T(phased_tile(*p.plan, p.in_channels)) {
        src.gathers_by_offset = true;  // the phase gathers read the tap offsets
    }
};

struct PhaseWorkspace {
    TileWorkspace tile;
    ScratchBuffer cols, taps, gout, out, gweight_tmp, grad_weight, grad_bias;
    // One class's taps at its pixels, [v][g]: input offsets (ints in float slots, -1: padding), K, dL/dK.
    ScratchBuffer class_off, class_k, class_gk;
    std::vector<int> order, start;  // tile pixels sorted by class; class c owns order[start[c] .. start[c+1])
    int* offsets() const { return reinterpret_cast<int*>(class_off.data()); }
    void reserve(const Plan& plan, const PhasedCall& call, const ConvProblem& p, int T) {
        tile.reserve(plan, call.src, p.spec, T);
        class_off.resize(call.max_rows * T);
        class_k.resize(call.max_rows * T);
    }
};

// Groups the tile's pixels by phase class (counting sort, stable).
void group_by_phase(const Plan& plan, int64_t t0, int T, PhaseWorkspace& w) {
    const int classes = plan.rows.phases * plan.cols.phases;
    const int64_t wo = plan.cols.out_size;
    w.start.assign(classes + 1, 0);
    auto cls = [&](int t) {
        const int64_t y = (t0 + t) / wo, x = (t0 + t) % wo;
        return plan.rows.phase_of[y] * plan.cols.phases + plan.cols.phase_of[x];
    };
    for (int t = 0; t < T; ++t) ++w.start[cls(t) + 1];
    for (int c = 0; c < classes; ++c) w.start[c + 1] += w.start[c];
    std::vector<int> at(w.start.begin(), w.start.end() - 1);
    w.order.resize(T);
    for (int t = 0; t < T; ++t) w.order[at[cls(t)]++] = t;
}

// Lays out the class's taps at its pixels [v][g]: offsets and (if given) K.
JPAC_HOT void compact_class(const std::vector<int>& taps, const int* px, int G, const int* in_off, int T,
                            const TileView& K, PhaseWorkspace& w) {
    int* off = w.offsets();
    float* k = w.class_k.data();
    for (size_t v = 0; v < taps.size(); ++v) {
        const int* o = in_off + int64_t(taps[v]) * T;
        const float* kr = K.row(taps[v]);
        for (int g = 0; g < G; ++g) {
            off[v * G + g] = o[px[g]];
            k[v * G + g] = kr[px[g]];
        }
    }
}

// cols[c][v][g] = input tap v of the class's pixel g (0 in the padding), times K if given ([v][g]).
JPAC_HOT void gather_phase(const float* input, int64_t plane, int64_t channels, int64_t nv, const int* off,
                           const float* k, int G, float* cols) {
    for (int64_t c = 0; c < channels; ++c) {
        const float* src = input + c * plane;
        for (int64_t v = 0; v < nv; ++v) {
            const int* o = off + v * G;
            float* dst = cols + (c * nv + v) * G;
            if (k) {
                const float* kv = k + v * G;
                for (int g = 0; g < G; ++g) dst[g] = o[g] >= 0 ? src[o[g]] * kv[g] : 0.f;
            } else {
                for (int g = 0; g < G; ++g) dst[g] = o[g] >= 0 ? src[o[g]] : 0.f;
            }
        }
    }
}

void sgemm(char ta, char tb, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
           int64_t ldb, float beta, float* C, int64_t ldc, std::atomic<int>& failed) {
    if (M == 0 || N == 0) return;
    if (K == 0) {
        for (int64_t m = 0; m < M; ++m)
            for (int64_t n = 0; n < N; ++n) C[m * ldc + n] = beta == 0.f ? 0.f : beta * C[m * ldc + n];
        return;
    }
    if (dnnl_sgemm(ta, tb, M, N, K, 1.f, A, lda, B, ldb, beta, C, ldc) != dnnl_success) failed = 1;
}

// f(class, its pixels, their count) for every phase class with pixels in the tile.
template <typename F>
void for_each_class(const std::vector<PhaseClass>& classes, const PhaseWorkspace& w, F&& f) {
    for (size_t k = 0; k < classes.size(); ++k) {
        const int G = w.start[k + 1] - w.start[k];
        if (G > 0) f(classes[k], w.order.data() + w.start[k], G);
    }
}

}  // namespace

bool phased_applies(const Plan& plan) {
    return int64_t(plan.rows.phases) * plan.cols.phases > 1;
}

void phased_conv_forward(const ConvProblem& p, float* output) {
    const Plan& plan = *p.plan;
    const int64_t ci = p.in_channels, co = p.out_channels;
    const int64_t px = plan.out_pixels(), in_plane = plan.in_pixels();
    const PhasedCall call(p);
    const int T = call.T;
    std::vector<PhaseWorkspace> ws(threads());
    for (PhaseWorkspace& w : ws) {
        w.reserve(plan, call, p, T);
        w.cols.resize(ci * call.max_rows * T);
        w.out.resize(co * T);
    }
    std::atomic<int> failed{0};
    for_each_tile(plan.batch, px, T, [&](int64_t n, int64_t t0, int len, int tid) {
        PhaseWorkspace& w = ws[tid];
        TileView K = tile_kernel(plan, call.src, n, t0, len, w.tile);
        group_by_phase(plan, t0, len, w);
        const float* input = p.input + n * ci * in_plane;
        float* out = output + n * co * px + t0;
        for_each_class(call.classes, w, [&](const PhaseClass& pc, const int* pix, int G) {
            const int64_t nv = int64_t(pc.taps.size()), rows = ci * nv;
            float* cols = w.cols.data();
            compact_class(pc.taps, pix, G, w.tile.in_offsets(), len, K, w);
            gather_phase(input, in_plane, ci, nv, w.offsets(), w.class_k.data(), G, cols);
            float* o = w.out.data();
            if (p.shared_filters) {
                for (int64_t c = 0; c < co; ++c) {
                    float* oc = o + c * G;
                    std::fill(oc, oc + G, 0.f);
                    for (int64_t v = 0; v < nv; ++v) {
                        const float wv = pc.weight[v];
                        const float* col = cols + (c * nv + v) * G;
                        for (int g = 0; g < G; ++g) oc[g] += wv * col[g];
                    }
                }
            } else {
                sgemm('N', 'N', co, G, rows, pc.weight.data(), rows, cols, G, 0.f, o, G, failed);
            }
            for (int64_t c = 0; c < co; ++c) {
                const float b = p.bias ? p.bias[c] : 0.f;
                for (int g = 0; g < G; ++g) out[c * px + pix[g]] = o[c * G + g] + b;
            }
        });
    });
    if (failed) throw Error(JPAC_ERR_BACKEND, "oneDNN sgemm failed");
}

void phased_conv_backward(const ConvProblem& p, const float* grad_output, const ConvGrads& g) {
    const Plan& plan = *p.plan;
    const int kk = plan.kk();
    const int64_t ci = p.in_channels, co = p.out_channels;
    const int64_t px = plan.out_pixels(), in_plane = plan.in_pixels();
    const int64_t wsize = p.shared_filters ? kk : co * ci * kk;
    const PhasedCall call(p);
    const int T = call.T;
    std::vector<PhaseWorkspace> ws(threads());
    for (PhaseWorkspace& w : ws) {
        w.reserve(plan, call, p, T);
        w.class_gk.resize(call.max_rows * T);
        w.cols.resize(ci * call.max_rows * T);  // dL/dcols
        w.taps.resize(ci * call.max_rows * T);
        w.gout.resize(co * T);
        if (g.weight) {
            w.grad_weight.resize(wsize);
            w.grad_weight.zero();
            w.gweight_tmp.resize(p.shared_filters ? call.max_rows : co * ci * call.max_rows);
        }
        if (g.bias) { w.grad_bias.resize(co); w.grad_bias.zero(); }
    }
    zero_scattered_grads(p, g);
    std::atomic<int> failed{0};
    for_each_tile_scatter_safe(plan, T, [&](int64_t n, int64_t t0, int len, int tid) {
        PhaseWorkspace& w = ws[tid];
        TileView K = tile_kernel(plan, call.src, n, t0, len, w.tile);
        TileView gK = tile_kernel_grad(plan, call.src, n, t0, len, w.tile);
        if (gK.ptr != nullptr)  // taps that read inserted zeros get no gradient
            for (int ij = 0; ij < kk; ++ij) std::fill(gK.row(ij), gK.row(ij) + len, 0.f);
        group_by_phase(plan, t0, len, w);
        const int* in_off = w.tile.in_offsets();
        const float* input = p.input + n * ci * in_plane;
        const float* gout_tile = grad_output + n * co * px + t0;
        if (g.bias)
            for (int64_t c = 0; c < co; ++c) {
                float s = 0.f;
                for (int t = 0; t < len; ++t) s += gout_tile[c * px + t];
                w.grad_bias.data()[c] += s;
            }
        for_each_class(call.classes, w, [&](const PhaseClass& pc, const int* pix, int G) {
            const int64_t nv = int64_t(pc.taps.size()), rows = ci * nv;
            if (nv == 0) return;  // outputs that only see inserted zeros: bias alone
            float* go = w.gout.data();
            for (int64_t c = 0; c < co; ++c)
                for (int gi = 0; gi < G; ++gi) go[c * G + gi] = gout_tile[c * px + pix[gi]];
            // dL/dcols = W^T dL/dout
            float* gcols = w.cols.data();
            if (p.shared_filters) {
                for (int64_t c = 0; c < co; ++c)
                    for (int64_t v = 0; v < nv; ++v)
                        for (int gi = 0; gi < G; ++gi) gcols[(c * nv + v) * G + gi] = pc.weight[v] * go[c * G + gi];
            } else {
                sgemm('T', 'N', rows, G, co, pc.weight.data(), rows, go, G, 0.f, gcols, G, failed);
            }
            float* taps = w.taps.data();
            compact_class(pc.taps, pix, G, in_off, len, K, w);
            const int* off = w.offsets();
            const float* kc = w.class_k.data();
            gather_phase(input, in_plane, ci, nv, off, nullptr, G, taps);
            if (g.input)
                for (int64_t c = 0; c < ci; ++c) {
                    float* gi_plane = g.input + (n * ci + c) * in_plane;
                    for (int64_t v = 0; v < nv; ++v) {
                        const float* gc = gcols + (c * nv + v) * G;
                        const int* o = off + v * G;
                        const float* k = kc + v * G;
                        for (int gi = 0; gi < G; ++gi)
                            if (o[gi] >= 0) gi_plane[o[gi]] += gc[gi] * k[gi];
                    }
                }
            if (gK.ptr != nullptr) {
                float* gkc = w.class_gk.data();
                std::fill(gkc, gkc + nv * G, 0.f);
                for (int64_t c = 0; c < ci; ++c)
                    for (int64_t v = 0; v < nv; ++v) {
                        const float* gc = gcols + (c * nv + v) * G;
                        const float* tp = taps + (c * nv + v) * G;
                        float* gk = gkc + v * G;
                        for (int gi = 0; gi < G; ++gi) gk[gi] += gc[gi] * tp[gi];
                    }
                for (int64_t v = 0; v < nv; ++v) {
                    float* row = gK.row(pc.taps[v]);
                    for (int gi = 0; gi < G; ++gi) row[pix[gi]] = gkc[v * G + gi];
                }
            }
            if (g.weight) {
                // taps become the columns (times K); dL/dW of the class's taps
                for (int64_t c = 0; c < ci; ++c)
                    for (int64_t v = 0; v < nv; ++v) {
                        const float* k = kc + v * G;
                        float* tp = taps + (c * nv + v) * G;
                        for (int gi = 0; gi < G; ++gi) tp[gi] *= k[gi];
                    }
                float* gw = w.grad_weight.data();
                if (p.shared_filters) {
                    for (int64_t v = 0; v < nv; ++v) {
                        float s = 0.f;
                        for (int64_t c = 0; c < co; ++c) {
                            const float* col = taps + (c * nv + v) * G;
                            for (int gi = 0; gi < G; ++gi) s += go[c * G + gi] * col[gi];
                        }
                        gw[pc.taps[v]] += s;
                    }
                } else {
                    float* tmp = w.gweight_tmp.data();
                    sgemm('N', 'T', co, rows, G, go, G, taps, G, 0.f, tmp, rows, failed);
                    for (int64_t o = 0; o < co; ++o)
                        for (int64_t c = 0; c < ci; ++c)
                            for (int64_t v = 0; v < nv; ++v)
                                gw[(o * ci + c) * kk + pc.taps[v]] += tmp[(o * ci + c) * nv + v];
                }
            }
        });
        if (gK.ptr != nullptr) tile_kernel_backward(call.src, n, t0, len, w.tile);
    });
    if (failed) throw Error(JPAC_ERR_BACKEND, "oneDNN sgemm failed");
    sum_thread_grads(ws, p, g, wsize);
}

}  // namespace jpac::cpu
