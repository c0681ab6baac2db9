package org.jpac.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.jpac.Tensor;
import org.jpac.TestSupport;
import org.junit.jupiter.api.Test;

/**
 * PacCRF / PacCRFLoose against {@link CrfNaive}, a direct double-precision
 * transcription of the reference, on cases the golden files do not cover: sizes
 * the blur does not divide (padding and cropping), blur 3, 'na' and 'potts'
 * without spatial filter (learnable weight), fixed weighting, a batch of 2,
 * log_softmax.
 */
class CrfReferenceTest {

    private static final List<PairwiseKernel> TERMS = List.of(
            new PairwiseKernel(3, 1, 1, CompatType.FOUR_D, true, 1.0),
            new PairwiseKernel(5, 1, 2, CompatType.TWO_D, true, 0.8),
            new PairwiseKernel(3, 2, 3, CompatType.POTTS, false, 0.7),
            new PairwiseKernel(3, 1, 2, CompatType.NA, true, 0.5),
            new PairwiseKernel(3, 1, 2, CompatType.POTTS, true, 0.3));

    private static Tensor random(Random r, double scale, long... shape) {
        int n = 1;
        for (long s : shape) {
            n *= (int) s;
        }
        return Tensor.ofDoubles(TestSupport.randn(r, n, scale), shape);
    }

    /** Gives every parameter a random value (so that the init does not matter). */
    private static void randomize(Map<String, Tensor> params, Random r) {
        params.forEach((k, v) -> {
            float[] a = v.toArray();
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) (k.contains("pairwise_weights") || k.contains("unary_weight")
                        ? 0.5 + r.nextDouble() : r.nextGaussian() * 0.5);
            }
            v.copyFrom(a);
        });
    }

    private static void check(CrfNetwork crf, List<List<CrfNaive.Term>> steps, double[] uw, boolean fixed,
                              CrfOutput out, Random r) {
        int b = 2, l = crf.channels(), h = 10, w = 13;
        try (Tensor unary = random(r, 2, b, l, h, w); Tensor img = random(r, 1, b, 3, h, w);
             Tensor edge = PacCRF.createYXRGB(img, 4.0, 0.5); Tensor got = crf.forward(unary, edge)) {
            double[][][][] u = CrfNaive.of(unary.toArray(), b, l, h, w);
            double[][][][] e = CrfNaive.of(edge.toArray(), b, 5, h, w);
            double[][][][] logQ = CrfNaive.meanField(u, CrfNaive.kernels(steps.get(0), e), steps, uw, fixed);
            double[][][][] want = switch (out) {
                case LOG_Q -> logQ;
                case SOFTMAX -> CrfNaive.softmax(logQ, false);
                case LOG_SOFTMAX -> CrfNaive.softmax(logQ, true);
            };
            TestSupport.assertClose(crf + " output", CrfNaive.flat(want), got, 1e-4);
        }
    }

    @Test
    void pacCrfMatchesTheNaiveReference() {
        Random r = new Random(1);
        try (PacCRF crf = PacCRF.builder(4, 3).finalOutput(CrfOutput.LOG_SOFTMAX).pairwiseKernels(TERMS).seed(2)
                .build()) {
            randomize(crf.parameters(), r);
            List<CrfNaive.Term> t = CrfNaive.terms(TERMS, crf.parameters());
            check(crf, List.of(t, t, t), new double[] {crf.unaryWeight(), crf.unaryWeight(), crf.unaryWeight()},
                    false, CrfOutput.LOG_SOFTMAX, r);
        }
    }

    @Test
    void fixedWeightingUsesTheConstants() {
        Random r = new Random(3);
        try (PacCRF crf = PacCRF.builder(3, 2).fixedWeighting(true).unaryWeight(0.6).pairwiseKernels(TERMS).seed(4)
                .build()) {
            assertFalse(crf.parameters().containsKey("unary_weight"));
            randomize(crf.parameters(), r);
            assertEquals(0.6, crf.unaryWeight(), 1e-7);
            List<CrfNaive.Term> t = CrfNaive.terms(TERMS, crf.parameters());
            check(crf, List.of(t, t), new double[] {0.6, 0.6}, true, CrfOutput.LOG_Q, r);
        }
    }

    @Test
    void pacCrfLooseMatchesTheNaiveReference() {
        Random r = new Random(5);
        try (PacCRFLoose crf = PacCRFLoose.builder(4, 2).finalOutput("softmax").pairwiseKernels(TERMS).seed(6)
                .build()) {
            randomize(crf.parameters(), r);
            List<List<CrfNaive.Term>> steps = new ArrayList<>();
            double[] uw = new double[2];
            for (int s = 0; s < 2; s++) {
                steps.add(CrfNaive.terms(TERMS, crf.step(s).parameters()));
                uw[s] = crf.step(s).unaryWeight();
            }
            check(crf, steps, uw, false, CrfOutput.SOFTMAX, r);
        }
    }

    /** sum(gradOut * output) of the naive CRF for the given values. */
    private static double loss(double[][][][] u, double[][][][] e, Map<String, double[]> p, Map<String, long[]> shapes,
                               int steps, List<String> prefixes, CrfOutput out, double[] gOut) {
        List<List<CrfNaive.Term>> st = new ArrayList<>();
        double[] uw = new double[steps];
        for (int s = 0; s < steps; s++) {
            String prefix = prefixes.get(s);
            st.add(CrfNaive.termsFromDoubles(TERMS, p, shapes, prefix));
            uw[s] = p.get(prefix + "unary_weight")[0];
        }
        double[][][][] logQ = CrfNaive.meanField(u, CrfNaive.kernels(st.get(0), e), st, uw, false);
        double[] y = CrfNaive.flat(out == CrfOutput.LOG_Q ? logQ : CrfNaive.softmax(logQ, out == CrfOutput.LOG_SOFTMAX));
        double l = 0;
        for (int i = 0; i < y.length; i++) {
            l += y[i] * gOut[i];
        }
        return l;
    }

    private static double[][][][] copy(double[][][][] a) {
        double[][][][] r = new double[a.length][][][];
        for (int i = 0; i < a.length; i++) {
            r[i] = new double[a[i].length][][];
            for (int j = 0; j < a[i].length; j++) {
                r[i][j] = new double[a[i][j].length][];
                for (int k = 0; k < a[i][j].length; k++) {
                    r[i][j][k] = a[i][j][k].clone();
                }
            }
        }
        return r;
    }

    /** Central differences of the naive CRF against the gradients, at random points of every input. */
    private static void checkGradients(CrfNetwork crf, int steps, List<String> prefixes, CrfOutput out, Random r) {
        int b = 1, l = crf.channels(), h = 7, w = 9;
        double eps = 1e-4;
        try (Tensor unary = random(r, 2, b, l, h, w); Tensor img = random(r, 1, b, 3, h, w);
             Tensor edge = PacCRF.createYXRGB(img, 3.0, 0.5); Tensor gOut = random(r, 1, b, l, h, w);
             CrfGrads g = crf.gradients(unary, edge, gOut)) {
            double[][][][] u = CrfNaive.of(unary.toArray(), b, l, h, w);
            double[][][][] e = CrfNaive.of(edge.toArray(), b, 5, h, w);
            Map<String, double[]> p = new java.util.LinkedHashMap<>();
            Map<String, long[]> shapes = new java.util.LinkedHashMap<>();
            crf.parameters().forEach((k, v) -> {
                p.put(k, TestSupport.doubles(v));
                shapes.put(k, v.shape());
            });
            double[] go = TestSupport.doubles(gOut);
            java.util.function.Supplier<Double> f = () -> loss(u, e, p, shapes, steps, prefixes, out, go);
            double worst = 0;
            // unary and edge features
            for (int t = 0; t < 6; t++) {
                for (int which = 0; which < 2; which++) {
                    double[][][][] a = which == 0 ? u : e;
                    Tensor grad = which == 0 ? g.gradUnary() : g.gradEdgeFeat();
                    int c = r.nextInt(a[0].length), y = r.nextInt(h), x = r.nextInt(w);
                    double keep = a[0][c][y][x];
                    a[0][c][y][x] = keep + eps;
                    double plus = f.get();
                    a[0][c][y][x] = keep - eps;
                    double minus = f.get();
                    a[0][c][y][x] = keep;
                    double num = (plus - minus) / (2 * eps);
                    double got = grad.get(0, c, y, x);
                    worst = Math.max(worst, Math.abs(num - got) / Math.max(1, Math.abs(num)));
                    assertEquals(num, got, 2e-3 * Math.max(1, Math.abs(num)),
                            (which == 0 ? "unary" : "edge") + " [" + c + "," + y + "," + x + "]");
                }
            }
            // every learnable parameter
            for (Map.Entry<String, Tensor> pe : g.gradParams().entrySet()) {
                double[] v = p.get(pe.getKey());
                for (int t = 0; t < Math.min(3, v.length); t++) {
                    int i = r.nextInt(v.length);
                    double keep = v[i];
                    v[i] = keep + eps;
                    double plus = f.get();
                    v[i] = keep - eps;
                    double minus = f.get();
                    v[i] = keep;
                    double num = (plus - minus) / (2 * eps);
                    double got = pe.getValue().getFlat(i);
                    worst = Math.max(worst, Math.abs(num - got) / Math.max(1, Math.abs(num)));
                    assertEquals(num, got, 2e-3 * Math.max(1, Math.abs(num)), pe.getKey() + "[" + i + "]");
                }
            }
            assertEquals(crf instanceof PacCRFLoose ? ((PacCRFLoose) crf).learnableParameters().keySet()
                    : ((PacCRF) crf).learnableParameters().keySet(), g.gradParams().keySet());
            System.out.println(crf + ": worst relative gradient error " + worst);
        }
    }

    @Test
    void pacCrfGradientsMatchFiniteDifferences() {
        Random r = new Random(7);
        try (PacCRF crf = PacCRF.builder(3, 2).finalOutput(CrfOutput.LOG_SOFTMAX).pairwiseKernels(TERMS).seed(8)
                .build()) {
            randomize(crf.parameters(), r);
            checkGradients(crf, 2, List.of("", ""), CrfOutput.LOG_SOFTMAX, r);
        }
    }

    @Test
    void pacCrfLooseGradientsMatchFiniteDifferences() {
        Random r = new Random(9);
        try (PacCRFLoose crf = PacCRFLoose.builder(3, 2).finalOutput(CrfOutput.SOFTMAX).pairwiseKernels(TERMS)
                .seed(10).build()) {
            randomize(crf.parameters(), r);
            checkGradients(crf, 2, List.of("steps.0.", "steps.1."), CrfOutput.SOFTMAX, r);
        }
    }

    @Test
    void stateDictNamesAreTheReferences() {
        try (PacCRF crf = PacCRF.builder(4, 1).pairwiseKernels(TERMS).build()) {
            assertEquals(List.of("unary_weight", "messengers.0.weight", "messengers.1.weight", "messengers.2.weight",
                    "messengers.3.weight", "messengers.4.weight", "compat.1.weight", "pairwise_weights.0",
                    "pairwise_weights.1", "pairwise_weights.2", "pairwise_weights.3", "pairwise_weights.4"),
                    List.copyOf(crf.parameters().keySet()));
            assertFalse(crf.learnableParameters().containsKey("messengers.2.weight"), "crf_pool is a buffer");
            assertTrue(java.util.Arrays.equals(new long[] {4, 4, 3, 3}, crf.parameters().get("messengers.0.weight")
                    .shape()));
            assertTrue(java.util.Arrays.equals(new long[] {1, 1, 3, 3}, crf.parameters().get("messengers.2.weight")
                    .shape()));
            // potts weights are negated; crf_pool is ones with a zero centre
            assertEquals(-0.7, crf.parameters().get("pairwise_weights.2").getFlat(0), 1e-6);
            assertEquals(0f, crf.parameters().get("messengers.2.weight").get(0, 0, 1, 1));
            assertEquals(1f, crf.parameters().get("messengers.2.weight").get(0, 0, 0, 1));
            // 2d compat starts as 1 - I (perturbed by at most 5e-4)
            Tensor c = crf.parameters().get("compat.1.weight");
            assertEquals(0, c.get(2, 2, 0, 0), 6e-4);
            assertEquals(1, c.get(1, 2, 0, 0), 6e-4);
            assertEquals("PacCRF(categories=4, num_steps=1, final_output=log_Q, perturbed_init=True, "
                    + "pairwise_kernels=(4ds_3_1_1, 2ds_5_1_2, 0d_3_2_3, nas_3_1_2, 0ds_3_1_2))", crf.toString());
        }
    }

    @Test
    void createYXRGBScalesPositionAndColour() {
        try (Tensor img = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 1, 3);
             Tensor f = PacCRF.createYXRGB(img, new double[] {2, 4}, new double[] {0.5, 2})) {
            assertTrue(java.util.Arrays.equals(new long[] {1, 4, 1, 3}, f.shape()));
            assertEquals(List.of(0f, 0f, 0f, 0f, 0.25f, 0.5f, 2f, 4f, 6f, 2f, 2.5f, 3f),
                    toList(f.toArray()));
        }
    }

    private static List<Float> toList(float[] a) {
        List<Float> l = new ArrayList<>();
        for (float v : a) {
            l.add(v);
        }
        return l;
    }

    @Test
    void badArgumentsAreNamed() {
        assertThrows(IllegalArgumentException.class, () -> CompatType.parse("3d"));
        assertThrows(IllegalArgumentException.class, () -> new PairwiseKernel(4, 1, 1, CompatType.FOUR_D, true, 1));
        assertThrows(IllegalArgumentException.class, () -> PacCRF.fromArgs("{\"channels\": 3}"));
        assertThrows(IllegalArgumentException.class,
                () -> PacCRF.fromArgs("{\"channels\": 3, \"num_steps\": 1, \"pairwise_kernels\": [{\"size\": 3}]}"));
        try (PacCRF crf = PacCRF.fromArgs("{\"channels\": 3, \"num_steps\": 1, \"pairwise_kernels\": {}}");
             Tensor unary = Tensor.allocate(1, 4, 5, 5); Tensor edge = Tensor.allocate(1, 2, 5, 5)) {
            assertEquals(1, crf.numPairwiseKernels());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> crf.forward(unary, edge));
            assertTrue(e.getMessage().startsWith("unary"), e.getMessage());
        }
    }
}
