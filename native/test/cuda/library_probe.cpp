// ctest: libjpac_cuda loads on a machine without a GPU (static CUDA runtime:
// nothing but the driver's libcuda is looked for, at run time), exports its C
// ABI, and answers the device query with a count or a reason instead of
// failing. Usage: jpac_cuda_library_probe <path to libjpac_cuda.so>
#include <dlfcn.h>

#include <cstdint>
#include <cstdio>

int main(int argc, char** argv) {
    if (argc < 2) return 2;
    void* lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
        std::printf("cannot load %s: %s\n", argv[1], dlerror());
        return 1;
    }
    const char* symbols[] = {"jpac_cuda_device_count", "jpac_cuda_emulated", "jpac_cuda_malloc", "jpac_cuda_free", "jpac_cuda_copy",
                             "jpac_cuda_kernel2d_forward", "jpac_cuda_kernel2d_backward", "jpac_cuda_conv_forward",
                             "jpac_cuda_conv_backward", "jpac_cuda_conv_guided_forward",
                             "jpac_cuda_conv_guided_backward", "jpac_cuda_pool_forward", "jpac_cuda_pool_backward"};
    for (const char* s : symbols)
        if (dlsym(lib, s) == nullptr) {
            std::printf("libjpac_cuda does not export %s\n", s);
            return 1;
        }
    auto count = reinterpret_cast<int32_t (*)(char*, int64_t)>(dlsym(lib, "jpac_cuda_device_count"));
    char reason[256] = "";
    const int32_t n = count(reason, sizeof reason);
    if (n == 0 && reason[0] == '\0') {
        std::printf("no device and no reason given\n");
        return 1;
    }
    std::printf("libjpac_cuda loaded; CUDA devices: %d%s%s\n", n, n == 0 ? ", because: " : "", reason);
    return 0;
}
