// Scratch buffers of the CPU backend. Every temporary the ops allocate goes
// through here, so the peak can be measured (jpac_scratch_peak_bytes).
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
    size_t size_ = 0;
};

int64_t scratch_peak_bytes();
void scratch_reset_peak();

}  // namespace jpac::cpu
