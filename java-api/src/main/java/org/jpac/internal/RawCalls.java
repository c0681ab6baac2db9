package org.jpac.internal;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jpac.Tensor;
import org.jpac.internal.ffi.JpacNative;

/**
 * Calls native entry points with arbitrary descriptors and options, bypassing
 * every Java check. For tests that probe the native layer's own validation;
 * not for ordinary use (a descriptor whose shape exceeds its memory is unsafe).
 */
public final class RawCalls {

    /** Tensor arguments of each operation entry point (all take the options first, except jpac_noop). */
    private static final Map<String, Integer> ARITY = new LinkedHashMap<>();

    static {
        ARITY.put("jpac_kernel2d_forward", 7);
        ARITY.put("jpac_kernel2d_backward", 10);
        ARITY.put("jpac_conv2d_forward", 5);
        ARITY.put("jpac_conv2d_backward", 8);
        ARITY.put("jpac_conv_transpose2d_forward", 5);
        ARITY.put("jpac_conv_transpose2d_backward", 8);
        ARITY.put("jpac_pool2d_forward", 3);
        ARITY.put("jpac_pool2d_backward", 5);
        ARITY.put("jpac_conv2d_guided_forward", 8);
        ARITY.put("jpac_conv2d_guided_backward", 14);
        ARITY.put("jpac_conv_transpose2d_guided_forward", 8);
        ARITY.put("jpac_conv_transpose2d_guided_backward", 14);
        ARITY.put("jpac_pool2d_guided_forward", 6);
        ARITY.put("jpac_pool2d_guided_backward", 11);
        ARITY.put("jpac_std_conv2d_forward", 4);
        ARITY.put("jpac_std_conv2d_backward", 6);
    }

    private RawCalls() {
    }

    /** A tensor descriptor with any fields; {@code data} null means NULL. */
    public record RawTensor(MemorySegment data, int deviceType, int deviceIndex, int ndim, long[] shape) {
        public static RawTensor of(Tensor t) {
            return new RawTensor(t.segment(), t.device().isCpu() ? 0 : 1, t.device().index(), t.rank(), t.shape());
        }
    }

    /** The operation entry points (each takes options, then {@link #arity} tensors). */
    public static List<String> functions() {
        return new ArrayList<>(ARITY.keySet());
    }

    public static int arity(String function) {
        Integer n = ARITY.get(function);
        if (n == null) {
            throw new IllegalArgumentException("function: unknown '" + function + "'");
        }
        return n;
    }

    /**
     * Calls {@code function} with the 16 int option fields in struct order
     * (null options pass NULL) and the given descriptors (null entries pass NULL).
     * Returns the status; {@link NativeCalls#lastError()} has the message.
     */
    public static int call(String function, int[] options, RawTensor... tensors) {
        int n = arity(function);
        if (tensors.length != n) {
            throw new IllegalArgumentException("tensors: " + function + " takes " + n + ", got " + tensors.length);
        }
        NativeCalls.ensureLoaded();
        try (Frame f = new Frame(n)) {
            List<Object> args = new ArrayList<>(n + 1);
            args.add(options == null ? MemorySegment.NULL : f.rawOptions(options));
            for (RawTensor t : tensors) {
                args.add(t == null ? MemorySegment.NULL
                        : f.raw(t.data(), t.deviceType(), t.deviceIndex(), t.ndim(), t.shape()));
            }
            MethodHandle h = (MethodHandle) JpacNative.class.getMethod(function + "$handle").invoke(null);
            return (int) h.invokeWithArguments(args);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("calling " + function + ": " + e, e);
        }
    }
}
