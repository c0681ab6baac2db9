// jpac-cudnn-bench: cuDNN's fp32 convolutions of the shapes `jpac gpu-bench`
// times, the baseline of the GPU bundle's summary table (run.sh joins the two
// by case name). cuDNN is loaded at run time (libcudnn.so.9, from
// LD_LIBRARY_PATH or the loader's paths), so this builds with nvcc alone and
// says so plainly on a host without cuDNN. The few cuDNN functions it needs are
// declared here with their documented C signatures.
//
// Usage: jpac-cudnn-bench [--batch N] [--channels C] [--size H] [--runs N] [--warmup N]
// Prints a table and, per row, 'RESULT cudnn-fp32|cudnn-default CASE MEDIAN_MS'.
// Each case is timed like jpac's: wall clock around one call and a device
// synchronisation, median and minimum of --runs calls. Two rows per case:
// strict fp32 (CUDNN_FMA_MATH, no tensor cores) and cuDNN's default math
// (which may use TF32 tensor cores on sm_80+ for fp32 data).
#include <cuda_runtime.h>
#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

// ---- the part of cudnn.h this program uses (cuDNN 9, legacy convolution API) ----
using Handle = void*;
using Desc = void*;
constexpr int kStatusSuccess = 0;
constexpr int kFloat = 0;                // CUDNN_DATA_FLOAT
constexpr int kNchw = 0;                 // CUDNN_TENSOR_NCHW
constexpr int kCrossCorrelation = 1;     // CUDNN_CROSS_CORRELATION
constexpr int kDefaultMath = 0;          // CUDNN_DEFAULT_MATH
constexpr int kFmaMath = 3;              // CUDNN_FMA_MATH

// cudnnConvolution{Fwd,BwdData,BwdFilter}AlgoPerf_t share this layout.
struct AlgoPerf {
    int algo;
    int status;
    float time;
    size_t memory;
    int determinism;
    int mathType;
    int reserved[3];
};

struct Cudnn {
    int (*create)(Handle*);
    const char* (*errorString)(int);
    size_t (*version)();
    int (*createTensor)(Desc*);
    int (*setTensor4d)(Desc, int, int, int, int, int, int);
    int (*createFilter)(Desc*);
    int (*setFilter4d)(Desc, int, int, int, int, int, int);
    int (*createConv)(Desc*);
    int (*setConv2d)(Desc, int, int, int, int, int, int, int, int);
    int (*setGroupCount)(Desc, int);
    int (*setMathType)(Desc, int);
    int (*findFwd)(Handle, Desc, Desc, Desc, Desc, int, int*, AlgoPerf*);
    int (*findBwdData)(Handle, Desc, Desc, Desc, Desc, int, int*, AlgoPerf*);
    int (*findBwdFilter)(Handle, Desc, Desc, Desc, Desc, int, int*, AlgoPerf*);
    int (*forward)(Handle, const void*, Desc, const void*, Desc, const void*, Desc, int, void*, size_t,
                   const void*, Desc, void*);
    int (*backwardData)(Handle, const void*, Desc, const void*, Desc, const void*, Desc, int, void*, size_t,
                        const void*, Desc, void*);
    int (*backwardFilter)(Handle, const void*, Desc, const void*, Desc, const void*, Desc, int, void*, size_t,
                          const void*, Desc, void*);
};

[[noreturn]] void fail(const std::string& what) {
    std::fprintf(stderr, "jpac-cudnn-bench: %s\n", what.c_str());
    std::exit(1);
}

template <typename F>
void resolve(void* lib, const char* name, F& into) {
    void* p = dlsym(lib, name);
    if (p == nullptr) fail(std::string("libcudnn.so.9 has no ") + name);
    into = reinterpret_cast<F>(p);
}

Cudnn load() {
    void* lib = dlopen("libcudnn.so.9", RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
        std::printf("cuDNN: not found (%s): no cuDNN comparison on this host\n", dlerror());
        std::exit(3);
    }
    Cudnn c{};
    resolve(lib, "cudnnCreate", c.create);
    resolve(lib, "cudnnGetErrorString", c.errorString);
    resolve(lib, "cudnnGetVersion", c.version);
    resolve(lib, "cudnnCreateTensorDescriptor", c.createTensor);
    resolve(lib, "cudnnSetTensor4dDescriptor", c.setTensor4d);
    resolve(lib, "cudnnCreateFilterDescriptor", c.createFilter);
    resolve(lib, "cudnnSetFilter4dDescriptor", c.setFilter4d);
    resolve(lib, "cudnnCreateConvolutionDescriptor", c.createConv);
    resolve(lib, "cudnnSetConvolution2dDescriptor", c.setConv2d);
    resolve(lib, "cudnnSetConvolutionGroupCount", c.setGroupCount);
    resolve(lib, "cudnnSetConvolutionMathType", c.setMathType);
    resolve(lib, "cudnnFindConvolutionForwardAlgorithm", c.findFwd);
    resolve(lib, "cudnnFindConvolutionBackwardDataAlgorithm", c.findBwdData);
    resolve(lib, "cudnnFindConvolutionBackwardFilterAlgorithm", c.findBwdFilter);
    resolve(lib, "cudnnConvolutionForward", c.forward);
    resolve(lib, "cudnnConvolutionBackwardData", c.backwardData);
    resolve(lib, "cudnnConvolutionBackwardFilter", c.backwardFilter);
    return c;
}

const Cudnn* g_cudnn = nullptr;

void check(int status, const char* what) {
    if (status != kStatusSuccess) fail(std::string(what) + ": " + g_cudnn->errorString(status));
}

void checkCuda(cudaError_t e, const char* what) {
    if (e != cudaSuccess) fail(std::string(what) + ": " + cudaGetErrorString(e));
}

// A device buffer of n floats filled with a fixed pattern in [-1, 1).
struct Buffer {
    float* p = nullptr;
    explicit Buffer(size_t n) {
        checkCuda(cudaMalloc(&p, std::max<size_t>(n, 1) * sizeof(float)), "cudaMalloc");
        std::vector<float> host(n);
        uint32_t s = 12345;
        for (auto& v : host) {
            s = s * 1664525u + 1013904223u;
            v = float(s >> 8) / float(1 << 24) * 2.0f - 1.0f;
        }
        checkCuda(cudaMemcpy(p, host.data(), n * sizeof(float), cudaMemcpyHostToDevice), "cudaMemcpy");
    }
    Buffer(const Buffer&) = delete;
    ~Buffer() { cudaFree(p); }
};

Desc tensor(int n, int c, int h, int w) {
    Desc d;
    check(g_cudnn->createTensor(&d), "cudnnCreateTensorDescriptor");
    check(g_cudnn->setTensor4d(d, kNchw, kFloat, n, c, h, w), "cudnnSetTensor4dDescriptor");
    return d;
}

Desc filter(int k, int c, int r, int s) {
    Desc d;
    check(g_cudnn->createFilter(&d), "cudnnCreateFilterDescriptor");
    check(g_cudnn->setFilter4d(d, kFloat, kNchw, k, c, r, s), "cudnnSetFilter4dDescriptor");
    return d;
}

Desc convolution(int pad, int stride, int groups, int math) {
    Desc d;
    check(g_cudnn->createConv(&d), "cudnnCreateConvolutionDescriptor");
    check(g_cudnn->setConv2d(d, pad, pad, stride, stride, 1, 1, kCrossCorrelation, kFloat),
          "cudnnSetConvolution2dDescriptor");
    check(g_cudnn->setGroupCount(d, groups), "cudnnSetConvolutionGroupCount");
    check(g_cudnn->setMathType(d, math), "cudnnSetConvolutionMathType");
    return d;
}

// The fastest algorithm cuDNN's own search found that ran (status 0) with the
// requested math: under FMA math no tensor-core algorithm may be chosen.
AlgoPerf best(const AlgoPerf* found, int count, int math, const char* what) {
    for (int i = 0; i < count; i++) {
        if (found[i].status == kStatusSuccess && (math != kFmaMath || found[i].mathType == kFmaMath)) {
            return found[i];
        }
    }
    fail(std::string("no usable algorithm for ") + what);
}

struct Timing {
    double median, min;
};

template <typename F>
Timing time(int runs, int warmup, F&& call) {
    for (int i = 0; i < warmup; i++) call();
    checkCuda(cudaDeviceSynchronize(), "warm-up");
    std::vector<double> ms(runs);
    for (int i = 0; i < runs; i++) {
        auto t0 = std::chrono::steady_clock::now();
        call();
        checkCuda(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
        ms[i] = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    }
    std::sort(ms.begin(), ms.end());
    return {ms[runs / 2], ms[0]};
}

// One convolution problem: x (n, c, h, w) * w (k, c/groups, r, r) -> y (n, k, ho, wo).
struct Problem {
    int n, c, h, w, k, r, pad, stride, groups;
    int outH() const { return (h + 2 * pad - r) / stride + 1; }
    int outW() const { return (w + 2 * pad - r) / stride + 1; }
};

struct Setup {
    Desc x, w, y, conv;
    Buffer bx, bw, by;
    Setup(const Problem& p, int math)
        : x(tensor(p.n, p.c, p.h, p.w)), w(filter(p.k, p.c / p.groups, p.r, p.r)),
          y(tensor(p.n, p.k, p.outH(), p.outW())), conv(convolution(p.pad, p.stride, p.groups, math)),
          bx(size_t(p.n) * p.c * p.h * p.w), bw(size_t(p.k) * (p.c / p.groups) * p.r * p.r),
          by(size_t(p.n) * p.k * p.outH() * p.outW()) {}
};

struct Workspace {
    void* p = nullptr;
    explicit Workspace(size_t bytes) {
        if (bytes > 0) checkCuda(cudaMalloc(&p, bytes), "cudaMalloc (workspace)");
    }
    ~Workspace() { cudaFree(p); }
};

constexpr int kMaxAlgos = 16;
const float kOne = 1.0f, kZero = 0.0f;

Timing forward(Handle h, const Problem& p, int math, int runs, int warmup) {
    Setup s(p, math);
    AlgoPerf found[kMaxAlgos];
    int count = 0;
    check(g_cudnn->findFwd(h, s.x, s.w, s.conv, s.y, kMaxAlgos, &count, found), "cudnnFindConvolutionForwardAlgorithm");
    AlgoPerf a = best(found, count, math, "the forward");
    check(g_cudnn->setMathType(s.conv, a.mathType), "cudnnSetConvolutionMathType");
    Workspace ws(a.memory);
    return time(runs, warmup, [&] {
        check(g_cudnn->forward(h, &kOne, s.x, s.bx.p, s.w, s.bw.p, s.conv, a.algo, ws.p, a.memory, &kZero, s.y, s.by.p),
              "cudnnConvolutionForward");
    });
}

// The input gradient of p: also a transposed convolution from p's output shape to its input shape.
Timing backwardData(Handle h, const Problem& p, int math, int runs, int warmup) {
    Setup s(p, math);
    AlgoPerf found[kMaxAlgos];
    int count = 0;
    check(g_cudnn->findBwdData(h, s.w, s.y, s.conv, s.x, kMaxAlgos, &count, found),
          "cudnnFindConvolutionBackwardDataAlgorithm");
    AlgoPerf a = best(found, count, math, "the data backward");
    check(g_cudnn->setMathType(s.conv, a.mathType), "cudnnSetConvolutionMathType");
    Workspace ws(a.memory);
    return time(runs, warmup, [&] {
        check(g_cudnn->backwardData(h, &kOne, s.w, s.bw.p, s.y, s.by.p, s.conv, a.algo, ws.p, a.memory, &kZero, s.x,
                                    s.bx.p),
              "cudnnConvolutionBackwardData");
    });
}

// Input and weight gradients of p, one call of each per timed run.
Timing backward(Handle h, const Problem& p, int math, int runs, int warmup) {
    Setup s(p, math);
    Buffer dw(size_t(p.k) * (p.c / p.groups) * p.r * p.r);
    AlgoPerf found[kMaxAlgos];
    int count = 0;
    check(g_cudnn->findBwdData(h, s.w, s.y, s.conv, s.x, kMaxAlgos, &count, found),
          "cudnnFindConvolutionBackwardDataAlgorithm");
    AlgoPerf data = best(found, count, math, "the data backward");
    check(g_cudnn->findBwdFilter(h, s.x, s.y, s.conv, s.w, kMaxAlgos, &count, found),
          "cudnnFindConvolutionBackwardFilterAlgorithm");
    AlgoPerf filt = best(found, count, math, "the filter backward");
    // Each call gets the math type its algorithm was found with.
    Desc convFilter = convolution(p.pad, p.stride, p.groups, filt.mathType);
    check(g_cudnn->setMathType(s.conv, data.mathType), "cudnnSetConvolutionMathType");
    Workspace ws(std::max(data.memory, filt.memory));
    return time(runs, warmup, [&] {
        check(g_cudnn->backwardData(h, &kOne, s.w, s.bw.p, s.y, s.by.p, s.conv, data.algo, ws.p, data.memory, &kZero,
                                    s.x, s.bx.p),
              "cudnnConvolutionBackwardData");
        check(g_cudnn->backwardFilter(h, &kOne, s.x, s.bx.p, s.y, s.by.p, convFilter, filt.algo, ws.p, filt.memory,
                                      &kZero, s.w, dw.p),
              "cudnnConvolutionBackwardFilter");
    });
}

int intArg(int argc, char** argv, const char* name, int fallback) {
    for (int i = 1; i + 1 < argc; i++) {
        if (std::strcmp(argv[i], name) == 0) {
            int v = std::atoi(argv[i + 1]);
            if (v <= 0) fail(std::string(name) + " must be a positive integer, got " + argv[i + 1]);
            return v;
        }
    }
    return fallback;
}

}  // namespace

int main(int argc, char** argv) {
    int n = intArg(argc, argv, "--batch", 1);
    int c = intArg(argc, argv, "--channels", 32);
    int hw = intArg(argc, argv, "--size", 256);
    int runs = intArg(argc, argv, "--runs", 20);
    int warmup = intArg(argc, argv, "--warmup", 3);
    Cudnn lib = load();
    g_cudnn = &lib;
    Handle h;
    check(lib.create(&h), "cudnnCreate");
    cudaDeviceProp prop{};
    checkCuda(cudaGetDeviceProperties(&prop, 0), "cudaGetDeviceProperties");
    std::printf("cuDNN %zu on %s; wall clock per call + sync, %d runs after %d warm-up\n", lib.version(), prop.name,
                runs, warmup);
    std::printf("%-28s %-6s %-40s %10s %10s\n", "case", "math", "cuDNN op", "median ms", "min ms");
    // The shapes of jpac gpu-bench: 5x5 windows, padding 2, c -> c channels.
    Problem same{n, c, hw, hw, c, 5, 2, 1, 1};
    Problem depthwise{n, c, hw, hw, c, 5, 2, 1, c};
    Problem strided{n, c, hw, hw, c, 5, 2, 2, 1};  // its data backward: (hw/2) -> hw, transposed
    Problem wide7{n, c, hw, hw, c, 7, 3, 1, 1};    // gpu-bench's 7x7 and 9x9 cases
    Problem wide9{n, c, hw, hw, c, 9, 4, 1, 1};
    struct Math {
        int type;
        const char* name;
    };
    for (Math m : {Math{kFmaMath, "fp32"}, Math{kDefaultMath, "default"}}) {
        auto row = [&](const char* key, const char* op, Timing t) {
            std::printf("%-28s %-6s %-40s %10.3f %10.3f\n", key, m.name, op, t.median, t.min);
            std::printf("RESULT cudnn-%s %s %.4f\n", m.name, key, t.median);
            std::fflush(stdout);
        };
        row("conv2d_guided.forward", "forward", forward(h, same, m.type, runs, warmup));
        row("conv2d_guided.backward", "backward data + filter", backward(h, same, m.type, runs, warmup));
        row("conv_transpose2d_guided.forward", "backward data, stride 2", backwardData(h, strided, m.type, runs, warmup));
        row("pool2d_guided.forward", "depthwise forward (groups = channels)", forward(h, depthwise, m.type, runs, warmup));
        row("conv2d_guided.forward7x7", "forward, 7x7", forward(h, wide7, m.type, runs, warmup));
        row("conv2d_guided.forward9x9", "forward, 9x9", forward(h, wide9, m.type, runs, warmup));
    }
    return 0;
}
