// PAC backward for the convolutions the direct forward covers
// (direct_conv_applies), without columns: per tap, register GEMMs give the
// columns' gradient (reduced over output channels) and fold it at once into
// dL/dK and dL/dinput, and accumulate dL/dW over a tile's pixels with K
// applied to each input tap in registers. Input rows and dL/dout are copied
// channels-last per tile.
#pragma once
#include "cpu/pac_conv.hpp"

namespace jpac::cpu {

// gmap (null: the dense layout) says where dL/dout of each output pixel is
// read, as OutputMap says where the forward writes it: the phase split reads
// each class's part of the full gradient in place.
void direct_conv_backward(const ConvProblem& p, const float* grad_output, const ConvGrads& g,
                          const OutputMap* gmap = nullptr);

}  // namespace jpac::cpu
