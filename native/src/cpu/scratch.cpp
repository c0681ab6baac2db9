#include "cpu/scratch.hpp"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <new>
#include <utility>

namespace jpac::cpu {

namespace {
std::atomic<int64_t> current_bytes{0};
std::atomic<int64_t> peak_bytes{0};

void account(int64_t delta) {
    int64_t now = current_bytes.fetch_add(delta) + delta;
    int64_t peak = peak_bytes.load();
    while (now > peak && !peak_bytes.compare_exchange_weak(peak, now)) {
    }
}

// Below this, malloc reuses memory by itself; above it glibc maps fresh pages.
constexpr size_t kCachedMin = size_t(64) << 10;

// Freed blocks by size. A request takes the smallest block that fits, if that
// block is at most twice the request (so one huge block is not pinned by
// small requests).
class BlockCache {
public:
    void* take(size_t bytes, size_t& got) {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = blocks_.lower_bound(bytes);
        if (it == blocks_.end() || it->first > 2 * bytes) return nullptr;
        got = it->first;
        void* p = it->second;
        cached_ -= int64_t(got);
        blocks_.erase(it);
        return p;
    }

    // Keeps the block if it fits under the limit; otherwise frees it.
    void give(void* p, size_t bytes) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (int64_t(bytes) <= limit_) {
                // Make room by dropping the smallest blocks first: large ones cost most to fault in again.
                while (cached_ + int64_t(bytes) > limit_ && !blocks_.empty()) {
                    auto it = blocks_.begin();
                    cached_ -= int64_t(it->first);
                    std::free(it->second);
                    blocks_.erase(it);
                }
                blocks_.emplace(bytes, p);
                cached_ += int64_t(bytes);
                return;
            }
        }
        std::free(p);
    }

    void set_limit(int64_t bytes) {
        std::lock_guard<std::mutex> lock(mutex_);
        limit_ = bytes < 0 ? 0 : bytes;
        while (cached_ > limit_ && !blocks_.empty()) {
            auto it = blocks_.begin();
            cached_ -= int64_t(it->first);
            std::free(it->second);
            blocks_.erase(it);
        }
    }

    int64_t limit() {
        std::lock_guard<std::mutex> lock(mutex_);
        return limit_;
    }

    int64_t cached() {
        std::lock_guard<std::mutex> lock(mutex_);
        return cached_;
    }

    void trim() {
        std::lock_guard<std::mutex> lock(mutex_);
        for (auto& b : blocks_) std::free(b.second);
        blocks_.clear();
        cached_ = 0;
    }

private:
    std::mutex mutex_;
    std::multimap<size_t, void*> blocks_;
    int64_t cached_ = 0;
    int64_t limit_ = int64_t(256) << 20;
};

// Never destroyed: OpenMP workers may free scratch during process exit.
BlockCache& cache() {
    static BlockCache* c = new BlockCache();
    return *c;
}
}  // namespace

void ScratchBuffer::resize(size_t floats) {
    if (floats <= size_) return;
    release();
    size_t bytes = ((floats * sizeof(float) + 63) / 64) * 64;  // aligned_alloc needs a multiple
    size_t got = bytes;
    void* p = bytes >= kCachedMin ? cache().take(bytes, got) : nullptr;
    if (p == nullptr) {
        p = std::aligned_alloc(64, bytes);
        got = bytes;
    }
    if (p == nullptr) throw std::bad_alloc();
    data_ = static_cast<float*>(p);
    size_ = floats;
    bytes_ = got;
    account(static_cast<int64_t>(bytes_));
}

void ScratchBuffer::zero() {
    if (data_ != nullptr) std::memset(data_, 0, size_ * sizeof(float));
}

void ScratchBuffer::release() {
    if (data_ == nullptr) return;
    if (bytes_ >= kCachedMin) {
        cache().give(data_, bytes_);
    } else {
        std::free(data_);
    }
    account(-static_cast<int64_t>(bytes_));
    data_ = nullptr;
    size_ = 0;
    bytes_ = 0;
}

void ScratchBuffer::swap(ScratchBuffer& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    std::swap(bytes_, other.bytes_);
}

int64_t scratch_peak_bytes() { return peak_bytes.load(); }
void scratch_reset_peak() { peak_bytes.store(current_bytes.load()); }

void scratch_trim() { cache().trim(); }
void scratch_set_cache_limit(int64_t bytes) { cache().set_limit(bytes); }
int64_t scratch_cache_limit() { return cache().limit(); }
int64_t scratch_cached_bytes() { return cache().cached(); }

}  // namespace jpac::cpu
