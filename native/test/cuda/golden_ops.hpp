// Runs one golden op case (../shared/golden/ops) through the CUDA kernels'
// host launchers, compiled against the emulator: forward and every gradient
// the file holds, compared with SPEC's tolerance
// max|got - want| <= 1e-4 * max(1, max|want|).
#pragma once
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cuda/kernels/launch.hpp"
#include "safetensors.hpp"

namespace jpac::test {

// A float tensor in host memory (the emulator's "device" memory).
struct Buffer {
    std::vector<float> values;
    jpac_tensor t{};
    Buffer(const std::vector<int64_t>& shape) {
        size_t n = 1;
        for (int64_t d : shape) n *= size_t(d);
        values.assign(n, 0.f);
        t.ndim = int(shape.size());
        for (size_t i = 0; i < shape.size(); ++i) t.shape[i] = shape[i];
        t.data = values.data();
        t.device_type = JPAC_DEVICE_CUDA;
    }
    explicit Buffer(const HostTensor& h) : Buffer(h.shape) {
        for (size_t i = 0; i < values.size(); ++i) values[i] = float(h.values[i]);
    }
};

struct Tensors {
    std::map<std::string, std::unique_ptr<Buffer>> held;
    const jpac_tensor* input(const SafeTensors& f, const std::string& name) {
        if (!f.has(name)) return nullptr;
        held[name] = std::make_unique<Buffer>(f.at(name));
        return &held[name]->t;
    }
    // An output shaped like the expected tensor `like`, or null if the file has none.
    const jpac_tensor* output(const SafeTensors& f, const std::string& like) {
        if (!f.has(like)) return nullptr;
        held["got." + like] = std::make_unique<Buffer>(f.at(like).shape);
        return &held["got." + like]->t;
    }
    const Buffer* got(const std::string& like) const {
        auto it = held.find("got." + like);
        return it == held.end() ? nullptr : it->second.get();
    }
};

inline void pair_of(const Json& params, const char* key, int fallback, int32_t* h, int32_t* w) {
    if (!params.has(key)) {
        *h = *w = fallback;
        return;
    }
    const Json& v = params.at(key);
    if (v.kind == Json::array) {
        *h = int32_t(v.items.at(0).num);
        *w = int32_t(v.items.at(1).num);
    } else {
        *h = *w = int32_t(v.num);
    }
}

inline bool flag(const Json& params, const char* key) { return params.has(key) && params.at(key).b; }

inline jpac_options options_of(const Json& params) {
    jpac_options o{};
    pair_of(params, "kernel_size", 1, &o.kernel_h, &o.kernel_w);
    pair_of(params, "stride", 1, &o.stride_h, &o.stride_w);
    pair_of(params, "padding", 0, &o.pad_h, &o.pad_w);
    pair_of(params, "dilation", 1, &o.dilation_h, &o.dilation_w);
    pair_of(params, "output_padding", 0, &o.output_padding_h, &o.output_padding_w);
    const std::string type = params.has("kernel_type") ? params.at("kernel_type").str : "gaussian";
    o.kernel_type = type.rfind("inv_", 0) == 0 ? JPAC_KERNEL_INV : JPAC_KERNEL_GAUSSIAN;
    o.asymmetric = type.find("_asym") != std::string::npos;
    o.channel_wise = flag(params, "channel_wise");
    o.normalize_kernel = flag(params, "normalize_kernel");
    o.transposed = flag(params, "transposed");
    o.shared_filters = flag(params, "shared_filters");
    return o;
}

struct Comparison {
    std::string name;
    double error = 0, bound = 0;
    bool ok = false;
};

inline Comparison compare(const std::string& name, const Buffer* got, const HostTensor& want) {
    Comparison c;
    c.name = name;
    double peak = 0;
    for (double v : want.values) peak = std::max(peak, std::fabs(v));
    c.bound = 1e-4 * std::max(1.0, peak);
    if (got == nullptr || got->values.size() != want.values.size()) {
        c.error = INFINITY;
        return c;
    }
    for (size_t i = 0; i < want.values.size(); ++i) {
        const double d = std::fabs(double(got->values[i]) - want.values[i]);
        if (!(d <= c.error)) c.error = std::isnan(d) ? INFINITY : std::max(c.error, d);
    }
    c.ok = c.error <= c.bound;
    return c;
}

// Runs a case; returns the comparisons (empty + message on an unsupported op).
inline std::vector<Comparison> run_golden_case(const SafeTensors& f, std::string* skipped) {
    const std::string op = f.metadata.at("op");
    const jpac_options o = options_of(Json::parse(f.metadata.at("params")));
    Tensors T;
    cuda::LaunchResult fwd, bwd;
    std::vector<std::string> expected;
    if (op == "kernel2d") {
        auto guide = T.input(f, "guide");
        auto alpha = T.input(f, "inv_alpha"), lambda = T.input(f, "inv_lambda");
        auto smooth = T.input(f, "smooth_kernel"), mask = T.input(f, "mask");
        fwd = cuda::kernel2d_forward(o, guide, alpha, lambda, smooth, mask, T.output(f, "output"),
                                     T.output(f, "output_mask"), nullptr);
        bwd = cuda::kernel2d_backward(o, guide, alpha, lambda, smooth, mask, T.input(f, "grad_output"),
                                      T.output(f, "grad_guide"), T.output(f, "grad_inv_alpha"),
                                      T.output(f, "grad_inv_lambda"), T.output(f, "grad_smooth_kernel"), nullptr);
        expected = {"output", "output_mask", "grad_guide", "grad_inv_alpha", "grad_inv_lambda", "grad_smooth_kernel"};
    } else if (op == "conv2d" || op == "conv_transpose2d" || op == "conv2d_guided" ||
               op == "conv_transpose2d_guided") {
        cuda::ConvCall c{};
        c.options = &o;
        c.transposed = op.rfind("conv_transpose2d", 0) == 0;
        c.input = T.input(f, "input");
        c.weight = T.input(f, "weight");
        c.bias = T.input(f, "bias");
        c.kernel = T.input(f, "kernel");
        c.guide = T.input(f, "guide");
        c.alpha = T.input(f, "inv_alpha");
        c.lambda = T.input(f, "inv_lambda");
        c.smooth = T.input(f, "smooth_kernel");
        fwd = cuda::conv_forward(c, T.output(f, "output"), nullptr);
        cuda::ConvGrads d{};
        d.grad_input = T.output(f, "grad_input");
        d.grad_weight = T.output(f, "grad_weight");
        d.grad_bias = T.output(f, "grad_bias");
        d.grad_kernel = T.output(f, "grad_kernel");
        d.grad_guide = T.output(f, "grad_guide");
        bwd = cuda::conv_backward(c, T.input(f, "grad_output"), d, nullptr);
        expected = {"output", "grad_input", "grad_weight", "grad_bias", "grad_kernel", "grad_guide"};
    } else if (op == "pool2d" || op == "pool2d_guided") {
        cuda::ConvCall c{};
        c.options = &o;
        c.pool = true;
        c.input = T.input(f, "input");
        c.kernel = T.input(f, "kernel");
        c.guide = T.input(f, "guide");
        c.alpha = T.input(f, "inv_alpha");
        c.lambda = T.input(f, "inv_lambda");
        c.smooth = T.input(f, "smooth_kernel");
        fwd = cuda::conv_forward(c, T.output(f, "output"), nullptr);
        cuda::ConvGrads d{};
        d.grad_input = T.output(f, "grad_input");
        d.grad_kernel = T.output(f, "grad_kernel");
        d.grad_guide = T.output(f, "grad_guide");
        bwd = cuda::conv_backward(c, T.input(f, "grad_output"), d, nullptr);
        expected = {"output", "grad_input", "grad_kernel", "grad_guide"};
    } else {
        *skipped = "op " + op + " is not in the CUDA kernels yet";
        return {};
    }
    if (fwd.status != JPAC_OK || bwd.status != JPAC_OK) {
        *skipped = fwd.status != JPAC_OK ? fwd.message : bwd.message;
        return {};
    }
    std::vector<Comparison> out;
    for (const std::string& name : expected)
        if (f.has(name)) out.push_back(compare(name, T.got(name), f.at(name)));
    return out;
}

}  // namespace jpac::test
