package org.jpac;

import org.jpac.golden.Reference;
import static org.jpac.TestSupport.randn;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every instruction set this CPU supports runs the fused kernels to the same
 * results: AVX-512 and AVX2 bit for bit (the micro-kernel does the same
 * operations per output lane at either width), the generic path (im2col +
 * sgemm) within float rounding, all against the double-precision reference.
 */
class IsaPathsTest {

    private static final String BEST = Jpac.cpuIsa();

    @AfterEach
    void restore() {
        Jpac.setCpuIsa(BEST);
    }

    /** The ISAs this CPU can run, widest first. */
    private static List<String> supported() {
        List<String> all = List.of("avx512", "avx2", "generic");
        return new ArrayList<>(all.subList(all.indexOf(BEST), all.size()));
    }

    @Test
    void everyPathGivesTheReferenceResult() {
        Random r = new Random(12);
        // odd sizes: partial pixel runs and output-channel blocks (37 = 32 + 5, 20 = 16 + 4)
        int[][] shapes = {{1, 7, 37, 23, 29, 5, 1}, {2, 16, 20, 17, 13, 3, 2}, {1, 3, 48, 40, 9, 5, 1}};
        for (int[] s : shapes) {
            int b = s[0];
            int ci = s[1];
            int co = s[2];
            int h = s[3];
            int w = s[4];
            int k = s[5];
            int dil = s[6];
            PacOptions o = PacOptions.builder(k).padding(k / 2 * dil).dilation(dil).build();
            double[] in = randn(r, b * ci * h * w, 1);
            double[] g = randn(r, b * 4 * h * w, 0.7);
            double[] wt = randn(r, co * ci * k * k, 0.2);
            double[] bias = randn(r, co, 0.1);
            double[] kernel = Reference.kernel2d(g, b, 4, h, w, o, null, null, null, 0, null)[0];
            double[] want = Reference.conv(in, b, ci, h, w, kernel, wt, co, bias, o, false);
            Map<String, float[]> got = new LinkedHashMap<>();
            try (Tensor ti = TestSupport.tensor(in, b, ci, h, w); Tensor tg = TestSupport.tensor(g, b, 4, h, w);
                 Tensor tw = TestSupport.tensor(wt, co, ci, k, k); Tensor tb = TestSupport.tensor(bias, co)) {
                for (String isa : supported()) {
                    Jpac.setCpuIsa(isa);
                    try (Tensor out = Pac.conv2dGuided(ti, tg, tw, tb, o)) {
                        TestSupport.assertClose(isa + " " + java.util.Arrays.toString(s), want, out, 1e-4);
                        got.put(isa, out.toArray());
                    }
                }
            }
            if (got.containsKey("avx512") && got.containsKey("avx2")) {
                assertArrayEquals(got.get("avx2"), got.get("avx512"), "avx512 vs avx2 " + java.util.Arrays.toString(s));
            }
        }
        assertTrue(supported().contains("generic"));
    }

    @Test
    void stridedTransposedConvsGiveTheReferenceResultOnEveryPath() {
        // The micro-kernel runs them one output phase at a time (strided K and output columns).
        Random r = new Random(5);
        // stride 2 and 3, odd output channels (partial vector blocks), output padding, dilation
        int[][] shapes = {{1, 5, 37, 9, 11, 5, 2, 1, 1}, {2, 8, 20, 7, 6, 3, 3, 2, 2}, {1, 3, 17, 5, 8, 7, 4, 1, 3}};
        for (int[] s : shapes) {
            int b = s[0], ci = s[1], co = s[2], h = s[3], w = s[4], k = s[5];
            PacOptions o = PacOptions.builder(k).stride(s[6]).dilation(s[7]).padding(s[7] * (k - 1) / 2)
                    .outputPadding(s[8]).transposed(true).build();
            int ho = (int) o.transposedOutHeight(h);
            int wo = (int) o.transposedOutWidth(w);
            double[] in = randn(r, b * ci * h * w, 1);
            double[] g = randn(r, b * 4 * ho * wo, 0.7);
            double[] wt = randn(r, ci * co * k * k, 0.2);
            double[] bias = randn(r, co, 0.1);
            double[] kernel = Reference.kernel2d(g, b, 4, ho, wo, o, null, null, null, 0, null)[0];
            double[] want = Reference.conv(in, b, ci, h, w, kernel, wt, co, bias, o, true);
            String shape = java.util.Arrays.toString(s);
            Map<String, float[]> got = new LinkedHashMap<>();
            try (Tensor ti = TestSupport.tensor(in, b, ci, h, w); Tensor tg = TestSupport.tensor(g, b, 4, ho, wo);
                 Tensor tw = TestSupport.tensor(wt, ci, co, k, k); Tensor tb = TestSupport.tensor(bias, co)) {
                for (String isa : supported()) {
                    Jpac.setCpuIsa(isa);
                    try (Tensor out = Pac.convTranspose2dGuided(ti, tg, tw, tb, o)) {
                        TestSupport.assertClose(isa + " transposed " + shape, want, out, 1e-4);
                        got.put(isa, out.toArray());
                    }
                }
            }
            if (got.containsKey("avx512") && got.containsKey("avx2")) {
                assertArrayEquals(got.get("avx2"), got.get("avx512"), "avx512 vs avx2 transposed " + shape);
            }
        }
    }

    /**
     * The backward on every path: the input and weight gradients satisfy the
     * adjoint identity of the double-precision reference forward (for random
     * directions d, <dL/dinput, d> = <dL/dout, conv(d)> and likewise for the
     * weight, K fixed), the bias gradient is the output gradient's sum, and the
     * guide's gradient matches the generic path (im2col + sgemm, checked
     * against the golden cases and by finite differences elsewhere).
     */
    @Test
    void backwardOnEveryPathGivesTheReferenceGradients() {
        Random r = new Random(21);
        // b, ci, co, h, w, k, dilation, stride (transposed when > 1), normalise:
        // odd channel counts (partial vectors on both sides), wide rows split into
        // pieces, dilation, and strided transposed convs (one conv per output phase)
        int[][] shapes = {{1, 7, 37, 23, 29, 5, 1, 1, 0}, {2, 16, 20, 17, 13, 3, 2, 1, 1},
            {1, 33, 5, 9, 300, 5, 1, 1, 0}, {1, 3, 48, 11, 9, 7, 1, 1, 1}, {1, 5, 37, 9, 11, 5, 1, 2, 0},
            {2, 8, 20, 7, 6, 3, 2, 3, 1}};
        for (int[] s : shapes) {
            int b = s[0], ci = s[1], co = s[2], h = s[3], w = s[4], k = s[5], dil = s[6], stride = s[7];
            boolean transposed = stride > 1;
            PacOptions.Builder ob = PacOptions.builder(k).dilation(dil).padding(dil * (k - 1) / 2)
                    .normalizeKernel(s[8] == 1);
            PacOptions o = transposed ? ob.stride(stride).outputPadding(stride - 1).transposed(true).build() : ob.build();
            int ho = transposed ? (int) o.transposedOutHeight(h) : h;
            int wo = transposed ? (int) o.transposedOutWidth(w) : w;
            int gc = 4;
            double[] in = randn(r, b * ci * h * w, 1);
            double[] g = randn(r, b * gc * ho * wo, 0.7);
            double[] wt = randn(r, co * ci * k * k, 0.2);
            double[] gout = randn(r, b * co * ho * wo, 1);
            double[] dIn = randn(r, in.length, 1);
            double[] dW = randn(r, wt.length, 1);
            double[] kernel = Reference.kernel2d(g, b, gc, ho, wo, o, null, null, null, 0, null)[0];
            double wantIn = Reference.dot(gout, Reference.conv(dIn, b, ci, h, w, kernel, wt, co, null, o, transposed));
            double wantW = Reference.dot(gout, Reference.conv(in, b, ci, h, w, kernel, dW, co, null, o, transposed));
            double[] wantBias = new double[co];
            for (int i = 0; i < gout.length; i++) {
                wantBias[(i / (ho * wo)) % co] += gout[i];
            }
            String shape = java.util.Arrays.toString(s);
            Map<String, double[]> guideGrads = new LinkedHashMap<>();
            // (a transposed conv's weight is [Ci][Co], as the reference reads it then)
            long[] wShape = transposed ? new long[] {ci, co, k, k} : new long[] {co, ci, k, k};
            try (Tensor ti = TestSupport.tensor(in, b, ci, h, w); Tensor tg = TestSupport.tensor(g, b, gc, ho, wo);
                 Tensor tw = TestSupport.tensor(wt, wShape);
                 Tensor tgo = TestSupport.tensor(gout, b, co, ho, wo)) {
                for (String isa : supported()) {
                    Jpac.setCpuIsa(isa);
                    try (var grads = transposed
                            ? Pac.convTranspose2dGuidedBackward(ti, tg, null, null, null, tw, tgo, o)
                            : Pac.conv2dGuidedBackward(ti, tg, null, null, null, tw, tgo, o)) {
                        double[] gw = TestSupport.doubles(grads.gradWeight());
                        double gotIn = Reference.dot(TestSupport.doubles(grads.gradInput()), dIn);
                        double gotW = Reference.dot(gw, dW);
                        assertTrue(Math.abs(gotIn - wantIn) <= 1e-4 * (1 + Math.abs(wantIn)),
                                isa + " input gradient " + shape + ": " + gotIn + " vs " + wantIn);
                        assertTrue(Math.abs(gotW - wantW) <= 1e-4 * (1 + Math.abs(wantW)),
                                isa + " weight gradient " + shape + ": " + gotW + " vs " + wantW);
                        TestSupport.assertClose(isa + " bias gradient " + shape, wantBias, grads.gradBias(), 1e-5);
                        guideGrads.put(isa, TestSupport.doubles(grads.gradGuide()));
                    }
                }
            }
            double[] generic = guideGrads.get("generic");
            for (Map.Entry<String, double[]> e : guideGrads.entrySet()) {
                TestSupport.assertClose(e.getKey() + " guide gradient vs generic " + shape, generic,
                        e.getValue(), 1e-4);
            }
        }
    }


    @Test
    void anIsaTheCpuLacksOrAnUnknownNameIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Jpac.setCpuIsa("sse9"));
        if (!BEST.equals("avx512")) {
            JpacException e = assertThrows(JpacException.class, () -> Jpac.setCpuIsa("avx512"));
            assertTrue(e.getMessage().contains("avx512"), e.getMessage());
        }
    }
}
