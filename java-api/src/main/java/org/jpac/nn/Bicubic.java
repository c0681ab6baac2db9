package org.jpac.nn;

import java.util.Map;

import org.jpac.Tensor;

/**
 * Bicubic upsampling of the target by {@code factor}, as PyTorch's
 * {@code interpolate(x, scale_factor=factor, mode="bicubic", align_corners=False)}:
 * Keys' cubic convolution with a = -0.75, source position (dst + 0.5) / factor
 * - 0.5, taps clamped at the border. The guide is not used; no parameters. The
 * weakest baseline of the paper's joint upsampling tables. With a {@link Sampling}
 * protocol, sample {@code j} sits at {@code f * j + sampling.offset(f)} (AREA is
 * PyTorch's position). Missing samples (NaN) are filled first ({@link DepthHoles}).
 */
public final class Bicubic implements UpsamplingNetwork {

    private static final double A = -0.75;

    private final int factor;
    private final double offset;

    /**
     * Bicubic upsampling by {@code factor}.
     *
     * @param factor the scale factor (at least 1)
     * @throws IllegalArgumentException if {@code factor} is below 1
     */
    public Bicubic(int factor) {
        if (factor < 1) {
            throw new IllegalArgumentException("factor: must be >= 1, got " + factor);
        }
        this.factor = factor;
        this.offset = (factor - 1) / 2.0;
    }

    /**
     * Bicubic upsampling by {@code factor} for samples placed by {@code sampling}.
     *
     * @throws IllegalArgumentException if {@code factor} is below 1
     */
    public Bicubic(int factor, Sampling sampling) {
        if (factor < 1) {
            throw new IllegalArgumentException("factor: must be >= 1, got " + factor);
        }
        this.factor = factor;
        this.offset = sampling.offset(factor);
    }

    @Override
    public int factor() {
        return factor;
    }

    @Override
    public Map<String, Tensor> parameters() {
        return Map.of();
    }

    /** Missing (NaN) samples are skipped or filled here. */
    @Override
    public boolean skipsMissing() {
        return true;
    }

    /** The upsampled target; {@code guide} may be null. */
    @Override
    public Tensor forward(Tensor targetLow, Tensor guide) {
        StdOps.nchw(targetLow, "targetLow");
        int planes = Math.toIntExact(targetLow.dim(0) * targetLow.dim(1));
        int h = Math.toIntExact(targetLow.dim(2));
        int w = Math.toIntExact(targetLow.dim(3));
        int oh = Math.multiplyExact(h, factor);
        int ow = Math.multiplyExact(w, factor);
        Taps rows = new Taps(h, oh, factor, offset);
        Taps cols = new Taps(w, ow, factor, offset);
        float[] in = targetLow.toArray();
        if (DepthHoles.count(in) > 0) {
            in = DepthHoles.filled(in, planes, h, w);
        }
        float[] out = new float[Math.multiplyExact(planes, Math.multiplyExact(oh, ow))];
        double[] line = new double[w];
        for (int p = 0; p < planes; p++) {
            int inBase = p * h * w;
            int outBase = p * oh * ow;
            for (int y = 0; y < oh; y++) {
                // vertical pass into one line, then the horizontal pass from it
                for (int x = 0; x < w; x++) {
                    double s = 0;
                    for (int t = 0; t < 4; t++) {
                        s += rows.weight[y * 4 + t] * in[inBase + rows.index[y * 4 + t] * w + x];
                    }
                    line[x] = s;
                }
                for (int x = 0; x < ow; x++) {
                    double s = 0;
                    for (int t = 0; t < 4; t++) {
                        s += cols.weight[x * 4 + t] * line[cols.index[x * 4 + t]];
                    }
                    out[outBase + y * ow + x] = (float) s;
                }
            }
        }
        return Tensor.of(out, targetLow.dim(0), targetLow.dim(1), oh, ow);
    }

    /** The four source indices (clamped) and weights of every output position along one axis. */
    private static final class Taps {
        final int[] index;
        final double[] weight;

        Taps(int in, int out, int factor, double offset) {
            index = new int[out * 4];
            weight = new double[out * 4];
            for (int o = 0; o < out; o++) {
                double src = (o - offset) / factor;
                int i0 = (int) Math.floor(src);
                double t = src - i0;
                double[] wt = {far(t + 1), near(t), near(1 - t), far(2 - t)};
                for (int k = 0; k < 4; k++) {
                    index[o * 4 + k] = Math.clamp(i0 - 1 + k, 0, in - 1);
                    weight[o * 4 + k] = wt[k];
                }
            }
        }

        /** Keys' kernel for |x| <= 1. */
        private static double near(double x) {
            return ((A + 2) * x - (A + 3)) * x * x + 1;
        }

        /** Keys' kernel for 1 < |x| < 2. */
        private static double far(double x) {
            return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
        }
    }

    @Override
    public void close() {
    }
}
