// C entry points for device memory and copies between devices (CUDA backend).
#include <cstring>
#include <string>

#include "api/cuda_backend.hpp"
#include "api/guard.hpp"
#include "api/validate.hpp"

using namespace jpac;

namespace {

void check_cuda_type(int32_t device_type) {
    if (device_type != JPAC_DEVICE_CUDA)
        invalid("device_type: expected JPAC_DEVICE_CUDA (1), got " + std::to_string(device_type) +
                " (host memory belongs to the caller)");
}

// Checks t as a tensor on its own device; returns its byte size.
int64_t checked_on_own_device(const jpac_tensor* t, const char* name) {
    if (t == nullptr) invalid(std::string(name) + ": required, got NULL");
    if (t->device_type != JPAC_DEVICE_CPU && t->device_type != JPAC_DEVICE_CUDA)
        invalid(std::string(name) + ": unknown device_type " + std::to_string(t->device_type));
    CallDevice here(t->device_type, t->device_index);
    checked_rank(t, name, t->ndim >= 1 && t->ndim <= JPAC_MAX_DIMS ? t->ndim : 1);
    return numel(t) * int64_t(sizeof(float));
}

}  // namespace

extern "C" {

JPAC_API jpac_status jpac_device_alloc(int32_t device_type, int32_t device_index, int64_t bytes, int32_t zero,
                                       void** out) {
    return guarded([&] {
        check_cuda_type(device_type);
        if (out == nullptr) invalid("out: required, got NULL");
        *out = nullptr;
        if (bytes < 1) invalid("bytes: expected at least 1, got " + std::to_string(bytes));
        const CudaLibrary& cuda = require_cuda(device_index);
        float* p = nullptr;
        cuda_run(cuda.malloc, device_index, bytes, zero != 0 ? 1 : 0, &p);
        *out = p;
    });
}

JPAC_API jpac_status jpac_device_free(int32_t device_type, int32_t device_index, void* data) {
    return guarded([&] {
        check_cuda_type(device_type);
        if (data == nullptr) return;
        cuda_run(require_cuda(device_index).free, device_index, static_cast<float*>(data));
    });
}

JPAC_API jpac_status jpac_copy_tensor(const jpac_tensor* src, const jpac_tensor* dst) {
    return guarded([&] {
        const int64_t bytes = checked_on_own_device(src, "src");
        checked_on_own_device(dst, "dst");
        if (dst->ndim != src->ndim || !std::equal(src->shape, src->shape + src->ndim, dst->shape))
            invalid("dst: expected the shape of src " + shape_string(src) + ", got " + shape_string(dst));
        const bool src_host = src->device_type == JPAC_DEVICE_CPU, dst_host = dst->device_type == JPAC_DEVICE_CPU;
        if (src_host && dst_host) {
            std::memmove(dst->data, src->data, size_t(bytes));
            return;
        }
        if (!src_host && !dst_host && src->device_index != dst->device_index)
            throw Error(JPAC_ERR_UNSUPPORTED, "dst: copies between two CUDA devices (cuda:" +
                                                  std::to_string(src->device_index) + " to cuda:" +
                                                  std::to_string(dst->device_index) + ") are not supported");
        if (!src_host && !dst_host) check_no_overlap({{dst, "dst"}}, {{src, "src"}});
        const int32_t device = src_host ? dst->device_index : src->device_index;
        const int32_t kind = src_host ? 0 : dst_host ? 1 : 2;  // jpac_cuda_copy's kinds
        cuda_run(require_cuda(device).copy, device, static_cast<void*>(dst->data),
                 static_cast<const void*>(src->data), bytes, kind);
    });
}

}  // extern "C"
