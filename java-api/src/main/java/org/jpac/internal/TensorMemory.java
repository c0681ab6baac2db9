package org.jpac.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.jpac.Device;

/**
 * The memory of one owned tensor: a {@link MemoryPool} block, or device memory
 * of the CUDA backend (allocated and freed through libjpac, never read from Java).
 *
 * <p>Native calls: {@link #enterCall} / {@link #exitCall} count the calls in
 * flight; {@link #release} (the tensor's close) marks the memory closed, so no
 * new call starts, and waits until the count is zero before the block goes
 * back to the pool, where another tensor may take it.
 *
 * <p>Segments handed to users ({@link #view}) are made on first request, over
 * an arena of the tensor's own that {@link #release} closes: a stale segment
 * of a closed tensor throws instead of reading a reused block. Tensors whose
 * segment is never asked for skip that arena (closing a shared arena costs
 * tens of microseconds, more than a small operation).
 *
 * <p>A tensor that becomes unreachable without close is released by a
 * {@link Cleaner} and counted (and reported, see {@link Leaks}) as a leak.
 */
public final class TensorMemory {

    private static final Cleaner CLEANER = Cleaner.create();
    private static final long CLOSED = 1L << 62;

    /** Everything but the tensor itself: what the cleaner runs on. */
    private static final class State implements Runnable {
        final MemoryPool.Block block;            // host memory, or null
        final DeviceMemoryPool.Block deviceBlock; // device memory, or null
        final Device device;                     // where raw lives
        final MemorySegment raw;
        final long[] shape;
        final Throwable allocatedAt;
        final AtomicLong calls = new AtomicLong(); // calls in flight, plus CLOSED once released
        volatile Arena viewArena;
        volatile boolean closedByOwner;

        State(MemoryPool.Block block, DeviceMemoryPool.Block deviceBlock, MemorySegment raw, long[] shape,
              Throwable allocatedAt) {
            this.block = block;
            this.deviceBlock = deviceBlock;
            this.device = deviceBlock == null ? Device.CPU : deviceBlock.device();
            this.raw = raw;
            this.shape = shape;
            this.allocatedAt = allocatedAt;
        }

        @Override
        public void run() {
            if (!closedByOwner) {
                Leaks.leaked("Tensor" + Arrays.toString(shape), allocatedAt);
            }
            calls.getAndAdd(CLOSED);
            waitUntil(() -> calls.get() == CLOSED);
            Arena a;
            synchronized (this) {
                a = viewArena;
                viewArena = null;
            }
            if (a != null) {
                closeWhenIdle(a);
            }
            if (block != null) {
                MemoryPool.get().give(block);
            } else {
                DeviceMemoryPool.get().give(deviceBlock);
            }
        }
    }

    private final State state;
    private final Cleaner.Cleanable cleanable;

    private TensorMemory(Object owner, State state) {
        this.state = state;
        this.cleanable = CLEANER.register(owner, state);
    }

    /**
     * Memory of {@code bytes} for {@code owner} (whose shape is {@code shape},
     * for leak reports): zero-filled when {@code zero}, else unspecified.
     */
    public static TensorMemory allocate(Object owner, long[] shape, long bytes, boolean zero) {
        AllocationCap.charge(bytes);
        MemoryPool pool = MemoryPool.get();
        MemoryPool.Block block = pool.take(bytes);
        try {
            MemorySegment raw = block.segment().asSlice(0, bytes);
            if (zero) {
                raw.fill((byte) 0);
            } else if (Leaks.POISON) {
                raw.fill((byte) 0xFF); // NaN everywhere: reading an unwritten output shows at once
            }
            return new TensorMemory(owner, new State(block, null, raw, shape, Leaks.allocationSite()));
        } catch (RuntimeException | Error e) {
            pool.give(block);
            throw e;
        }
    }

    /**
     * Device memory of {@code bytes} on {@code device} (a CUDA device) for {@code owner}:
     * zero-filled when {@code zero}, else unspecified (maybe a closed tensor's, see
     * {@link DeviceMemoryPool}).
     */
    public static TensorMemory allocateDevice(Object owner, long[] shape, Device device, long bytes, boolean zero) {
        AllocationCap.charge(bytes);
        DeviceMemoryPool.Block b = DeviceMemoryPool.get().take(device, bytes, zero);
        // Never dereferenced by Java: a CUDA tensor's memory is only passed to native calls.
        MemorySegment raw = MemorySegment.ofAddress(b.address()).reinterpret(bytes);
        return new TensorMemory(owner, new State(null, b, raw, shape, Leaks.allocationSite()));
    }

    /** The memory for jpac's own accesses; valid until {@link #release}. */
    public MemorySegment raw() {
        return state.raw;
    }

    /** A segment for the user, inaccessible once the tensor is closed; null if it is closed already. */
    public MemorySegment view() {
        State s = state;
        if (!s.device.isCpu()) {
            throw new UnsupportedOperationException("device memory on " + s.device + " has no host view");
        }
        synchronized (s) {
            if ((s.calls.get() & CLOSED) != 0) {
                return null;
            }
            if (s.viewArena == null) {
                s.viewArena = Arena.ofShared(); // shared: other threads may use the tensor
            }
            return s.raw.reinterpret(s.viewArena, null);
        }
    }

    /** Whether {@link #release} has begun. */
    public boolean isReleased() {
        return (state.calls.get() & CLOSED) != 0;
    }

    /** Counts a native call that uses this memory; false (and nothing counted) once it is released. */
    public boolean enterCall() {
        AtomicLong c = state.calls;
        while (true) {
            long v = c.get();
            if ((v & CLOSED) != 0) {
                return false;
            }
            if (c.compareAndSet(v, v + 1)) {
                return true;
            }
        }
    }

    public void exitCall() {
        state.calls.decrementAndGet();
    }

    /** Frees the memory once no native call uses it any more (waits for those that do). */
    public void release() {
        state.closedByOwner = true;
        cleanable.clean();
    }

    private static void waitUntil(java.util.function.BooleanSupplier done) {
        long waitNanos = 1_000;
        for (int attempt = 0; !done.getAsBoolean(); attempt++) {
            if (attempt < 64) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(waitNanos);
                waitNanos = Math.min(waitNanos * 2, 1_000_000);
            }
        }
    }

    /**
     * Closes a shared arena, waiting while it is acquired (a user passed the
     * tensor's segment to a downcall of their own, or it is in use by
     * {@code MemorySegment.copy} and the like).
     */
    private static void closeWhenIdle(Arena arena) {
        waitUntil(() -> {
            try {
                arena.close();
                return true;
            } catch (IllegalStateException inUse) {
                return !arena.scope().isAlive();
            }
        });
    }
}
