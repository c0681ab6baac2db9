package org.jpac.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;

/**
 * The memory behind owned tensors: blocks of native memory that closed tensors
 * hand back and new tensors of a similar size take again, so that a steady
 * stream of calls of the same shapes (a network's activations, call after
 * call) reuses warm pages instead of faulting in and zeroing fresh ones.
 *
 * <p>Sizes are rounded up to classes (at most 1/8 more than asked for above
 * 4 KiB). Free blocks are kept up to {@link #limit()} bytes in all; past that
 * the least recently freed ones are released, so a change of input sizes does
 * not pin the old sizes' memory for long. Thread-safe.
 */
public final class MemoryPool {

    /**
     * Default bound on the free memory kept: 1 GiB, or an eighth of the memory
     * the JVM sees (the container's limit where there is one) when that is less;
     * {@code -Djpac.memory.cacheBytes} overrides it.
     */
    private static final long DEFAULT_LIMIT = defaultLimit();

    private static final MemoryPool INSTANCE = new MemoryPool(limitFromProperty());

    /** One block: its own arena, never seen outside jpac; tensors view it through arenas of their own. */
    public static final class Block {
        private final Arena arena;
        private final MemorySegment segment;
        private final long size;

        private Block(long size) {
            Arena a = Arena.ofShared();
            try {
                this.segment = a.allocate(size, 64);
            } catch (RuntimeException | OutOfMemoryError e) {
                a.close();
                throw e;
            }
            this.arena = a;
            this.size = size;
        }

        /** The whole block (its class size). */
        public MemorySegment segment() {
            return segment;
        }

        public long size() {
            return size;
        }
    }

    private final Map<Long, ArrayDeque<Block>> free = new HashMap<>();
    private final LinkedHashSet<Block> freeOrder = new LinkedHashSet<>(); // oldest first
    private long limit;
    private long freeBytes;
    private long usedBytes;
    private long hits;
    private long misses;

    private MemoryPool(long limit) {
        this.limit = limit;
    }

    public static MemoryPool get() {
        return INSTANCE;
    }

    private static long defaultLimit() {
        long cap = 1L << 30;
        try {
            if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                    instanceof com.sun.management.OperatingSystemMXBean os && os.getTotalMemorySize() > 0) {
                return Math.min(cap, os.getTotalMemorySize() / 8);
            }
        } catch (RuntimeException | LinkageError e) {
            // no management beans (a trimmed runtime): keep the fixed bound
        }
        return cap;
    }

    private static long limitFromProperty() {
        String v = System.getProperty("jpac.memory.cacheBytes");
        if (v == null || v.isBlank()) {
            return DEFAULT_LIMIT;
        }
        try {
            long n = Long.parseLong(v.trim());
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("jpac.memory.cacheBytes: expected a byte count >= 0, got '" + v + "'");
        }
    }

    /** The size class of a request of {@code bytes}. */
    static long classOf(long bytes) {
        long b = Math.max(bytes, 64);
        long step = b <= 4096 ? 64 : Math.max(4096, Long.highestOneBit(b - 1) >> 3);
        return Math.addExact(b, step - 1) / step * step;
    }

    /** A block of at least {@code bytes}; fresh blocks are zero-filled, reused ones hold old data. */
    public Block take(long bytes) {
        long c = classOf(bytes);
        synchronized (this) {
            ArrayDeque<Block> q = free.get(c);
            Block b = q == null ? null : q.pollLast(); // the most recently freed: its pages are the warmest
            if (b != null) {
                freeOrder.remove(b);
                freeBytes -= c;
                usedBytes += c;
                hits++;
                return b;
            }
            misses++;
        }
        Block b;
        try {
            b = new Block(c);
        } catch (OutOfMemoryError e) {
            trim(); // memory kept for reuse may be what is missing
            try {
                b = new Block(c);
            } catch (OutOfMemoryError again) {
                throw new NativeMemoryError(c, stats().usedBytes());
            }
        }
        synchronized (this) {
            usedBytes += c;
        }
        return b;
    }

    /**
     * Native (off-heap) memory for a tensor could not be had. Unlike the Java
     * heap, {@code -Xmx} does not bound it: the machine's free memory (and the
     * process's ulimit) does, and what uses it is the size of the inputs and of
     * the network's activations.
     */
    public static final class NativeMemoryError extends OutOfMemoryError {
        NativeMemoryError(long asked, long held) {
            super("cannot allocate " + mib(asked) + " of native memory for a tensor (jpac's tensors already hold "
                    + mib(held) + "); native memory is bounded by the machine's free memory, not by -Xmx: the "
                    + "input size sets how much is needed");
        }

        private static String mib(long bytes) {
            return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
        }
    }

    /** Returns a block no tensor views any more. */
    public void give(Block b) {
        ArrayDeque<Block> evicted = new ArrayDeque<>();
        synchronized (this) {
            usedBytes -= b.size;
            if (b.size > limit) {
                evicted.add(b);
            } else {
                free.computeIfAbsent(b.size, k -> new ArrayDeque<>()).addLast(b);
                freeOrder.add(b);
                freeBytes += b.size;
                evictOver(limit, evicted);
            }
        }
        evicted.forEach(x -> x.arena.close()); // outside the lock: closing a shared arena takes a while
    }

    private void evictOver(long bound, ArrayDeque<Block> into) {
        Iterator<Block> it = freeOrder.iterator();
        while (freeBytes > bound && it.hasNext()) {
            Block old = it.next();
            it.remove();
            free.get(old.size).remove(old);
            freeBytes -= old.size;
            into.add(old);
        }
    }

    /** Frees every cached block. */
    public void trim() {
        ArrayDeque<Block> evicted = new ArrayDeque<>();
        synchronized (this) {
            evictOver(0, evicted);
            free.clear();
        }
        evicted.forEach(x -> x.arena.close());
    }

    /** Bytes of free memory that may be kept for reuse. */
    public synchronized long limit() {
        return limit;
    }

    public void setLimit(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes: must be >= 0, got " + bytes);
        }
        ArrayDeque<Block> evicted = new ArrayDeque<>();
        synchronized (this) {
            limit = bytes;
            evictOver(limit, evicted);
        }
        evicted.forEach(x -> x.arena.close());
    }

    /** A snapshot of the pool's counters. */
    public synchronized Stats stats() {
        return new Stats(usedBytes, freeBytes, limit, hits, misses);
    }

    /**
     * @param usedBytes bytes held by open tensors (in size classes)
     * @param cachedBytes bytes of freed blocks kept for reuse
     * @param limit the bound on cachedBytes
     * @param hits allocations served from the cache
     * @param misses allocations that needed fresh memory
     */
    public record Stats(long usedBytes, long cachedBytes, long limit, long hits, long misses) {
    }
}
