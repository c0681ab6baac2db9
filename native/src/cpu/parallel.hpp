// Work distribution of the CPU backend over OpenMP (the runtime oneDNN itself
// uses, so fused loops and oneDNN calls share one thread pool).
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>
#include <omp.h>
#include "cpu/plan.hpp"

namespace jpac::cpu {

// Threads of the current operation. Inside an operation (see
// OperationThreads) this is the count read once at its start, so that the
// per-thread workspaces an operation sizes and the parallel regions it opens
// agree even while jpac_set_num_threads runs on another thread.
int threads();
void set_threads(int n);  // 0: the machine's default

// Fixes threads() for the calling thread for its lifetime (the outermost one
// of nested operations wins).
class OperationThreads {
public:
    OperationThreads();
    ~OperationThreads();
    OperationThreads(const OperationThreads&) = delete;
    OperationThreads& operator=(const OperationThreads&) = delete;
private:
    int saved_, saved_omp_;
};

// Called first in each of jpac's parallel regions: a oneDNN call inside a
// tile (sgemm) runs on the calling team thread alone. Without it, a team of
// one thread (small ops, or setThreads(1)) is not "in parallel" for oneDNN,
// which then forks its own team for every tile's small GEMM; on a loaded
// machine each fork/join costs a time slice (a strided transposed PAC at
// one thread took seconds instead of tens of milliseconds).
inline void no_nested_teams() { omp_set_num_threads(1); }

// Threads for a loop over `pixels` output pixels in all: waking a team costs
// tens of microseconds, more than small ops take on one thread.
inline int threads_for(int64_t pixels, int64_t items) {
    return (items < 2 || pixels < 4096) ? 1 : threads();
}

// f(n, t0, T, thread) for every tile of every image, in parallel.
template <typename F>
void for_each_tile(int64_t batch, int64_t pixels, int tile, F&& f) {
    const int64_t tiles = (pixels + tile - 1) / tile;
    const int64_t items = batch * tiles;
#pragma omp parallel num_threads(threads_for(batch * pixels, items))
    {
        no_nested_teams();
#pragma omp for schedule(dynamic, 1)
        for (int64_t it = 0; it < items; ++it) {
            const int64_t n = it / tiles, t0 = (it % tiles) * tile;
            f(n, t0, int(std::min<int64_t>(tile, pixels - t0)), omp_get_thread_num());
        }
    }
}

// Like for_each_tile, but tiles of bands of output rows that read (and so
// scatter gradients into) overlapping input rows never run at the same time:
// even bands first, then odd ones (see band_height). Backward passes sum
// weight and kernel-parameter gradients per thread: a static schedule gives
// each thread the same bands in every call, so that for a given thread count
// the sums, and training runs, are bit-for-bit repeatable (a dynamic one gave
// a different rounding in most calls).
template <typename F>
void for_each_tile_scatter_safe(const Plan& plan, int tile, F&& f) {
    const int64_t wo = plan.cols.out_size, ho = plan.rows.out_size;
    const int64_t h = band_height(plan.rows, (2 * tile + wo - 1) / wo);
    const int64_t bands = (ho + h - 1) / h;
    for (int phase = 0; phase < 2; ++phase) {
        std::vector<std::pair<int64_t, int64_t>> items;  // (image, band)
        for (int64_t n = 0; n < plan.batch; ++n)
            for (int64_t b = phase; b < bands; b += 2) items.emplace_back(n, b);
#pragma omp parallel num_threads(threads_for(plan.batch * plan.out_pixels(), int64_t(items.size())))
        {
            no_nested_teams();
#pragma omp for schedule(static)
            for (int64_t it = 0; it < int64_t(items.size()); ++it) {
                const int64_t n = items[it].first, b = items[it].second;
                const int64_t end = std::min(ho, (b + 1) * h) * wo;
                for (int64_t t0 = b * h * wo; t0 < end; t0 += tile)
                    f(n, t0, int(std::min<int64_t>(tile, end - t0)), omp_get_thread_num());
            }
        }
    }
}

}  // namespace jpac::cpu
