package org.jpac.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.jpac.Tensor;
import org.junit.jupiter.api.Test;

/** Bilinear, bicubic and JBU with the samples where the protocol puts them, and with holes. */
class SampledUpsamplersTest {

    private static float[] random(Random r, int n, float lo, float hi) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = lo + (hi - lo) * r.nextFloat();
        }
        return v;
    }

    @Test
    void areaBilinearIsPytorchsAlignCornersFalse() {
        Random r = new Random(1);
        try (Tensor low = Tensor.of(random(r, 2 * 5 * 7, 1, 3), 2, 1, 5, 7);
             Tensor want = new Bilinear(4).forward(low, null);
             Tensor got = new SampledBilinear(4, Sampling.AREA).forward(low, null)) {
            float[] a = want.toArray();
            float[] b = got.toArray();
            for (int i = 0; i < a.length; i++) {
                assertEquals(a[i], b[i], 1e-5, "pixel " + i);
            }
        }
    }

    @Test
    void centerBilinearReproducesItsSamplesAtPixelFMinusOneOverTwo() {
        Random r = new Random(2);
        int f = 8;
        float[] v = random(r, 4 * 6, 0, 1);
        try (Tensor low = Tensor.of(v, 1, 1, 4, 6); Tensor up = new SampledBilinear(f, Sampling.CENTER)
                .forward(low, null)) {
            float[] o = up.toArray();
            for (int y = 0; y < 4; y++) {
                for (int x = 0; x < 6; x++) {
                    assertEquals(v[y * 6 + x], o[(y * f + 3) * 48 + x * f + 3], 1e-6);
                }
            }
        }
        try (Tensor low = Tensor.of(v, 1, 1, 4, 6); Tensor up = new Bicubic(f, Sampling.CENTER).forward(low, null)) {
            assertEquals(v[1 * 6 + 2], up.toArray()[(8 + 3) * 48 + 16 + 3], 1e-5);
        }
    }

    @Test
    void centerJbuIsTheReferencesJointBilateral() {
        Random r = new Random(4);
        int f = 4;
        int h = 5;
        int w = 6;
        try (Tensor low = Tensor.of(random(r, h * w, 1, 5), 1, 1, h, w);
             Tensor guide = Tensor.of(random(r, 3 * h * f * w * f, 0, 1), 1, 3, h * f, w * f);
             JointBilateral ref = new JointBilateral(f, 1, 4 * f - 1, 1.0 / f, 1 / 0.1);
             Tensor want = ref.forward(low, guide);
             Tensor got = SampledJointBilateral.defaults(f, Sampling.CENTER).forward(low, guide)) {
            float[] a = want.toArray();
            float[] b = got.toArray();
            for (int i = 0; i < a.length; i++) {
                assertEquals(a[i], b[i], 2e-4, "pixel " + i);
            }
        }
    }

    @Test
    void holesAreSkippedNotReadAsZero() {
        Random r = new Random(5);
        int f = 8;
        int h = 6;
        int w = 6;
        float[] v = new float[h * w];
        java.util.Arrays.fill(v, 2.5f);
        for (int i = 0; i < v.length; i++) {
            if (r.nextDouble() < 0.3) {
                v[i] = Float.NaN;
            }
        }
        v[0] = v[1] = v[w] = v[w + 1] = Float.NaN; // a corner whose 4 bilinear taps are all missing
        for (Sampling s : Sampling.values()) {
            try (Tensor low = Tensor.of(v, 1, 1, h, w);
                 Tensor guide = Tensor.of(random(r, 3 * h * f * w * f, 0, 1), 1, 3, h * f, w * f)) {
                for (UpsamplingNetwork net : new UpsamplingNetwork[] {new SampledBilinear(f, s),
                        SampledJointBilateral.defaults(f, s), new Bicubic(f, s)}) {
                    assertTrue(net.skipsMissing());
                    try (Tensor o = net.forward(low, guide)) {
                        for (float x : o.toArray()) {
                            assertEquals(2.5f, x, 1e-4, net.getClass().getSimpleName() + " " + s);
                        }
                    }
                }
            }
        }
    }

    @Test
    void aHoleNextToAnEdgeTakesTheKnownSidesValuesOnly() {
        // left half 1, right half 5; the hole's known neighbours are all on the right
        int f = 4;
        int h = 4;
        int w = 8;
        float[] v = new float[h * w];
        for (int i = 0; i < v.length; i++) {
            v[i] = i % w < 4 ? 1 : 5;
        }
        v[2 * w + 5] = Float.NaN;
        try (Tensor low = Tensor.of(v, 1, 1, h, w); Tensor o = new SampledBilinear(f, Sampling.CENTER)
                .forward(low, null)) {
            float at = o.toArray()[(2 * f + 1) * (w * f) + 5 * f + 1];
            assertEquals(5f, at, 1e-5);
        }
    }
}
