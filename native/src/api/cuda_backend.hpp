// libjpac_cuda, loaded at run time: libjpac links no CUDA code, so it runs
// where there is no GPU, driver or CUDA library at all. The library is looked
// for next to libjpac.so, or where the test hook names it (JPAC_CUDA_LIBRARY in
// the environment, or jpac_set_cuda_library, which Java calls for
// -Djpac.cuda.library), e.g. the emulated build libjpac_cuda_emu.so.
#pragma once
#include <initializer_list>
#include <optional>
#include <string>

#include "api/validate.hpp"
#include "cuda/jpac_cuda.h"

namespace jpac {

// Every function of jpac_cuda.h, by the name after "jpac_cuda_".
#define JPAC_CUDA_FUNCTIONS(X)                                                                          \
    X(device_count) X(emulated) X(malloc) X(free) X(copy) X(kernel2d_forward) X(kernel2d_backward)    \
    X(conv_forward) X(conv_backward) X(conv_guided_forward) X(conv_guided_backward) X(pool_forward)    \
    X(pool_backward) X(std_conv_forward) X(std_conv_backward) X(relu_forward) X(relu_backward)         \
    X(resize_bilinear_forward) X(resize_bilinear_backward) X(avg_pool2d_forward) X(avg_pool2d_backward) \
    X(softmax_forward) X(softmax_backward) X(batch_norm_inference) X(axpby) X(copy_channels)           \
    X(crop2d_forward) X(crop2d_backward)

struct CudaLibrary {
#define JPAC_CUDA_MEMBER(name) decltype(&jpac_cuda_##name) name;
    JPAC_CUDA_FUNCTIONS(JPAC_CUDA_MEMBER)
#undef JPAC_CUDA_MEMBER
    std::string path;
    bool is_emulated = false;
    int devices = 0;
};

// The loaded library with at least one device, or nullptr; `status` receives
// why not (no library, no driver, no device), or what was loaded. Loaded once.
const CudaLibrary* cuda_library(std::string* status);

// The library for a call on CUDA device `index`; throws Error
// (JPAC_ERR_UNSUPPORTED) saying why the backend cannot run.
const CudaLibrary& require_cuda(int index);

// Test hook: load `path` instead of the libjpac_cuda.so next to libjpac.so.
// Throws Error when the library has been loaded already.
void set_cuda_library(const std::string& path);

[[noreturn]] void throw_cuda_error(jpac_status status, const char* message);

// Runs a jpac_cuda_* function with an error buffer; throws Error with its
// status and message when it fails.
template <typename Fn, typename... Args>
void cuda_run(Fn fn, Args... args) {
    char message[1024] = "";
    const jpac_status s = fn(args..., message, int64_t(sizeof message));
    if (s != JPAC_OK) throw_cuda_error(s, message);
}

// Where one operation runs: on the device of its first CUDA tensor (every
// other tensor must then be there too, which validate.hpp's checks enforce),
// else on the CPU (where a CUDA tensor is then an error).
class CallPlace {
public:
    explicit CallPlace(std::initializer_list<const jpac_tensor*> tensors) {
        if (const jpac_tensor* t = first_cuda(tensors)) {
            cuda_ = &require_cuda(t->device_index);
            device_.emplace(JPAC_DEVICE_CUDA, t->device_index);
        }
    }
    // The CUDA library when the call runs on CUDA, else nullptr.
    const CudaLibrary* cuda() const { return cuda_; }

private:
    const CudaLibrary* cuda_ = nullptr;
    std::optional<CallDevice> device_;
};

}  // namespace jpac
