#include "cpu/std_conv.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "api/error.hpp"
#include "cpu/scratch.hpp"
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

// An axis with one output reads only its first window, whatever the stride:
// the smallest stride that still gives one output is used instead (oneDNN's
// backward-data kernels crashed, or ran for minutes, at strides near 65535).
int64_t effective_stride(int64_t stride, int64_t out, int64_t in, int64_t pad, int64_t k, int64_t dilation) {
    if (out != 1) return stride;
    const int64_t beyond = in + 2 * pad - ((k - 1) * dilation + 1);  // room past the first window
    return std::min<int64_t>(stride, std::max<int64_t>(1, beyond + 1));
}

Descs descs(const StdConvShape& s) {
    Descs d;
    d.src = dnnl::memory::desc({s.batch, s.in_channels, s.h, s.w}, dt::f32, tag::nchw);
    d.wei = dnnl::memory::desc({s.out_channels, s.in_channels, s.kh, s.kw}, dt::f32, tag::oihw);
    d.bias = dnnl::memory::desc({s.out_channels}, dt::f32, tag::x);
    d.dst = dnnl::memory::desc({s.batch, s.out_channels, s.out_h, s.out_w}, dt::f32, tag::nchw);
    d.strides = {effective_stride(s.stride_h, s.out_h, s.h, s.pad_h, s.kh, s.dilation_h),
                 effective_stride(s.stride_w, s.out_w, s.w, s.pad_w, s.kw, s.dilation_w)};
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
    dnnl::convolution_backward_data::primitive_desc bwd_data_pd;
    dnnl::convolution_backward_data bwd_data;
    dnnl::convolution_backward_weights::primitive_desc bwd_weights_pd;
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
    auto any = [](const dnnl::memory::desc& m) { return dnnl::memory::desc(m.get_dims(), dt::f32, tag::any); };
    p->fwd_pd = dnnl::convolution_forward::primitive_desc(
        engine(), dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, any(d.src), any(d.wei),
        bias ? d.bias : dnnl::memory::desc(), any(d.dst), d.strides, d.dilates, d.pad, d.pad);
    p->fwd = dnnl::convolution_forward(p->fwd_pd);
    auto bd = dnnl::convolution_backward_data::primitive_desc(engine(), dnnl::algorithm::convolution_direct,
                                                              any(d.src), any(d.wei), any(d.dst), d.strides,
                                                              d.dilates, d.pad, d.pad, p->fwd_pd);
    p->bwd_data_pd = bd;
    p->bwd_data = dnnl::convolution_backward_data(bd);
    auto bw = dnnl::convolution_backward_weights::primitive_desc(
        engine(), dnnl::algorithm::convolution_direct, any(d.src), any(d.wei), d.bias, any(d.dst), d.strides,
        d.dilates, d.pad, d.pad, p->fwd_pd);
    p->bwd_weights_pd = bw;
    p->bwd_weights = dnnl::convolution_backward_weights(bw);
    if (cache.size() > 64) cache.clear();  // bound the cache; shapes rarely vary this much
    slot = p;
    return p;
}

dnnl::memory wrap(const dnnl::memory::desc& d, const float* data) {
    return dnnl::memory(d, engine(), const_cast<float*>(data));
}

// The primitive's preferred layout of a plain NCHW / OIHW tensor (a reorder
// when it differs, as any caller holding NCHW tensors would need).
// Reorder primitives, cached like the convolutions: creating one costs more
// than running it on a small tensor.
dnnl::reorder reorder_between(const dnnl::memory::desc& from, const dnnl::memory::desc& to) {
    static std::mutex mutex;
    static std::vector<std::tuple<dnnl::memory::desc, dnnl::memory::desc, dnnl::reorder>> cache;
    std::lock_guard<std::mutex> lock(mutex);
    for (const auto& [a, b, r] : cache)
        if (a == from && b == to) return r;
    if (cache.size() >= 256) cache.clear();
    cache.emplace_back(from, to, dnnl::reorder(dnnl::reorder::primitive_desc(engine(), from, engine(), to)));
    return std::get<2>(cache.back());
}

void reorder(dnnl::stream& stream, const dnnl::memory& from, const dnnl::memory& to) {
    reorder_between(from.get_desc(), to.get_desc()).execute(stream, const_cast<dnnl::memory&>(from),
                                                            const_cast<dnnl::memory&>(to));
}

// A oneDNN memory of layout `want` over a scratch buffer: memory that oneDNN
// allocates itself is mapped fresh (and page-faulted in) on every call, the
// scratch cache's is reused.
dnnl::memory scratch_memory(const dnnl::memory::desc& want, ScratchBuffer& buf) {
    buf.resize((want.get_size() + sizeof(float) - 1) / sizeof(float));
    return dnnl::memory(want, engine(), buf.data());
}

dnnl::memory to_layout(dnnl::stream& stream, const dnnl::memory& user, const dnnl::memory::desc& want,
                       ScratchBuffer& buf) {
    if (user.get_desc() == want) return user;
    dnnl::memory m = scratch_memory(want, buf);
    reorder(stream, user, m);
    return m;
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
        ScratchBuffer src_buf, wei_buf, dst_buf;
        dnnl::memory src = to_layout(stream, wrap(d.src, input), p->fwd_pd.src_desc(), src_buf);
        dnnl::memory wei = to_layout(stream, wrap(d.wei, weight), p->fwd_pd.weights_desc(), wei_buf);
        dnnl::memory user_dst = wrap(d.dst, output);
        dnnl::memory dst = p->fwd_pd.dst_desc() == d.dst ? user_dst : scratch_memory(p->fwd_pd.dst_desc(), dst_buf);
        std::unordered_map<int, dnnl::memory> args = {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_DST, dst}};
        if (bias != nullptr) args[DNNL_ARG_BIAS] = wrap(d.bias, bias);
        p->fwd.execute(stream, args);
        if (dst != user_dst) reorder(stream, dst, user_dst);
        stream.wait();
    });
}

void std_conv_backward(const StdConvShape& s, const float* input, const float* weight, const float* grad_output,
                       float* grad_input, float* grad_weight, float* grad_bias) {
    with_dnnl([&] {
        auto p = primitives(s, false);
        Descs d = descs(s);
        dnnl::stream stream(engine());
        ScratchBuffer a_buf, b_buf, c_buf, d_buf, e_buf, f_buf;
        if (grad_input != nullptr) {
            dnnl::memory user_diff_src = wrap(d.src, grad_input);
            const dnnl::memory::desc& want = p->bwd_data_pd.diff_src_desc();
            dnnl::memory diff_src = want == d.src ? user_diff_src : scratch_memory(want, c_buf);
            p->bwd_data.execute(stream, {{DNNL_ARG_DIFF_DST, to_layout(stream, wrap(d.dst, grad_output), p->bwd_data_pd.diff_dst_desc(), a_buf)},
                                         {DNNL_ARG_WEIGHTS, to_layout(stream, wrap(d.wei, weight), p->bwd_data_pd.weights_desc(), b_buf)},
                                         {DNNL_ARG_DIFF_SRC, diff_src}});
            if (diff_src != user_diff_src) reorder(stream, diff_src, user_diff_src);
        }
        if (grad_weight != nullptr || grad_bias != nullptr) {
            std::vector<float> wscratch, bscratch;
            float* gw = grad_weight;
            float* gb = grad_bias;
            if (gw == nullptr) { wscratch.resize(size_t(s.out_channels * s.in_channels * s.kh * s.kw)); gw = wscratch.data(); }
            if (gb == nullptr) { bscratch.resize(size_t(s.out_channels)); gb = bscratch.data(); }
            dnnl::memory user_diff_wei = wrap(d.wei, gw);
            const dnnl::memory::desc& want = p->bwd_weights_pd.diff_weights_desc();
            dnnl::memory diff_wei = want == d.wei ? user_diff_wei : scratch_memory(want, f_buf);
            p->bwd_weights.execute(stream, {{DNNL_ARG_DIFF_DST, to_layout(stream, wrap(d.dst, grad_output), p->bwd_weights_pd.diff_dst_desc(), d_buf)},
                                            {DNNL_ARG_SRC, to_layout(stream, wrap(d.src, input), p->bwd_weights_pd.src_desc(), e_buf)},
                                            {DNNL_ARG_DIFF_WEIGHTS, diff_wei},
                                            {DNNL_ARG_DIFF_BIAS, wrap(d.bias, gb)}});
            if (diff_wei != user_diff_wei) reorder(stream, diff_wei, user_diff_wei);
        }
        stream.wait();
    });
}

const char* onednn_isa() {
    switch (dnnl_get_effective_cpu_isa()) {
        case dnnl_cpu_isa_sse41: return "sse41";
        case dnnl_cpu_isa_avx: return "avx";
        case dnnl_cpu_isa_avx2: return "avx2";
        case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni";
        case dnnl_cpu_isa_avx2_vnni_2: return "avx2_vnni_2";
        case dnnl_cpu_isa_avx512_core: return "avx512_core";
        case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni";
        case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16";
        case dnnl_cpu_isa_avx10_1_512: return "avx10_1_512";
        case dnnl_cpu_isa_avx10_1_512_amx: return "avx10_1_512_amx";
        case dnnl_cpu_isa_avx10_1_512_amx_fp16: return "avx10_1_512_amx_fp16";
        case dnnl_cpu_isa_avx10_2: return "avx10_2";
        case dnnl_cpu_isa_avx10_2_amx_2: return "avx10_2_amx_2";
        default: return "default";
    }
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
