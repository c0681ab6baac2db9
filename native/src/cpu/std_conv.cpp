#include "cpu/std_conv.hpp"

#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "api/error.hpp"
#include "oneapi/dnnl/dnnl.hpp"

namespace jpac::cpu {

namespace {

using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

dnnl::engine& engine() {
    static dnnl::engine e(dnnl::engine::kind::cpu, 0);
    return e;
}

struct Descs {
    dnnl::memory::desc src, wei, bias, dst;
    dnnl::memory::dims strides, dilates, pad;
};

Descs descs(const StdConvShape& s) {
    Descs d;
    d.src = dnnl::memory::desc({s.batch, s.in_channels, s.h, s.w}, dt::f32, tag::nchw);
    d.wei = dnnl::memory::desc({s.out_channels, s.in_channels, s.kh, s.kw}, dt::f32, tag::oihw);
    d.bias = dnnl::memory::desc({s.out_channels}, dt::f32, tag::x);
    d.dst = dnnl::memory::desc({s.batch, s.out_channels, s.out_h, s.out_w}, dt::f32, tag::nchw);
    d.strides = {s.stride_h, s.stride_w};
    d.dilates = {s.dilation_h - 1, s.dilation_w - 1};  // oneDNN counts dilation from 0
    d.pad = {s.pad_h, s.pad_w};
    return d;
}

using Key = std::tuple<int64_t, int64_t, int64_t, int64_t, int64_t, int, int, int, int, int, int, int, int, bool>;

Key key(const StdConvShape& s, bool bias) {
    return {s.batch, s.in_channels, s.out_channels, s.h, s.w, s.kh, s.kw, s.stride_h, s.stride_w,
            s.pad_h, s.pad_w, s.dilation_h, s.dilation_w, bias};
}

// Primitive creation costs far more than a small convolution: cache per shape.
struct Primitives {
    dnnl::convolution_forward::primitive_desc fwd_pd;
    dnnl::convolution_forward fwd;
    dnnl::convolution_backward_data bwd_data;
    dnnl::convolution_backward_weights bwd_weights;
};

std::mutex cache_mutex;
std::map<Key, std::shared_ptr<Primitives>> cache;

std::shared_ptr<Primitives> primitives(const StdConvShape& s, bool bias) {
    std::lock_guard<std::mutex> lock(cache_mutex);
    auto& slot = cache[key(s, bias)];
    if (slot) return slot;
    Descs d = descs(s);
    auto p = std::make_shared<Primitives>();
    p->fwd_pd = dnnl::convolution_forward::primitive_desc(
        engine(), dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, d.src, d.wei,
        bias ? d.bias : dnnl::memory::desc(), d.dst, d.strides, d.dilates, d.pad, d.pad);
    p->fwd = dnnl::convolution_forward(p->fwd_pd);
    auto bd = dnnl::convolution_backward_data::primitive_desc(engine(), dnnl::algorithm::convolution_direct, d.src,
                                                              d.wei, d.dst, d.strides, d.dilates, d.pad, d.pad,
                                                              p->fwd_pd);
    p->bwd_data = dnnl::convolution_backward_data(bd);
    auto bw = dnnl::convolution_backward_weights::primitive_desc(
        engine(), dnnl::algorithm::convolution_direct, d.src, d.wei, d.bias, d.dst, d.strides, d.dilates, d.pad,
        d.pad, p->fwd_pd);
    p->bwd_weights = dnnl::convolution_backward_weights(bw);
    if (cache.size() > 64) cache.clear();  // bound the cache; shapes rarely vary this much
    slot = p;
    return p;
}

dnnl::memory wrap(const dnnl::memory::desc& d, const float* data) {
    return dnnl::memory(d, engine(), const_cast<float*>(data));
}

template <typename Body>
void with_dnnl(Body&& body) {
    try {
        body();
    } catch (const dnnl::error& e) {
        throw Error(JPAC_ERR_BACKEND, std::string("oneDNN: ") + e.what());
    }
}

}  // namespace

void std_conv_forward(const StdConvShape& s, const float* input, const float* weight, const float* bias,
                      float* output) {
    with_dnnl([&] {
        auto p = primitives(s, bias != nullptr);
        Descs d = descs(s);
        dnnl::stream stream(engine());
        std::unordered_map<int, dnnl::memory> args = {
            {DNNL_ARG_SRC, wrap(d.src, input)}, {DNNL_ARG_WEIGHTS, wrap(d.wei, weight)},
            {DNNL_ARG_DST, wrap(d.dst, output)}};
        if (bias != nullptr) args[DNNL_ARG_BIAS] = wrap(d.bias, bias);
        p->fwd.execute(stream, args);
        stream.wait();
    });
}

void std_conv_backward(const StdConvShape& s, const float* input, const float* weight, const float* grad_output,
                       float* grad_input, float* grad_weight, float* grad_bias) {
    with_dnnl([&] {
        auto p = primitives(s, false);
        Descs d = descs(s);
        dnnl::stream stream(engine());
        if (grad_input != nullptr)
            p->bwd_data.execute(stream, {{DNNL_ARG_DIFF_DST, wrap(d.dst, grad_output)},
                                         {DNNL_ARG_WEIGHTS, wrap(d.wei, weight)},
                                         {DNNL_ARG_DIFF_SRC, wrap(d.src, grad_input)}});
        if (grad_weight != nullptr || grad_bias != nullptr) {
            std::vector<float> wscratch, bscratch;
            float* gw = grad_weight;
            float* gb = grad_bias;
            if (gw == nullptr) { wscratch.resize(size_t(s.out_channels * s.in_channels * s.kh * s.kw)); gw = wscratch.data(); }
            if (gb == nullptr) { bscratch.resize(size_t(s.out_channels)); gb = bscratch.data(); }
            p->bwd_weights.execute(stream, {{DNNL_ARG_DIFF_DST, wrap(d.dst, grad_output)},
                                            {DNNL_ARG_SRC, wrap(d.src, input)},
                                            {DNNL_ARG_DIFF_WEIGHTS, wrap(d.wei, gw)},
                                            {DNNL_ARG_DIFF_BIAS, wrap(d.bias, gb)}});
        }
        stream.wait();
    });
}

const char* onednn_version() {
    static char text[32];
    static std::once_flag once;
    std::call_once(once, [] {
        const dnnl_version_t* v = dnnl_version();
        std::snprintf(text, sizeof text, "%d.%d.%d", v->major, v->minor, v->patch);
    });
    return text;
}

}  // namespace jpac::cpu
