package org.jpac.cli;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

import org.jpac.Tensor;
import org.jpac.model.CrfRefiner;
import org.jpac.train.CoarseSegmenter;
import org.jpac.train.PhotoTextures;
import org.jpac.train.SyntheticSegmentation;

/**
 * Held-out measurement of a CRF on {@link SyntheticSegmentation} scenes: for a
 * segmenter factor (1 = already fine, else scores at 1/f) and a seed, the mean
 * over {@code count} scenes of the per-image mIoU of the scores' argmax and of
 * the refined labels. Seed {@code s} draws scenes
 * {@code HELD_OUT_BASE + s * 1,000,000 + k}, which training never uses, and
 * each scene's segmenter noise from the scene's seed and the factor; the
 * validation set ({@link SceneSet#VALIDATION}) the same from {@code VALIDATION_BASE}.
 */
final class CrfEvaluation {

    /** Held-out scene size: not the training size, so the size scaling is tested too. */
    static final int HEIGHT = 240;
    static final int WIDTH = 320;

    /** Mean mIoU of the scores and of the refined labels, and the CRF's time. */
    record Score(double unary, double crf, double seconds, long pixels) {
    }

    private CrfEvaluation() {
    }

    /** Which scenes a measurement draws: the held-out set, or the validation set for choosing settings. */
    enum SceneSet {
        HELD_OUT("held-out", SyntheticSegmentation.HELD_OUT_BASE),
        VALIDATION("validation", SyntheticSegmentation.VALIDATION_BASE);

        final String label;
        final long base;

        SceneSet(String label, long base) {
            this.label = label;
            this.base = base;
        }
    }

    static long sceneSeed(long seed, int k) {
        return sceneSeed(SceneSet.HELD_OUT, seed, k);
    }

    static long sceneSeed(SceneSet set, long seed, int k) {
        return set.base + seed * 1_000_000L + k;
    }

    /** The held-out scores of scene {@code sceneSeed} at {@code factor}: [2, H, W] log-probabilities. */
    static float[] scores(SyntheticSegmentation.Scene s, int factor, long sceneSeed) {
        return CoarseSegmenter.logProbabilities(s.labels(), s.height(), s.width(), factor,
                new SplittableRandom(sceneSeed * 31 + factor));
    }

    /**
     * Scenes {@code first .. first + count - 1} of seed {@code seed} at {@code h x w}, scores at 1/factor,
     * wearing {@code photos} (held-out photographs; null for procedural scenes).
     */
    static Score run(CrfRefiner crf, int factor, long seed, int first, int count, int h, int w,
                     PhotoTextures photos) {
        return run(crf, SceneSet.HELD_OUT, factor, seed, first, count, h, w, photos);
    }

    static Score run(CrfRefiner crf, SceneSet set, int factor, long seed, int first, int count, int h, int w,
                     PhotoTextures photos) {
        double su = 0;
        double sc = 0;
        long nanos = 0;
        int n = h * w;
        int c = SyntheticSegmentation.CLASSES;
        for (int k = first; k < first + count; k++) {
            long ss = sceneSeed(set, seed, k);
            SyntheticSegmentation.Scene s = SyntheticSegmentation.render(h, w, ss, photos);
            float[] scores = scores(s, factor, ss);
            su += Labels.meanIoU(Labels.argmax(scores, c, n), s.labels(), c);
            try (Tensor img = Tensor.of(s.rgb(), 1, 3, h, w); Tensor u = Tensor.of(scores, 1, c, h, w)) {
                long t0 = System.nanoTime();
                try (Tensor p = crf.refine(img, u)) {
                    nanos += System.nanoTime() - t0;
                    sc += Labels.meanIoU(Labels.argmax(p.toArray(), c, n), s.labels(), c);
                }
            }
        }
        return new Score(su / count, sc / count, nanos / 1e9, (long) count * n);
    }

    /**
     * The held-out (or validation) table: for each factor (1 = already fine), the scores' mIoU
     * and each CRF's with its gain over the scores (in brackets), as mean +- sd
     * over {@code seeds} seeds of {@code count} scenes each; then each CRF's
     * time per megapixel over all of it.
     */
    static void table(Map<String, CrfRefiner> crfs, SceneSet set, int[] factors, int seeds, int count, int h, int w,
                      PhotoTextures photos, PrintStream out) {
        out.printf(Locale.ROOT, "%s synthetic mIoU, %d seeds x %d scenes of %dx%d (mean +- sd over seeds),"
                + " %s%n", set.label, seeds, count, w, h, photos == null ? "procedural textures"
                : "photographs " + String.join(", ", photos.names()) + " from " + photos.source());
        StringBuilder head = new StringBuilder("| segmenter scores | mIoU of the scores |");
        StringBuilder rule = new StringBuilder("|---|---|");
        crfs.keySet().forEach(k -> {
            head.append(' ').append(k).append(" |");
            rule.append("---|");
        });
        out.println(head);
        out.println(rule);
        Map<String, double[]> time = new LinkedHashMap<>();
        crfs.keySet().forEach(k -> time.put(k, new double[2]));
        for (int f : factors) {
            double[] unary = new double[seeds];
            Map<String, double[]> crf = new LinkedHashMap<>();
            for (Map.Entry<String, CrfRefiner> e : crfs.entrySet()) {
                double[] m = new double[seeds];
                for (int sd = 0; sd < seeds; sd++) {
                    Score sc = run(e.getValue(), set, f, sd, 0, count, h, w, photos);
                    unary[sd] = sc.unary();
                    m[sd] = sc.crf();
                    time.get(e.getKey())[0] += sc.seconds();
                    time.get(e.getKey())[1] += sc.pixels();
                }
                crf.put(e.getKey(), m);
            }
            StringBuilder row = new StringBuilder(f == 1 ? "| already fine |" : "| 1/" + f + " |");
            row.append(' ').append(meanSd(unary)).append(" |");
            crf.values().forEach(m -> {
                double[] gain = new double[seeds];
                for (int i = 0; i < seeds; i++) {
                    gain[i] = m[i] - unary[i];
                }
                row.append(' ').append(meanSd(m)).append(" (").append(meanSd(gain).replaceFirst("^(?!-)", "+"))
                        .append(") |");
            });
            out.println(row);
        }
        time.forEach((k, t) -> out.printf(Locale.ROOT, "%s: %.3f s per megapixel%n", k, t[0] / (t[1] / 1e6)));
    }

    static String meanSd(double[] v) {
        double mean = 0;
        for (double x : v) {
            mean += x;
        }
        mean /= v.length;
        double var = 0;
        for (double x : v) {
            var += (x - mean) * (x - mean);
        }
        double sd = v.length > 1 ? Math.sqrt(var / (v.length - 1)) : 0;
        return String.format(Locale.ROOT, "%.2f +- %.2f", 100 * mean, 100 * sd);
    }
}
