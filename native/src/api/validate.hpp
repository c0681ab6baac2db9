// Argument checks at the C boundary. Every message names the argument and
// says what was expected, e.g. "weight: expected shape [4, 3, 5, 5], got [4, 3, 3, 3]".
#pragma once
#include <cstdint>
#include <string>
#include <vector>
#include "jpac.h"

namespace jpac {

// A dimension in an expected shape that may take any value >= 1.
constexpr int64_t kAny = -1;

std::string shape_string(const jpac_tensor* t);
std::string shape_string(const std::vector<int64_t>& dims);

// Checks pointer, device, rank, data pointer and size overflow; returns the
// data pointer. A NULL tensor is an error.
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
