package org.jpac.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;

import org.jpac.Tensor;
import org.junit.jupiter.api.Test;

/** Scores on the scale the CRF's weights are set for, whatever the segmenter's temperature. */
class UnaryCalibrationTest {

    /** Two classes, probabilities in [0.02, 0.98] with most pixels confident, as log-probabilities. */
    private static float[] clippedLogProbabilities(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] u = new float[2 * n];
        for (int i = 0; i < n; i++) {
            double p = r.nextDouble() < 0.8 ? (r.nextBoolean() ? 0.98 : 0.02) : 0.02 + 0.96 * r.nextDouble();
            u[i] = (float) Math.log(1 - p);
            u[n + i] = (float) Math.log(p);
        }
        return u;
    }

    @Test
    void clippedLogProbabilitiesPassUnchanged() {
        int n = 40 * 30;
        float[] u = clippedLogProbabilities(n, 1);
        try (Tensor in = Tensor.of(u, 1, 2, 30, 40); Tensor out = UnaryCalibration.calibrate(in)) {
            float[] got = out.toArray();
            for (int i = 0; i < u.length; i++) {
                assertEquals(u[i], got[i], 1e-4, "value " + i);
            }
        }
    }

    /** What the CRF depends on: per pixel, object minus background (a shift common to all classes is no change). */
    @Test
    void anyTemperatureGivesTheSameMargins() {
        int n = 40 * 30;
        float[] u = clippedLogProbabilities(n, 2);
        float[] hot = new float[u.length];
        for (int i = 0; i < u.length; i++) {
            hot[i] = 7.5f * u[i] + 3; // a sharper segmenter's logits, shifted
        }
        try (Tensor a = Tensor.of(u, 1, 2, 30, 40); Tensor b = Tensor.of(hot, 1, 2, 30, 40);
             Tensor ca = UnaryCalibration.calibrate(a); Tensor cb = UnaryCalibration.calibrate(b)) {
            float[] x = ca.toArray();
            float[] y = cb.toArray();
            for (int i = 0; i < n; i++) {
                assertEquals(x[n + i] - x[i], y[n + i] - y[i], 2e-3, "pixel " + i);
            }
        }
    }

    @Test
    void scoresWithoutAPreferenceAreOnlyNormalised() {
        try (Tensor flat = Tensor.allocate(1, 3, 4, 5); Tensor c = UnaryCalibration.calibrate(flat)) {
            for (float v : c.toArray()) {
                assertEquals(Math.log(1.0 / 3), v, 1e-5);
            }
        }
    }

    @Test
    void badScoresAreRefused() {
        assertThrows(NullPointerException.class, () -> UnaryCalibration.calibrate(null));
        try (Tensor t = Tensor.allocate(2, 4, 5)) {
            assertThrows(IllegalArgumentException.class, () -> UnaryCalibration.calibrate(t));
        }
    }
}
