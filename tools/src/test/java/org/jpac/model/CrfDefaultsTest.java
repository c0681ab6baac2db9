package org.jpac.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;

import org.jpac.Tensor;
import org.jpac.train.CoarseSegmenter;
import org.jpac.train.SyntheticSegmentation;
import org.junit.jupiter.api.Test;

/**
 * The default and the bundled CRF do no harm (issue 16): an already-good
 * segmentation is kept, thin strokes survive, coarse scores improve, for
 * logits of any temperature and windows that follow the image's size.
 */
class CrfDefaultsTest {

    private static final int H = 120;
    private static final int W = 160;

    /** Mean over scenes of {mIoU of the scores, mIoU after the CRF}. */
    private static double[] miou(CrfRefiner crf, int factor, int scenes) {
        double before = 0;
        double after = 0;
        int n = H * W;
        for (int k = 0; k < scenes; k++) {
            long seed = SyntheticSegmentation.HELD_OUT_BASE + 500 + k;
            SyntheticSegmentation.Scene s = SyntheticSegmentation.render(H, W, seed);
            float[] u = CoarseSegmenter.logProbabilities(s.labels(), H, W, factor, new SplittableRandom(seed));
            before += meanIoU(argmax(u, n), s.labels());
            try (Tensor img = Tensor.of(s.rgb(), 1, 3, H, W); Tensor t = Tensor.of(u, 1, 2, H, W);
                 Tensor p = crf.refine(img, t)) {
                after += meanIoU(argmax(p.toArray(), n), s.labels());
            }
        }
        return new double[] {before / scenes, after / scenes};
    }

    private static int[] argmax(float[] twoPlanes, int n) {
        int[] l = new int[n];
        for (int i = 0; i < n; i++) {
            l[i] = twoPlanes[n + i] > twoPlanes[i] ? 1 : 0;
        }
        return l;
    }

    private static double meanIoU(int[] pred, int[] truth) {
        double sum = 0;
        int k = 0;
        for (int c = 0; c < 2; c++) {
            long inter = 0;
            long union = 0;
            for (int i = 0; i < pred.length; i++) {
                boolean a = pred[i] == c;
                boolean b = truth[i] == c;
                inter += a && b ? 1 : 0;
                union += a || b ? 1 : 0;
            }
            if (union > 0) {
                sum += (double) inter / union;
                k++;
            }
        }
        return sum / k;
    }

    @Test
    void anAlreadyGoodSegmentationIsKept() {
        for (CrfRefiner crf : List.of(CrfRefiner.defaults(2), CrfRefiner.bundled(2))) {
            try (crf) {
                double[] m = miou(crf, 1, 4);
                assertTrue(m[1] >= m[0] - 0.005, crf + ": mIoU " + m[0] + " -> " + m[1]);
            }
        }
    }

    @Test
    void coarseScoresImprove() {
        for (CrfRefiner crf : List.of(CrfRefiner.defaults(2), CrfRefiner.bundled(2))) {
            try (crf) {
                double[] m = miou(crf, 8, 4);
                assertTrue(m[1] > m[0], crf + ": mIoU " + m[0] + " -> " + m[1]);
            }
        }
    }

    @Test
    void thinStrokesSurvive() {
        int n = H * W;
        float[] rgb = new float[3 * n];
        int[] labels = new int[n];
        SplittableRandom r = new SplittableRandom(3);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                int i = y * W + x;
                // strokes 3 to 6 px wide: a pole, a bar, a diagonal, on a noisy textured background
                boolean stroke = (x >= 40 && x < 43) || (y >= 60 && y < 66 && x > 60)
                        || (Math.abs((x - 90) - (y - 10)) < 2.5 && y > 10 && y < 100);
                labels[i] = stroke ? 1 : 0;
                for (int c = 0; c < 3; c++) {
                    double bg = 0.55 + 0.1 * Math.sin(x * 0.3 + c) + 0.02 * r.nextDouble();
                    rgb[c * n + i] = (float) (stroke ? 0.15 + 0.05 * c : bg);
                }
            }
        }
        float[] u = CoarseSegmenter.logProbabilities(labels, H, W, 1, r);
        for (CrfRefiner crf : List.of(CrfRefiner.defaults(2), CrfRefiner.bundled(2))) {
            try (crf; Tensor img = Tensor.of(rgb, 1, 3, H, W); Tensor t = Tensor.of(u, 1, 2, H, W);
                 Tensor p = crf.refine(img, t)) {
                int[] got = argmax(p.toArray(), n);
                int kept = 0;
                int total = 0;
                for (int i = 0; i < n; i++) {
                    if (labels[i] == 1) {
                        total++;
                        kept += got[i];
                    }
                }
                assertTrue(kept >= 0.97 * total, crf + ": kept " + kept + " of " + total + " stroke pixels");
            }
        }
    }

    @Test
    void theTemperatureOfTheScoresDoesNotMatter() {
        SyntheticSegmentation.Scene s = SyntheticSegmentation.render(H, W, 77);
        float[] u = CoarseSegmenter.logProbabilities(s.labels(), H, W, 8, new SplittableRandom(1));
        float[] hot = new float[u.length];
        for (int i = 0; i < u.length; i++) {
            hot[i] = 6 * u[i];
        }
        try (CrfRefiner crf = CrfRefiner.defaults(2); Tensor img = Tensor.of(s.rgb(), 1, 3, H, W);
             Tensor a = Tensor.of(u, 1, 2, H, W); Tensor b = Tensor.of(hot, 1, 2, H, W);
             Tensor pa = crf.refine(img, a); Tensor pb = crf.refine(img, b)) {
            int n = H * W;
            int[] la = argmax(pa.toArray(), n);
            int[] lb = argmax(pb.toArray(), n);
            int differ = 0;
            for (int i = 0; i < n; i++) {
                differ += la[i] != lb[i] ? 1 : 0;
            }
            assertTrue(differ <= n / 1000, differ + " labels differ");
        }
    }

    @Test
    void windowsFollowTheImageSize() {
        try (CrfRefiner crf = CrfRefiner.defaults(3)) {
            assertEquals(List.of(16, 64), crf.dilations(375, 500));
            assertEquals(List.of(8, 32), crf.dilations(188, 250));
            assertEquals(List.of(32, 128), crf.dilations(750, 1000));
            assertEquals(160, crf.scaleSpace(750, 1000), 1e-9);
            assertTrue(crf.calibrates());
            // the same CRF at two sizes, one after the other and back
            for (int side : new int[] {40, 80, 40}) {
                try (Tensor img = Tensor.allocate(1, 3, side, side); Tensor u = Tensor.allocate(1, 3, side, side);
                     Tensor p = crf.refine(img, u)) {
                    assertEquals(1f / 3, p.get(0, 1, side / 2, side / 2), 1e-5);
                }
            }
        }
        try (CrfRefiner b = CrfRefiner.bundled(2)) {
            assertTrue(b.calibrates() && b.geometry().isScaled(), b.toString());
            assertEquals(5, ((org.jpac.nn.PacCRF) b.network()).guideProjection(), b.toString());
        }
    }
}
