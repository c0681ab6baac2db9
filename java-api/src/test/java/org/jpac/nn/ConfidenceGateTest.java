package org.jpac.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;

import org.jpac.Tensor;
import org.jpac.TestSupport;
import org.junit.jupiter.api.Test;

/**
 * PacCRF's confidence gate: at its start (bias and slope 0) it changes nothing;
 * a constant gate (slope 0) is the ungated CRF with its pairwise weights scaled
 * by 2 sigmoid(bias); finite differences for the bias, the slope, the unary
 * (through the margin) and the pairwise weights; args and state keys.
 */
class ConfidenceGateTest {

    private static final List<PairwiseKernel> TERMS = List.of(
            new PairwiseKernel(5, 2, 1, CompatType.POTTS, false, 0.4),
            new PairwiseKernel(3, 3, 2, CompatType.POTTS, false, 0.2));

    private static Tensor random(Random r, double scale, long... shape) {
        int n = 1;
        for (long s : shape) {
            n *= (int) s;
        }
        return Tensor.ofDoubles(TestSupport.randn(r, n, scale), shape);
    }

    private static PacCRF crf(boolean gate) {
        return PacCRF.builder(3, 3).finalOutput(CrfOutput.LOG_SOFTMAX).perturbedInit(false).guideProjection(5)
                .confidenceGate(gate).pairwiseKernels(TERMS).seed(3).build();
    }

    private static void set(PacCRF crf, String key, double v) {
        crf.parameters().get(key).setFlat(0, (float) v);
    }

    @Test
    void theGateAtItsStartChangesNothing() {
        Random r = new Random(1);
        try (PacCRF plain = crf(false); PacCRF gated = crf(true); Tensor unary = random(r, 2, 1, 3, 12, 14);
             Tensor img = random(r, 1, 1, 3, 12, 14); Tensor edge = PacCRF.createYXRGB(img, 4.0, 0.5);
             Tensor a = plain.forward(unary, edge); Tensor b = gated.forward(unary, edge)) {
            TestSupport.assertClose("gate at its start", TestSupport.doubles(a), b, 1e-6);
            assertFalse(plain.parameters().containsKey(ConfidenceGate.BIAS));
            assertTrue(gated.learnableParameters().containsKey(ConfidenceGate.BIAS));
            assertTrue(gated.learnableParameters().containsKey(ConfidenceGate.SLOPE));
        }
    }

    @Test
    void aConstantGateScalesThePairwiseWeights() {
        Random r = new Random(2);
        double bias = 0.7;
        double c = 2 / (1 + Math.exp(-bias));
        try (PacCRF plain = crf(false); PacCRF gated = crf(true); Tensor unary = random(r, 2, 2, 3, 9, 11);
             Tensor img = random(r, 1, 2, 3, 9, 11); Tensor edge = PacCRF.createYXRGB(img, 4.0, 0.5)) {
            set(gated, ConfidenceGate.BIAS, bias);
            for (int i = 0; i < TERMS.size(); i++) {
                Tensor w = plain.parameters().get("pairwise_weights." + i);
                w.setFlat(0, (float) (c * w.getFlat(0)));
            }
            try (Tensor want = plain.forward(unary, edge); Tensor got = gated.forward(unary, edge)) {
                TestSupport.assertClose("constant gate", TestSupport.doubles(want), got, 1e-5);
            }
        }
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        Random r = new Random(3);
        int h = 9;
        int w = 10;
        try (PacCRF gated = crf(true); Tensor unary = random(r, 2, 1, 3, h, w); Tensor img = random(r, 1, 1, 3, h, w);
             Tensor edge = PacCRF.createYXRGB(img, 3.0, 0.5); Tensor gOut = random(r, 1, 1, 3, h, w)) {
            set(gated, ConfidenceGate.BIAS, 0.3);
            set(gated, ConfidenceGate.SLOPE, -0.6);
            Map<String, Tensor> params = gated.learnableParameters();
            try (CrfGrads g = gated.gradients(unary, edge, gOut)) {
                double eps = 1e-2;
                for (String k : List.of(ConfidenceGate.BIAS, ConfidenceGate.SLOPE, "pairwise_weights.0",
                        "pairwise_weights.1", "unary_weight")) {
                    double num = numeric(gated, params.get(k), 0, unary, edge, gOut, eps);
                    double got = g.gradParams().get(k).getFlat(0);
                    assertEquals(num, got, 0.02 * Math.max(1, Math.abs(num)), k);
                }
                for (int i : new int[] {0, 17, 45, 101, 200, 269}) {
                    double num = numeric(gated, unary, i, unary, edge, gOut, eps);
                    assertEquals(num, g.gradUnary().getFlat(i), 0.02 * Math.max(1, Math.abs(num)), "unary[" + i + "]");
                }
            }
        }
    }

    /** d(loss)/d(t[i]) by central differences. */
    private static double numeric(PacCRF crf, Tensor t, int i, Tensor unary, Tensor edge, Tensor gOut, double eps) {
        float keep = t.getFlat(i);
        t.setFlat(i, (float) (keep + eps));
        double plus = loss(crf, unary, edge, gOut);
        t.setFlat(i, (float) (keep - eps));
        double minus = loss(crf, unary, edge, gOut);
        t.setFlat(i, keep);
        return (plus - minus) / (2 * eps);
    }

    private static double loss(PacCRF crf, Tensor unary, Tensor edge, Tensor gOut) {
        try (Tensor out = crf.forward(unary, edge)) {
            float[] o = out.toArray();
            float[] g = gOut.toArray();
            double s = 0;
            for (int i = 0; i < o.length; i++) {
                s += (double) o[i] * g[i];
            }
            return s;
        }
    }

    @Test
    void argsCopiesAndState() {
        try (PacCRF a = PacCRF.fromArgs("{\"channels\": 2, \"num_steps\": 2, \"confidence_gate\": true,"
                + " \"pairwise_kernels\": [{\"kernel_size\": 3, \"compat_type\": \"potts\", \"spatial_filter\": false}]}")) {
            set(a, ConfidenceGate.SLOPE, -0.5);
            try (PacCRF b = a.withDilations(List.of(4))) {
                assertTrue(a.confidenceGate());
                assertTrue(b.confidenceGate());
                assertEquals(-0.5f, b.parameters().get(ConfidenceGate.SLOPE).getFlat(0));
                assertTrue(a.toString().contains("confidence_gate=True"), a.toString());
            }
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PacCRF.fromArgs("{\"channels\": 2, \"num_steps\": 1, \"confidence_gate\": 3}"));
        assertTrue(e.getMessage().contains("confidence_gate"), e.getMessage());
    }
}
