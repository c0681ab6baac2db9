package org.jpac;

/**
 * Where jpac's memory is: tensors' memory (owned tensors draw it from a pool
 * that keeps freed blocks for reuse) and the CPU backend's scratch memory
 * (temporaries of the fused kernels, also kept for reuse). See
 * {@link Jpac#memoryStats()}.
 *
 * @param tensorBytesInUse bytes held by open owned tensors (rounded up to the pool's size classes)
 * @param tensorBytesCached bytes of closed tensors' memory kept for reuse
 * @param tensorCacheLimit the bound on {@code tensorBytesCached}
 * @param tensorPoolHits tensor allocations served from the cache since start
 * @param tensorPoolMisses tensor allocations that needed fresh memory since start
 * @param scratchBytesCached bytes of freed scratch memory kept for reuse
 * @param scratchCacheLimit the bound on {@code scratchBytesCached}
 * @param leakedTensors tensors freed by the garbage collector instead of {@code close()} since start
 */
public record MemoryStats(long tensorBytesInUse, long tensorBytesCached, long tensorCacheLimit, long tensorPoolHits,
                          long tensorPoolMisses, long scratchBytesCached, long scratchCacheLimit,
                          long leakedTensors) {
}
