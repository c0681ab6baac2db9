// ctest: finite-difference checks of the emulated CUDA kernels' gradients on
// seeded random cases beyond the golden files (inv kernels with smoothing and
// normalisation, masks, channel-wise, guided transposed with stride and
// dilation, shared filters). For L = sum(out * R), each sampled element of
// each gradient must match (L(x + h) - L(x - h)) / 2h computed in double from
// the float outputs, in two thread orders.
#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "golden_ops.hpp"

using namespace jpac;
using test::Buffer;

namespace {

std::mt19937 rng(20261129);

void fill(Buffer& b, float lo, float hi) {
    std::uniform_real_distribution<float> d(lo, hi);
    for (float& v : b.values) v = d(rng);
}

double dot(const Buffer& a, const Buffer& r) {
    double s = 0;
    for (size_t i = 0; i < a.values.size(); ++i) s += double(a.values[i]) * r.values[i];
    return s;
}

int failures = 0, checks = 0;

// forward() fills the output; the gradient of x is in grad after backward().
void check_gradient(const std::string& what, Buffer& x, const Buffer& grad, const std::function<double()>& loss,
                    double h = 1e-2) {
    std::uniform_int_distribution<size_t> pick(0, x.values.size() - 1);
    const int samples = int(std::min<size_t>(6, x.values.size()));
    double worst = 0;
    for (int s = 0; s < samples; ++s) {
        const size_t i = pick(rng);
        const float keep = x.values[i];
        x.values[i] = keep + float(h);
        const double up = loss();
        x.values[i] = keep - float(h);
        const double down = loss();
        x.values[i] = keep;
        const double fd = (up - down) / (2 * h), an = grad.values[i];
        const double err = std::fabs(fd - an) / std::max(1.0, std::fabs(fd));
        worst = std::max(worst, err);
    }
    ++checks;
    const bool ok = worst <= 2e-2;
    if (!ok) ++failures;
    std::printf("%-60s max rel. error %.2e %s\n", what.c_str(), worst, ok ? "ok" : "FAILED");
}

void kernel2d_case(const char* name, jpac_options o, bool inv, int m, bool mask, int channels) {
    const int B = 2, H = 9, W = 11;
    Buffer guide({B, channels, H, W});
    fill(guide, -1.f, 1.f);
    Buffer alpha({o.channel_wise ? channels : 1}), lambda({o.channel_wise ? channels : 1});
    fill(alpha, 0.2f, 0.6f);
    fill(lambda, 2.2f, 3.0f);  // E^(lambda/2) is smooth at E = 0 only for lambda >= 2
    Buffer smooth({m > 0 ? m : 1, m > 0 ? m : 1});
    fill(smooth, 0.f, 0.3f);
    const int in_h = o.transposed ? cuda::transposed_in_size(H, o.kernel_h, o.stride_h, o.pad_h, o.dilation_h, o.output_padding_h) : H;
    const int in_w = o.transposed ? cuda::transposed_in_size(W, o.kernel_w, o.stride_w, o.pad_w, o.dilation_w, o.output_padding_w) : W;
    Buffer maskb({B, 1, in_h, in_w});
    for (float& v : maskb.values) v = (rng() % 4 == 0) ? 0.f : 1.f;
    const cuda::Geometry g = cuda::make_geometry(o, o.transposed, B, in_h, in_w, m);
    const int ck = o.channel_wise ? channels : 1;
    Buffer out({B, ck, o.kernel_h, o.kernel_w, g.r.out, g.c.out}), omask({B, 1, 1, 1, g.r.out, g.c.out});
    Buffer R(std::vector<int64_t>(out.t.shape, out.t.shape + 6));
    fill(R, -1.f, 1.f);
    const jpac_tensor* A = inv ? &alpha.t : nullptr;
    const jpac_tensor* L = inv ? &lambda.t : nullptr;
    const jpac_tensor* S = m > 0 ? &smooth.t : nullptr;
    const jpac_tensor* M = mask ? &maskb.t : nullptr;
    auto loss = [&] {
        auto r = cuda::kernel2d_forward(o, &guide.t, A, L, S, M, &out.t, mask ? &omask.t : nullptr, nullptr);
        if (r.status != JPAC_OK) throw std::runtime_error(r.message);
        return dot(out, R);
    };
    Buffer gg({B, channels, H, W}), ga({alpha.values.size() > 0 ? int64_t(alpha.values.size()) : 1}),
        gl({int64_t(lambda.values.size())}), gs({m > 0 ? m : 1, m > 0 ? m : 1});
    auto r = cuda::kernel2d_backward(o, &guide.t, A, L, S, M, &R.t, &gg.t, inv ? &ga.t : nullptr,
                                     inv ? &gl.t : nullptr, m > 0 ? &gs.t : nullptr, nullptr);
    if (r.status != JPAC_OK) throw std::runtime_error(r.message);
    check_gradient(std::string(name) + ": guide", guide, gg, loss);
    if (inv) {
        check_gradient(std::string(name) + ": alpha", alpha, ga, loss);
        check_gradient(std::string(name) + ": lambda", lambda, gl, loss);
    }
    if (m > 0) check_gradient(std::string(name) + ": smoothing kernel", smooth, gs, loss);
}

void conv_case(const char* name, jpac_options o, bool transposed, bool inv, int m, bool shared) {
    const int B = 2, Ci = 5, Co = shared ? 5 : 10, H = 7, W = 9, Cg = 3;
    Buffer input({B, Ci, H, W});
    fill(input, -1.f, 1.f);
    const cuda::Geometry g = cuda::make_geometry(o, transposed, B, H, W, m);
    Buffer guide({B, Cg, g.r.guide, g.c.guide});
    fill(guide, -1.f, 1.f);
    Buffer weight(shared ? std::vector<int64_t>{1, 1, o.kernel_h, o.kernel_w}
                         : transposed ? std::vector<int64_t>{Ci, Co, o.kernel_h, o.kernel_w}
                                      : std::vector<int64_t>{Co, Ci, o.kernel_h, o.kernel_w});
    fill(weight, -0.5f, 0.5f);
    Buffer bias({Co}), alpha({1}), lambda({1}), smooth({m > 0 ? m : 1, m > 0 ? m : 1});
    fill(bias, -0.5f, 0.5f);
    fill(alpha, 0.2f, 0.6f);
    fill(lambda, 2.2f, 3.0f);  // E^(lambda/2) is smooth at E = 0 only for lambda >= 2
    fill(smooth, 0.f, 0.3f);
    o.shared_filters = shared;
    cuda::ConvCall c{&o, transposed, false, &input.t, &weight.t, &bias.t, nullptr, &guide.t,
                     inv ? &alpha.t : nullptr, inv ? &lambda.t : nullptr, m > 0 ? &smooth.t : nullptr};
    Buffer out({B, Co, g.r.out, g.c.out}), R({B, Co, g.r.out, g.c.out});
    fill(R, -1.f, 1.f);
    auto loss = [&] {
        auto r = cuda::conv_forward(c, &out.t, nullptr);
        if (r.status != JPAC_OK) throw std::runtime_error(r.message);
        return dot(out, R);
    };
    Buffer gi({B, Ci, H, W}), gw(std::vector<int64_t>(weight.t.shape, weight.t.shape + 4)), gb({Co}),
        gg({B, Cg, g.r.guide, g.c.guide}), ga({1}), gl({1}), gs({m > 0 ? m : 1, m > 0 ? m : 1});
    cuda::ConvGrads d{&gi.t, &gw.t, &gb.t, nullptr, &gg.t, inv ? &ga.t : nullptr, inv ? &gl.t : nullptr,
                      m > 0 ? &gs.t : nullptr};
    auto r = cuda::conv_backward(c, &R.t, d, nullptr);
    if (r.status != JPAC_OK) throw std::runtime_error(r.message);
    check_gradient(std::string(name) + ": input", input, gi, loss);
    check_gradient(std::string(name) + ": weight", weight, gw, loss);
    check_gradient(std::string(name) + ": bias", bias, gb, loss);
    check_gradient(std::string(name) + ": guide", guide, gg, loss);
    if (inv) {
        check_gradient(std::string(name) + ": alpha", alpha, ga, loss);
        check_gradient(std::string(name) + ": lambda", lambda, gl, loss);
    }
    if (m > 0) check_gradient(std::string(name) + ": smoothing kernel", smooth, gs, loss);
}

void pool_case(const char* name, jpac_options o, bool inv) {
    const int B = 2, C = 3, H = 8, W = 9;
    Buffer input({B, C, H, W}), guide({B, C, H, W});
    fill(input, -1.f, 1.f);
    fill(guide, -1.f, 1.f);
    const int np = o.channel_wise ? C : 1;
    Buffer alpha({np}), lambda({np});
    fill(alpha, 0.2f, 0.6f);
    fill(lambda, 2.2f, 3.0f);
    const cuda::Geometry g = cuda::make_geometry(o, false, B, H, W, 0);
    cuda::ConvCall c{&o, false, true, &input.t, nullptr, nullptr, nullptr, &guide.t,
                     inv ? &alpha.t : nullptr, inv ? &lambda.t : nullptr, nullptr};
    Buffer out({B, C, g.r.out, g.c.out}), R({B, C, g.r.out, g.c.out});
    fill(R, -1.f, 1.f);
    auto loss = [&] {
        auto r = cuda::conv_forward(c, &out.t, nullptr);
        if (r.status != JPAC_OK) throw std::runtime_error(r.message);
        return dot(out, R);
    };
    Buffer gi({B, C, H, W}), gg({B, C, H, W}), ga({np}), gl({np});
    cuda::ConvGrads d{&gi.t, nullptr, nullptr, nullptr, &gg.t, inv ? &ga.t : nullptr, inv ? &gl.t : nullptr, nullptr};
    auto r = cuda::conv_backward(c, &R.t, d, nullptr);
    if (r.status != JPAC_OK) throw std::runtime_error(r.message);
    check_gradient(std::string(name) + ": input", input, gi, loss);
    check_gradient(std::string(name) + ": guide", guide, gg, loss);
    if (inv) {
        check_gradient(std::string(name) + ": alpha", alpha, ga, loss);
        check_gradient(std::string(name) + ": lambda", lambda, gl, loss);
    }
}

jpac_options opts(int k, int s, int p, int d, int op = 0) {
    jpac_options o{};
    o.kernel_h = o.kernel_w = k;
    o.stride_h = o.stride_w = s;
    o.pad_h = o.pad_w = p;
    o.dilation_h = o.dilation_w = d;
    o.output_padding_h = o.output_padding_w = op;
    return o;
}

}  // namespace

int main() {
    for (emu::Order order : {emu::Order::forward, emu::Order::random}) {
        emu::set_order(order, 99);
        std::printf("-- thread order: %s\n", emu::order_name(order));
        try {
            jpac_options o = opts(5, 1, 2, 1);
            kernel2d_case("kernel2d gaussian 5x5", o, false, 0, false, 3);
            o = opts(3, 2, 2, 2);
            o.kernel_type = JPAC_KERNEL_INV;
            o.normalize_kernel = 1;
            kernel2d_case("kernel2d inv, full_3 smoothing, normalised, s2 d2", o, true, 3, false, 4);
            o = opts(3, 1, 1, 1);
            o.kernel_type = JPAC_KERNEL_INV;
            o.channel_wise = 1;
            kernel2d_case("kernel2d inv channel-wise, per-channel alpha/lambda", o, true, 0, false, 3);
            o = opts(3, 1, 1, 1);
            kernel2d_case("kernel2d gaussian with a mask", o, false, 0, true, 2);
            o = opts(3, 2, 1, 1, 1);
            o.transposed = 1;
            o.normalize_kernel = 1;
            kernel2d_case("kernel2d transposed, normalised, with a mask", o, false, 0, true, 2);
            o = opts(3, 1, 1, 1);
            conv_case("conv2d guided 3x3, 10 outputs (2 blocks)", o, false, false, 0, false);
            o = opts(5, 2, 3, 2);
            o.kernel_type = JPAC_KERNEL_INV;
            conv_case("conv2d guided inv, full_3 smoothing, s2 d2", o, false, true, 3, false);
            o = opts(3, 2, 1, 1, 1);
            o.normalize_kernel = 1;
            conv_case("conv_transpose2d guided s2 op1, normalised", o, true, false, 0, false);
            o = opts(3, 1, 1, 2);
            conv_case("conv2d guided shared filters, dilation 2", o, false, false, 0, true);
            o = opts(3, 2, 1, 1);
            o.normalize_kernel = 1;
            pool_case("pool2d guided, normalised, stride 2", o, false);
            o = opts(5, 1, 2, 1);
            o.kernel_type = JPAC_KERNEL_INV;
            o.channel_wise = 1;
            pool_case("pool2d guided inv channel-wise", o, true);
        } catch (const std::exception& e) {
            std::printf("ERROR: %s\n", e.what());
            return 1;
        }
    }
    std::printf("%d gradient checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
