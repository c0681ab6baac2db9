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

struct CudaLibrary {
    decltype(&jpac_cuda_device_count) device_count;
    decltype(&jpac_cuda_emulated) emulated;
    decltype(&jpac_cuda_malloc) malloc;
    decltype(&jpac_cuda_free) free;
    decltype(&jpac_cuda_copy) copy;
    decltype(&jpac_cuda_kernel2d_forward) kernel2d_forward;
    decltype(&jpac_cuda_kernel2d_backward) kernel2d_backward;
    decltype(&jpac_cuda_conv_forward) conv_forward;
    decltype(&jpac_cuda_conv_backward) conv_backward;
    decltype(&jpac_cuda_conv_guided_forward) conv_guided_forward;
    decltype(&jpac_cuda_conv_guided_backward) conv_guided_backward;
    decltype(&jpac_cuda_pool_forward) pool_forward;
    decltype(&jpac_cuda_pool_backward) pool_backward;
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
