#include "cpu/scratch.hpp"

#include <atomic>
#include <cstdlib>
#include <cstring>
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
}  // namespace

void ScratchBuffer::resize(size_t floats) {
    if (floats <= size_) return;
    release();
    size_t bytes = ((floats * sizeof(float) + 63) / 64) * 64;  // aligned_alloc needs a multiple
    data_ = static_cast<float*>(std::aligned_alloc(64, bytes));
    if (data_ == nullptr) throw std::bad_alloc();
    size_ = floats;
    account(static_cast<int64_t>(size_ * sizeof(float)));
}

void ScratchBuffer::zero() {
    if (data_ != nullptr) std::memset(data_, 0, size_ * sizeof(float));
}

void ScratchBuffer::release() {
    if (data_ == nullptr) return;
    std::free(data_);
    account(-static_cast<int64_t>(size_ * sizeof(float)));
    data_ = nullptr;
    size_ = 0;
}

void ScratchBuffer::swap(ScratchBuffer& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
}

int64_t scratch_peak_bytes() { return peak_bytes.load(); }
void scratch_reset_peak() { peak_bytes.store(current_bytes.load()); }

}  // namespace jpac::cpu
