package org.jpac;

import static org.jpac.TestSupport.gaussian;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.function.Supplier;

import org.jpac.grad.GuidedConvGrads;
import org.jpac.grad.GuidedPoolGrads;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Backward passes sum weight and kernel-parameter gradients per thread: with a fixed thread count,
 * every call must give the same bits (training runs, and a run resumed from a checkpoint, repeat
 * exactly). Shapes large enough for a team of two threads and many bands of tiles.
 */
class RepeatableGradientsTest {

    private static final int CALLS = 8;
    private int threads;

    @BeforeEach
    void twoThreads() {
        threads = Jpac.threads();
        Jpac.setThreads(2);
    }

    @AfterEach
    void restore() {
        Jpac.setThreads(threads);
    }

    /** Runs {@code call} CALLS times; every result must equal the first, bit for bit. */
    private static void repeats(String what, Supplier<float[][]> call) {
        float[][] first = call.get();
        for (int k = 1; k < CALLS; k++) {
            float[][] again = call.get();
            for (int i = 0; i < first.length; i++) {
                assertArrayEquals(first[i], again[i], what + ", result " + i + ", call " + k);
            }
        }
    }

    @Test
    void guidedConvGradientsRepeat() {
        PacOptions o = PacOptions.builder(3).padding(1).kernelType("inv_0.5_0.8").build();
        try (Tensor input = gaussian(1, 1, 8, 96, 96); Tensor guide = gaussian(2, 1, 4, 96, 96);
             Tensor weight = gaussian(3, 8, 8, 3, 3); Tensor go = gaussian(4, 1, 8, 96, 96);
             Tensor alpha = Tensor.of(new float[] {0.5f}, 1); Tensor lambda = Tensor.of(new float[] {0.8f}, 1)) {
            repeats("conv2dGuided backward", () -> {
                try (GuidedConvGrads g = Pac.conv2dGuidedBackward(input, guide, alpha, lambda, null, weight, go, o)) {
                    return new float[][] {g.gradWeight().toArray(), g.gradBias().toArray(), g.gradInput().toArray(),
                            g.gradGuide().toArray(), g.gradInvAlpha().toArray(), g.gradInvLambda().toArray()};
                }
            });
        }
    }

    @Test
    void guidedPoolGradientsRepeat() {
        PacOptions o = PacOptions.builder(5).padding(2).kernelType("inv_0.5_0.8").build();
        try (Tensor input = gaussian(5, 2, 6, 80, 72); Tensor guide = gaussian(6, 2, 3, 80, 72);
             Tensor go = gaussian(7, 2, 6, 80, 72);
             Tensor alpha = Tensor.of(new float[] {0.5f}, 1); Tensor lambda = Tensor.of(new float[] {0.8f}, 1)) {
            repeats("pool2dGuided backward", () -> {
                try (GuidedPoolGrads g = Pac.pool2dGuidedBackward(input, guide, alpha, lambda, null, go, o)) {
                    return new float[][] {g.gradInput().toArray(), g.gradGuide().toArray(),
                            g.gradInvAlpha().toArray(), g.gradInvLambda().toArray()};
                }
            });
        }
    }
}
