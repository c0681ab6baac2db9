// Window geometry of one spatial axis: for every output position and tap,
// which input / guide row it reads (-1 = zero padding). Precomputing these
// small tables lets one loop serve convolution, transposed convolution,
// pooling and the adapting kernel alike (SPEC.md, "Geometry").
#pragma once
#include <cstdint>
#include <vector>

namespace jpac::cpu {

struct AxisSpec {
    int k = 1, stride = 1, pad = 0, dilation = 1, output_padding = 0;
};

struct Axis {
    int k = 1;        // taps
    int m = 0;        // smoothing taps (0: centre tap, no smoothing)
    int64_t in_size = 0, out_size = 0, guide_size = 0;
    std::vector<int> in_tap;      // [out_size * k]: input index or -1
    std::vector<int> guide_tap;   // [out_size * k]: guide index or -1
    std::vector<int> smooth_tap;  // [out_size * m]: guide index or -1
    std::vector<int> centre_tap;  // [out_size]: guide index of the window's centre tap (k/2), or -1
    std::vector<int> in_tap_t, guide_tap_t;  // the same, tap-major [k * out_size], for contiguous loops
    // Taps whose index is affine in the output position (index = x * step +
    // first[tap] - ... ) let tile loops stream instead of gather: for tap i,
    // outputs [lo[i], hi[i]) read index (x - lo[i]) * step + first[i].
    struct Affine {
        bool valid = false;
        int64_t step = 1;
        std::vector<int64_t> lo, hi, first;
    };
    Affine in_affine, guide_affine;
    // A strided transposed axis has `phases` (= stride) classes of outputs: an
    // output y of phase phase_of[y] reads the zero-inserted input only through
    // taps phase_taps[phase] (the others land on inserted zeros). Other axes:
    // one phase whose taps are all k.
    int phases = 1;
    std::vector<int> phase_of;                 // [out_size]
    std::vector<std::vector<int>> phase_taps;  // [phases]
    std::vector<int64_t> phase_first;          // [phases]: the first output of each phase (out_size: none)
};

int64_t conv_out_size(int64_t in, const AxisSpec& s);
int64_t transposed_out_size(int64_t in, const AxisSpec& s);
// Input size of the transposed convolution whose output has size `out`
// (what kernel2d needs when it is given the output-sized guide).
int64_t transposed_in_size(int64_t out, const AxisSpec& s);

// in_size: the (transposed) convolution's input size; m: smoothing size or 0.
Axis make_axis(const AxisSpec& spec, bool transposed, int64_t in_size, int m);

// The outputs of one phase of a strided transposed axis (phase_first[phase]
// + phases * q) with only that phase's taps: a one-phase axis whose input
// reads are stride-1 runs, on the same input and guide.
Axis restrict_to_phase(const Axis& a, int phase);

// Output rows per band such that bands b and b+2 touch disjoint input and
// guide rows: backward passes scatter into those without locks when even and
// odd bands run in two phases.
int64_t band_height(const Axis& rows, int64_t at_least);

}  // namespace jpac::cpu
