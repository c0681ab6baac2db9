package org.jpac.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

import org.jpac.JpacException;
import org.jpac.PacOptions;
import org.jpac.Tensor;
import org.jpac.internal.ffi.JpacNative;

/**
 * The only class that calls the generated bindings for the operations. Every
 * operation goes through {@code jpac_call} (see {@link Frame#call}), which
 * takes each tensor's memory as an argument so that the FFM linker keeps it
 * alive for the call; a failed status plus {@code jpac_last_error()} becomes
 * an exception.
 *
 * <p>No shape checks here: {@code org.jpac.Pac} does those; the native layer
 * checks again. Tensors are checked for being usable (open, memory alive,
 * accessible from this thread, outputs writable). Null tensors pass NULL.
 */
public final class NativeCalls {

    /** Test hook: the CUDA backend library to load instead of the libjpac_cuda.so next to libjpac. */
    public static final String CUDA_LIBRARY_PROPERTY = "jpac.cuda.library";

    static {
        NativeLoader.load(); // before JpacNative's class init resolves symbols
        String cudaLibrary = System.getProperty(CUDA_LIBRARY_PROPERTY);
        if (cudaLibrary != null && !cudaLibrary.isBlank()) {
            try (Arena arena = Arena.ofConfined()) {
                // Fails only once the backend was looked for, which nothing did before this class existed.
                check(JpacNative.jpac_set_cuda_library(arena.allocateFrom(cudaLibrary)), "jpac_set_cuda_library");
            }
        }
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

    /** Whether the CUDA backend loaded is the emulator (a test hook), not a GPU. */
    public static boolean cudaEmulated() {
        return JpacNative.jpac_cuda_emulated() != 0;
    }

    /** Device memory of {@code bytes} on CUDA device {@code index} (zero-filled when {@code zero}), as its address. */
    public static long deviceAlloc(int index, long bytes, boolean zero) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            check(JpacNative.jpac_device_alloc(JpacNative.JPAC_DEVICE_CUDA(), index, bytes, zero ? 1 : 0, out),
                    "jpac_device_alloc");
            return out.get(ValueLayout.ADDRESS, 0).address();
        }
    }

    /** Frees what {@link #deviceAlloc} returned. */
    public static void deviceFree(int index, long address) {
        check(JpacNative.jpac_device_free(JpacNative.JPAC_DEVICE_CUDA(), index, MemorySegment.ofAddress(address)),
                "jpac_device_free");
    }

    public static String cpuIsa() {
        return JpacNative.jpac_cpu_isa().getString(0);
    }

    public static void setCpuIsa(String isa) {
        try (Arena arena = Arena.ofConfined()) {
            check(JpacNative.jpac_set_cpu_isa(arena.allocateFrom(isa)), "jpac_set_cpu_isa");
        }
    }

    public static String onednnIsa() {
        return JpacNative.jpac_onednn_isa().getString(0);
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

    public static void scratchTrim() {
        JpacNative.jpac_scratch_trim();
    }

    public static long scratchCachedBytes() {
        return JpacNative.jpac_scratch_cached_bytes();
    }

    public static long scratchCacheLimit() {
        return JpacNative.jpac_scratch_cache_limit();
    }

    public static void setScratchCacheLimit(long bytes) {
        JpacNative.jpac_scratch_set_cache_limit(bytes);
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

    /** Runs {@code op}; tensors in its argument order (null for absent), scalars null when it takes none. */
    private static void run(NativeOp op, PacOptions o, double[] scalars, Tensor... tensors) {
        MacCounter.record(op, o, tensors);
        int status;
        try (Frame f = new Frame(tensors.length)) {
            status = f.call(op, f.options(o), scalars, tensors);
        }
        check(status, op.cName);
    }

    /** As {@link #run}, with the options struct's first int fields given as they are. */
    private static void runRawOptions(NativeOp op, int[] optionFields, Tensor... tensors) {
        int status;
        try (Frame f = new Frame(tensors.length)) {
            status = f.call(op, f.rawOptions(optionFields), null, tensors);
        }
        check(status, op.cName);
    }

    /** Copies {@code src} into {@code dst} (equal shapes) between any two devices. */
    public static void copyTensor(Tensor src, Tensor dst) {
        run(NativeOp.COPY_TENSOR, null, null, src, dst);
    }

    public static void noop(Tensor t) {
        run(NativeOp.NOOP, null, null, t);
    }

    public static void kernel2dForward(PacOptions o, Tensor guide, Tensor alpha, Tensor lambda, Tensor smooth,
                                       Tensor mask, Tensor outKernel, Tensor outMask) {
        run(NativeOp.KERNEL2D_FORWARD, o, null, guide, alpha, lambda, smooth, mask, outKernel, outMask);
    }

    public static void kernel2dBackward(PacOptions o, Tensor guide, Tensor alpha, Tensor lambda, Tensor smooth,
                                        Tensor mask, Tensor gradKernel, Tensor gradGuide, Tensor gradAlpha,
                                        Tensor gradLambda, Tensor gradSmooth) {
        run(NativeOp.KERNEL2D_BACKWARD, o, null, guide, alpha, lambda, smooth, mask, gradKernel, gradGuide,
                gradAlpha, gradLambda, gradSmooth);
    }

    public static void conv2dForward(PacOptions o, boolean transposed, Tensor input, Tensor kernel, Tensor weight,
                                     Tensor bias, Tensor output) {
        run(transposed ? NativeOp.CONV_TRANSPOSE2D_FORWARD : NativeOp.CONV2D_FORWARD, o, null, input, kernel,
                weight, bias, output);
    }

    public static void conv2dBackward(PacOptions o, boolean transposed, Tensor input, Tensor kernel, Tensor weight,
                                      Tensor gradOutput, Tensor gradInput, Tensor gradKernel, Tensor gradWeight,
                                      Tensor gradBias) {
        run(transposed ? NativeOp.CONV_TRANSPOSE2D_BACKWARD : NativeOp.CONV2D_BACKWARD, o, null, input, kernel,
                weight, gradOutput, gradInput, gradKernel, gradWeight, gradBias);
    }

    public static void pool2dForward(PacOptions o, Tensor input, Tensor kernel, Tensor output) {
        run(NativeOp.POOL2D_FORWARD, o, null, input, kernel, output);
    }

    public static void pool2dBackward(PacOptions o, Tensor input, Tensor kernel, Tensor gradOutput, Tensor gradInput,
                                      Tensor gradKernel) {
        run(NativeOp.POOL2D_BACKWARD, o, null, input, kernel, gradOutput, gradInput, gradKernel);
    }

    public static void conv2dGuidedForward(PacOptions o, boolean transposed, Tensor input, Tensor guide, Tensor alpha,
                                           Tensor lambda, Tensor smooth, Tensor weight, Tensor bias, Tensor output) {
        run(transposed ? NativeOp.CONV_TRANSPOSE2D_GUIDED_FORWARD : NativeOp.CONV2D_GUIDED_FORWARD, o, null, input,
                guide, alpha, lambda, smooth, weight, bias, output);
    }

    public static void conv2dGuidedBackward(PacOptions o, boolean transposed, Tensor input, Tensor guide,
                                            Tensor alpha, Tensor lambda, Tensor smooth, Tensor weight,
                                            Tensor gradOutput, Tensor gradInput, Tensor gradGuide, Tensor gradWeight,
                                            Tensor gradBias, Tensor gradAlpha, Tensor gradLambda, Tensor gradSmooth) {
        run(transposed ? NativeOp.CONV_TRANSPOSE2D_GUIDED_BACKWARD : NativeOp.CONV2D_GUIDED_BACKWARD, o, null,
                input, guide, alpha, lambda, smooth, weight, gradOutput, gradInput, gradGuide, gradWeight, gradBias,
                gradAlpha, gradLambda, gradSmooth);
    }

    public static void pool2dGuidedForward(PacOptions o, Tensor input, Tensor guide, Tensor alpha, Tensor lambda,
                                           Tensor smooth, Tensor output) {
        run(NativeOp.POOL2D_GUIDED_FORWARD, o, null, input, guide, alpha, lambda, smooth, output);
    }

    public static void pool2dGuidedBackward(PacOptions o, Tensor input, Tensor guide, Tensor alpha, Tensor lambda,
                                            Tensor smooth, Tensor gradOutput, Tensor gradInput, Tensor gradGuide,
                                            Tensor gradAlpha, Tensor gradLambda, Tensor gradSmooth) {
        run(NativeOp.POOL2D_GUIDED_BACKWARD, o, null, input, guide, alpha, lambda, smooth, gradOutput, gradInput,
                gradGuide, gradAlpha, gradLambda, gradSmooth);
    }

    public static void stdConv2dForward(PacOptions o, Tensor input, Tensor weight, Tensor bias, Tensor output) {
        run(NativeOp.STD_CONV2D_FORWARD, o, null, input, weight, bias, output);
    }

    public static void stdConv2dBackward(PacOptions o, Tensor input, Tensor weight, Tensor gradOutput,
                                         Tensor gradInput, Tensor gradWeight, Tensor gradBias) {
        run(NativeOp.STD_CONV2D_BACKWARD, o, null, input, weight, gradOutput, gradInput, gradWeight, gradBias);
    }

    // ---- standard operations (org.jpac.nn.StdOps checks the arguments) -------

    public static void reluForward(Tensor input, Tensor output) {
        run(NativeOp.RELU_FORWARD, null, null, input, output);
    }

    public static void reluBackward(Tensor input, Tensor gradOutput, Tensor gradInput) {
        run(NativeOp.RELU_BACKWARD, null, null, input, gradOutput, gradInput);
    }

    public static void resizeBilinearForward(Tensor input, double scaleH, double scaleW, Tensor output) {
        run(NativeOp.RESIZE_BILINEAR_FORWARD, null, new double[] {scaleH, scaleW}, input, output);
    }

    public static void resizeBilinearBackward(Tensor gradOutput, double scaleH, double scaleW, Tensor gradInput) {
        run(NativeOp.RESIZE_BILINEAR_BACKWARD, null, new double[] {scaleH, scaleW}, gradOutput, gradInput);
    }

    /** Pool geometry goes straight into the options struct: any kernel size (even ones too). */
    public static void avgPool2dForward(int kernelH, int kernelW, int strideH, int strideW, int padH, int padW,
                                        Tensor input, Tensor output) {
        runRawOptions(NativeOp.AVG_POOL2D_FORWARD, new int[] {kernelH, kernelW, strideH, strideW, padH, padW, 1, 1},
                input, output);
    }

    public static void avgPool2dBackward(int kernelH, int kernelW, int strideH, int strideW, int padH, int padW,
                                         Tensor gradOutput, Tensor gradInput) {
        runRawOptions(NativeOp.AVG_POOL2D_BACKWARD, new int[] {kernelH, kernelW, strideH, strideW, padH, padW, 1, 1},
                gradOutput, gradInput);
    }

    public static void softmaxForward(Tensor input, boolean log, Tensor output) {
        run(NativeOp.SOFTMAX_FORWARD, null, new double[] {log ? 1 : 0}, input, output);
    }

    public static void softmaxBackward(Tensor output, Tensor gradOutput, boolean log, Tensor gradInput) {
        run(NativeOp.SOFTMAX_BACKWARD, null, new double[] {log ? 1 : 0}, output, gradOutput, gradInput);
    }

    public static void batchNormInference(Tensor input, Tensor mean, Tensor var, Tensor weight, Tensor bias,
                                          float eps, Tensor output) {
        run(NativeOp.BATCH_NORM_INFERENCE, null, new double[] {eps}, input, mean, var, weight, bias, output);
    }

    /** output = alpha * x + beta * y (y may be null); output may be x or y. */
    public static void axpby(float alpha, Tensor x, float beta, Tensor y, Tensor output) {
        run(NativeOp.AXPBY, null, new double[] {alpha, beta}, x, y, output);
    }

    public static void copyChannels(Tensor input, long from, long count, Tensor output, long to) {
        run(NativeOp.COPY_CHANNELS, null, new double[] {from, count, to}, input, output);
    }

    /** output = input's window at (top, left) of output's size. */
    public static void crop2dForward(Tensor input, long top, long left, Tensor output) {
        run(NativeOp.CROP2D_FORWARD, null, new double[] {top, left}, input, output);
    }

    /** gradInput = zeros with gradOutput placed at (top, left). */
    public static void crop2dBackward(Tensor gradOutput, long top, long left, Tensor gradInput) {
        run(NativeOp.CROP2D_BACKWARD, null, new double[] {top, left}, gradOutput, gradInput);
    }
}
