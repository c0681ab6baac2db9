#include "api/cuda_backend.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <mutex>

#include "api/error.hpp"

namespace jpac {

namespace {

struct State {
    std::mutex mutex;
    bool attempted = false;
    std::string override_path;  // set_cuda_library
    CudaLibrary library;
    bool usable = false;
    std::string status;
};

State& state() {
    static State s;
    return s;
}

// The directory libjpac.so was loaded from.
std::string own_directory() {
    Dl_info info{};
    if (dladdr(reinterpret_cast<void*>(&jpac_version), &info) == 0 || info.dli_fname == nullptr) return ".";
    const std::string file(info.dli_fname);
    const size_t slash = file.rfind('/');
    return slash == std::string::npos ? "." : file.substr(0, slash);
}

template <typename T>
bool resolve(void* handle, const char* name, T& out, std::string& missing) {
    out = reinterpret_cast<T>(dlsym(handle, name));
    if (out == nullptr && missing.empty()) missing = name;
    return out != nullptr;
}

bool resolve_all(void* h, CudaLibrary& l, std::string& missing) {
    bool ok = true;
#define JPAC_CUDA_RESOLVE(name) ok &= resolve(h, "jpac_cuda_" #name, l.name, missing);
    JPAC_CUDA_FUNCTIONS(JPAC_CUDA_RESOLVE)
#undef JPAC_CUDA_RESOLVE
    return ok;
}

// Loads the library once; fills s.library and s.usable, and s.status with
// why it cannot be used or what was loaded.
void load(State& s) {
    std::string path, origin;
    const char* env = std::getenv("JPAC_CUDA_LIBRARY");
    if (!s.override_path.empty()) {
        path = s.override_path;
        origin = "named by jpac_set_cuda_library / -Djpac.cuda.library, a test hook";
    } else if (env != nullptr && *env != '\0') {
        path = env;
        origin = "named by JPAC_CUDA_LIBRARY, a test hook";
    } else {
        const std::string dir = own_directory();
        path = dir + "/libjpac_cuda.so";
        origin = "next to libjpac.so";
        if (access(path.c_str(), F_OK) != 0) {
            s.status = "libjpac_cuda.so is not next to libjpac.so (in " + dir +
                       "): this build has no CUDA backend (nvcc was not found when it was built)";
            return;
        }
    }
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
        const char* e = dlerror();
        s.status = "cannot load " + path + " (" + origin + "): " + (e ? e : "dlopen failed");
        return;
    }
    std::string missing;
    if (!resolve_all(handle, s.library, missing)) {
        s.status = path + " (" + origin + ") does not export " + missing +
                   ": it is not a libjpac_cuda of this jpac version";
        return;
    }
    s.library.path = path;
    s.library.is_emulated = s.library.emulated() != 0;
    char reason[512] = "";
    const int n = s.library.device_count(reason, int64_t(sizeof reason));
    if (n <= 0) {
        s.status = std::string(reason[0] != '\0' ? reason : "no CUDA device") + " (" + path + " loaded, " + origin + ")";
        return;
    }
    s.library.devices = n;
    s.usable = true;
    s.status = s.library.is_emulated
                   ? "EMULATED, not a GPU: " + path + " (" + origin +
                         ") runs the CUDA kernels on the CPU under jpac's emulator, with host memory as device memory"
                   : path + " (" + origin + "), " + std::to_string(n) + " CUDA device" + (n == 1 ? "" : "s");
}

}  // namespace

const CudaLibrary* cuda_library(std::string* status) {
    State& s = state();
    std::lock_guard<std::mutex> lock(s.mutex);
    if (!s.attempted) {
        s.attempted = true;
        load(s);
    }
    if (status != nullptr) *status = s.status;
    return s.usable ? &s.library : nullptr;
}

const CudaLibrary& require_cuda(int index) {
    std::string why;
    const CudaLibrary* l = cuda_library(&why);
    if (l == nullptr) throw Error(JPAC_ERR_UNSUPPORTED, "the CUDA backend is not available: " + why);
    if (index < 0 || index >= l->devices)
        throw Error(JPAC_ERR_INVALID_ARGUMENT, "device_index: cuda:" + std::to_string(index) + " does not exist (" +
                                                   std::to_string(l->devices) + " CUDA device" +
                                                   (l->devices == 1 ? "" : "s") + ")");
    return *l;
}

void set_cuda_library(const std::string& path) {
    State& s = state();
    std::lock_guard<std::mutex> lock(s.mutex);
    if (s.attempted)
        throw Error(JPAC_ERR_INVALID_ARGUMENT,
                    "path: the CUDA backend was already looked for (" + s.status + "); name the library before the first "
                    "CUDA query or call");
    s.override_path = path;
}

void throw_cuda_error(jpac_status status, const char* message) {
    throw Error(status, message != nullptr && message[0] != '\0'
                            ? std::string(message)
                            : "the CUDA backend failed with status " + std::to_string(int(status)));
}

}  // namespace jpac
