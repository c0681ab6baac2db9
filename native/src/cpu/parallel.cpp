#include "cpu/parallel.hpp"

#include <atomic>

namespace jpac::cpu {

namespace {
std::atomic<int> configured{0};
}

int threads() {
    const int n = configured.load();
    return n > 0 ? n : omp_get_max_threads();
}

void set_threads(int n) { configured.store(n < 0 ? 0 : n); }

}  // namespace jpac::cpu
