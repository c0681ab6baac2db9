package org.jpac.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import org.jpac.PacOptions;
import org.jpac.Tensor;
import org.jpac.internal.NativeCalls;
import org.jpac.internal.ffi.JpacNative;
import org.jpac.internal.ffi.jpac_options;
import org.jpac.internal.ffi.jpac_tensor;

/** Shared helpers of the benchmarks: deterministic tensors and prebuilt native structs. */
final class Fixtures {

    private Fixtures() {
    }

    /** A tensor of uniform values in [-scale, scale), the same for the same seed. */
    static Tensor random(long seed, float scale, long... shape) {
        Tensor t = Tensor.allocate(shape);
        SplittableRandom r = new SplittableRandom(seed);
        float[] data = new float[Math.toIntExact(t.numel())];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        }
        t.copyFrom(data);
        return t;
    }

    static void closeAll(Tensor... ts) {
        for (Tensor t : ts) {
            if (t != null) {
                t.close();
            }
        }
    }

    /** Fails loudly on a non-zero status of a raw downcall. */
    static void check(int status, String fn) {
        if (status != 0) {
            throw new IllegalStateException(fn + " failed with status " + status + ": " + NativeCalls.lastError());
        }
    }

    /**
     * A {@code jpac_tensor} descriptor for {@code t}, built once in {@code arena}:
     * with it a downcall skips every Java-side check and allocation, so its time is
     * the native time plus the bare cost of a downcall.
     */
    static MemorySegment rawTensor(Arena arena, Tensor t) {
        NativeCalls.ensureLoaded();
        MemorySegment s = jpac_tensor.allocate(arena);
        jpac_tensor.data(s, t.segment());
        jpac_tensor.device_type(s, JpacNative.JPAC_DEVICE_CPU());
        jpac_tensor.device_index(s, 0);
        jpac_tensor.ndim(s, t.rank());
        for (int i = 0; i < t.rank(); i++) {
            jpac_tensor.shape(s, i, t.dim(i));
        }
        return s;
    }

    /** A {@code jpac_options} struct for {@code o} (gaussian kernels only), built once in {@code arena}. */
    static MemorySegment rawOptions(Arena arena, PacOptions o) {
        NativeCalls.ensureLoaded();
        if (o.kernelType().isInv()) {
            throw new IllegalArgumentException("rawOptions: gaussian kernels only");
        }
        MemorySegment s = jpac_options.allocate(arena);
        jpac_options.kernel_h(s, o.kernelH());
        jpac_options.kernel_w(s, o.kernelW());
        jpac_options.stride_h(s, o.strideH());
        jpac_options.stride_w(s, o.strideW());
        jpac_options.pad_h(s, o.padH());
        jpac_options.pad_w(s, o.padW());
        jpac_options.dilation_h(s, o.dilationH());
        jpac_options.dilation_w(s, o.dilationW());
        jpac_options.output_padding_h(s, o.outputPaddingH());
        jpac_options.output_padding_w(s, o.outputPaddingW());
        jpac_options.kernel_type(s, JpacNative.JPAC_KERNEL_GAUSSIAN());
        jpac_options.asymmetric(s, 0);
        jpac_options.channel_wise(s, o.channelWise() ? 1 : 0);
        jpac_options.normalize_kernel(s, o.normalizeKernel() ? 1 : 0);
        jpac_options.transposed(s, o.transposed() ? 1 : 0);
        jpac_options.shared_filters(s, o.sharedFilters() ? 1 : 0);
        return s;
    }
}
