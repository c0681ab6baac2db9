#include "api/plan_builder.hpp"

#include <string>

#include "api/error.hpp"
#include "api/validate.hpp"

namespace jpac {

namespace {

void require(bool ok, const std::string& field, const std::string& expected, int64_t got) {
    if (!ok) invalid("options." + field + ": expected " + expected + ", got " + std::to_string(got));
}

cpu::AxisSpec axis(const jpac_options& o, bool rows) {
    cpu::AxisSpec s;
    s.k = rows ? o.kernel_h : o.kernel_w;
    s.stride = rows ? o.stride_h : o.stride_w;
    s.pad = rows ? o.pad_h : o.pad_w;
    s.dilation = rows ? o.dilation_h : o.dilation_w;
    s.output_padding = rows ? o.output_padding_h : o.output_padding_w;
    return s;
}

void check_plan(const cpu::Plan& p) {
    if (p.rows.out_size < 1 || p.cols.out_size < 1)
        invalid("options: the window (kernel " + std::to_string(p.rows.k) + "x" + std::to_string(p.cols.k) +
                " with this padding and dilation) does not fit the input of " + std::to_string(p.rows.in_size) +
                "x" + std::to_string(p.cols.in_size) + ": output would be " + std::to_string(p.rows.out_size) +
                "x" + std::to_string(p.cols.out_size));
    const int64_t limit = int64_t(1) << 31;
    if (p.in_pixels() >= limit || p.out_pixels() >= limit || p.guide_pixels() >= limit)
        invalid("input: a plane of more than 2^31 pixels is not supported");
}

}  // namespace

void check_options(const jpac_options* o, bool kernel_fields) {
    if (o == nullptr) invalid("options: required, got NULL");
    const std::pair<const char*, int32_t> kernel[] = {{"kernel_h", o->kernel_h}, {"kernel_w", o->kernel_w}};
    for (auto [name, k] : kernel) require(k >= 1 && k % 2 == 1 && k <= 255, name, "an odd size between 1 and 255", k);
    const std::pair<const char*, int32_t> strides[] = {{"stride_h", o->stride_h}, {"stride_w", o->stride_w},
                                                       {"dilation_h", o->dilation_h}, {"dilation_w", o->dilation_w}};
    for (auto [name, v] : strides) require(v >= 1 && v <= 65535, name, "a value between 1 and 65535", v);
    require(o->pad_h >= 0 && o->pad_h <= 65535, "pad_h", "a value between 0 and 65535", o->pad_h);
    require(o->pad_w >= 0 && o->pad_w <= 65535, "pad_w", "a value between 0 and 65535", o->pad_w);
    require(o->output_padding_h >= 0 && o->output_padding_h < std::max(o->stride_h, o->dilation_h),
            "output_padding_h", "0 <= output_padding < max(stride, dilation)", o->output_padding_h);
    require(o->output_padding_w >= 0 && o->output_padding_w < std::max(o->stride_w, o->dilation_w),
            "output_padding_w", "0 <= output_padding < max(stride, dilation)", o->output_padding_w);
    require(o->shared_filters == 0 || o->shared_filters == 1, "shared_filters", "0 or 1", o->shared_filters);
    if (!kernel_fields) return;
    require(o->kernel_type == JPAC_KERNEL_GAUSSIAN || o->kernel_type == JPAC_KERNEL_INV, "kernel_type",
            "JPAC_KERNEL_GAUSSIAN (0) or JPAC_KERNEL_INV (1)", o->kernel_type);
    const std::pair<const char*, int32_t> flags[] = {{"asymmetric", o->asymmetric}, {"channel_wise", o->channel_wise},
                                                     {"normalize_kernel", o->normalize_kernel},
                                                     {"transposed", o->transposed}};
    for (auto [name, v] : flags) require(v == 0 || v == 1, name, "0 or 1", v);
    if (o->asymmetric && o->kernel_type != JPAC_KERNEL_INV)
        invalid("options.asymmetric: only inv kernels have an asymmetric form");
}

cpu::Plan conv_plan(const jpac_options& o, int64_t batch, int64_t h, int64_t w, bool transposed, int smooth) {
    cpu::Plan p;
    p.batch = batch;
    p.rows = cpu::make_axis(axis(o, true), transposed, h, smooth);
    p.cols = cpu::make_axis(axis(o, false), transposed, w, smooth);
    check_plan(p);
    return p;
}

cpu::Plan kernel_plan(const jpac_options& o, int64_t batch, int64_t h, int64_t w, int smooth) {
    if (!o.transposed) return conv_plan(o, batch, h, w, false, smooth);
    const cpu::AxisSpec r = axis(o, true), c = axis(o, false);
    const int64_t in_h = cpu::transposed_in_size(h, r), in_w = cpu::transposed_in_size(w, c);
    cpu::Plan p = conv_plan(o, batch, std::max<int64_t>(in_h, 1), std::max<int64_t>(in_w, 1), true, smooth);
    if (in_h < 1 || in_w < 1 || p.rows.out_size != h || p.cols.out_size != w)
        invalid("guide: " + std::to_string(h) + "x" + std::to_string(w) +
                " is not the output size of any transposed convolution with these options "
                "(expected (H-1)*stride - 2*pad + dilation*(k-1) + output_padding + 1)");
    return p;
}

int smooth_size(const jpac_tensor* s) {
    if (s == nullptr) return 0;
    checked_any_of(s, "smooth_kernel", {{kAny, kAny}, {1, 1, kAny, kAny}});
    const int64_t m = s->shape[s->ndim - 1];
    if (s->shape[s->ndim - 2] != m || m % 2 == 0 || m > 255)
        invalid("smooth_kernel: expected a square kernel of odd size up to 255, got " + shape_string(s));
    return int(m);
}

cpu::KernelSpec kernel_spec(const jpac_options& o, const cpu::Plan& plan, const jpac_tensor* guide,
                            const jpac_tensor* inv_alpha, const jpac_tensor* inv_lambda,
                            const jpac_tensor* smooth_kernel, const jpac_tensor* mask) {
    cpu::KernelSpec s;
    s.guide = checked(guide, "guide", {plan.batch, kAny, plan.rows.guide_size, plan.cols.guide_size});
    s.guide_channels = guide->shape[1];
    s.inv = o.kernel_type == JPAC_KERNEL_INV;
    s.asymmetric = o.asymmetric != 0;
    s.channel_wise = o.channel_wise != 0;
    s.normalize = o.normalize_kernel != 0;
    if (s.inv) {
        const int64_t c = s.guide_channels;
        std::vector<std::vector<int64_t>> shapes = {{1}};
        if (s.channel_wise) shapes.push_back({c});
        s.alpha = checked_any_of(inv_alpha, "inv_alpha", shapes);
        s.lambda = checked_any_of(inv_lambda, "inv_lambda", shapes);
        if (inv_alpha->shape[0] != inv_lambda->shape[0])
            invalid("inv_lambda: expected the shape of inv_alpha " + shape_string(inv_alpha) + ", got " +
                    shape_string(inv_lambda));
        s.inv_params = inv_alpha->shape[0];
    } else if (inv_alpha != nullptr || inv_lambda != nullptr) {
        invalid(std::string(inv_alpha ? "inv_alpha" : "inv_lambda") + ": only inv kernels take it; pass NULL for gaussian");
    }
    s.smooth_size = smooth_size(smooth_kernel);
    s.smooth = smooth_kernel ? smooth_kernel->data : nullptr;
    s.mask = optional(mask, "mask", {plan.batch, 1, plan.rows.in_size, plan.cols.in_size});
    return s;
}

}  // namespace jpac
