// Strided transposed PAC as s_h * s_w ordinary convolutions, one per output
// phase class. An output pixel whose row and column phases are (py, px) reads
// the zero-inserted input only through taps phase_taps[py] x phase_taps[px],
// and the outputs of one class read the real input in stride-1 runs: each
// class is a dense conv over a sub-plan (restrict_to_phase) with only its taps
// and the matching part of W. K (and its gradient) is computed only at those
// taps, which is exact: the other taps multiply inserted zeros, and the
// normalisation's window pattern is 0 there (SPEC.md, kernel2d step 5).
#pragma once
#include "cpu/pac_conv.hpp"

namespace jpac::cpu {

// Whether the plan has several output phases (a strided transposed conv).
bool phased_applies(const Plan& plan);

void phase_split_forward(const ConvProblem& p, float* output);
void phase_split_backward(const ConvProblem& p, const float* grad_output, const ConvGrads& g);

}  // namespace jpac::cpu
