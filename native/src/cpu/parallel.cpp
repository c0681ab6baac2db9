#include "cpu/parallel.hpp"

#include <atomic>

namespace jpac::cpu {

namespace {
std::atomic<int> configured{0};
thread_local int operation_threads = 0;  // 0: not inside an operation

int configured_threads() {
    const int n = configured.load();
    return n > 0 ? n : omp_get_max_threads();
}
}  // namespace

int threads() { return operation_threads > 0 ? operation_threads : configured_threads(); }

OperationThreads::OperationThreads() : saved_(operation_threads) {
    if (operation_threads != 0) return;
    operation_threads = configured_threads();
    const int omp = omp_get_max_threads();
    if (omp != operation_threads) {
        saved_omp_ = omp;
        omp_set_num_threads(operation_threads);
    }
}

OperationThreads::~OperationThreads() {
    if (saved_omp_ > 0) omp_set_num_threads(saved_omp_);
    operation_threads = saved_;
}

void set_threads(int n) { configured.store(n < 0 ? 0 : n); }

}  // namespace jpac::cpu
