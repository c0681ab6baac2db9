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

    @Test
    void anIsaTheCpuLacksOrAnUnknownNameIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Jpac.setCpuIsa("sse9"));
        if (!BEST.equals("avx512")) {
            JpacException e = assertThrows(JpacException.class, () -> Jpac.setCpuIsa("avx512"));
            assertTrue(e.getMessage().contains("avx512"), e.getMessage());
        }
    }
}
