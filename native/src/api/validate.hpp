// Argument checks at the C boundary. Every message names the argument and
// says what was expected, e.g. "weight: expected shape [4, 3, 5, 5], got [4, 3, 3, 3]".
#pragma once
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>
#include "jpac.h"

namespace jpac {

// A dimension in an expected shape that may take any value >= 1.
constexpr int64_t kAny = -1;

std::string shape_string(const jpac_tensor* t);
std::string shape_string(const std::vector<int64_t>& dims);

// The device every tensor of the current call must be on: the CPU, unless an
// entry point that runs on CUDA sets its device for the call (RAII, per thread).
class CallDevice {
public:
    CallDevice(int32_t type, int32_t index);
    ~CallDevice();
    CallDevice(const CallDevice&) = delete;
    CallDevice& operator=(const CallDevice&) = delete;

private:
    int32_t saved_type_, saved_index_;
};

// The first CUDA tensor among `tensors` (NULLs skipped), or NULL: the call
// runs on its device when there is one.
const jpac_tensor* first_cuda(std::initializer_list<const jpac_tensor*> tensors);
// "cpu" or "cuda:<index>".
std::string device_name(int32_t type, int32_t index);

// Checks pointer, device (the call's), rank, data pointer and size overflow;
// returns the data pointer. A NULL tensor is an error.
float* checked_rank(const jpac_tensor* t, const char* name, int rank);
// As checked(), and every dimension equals `expected` (kAny matches any).
float* checked(const jpac_tensor* t, const char* name, const std::vector<int64_t>& expected);
// NULL stays NULL (an optional argument); otherwise as checked().
float* optional(const jpac_tensor* t, const char* name, const std::vector<int64_t>& expected);
// Accepts [n] or, when allow_4d, [1, 1, n, n]-style shapes given as alternatives.
float* checked_any_of(const jpac_tensor* t, const char* name,
                      const std::vector<std::vector<int64_t>>& alternatives);

// The gradient of an optional parameter: NULL, or the parameter's shape
// (an error if the parameter itself is NULL).
float* optional_like(const jpac_tensor* grad, const char* name, const jpac_tensor* param, const char* param_name);

int64_t dim(const jpac_tensor* t, int i);
int64_t numel(const jpac_tensor* t);

// No two arguments may share memory with an output: catches in-place misuse.
void check_no_overlap(const std::vector<std::pair<const jpac_tensor*, const char*>>& outputs,
                      const std::vector<std::pair<const jpac_tensor*, const char*>>& all);

}  // namespace jpac
