#include "api/validate.hpp"

#include <sstream>

#include "api/error.hpp"

namespace jpac {

namespace {
// Largest element count accepted: offsets inside one plane are 32-bit ints.
constexpr int64_t kMaxElements = int64_t(1) << 40;
constexpr int64_t kMaxDim = int64_t(1) << 31;
thread_local int32_t t_call_type = JPAC_DEVICE_CPU;
thread_local int32_t t_call_index = 0;

void check_device(const jpac_tensor* t, const std::string& n) {
    if (t->device_type == t_call_type && (t->device_type == JPAC_DEVICE_CPU || t->device_index == t_call_index))
        return;
    if (t->device_type != JPAC_DEVICE_CPU && t->device_type != JPAC_DEVICE_CUDA)
        invalid(n + ": unknown device_type " + std::to_string(t->device_type));
    const std::string here = device_name(t->device_type, t->device_index);
    if (t_call_type == JPAC_DEVICE_CPU)
        throw Error(JPAC_ERR_UNSUPPORTED, n + ": is on " + here + ", but this operation has no CUDA implementation: "
                                              "it runs on CPU tensors only (copy them to the host)");
    invalid(n + ": is on " + here + ", but this call runs on " + device_name(t_call_type, t_call_index) +
            ", where its other tensors are: every tensor of one operation must be on the same device");
}

}  // namespace

CallDevice::CallDevice(int32_t type, int32_t index) : saved_type_(t_call_type), saved_index_(t_call_index) {
    t_call_type = type;
    t_call_index = index;
}

CallDevice::~CallDevice() {
    t_call_type = saved_type_;
    t_call_index = saved_index_;
}

const jpac_tensor* first_cuda(std::initializer_list<const jpac_tensor*> tensors) {
    for (const jpac_tensor* t : tensors)
        if (t != nullptr && t->device_type == JPAC_DEVICE_CUDA) return t;
    return nullptr;
}

std::string device_name(int32_t type, int32_t index) {
    return type == JPAC_DEVICE_CPU ? "cpu" : type == JPAC_DEVICE_CUDA ? "cuda:" + std::to_string(index)
                                                                      : "device type " + std::to_string(type);
}

std::string shape_string(const std::vector<int64_t>& dims) {
    std::ostringstream s;
    s << '[';
    for (size_t i = 0; i < dims.size(); ++i) {
        if (i) s << ", ";
        if (dims[i] == kAny) s << '*'; else s << dims[i];
    }
    s << ']';
    return s.str();
}

std::string shape_string(const jpac_tensor* t) {
    const int n = (t->ndim >= 0 && t->ndim <= JPAC_MAX_DIMS) ? t->ndim : 0;
    return shape_string(std::vector<int64_t>(t->shape, t->shape + n));
}

float* checked_rank(const jpac_tensor* t, const char* name, int rank) {
    std::string n(name);
    if (t == nullptr) invalid(n + ": required, got NULL");
    if (t->ndim < 1 || t->ndim > JPAC_MAX_DIMS)
        invalid(n + ": expected " + std::to_string(rank) + " dimensions, got ndim=" + std::to_string(t->ndim));
    check_device(t, n);
    if (t->ndim != rank)
        invalid(n + ": expected " + std::to_string(rank) + " dimensions, got " + shape_string(t));
    int64_t count = 1;
    for (int i = 0; i < t->ndim; ++i) {
        if (t->shape[i] < 1 || t->shape[i] >= kMaxDim)
            invalid(n + ": dimension " + std::to_string(i) + " must be between 1 and 2^31-1, got " + shape_string(t));
        count *= t->shape[i];
        if (count > kMaxElements) invalid(n + ": too many elements " + shape_string(t));
    }
    if (t->data == nullptr) invalid(n + ": data pointer is NULL");
    return t->data;
}

float* checked(const jpac_tensor* t, const char* name, const std::vector<int64_t>& expected) {
    float* data = checked_rank(t, name, int(expected.size()));
    for (size_t i = 0; i < expected.size(); ++i) {
        if (expected[i] != kAny && t->shape[i] != expected[i])
            invalid(std::string(name) + ": expected shape " + shape_string(expected) + ", got " + shape_string(t));
    }
    return data;
}

float* optional(const jpac_tensor* t, const char* name, const std::vector<int64_t>& expected) {
    return t == nullptr ? nullptr : checked(t, name, expected);
}

float* checked_any_of(const jpac_tensor* t, const char* name,
                      const std::vector<std::vector<int64_t>>& alternatives) {
    if (t == nullptr) invalid(std::string(name) + ": required, got NULL");
    for (const auto& alt : alternatives) {
        if (t->ndim != int(alt.size())) continue;
        bool ok = true;
        for (size_t i = 0; i < alt.size(); ++i) ok = ok && (alt[i] == kAny || t->shape[i] == alt[i]);
        if (ok) return checked(t, name, alt);
    }
    std::string msg = std::string(name) + ": expected shape ";
    for (size_t i = 0; i < alternatives.size(); ++i) msg += (i ? " or " : "") + shape_string(alternatives[i]);
    // Report the rank problem first if the tensor itself is malformed.
    checked_rank(t, name, t->ndim >= 1 && t->ndim <= JPAC_MAX_DIMS ? t->ndim : 1);
    invalid(msg + ", got " + shape_string(t));
}

float* optional_like(const jpac_tensor* grad, const char* name, const jpac_tensor* param, const char* param_name) {
    if (grad == nullptr) return nullptr;
    if (param == nullptr) invalid(std::string(name) + ": given, but " + param_name + " is NULL; pass NULL");
    return checked(grad, name, std::vector<int64_t>(param->shape, param->shape + param->ndim));
}

int64_t dim(const jpac_tensor* t, int i) { return t->shape[i]; }

int64_t numel(const jpac_tensor* t) {
    int64_t n = 1;
    for (int i = 0; i < t->ndim; ++i) n *= t->shape[i];
    return n;
}

void check_no_overlap(const std::vector<std::pair<const jpac_tensor*, const char*>>& outputs,
                      const std::vector<std::pair<const jpac_tensor*, const char*>>& all) {
    for (const auto& [out, oname] : outputs) {
        if (out == nullptr) continue;
        const char* lo = reinterpret_cast<const char*>(out->data);
        const char* hi = lo + numel(out) * sizeof(float);
        for (const auto& [other, name] : all) {
            if (other == nullptr || other == out) continue;
            const char* a = reinterpret_cast<const char*>(other->data);
            const char* b = a + numel(other) * sizeof(float);
            if (a < hi && lo < b)
                invalid(std::string(oname) + ": output memory overlaps argument " + name);
        }
    }
}

}  // namespace jpac
