package org.jpac;

import static org.jpac.TestSupport.assertClose;
import static org.jpac.TestSupport.doubles;
import static org.jpac.TestSupport.randn;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Random;

import org.jpac.grad.GuidedConvGrads;
import org.junit.jupiter.api.Test;

/** Layers: parameters, fillers, state dicts, and forward/backward against the functional ops. */
class LayerTest {

    @Test
    void conv2dParametersAndUniformFiller() {
        try (PacConv2d a = PacConv2d.builder(3, 4, 5).seed(7).kernelType("inv_0.5_0.8").smoothKernelType("full_3")
                .build();
             PacConv2d b = PacConv2d.builder(3, 4, 5).seed(7).kernelType("inv_0.5_0.8").smoothKernelType("full_3")
                     .build()) {
            assertArrayEquals(new long[] {4, 3, 5, 5}, a.weight().shape());
            assertArrayEquals(new long[] {4}, a.bias().shape());
            assertEquals(Map.of("weight", a.weight(), "bias", a.bias(), "inv_alpha", a.invAlpha(),
                    "inv_lambda", a.invLambda(), "smooth_kernel", a.smoothKernel()), a.parameters());
            double bound = 1 / Math.sqrt(3 * 25);
            for (float v : a.weight().toArray()) {
                assertTrue(Math.abs(v) <= bound);
            }
            assertArrayEquals(a.weight().toArray(), b.weight().toArray(), "same seed, same weights");
            assertEquals(0.5f, a.invAlpha().get(0));
            assertEquals(0.8f, a.invLambda().get(0));
            assertEquals(1f / 9, a.smoothKernel().get(0, 0, 1, 1), 1e-7);
        }
    }

    @Test
    void fixedAndBufferTensorsAreNotParameters() {
        try (PacConv2d l = PacConv2d.builder(2, 2, 3).kernelType("inv_1_2_fixed").smoothKernelType("gaussian")
                .sharedFilters(true).filler("crf_pool").bias(false).build()) {
            assertEquals(Map.of(), l.parameters());
            assertEquals(java.util.Set.of("weight", "inv_alpha", "inv_lambda", "smooth_kernel"),
                    l.stateDict().keySet());
            assertArrayEquals(new float[] {1, 1, 1, 1, 0, 1, 1, 1, 1}, l.weight().toArray());
        }
    }

    @Test
    void linearFillerIsBilinearUpsampling() {
        try (PacConvTranspose2d l = PacConvTranspose2d.builder(2, 2, 5).stride(2).padding(2).outputPadding(1)
                .filler("linear").build()) {
            float[] oneD = {0, 0.5f, 1, 0.5f, 0};
            for (int i = 0; i < 5; i++) {
                for (int j = 0; j < 5; j++) {
                    assertEquals(oneD[i] * oneD[j], l.weight().get(1, 1, i, j), 1e-7);
                    assertEquals(0f, l.weight().get(0, 1, i, j));
                }
            }
            assertEquals(0f, l.bias().get(1));
        }
        try (PacConvTranspose2d l = PacConvTranspose2d.builder(1, 1, 5).stride(2).filler("linear")
                .normalizeKernel(true).build()) {
            // x ((k - j - 1)//s + j//s + 1) = [3, 2, 3, 2, 3]
            float[] oneD = {0, 1, 3, 1, 0};
            assertEquals(oneD[2] * oneD[1], l.weight().get(0, 0, 2, 1), 1e-6);
        }
    }

    @Test
    void crfFiller() {
        try (PacConv2d l = PacConv2d.builder(3, 3, 5).filler("crf").build()) {
            assertEquals(0f, l.weight().get(1, 1, 1, 1), "no self-compatibility");
            assertEquals(0f, l.weight().get(0, 2, 2, 2), "zero centre");
            double[][] g = Fillers.gaussian2d(5);
            assertEquals(g[0][1] * 25, l.weight().get(0, 2, 0, 1), 1e-6);
            assertEquals(0f, l.bias().get(0));
        }
    }

    @Test
    void conv2dForwardBackwardMatchTheFunctionalOps() {
        Random r = new Random(3);
        try (PacConv2d l = PacConv2d.builder(3, 2, 3).padding(1).kernelType("inv_0.5_0.8").seed(1).build();
             Tensor in = Tensor.ofDoubles(randn(r, 2 * 3 * 6 * 6, 1), 2, 3, 6, 6);
             Tensor g = Tensor.ofDoubles(randn(r, 2 * 2 * 6 * 6, 1), 2, 2, 6, 6);
             Tensor go = Tensor.ofDoubles(randn(r, 2 * 2 * 6 * 6, 1), 2, 2, 6, 6);
             Tensor out = l.forward(in, g);
             Tensor want = Pac.conv2dGuided(in, g, l.invAlpha(), l.invLambda(), null, l.weight(), l.bias(),
                     l.options());
             GuidedConvGrads wg = Pac.conv2dGuidedBackward(in, g, l.invAlpha(), l.invLambda(), null, l.weight(), go,
                     l.options())) {
            assertClose("output", doubles(want), out, 1e-6);
            Tensor gi = l.backward(go);
            assertClose("gradInput", doubles(wg.gradInput()), gi, 1e-6);
            assertClose("gradGuide", doubles(wg.gradGuide()), l.gradGuide(), 1e-6);
            assertClose("gradWeight", doubles(wg.gradWeight()), l.gradWeight(), 1e-6);
            assertClose("gradBias", doubles(wg.gradBias()), l.gradBias(), 1e-6);
            assertClose("gradInvAlpha", doubles(wg.gradInvAlpha()), l.gradInvAlpha(), 1e-6);
            assertNull(l.gradSmoothKernel());
        }
    }

    @Test
    void explicitKernelPathGivesTheSameOutput() {
        Random r = new Random(4);
        try (PacConvTranspose2d l = PacConvTranspose2d.builder(2, 3, 5).stride(2).padding(2).outputPadding(1)
                .normalizeKernel(true).seed(2).build();
             Tensor in = Tensor.ofDoubles(randn(r, 2 * 4 * 4, 1), 1, 2, 4, 4);
             Tensor g = Tensor.ofDoubles(randn(r, 3 * 8 * 8, 1), 1, 3, 8, 8);
             Tensor fused = l.forward(in, g);
             Kernel2dResult k = l.computeKernel(g, null);
             Tensor viaK = l.forwardWithKernel(in, k.kernel());
             Tensor go = Tensor.ofDoubles(randn(r, 3 * 8 * 8, 1), 1, 3, 8, 8)) {
            assertClose("fused vs kernel path", doubles(fused), viaK, 1e-5);
            l.backward(go);
            assertNotNull(l.gradKernel());
            double[] gg = doubles(l.computeKernelBackward(g, null, l.gradKernel()));
            assertNotNull(l.gradWeight(), "kernel backward keeps the weight gradient");
            try (Tensor again = l.forward(in, g)) {
                l.backward(go);
            }
            assertClose("guide grad via K", gg, l.gradGuide(), 1e-4);
        }
    }

    @Test
    void pool2dChannelWiseInvHasPerChannelParameters() {
        Random r = new Random(5);
        try (PacPool2d p = PacPool2d.builder(3).padding(1).channelWise(true).kernelType("inv_0.5_1")
                .outChannels(3).build();
             Tensor in = Tensor.ofDoubles(randn(r, 3 * 5 * 5, 1), 1, 3, 5, 5);
             Tensor g = Tensor.ofDoubles(randn(r, 3 * 5 * 5, 1), 1, 3, 5, 5);
             Tensor go = Tensor.ofDoubles(randn(r, 3 * 5 * 5, 1), 1, 3, 5, 5);
             Tensor out = p.forward(in, g)) {
            assertArrayEquals(new long[] {3}, p.invAlpha().shape());
            assertArrayEquals(new long[] {1, 3, 5, 5}, out.shape());
            p.backward(go);
            assertArrayEquals(new long[] {3}, p.gradInvAlpha().shape());
            assertArrayEquals(new long[] {1, 3, 5, 5}, p.gradGuide().shape());
        }
    }

    @Test
    void loadStateDict() {
        try (PacConv2d l = new PacConv2d(1, 1, 3); Tensor w = Tensor.of(new float[9], 1, 1, 3, 3);
             Tensor bad = Tensor.allocate(1, 1, 5, 5)) {
            w.fill(2);
            l.loadStateDict(Map.of("weight", w));
            assertEquals(2f, l.weight().get(0, 0, 1, 1));
            assertTrue(org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> l.loadStateDict(Map.of("weight", bad))).getMessage().startsWith("weight:"));
            assertTrue(org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> l.loadStateDict(Map.of("nope", w))).getMessage().startsWith("nope:"));
        }
    }
}
