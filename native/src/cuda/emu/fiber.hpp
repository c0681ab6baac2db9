// Fibers for the CUDA emulator: every emulated GPU thread of a block runs on
// its own small stack, and control passes between them only where CUDA lets
// threads wait for each other (__syncthreads, warp collectives). Switching is
// a hand-written register swap (x86-64 System V), about 100x cheaper than
// swapcontext, which also saves and restores the signal mask.
#pragma once
#include <cstddef>

namespace jpac::emu {

class Fiber {
public:
    using Entry = void (*)(void* arg);
    Fiber() = default;
    Fiber(const Fiber&) = delete;
    Fiber& operator=(const Fiber&) = delete;
    ~Fiber();

    // Prepares the fiber to run entry(arg) from the start at its next resume().
    // The stack (with a guard page below it) is kept between resets.
    void reset(Entry entry, void* arg, size_t stack_bytes);
    // Runs the fiber until it calls yield() or its entry returns.
    void resume();
    // Called on the fiber: back to whoever resumed it.
    void yield();
    bool finished() const { return finished_; }
    // The first frame of every fiber (called by the assembly trampoline).
    static void start_running();

private:
    void* stack_ = nullptr;
    size_t mapped_ = 0;
    void* sp_ = nullptr;         // the fiber's saved stack pointer
    void* caller_sp_ = nullptr;  // the resumer's saved stack pointer
    Entry entry_ = nullptr;
    void* arg_ = nullptr;
    bool finished_ = true;
};

}  // namespace jpac::emu
