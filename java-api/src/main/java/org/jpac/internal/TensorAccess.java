package org.jpac.internal;

import java.lang.foreign.MemorySegment;

import org.jpac.Tensor;

/**
 * jpac's own access to a tensor's memory, without the per-tensor arena that
 * {@link Tensor#segment()} makes for users (see {@link TensorMemory}). Installed
 * by {@code Tensor}'s class initialiser; not for use outside jpac.
 */
public final class TensorAccess {

    /** What {@code Tensor} provides. */
    public interface Accessor {
        /** The memory (checked open, naming {@code argument} otherwise). */
        MemorySegment data(Tensor t, String argument);

        /** The owned memory, or null for a wrapped tensor. */
        TensorMemory owned(Tensor t);
    }

    private static volatile Accessor accessor;

    private TensorAccess() {
    }

    public static void install(Accessor a) {
        accessor = a;
    }

    /** The memory of {@code t} for jpac's own reads and writes. */
    public static MemorySegment data(Tensor t, String argument) {
        return accessor.data(t, argument);
    }

    static TensorMemory owned(Tensor t) {
        return accessor.owned(t);
    }
}
