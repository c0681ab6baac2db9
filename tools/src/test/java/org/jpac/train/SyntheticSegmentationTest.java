package org.jpac.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** The CRF's synthetic photographs and the simulated coarse segmenter. */
class SyntheticSegmentationTest {

    private static final int H = 120;
    private static final int W = 160;

    @Test
    void scenesAreDeterministicAndDifferBySeed() {
        SyntheticSegmentation.Scene a = SyntheticSegmentation.render(H, W, 5);
        SyntheticSegmentation.Scene b = SyntheticSegmentation.render(H, W, 5);
        SyntheticSegmentation.Scene c = SyntheticSegmentation.render(H, W, 6);
        assertArrayEquals(a.rgb(), b.rgb());
        assertArrayEquals(a.labels(), b.labels());
        assertFalse(Arrays.equals(a.labels(), c.labels()), "seeds 5 and 6 drew the same layout");
        for (float v : a.rgb()) {
            assertTrue(v >= 0 && v <= 1, "colour " + v);
        }
        assertThrows(IllegalArgumentException.class, () -> SyntheticSegmentation.render(8, 8, 1));
    }

    @Test
    void scenesHaveObjectsAndThinStructures() {
        int withThin = 0;
        for (int k = 0; k < 12; k++) {
            SyntheticSegmentation.Scene s = SyntheticSegmentation.render(H, W, SyntheticSegmentation.HELD_OUT_BASE + k);
            long objects = Arrays.stream(s.labels()).filter(l -> l == 1).count();
            assertTrue(objects > 0 && objects < (long) H * W, "scene " + k + ": " + objects + " object pixels");
            if (thinRuns(s.labels()) >= 10) {
                withThin++;
            }
        }
        assertTrue(withThin >= 6, "only " + withThin + " of 12 scenes have 3-6 px wide structures");
    }

    /** Horizontal runs of object pixels 3 to 6 long (strokes, poles, letters crossing a row). */
    private static int thinRuns(int[] labels) {
        int runs = 0;
        for (int y = 0; y < H; y++) {
            int len = 0;
            for (int x = 0; x <= W; x++) {
                if (x < W && labels[y * W + x] == 1) {
                    len++;
                } else {
                    if (len >= 3 && len <= 6) {
                        runs++;
                    }
                    len = 0;
                }
            }
        }
        return runs;
    }

    @Test
    void segmenterScoresAreClippedLogProbabilities() {
        SyntheticSegmentation.Scene s = SyntheticSegmentation.render(H, W, 3);
        float[] u = CoarseSegmenter.logProbabilities(s.labels(), H, W, 8, new SplittableRandom(1));
        int n = H * W;
        assertEquals(2 * n, u.length);
        for (int i = 0; i < n; i++) {
            double p0 = Math.exp(u[i]);
            double p1 = Math.exp(u[n + i]);
            assertEquals(1, p0 + p1, 1e-5);
            assertTrue(p1 >= CoarseSegmenter.CLIP - 1e-6 && p1 <= 1 - CoarseSegmenter.CLIP + 1e-6, "p " + p1);
        }
        assertThrows(IllegalArgumentException.class,
                () -> CoarseSegmenter.logProbabilities(s.labels(), H, W, 0, new SplittableRandom(1)));
        assertThrows(IllegalArgumentException.class,
                () -> CoarseSegmenter.logProbabilities(new int[3], H, W, 4, new SplittableRandom(1)));
    }

    @Test
    void coarserSegmentersMakeMoreMistakes() {
        double[] wrong = new double[17];
        for (int f : new int[] {1, 4, 16}) {
            for (int k = 0; k < 6; k++) {
                SyntheticSegmentation.Scene s = SyntheticSegmentation.render(H, W, 100 + k);
                float[] u = CoarseSegmenter.logProbabilities(s.labels(), H, W, f, new SplittableRandom(k));
                int n = H * W;
                for (int i = 0; i < n; i++) {
                    int label = u[n + i] > u[i] ? 1 : 0;
                    wrong[f] += label != s.labels()[i] ? 1.0 / n : 0;
                }
            }
        }
        assertTrue(wrong[1] < 0.01 * 6, "an already-fine segmenter gets " + wrong[1] / 6 + " of the pixels wrong");
        assertTrue(wrong[1] < wrong[4] && wrong[4] < wrong[16], "errors at 1/1, 1/4, 1/16: "
                + Arrays.toString(new double[] {wrong[1], wrong[4], wrong[16]}));
    }
}
