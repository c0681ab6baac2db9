#include "cuda/emu/fiber.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#if !defined(__x86_64__)
#error "The CUDA emulator's fiber switch is written for x86-64 (System V ABI)"
#endif

// jpac_emu_switch(save, next): pushes the callee-saved registers and the
// MXCSR / x87 control words, stores the stack pointer in *save, loads `next`
// and pops the same frame from it. A fresh stack holds a frame whose return
// address is jpac_emu_fiber_trampoline.
extern "C" void jpac_emu_switch(void** save, void* next);
extern "C" void jpac_emu_fiber_trampoline();

asm(R"(
    .text
    .globl jpac_emu_switch
    .type jpac_emu_switch, @function
jpac_emu_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $8, %rsp
    stmxcsr (%rsp)
    fnstcw 4(%rsp)
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    ldmxcsr (%rsp)
    fldcw 4(%rsp)
    addq $8, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size jpac_emu_switch, .-jpac_emu_switch

    .globl jpac_emu_fiber_trampoline
    .type jpac_emu_fiber_trampoline, @function
jpac_emu_fiber_trampoline:
    call jpac_emu_fiber_main
    ud2
    .size jpac_emu_fiber_trampoline, .-jpac_emu_fiber_trampoline
)");

namespace jpac::emu {

namespace {
thread_local Fiber* t_running = nullptr;  // the fiber being started on this OS thread
}

}  // namespace jpac::emu

// Runs on the fiber's own stack; never returns (the last switch leaves it).
extern "C" void jpac_emu_fiber_main() { jpac::emu::Fiber::start_running(); }

namespace jpac::emu {

void Fiber::start_running() {
    Fiber* self = t_running;
    self->entry_(self->arg_);
    self->finished_ = true;
    jpac_emu_switch(&self->sp_, self->caller_sp_);
    std::abort();  // a finished fiber is never resumed
}

Fiber::~Fiber() {
    if (stack_) munmap(stack_, mapped_);
}

void Fiber::reset(Entry entry, void* arg, size_t stack_bytes) {
    const size_t page = size_t(sysconf(_SC_PAGESIZE));
    const size_t want = (stack_bytes + page - 1) / page * page + page;  // + guard page
    if (stack_ == nullptr || mapped_ != want) {
        if (stack_) munmap(stack_, mapped_);
        void* p = mmap(nullptr, want, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            std::fprintf(stderr, "jpac emu: cannot map a fiber stack of %zu bytes\n", want);
            std::abort();
        }
        mprotect(p, page, PROT_NONE);  // an overflow faults instead of corrupting memory
        stack_ = p;
        mapped_ = want;
    }
    entry_ = entry;
    arg_ = arg;
    finished_ = false;
    // Initial frame, from the top: trampoline address, six zeroed registers,
    // then MXCSR (all exceptions masked) and the x87 control word.
    auto top = reinterpret_cast<uintptr_t>(stack_) + mapped_;
    top &= ~uintptr_t(15);
    auto* words = reinterpret_cast<uint64_t*>(top);
    words[-1] = reinterpret_cast<uint64_t>(&jpac_emu_fiber_trampoline);
    for (int i = 2; i <= 7; ++i) words[-i] = 0;
    const uint32_t control[2] = {0x1F80u, 0x037Fu};
    std::memcpy(&words[-8], control, sizeof control);
    sp_ = &words[-8];
}

void Fiber::resume() {
    Fiber* outer = t_running;
    t_running = this;
    jpac_emu_switch(&caller_sp_, sp_);
    t_running = outer;
}

void Fiber::yield() { jpac_emu_switch(&sp_, caller_sp_); }

}  // namespace jpac::emu
