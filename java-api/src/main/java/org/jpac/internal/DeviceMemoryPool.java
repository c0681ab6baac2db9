package org.jpac.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

import org.jpac.Device;

/**
 * Device memory of closed CUDA tensors, kept for the next tensors of a similar
 * size, so that steady calls make no {@code cudaMalloc} and no {@code cudaFree}
 * (which waits for the device) per tensor. Sizes are
 * rounded up to {@link MemoryPool}'s classes; the free blocks of all devices
 * together are bounded by {@link MemoryPool}'s limit (one knob for both:
 * {@code -Djpac.memory.cacheBytes}, {@code Jpac.setTensorCacheLimit}), the
 * least recently freed released first. Only unzeroed requests are served from
 * it ({@code Tensor.empty}, every operation's outputs): a zero-filled tensor
 * takes fresh memory, which the backend zeroes. Thread-safe.
 */
public final class DeviceMemoryPool {

    private static final DeviceMemoryPool INSTANCE = new DeviceMemoryPool();

    /** A block of device memory: its device, address and size class. */
    public record Block(Device device, long address, long size) {
    }

    private final Map<Device, Map<Long, ArrayDeque<Block>>> free = new HashMap<>();
    private final LinkedHashSet<Block> freeOrder = new LinkedHashSet<>(); // oldest first
    private long freeBytes;

    private DeviceMemoryPool() {
    }

    public static DeviceMemoryPool get() {
        return INSTANCE;
    }

    /** A block of at least {@code bytes} on {@code device}: zero-filled and fresh when {@code zero}, else maybe reused. */
    public Block take(Device device, long bytes, boolean zero) {
        long c = MemoryPool.classOf(bytes);
        if (!zero) {
            synchronized (this) {
                ArrayDeque<Block> q = free.getOrDefault(device, Map.of()).get(c);
                Block b = q == null ? null : q.pollLast();
                if (b != null) {
                    freeOrder.remove(b);
                    freeBytes -= c;
                    return b;
                }
            }
        }
        try {
            return new Block(device, NativeCalls.deviceAlloc(device.index(), c, zero), c);
        } catch (org.jpac.JpacException e) {
            if (e.status() != org.jpac.JpacException.Status.OUT_OF_MEMORY) {
                throw e;
            }
            trim(); // memory kept for reuse may be what is missing
            return new Block(device, NativeCalls.deviceAlloc(device.index(), c, zero), c);
        }
    }

    /** Returns a block no tensor uses any more (no native call in flight on it). */
    public void give(Block b) {
        List<Block> evicted = new ArrayList<>();
        synchronized (this) {
            long limit = MemoryPool.get().limit();
            if (b.size() > limit) {
                evicted.add(b);
            } else {
                free.computeIfAbsent(b.device(), d -> new HashMap<>()).computeIfAbsent(b.size(),
                        k -> new ArrayDeque<>()).addLast(b);
                freeOrder.add(b);
                freeBytes += b.size();
                evictOver(limit, evicted);
            }
        }
        evicted.forEach(DeviceMemoryPool::release);
    }

    /** Frees every kept block. */
    public void trim() {
        shrinkTo(0);
    }

    /** Frees the least recently kept blocks until at most {@code bytes} are kept. */
    public void shrinkTo(long bytes) {
        List<Block> evicted = new ArrayList<>();
        synchronized (this) {
            evictOver(bytes, evicted);
        }
        evicted.forEach(DeviceMemoryPool::release);
    }

    /** Bytes of device memory kept for reuse. */
    public synchronized long cachedBytes() {
        return freeBytes;
    }

    private void evictOver(long bound, List<Block> into) {
        Iterator<Block> it = freeOrder.iterator();
        while (freeBytes > bound && it.hasNext()) {
            Block old = it.next();
            it.remove();
            free.get(old.device()).get(old.size()).remove(old);
            freeBytes -= old.size();
            into.add(old);
        }
    }

    private static void release(Block b) {
        try {
            NativeCalls.deviceFree(b.device().index(), b.address());
        } catch (RuntimeException e) {
            // Runs on close or in the cleaner: report, as a failed cudaFree cannot be repaired here.
            System.getLogger("org.jpac").log(System.Logger.Level.WARNING,
                    "freeing " + b.size() + " bytes of device memory on " + b.device() + " failed: " + e.getMessage());
        }
    }
}
