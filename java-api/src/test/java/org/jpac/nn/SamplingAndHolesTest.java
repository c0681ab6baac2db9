package org.jpac.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** The sampling protocols and the hole filling, on plain arrays. */
class SamplingAndHolesTest {

    @Test
    void centerTakesPixelFMinusOneOverTwoAndAreaTheBlockMean() {
        int h = 16;
        int w = 24;
        float[] plane = new float[h * w];
        for (int i = 0; i < plane.length; i++) {
            plane[i] = i;
        }
        for (int f : new int[] {2, 4, 8}) {
            float[] c = Sampling.CENTER.downsample(plane, h, w, f);
            float[] a = Sampling.AREA.downsample(plane, h, w, f);
            int p = (f - 1) / 2;
            for (int y = 0; y < h / f; y++) {
                for (int x = 0; x < w / f; x++) {
                    assertEquals(plane[(y * f + p) * w + x * f + p], c[y * (w / f) + x]);
                    double s = 0;
                    for (int dy = 0; dy < f; dy++) {
                        for (int dx = 0; dx < f; dx++) {
                            s += plane[(y * f + dy) * w + x * f + dx];
                        }
                    }
                    assertEquals(s / (f * f), a[y * (w / f) + x], 1e-3);
                }
            }
        }
        assertEquals(3.0, Sampling.CENTER.offset(8));
        assertEquals(3.5, Sampling.AREA.offset(8));
        assertEquals(7.0, Sampling.CENTER.offset(16));
    }

    @Test
    void protocolNamesParseAndBadOnesNameTheArgument() {
        assertEquals(EnumSet.allOf(Sampling.class), Sampling.parseSet("center,area", "x"));
        assertEquals("center,area", Sampling.format(EnumSet.allOf(Sampling.class)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Sampling.parse("nearest", "--sampling"));
        assertTrue(e.getMessage().contains("--sampling") && e.getMessage().contains("nearest"), e.getMessage());
    }

    @Test
    void holesAreFilledFromTheirBorderNeverWithZero() {
        int h = 9;
        int w = 11;
        float[] v = new float[h * w];
        java.util.Arrays.fill(v, 4.5f);
        for (int y = 2; y < 7; y++) {
            for (int x = 3; x < 9; x++) {
                v[y * w + x] = Float.NaN;
            }
        }
        float[] f = DepthHoles.filled(v, 1, h, w);
        for (float x : f) {
            assertEquals(4.5f, x, 1e-6);
        }
        assertEquals(30, DepthHoles.count(v)); // the input is left alone
    }

    @Test
    void aHoleBetweenTwoDepthsTakesValuesBetweenThem() {
        Random r = new Random(3);
        int h = 20;
        int w = 20;
        float[] v = new float[h * w];
        for (int i = 0; i < v.length; i++) {
            v[i] = i % w < 10 ? 2f : 6f;
            if (r.nextDouble() < 0.3) {
                v[i] = Float.NaN;
            }
        }
        float[] f = DepthHoles.filled(v, 1, h, w);
        for (int i = 0; i < f.length; i++) {
            assertTrue(f[i] >= 2f && f[i] <= 6f, "pixel " + i + ": " + f[i]);
            if (v[i] == v[i]) {
                assertEquals(v[i], f[i]);
            }
        }
    }

    @Test
    void aPlaneWithNothingKnownIsRefused() {
        float[] v = {Float.NaN, Float.NaN, 1, 2};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DepthHoles.filled(v, 2, 1,
                2));
        assertTrue(e.getMessage().contains("plane 0"), e.getMessage());
    }
}
