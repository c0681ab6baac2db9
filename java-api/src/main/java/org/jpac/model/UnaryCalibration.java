package org.jpac.model;

import java.util.Arrays;

import org.jpac.Tensor;
import org.jpac.nn.StdOps;

/**
 * Puts class scores on the scale the CRF's pairwise weights are set for,
 * before the CRF runs: the scores become log-probabilities (log-softmax over
 * classes), multiplied per image so that a confident pixel's margin (the
 * 90th percentile over the image of the best minus the second-best
 * log-probability) is {@link #REFERENCE_MARGIN}, the margin of a segmenter
 * whose probabilities are clipped at 0.02 / 0.98. So the same pairwise weights
 * mean the same for logits of any temperature: a segmenter that is confident
 * everywhere cannot drown the pairwise terms, a timid one is not drowned by them.
 * Scores that are already clipped 0.02 / 0.98 log-probabilities pass unchanged.
 */
public final class UnaryCalibration {

    /** log(0.98 / 0.02): the margin a confident pixel is scaled to. */
    public static final double REFERENCE_MARGIN = Math.log(0.98 / 0.02);
    /** Which percentile of the per-pixel margins stands for "confident". */
    public static final double PERCENTILE = 0.9;

    private UnaryCalibration() {
    }

    /**
     * Calibrated log-probabilities of {@code scores} [B, C, H, W] (a new tensor
     * the caller closes). An image whose margins are all zero (no preference
     * anywhere) is only normalised.
     */
    public static Tensor calibrate(Tensor scores) {
        if (scores == null) {
            throw new NullPointerException("scores");
        }
        if (scores.shape().length != 4) {
            throw new IllegalArgumentException("scores: expected [B, C, H, W], got " + Arrays.toString(scores.shape()));
        }
        try (Tensor logp = StdOps.logSoftmax(scores)) {
            float[] v = logp.toArray();
            int b = (int) scores.dim(0);
            int c = (int) scores.dim(1);
            int n = (int) (scores.dim(2) * scores.dim(3));
            for (int i = 0; i < b; i++) {
                double f = factor(v, i * c * n, c, n);
                for (int k = i * c * n; k < (i + 1) * c * n; k++) {
                    v[k] = (float) (v[k] * f);
                }
            }
            return Tensor.of(v, scores.shape());
        }
    }

    /** The factor for one image's log-probabilities at {@code off} ({@code c} planes of {@code n}). */
    static double factor(float[] logp, int off, int c, int n) {
        if (c < 2 || n == 0) {
            return 1;
        }
        float[] margin = new float[n];
        for (int p = 0; p < n; p++) {
            float best = -Float.MAX_VALUE;
            float second = -Float.MAX_VALUE;
            for (int k = 0; k < c; k++) {
                float x = logp[off + k * n + p];
                if (x > best) {
                    second = best;
                    best = x;
                } else if (x > second) {
                    second = x;
                }
            }
            margin[p] = best - second;
        }
        Arrays.sort(margin);
        double m = margin[Math.min(n - 1, (int) Math.floor(PERCENTILE * n))];
        return m > 1e-6 && Double.isFinite(m) ? REFERENCE_MARGIN / m : 1;
    }
}
