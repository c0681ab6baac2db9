// jpac_call: every operation through one entry point whose arguments carry
// each tensor's memory, so that a managed caller's runtime keeps that memory
// alive (and its owner unable to free it) for exactly the call's duration.
#include <cmath>
#include <string>

#include "api/guard.hpp"

using namespace jpac;

namespace {

// Tensor arguments of each jpac_op, in enum order.
constexpr int kArity[] = {
    7, 10,  // kernel2d forward, backward
    5, 8,   // conv2d
    5, 8,   // conv_transpose2d
    3, 5,   // pool2d
    8, 14,  // conv2d_guided
    8, 14,  // conv_transpose2d_guided
    6, 11,  // pool2d_guided
    4, 6,   // std_conv2d
    2, 3,   // relu
    2, 2,   // resize_bilinear
    2, 2,   // avg_pool2d
    2, 3,   // softmax
    6,      // batch_norm_inference
    3,      // axpby
    2,      // copy_channels
    1,      // noop
    2,      // copy_tensor
    2, 2,   // crop2d
};
constexpr int kOps = int(sizeof(kArity) / sizeof(kArity[0]));
static_assert(kOps == JPAC_OP_CROP2D_BACKWARD + 1, "kArity must list every jpac_op");

// Scalar arguments of each op (all others take none).
int scalar_count(int op) {
    switch (op) {
        case JPAC_OP_RESIZE_BILINEAR_FORWARD:
        case JPAC_OP_RESIZE_BILINEAR_BACKWARD:
        case JPAC_OP_AXPBY:
        case JPAC_OP_CROP2D_FORWARD:
        case JPAC_OP_CROP2D_BACKWARD: return 2;
        case JPAC_OP_SOFTMAX_FORWARD:
        case JPAC_OP_SOFTMAX_BACKWARD:
        case JPAC_OP_BATCH_NORM_INFERENCE: return 1;
        case JPAC_OP_COPY_CHANNELS: return 3;
        default: return 0;
    }
}

int64_t integral(double v, const char* name) {
    if (!std::isfinite(v) || v != std::floor(v) || std::fabs(v) > 9.0e15)
        invalid(std::string("scalars: ") + name + " must be an integer, got " + std::to_string(v));
    return int64_t(v);
}

struct Args {
    jpac_tensor t[JPAC_CALL_MAX_TENSORS];
    const jpac_tensor* p[JPAC_CALL_MAX_TENSORS];
};

jpac_status dispatch(int op, const jpac_options* o, const double* s, const jpac_tensor* const* t) {
    switch (op) {
        case JPAC_OP_KERNEL2D_FORWARD:
            return jpac_kernel2d_forward(o, t[0], t[1], t[2], t[3], t[4], t[5], t[6]);
        case JPAC_OP_KERNEL2D_BACKWARD:
            return jpac_kernel2d_backward(o, t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9]);
        case JPAC_OP_CONV2D_FORWARD: return jpac_conv2d_forward(o, t[0], t[1], t[2], t[3], t[4]);
        case JPAC_OP_CONV2D_BACKWARD:
            return jpac_conv2d_backward(o, t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7]);
        case JPAC_OP_CONV_TRANSPOSE2D_FORWARD:
            return jpac_conv_transpose2d_forward(o, t[0], t[1], t[2], t[3], t[4]);
        case JPAC_OP_CONV_TRANSPOSE2D_BACKWARD:
            return jpac_conv_transpose2d_backward(o, t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7]);
        case JPAC_OP_POOL2D_FORWARD: return jpac_pool2d_forward(o, t[0], t[1], t[2]);
        case JPAC_OP_POOL2D_BACKWARD: return jpac_pool2d_backward(o, t[0], t[1], t[2], t[3], t[4]);
        case JPAC_OP_CONV2D_GUIDED_FORWARD:
            return jpac_conv2d_guided_forward(o, t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7]);
        case JPAC_OP_CONV2D_GUIDED_BACKWARD:
            return jpac_conv2d_guided_backward(o, t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9],
                                               t[10], t[11], t[12], t[13]);
        case JPAC_OP_CONV_TRANSPOSE2D_GUIDED_FORWARD:
            return jpac_conv_transpose2d_guided_forward(o, t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7]);
        case JPAC_OP_CONV_TRANSPOSE2D_GUIDED_BACKWARD:
            return jpac_conv_transpose2d_guided_backward(o, t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8],
                                                         t[9], t[10], t[11], t[12], t[13]);
        case JPAC_OP_POOL2D_GUIDED_FORWARD:
            return jpac_pool2d_guided_forward(o, t[0], t[1], t[2], t[3], t[4], t[5]);
        case JPAC_OP_POOL2D_GUIDED_BACKWARD:
            return jpac_pool2d_guided_backward(o, t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9],
                                               t[10]);
        case JPAC_OP_STD_CONV2D_FORWARD: return jpac_std_conv2d_forward(o, t[0], t[1], t[2], t[3]);
        case JPAC_OP_STD_CONV2D_BACKWARD: return jpac_std_conv2d_backward(o, t[0], t[1], t[2], t[3], t[4], t[5]);
        case JPAC_OP_RELU_FORWARD: return jpac_relu_forward(t[0], t[1]);
        case JPAC_OP_RELU_BACKWARD: return jpac_relu_backward(t[0], t[1], t[2]);
        case JPAC_OP_RESIZE_BILINEAR_FORWARD: return jpac_resize_bilinear_forward(t[0], s[0], s[1], t[1]);
        case JPAC_OP_RESIZE_BILINEAR_BACKWARD: return jpac_resize_bilinear_backward(t[0], s[0], s[1], t[1]);
        case JPAC_OP_AVG_POOL2D_FORWARD: return jpac_avg_pool2d_forward(o, t[0], t[1]);
        case JPAC_OP_AVG_POOL2D_BACKWARD: return jpac_avg_pool2d_backward(o, t[0], t[1]);
        case JPAC_OP_SOFTMAX_FORWARD: return jpac_softmax_forward(t[0], s[0] != 0 ? 1 : 0, t[1]);
        case JPAC_OP_SOFTMAX_BACKWARD: return jpac_softmax_backward(t[0], t[1], s[0] != 0 ? 1 : 0, t[2]);
        case JPAC_OP_BATCH_NORM_INFERENCE:
            return jpac_batch_norm_inference(t[0], t[1], t[2], t[3], t[4], float(s[0]), t[5]);
        case JPAC_OP_AXPBY: return jpac_axpby(float(s[0]), t[0], float(s[1]), t[1], t[2]);
        case JPAC_OP_COPY_CHANNELS: {
            int64_t from = 0, count = 0, to = 0;
            jpac_status st = guarded([&] {
                from = integral(s[0], "from");
                count = integral(s[1], "count");
                to = integral(s[2], "to");
            });
            return st != JPAC_OK ? st : jpac_copy_channels(t[0], from, count, t[1], to);
        }
        case JPAC_OP_NOOP: return jpac_noop(t[0]);
        case JPAC_OP_COPY_TENSOR: return jpac_copy_tensor(t[0], t[1]);
        case JPAC_OP_CROP2D_FORWARD:
        case JPAC_OP_CROP2D_BACKWARD: {
            int64_t top = 0, left = 0;
            jpac_status st = guarded([&] {
                top = integral(s[0], "top");
                left = integral(s[1], "left");
            });
            if (st != JPAC_OK) return st;
            return op == JPAC_OP_CROP2D_FORWARD ? jpac_crop2d_forward(t[0], top, left, t[1])
                                                : jpac_crop2d_backward(t[0], top, left, t[1]);
        }
        default: return guarded([&] { invalid("op: unknown operation " + std::to_string(op)); });
    }
}

}  // namespace

extern "C" {

JPAC_API jpac_status jpac_call(int32_t op, const jpac_options* options, const double* scalars, int32_t count,
                               const jpac_tensor* tensors, float* data0, float* data1, float* data2, float* data3,
                               float* data4, float* data5, float* data6, float* data7, float* data8, float* data9,
                               float* data10, float* data11, float* data12, float* data13, float* data14,
                               float* data15) {
    float* const data[JPAC_CALL_MAX_TENSORS] = {data0, data1, data2,  data3,  data4,  data5,  data6,  data7,
                                                data8, data9, data10, data11, data12, data13, data14, data15};
    Args a;
    jpac_status st = guarded([&] {
        if (op < 0 || op >= kOps) invalid("op: unknown operation " + std::to_string(op));
        if (count != kArity[op])
            invalid("count: operation " + std::to_string(op) + " takes " + std::to_string(kArity[op]) +
                    " tensors, got " + std::to_string(count));
        if (scalar_count(op) > 0 && scalars == nullptr)
            invalid("scalars: operation " + std::to_string(op) + " needs " + std::to_string(scalar_count(op)) +
                    ", got NULL");
        for (int i = 0; i < JPAC_CALL_MAX_TENSORS; ++i) {
            a.p[i] = nullptr;
            if (i < count && data[i] != nullptr) {
                if (tensors == nullptr) invalid("tensors: NULL, but data" + std::to_string(i) + " is set");
                a.t[i] = tensors[i];
                a.t[i].data = data[i];
                a.p[i] = &a.t[i];
            } else if (i >= count && data[i] != nullptr) {
                invalid("data" + std::to_string(i) + ": operation " + std::to_string(op) + " takes only " +
                        std::to_string(count) + " tensors");
            }
        }
    });
    if (st != JPAC_OK) return st;
    return dispatch(op, options, scalars, a.p);
}

}  // extern "C"
