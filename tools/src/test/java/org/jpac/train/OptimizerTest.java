package org.jpac.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;

import org.jpac.Tensor;
import org.junit.jupiter.api.Test;

/** SGD, Adam and the step schedule against values worked out by hand from PyTorch's formulas. */
class OptimizerTest {

    private static final double TOL = 1e-6;

    /** Runs steps with the given gradient sequence on one parameter; returns its final value. */
    private static float[] run(Optimizer opt, float[] p0, float[]... grads) {
        try (Tensor p = Tensor.of(p0, p0.length)) {
            for (float[] g : grads) {
                try (Tensor gt = Tensor.of(g, g.length)) {
                    opt.step(Map.of("w", p), Map.of("w", gt));
                }
            }
            return p.toArray();
        }
    }

    private static void near(double[] want, float[] got) {
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], TOL * Math.max(1, Math.abs(want[i])), "element " + i);
        }
    }

    @Test
    void sgdPlain() {
        // p = p - lr * g
        near(new double[] {1 - 0.1 * 0.5, -2 - 0.1 * 1}, run(new Sgd(0.1, 0), new float[] {1, -2},
                new float[] {0.5f, 1}));
    }

    @Test
    void sgdMomentum() {
        // step 1: buf = g1; step 2: buf = 0.9 g1 + g2; step 3: buf = 0.9 buf + g3
        float[] g1 = {0.5f, 1};
        float[] g2 = {-1, 2};
        float[] g3 = {0.25f, -0.5f};
        double[] want = new double[2];
        double[] p = {1, -2};
        for (int i = 0; i < 2; i++) {
            double b1 = g1[i];
            double b2 = 0.9 * b1 + g2[i];
            double b3 = 0.9 * b2 + g3[i];
            want[i] = p[i] - 0.1 * (b1 + b2 + b3);
        }
        near(want, run(new Sgd(0.1, 0.9), new float[] {1, -2}, g1, g2, g3));
    }

    @Test
    void sgdDampeningWeightDecayNesterov() {
        // dampening 0.5, weight decay 0.01 (no nesterov): g' = g + wd p; buf1 = g1'; buf2 = m buf1 + (1-d) g2'
        double wd = 0.01;
        double m = 0.9;
        double p = 3;
        double g1 = 0.5 + wd * p;
        double b1 = g1;
        p -= 0.1 * b1;
        double g2 = -0.25 + wd * p;
        double b2 = m * b1 + 0.5 * g2;
        p -= 0.1 * b2;
        near(new double[] {p}, run(new Sgd(0.1, m, 0.5, wd, false), new float[] {3}, new float[] {0.5f},
                new float[] {-0.25f}));
        // nesterov: step uses g + m * buf
        double q = 3;
        double h1 = 0.5;
        double c1 = h1;
        q -= 0.1 * (h1 + m * c1);
        double h2 = -0.25;
        double c2 = m * c1 + h2;
        q -= 0.1 * (h2 + m * c2);
        near(new double[] {q}, run(new Sgd(0.1, m, 0, 0, true), new float[] {3}, new float[] {0.5f},
                new float[] {-0.25f}));
        assertThrows(IllegalArgumentException.class, () -> new Sgd(0.1, 0, 0, 0, true));
    }

    /** Adam in double precision, straight from the formulas. */
    private static double[] adam(double lr, double b1, double b2, double eps, double wd, boolean decoupled,
                                 double[] p, float[]... grads) {
        double[] q = p.clone();
        double[] m = new double[q.length];
        double[] v = new double[q.length];
        for (int t = 1; t <= grads.length; t++) {
            for (int i = 0; i < q.length; i++) {
                double g = grads[t - 1][i];
                if (decoupled) {
                    q[i] *= 1 - lr * wd;
                } else {
                    g += wd * q[i];
                }
                m[i] = b1 * m[i] + (1 - b1) * g;
                v[i] = b2 * v[i] + (1 - b2) * g * g;
                double mh = m[i] / (1 - Math.pow(b1, t));
                double denom = Math.sqrt(v[i]) / Math.sqrt(1 - Math.pow(b2, t)) + eps;
                q[i] -= lr * mh / denom;
            }
        }
        return q;
    }

    @Test
    void adamFirstStepIsLrTimesSign() {
        // m = 0.1 g, v = 0.001 g^2: the bias-corrected step is lr * g / (|g| + eps)
        float[] got = run(new Adam(0.01), new float[] {1, -2, 0.5f}, new float[] {0.3f, -4, 1e-3f});
        near(new double[] {1 - 0.01 * 0.3 / (0.3 + 1e-8), -2 + 0.01 * 4 / (4 + 1e-8),
            0.5 - 0.01 * 1e-3 / (1e-3 + 1e-8)}, got);
    }

    @Test
    void adamSeveralSteps() {
        float[][] gs = {{0.3f, -4}, {-0.1f, 2}, {0.7f, 0.5f}, {0.2f, -1}};
        near(adam(0.05, 0.9, 0.999, 1e-8, 0, false, new double[] {1, -2}, gs),
                run(new Adam(0.05), new float[] {1, -2}, gs));
        near(adam(0.05, 0.8, 0.99, 1e-3, 0.1, false, new double[] {1, -2}, gs),
                run(new Adam(0.05, 0.8, 0.99, 1e-3, 0.1, false), new float[] {1, -2}, gs));
        near(adam(0.05, 0.9, 0.999, 1e-8, 0.1, true, new double[] {1, -2}, gs),
                run(new Adam(0.05, 0.9, 0.999, 1e-8, 0.1, true), new float[] {1, -2}, gs));
    }

    @Test
    void stateRoundTripContinuesIdentically() {
        float[][] gs = {{0.3f, -4}, {-0.1f, 2}, {0.7f, 0.5f}};
        float[] whole = run(new Adam(0.05), new float[] {1, -2}, gs);
        Adam first = new Adam(0.05);
        float[] mid = run(first, new float[] {1, -2}, gs[0], gs[1]);
        Adam second = new Adam(0.05);
        second.loadState(first.state(), first.steps());
        assertEquals(2, second.steps());
        assertArrayEquals(whole, run(second, mid, gs[2]));
        assertThrows(IllegalArgumentException.class,
                () -> new Sgd(0.1, 0.9).loadState(Map.of("w.exp_avg", new float[2]), 1));
    }

    @Test
    void parametersWithoutGradientAreSkipped() {
        try (Tensor a = Tensor.of(new float[] {1}, 1); Tensor b = Tensor.of(new float[] {2}, 1);
             Tensor g = Tensor.of(new float[] {1}, 1)) {
            new Sgd(0.5, 0).step(Map.of("a", a, "b", b), Map.of("a", g));
            assertEquals(0.5f, a.getFlat(0));
            assertEquals(2f, b.getFlat(0));
        }
    }

    @Test
    void stepSchedule() {
        StepLr s = new StepLr(0.1, 3, 0.5);
        assertEquals(0.1, s.lr(0), 0);
        assertEquals(0.1, s.lr(2), 0);
        assertEquals(0.05, s.lr(3), 1e-15);
        assertEquals(0.025, s.lr(7), 1e-15);
        Sgd opt = new Sgd(1, 0);
        s.apply(opt, 6);
        assertEquals(0.025, opt.learningRate(), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> new StepLr(0.1, 0, 0.5));
    }
}
