// Scratch buffers of the CPU backend. Every temporary the ops allocate goes
// through here, so the peak can be measured (jpac_scratch_peak_bytes).
// Freed buffers of 64 KiB and more are kept in a bounded cache and handed
// out again: an application that calls the same shapes over and over then
// reuses warm pages instead of faulting in fresh ones on every call.
#pragma once
#include <cstddef>
#include <cstdint>

namespace jpac::cpu {

class ScratchBuffer {
public:
    ScratchBuffer() = default;
    explicit ScratchBuffer(size_t floats) { resize(floats); }
    ~ScratchBuffer() { release(); }
    ScratchBuffer(const ScratchBuffer&) = delete;
    ScratchBuffer& operator=(const ScratchBuffer&) = delete;
    ScratchBuffer(ScratchBuffer&& other) noexcept { swap(other); }
    ScratchBuffer& operator=(ScratchBuffer&& other) noexcept { swap(other); return *this; }

    // Contents are undefined after resize (callers overwrite or zero them).
    void resize(size_t floats);
    void zero();
    float* data() const { return data_; }
    size_t size() const { return size_; }

private:
    void release();
    void swap(ScratchBuffer& other) noexcept;
    float* data_ = nullptr;
    size_t size_ = 0;   // floats asked for
    size_t bytes_ = 0;  // bytes of the block held (may be more)
};

int64_t scratch_peak_bytes();
void scratch_reset_peak();

void scratch_trim();                          // frees every cached block
void scratch_set_cache_limit(int64_t bytes);  // 0 disables the cache
int64_t scratch_cache_limit();
int64_t scratch_cached_bytes();

}  // namespace jpac::cpu
