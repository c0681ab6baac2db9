package org.jpac.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

import org.jpac.JpacException;
import org.jpac.PacOptions;
import org.jpac.Tensor;
import org.jpac.internal.ffi.JpacNative;

/**
 * The only class that calls the generated bindings for the operations. Each
 * call builds its {@code jpac_options} and {@code jpac_tensor} structs in one
 * block of a confined arena (freed on return) and turns a failed status plus
 * {@code jpac_last_error()} into an exception.
 *
 * <p>No shape checks here: {@code org.jpac.Pac} does those; the native layer
 * checks again. Tensors are only checked for being open. Null tensors pass NULL.
 */
public final class NativeCalls {

    static {
        NativeLoader.load(); // before JpacNative's class init resolves symbols
    }

    private NativeCalls() {
    }

    /** Makes sure the native library is loaded (throws if it cannot be). */
    public static void ensureLoaded() {
        // the static initializer did the work
    }

    // ---- library ----------------------------------------------------------

    public static String version() {
        return JpacNative.jpac_version().getString(0);
    }

    public static String onednnVersion() {
        return JpacNative.jpac_onednn_version().getString(0);
    }

    /** Availability of a backend and the library's reason when it is not. */
    public record Availability(boolean available, String reason) {
    }

    public static Availability backendAvailable(int deviceType) {
        try (Arena arena = Arena.ofConfined()) {
            int cap = 1024;
            MemorySegment buf = arena.allocate(cap);
            int ok = JpacNative.jpac_backend_available(deviceType, buf, cap);
            String reason = buf.getString(0, StandardCharsets.UTF_8);
            return new Availability(ok != 0, reason);
        }
    }

    public static int numThreads() {
        return JpacNative.jpac_get_num_threads();
    }

    public static void setNumThreads(int threads) {
        check(JpacNative.jpac_set_num_threads(threads), "jpac_set_num_threads");
    }

    public static long scratchPeakBytes() {
        return JpacNative.jpac_scratch_peak_bytes();
    }

    public static void resetScratchPeak() {
        JpacNative.jpac_scratch_reset_peak();
    }

    /** The message of the last failed call on this thread ("" if none). */
    public static String lastError() {
        MemorySegment p = JpacNative.jpac_last_error();
        return p.equals(MemorySegment.NULL) ? "" : p.getString(0, StandardCharsets.UTF_8);
    }

    /** Throws the exception for a non-zero status. */
    static void check(int status, String function) {
        if (status == 0) {
            return;
        }
        String msg = lastError();
        if (msg.isEmpty()) {
            msg = function + " failed with status " + status;
        }
        JpacException.Status s = JpacException.Status.of(status);
        if (s == JpacException.Status.INVALID_ARGUMENT) {
            throw new IllegalArgumentException(msg);
        }
        throw new JpacException(s, status, msg);
    }

    // ---- operations -------------------------------------------------------

    public static void noop(Tensor t) {
        try (Frame f = new Frame(1)) {
            check(JpacNative.jpac_noop(f.t(t)), "jpac_noop");
        }
    }

    public static void kernel2dForward(PacOptions o, Tensor guide, Tensor alpha, Tensor lambda, Tensor smooth,
                                       Tensor mask, Tensor outKernel, Tensor outMask) {
        try (Frame f = new Frame(7)) {
            check(JpacNative.jpac_kernel2d_forward(f.options(o), f.t(guide), f.t(alpha), f.t(lambda), f.t(smooth),
                    f.t(mask), f.t(outKernel), f.t(outMask)), "jpac_kernel2d_forward");
        }
    }

    public static void kernel2dBackward(PacOptions o, Tensor guide, Tensor alpha, Tensor lambda, Tensor smooth,
                                        Tensor mask, Tensor gradKernel, Tensor gradGuide, Tensor gradAlpha,
                                        Tensor gradLambda, Tensor gradSmooth) {
        try (Frame f = new Frame(10)) {
            check(JpacNative.jpac_kernel2d_backward(f.options(o), f.t(guide), f.t(alpha), f.t(lambda), f.t(smooth),
                    f.t(mask), f.t(gradKernel), f.t(gradGuide), f.t(gradAlpha), f.t(gradLambda), f.t(gradSmooth)),
                    "jpac_kernel2d_backward");
        }
    }

    public static void conv2dForward(PacOptions o, boolean transposed, Tensor input, Tensor kernel, Tensor weight,
                                     Tensor bias, Tensor output) {
        try (Frame f = new Frame(5)) {
            MemorySegment opt = f.options(o);
            if (transposed) {
                check(JpacNative.jpac_conv_transpose2d_forward(opt, f.t(input), f.t(kernel), f.t(weight), f.t(bias),
                        f.t(output)), "jpac_conv_transpose2d_forward");
            } else {
                check(JpacNative.jpac_conv2d_forward(opt, f.t(input), f.t(kernel), f.t(weight), f.t(bias),
                        f.t(output)), "jpac_conv2d_forward");
            }
        }
    }

    public static void conv2dBackward(PacOptions o, boolean transposed, Tensor input, Tensor kernel, Tensor weight,
                                      Tensor gradOutput, Tensor gradInput, Tensor gradKernel, Tensor gradWeight,
                                      Tensor gradBias) {
        try (Frame f = new Frame(8)) {
            MemorySegment opt = f.options(o);
            if (transposed) {
                check(JpacNative.jpac_conv_transpose2d_backward(opt, f.t(input), f.t(kernel), f.t(weight),
                        f.t(gradOutput), f.t(gradInput), f.t(gradKernel), f.t(gradWeight), f.t(gradBias)),
                        "jpac_conv_transpose2d_backward");
            } else {
                check(JpacNative.jpac_conv2d_backward(opt, f.t(input), f.t(kernel), f.t(weight), f.t(gradOutput),
                        f.t(gradInput), f.t(gradKernel), f.t(gradWeight), f.t(gradBias)), "jpac_conv2d_backward");
            }
        }
    }

    public static void pool2dForward(PacOptions o, Tensor input, Tensor kernel, Tensor output) {
        try (Frame f = new Frame(3)) {
            check(JpacNative.jpac_pool2d_forward(f.options(o), f.t(input), f.t(kernel), f.t(output)),
                    "jpac_pool2d_forward");
        }
    }

    public static void pool2dBackward(PacOptions o, Tensor input, Tensor kernel, Tensor gradOutput, Tensor gradInput,
                                      Tensor gradKernel) {
        try (Frame f = new Frame(5)) {
            check(JpacNative.jpac_pool2d_backward(f.options(o), f.t(input), f.t(kernel), f.t(gradOutput),
                    f.t(gradInput), f.t(gradKernel)), "jpac_pool2d_backward");
        }
    }

    public static void conv2dGuidedForward(PacOptions o, boolean transposed, Tensor input, Tensor guide, Tensor alpha,
                                           Tensor lambda, Tensor smooth, Tensor weight, Tensor bias, Tensor output) {
        try (Frame f = new Frame(8)) {
            MemorySegment opt = f.options(o);
            if (transposed) {
                check(JpacNative.jpac_conv_transpose2d_guided_forward(opt, f.t(input), f.t(guide), f.t(alpha),
                        f.t(lambda), f.t(smooth), f.t(weight), f.t(bias), f.t(output)),
                        "jpac_conv_transpose2d_guided_forward");
            } else {
                check(JpacNative.jpac_conv2d_guided_forward(opt, f.t(input), f.t(guide), f.t(alpha), f.t(lambda),
                        f.t(smooth), f.t(weight), f.t(bias), f.t(output)), "jpac_conv2d_guided_forward");
            }
        }
    }

    public static void conv2dGuidedBackward(PacOptions o, boolean transposed, Tensor input, Tensor guide,
                                            Tensor alpha, Tensor lambda, Tensor smooth, Tensor weight,
                                            Tensor gradOutput, Tensor gradInput, Tensor gradGuide, Tensor gradWeight,
                                            Tensor gradBias, Tensor gradAlpha, Tensor gradLambda, Tensor gradSmooth) {
        try (Frame f = new Frame(14)) {
            MemorySegment opt = f.options(o);
            if (transposed) {
                check(JpacNative.jpac_conv_transpose2d_guided_backward(opt, f.t(input), f.t(guide), f.t(alpha),
                        f.t(lambda), f.t(smooth), f.t(weight), f.t(gradOutput), f.t(gradInput), f.t(gradGuide),
                        f.t(gradWeight), f.t(gradBias), f.t(gradAlpha), f.t(gradLambda), f.t(gradSmooth)),
                        "jpac_conv_transpose2d_guided_backward");
            } else {
                check(JpacNative.jpac_conv2d_guided_backward(opt, f.t(input), f.t(guide), f.t(alpha), f.t(lambda),
                        f.t(smooth), f.t(weight), f.t(gradOutput), f.t(gradInput), f.t(gradGuide), f.t(gradWeight),
                        f.t(gradBias), f.t(gradAlpha), f.t(gradLambda), f.t(gradSmooth)),
                        "jpac_conv2d_guided_backward");
            }
        }
    }

    public static void pool2dGuidedForward(PacOptions o, Tensor input, Tensor guide, Tensor alpha, Tensor lambda,
                                           Tensor smooth, Tensor output) {
        try (Frame f = new Frame(6)) {
            check(JpacNative.jpac_pool2d_guided_forward(f.options(o), f.t(input), f.t(guide), f.t(alpha), f.t(lambda),
                    f.t(smooth), f.t(output)), "jpac_pool2d_guided_forward");
        }
    }

    public static void pool2dGuidedBackward(PacOptions o, Tensor input, Tensor guide, Tensor alpha, Tensor lambda,
                                            Tensor smooth, Tensor gradOutput, Tensor gradInput, Tensor gradGuide,
                                            Tensor gradAlpha, Tensor gradLambda, Tensor gradSmooth) {
        try (Frame f = new Frame(11)) {
            check(JpacNative.jpac_pool2d_guided_backward(f.options(o), f.t(input), f.t(guide), f.t(alpha), f.t(lambda),
                    f.t(smooth), f.t(gradOutput), f.t(gradInput), f.t(gradGuide), f.t(gradAlpha), f.t(gradLambda),
                    f.t(gradSmooth)), "jpac_pool2d_guided_backward");
        }
    }

    public static void stdConv2dForward(PacOptions o, Tensor input, Tensor weight, Tensor bias, Tensor output) {
        try (Frame f = new Frame(4)) {
            check(JpacNative.jpac_std_conv2d_forward(f.options(o), f.t(input), f.t(weight), f.t(bias), f.t(output)),
                    "jpac_std_conv2d_forward");
        }
    }

    public static void stdConv2dBackward(PacOptions o, Tensor input, Tensor weight, Tensor gradOutput,
                                         Tensor gradInput, Tensor gradWeight, Tensor gradBias) {
        try (Frame f = new Frame(6)) {
            check(JpacNative.jpac_std_conv2d_backward(f.options(o), f.t(input), f.t(weight), f.t(gradOutput),
                    f.t(gradInput), f.t(gradWeight), f.t(gradBias)), "jpac_std_conv2d_backward");
        }
    }
    // ---- standard operations (org.jpac.nn.StdOps checks the arguments) -------

    public static void reluForward(Tensor input, Tensor output) {
        try (Frame f = new Frame(2)) {
            check(JpacNative.jpac_relu_forward(f.t(input), f.t(output)), "jpac_relu_forward");
        }
    }

    public static void reluBackward(Tensor input, Tensor gradOutput, Tensor gradInput) {
        try (Frame f = new Frame(3)) {
            check(JpacNative.jpac_relu_backward(f.t(input), f.t(gradOutput), f.t(gradInput)), "jpac_relu_backward");
        }
    }

    public static void resizeBilinearForward(Tensor input, double scaleH, double scaleW, Tensor output) {
        try (Frame f = new Frame(2)) {
            check(JpacNative.jpac_resize_bilinear_forward(f.t(input), scaleH, scaleW, f.t(output)),
                    "jpac_resize_bilinear_forward");
        }
    }

    public static void resizeBilinearBackward(Tensor gradOutput, double scaleH, double scaleW, Tensor gradInput) {
        try (Frame f = new Frame(2)) {
            check(JpacNative.jpac_resize_bilinear_backward(f.t(gradOutput), scaleH, scaleW, f.t(gradInput)),
                    "jpac_resize_bilinear_backward");
        }
    }

    /** Pool geometry goes straight into the options struct: any kernel size (even ones too). */
    public static void avgPool2dForward(int kernelH, int kernelW, int strideH, int strideW, int padH, int padW,
                                        Tensor input, Tensor output) {
        try (Frame f = new Frame(2)) {
            MemorySegment opt = f.rawOptions(new int[] {kernelH, kernelW, strideH, strideW, padH, padW, 1, 1});
            check(JpacNative.jpac_avg_pool2d_forward(opt, f.t(input), f.t(output)), "jpac_avg_pool2d_forward");
        }
    }

    public static void avgPool2dBackward(int kernelH, int kernelW, int strideH, int strideW, int padH, int padW,
                                         Tensor gradOutput, Tensor gradInput) {
        try (Frame f = new Frame(2)) {
            MemorySegment opt = f.rawOptions(new int[] {kernelH, kernelW, strideH, strideW, padH, padW, 1, 1});
            check(JpacNative.jpac_avg_pool2d_backward(opt, f.t(gradOutput), f.t(gradInput)),
                    "jpac_avg_pool2d_backward");
        }
    }

    public static void softmaxForward(Tensor input, boolean log, Tensor output) {
        try (Frame f = new Frame(2)) {
            check(JpacNative.jpac_softmax_forward(f.t(input), log ? 1 : 0, f.t(output)), "jpac_softmax_forward");
        }
    }

    public static void softmaxBackward(Tensor output, Tensor gradOutput, boolean log, Tensor gradInput) {
        try (Frame f = new Frame(3)) {
            check(JpacNative.jpac_softmax_backward(f.t(output), f.t(gradOutput), log ? 1 : 0, f.t(gradInput)),
                    "jpac_softmax_backward");
        }
    }

    public static void batchNormInference(Tensor input, Tensor mean, Tensor var, Tensor weight, Tensor bias,
                                          float eps, Tensor output) {
        try (Frame f = new Frame(6)) {
            check(JpacNative.jpac_batch_norm_inference(f.t(input), f.t(mean), f.t(var), f.t(weight), f.t(bias), eps,
                    f.t(output)), "jpac_batch_norm_inference");
        }
    }

    /** output = alpha * x + beta * y (y may be null); output may be x or y. */
    public static void axpby(float alpha, Tensor x, float beta, Tensor y, Tensor output) {
        try (Frame f = new Frame(3)) {
            check(JpacNative.jpac_axpby(alpha, f.t(x), beta, f.t(y), f.t(output)), "jpac_axpby");
        }
    }

    public static void copyChannels(Tensor input, long from, long count, Tensor output, long to) {
        try (Frame f = new Frame(2)) {
            check(JpacNative.jpac_copy_channels(f.t(input), from, count, f.t(output), to), "jpac_copy_channels");
        }
    }
}
