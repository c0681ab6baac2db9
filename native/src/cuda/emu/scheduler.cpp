// Runs a grid: blocks one after the other, each block's threads as fibers
// resumed in the chosen order until every one waits (at a barrier or a warp
// collective) or has finished; then the waiting group is released.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <memory>
#include <numeric>
#include <random>
#include <vector>

#include "cuda/emu/cuda_emu.hpp"
#include "cuda/emu/fiber.hpp"

namespace jpac::emu {

namespace {

constexpr size_t kStackBytes = 128 * 1024;

enum class State { runnable, at_barrier, at_warp, done };

struct Thread {
    Fiber fiber;
    ThreadContext ctx;
    State state = State::runnable;
    int collective = 0;  // kind of warp collective it waits at
};

struct Block {
    std::vector<std::unique_ptr<Thread>> threads;
    // Two exchange buffers per warp, used by alternate collectives: a lane
    // can only reach collective g+2 after every lane has left collective g.
    std::vector<uint64_t> exchange;    // [warps][2][32]
    std::vector<unsigned> generation;  // [warps]
    std::vector<float> shared;         // dynamic shared memory, then kSharedGuard guard floats
    size_t shared_floats = 0;          // what the launch asked for
    const std::function<void()>* body = nullptr;
    std::string error;
};

thread_local Order t_order = Order::forward;
thread_local int t_dropped_barrier = 0;
thread_local uint64_t t_seed = 1;
thread_local Block* t_block = nullptr;
thread_local Thread* t_thread = nullptr;

void thread_entry(void* arg) {
    auto* self = static_cast<Thread*>(arg);
    (*t_block->body)();
    if (!self->ctx.copy_groups.empty() || !self->ctx.open_copies.empty())
        t_block->error = "a thread exited with asynchronous copies it never waited for";
    self->state = State::done;
}

void switch_out(State state, int collective) {
    Thread* self = t_thread;
    self->state = state;
    self->collective = collective;
    self->fiber.yield();
    t_thread = self;  // other fibers ran in between
}

// Releases warps whose live lanes all wait at a collective; returns whether any was.
bool release_warps(Block& b) {
    bool any = false;
    const size_t n = b.threads.size();
    for (size_t w0 = 0; w0 < n; w0 += 32) {
        const size_t w1 = std::min(n, w0 + 32);
        int kind = 0, waiting = 0, other = 0;
        for (size_t i = w0; i < w1; ++i) {
            Thread& t = *b.threads[i];
            if (t.state == State::at_warp) {
                if (kind != 0 && kind != t.collective) {
                    b.error = "lanes of warp " + std::to_string(w0 / 32) +
                              " wait at different warp collectives";
                    return false;
                }
                kind = t.collective;
                ++waiting;
            } else {
                ++other;
            }
        }
        if (waiting == 0) continue;
        if (other != 0) {
            // A lane at a barrier, or exited, while others of its warp wait at
            // a collective: the collective would not complete on a GPU either,
            // unless the stragglers are still runnable (checked by the caller).
            bool blocked = true;
            for (size_t i = w0; i < w1; ++i)
                if (b.threads[i]->state == State::runnable) blocked = false;
            if (blocked) {
                b.error = "warp " + std::to_string(w0 / 32) +
                          ": a warp collective is not reached by every lane (exited or at __syncthreads)";
                return false;
            }
            continue;
        }
        ++b.generation[w0 / 32];
        for (size_t i = w0; i < w1; ++i) b.threads[i]->state = State::runnable;
        any = true;
    }
    return any;
}

// Floats past the end of a block's dynamic shared memory, filled with a
// marker and checked after the block: a kernel that writes beyond what its
// launch asked for (on a GPU: another block's memory, or a fault) fails.
constexpr size_t kSharedGuard = 1024;
float guard_value() {
    const uint32_t bits = 0x7fc0deadu;  // a NaN no arithmetic produces
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

void check_shared_guard(const Block& b, uint3 at) {
    const float marker = guard_value();
    for (size_t i = b.shared_floats; i < b.shared.size(); ++i) {
        if (std::memcmp(&b.shared[i], &marker, sizeof marker) != 0)
            throw std::runtime_error("CUDA emulator: block (" + std::to_string(at.x) + "," + std::to_string(at.y) + "," +
                                     std::to_string(at.z) + ") wrote past the end of its " +
                                     std::to_string(b.shared_floats * 4) + " bytes of dynamic shared memory (at byte " +
                                     std::to_string(i * 4) + ")");
    }
}

void run_block(Block& b, uint3 block_idx, std::mt19937_64& rng) {
    const size_t n = b.threads.size();
    std::fill(b.shared.begin(), b.shared.begin() + ptrdiff_t(b.shared_floats), std::numeric_limits<float>::quiet_NaN());
    std::fill(b.shared.begin() + ptrdiff_t(b.shared_floats), b.shared.end(), guard_value());
    std::fill(b.exchange.begin(), b.exchange.end(), 0);
    std::fill(b.generation.begin(), b.generation.end(), 0);
    for (auto& t : b.threads) {
        t->ctx.block_idx = block_idx;
        t->ctx.dynamic_shared = b.shared.empty() ? nullptr : b.shared.data();
        t->state = State::runnable;
        t->ctx.copy_groups.clear();
        t->ctx.open_copies.clear();
        t->fiber.reset(&thread_entry, t.get(), kStackBytes);
    }
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), size_t(0));
    if (t_order == Order::reverse) std::reverse(order.begin(), order.end());
    for (;;) {
        if (t_order == Order::random) std::shuffle(order.begin(), order.end(), rng);
        for (size_t i : order) {
            Thread& t = *b.threads[i];
            if (t.state != State::runnable) continue;
            t_thread = &t;
            t.fiber.resume();
            if (!b.error.empty()) throw std::runtime_error("CUDA emulator: " + b.error);
        }
        if (release_warps(b)) continue;
        if (!b.error.empty()) throw std::runtime_error("CUDA emulator: " + b.error);
        size_t done = 0, barrier = 0;
        for (auto& t : b.threads) {
            done += t->state == State::done;
            barrier += t->state == State::at_barrier;
        }
        if (done == n) return;
        if (barrier + done == n) {
            if (done != 0)
                throw std::runtime_error("CUDA emulator: __syncthreads reached by " + std::to_string(barrier) +
                                         " threads of block (" + std::to_string(block_idx.x) + "," +
                                         std::to_string(block_idx.y) + "," + std::to_string(block_idx.z) +
                                         ") while " + std::to_string(done) + " have exited");
            for (auto& t : b.threads) t->state = State::runnable;
            continue;
        }
        throw std::runtime_error("CUDA emulator: threads wait at both a barrier and warp collectives (deadlock)");
    }
}

}  // namespace

void set_order(Order order, uint64_t seed) {
    t_order = order;
    t_seed = seed;
}
Order order() { return t_order; }
const char* order_name(Order order) {
    switch (order) {
        case Order::forward: return "forward";
        case Order::reverse: return "reverse";
        case Order::random: return "random";
    }
    return "?";
}

ThreadContext& current() {
    if (t_thread == nullptr) throw std::logic_error("CUDA emulator: a device builtin used outside a kernel");
    return t_thread->ctx;
}

void drop_barrier(int id) { t_dropped_barrier = id; }
bool barrier_dropped(int id) { return id == t_dropped_barrier; }

void syncthreads() { switch_out(State::at_barrier, 0); }

void copy_async(float* dst, const float* src) { current().open_copies.push_back({dst, src}); }

void copy_commit() {
    ThreadContext& c = current();
    c.copy_groups.push_back(std::move(c.open_copies));
    c.open_copies.clear();
}

void copy_wait_prior(size_t pending) {
    ThreadContext& c = current();
    while (c.copy_groups.size() > pending) {
        for (const AsyncCopy& a : c.copy_groups.front()) *a.dst = *a.src;
        c.copy_groups.erase(c.copy_groups.begin());
    }
}

void fail(const std::string& message) {
    t_block->error = message;
    t_thread->fiber.yield();  // never resumed: the launch throws
}

const uint64_t* warp_exchange(unsigned mask, uint64_t value, int kind) {
    if (mask != 0xffffffffu) fail("warp collective with a partial mask (not emulated; use the full mask)");
    Block& b = *t_block;
    const unsigned linear = t_thread->ctx.linear, warp = linear / 32, lane = linear % 32;
    if (b.threads.size() < size_t(warp + 1) * 32) fail("warp collective in a partial warp (block size not a multiple of 32)");
    uint64_t* slots = b.exchange.data() + (size_t(warp) * 2 + (b.generation[warp] & 1u)) * 32;
    slots[lane] = value;
    switch_out(State::at_warp, kind);
    // Released: generation advanced by one, so the buffer used is the other parity.
    return b.exchange.data() + (size_t(warp) * 2 + ((b.generation[warp] - 1) & 1u)) * 32;
}

void syncwarp(unsigned mask) { warp_exchange(mask, 0, kSyncWarp); }

namespace {
std::atomic<long long> g_launches{0};
std::atomic<ArgumentCheck> g_argument_check{nullptr};
thread_local int t_last_error = 0;
thread_local std::string t_last_error_text;
}  // namespace

long long launches() { return g_launches.load(); }

unsigned grid_z_limit() {
    static const unsigned limit = [] {
        const char* v = std::getenv("JPAC_CUDA_EMU_GRID_Z");
        const long n = v != nullptr ? std::atol(v) : 65535;
        return unsigned(n < 1 || n > 65535 ? 65535 : n);
    }();
    return limit;
}

void set_last_error(int code, const char* text) {
    t_last_error = code;
    t_last_error_text = text != nullptr ? text : "";
}

int take_last_error(std::string* text) {
    const int code = t_last_error;
    if (text != nullptr) *text = t_last_error_text;
    t_last_error = 0;
    t_last_error_text.clear();
    return code;
}

void set_argument_check(ArgumentCheck check) { g_argument_check.store(check); }

void check_arguments(const void* arguments, size_t bytes) {
    if (const ArgumentCheck check = g_argument_check.load()) check(arguments, bytes);
}

void run_grid(dim3 grid, dim3 block, size_t shared_bytes, const std::function<void()>& body) {
    g_launches.fetch_add(1);
    const size_t n = size_t(block.x) * block.y * block.z;
    if (n == 0 || n > 1024) throw std::invalid_argument("CUDA emulator: block of " + std::to_string(n) + " threads");
    if (grid.y > 65535 || grid.z > grid_z_limit())
        throw std::invalid_argument("CUDA emulator: grid.y above 65535 or grid.z above " +
                                    std::to_string(grid_z_limit()));
    if (shared_bytes > 227 * 1024) throw std::invalid_argument("CUDA emulator: more than 227 KiB of dynamic shared memory");
    Block b;
    b.body = &body;
    b.shared_floats = (shared_bytes + sizeof(float) - 1) / sizeof(float);
    b.shared.resize(b.shared_floats + kSharedGuard);
    b.exchange.resize((n + 31) / 32 * 64);
    b.generation.resize((n + 31) / 32);
    b.threads.reserve(n);
    for (unsigned z = 0; z < block.z; ++z)
        for (unsigned y = 0; y < block.y; ++y)
            for (unsigned x = 0; x < block.x; ++x) {
                auto t = std::make_unique<Thread>();
                t->ctx.thread_idx = {x, y, z};
                t->ctx.block_dim = block;
                t->ctx.grid_dim = grid;
                t->ctx.linear = unsigned(b.threads.size());
                b.threads.push_back(std::move(t));
            }
    Block* outer_block = t_block;
    Thread* outer_thread = t_thread;
    t_block = &b;
    std::mt19937_64 rng(t_seed);
    try {
        // Blocks run in the same order as threads: a block that writes what
        // another block owns (no GPU orders blocks) then shows up as a wrong result.
        std::vector<uint3> blocks;
        blocks.reserve(size_t(grid.x) * grid.y * grid.z);
        for (unsigned z = 0; z < grid.z; ++z)
            for (unsigned y = 0; y < grid.y; ++y)
                for (unsigned x = 0; x < grid.x; ++x) blocks.push_back({x, y, z});
        if (t_order == Order::reverse) std::reverse(blocks.begin(), blocks.end());
        if (t_order == Order::random) std::shuffle(blocks.begin(), blocks.end(), rng);
        for (const uint3& at : blocks) {
            run_block(b, at, rng);
            check_shared_guard(b, at);
        }
    } catch (...) {
        t_block = outer_block;
        t_thread = outer_thread;
        throw;
    }
    t_block = outer_block;
    t_thread = outer_thread;
}

}  // namespace jpac::emu
