// Strided transposed PAC by output phase. An output pixel whose row and
// column phases are (py, px) (see Axis::phases) reads the zero-inserted input
// only through the taps phase_taps[py] x phase_taps[px], about kk / stride^2
// of them. Each tile's pixels are grouped by phase and every group multiplies
// only its own taps, with the matching columns of W, instead of multiplying
// the inserted zeros. K is still computed for the whole window (normalisation
// needs every tap).
#pragma once
#include "cpu/pac_conv.hpp"

namespace jpac::cpu {

// Whether the plan has several output phases (a strided transposed conv).
bool phased_applies(const Plan& plan);

void phased_conv_forward(const ConvProblem& p, float* output);
void phased_conv_backward(const ConvProblem& p, const float* grad_output, const ConvGrads& g);

}  // namespace jpac::cpu
