package org.jpac.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;

/**
 * The memory of one owned tensor: a {@link MemoryPool} block seen through an
 * arena of the tensor's own, so that closing the tensor invalidates every
 * segment it ever handed out before the block goes back to the pool.
 *
 * <p>Lifetime: {@link #release} (the tensor's close) closes the arena, waiting
 * while a native call still uses the memory (jpac passes every tensor's memory
 * as an argument of the downcall, and the FFM linker keeps an arena that is an
 * argument of a call in progress from closing). A tensor that becomes
 * unreachable without close is released by a {@link Cleaner} and counted (and
 * reported, see {@link Leaks}) as a leak.
 */
public final class TensorMemory {

    private static final Cleaner CLEANER = Cleaner.create();

    /** What the cleaner runs: holds everything but the tensor itself. */
    private static final class State implements Runnable {
        final MemoryPool.Block block;
        final Arena arena;
        final long[] shape;
        final Throwable allocatedAt;
        volatile boolean closedByOwner;

        State(MemoryPool.Block block, Arena arena, long[] shape, Throwable allocatedAt) {
            this.block = block;
            this.arena = arena;
            this.shape = shape;
            this.allocatedAt = allocatedAt;
        }

        @Override
        public void run() {
            if (!closedByOwner) {
                Leaks.leaked("Tensor" + Arrays.toString(shape), allocatedAt);
            }
            closeWhenIdle(arena);
            MemoryPool.get().give(block);
        }
    }

    private final MemorySegment segment;
    private final State state;
    private final Cleaner.Cleanable cleanable;

    private TensorMemory(Object owner, MemorySegment segment, State state) {
        this.segment = segment;
        this.state = state;
        this.cleanable = CLEANER.register(owner, state);
    }

    /**
     * Memory of {@code bytes} for {@code owner} (whose shape is {@code shape},
     * for leak reports): zero-filled when {@code zero}, else unspecified.
     */
    public static TensorMemory allocate(Object owner, long[] shape, long bytes, boolean zero) {
        MemoryPool pool = MemoryPool.get();
        MemoryPool.Block block = pool.take(bytes);
        Arena arena = null;
        try {
            arena = Arena.ofShared(); // shared: other threads may use the tensor
            MemorySegment view = block.segment().reinterpret(bytes, arena, null);
            if (zero) {
                view.fill((byte) 0);
            } else if (Leaks.POISON) {
                view.fill((byte) 0xFF); // NaN everywhere: reading an unwritten output shows at once
            }
            return new TensorMemory(owner, view, new State(block, arena, shape, Leaks.allocationSite()));
        } catch (RuntimeException | Error e) {
            if (arena != null) {
                arena.close();
            }
            pool.give(block);
            throw e;
        }
    }

    public MemorySegment segment() {
        return segment;
    }

    /** Frees the memory once no native call uses it any more (waits for those that do). */
    public void release() {
        state.closedByOwner = true;
        cleanable.clean();
    }

    /**
     * Closes a shared arena, waiting while it is acquired (an argument of a
     * downcall in progress, or in use by {@code MemorySegment.copy} and the like).
     */
    static void closeWhenIdle(Arena arena) {
        long waitNanos = 1_000;
        for (int attempt = 0;; attempt++) {
            try {
                arena.close();
                return;
            } catch (IllegalStateException inUse) {
                if (!arena.scope().isAlive()) {
                    return;
                }
                if (attempt < 64) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(waitNanos);
                    waitNanos = Math.min(waitNanos * 2, 1_000_000);
                }
            }
        }
    }
}
