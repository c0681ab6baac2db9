package org.jpac.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The NaN and infinite values of a float array: how many, and where the first
 * one is (a flat, row-major index). One pass, no allocation; used to refuse
 * such values where they would otherwise spread silently through a network.
 */
public record NonFinite(long count, long first) {

    /** The non-finite values of {@code data}, or null when every value is finite. */
    public static NonFinite in(float[] data) {
        long count = 0;
        long first = -1;
        for (int i = 0; i < data.length; i++) {
            if (!Float.isFinite(data[i])) {
                if (count++ == 0) {
                    first = i;
                }
            }
        }
        return count == 0 ? null : new NonFinite(count, first);
    }

    /** The non-finite values among the first {@code n} floats of {@code segment}, or null when none. */
    public static NonFinite in(MemorySegment segment, long n) {
        long count = 0;
        long first = -1;
        for (long i = 0; i < n; i++) {
            if (!Float.isFinite(segment.getAtIndex(ValueLayout.JAVA_FLOAT, i))) {
                if (count++ == 0) {
                    first = i;
                }
            }
        }
        return count == 0 ? null : new NonFinite(count, first);
    }

    /** E.g. "3 values are not finite (NaN or infinite)". */
    public String describe() {
        return count + (count == 1 ? " value is" : " values are") + " not finite (NaN or infinite)";
    }

    /** A flat row-major index as the index of each dimension of {@code shape}, e.g. {@code [0, 2, 5]}. */
    public static String index(long flat, long[] shape) {
        long[] idx = new long[shape.length];
        long rest = flat;
        for (int d = shape.length - 1; d >= 0; d--) {
            long n = Math.max(1, shape[d]);
            idx[d] = rest % n;
            rest /= n;
        }
        return java.util.Arrays.toString(idx);
    }
}
