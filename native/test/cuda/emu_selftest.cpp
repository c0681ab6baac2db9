// ctest: the emulator itself. Barriers, warp collectives, atomics and dynamic
// shared memory behave as on a GPU in every thread order, and the misuses it
// promises to catch (a barrier some threads skip, a partial-mask collective,
// a read before the barrier) are caught.
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "cuda/kernels/compat.cuh"

namespace {

int failures = 0;
void check(bool ok, const std::string& what) {
    if (!ok) {
        std::printf("FAILED: %s\n", what.c_str());
        ++failures;
    }
}

__global__ void neighbour_kernel(float* out, int with_barrier) {
    JPAC_DYNAMIC_SHARED(s);
    const int t = int(threadIdx.x), n = int(blockDim.x);
    s[t] = float(t + 1000 * int(blockIdx.x));
    if (with_barrier) __syncthreads();
    out[blockIdx.x * blockDim.x + t] = s[(t + 1) % n];
}

__global__ void warp_kernel(unsigned* out) {
    const unsigned lane = threadIdx.x % 32;
    float v = float(lane);
    for (int s = 16; s > 0; s >>= 1) v += __shfl_xor_sync(0xffffffffu, v, s);
    out[threadIdx.x * 4 + 0] = unsigned(v);                                         // 496
    out[threadIdx.x * 4 + 1] = __shfl_sync(0xffffffffu, lane * 3, 5);               // 15
    out[threadIdx.x * 4 + 2] = __shfl_down_sync(0xffffffffu, lane, 1u);             // lane+1 or lane
    out[threadIdx.x * 4 + 3] = __ballot_sync(0xffffffffu, int(lane & 1u));          // 0xAAAAAAAA
}

__global__ void atomic_kernel(int* counter, float* sum) {
    atomicAdd(counter, 1);
    atomicAdd(sum, 0.5f);
}

__global__ void early_exit_kernel(float* out) {
    if (threadIdx.x >= 32) return;
    __syncthreads();
    out[threadIdx.x] = 1.f;
}

__global__ void partial_mask_kernel(float* out) {
    out[threadIdx.x] = __shfl_sync(0x0000ffffu, 1.f, 0);
}

__global__ void index_kernel(int* out) {
    const int b = int(blockIdx.x + gridDim.x * (blockIdx.y + gridDim.y * blockIdx.z));
    const int t = int(threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z));
    out[b * int(blockDim.x * blockDim.y * blockDim.z) + t] = b * 1000 + t;
}

// Writes one float past the `floats` of dynamic shared memory it was given.
__global__ void shared_overflow_kernel(int floats) {
    JPAC_DYNAMIC_SHARED(smem);
    if (threadIdx.x == 0) smem[floats] = 1.f;
}

// Every block writes its index to the same place: the last block to run wins.
__global__ void last_block_kernel(int* out) {
    if (threadIdx.x == 0) *out = int(blockIdx.x);
}

template <typename F>
bool throws(F&& f) {
    try {
        f();
    } catch (const std::runtime_error&) {
        return true;
    }
    return false;
}

}  // namespace

int main() {
    using jpac::emu::Order;
    for (Order order : {Order::forward, Order::reverse, Order::random}) {
        jpac::emu::set_order(order, 7);
        const std::string tag = std::string(" (") + jpac::emu::order_name(order) + ")";

        std::vector<float> out(3 * 64);
        JPAC_LAUNCH(neighbour_kernel, dim3(3), dim3(64), 64 * sizeof(float), nullptr, out.data(), 1);
        bool ok = true;
        for (int b = 0; b < 3; ++b)
            for (int t = 0; t < 64; ++t) ok = ok && out[b * 64 + t] == float((t + 1) % 64 + 1000 * b);
        check(ok, "a barrier orders shared writes before reads" + tag);

        JPAC_LAUNCH(neighbour_kernel, dim3(3), dim3(64), 64 * sizeof(float), nullptr, out.data(), 0);
        int wrong = 0;
        for (int i = 0; i < 3 * 64; ++i) wrong += std::isnan(out[i]) ? 1 : 0;
        check(wrong > 0, "without the barrier some thread reads unwritten (NaN) shared memory" + tag);

        std::vector<unsigned> w(64 * 4);
        JPAC_LAUNCH(warp_kernel, dim3(1), dim3(64), 0, nullptr, w.data());
        ok = true;
        for (unsigned t = 0; t < 64; ++t) {
            const unsigned lane = t % 32;
            ok = ok && w[t * 4] == 496 && w[t * 4 + 1] == 15 && w[t * 4 + 2] == (lane < 31 ? lane + 1 : lane) &&
                 w[t * 4 + 3] == 0xAAAAAAAAu;
        }
        check(ok, "warp shuffles (xor, broadcast, down) and ballot" + tag);

        int counter = 0;
        float sum = 0.f;
        JPAC_LAUNCH(atomic_kernel, dim3(4, 2), dim3(32, 2), 0, nullptr, &counter, &sum);
        check(counter == 512 && sum == 256.f, "atomicAdd over a 2-D grid" + tag);

        std::vector<int> idx(2 * 3 * 2 * 4 * 2 * 8);
        JPAC_LAUNCH(index_kernel, dim3(2, 3, 2), dim3(4, 2, 8), 0, nullptr, idx.data());
        ok = true;
        for (int b = 0; b < 12; ++b)
            for (int t = 0; t < 64; ++t) ok = ok && idx[b * 64 + t] == b * 1000 + t;
        check(ok, "threadIdx / blockIdx / blockDim / gridDim in three dimensions" + tag);

        check(throws([&] { JPAC_LAUNCH(early_exit_kernel, dim3(1), dim3(64), 0, nullptr, out.data()); }),
              "a __syncthreads that exited threads skip is reported" + tag);
        int last = -1;
        JPAC_LAUNCH(last_block_kernel, dim3(8), dim3(32), 0, nullptr, &last);
        check(order == Order::forward ? last == 7 : order == Order::reverse ? last == 0 : last >= 0,
              "blocks run in the chosen order (a kernel may not rely on any)" + tag);
        check(throws([&] { JPAC_LAUNCH(shared_overflow_kernel, dim3(2), dim3(32), 16 * sizeof(float), nullptr, 16); }),
              "a write past the block's dynamic shared memory is reported" + tag);
        check(!throws([&] { JPAC_LAUNCH(shared_overflow_kernel, dim3(2), dim3(32), 17 * sizeof(float), nullptr, 16); }),
              "a write at the last float of the block's dynamic shared memory is fine" + tag);
        check(throws([&] { JPAC_LAUNCH(partial_mask_kernel, dim3(1), dim3(32), 0, nullptr, out.data()); }),
              "a partial-mask warp collective is refused" + tag);
    }
    std::printf(failures == 0 ? "emulator self-test passed\n" : "emulator self-test: %d failures\n", failures);
    return failures == 0 ? 0 : 1;
}
