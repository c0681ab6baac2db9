// The CPU kernels never read or write past their tensors: every tensor of a
// call ends exactly at a page that may not be touched (PROT_NONE), so a load
// or store beyond the last element faults and fails the test. Vectorised loops
// that load a strided run as whole vectors, or a wrong batch stride, have done
// so (a stride-2 energy run read one float past the guide). Runs guided conv,
// pooling and kernel2d forward and backward over strides, dilations, widths,
// channel-wise kernels, masks and smoothing, at the CPU's own vector ISA.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "jpac.h"

namespace {

// Tensors whose last element sits right before a protected page.
class GuardedTensors {
public:
    ~GuardedTensors() {
        for (auto& m : maps_) munmap(m.first, m.second);
    }
    jpac_tensor make(std::vector<int64_t> shape, float fill_from) {
        size_t n = 1;
        for (int64_t d : shape) n *= size_t(d);
        const size_t page = size_t(sysconf(_SC_PAGESIZE)), bytes = n * sizeof(float);
        const size_t pages = (bytes + page - 1) / page + 1;
        char* base = static_cast<char*>(mmap(nullptr, pages * page, PROT_READ | PROT_WRITE,
                                             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
        if (base == MAP_FAILED || mprotect(base + (pages - 1) * page, page, PROT_NONE) != 0) {
            std::perror("mmap");
            std::exit(2);
        }
        maps_.push_back({base, pages * page});
        float* data = reinterpret_cast<float*>(base + (pages - 1) * page - bytes);
        for (size_t i = 0; i < n; ++i) data[i] = fill_from + 0.01f * float(i % 97);
        jpac_tensor t{};
        t.data = data;
        t.ndim = int32_t(shape.size());
        for (size_t i = 0; i < shape.size(); ++i) t.shape[i] = shape[i];
        return t;
    }

private:
    std::vector<std::pair<char*, size_t>> maps_;
};

int64_t out_size(int64_t in, int k, int s, int p, int d) { return (in + 2 * p - d * (k - 1) - 1) / s + 1; }

int failures = 0;
void check(int status, const char* what, int s, int d, int64_t w, int cw) {
    if (status == JPAC_OK) return;
    ++failures;
    std::printf("FAIL %s stride %d dilation %d width %lld channel_wise %d: %s\n", what, s, d, (long long)w, cw,
                jpac_last_error());
}

}  // namespace

int main() {
    int cases = 0;
    for (int s = 1; s <= 3; ++s)
        for (int d : {1, 2, 5})
            for (int64_t w : {13, 17, 33, 40})
                for (int cw = 0; cw < 2; ++cw)
                    for (int smooth = 0; smooth < 2; ++smooth) {
                        GuardedTensors g;
                        const int64_t b = 2, c = 3, h = 9, co = 4;
                        const int k = 3, p = d;
                        const int64_t ho = out_size(h, k, s, p, d), wo = out_size(w, k, s, p, d);
                        jpac_options o{};
                        o.kernel_h = o.kernel_w = k;
                        o.stride_h = o.stride_w = s;
                        o.pad_h = o.pad_w = p;
                        o.dilation_h = o.dilation_w = d;
                        o.kernel_type = JPAC_KERNEL_INV;
                        o.asymmetric = smooth;  // both kinds of energy run
                        o.channel_wise = cw;
                        const int64_t ck = cw ? c : 1;
                        jpac_tensor in = g.make({b, c, h, w}, 0.1f), guide = g.make({b, c, h, w}, -0.3f);
                        jpac_tensor alpha = g.make({ck}, 0.5f), lambda = g.make({ck}, -0.8f);
                        jpac_tensor sm = g.make({3, 3}, 0.05f);
                        const jpac_tensor* smk = smooth ? &sm : nullptr;
                        jpac_tensor mask = g.make({b, 1, h, w}, 1.f);
                        // pooling, forward and backward
                        jpac_tensor pout = g.make({b, c, ho, wo}, 0.f), pgo = g.make({b, c, ho, wo}, 0.2f);
                        jpac_tensor pgi = g.make({b, c, h, w}, 0.f), pgg = g.make({b, c, h, w}, 0.f);
                        jpac_tensor pga = g.make({ck}, 0.f), pgl = g.make({ck}, 0.f), pgs = g.make({3, 3}, 0.f);
                        check(jpac_pool2d_guided_forward(&o, &in, &guide, &alpha, &lambda, smk, &pout), "pool forward",
                              s, d, w, cw);
                        check(jpac_pool2d_guided_backward(&o, &in, &guide, &alpha, &lambda, smk, &pgo, &pgi, &pgg,
                                                          &pga, &pgl, smooth ? &pgs : nullptr),
                              "pool backward", s, d, w, cw);
                        // kernel2d with a mask, forward and backward
                        jpac_tensor kout = g.make({b, ck, k, k, ho, wo}, 0.f), kmask = g.make({b, 1, 1, 1, ho, wo}, 0.f);
                        jpac_tensor kgk = g.make({b, ck, k, k, ho, wo}, 0.1f), kgg = g.make({b, c, h, w}, 0.f);
                        check(jpac_kernel2d_forward(&o, &guide, &alpha, &lambda, smk, &mask, &kout, &kmask),
                              "kernel2d forward", s, d, w, cw);
                        check(jpac_kernel2d_backward(&o, &guide, &alpha, &lambda, smk, &mask, &kgk, &kgg, nullptr,
                                                     nullptr, nullptr),
                              "kernel2d backward", s, d, w, cw);
                        if (!cw) {  // guided convolution: one kernel channel
                            jpac_tensor wt = g.make({co, c, k, k}, -0.2f), bias = g.make({co}, 0.1f);
                            jpac_tensor cout = g.make({b, co, ho, wo}, 0.f), cgo = g.make({b, co, ho, wo}, 0.3f);
                            jpac_tensor cgi = g.make({b, c, h, w}, 0.f), cgg = g.make({b, c, h, w}, 0.f);
                            jpac_tensor cgw = g.make({co, c, k, k}, 0.f), cgb = g.make({co}, 0.f);
                            jpac_tensor cga = g.make({1}, 0.f), cgl = g.make({1}, 0.f);
                            check(jpac_conv2d_guided_forward(&o, &in, &guide, &alpha, &lambda, smk, &wt, &bias, &cout),
                                  "conv forward", s, d, w, cw);
                            check(jpac_conv2d_guided_backward(&o, &in, &guide, &alpha, &lambda, smk, &wt, &cgo, &cgi,
                                                              &cgg, &cgw, &cgb, &cga, &cgl, smooth ? &pgs : nullptr),
                                  "conv backward", s, d, w, cw);
                        }
                        ++cases;
                    }
    std::printf("%d shapes (ISA %s), every tensor ending at a protected page: %d failed calls\n", cases,
                jpac_cpu_isa(), failures);
    return failures == 0 ? 0 : 1;
}
