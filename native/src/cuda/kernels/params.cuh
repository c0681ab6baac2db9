// Plain structs passed by value to every kernel: the geometry of both spatial
// axes (SPEC.md "Geometry"), where K comes from, and the convolution's tensors.
#pragma once
#include <cstdint>

#include "cuda/kernels/compat.cuh"

namespace jpac::cuda {

// Output pixels per block: a 16 x 8 tile, one thread each (4 full warps).
constexpr int kTileX = 16;
constexpr int kTileY = 8;
constexpr int kThreads = kTileX * kTileY;
// Blocks per SM the kernels are built for (__launch_bounds__): 4 x 128
// threads cap ptxas at 128 registers per thread, the ptxas gate's budget.
// Without the minimum, ptxas picks its own lower target and spills. (The
// gradient GEMMs and the wide forward are built for 3: conv_gemm_kernels.cuh.)
constexpr int kMinBlocks = 4;
// Output channels a thread of the direct forward (shared filters, pooling)
// accumulates in registers.
constexpr int kOutBlock = 8;
// At most this many input (guide) channels per shared-memory tile; fewer
// when the halo is wide (large dilation), to stay within kSharedBudget.
constexpr int kMaxChunk = 8;
constexpr int kSharedBudget = 96 * 1024;

// One spatial axis. Tap i of output y reads the "virtual" input position
// u = y*cs - cp + i*dil: for a convolution that is the input itself (ups 1);
// for a transposed one it is the zero-inserted, padded input, whose real
// samples sit at u % ups == 0 (index u / ups). The guide is read at
// y*gs - gp + i*dil (the transposed kernel: stride 1, padding dil(k-1)/2).
struct Axis {
    int in, out, guide;
    int k, dil;
    int cs, cp, ups;
    int gs, gp;
    int m, smooth_off;   // smoothing taps (0: the centre tap), (k - m) / 2
    int in_span;         // input tile extent for one block of outputs
    int pitch;           // distance of consecutive taps inside the input tile
    int g_lo, g_span;    // guide tile: starts at y0*gs - gp + g_lo, g_span long
    int g_pitch;         // distance of consecutive taps inside the guide tile
};

// A tile is dense (pitch == dil: tile position r is offset r from the tile's
// origin) or, when the dilation exceeds the block's extent, banded: k bands
// of `pitch` rows, one per tap, so that the rows between the taps, which no
// thread of the block reads, are not loaded (a 5x5 window at dilation 64
// needs 40 x 80 floats per channel instead of 264 x 272).
JPAC_HOST_DEVICE int tile_offset(int r, int pitch, int dil) {
    return pitch == dil ? r : (r / pitch) * dil + r % pitch;
}

// The tile's layout along one axis: dense, or banded when that is smaller.
// extent: the block's reach without the taps ((tile - 1) * stride + 1).
struct TileAxis {
    int span, pitch;
};
inline TileAxis tile_axis(int extent, int k, int dil) {
    if (extent < dil) return {k * extent, extent};
    return {extent + dil * (k - 1), dil};
}

struct Geometry {
    Axis r, c;
    int batch;
    int z0;  // the first grid z index of this launch (launch_tiles slices larger grids)
    JPAC_HOST_DEVICE int kk() const { return r.k * c.k; }
};

// The block's index along the grid's z axis (image, or image and channel
// block): CUDA launches at most 65535 blocks along z, so more go in slices.
JPAC_DEVICE int block_z(const Geometry& g) { return g.z0 + int(blockIdx.z); }

// The adapting kernel's source: a guide (with its options), or a given K, or
// neither: K = 1, a plain convolution (std_launch.hpp).
struct GuideArgs {
    const float* guide;      // [B, channels, r.guide, c.guide], or null when K is given
    int channels;
    int kernel_channels;     // 1, or channels when channel_wise
    int channel_wise, inv, asym, normalize;
    const float* alpha;      // inv kernels: [inv_params]
    const float* lambda;
    int inv_params;
    int chunk;               // guide channels per shared tile (1..kMaxChunk)
    const float* smooth;     // [m, m] or null
    const float* mask;       // [B, 1, r.in, c.in] or null
    const float* given;      // a given K [B, kernel_channels, kk, Ho, Wo], or null (with the guide null: K = 1)
    // Backward outputs (null: not wanted); zeroed by the launcher.
    float* grad_guide;
    float* grad_alpha;
    float* grad_lambda;
    float* grad_smooth;
    float* grad_given;
};

struct ConvArgs {
    const float* input;      // [B, ci, r.in, c.in]
    const float* weight;     // [co, ci, kk], [ci, co, kk] (transposed_weight) or [kk] (shared)
    const float* bias;       // [co] or null
    float* output;           // [B, co, Ho, Wo]
    const float* grad_output;
    float* grad_input;
    float* grad_weight;
    float* grad_bias;
    int ci, co;
    int chunk;               // input channels per shared tile (1..kMaxChunk)
    int shared_filters, transposed_weight;
    // pool2d: shared_filters with every weight 1 (weight null); per_channel:
    // K has one channel per input channel, so a block handles one channel.
    int pool, per_channel;
};

inline int conv_out_size(int in, int k, int s, int p, int d) {
    const int span = in + 2 * p - d * (k - 1) - 1;
    return span < 0 ? 0 : span / s + 1;
}

// in: the convolution's input size (transposed: its real input); m: smoothing size or 0.
inline Axis make_axis(int in, int k, int s, int p, int d, int output_padding, bool transposed, int m, int tile) {
    Axis a{};
    a.in = in;
    a.k = k;
    a.dil = d;
    a.m = m;
    a.smooth_off = m > 0 ? (k - m) / 2 : 0;
    if (transposed) {
        a.out = (in - 1) * s - 2 * p + d * (k - 1) + output_padding + 1;
        a.guide = a.out;
        a.cs = 1;
        a.cp = d * (k - 1) - p;
        a.ups = s;
        a.gs = 1;
        a.gp = d * (k - 1) / 2;
    } else {
        a.out = conv_out_size(in, k, s, p, d);
        a.guide = in;
        a.cs = s;
        a.cp = p;
        a.ups = 1;
        a.gs = s;
        a.gp = p;
    }
    const TileAxis input = tile_axis((tile - 1) * a.cs + 1, k, d);
    a.in_span = input.span;
    a.pitch = input.pitch;
    if (m > 0) {  // smoothing reads a dense neighbourhood: a dense tile
        const int lo = a.smooth_off < 0 ? a.smooth_off : 0;
        const int hi = d * (k - 1) > a.smooth_off + m - 1 ? d * (k - 1) : a.smooth_off + m - 1;
        a.g_lo = lo;
        a.g_span = (tile - 1) * a.gs + hi - lo + 1;
        a.g_pitch = d;
    } else {
        const TileAxis guide = tile_axis((tile - 1) * a.gs + 1, k, d);
        a.g_lo = 0;
        a.g_span = guide.span;
        a.g_pitch = guide.pitch;
    }
    return a;
}

}  // namespace jpac::cuda

namespace jpac::cuda {
// Input size of the transposed convolution whose output has size `out`.
inline int transposed_in_size(int out, int k, int s, int p, int d, int output_padding) {
    const int span = out - output_padding - 1 - d * (k - 1) + 2 * p;
    return span < 0 ? 0 : span / s + 1;
}
}  // namespace jpac::cuda
