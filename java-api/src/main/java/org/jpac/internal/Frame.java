package org.jpac.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jpac.Device;
import org.jpac.PacOptions;
import org.jpac.Tensor;
import org.jpac.internal.ffi.JpacNative;
import org.jpac.internal.ffi.jpac_options;
import org.jpac.internal.ffi.jpac_tensor;

/**
 * The structs of one native call: an options struct, the scalar arguments and
 * up to {@code n} tensor descriptors carved from one zeroed block. The block is
 * the calling thread's own, reused from call to call (creating and closing an
 * arena per call was most of the Java-side cost of a small op); a nested or
 * oversized frame gets a confined arena of its own.
 *
 * <p>{@link #call} checks each tensor's memory (open, accessible from this
 * thread, writable for outputs) and passes it as an argument of
 * {@code jpac_call}, so that the FFM linker keeps it alive for the call.
 */
final class Frame implements AutoCloseable {

    private static final long OPT_SIZE = align8(jpac_options.sizeof());
    private static final long T_SIZE = align8(jpac_tensor.sizeof());
    private static final int MAX_SCALARS = 4;
    private static final long SCALARS_SIZE = MAX_SCALARS * Double.BYTES;
    private static final int MAX_DIMS = JpacNative.JPAC_MAX_DIMS();
    private static final int MAX_TENSORS = JpacNative.JPAC_CALL_MAX_TENSORS();
    private static final long THREAD_BLOCK = 4096;

    /** A thread's reusable block; freed by the GC with the thread. */
    private static final class ThreadBlock {
        final MemorySegment segment = Arena.ofAuto().allocate(THREAD_BLOCK, 8);
        boolean busy;
    }

    private static final ThreadLocal<ThreadBlock> BLOCKS = ThreadLocal.withInitial(ThreadBlock::new);

    private final Arena arena;        // null when the thread's block is used
    private final ThreadBlock owner;  // null when an arena is used
    private final MemorySegment block;
    private long next = OPT_SIZE + SCALARS_SIZE;

    Frame(int tensors) {
        long size = OPT_SIZE + SCALARS_SIZE + tensors * T_SIZE;
        ThreadBlock tb = BLOCKS.get();
        if (!tb.busy && size <= THREAD_BLOCK) {
            tb.busy = true;
            owner = tb;
            arena = null;
            block = tb.segment.asSlice(0, size).fill((byte) 0);
        } else {
            owner = null;
            arena = Arena.ofConfined();
            block = arena.allocate(size, 8);
        }
    }

    private static long align8(long v) {
        return (v + 7) & ~7L;
    }

    /** The options struct filled from {@code o} (NULL for null). */
    MemorySegment options(PacOptions o) {
        if (o == null) {
            return MemorySegment.NULL;
        }
        MemorySegment s = block.asSlice(0, jpac_options.sizeof());
        fill(s, o);
        return s;
    }

    static void fill(MemorySegment s, PacOptions o) {
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
        jpac_options.kernel_type(s, o.kernelType().isInv() ? JpacNative.JPAC_KERNEL_INV() : JpacNative.JPAC_KERNEL_GAUSSIAN());
        jpac_options.asymmetric(s, o.kernelType().asymmetric() ? 1 : 0);
        jpac_options.channel_wise(s, o.channelWise() ? 1 : 0);
        jpac_options.normalize_kernel(s, o.normalizeKernel() ? 1 : 0);
        jpac_options.transposed(s, o.transposed() ? 1 : 0);
        jpac_options.shared_filters(s, o.sharedFilters() ? 1 : 0);
    }

    /**
     * Runs {@code op} through {@code jpac_call} with the options struct {@code opt}
     * (from {@link #options} or {@link #rawOptions}): {@code t} in the operation's
     * argument order (null for absent ones), {@code scalars} its non-tensor
     * arguments (null for none). Returns the status.
     */
    int call(NativeOp op, MemorySegment opt, double[] scalars, Tensor[] t) {
        if (t.length != op.args.length) {
            throw new IllegalArgumentException("tensors: " + op.cName + " takes " + op.args.length + ", got "
                    + t.length);
        }
        MemorySegment sc = MemorySegment.NULL;
        if (scalars != null) {
            if (scalars.length > MAX_SCALARS) {
                throw new IllegalArgumentException("scalars: at most " + MAX_SCALARS + ", got " + scalars.length);
            }
            sc = block.asSlice(OPT_SIZE, SCALARS_SIZE);
            for (int i = 0; i < scalars.length; i++) {
                sc.setAtIndex(ValueLayout.JAVA_DOUBLE, i, scalars[i]);
            }
        }
        MemorySegment descriptors = block.asSlice(next, t.length * T_SIZE);
        MemorySegment[] d = new MemorySegment[MAX_TENSORS];
        java.util.Arrays.fill(d, MemorySegment.NULL);
        int entered = 0; // t[0..entered) are checked, and counted in flight when owned
        try {
            for (int i = 0; i < t.length; i++) {
                if (t[i] != null) {
                    d[i] = enter(t[i], op.args[i], i >= op.firstOutput);
                }
                entered = i + 1;
                if (t[i] != null) {
                    describe(descriptors.asSlice(i * T_SIZE, jpac_tensor.sizeof()), t[i]);
                }
            }
            return JpacNative.jpac_call(op.code, opt, sc, t.length, descriptors, d[0], d[1], d[2], d[3], d[4], d[5],
                    d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13], d[14], d[15]);
        } catch (IllegalStateException closedMeanwhile) {
            // Another thread closed the arena of a wrapped segment between the checks and the downcall,
            // which then refused to start: say which argument.
            for (int i = 0; i < entered; i++) {
                if (t[i] != null && t[i].isClosed()) {
                    IllegalStateException e = new IllegalStateException(op.args[i] + ": " + t[i]
                            + " was closed (or its memory freed) by another thread as the call began");
                    e.initCause(closedMeanwhile);
                    throw e;
                }
            }
            throw closedMeanwhile;
        } finally {
            // Also keeps every tensor reachable (so not cleaned) until the call has returned.
            for (int i = 0; i < entered; i++) {
                TensorMemory m = t[i] == null ? null : TensorAccess.owned(t[i]);
                if (m != null) {
                    m.exitCall();
                }
            }
        }
    }

    /**
     * The memory of argument {@code name}, checked for being usable by this call;
     * owned memory is counted in flight (its close waits for the call).
     */
    private static MemorySegment enter(Tensor t, String name, boolean output) {
        MemorySegment s = TensorAccess.data(t, name);
        TensorMemory m = TensorAccess.owned(t);
        if (m != null) {
            if (!m.enterCall()) {
                throw new IllegalStateException(name + ": " + t + " is closed");
            }
            return s;
        }
        if (!s.isAccessibleBy(Thread.currentThread())) {
            throw new WrongThreadException(name + ": " + t + " wraps a segment confined to another thread");
        }
        if (output && s.isReadOnly()) {
            throw new IllegalArgumentException(name + ": " + t + " is read-only; an output must be writable");
        }
        return s;
    }

    private static void describe(MemorySegment s, Tensor t) {
        Device d = t.device();
        jpac_tensor.device_type(s, d.isCpu() ? JpacNative.JPAC_DEVICE_CPU() : JpacNative.JPAC_DEVICE_CUDA());
        jpac_tensor.device_index(s, d.index());
        int rank = t.rank();
        jpac_tensor.ndim(s, rank);
        for (int i = 0; i < rank && i < MAX_DIMS; i++) {
            jpac_tensor.shape(s, i, t.dim(i));
        }
    }

    /** A raw descriptor: any rank (only the first JPAC_MAX_DIMS dims are stored), any data pointer. */
    MemorySegment raw(MemorySegment data, int deviceType, int deviceIndex, int ndim, long[] shape) {
        MemorySegment s = slot();
        jpac_tensor.data(s, data == null ? MemorySegment.NULL : data);
        jpac_tensor.device_type(s, deviceType);
        jpac_tensor.device_index(s, deviceIndex);
        jpac_tensor.ndim(s, ndim);
        for (int i = 0; i < shape.length && i < MAX_DIMS; i++) {
            jpac_tensor.shape(s, i, shape[i]);
        }
        return s;
    }

    MemorySegment rawOptions(int[] fields) {
        MemorySegment s = block.asSlice(0, jpac_options.sizeof());
        for (int i = 0; i < fields.length && i * 4L < jpac_options.sizeof(); i++) {
            s.set(java.lang.foreign.ValueLayout.JAVA_INT, i * 4L, fields[i]);
        }
        return s;
    }

    private MemorySegment slot() {
        MemorySegment s = block.asSlice(next, jpac_tensor.sizeof());
        next += T_SIZE;
        return s;
    }

    @Override
    public void close() {
        if (owner != null) {
            owner.busy = false;
        } else {
            arena.close();
        }
    }
}
