package org.jpac.train;

import java.util.SplittableRandom;

/**
 * Simulated outputs of a coarse segmentation network, as PAC-CRF gets them in
 * the paper's setting (an FCN's scores at a fraction of the image's resolution):
 * <ol>
 *   <li>the true object fraction of each {@code f x f} block: scores at 1/f;</li>
 *   <li>over-smoothed (a Gaussian of 0.3 to 1 low-resolution pixels), as the
 *       network's receptive fields blur boundaries;</li>
 *   <li>turned into logits with a random gain and per-cell noise, plus a few
 *       confident mistakes: blobs where the logit is pushed hard to the wrong
 *       label;</li>
 *   <li>upsampled bilinearly (half-pixel centres) to the image's size, the
 *       probability clipped to [0.02, 0.98], as 2-class log-probabilities.</li>
 * </ol>
 * Factor 1 is an already-good segmenter: the true labels with boundaries
 * softened by a Gaussian of 0.7 pixels and no mistakes.
 */
public final class CoarseSegmenter {

    /** Probabilities are clipped to [CLIP, 1 - CLIP] before the logarithm. */
    public static final double CLIP = 0.02;

    private CoarseSegmenter() {
    }

    /**
     * 2-class log-probabilities {@code [2, H, W]} (background, object) for
     * labels {@code [H, W]} (0 or 1) at resolution 1/{@code factor}.
     *
     * @throws IllegalArgumentException if factor is below 1 or the labels do not match the size
     */
    public static float[] logProbabilities(int[] labels, int h, int w, int factor, SplittableRandom rng) {
        if (factor < 1) {
            throw new IllegalArgumentException("factor: must be >= 1, got " + factor);
        }
        if (labels.length != h * w) {
            throw new IllegalArgumentException("labels: expected " + h + "x" + w + " = " + h * w + " values, got "
                    + labels.length);
        }
        double[] p = factor == 1 ? fine(labels, h, w) : coarse(labels, h, w, factor, rng);
        int n = h * w;
        float[] out = new float[2 * n];
        for (int i = 0; i < n; i++) {
            double q = Math.clamp(p[i], CLIP, 1 - CLIP);
            out[i] = (float) Math.log(1 - q);
            out[n + i] = (float) Math.log(q);
        }
        return out;
    }

    private static double[] fine(int[] labels, int h, int w) {
        double[] p = new double[h * w];
        for (int i = 0; i < p.length; i++) {
            p[i] = labels[i];
        }
        return blur(p, h, w, 0.7);
    }

    private static double[] coarse(int[] labels, int h, int w, int f, SplittableRandom rng) {
        int lh = (h + f - 1) / f;
        int lw = (w + f - 1) / f;
        double[] low = new double[lh * lw];
        int[] count = new int[lh * lw];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int c = (y / f) * lw + x / f;
                low[c] += labels[y * w + x];
                count[c]++;
            }
        }
        for (int i = 0; i < low.length; i++) {
            low[i] /= count[i];
        }
        low = blur(low, lh, lw, 0.3 + 0.7 * rng.nextDouble());
        double gain = 0.7 + 0.8 * rng.nextDouble();
        double noise = 0.8 * rng.nextDouble();
        double[] logit = new double[low.length];
        for (int i = 0; i < low.length; i++) {
            double q = Math.clamp(low[i], 1e-3, 1 - 1e-3);
            logit[i] = gain * Math.log(q / (1 - q)) + noise * gaussian(rng);
        }
        // confident mistakes: about one per 150 low-resolution cells, at least one
        int mistakes = rng.nextInt(1 + Math.max(1, low.length / 150));
        for (int m = 0; m < mistakes; m++) {
            double cy = rng.nextDouble() * lh;
            double cx = rng.nextDouble() * lw;
            double r = 0.7 + 1.8 * rng.nextDouble();
            int centre = Math.min(lh - 1, (int) cy) * lw + Math.min(lw - 1, (int) cx);
            double push = (logit[centre] > 0 ? -1 : 1) * (3 + 4 * rng.nextDouble());
            for (int y = 0; y < lh; y++) {
                for (int x = 0; x < lw; x++) {
                    double d2 = ((y + 0.5 - cy) * (y + 0.5 - cy) + (x + 0.5 - cx) * (x + 0.5 - cx)) / (r * r);
                    if (d2 < 9) {
                        logit[y * lw + x] += push * Math.exp(-0.5 * d2);
                    }
                }
            }
        }
        for (int i = 0; i < low.length; i++) {
            low[i] = 1 / (1 + Math.exp(-logit[i]));
        }
        return upsample(low, lh, lw, h, w, f);
    }

    /** Bilinear upsampling by {@code f} with half-pixel centres (align_corners=False), cropped to h x w. */
    static double[] upsample(double[] low, int lh, int lw, int h, int w, int f) {
        double[] out = new double[h * w];
        for (int y = 0; y < h; y++) {
            double fy = Math.max(0, (y + 0.5) / f - 0.5);
            int y0 = Math.min(lh - 1, (int) fy);
            int y1 = Math.min(lh - 1, y0 + 1);
            double ty = fy - y0;
            for (int x = 0; x < w; x++) {
                double fx = Math.max(0, (x + 0.5) / f - 0.5);
                int x0 = Math.min(lw - 1, (int) fx);
                int x1 = Math.min(lw - 1, x0 + 1);
                double tx = fx - x0;
                out[y * w + x] = (1 - ty) * ((1 - tx) * low[y0 * lw + x0] + tx * low[y0 * lw + x1])
                        + ty * ((1 - tx) * low[y1 * lw + x0] + tx * low[y1 * lw + x1]);
            }
        }
        return out;
    }

    /** Separable Gaussian blur with clamped borders. */
    static double[] blur(double[] v, int h, int w, double sigma) {
        int r = Math.max(1, (int) Math.ceil(3 * sigma));
        double[] k = new double[2 * r + 1];
        double sum = 0;
        for (int i = -r; i <= r; i++) {
            k[i + r] = Math.exp(-0.5 * i * i / (sigma * sigma));
            sum += k[i + r];
        }
        for (int i = 0; i < k.length; i++) {
            k[i] /= sum;
        }
        double[] tmp = new double[v.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double s = 0;
                for (int i = -r; i <= r; i++) {
                    s += k[i + r] * v[y * w + Math.clamp(x + i, 0, w - 1)];
                }
                tmp[y * w + x] = s;
            }
        }
        double[] out = new double[v.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double s = 0;
                for (int i = -r; i <= r; i++) {
                    s += k[i + r] * tmp[Math.clamp(y + i, 0, h - 1) * w + x];
                }
                out[y * w + x] = s;
            }
        }
        return out;
    }

    static double gaussian(SplittableRandom r) {
        double u = 1 - r.nextDouble();
        double v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
}
