package org.jpac.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.jpac.Jpac;
import org.jpac.MemoryStats;
import org.jpac.Tensor;
import org.jpac.TestSupport;
import org.junit.jupiter.api.Test;

/**
 * Network inference reuses memory: after a first call, further calls of the
 * same sizes take every tensor from the pool (no fresh memory to fault in),
 * and a change of sizes does not let the kept memory grow past its bound.
 */
class SteadyStateTest {

    @Test
    void repeatedUpsamplingTakesAllItsMemoryFromThePool() {
        Random r = new Random(2);
        try (PacJointUpsample net = PacJointUpsample.builder(4).seed(3).build();
             Tensor low = TestSupport.tensor(TestSupport.randn(r, 20 * 24, 1), 1, 1, 20, 24);
             Tensor guide = TestSupport.tensor(TestSupport.randn(r, 3 * 80 * 96, 1), 1, 3, 80, 96);
             Tensor out = Tensor.empty(1, 1, 80, 96)) {
            float[] first;
            try (Tensor o = net.forward(low, guide)) {
                first = o.toArray();
            }
            net.forward(low, guide, out);
            MemoryStats before = Jpac.memoryStats();
            for (int i = 0; i < 3; i++) {
                net.forward(low, guide, out);
            }
            MemoryStats after = Jpac.memoryStats();
            assertEquals(before.tensorPoolMisses(), after.tensorPoolMisses(), "steady calls needed fresh memory");
            assertTrue(after.tensorPoolHits() > before.tensorPoolHits());
            assertArrayEquals(first, out.toArray());
        }
    }

    @Test
    void crfCallsOfTheSameSizeTakeAllTheirMemoryFromThePool() {
        Random r = new Random(4);
        try (PacCRF crf = PacCRF.builder(5, 3).seed(1).pairwiseKernel(new PairwiseKernel(5, 4, 1, CompatType.POTTS,
                false, 1)).build();
             Tensor unary = TestSupport.tensor(TestSupport.randn(r, 5 * 40 * 48, 1), 1, 5, 40, 48);
             Tensor image = TestSupport.tensor(TestSupport.randn(r, 3 * 40 * 48, 1), 1, 3, 40, 48);
             Tensor out = Tensor.empty(1, 5, 40, 48)) {
            for (int i = 0; i < 2; i++) {
                try (Tensor edge = PacCRF.createYXRGB(image, 10, 0.1)) {
                    crf.forward(unary, edge, out);
                }
            }
            long misses = Jpac.memoryStats().tensorPoolMisses();
            for (int i = 0; i < 3; i++) {
                try (Tensor edge = PacCRF.createYXRGB(image, 10, 0.1)) {
                    crf.forward(unary, edge, out);
                }
            }
            assertEquals(misses, Jpac.memoryStats().tensorPoolMisses());
        }
    }

    @Test
    void keptMemoryStaysUnderItsLimitWhenSizesChange() {
        long limit = Jpac.memoryStats().tensorCacheLimit();
        try {
            Jpac.setTensorCacheLimit(8L << 20);
            for (int size = 64; size <= 512; size += 32) {
                Tensor.allocate(1, 4, size, size).close(); // 64 KiB .. 4 MiB, every size new
                assertTrue(Jpac.memoryStats().tensorBytesCached() <= 8L << 20);
            }
            Jpac.releaseCachedMemory();
            assertEquals(0, Jpac.memoryStats().tensorBytesCached());
            assertEquals(0, Jpac.memoryStats().scratchBytesCached());
        } finally {
            Jpac.setTensorCacheLimit(limit);
        }
    }
}
