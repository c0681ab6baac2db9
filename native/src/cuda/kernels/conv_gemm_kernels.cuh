// Register-blocked implicit GEMMs for a pixel-adaptive convolution with its own
// filters (not shared, not per channel): the forward, the weight gradient and
// the data gradient (input and K). The first two build, per block of 16x8
// output pixels and a stage of input channels, the K-weighted columns
// A[(c, t)][pixel] = K[t] * x[c, pixel + tap t] in shared memory (never in
// global memory), each thread writing its own pixel's column from K in its
// registers; then every thread multiplies a register tile of A with a register
// tile of the other operand. The data gradient multiplies the weights'
// transpose with dL/dout the same way into G[(c, t)][pixel], from which each
// pixel's thread takes dL/dK and its input-gradient contributions. One FMA per
// shared load, the direct kernels' ratio (conv_kernels.cuh), becomes 8 to 10.
#pragma once
#include "cuda/kernels/conv_kernels.cuh"

namespace jpac::cuda {

// Reduction rows (input channel, tap) per stage, and the stride of a pixel's
// row of them (a multiple of 4 floats, for 128-bit loads).
constexpr int kGemmRows = 64;
constexpr int kGemmRowStride = kGemmRows + 4;
// Forward: a block computes OUT output channels of its 128 pixels (32, or 64
// for wider layers: the wide kernel); a thread, OUT / 8 channels of one pixel
// column of the 16x8 tile: 32 or 64 FMAs per 9 or 10 shared loads.
constexpr int kGemmOut = 32;
constexpr int kGemmOutWide = 64;
constexpr int kFwdGroups = kThreads / kTileX;  // output-channel groups
static_assert(kGemmOut % (4 * kFwdGroups) == 0 && kGemmOutWide % (4 * kFwdGroups) == 0, "forward thread tiling");
// The wide kernel's 64 accumulators and K need more than 128 registers: 3
// blocks per SM, 168 registers (the ptxas gate's budget for it).
constexpr int kFwdWideMinBlocks = 3;
// Weight gradient: a block sums kWgOut x kGemmRows weights over its pixels; a
// thread holds kWgOutPerThread x 4 of them.
constexpr int kWgOut = 64;
constexpr int kWgOutPerThread = 8;
static_assert((kWgOut / kWgOutPerThread) * (kGemmRows / 4) == kThreads && kWgOutPerThread == 8,
              "weight-gradient thread tiling");
// Its shared memory (two 128 x 68 float tiles, 70 KiB) fits 3 blocks per SM,
// which leaves 168 registers per thread: K, its computation and 32
// accumulators need more than 128 (the ptxas gate's budget for it).
constexpr int kWgMinBlocks = 3;

// Data gradient: rows (input channel, tap) per stage, output channels per
// GEMM step; a thread holds 4 rows x kDgPix consecutive pixels of G.
constexpr int kDgRows = 32;
constexpr int kDgOut = 32;
constexpr int kDgPix = 8;
static_assert((kDgRows / 4) * (kThreads / kDgPix) == kThreads && kDgPix == 8, "data-gradient thread tiling");
// dL/dout of a block's pixels stays in shared memory across all stages when it
// has at most kDgResident channels; else it is read again per stage, kDgOut
// channels at a time.
constexpr int kDgResident = 64;
JPAC_HOST_DEVICE int dg_out_rows(int co) {
    return co <= kDgResident ? (co + kDgOut - 1) / kDgOut * kDgOut : kDgOut;
}
// K, dL/dK and 32 accumulators need more than 128 registers (ptxas spills at
// 4 blocks per SM): 3 blocks, 168 registers (the ptxas gate's budget for it).
constexpr int kDgMinBlocks = 3;

// Whole input channels per stage: as many as keep their taps within `rows`.
JPAC_HOST_DEVICE int gemm_channels_max(int kk, int rows = kGemmRows) { return kk >= rows ? 1 : rows / kk; }

// Where the float region starts after the two tap-offset tables (16-byte aligned).
JPAC_HOST_DEVICE int gemm_region_offset(int kmax) { return (2 * kmax + 3) / 4 * 4; }

// guide_chunk: 0 when K is given.
// The forward holds two stages of weights and input tiles (one loading while
// the other is used) and one of columns.
inline size_t gemm_forward_shared_bytes(const Geometry& g, int guide_chunk, int in_chunk, int kmax, int out) {
    const size_t guide = size_t(guide_chunk) * guide_tile_floats(g);
    const size_t gemm = size_t(2) * kGemmRows * out + size_t(kGemmRows) * kThreads +
                        size_t(2) * in_chunk * input_tile_floats(g);
    return sizeof(float) * (size_t(gemm_region_offset(kmax)) + (guide > gemm ? guide : gemm));
}

inline size_t gemm_data_shared_bytes(const Geometry& g, int guide_chunk, int in_chunk, int kmax, int co) {
    const size_t guide = guide_chunk == 0 ? 0 : size_t(backward_region_floats(g, guide_chunk));
    const size_t gemm = size_t(kDgOut) * kDgRows + size_t(dg_out_rows(co)) * kThreads + size_t(kDgRows) * kThreads +
                        size_t(2) * in_chunk * input_tile_floats(g);
    return sizeof(float) * (size_t(gemm_region_offset(kmax)) + (guide > gemm ? guide : gemm));
}

inline size_t gemm_weight_shared_bytes(const Geometry& g, int guide_chunk, int in_chunk, int kmax) {
    const size_t guide = size_t(guide_chunk) * guide_tile_floats(g);
    const size_t gemm = size_t(2) * kThreads * kGemmRowStride + size_t(in_chunk) * input_tile_floats(g);
    return sizeof(float) * (size_t(gemm_region_offset(kmax)) + (guide > gemm ? guide : gemm));
}

// Column p.tid of A for input channels [c0, c0 + nc): K[t] * x[c, pixel + tap t]
// at A[(c * kk + t) * stride_r + p.tid * stride_p].
template <int KMAX>
JPAC_DEVICE void build_columns(const Geometry& g, const Pixel& p, const int* ioff, const float (&K)[KMAX],
                               const float* tile, int nc, float* A, int stride_r, int stride_p) {
    const int kk = g.kk(), plane = input_tile_floats(g), pix = input_pixel(g, p);
    for (int c = 0; c < nc; ++c) {
#pragma unroll
        for (int t = 0; t < KMAX; ++t)
            if (t < kk) A[(c * kk + t) * stride_r + p.tid * stride_p] = K[t] * tile[c * plane + pix + ioff[t]];
    }
}

// load_input_tile through asynchronous copies (zeros stored directly); the
// caller commits and waits.
JPAC_DEVICE void load_input_tile_async(const Geometry& g, const ConvArgs& v, const Pixel& p, int c0, int nc,
                                       float* tile) {
    fill_input_tile(g, v, p, c0, nc, tile, [](float* dst, const float* src) {
        if (src)
            copy_async(dst, src);
        else
            *dst = 0.f;
    });
}

// The forward of OUT output channels per block. Grid: (Wo/16, Ho/8, B * ceil(co / OUT)).
template <int KMAX, int OUT>
JPAC_DEVICE void conv_forward_gemm(const Geometry& g, const GuideArgs& a, const ConvArgs& v) {
    constexpr int PER = OUT / kFwdGroups;  // output channels per thread
    JPAC_DYNAMIC_SHARED(smem);
    int* ioff = reinterpret_cast<int*>(smem);
    int* goff = ioff + KMAX;
    float* region = smem + gemm_region_offset(KMAX);
    const int blocks = (v.co + OUT - 1) / OUT;
    const int o0 = block_z(g) % blocks * OUT;
    const Pixel p = pixel_of(g, block_z(g) / blocks, 0);
    fill_tap_offsets<KMAX>(g, p.tid, ioff, goff);
    __syncthreads();
    float K[KMAX];
    pixel_kernel<KMAX>(g, a, p, goff, region, K);

    const int kk = g.kk(), tile_floats = v.chunk * input_tile_floats(g);
    float* A = region;                            // [kGemmRows][kThreads] columns
    float* B2 = A + kGemmRows * kThreads;         // 2 x [kGemmRows][OUT] weights
    float* tile2 = B2 + 2 * kGemmRows * OUT;      // 2 x [chunk][input tile]
    // Stage `buf` of input channels [c0, c0 + nc): copies issued, not waited for.
    auto load_stage = [&](int c0, int buf) {
        const int nc = v.ci - c0 < v.chunk ? v.ci - c0 : v.chunk, rows = nc * kk;
        load_input_tile_async(g, v, p, c0, nc, tile2 + buf * tile_floats);
        float* B = B2 + buf * kGemmRows * OUT;
        for (int idx = p.tid; idx < OUT * rows; idx += kThreads) {
            const int o = idx / rows, r = idx - o * rows;  // r fastest: contiguous weights
            if (o0 + o < v.co)
                copy_async(&B[r * OUT + o], &v.weight[weight_index(v, o0 + o, c0 + r / kk, r % kk, kk)]);
            else
                B[r * OUT + o] = 0.f;
        }
        copy_commit();
    };
    // The thread's GEMM tile: pixel column `col` of every row of the block's
    // tile, output channels o0 + og * PER + j. (Measured on an H200: 8 scalar
    // loads of a column beat two 128-bit loads of 8 consecutive pixels, which
    // hit 4-way bank conflicts, by 13%.)
    const int col = p.tid % kTileX, og = p.tid / kTileX;
    float acc[kTileY][PER];
#pragma unroll
    for (int i = 0; i < kTileY; ++i)
#pragma unroll
        for (int j = 0; j < PER; ++j) acc[i][j] = 0.f;
    load_stage(0, 0);
    int buf = 0;
    for (int c0 = 0; c0 < v.ci; c0 += v.chunk, buf ^= 1) {
        const int nc = v.ci - c0 < v.chunk ? v.ci - c0 : v.chunk, rows = nc * kk;
        // The next stage's copies run during this stage's columns and GEMM.
        if (c0 + v.chunk < v.ci) {
            load_stage(c0 + v.chunk, buf ^ 1);
            copy_wait_prior<1>();
        } else {
            copy_wait_prior<0>();
        }
        JPAC_TILE_BARRIER(4);
        build_columns<KMAX>(g, p, ioff, K, tile2 + buf * tile_floats, nc, A, kThreads, 1);
        JPAC_TILE_BARRIER(8);
        const float* B = B2 + buf * kGemmRows * OUT;
        for (int r = 0; r < rows; ++r) {
            float b[PER];
#pragma unroll
            for (int j = 0; j < PER; j += 4) load4(B + r * OUT + og * PER + j, b + j);
#pragma unroll
            for (int i = 0; i < kTileY; ++i) {
                const float x = A[r * kThreads + i * kTileX + col];
#pragma unroll
                for (int j = 0; j < PER; ++j) acc[i][j] += x * b[j];
            }
        }
        __syncthreads();  // A, and this stage's buffers (loaded again next stage), are overwritten next
    }
    const size_t px = size_t(g.r.out) * g.c.out;
    const int x = p.x0 + col;
    if (x >= g.c.out) return;
#pragma unroll
    for (int j = 0; j < PER; ++j) {
        const int o = o0 + og * PER + j;
        if (o >= v.co) continue;
        const float bias = v.bias ? v.bias[o] : 0.f;
        float* out = v.output + (size_t(p.n) * v.co + o) * px + x;
#pragma unroll
        for (int i = 0; i < kTileY; ++i)
            if (p.y0 + i < g.r.out) out[size_t(p.y0 + i) * g.c.out] = acc[i][j] + bias;
    }
}

// K in 49 registers (7x7) beside 32 accumulators spills at 128 registers (sm_80):
// that instantiation is built for 3 blocks per SM, as the wide kernel.
template <int KMAX>
__global__ void __launch_bounds__(kThreads, KMAX > 25 ? kFwdWideMinBlocks : kMinBlocks)
    conv_forward_gemm_kernel(Geometry g, GuideArgs a, ConvArgs v) {
    conv_forward_gemm<KMAX, kGemmOut>(g, a, v);
}

template <int KMAX>
__global__ void __launch_bounds__(kThreads, kFwdWideMinBlocks)
    conv_forward_gemm_wide_kernel(Geometry g, GuideArgs a, ConvArgs v) {
    conv_forward_gemm<KMAX, kGemmOutWide>(g, a, v);
}

// dL/dW[o][(c, t)] = sum over pixels of dL/dout[o][pixel] * A[(c, t)][pixel].
// Grid: (ceil(co / kWgOut) * input-channel stages, pixel-tile groups); a block
// owns kWgOut outputs x one stage's rows and sums them over its group's tiles
// in registers, then adds them to the gradient (zeroed by the launcher) once.
template <int KMAX>
__global__ void __launch_bounds__(kThreads, kWgMinBlocks) conv_weight_grad_gemm_kernel(Geometry g, GuideArgs a, ConvArgs v,
                                                                                    int groups) {
    JPAC_DYNAMIC_SHARED(smem);
    int* ioff = reinterpret_cast<int*>(smem);
    int* goff = ioff + KMAX;
    float* region = smem + gemm_region_offset(KMAX);
    const int otiles = (v.co + kWgOut - 1) / kWgOut;
    const int o0 = int(blockIdx.x) % otiles * kWgOut, c0 = int(blockIdx.x) / otiles * v.chunk;
    const int nc = v.ci - c0 < v.chunk ? v.ci - c0 : v.chunk, kk = g.kk(), rows = nc * kk;
    const int tiles_x = (g.c.out + kTileX - 1) / kTileX, tiles_y = (g.r.out + kTileY - 1) / kTileY;
    const long long tiles = (long long)g.batch * tiles_x * tiles_y;
    const long long t_begin = tiles * int(blockIdx.y) / groups, t_end = tiles * (int(blockIdx.y) + 1) / groups;

    float* D = region;                        // [pixel][kGemmRowStride]: dL/dout, kWgOut channels
    float* A = D + kThreads * kGemmRowStride; // [pixel][kGemmRowStride]: columns
    float* tile = A + kThreads * kGemmRowStride;
    const int tid = int(threadIdx.y) * kTileX + int(threadIdx.x);
    const int wo = tid % (kWgOut / kWgOutPerThread), wr = tid / (kWgOut / kWgOutPerThread);
    float acc[kWgOutPerThread][4];
#pragma unroll
    for (int j = 0; j < kWgOutPerThread; ++j)
#pragma unroll
        for (int i = 0; i < 4; ++i) acc[j][i] = 0.f;
    fill_tap_offsets<KMAX>(g, tid, ioff, goff);
    __syncthreads();
    const size_t px = size_t(g.r.out) * g.c.out;
    for (long long tl = t_begin; tl < t_end; ++tl) {
        const int n = int(tl / (tiles_x * tiles_y)), in_image = int(tl % (tiles_x * tiles_y));
        const Pixel p = pixel_at(g, n, 0, in_image % tiles_x, in_image / tiles_x);
        float K[KMAX];
        pixel_kernel<KMAX>(g, a, p, goff, region, K);  // ends after a barrier: the region is free
        load_input_tile(g, v, p, c0, nc, tile);
        // dL/dout of the tile's pixels, coalesced along the tile's rows.
        for (int idx = tid; idx < kWgOut * kThreads; idx += kThreads) {
            const int o = idx / kThreads, q = idx - o * kThreads;
            const int y = p.y0 + q / kTileX, x = p.x0 + q % kTileX;
            D[q * kGemmRowStride + o] = (o0 + o < v.co && y < g.r.out && x < g.c.out)
                                            ? v.grad_output[(size_t(n) * v.co + o0 + o) * px + size_t(y) * g.c.out + x]
                                            : 0.f;
        }
        JPAC_TILE_BARRIER(9);
        build_columns<KMAX>(g, p, ioff, K, tile, nc, A, 1, kGemmRowStride);
        JPAC_TILE_BARRIER(10);
        for (int q = 0; q < kThreads; ++q) {
            float d0[4], d1[4], x[4];
            // The thread's channels wo*4.. and kWgOut/2 + wo*4..: each 128-bit load of a warp
            // covers 128 consecutive bytes (one shared-memory wavefront, not two).
            load4(D + q * kGemmRowStride + wo * 4, d0);
            load4(D + q * kGemmRowStride + kWgOut / 2 + wo * 4, d1);
            load4(A + q * kGemmRowStride + wr * 4, x);
#pragma unroll
            for (int i = 0; i < 4; ++i) {
#pragma unroll
                for (int j = 0; j < 4; ++j) {
                    acc[j][i] += d0[j] * x[i];
                    acc[j + 4][i] += d1[j] * x[i];
                }
            }
        }
        __syncthreads();  // D, A and the tile are overwritten next
    }
#pragma unroll
    for (int j = 0; j < kWgOutPerThread; ++j) {
        const int o = o0 + (j < 4 ? wo * 4 + j : kWgOut / 2 + wo * 4 + j - 4);
#pragma unroll
        for (int i = 0; i < 4; ++i) {
            const int r = wr * 4 + i;
            if (o < v.co && r < rows && acc[j][i] != 0.f)
                atomicAdd(&v.grad_weight[weight_index(v, o, c0 + r / kk, r % kk, kk)], acc[j][i]);
        }
    }
}

// dL/dinput and dL/dK. Per block of 128 pixels and stage of input channels:
// G[(c, t)][pixel] = sum over o of W[o][(c, t)] * dL/dout[o][pixel], summed in
// registers over steps of kDgOut output channels; then each pixel's thread
// adds G * x to its dL/dK[t] and scatters K[t] * G onto the stage's input-
// gradient tile (shared atomics), which goes to global memory once per stage.
// Grid: (Wo/16, Ho/8, B).
template <int KMAX>
__global__ void __launch_bounds__(kThreads, kDgMinBlocks) conv_data_grad_gemm_kernel(Geometry g, GuideArgs a, ConvArgs v) {
    JPAC_DYNAMIC_SHARED(smem);
    int* ioff = reinterpret_cast<int*>(smem);
    int* goff = ioff + KMAX;
    float* region = smem + gemm_region_offset(KMAX);
    const Pixel p = pixel_of(g, block_z(g), 0);
    fill_tap_offsets<KMAX>(g, p.tid, ioff, goff);
    __syncthreads();
    float K[KMAX], dK[KMAX];
    pixel_kernel<KMAX>(g, a, p, goff, region, K);
#pragma unroll
    for (int t = 0; t < KMAX; ++t) dK[t] = 0.f;

    const int kk = g.kk(), plane = input_tile_floats(g), pix = input_pixel(g, p);
    const size_t px = size_t(g.r.out) * g.c.out;
    const bool want_input = v.grad_input != nullptr;
    float* W = region;                    // [kDgOut][kDgRows]
    float* D = W + kDgOut * kDgRows;      // [dg_out_rows(co)][kThreads]: dL/dout of the block's pixels
    float* G = D + dg_out_rows(v.co) * kThreads;  // [kDgRows][kThreads]
    float* tile = G + kDgRows * kThreads; // [nc][input tile]
    float* gtile = tile + v.chunk * plane;
    const bool resident = v.co <= kDgResident;
    // Channels [o0, o0 + count) of dL/dout at D (0 past co and the image).
    auto load_grad_output = [&](int o0, int count) {
        for (int idx = p.tid; idx < count * kThreads; idx += kThreads) {
            const int o = idx / kThreads, q = idx - o * kThreads;
            const int y = p.y0 + q / kTileX, x = p.x0 + q % kTileX;
            D[idx] = (o0 + o < v.co && y < g.r.out && x < g.c.out)
                         ? v.grad_output[(size_t(p.n) * v.co + o0 + o) * px + size_t(y) * g.c.out + x]
                         : 0.f;
        }
    };
    if (resident) load_grad_output(0, dg_out_rows(v.co));  // before the first stage's barrier
    const int pg = p.tid % (kThreads / kDgPix), rg = p.tid / (kThreads / kDgPix);
    for (int c0 = 0; c0 < v.ci; c0 += v.chunk) {
        const int nc = v.ci - c0 < v.chunk ? v.ci - c0 : v.chunk, rows = nc * kk;
        load_input_tile(g, v, p, c0, nc, tile);
        for (int i = p.tid; i < nc * plane; i += kThreads) gtile[i] = 0.f;
        float acc[4][kDgPix];
#pragma unroll
        for (int i = 0; i < 4; ++i)
#pragma unroll
            for (int j = 0; j < kDgPix; ++j) acc[i][j] = 0.f;
        for (int o0 = 0; o0 < v.co; o0 += kDgOut) {
            for (int idx = p.tid; idx < kDgOut * kDgRows; idx += kThreads) {
                const int o = idx / kDgRows, r = idx - o * kDgRows;
                W[idx] = (o0 + o < v.co && r < rows) ? v.weight[weight_index(v, o0 + o, c0 + r / kk, r % kk, kk)] : 0.f;
            }
            if (!resident) load_grad_output(o0, kDgOut);
            JPAC_TILE_BARRIER(6);
            const float* Do = resident ? D + o0 * kThreads : D;
            for (int o = 0; o < kDgOut; ++o) {
                float w[4], d0[4], d1[4];
                load4(W + o * kDgRows + rg * 4, w);
                // Pixels pg*4.. and kThreads/2 + pg*4..: each 128-bit load of a warp covers
                // 256 consecutive bytes (two wavefronts, not four).
                load4(Do + o * kThreads + pg * 4, d0);
                load4(Do + o * kThreads + kThreads / 2 + pg * 4, d1);
#pragma unroll
                for (int i = 0; i < 4; ++i) {
#pragma unroll
                    for (int j = 0; j < 4; ++j) {
                        acc[i][j] += w[i] * d0[j];
                        acc[i][j + 4] += w[i] * d1[j];
                    }
                }
            }
            __syncthreads();  // W (and D when not resident) are overwritten next
        }
#pragma unroll
        for (int i = 0; i < 4; ++i)
#pragma unroll
            for (int j = 0; j < kDgPix; ++j)
                G[(rg * 4 + i) * kThreads + (j < 4 ? pg * 4 + j : kThreads / 2 + pg * 4 + j - 4)] = acc[i][j];
        JPAC_TILE_BARRIER(11);
        for (int c = 0; c < nc; ++c) {
#pragma unroll
            for (int t = 0; t < KMAX; ++t) {
                if (t < kk) {
                    const float gv = G[(c * kk + t) * kThreads + p.tid];
                    const int at = c * plane + pix + ioff[t];
                    dK[t] += gv * tile[at];
                    if (want_input && gv * K[t] != 0.f) atomicAdd(&gtile[at], gv * K[t]);
                }
            }
        }
        __syncthreads();
        if (want_input) flush_input_grad(g, v, p, c0, nc, gtile);
        __syncthreads();  // the tiles and G are overwritten next
    }
    kernel_grads<KMAX>(g, a, p, goff, region, K, dK);
}

}  // namespace jpac::cuda
