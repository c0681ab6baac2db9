package org.jpac.nn;

import java.util.Map;

import org.jpac.Tensor;

/**
 * Bilinear upsampling of a low-resolution target whose samples sit where a
 * {@link Sampling} protocol puts them: sample {@code j} at full-resolution
 * pixel {@code f * j + sampling.offset(f)}, so AREA is PyTorch's
 * {@code align_corners=False} and CENTER is the same half a pixel up and left
 * for even factors. Missing samples (NaN, see {@link DepthHoles}) are skipped:
 * the weights of the known ones among the four are renormalised; where all four
 * are missing the value comes from the hole-filled map. Borders are clamped.
 * The guide is not used; no parameters.
 */
public final class SampledBilinear implements UpsamplingNetwork {

    private final int factor;
    private final Sampling sampling;
    private final boolean skipMissing;

    /**
     * Bilinear upsampling by {@code factor} for samples placed by {@code sampling}.
     *
     * @throws IllegalArgumentException if {@code factor} is below 1
     * @throws NullPointerException if {@code sampling} is null
     */
    public SampledBilinear(int factor, Sampling sampling) {
        this(factor, sampling, true);
    }

    /**
     * As above; with {@code skipMissing} false, NaN samples are not holes but spread
     * to the pixels that read them, as in any float code.
     */
    public SampledBilinear(int factor, Sampling sampling, boolean skipMissing) {
        if (factor < 1) {
            throw new IllegalArgumentException("factor: must be >= 1, got " + factor);
        }
        if (sampling == null) {
            throw new NullPointerException("sampling");
        }
        this.factor = factor;
        this.sampling = sampling;
        this.skipMissing = skipMissing;
    }

    @Override
    public int factor() {
        return factor;
    }

    /** Where the samples sit. */
    public Sampling sampling() {
        return sampling;
    }

    @Override
    public Map<String, Tensor> parameters() {
        return Map.of();
    }

    /** Missing (NaN) samples are skipped or filled here. */
    @Override
    public boolean skipsMissing() {
        return skipMissing;
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
        float[] in = targetLow.toArray();
        float[] filled = !skipMissing || DepthHoles.count(in) == 0 ? in : DepthHoles.filled(in, planes, h, w);
        Axis rows = new Axis(h, oh, factor, sampling.offset(factor));
        Axis cols = new Axis(w, ow, factor, sampling.offset(factor));
        float[] out = new float[Math.multiplyExact(planes, Math.multiplyExact(oh, ow))];
        for (int p = 0; p < planes; p++) {
            int ib = p * h * w;
            int ob = p * oh * ow;
            for (int y = 0; y < oh; y++) {
                int y0 = rows.i0[y];
                int y1 = rows.i1[y];
                double ty = rows.t[y];
                for (int x = 0; x < ow; x++) {
                    int x0 = cols.i0[x];
                    int x1 = cols.i1[x];
                    double tx = cols.t[x];
                    int[] idx = {ib + y0 * w + x0, ib + y0 * w + x1, ib + y1 * w + x0, ib + y1 * w + x1};
                    double[] wt = {(1 - ty) * (1 - tx), (1 - ty) * tx, ty * (1 - tx), ty * tx};
                    double sum = 0;
                    double norm = 0;
                    double fill = 0;
                    for (int k = 0; k < 4; k++) {
                        float v = in[idx[k]];
                        fill += wt[k] * filled[idx[k]];
                        if ((v == v || !skipMissing) && wt[k] > 0) {
                            sum += wt[k] * v;
                            norm += wt[k];
                        }
                    }
                    out[ob + y * ow + x] = (float) (norm > 0 ? sum / norm : fill);
                }
            }
        }
        return Tensor.of(out, targetLow.dim(0), targetLow.dim(1), oh, ow);
    }

    /** The two source indices (clamped) and the weight of the second for every output position on one axis. */
    private static final class Axis {
        final int[] i0;
        final int[] i1;
        final double[] t;

        Axis(int in, int out, int factor, double offset) {
            i0 = new int[out];
            i1 = new int[out];
            t = new double[out];
            for (int o = 0; o < out; o++) {
                double src = Math.clamp((o - offset) / factor, 0, in - 1);
                int a = (int) Math.floor(src);
                i0[o] = a;
                i1[o] = Math.min(a + 1, in - 1);
                t[o] = src - a;
            }
        }
    }

    @Override
    public void close() {
    }
}
