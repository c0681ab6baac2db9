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
 * PacCRF's learned guide projections: the identity changes nothing; a projection
 * P is the CRF without projections run on {@code P f} (forward and every
 * gradient, by the chain rule); finite differences for terms with different
 * projections; bad feature counts and args are named.
 */
class GuideProjectionsTest {

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

    private static PacCRF crf(int projection) {
        return PacCRF.builder(3, 3).finalOutput(CrfOutput.LOG_SOFTMAX).perturbedInit(false)
                .guideProjection(projection).pairwiseKernels(TERMS).seed(3).build();
    }

    @Test
    void identityProjectionChangesNothing() {
        Random r = new Random(1);
        try (PacCRF plain = crf(0); PacCRF proj = crf(5); Tensor unary = random(r, 2, 1, 3, 12, 14);
             Tensor img = random(r, 1, 1, 3, 12, 14); Tensor edge = PacCRF.createYXRGB(img, 4.0, 0.5);
             Tensor a = plain.forward(unary, edge); Tensor b = proj.forward(unary, edge)) {
            TestSupport.assertClose("identity projection", TestSupport.doubles(a), b, 1e-6);
            assertFalse(plain.parameters().keySet().stream().anyMatch(k -> k.startsWith("guide_projections")));
            assertEquals(List.of("guide_projections.0.weight", "guide_projections.1.weight"),
                    proj.learnableParameters().keySet().stream().filter(k -> k.startsWith("guide_")).toList());
        }
    }

    @Test
    void aProjectionIsTheCrfOnProjectedFeatures() {
        Random r = new Random(2);
        int h = 11;
        int w = 13;
        try (PacCRF plain = crf(0); PacCRF proj = crf(5); Tensor unary = random(r, 2, 1, 3, h, w);
             Tensor img = random(r, 1, 1, 3, h, w); Tensor edge = PacCRF.createYXRGB(img, 4.0, 0.5);
             Tensor p = random(r, 0.6, 5, 5, 1, 1); Tensor gOut = random(r, 1, 1, 3, h, w)) {
            proj.parameters().forEach((k, v) -> {
                if (k.startsWith("guide_projections")) {
                    v.copyFrom(p);
                }
            });
            try (Tensor projected = StdOps.conv2d(edge, p, null, 0);
                 Tensor want = plain.forward(unary, projected); Tensor got = proj.forward(unary, edge);
                 CrfGrads gw = plain.gradients(unary, projected, gOut);
                 CrfGrads gg = proj.gradients(unary, edge, gOut)) {
                TestSupport.assertClose("forward", TestSupport.doubles(want), got, 1e-5);
                TestSupport.assertClose("unary gradient", TestSupport.doubles(gw.gradUnary()), gg.gradUnary(), 1e-4);
                // the edge features' gradient is P^T times the projected features' gradient
                float[] pe = p.toArray();
                float[] ge = gw.gradEdgeFeat().toArray();
                int n = h * w;
                double[] wantEdge = new double[5 * n];
                double[] wantP = new double[25];
                float[] e = edge.toArray();
                for (int o = 0; o < 5; o++) {
                    for (int c = 0; c < 5; c++) {
                        for (int i = 0; i < n; i++) {
                            wantEdge[c * n + i] += pe[o * 5 + c] * ge[o * n + i];
                            wantP[o * 5 + c] += (double) ge[o * n + i] * e[c * n + i];
                        }
                    }
                }
                TestSupport.assertClose("edge gradient", wantEdge, gg.gradEdgeFeat(), 1e-4);
                // both terms share P here, so their gradients add up to the chain rule's
                double[] sum = new double[25];
                for (String k : List.of("guide_projections.0.weight", "guide_projections.1.weight")) {
                    float[] g = gg.gradParams().get(k).toArray();
                    for (int i = 0; i < 25; i++) {
                        sum[i] += g[i];
                    }
                }
                TestSupport.assertClose("projection gradient", wantP, sum, 1e-3);
            }
        }
    }

    @Test
    void projectionGradientsMatchFiniteDifferences() {
        Random r = new Random(3);
        int h = 9;
        int w = 10;
        try (PacCRF proj = crf(5); Tensor unary = random(r, 2, 1, 3, h, w); Tensor img = random(r, 1, 1, 3, h, w);
             Tensor edge = PacCRF.createYXRGB(img, 3.0, 0.5); Tensor gOut = random(r, 1, 1, 3, h, w)) {
            Map<String, Tensor> params = proj.learnableParameters();
            for (String k : List.of("guide_projections.0.weight", "guide_projections.1.weight")) {
                float[] v = params.get(k).toArray();
                for (int i = 0; i < v.length; i++) {
                    v[i] += (float) (r.nextGaussian() * 0.2);
                }
                params.get(k).copyFrom(v);
            }
            try (CrfGrads g = proj.gradients(unary, edge, gOut)) {
                double eps = 1e-2;
                for (String k : List.of("guide_projections.0.weight", "guide_projections.1.weight")) {
                    Tensor t = params.get(k);
                    for (int i : new int[] {0, 7, 13, 24}) {
                        float keep = t.getFlat(i);
                        t.setFlat(i, (float) (keep + eps));
                        double plus = loss(proj, unary, edge, gOut);
                        t.setFlat(i, (float) (keep - eps));
                        double minus = loss(proj, unary, edge, gOut);
                        t.setFlat(i, keep);
                        double num = (plus - minus) / (2 * eps);
                        double got = g.gradParams().get(k).getFlat(i);
                        assertEquals(num, got, 0.02 * Math.max(1, Math.abs(num)), k + "[" + i + "]");
                    }
                }
            }
        }
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
    void copiesArgsAndBadInputs() {
        try (PacCRF a = PacCRF.fromArgs("{\"channels\": 2, \"num_steps\": 1, \"guide_projection\": 5,"
                + " \"pairwise_kernels\": [{\"kernel_size\": 3, \"compat_type\": \"potts\", \"spatial_filter\": false}]}");
             PacCRF b = a.withDilations(List.of(4))) {
            assertEquals(5, a.guideProjection());
            assertEquals(5, b.guideProjection());
            assertTrue(a.toString().contains("guide_projection=5"), a.toString());
            Random r = new Random(4);
            try (Tensor unary = random(r, 1, 1, 2, 8, 8); Tensor img = random(r, 1, 1, 2, 8, 8);
                 Tensor edge = PacCRF.createYXRGB(img, 3.0, 0.5)) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.forward(unary, edge));
                assertTrue(e.getMessage().startsWith("edgeFeat: the CRF's guide projections take 5"), e.getMessage());
            }
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PacCRF.fromArgs("{\"channels\": 2, \"num_steps\": 1, \"guide_projection\": -1}"));
        assertTrue(e.getMessage().contains("guide_projection"), e.getMessage());
    }
}
