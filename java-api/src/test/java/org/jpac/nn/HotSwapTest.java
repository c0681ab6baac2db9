package org.jpac.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;

import org.jpac.PacConv2d;
import org.jpac.PacConvTranspose2d;
import org.jpac.Tensor;
import org.jpac.TestSupport;
import org.junit.jupiter.api.Test;

/** Layer hot-swapping: a swapped network computes what it did before when the guide is scaled down. */
class HotSwapTest {

    /** A small VGG-style network: three blocks of two 3x3 convs with ReLU, average pooling between. */
    private static Sequential vgg(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Sequential n = new Sequential();
        n.add("conv1_1", new Conv2d(3, 8, 3, 1, r)).relu("relu1_1")
                .add("conv1_2", new Conv2d(8, 8, 3, 1, r)).relu("relu1_2").avgPool("pool1", 2)
                .add("conv2_1", new Conv2d(8, 16, 3, 1, r)).relu("relu2_1")
                .add("conv2_2", new Conv2d(16, 16, 3, 1, r)).relu("relu2_2").avgPool("pool2", 2)
                .add("conv3_1", new Conv2d(16, 16, 3, 1, r)).relu("relu3_1")
                .add("conv3_2", new Conv2d(16, 16, 3, 1, r)).relu("relu3_2");
        // He-uniform weights (bound sqrt(6 / fan_in)) keep the features O(1), as in a trained VGG
        n.parameters().forEach((k, v) -> {
            if (k.endsWith(".weight")) {
                float[] w = v.toArray();
                for (int i = 0; i < w.length; i++) {
                    w[i] *= (float) Math.sqrt(6);
                }
                v.copyFrom(w);
            }
        });
        return n;
    }

    private static Tensor image(long seed, long... shape) {
        int n = 1;
        for (long s : shape) {
            n *= (int) s;
        }
        double[] d = new double[n];
        Random r = new Random(seed);
        for (int i = 0; i < n; i++) {
            d[i] = r.nextDouble();
        }
        return Tensor.ofDoubles(d, shape);
    }

    private static double maxDiff(Tensor a, Tensor b) {
        float[] x = a.toArray();
        float[] y = b.toArray();
        assertEquals(x.length, y.length);
        double m = 0;
        for (int i = 0; i < x.length; i++) {
            m = Math.max(m, Math.abs(x[i] - y[i]));
        }
        return m;
    }

    /** Output of the VGG net with conv2_2 and conv3_1 swapped, guided by block 1's output times scale. */
    private static double swappedDiff(double scale) {
        try (Sequential net = vgg(7); Tensor x = image(3, 1, 3, 32, 32); Tensor before = net.forward(x)) {
            double mag = TestSupport.maxAbs(TestSupport.doubles(before));
            System.out.println("VGG output max |y| = " + mag);
            assertTrue(mag > 0.1, "the output is not trivially 0: " + mag);
            Map<String, float[]> weights = new java.util.HashMap<>();
            net.parameters().forEach((k, v) -> weights.put(k, v.toArray()));
            HotSwap.swapAll(net, List.of("conv2_2", "conv3_1"), "relu1_2", scale);
            GuidedPacConv g = assertInstanceOf(GuidedPacConv.class, net.layer("conv2_2"));
            assertInstanceOf(PacConv2d.class, g.layer());
            assertInstanceOf(GuidedPacConv.class, net.layer("conv3_1"));
            // same state-dict keys and values: weights and biases kept
            assertEquals(weights.keySet(), net.parameters().keySet());
            net.parameters().forEach((k, v) -> assertTrue(java.util.Arrays.equals(weights.get(k), v.toArray()), k));
            try (Tensor after = net.forward(x)) {
                assertTrue(java.util.Arrays.equals(before.shape(), after.shape()));
                return maxDiff(before, after);
            }
        }
    }

    @Test
    void smallGuideKeepsTheOutput() {
        double d = swappedDiff(HotSwap.DEFAULT_SCALE);
        System.out.println("VGG hot-swap, guide * 1e-4: max |after - before| = " + d);
        assertTrue(d <= 1e-3, "max diff " + d);
    }

    @Test
    void largeGuideChangesTheOutput() {
        double d = swappedDiff(1.0);
        System.out.println("VGG hot-swap, guide * 1: max |after - before| = " + d);
        assertTrue(d > 0.05, "max diff " + d + ": the swapped layers should adapt with an unscaled guide");
    }

    /** PyTorch's ConvTranspose2d, directly: out[o, y*s - p + i*d, x*s - p + j*d] += W[c, o, i, j] * in[c, y, x]. */
    private static double[] naiveConvTranspose(float[] in, int b, int ci, int h, int w, float[] wt, float[] bias,
                                               int co, int k, int s, int p, int op, int d) {
        int ho = (h - 1) * s - 2 * p + d * (k - 1) + op + 1;
        int wo = (w - 1) * s - 2 * p + d * (k - 1) + op + 1;
        double[] out = new double[b * co * ho * wo];
        for (int n = 0; n < b; n++) {
            for (int o = 0; o < co; o++) {
                for (int i = 0; i < ho * wo; i++) {
                    out[(n * co + o) * ho * wo + i] = bias == null ? 0 : bias[o];
                }
                for (int c = 0; c < ci; c++) {
                    for (int y = 0; y < h; y++) {
                        for (int x = 0; x < w; x++) {
                            double v = in[((n * ci + c) * h + y) * w + x];
                            for (int i = 0; i < k; i++) {
                                for (int j = 0; j < k; j++) {
                                    int oy = y * s - p + i * d;
                                    int ox = x * s - p + j * d;
                                    if (oy >= 0 && oy < ho && ox >= 0 && ox < wo) {
                                        out[((n * co + o) * ho + oy) * wo + ox] +=
                                                wt[((c * co + o) * k + i) * k + j] * v;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    @Test
    void convTranspose2dIsPyTorchs() {
        try (ConvTranspose2d t = new ConvTranspose2d(3, 4, 5, 2, 2, 1, 1, true, new SplittableRandom(5));
             Tensor x = image(9, 2, 3, 6, 7); Tensor y = t.forward(x)) {
            assertTrue(java.util.Arrays.equals(new long[] {2, 4, 12, 14}, y.shape()));
            double[] want = naiveConvTranspose(x.toArray(), 2, 3, 6, 7, t.weight().toArray(), t.bias().toArray(),
                    4, 5, 2, 2, 1, 1);
            TestSupport.assertClose("conv transpose", want, y, 1e-5);
        }
    }

    /** A down-up network whose transposed conv is swapped for a PacConvTranspose2d guided by the input. */
    private static double transposedDiff(double scale) {
        SplittableRandom r = new SplittableRandom(11);
        try (Sequential net = new Sequential()) {
            net.add("down", new Conv2d(3, 8, 3, 2, 1, 1, true, r)).relu("relu")
                    .add("up", new ConvTranspose2d(8, 4, 5, 2, 2, 1, 1, true, r));
            try (Tensor x = image(4, 1, 3, 32, 32); Tensor before = net.forward(x)) {
                assertTrue(java.util.Arrays.equals(new long[] {1, 4, 32, 32}, before.shape()));
                GuidedPacConv g = HotSwap.swap(net, "up", Sequential.INPUT, scale);
                assertInstanceOf(PacConvTranspose2d.class, g.layer());
                try (Tensor after = net.forward(x)) {
                    return maxDiff(before, after);
                }
            }
        }
    }

    @Test
    void transposedSwapFlipsTheWeight() {
        double small = transposedDiff(HotSwap.DEFAULT_SCALE);
        double large = transposedDiff(1.0);
        System.out.println("transposed hot-swap: max diff " + small + " (guide * 1e-4), " + large + " (guide * 1)");
        assertTrue(small <= 1e-3, "max diff " + small);
        assertTrue(large > 1e-2, "max diff " + large);
    }

    @Test
    void guideMustComeFromAnEarlierLayer() {
        try (Sequential net = vgg(1)) {
            assertThrows(IllegalArgumentException.class, () -> HotSwap.swap(net, "conv2_1", "relu3_1"));
            assertThrows(IllegalArgumentException.class, () -> HotSwap.swap(net, "relu1_1", Sequential.INPUT));
            assertThrows(IllegalArgumentException.class, () -> HotSwap.swap(net, "nope", Sequential.INPUT));
            // still the original convolution after the failed swap
            assertTrue(net.conv("conv2_1") != null);
        }
    }
}
