package org.jpac.internal;

import org.jpac.internal.ffi.JpacNative;

/**
 * The operations of {@code jpac_call}: their {@code jpac_op} code, C name, and
 * tensor arguments in the order of their own entry point. Outputs come last,
 * from {@link #firstOutput}; names are those of {@code jpac.h}, used in the
 * messages of the checks made before each call.
 */
enum NativeOp {
    KERNEL2D_FORWARD(JpacNative.JPAC_OP_KERNEL2D_FORWARD(), "jpac_kernel2d_forward", 5,
            "guide", "inv_alpha", "inv_lambda", "smooth_kernel", "mask", "out_kernel", "out_mask"),
    KERNEL2D_BACKWARD(JpacNative.JPAC_OP_KERNEL2D_BACKWARD(), "jpac_kernel2d_backward", 6,
            "guide", "inv_alpha", "inv_lambda", "smooth_kernel", "mask", "grad_kernel",
            "grad_guide", "grad_inv_alpha", "grad_inv_lambda", "grad_smooth_kernel"),
    CONV2D_FORWARD(JpacNative.JPAC_OP_CONV2D_FORWARD(), "jpac_conv2d_forward", 4,
            "input", "kernel", "weight", "bias", "output"),
    CONV2D_BACKWARD(JpacNative.JPAC_OP_CONV2D_BACKWARD(), "jpac_conv2d_backward", 4,
            "input", "kernel", "weight", "grad_output", "grad_input", "grad_kernel", "grad_weight", "grad_bias"),
    CONV_TRANSPOSE2D_FORWARD(JpacNative.JPAC_OP_CONV_TRANSPOSE2D_FORWARD(), "jpac_conv_transpose2d_forward", 4,
            "input", "kernel", "weight", "bias", "output"),
    CONV_TRANSPOSE2D_BACKWARD(JpacNative.JPAC_OP_CONV_TRANSPOSE2D_BACKWARD(), "jpac_conv_transpose2d_backward", 4,
            "input", "kernel", "weight", "grad_output", "grad_input", "grad_kernel", "grad_weight", "grad_bias"),
    POOL2D_FORWARD(JpacNative.JPAC_OP_POOL2D_FORWARD(), "jpac_pool2d_forward", 2,
            "input", "kernel", "output"),
    POOL2D_BACKWARD(JpacNative.JPAC_OP_POOL2D_BACKWARD(), "jpac_pool2d_backward", 3,
            "input", "kernel", "grad_output", "grad_input", "grad_kernel"),
    CONV2D_GUIDED_FORWARD(JpacNative.JPAC_OP_CONV2D_GUIDED_FORWARD(), "jpac_conv2d_guided_forward", 7,
            "input", "guide", "inv_alpha", "inv_lambda", "smooth_kernel", "weight", "bias", "output"),
    CONV2D_GUIDED_BACKWARD(JpacNative.JPAC_OP_CONV2D_GUIDED_BACKWARD(), "jpac_conv2d_guided_backward", 7,
            "input", "guide", "inv_alpha", "inv_lambda", "smooth_kernel", "weight", "grad_output",
            "grad_input", "grad_guide", "grad_weight", "grad_bias", "grad_inv_alpha", "grad_inv_lambda",
            "grad_smooth_kernel"),
    CONV_TRANSPOSE2D_GUIDED_FORWARD(JpacNative.JPAC_OP_CONV_TRANSPOSE2D_GUIDED_FORWARD(),
            "jpac_conv_transpose2d_guided_forward", 7,
            "input", "guide", "inv_alpha", "inv_lambda", "smooth_kernel", "weight", "bias", "output"),
    CONV_TRANSPOSE2D_GUIDED_BACKWARD(JpacNative.JPAC_OP_CONV_TRANSPOSE2D_GUIDED_BACKWARD(),
            "jpac_conv_transpose2d_guided_backward", 7,
            "input", "guide", "inv_alpha", "inv_lambda", "smooth_kernel", "weight", "grad_output",
            "grad_input", "grad_guide", "grad_weight", "grad_bias", "grad_inv_alpha", "grad_inv_lambda",
            "grad_smooth_kernel"),
    POOL2D_GUIDED_FORWARD(JpacNative.JPAC_OP_POOL2D_GUIDED_FORWARD(), "jpac_pool2d_guided_forward", 5,
            "input", "guide", "inv_alpha", "inv_lambda", "smooth_kernel", "output"),
    POOL2D_GUIDED_BACKWARD(JpacNative.JPAC_OP_POOL2D_GUIDED_BACKWARD(), "jpac_pool2d_guided_backward", 6,
            "input", "guide", "inv_alpha", "inv_lambda", "smooth_kernel", "grad_output",
            "grad_input", "grad_guide", "grad_inv_alpha", "grad_inv_lambda", "grad_smooth_kernel"),
    STD_CONV2D_FORWARD(JpacNative.JPAC_OP_STD_CONV2D_FORWARD(), "jpac_std_conv2d_forward", 3,
            "input", "weight", "bias", "output"),
    STD_CONV2D_BACKWARD(JpacNative.JPAC_OP_STD_CONV2D_BACKWARD(), "jpac_std_conv2d_backward", 3,
            "input", "weight", "grad_output", "grad_input", "grad_weight", "grad_bias"),
    RELU_FORWARD(JpacNative.JPAC_OP_RELU_FORWARD(), "jpac_relu_forward", 1, "input", "output"),
    RELU_BACKWARD(JpacNative.JPAC_OP_RELU_BACKWARD(), "jpac_relu_backward", 2, "input", "grad_output", "grad_input"),
    RESIZE_BILINEAR_FORWARD(JpacNative.JPAC_OP_RESIZE_BILINEAR_FORWARD(), "jpac_resize_bilinear_forward", 1,
            "input", "output"),
    RESIZE_BILINEAR_BACKWARD(JpacNative.JPAC_OP_RESIZE_BILINEAR_BACKWARD(), "jpac_resize_bilinear_backward", 1,
            "grad_output", "grad_input"),
    AVG_POOL2D_FORWARD(JpacNative.JPAC_OP_AVG_POOL2D_FORWARD(), "jpac_avg_pool2d_forward", 1, "input", "output"),
    AVG_POOL2D_BACKWARD(JpacNative.JPAC_OP_AVG_POOL2D_BACKWARD(), "jpac_avg_pool2d_backward", 1,
            "grad_output", "grad_input"),
    SOFTMAX_FORWARD(JpacNative.JPAC_OP_SOFTMAX_FORWARD(), "jpac_softmax_forward", 1, "input", "output"),
    SOFTMAX_BACKWARD(JpacNative.JPAC_OP_SOFTMAX_BACKWARD(), "jpac_softmax_backward", 2,
            "output", "grad_output", "grad_input"),
    BATCH_NORM_INFERENCE(JpacNative.JPAC_OP_BATCH_NORM_INFERENCE(), "jpac_batch_norm_inference", 5,
            "input", "mean", "var", "weight", "bias", "output"),
    AXPBY(JpacNative.JPAC_OP_AXPBY(), "jpac_axpby", 2, "x", "y", "output"),
    COPY_CHANNELS(JpacNative.JPAC_OP_COPY_CHANNELS(), "jpac_copy_channels", 1, "input", "output"),
    NOOP(JpacNative.JPAC_OP_NOOP(), "jpac_noop", 1, "tensor"),
    COPY_TENSOR(JpacNative.JPAC_OP_COPY_TENSOR(), "jpac_copy_tensor", 1, "src", "dst"),
    CROP2D_FORWARD(JpacNative.JPAC_OP_CROP2D_FORWARD(), "jpac_crop2d_forward", 1, "input", "output"),
    CROP2D_BACKWARD(JpacNative.JPAC_OP_CROP2D_BACKWARD(), "jpac_crop2d_backward", 1, "grad_output", "grad_input");

    final int code;
    final String cName;
    final int firstOutput;
    final String[] args;

    NativeOp(int code, String cName, int firstOutput, String... args) {
        this.code = code;
        this.cName = cName;
        this.firstOutput = firstOutput;
        this.args = args;
    }
}
