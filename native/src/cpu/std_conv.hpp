// Plain convolution through oneDNN primitives: the baseline PAC is measured
// against, and the exact answer PAC must give for a constant guide.
#pragma once
#include <cstdint>

namespace jpac::cpu {

struct StdConvShape {
    int64_t batch, in_channels, out_channels, h, w, out_h, out_w;
    int kh, kw, stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w;
};

void std_conv_forward(const StdConvShape& s, const float* input, const float* weight, const float* bias,
                      float* output);
// Each gradient may be null.
void std_conv_backward(const StdConvShape& s, const float* input, const float* weight, const float* grad_output,
                       float* grad_input, float* grad_weight, float* grad_bias);

const char* onednn_version();
// oneDNN's effective instruction set, by its dnnl_cpu_isa name without the prefix.
const char* onednn_isa();

}  // namespace jpac::cpu
