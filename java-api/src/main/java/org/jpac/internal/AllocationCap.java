package org.jpac.internal;

/**
 * A bound on the tensor memory the current thread may allocate while a
 * network is built from a file's description, so that a small file whose
 * metadata describes a huge network is refused after allocating at most about
 * what the file itself holds, instead of after minutes of allocating.
 * {@link TensorMemory#allocate} charges every owned tensor to the innermost
 * open cap of its thread; threads without one are not bounded.
 *
 * <pre>{@code
 * try (AllocationCap cap = AllocationCap.open(bytes)) {
 *     net = build();   // throws AllocationCap.Exceeded past `bytes`
 * }
 * }</pre>
 */
public final class AllocationCap implements AutoCloseable {

    private static final ThreadLocal<AllocationCap> CURRENT = new ThreadLocal<>();

    /** Thrown by an allocation that would take a capped thread past its bound. */
    public static final class Exceeded extends IllegalStateException {
        private final long limitBytes;

        Exceeded(long limitBytes, long askedBytes) {
            super("tensor memory of the network exceeds its cap of " + limitBytes + " bytes (an allocation of "
                    + askedBytes + " bytes went past it)");
            this.limitBytes = limitBytes;
        }

        public long limitBytes() {
            return limitBytes;
        }
    }

    private final long limitBytes;
    private final AllocationCap outer;
    private long usedBytes;

    private AllocationCap(long limitBytes, AllocationCap outer) {
        this.limitBytes = limitBytes;
        this.outer = outer;
    }

    /** Caps this thread's tensor allocations at {@code bytes} until {@link #close}. */
    public static AllocationCap open(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes: must be >= 0, got " + bytes);
        }
        AllocationCap cap = new AllocationCap(bytes, CURRENT.get());
        CURRENT.set(cap);
        return cap;
    }

    /** Counts {@code bytes} against the thread's cap, if any; throws {@link Exceeded} past it. */
    static void charge(long bytes) {
        AllocationCap cap = CURRENT.get();
        if (cap == null) {
            return;
        }
        if (bytes > cap.limitBytes - cap.usedBytes) {
            throw new Exceeded(cap.limitBytes, bytes);
        }
        cap.usedBytes += bytes;
    }

    /** Bytes charged so far. */
    public long usedBytes() {
        return usedBytes;
    }

    @Override
    public void close() {
        if (CURRENT.get() == this) {
            if (outer == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(outer);
            }
        }
    }
}
