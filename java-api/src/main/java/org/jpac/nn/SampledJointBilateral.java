package org.jpac.nn;

import java.util.Map;
import java.util.stream.IntStream;

import org.jpac.Tensor;

/**
 * Joint bilateral upsampling (Kopf et al. 2007) computed sample by sample, with
 * each low-resolution sample where its {@link Sampling} protocol puts it: a
 * point sample (CENTER) at pixel {@code f * j + (f - 1) / 2} with the guide's
 * colour there, a block average (AREA) at the block's centre with the block's
 * mean colour. Output pixel {@code o} is the normalised sum over the samples
 * within {@code (kernelSize - 1) / 2} pixels of it (per axis) of
 * {@code exp(-|o - p_j|^2 / (2 sigma_space^2) - |I(o) - I_j|^2 / (2 sigma_color^2)) * t_j}.
 * Missing samples (NaN, {@link DepthHoles}) are left out of the sum; where a
 * window holds none, the value comes from the hole-filled map. With CENTER and
 * no holes this is what {@link JointBilateral} (the reference's PAC^T form)
 * computes. No parameters.
 */
public final class SampledJointBilateral implements UpsamplingNetwork {

    private final int factor;
    private final Sampling sampling;
    private final int kernelSize;
    private final double sigmaSpace;
    private final double sigmaColor;
    private final boolean skipMissing;

    /**
     * @param factor the upsampling factor
     * @param sampling where the low-resolution samples sit
     * @param kernelSize the window in output pixels (odd)
     * @param sigmaSpace the spatial sigma in output pixels
     * @param sigmaColor the colour sigma (guide in [0, 1])
     * @throws IllegalArgumentException if a size or sigma is out of range
     */
    public SampledJointBilateral(int factor, Sampling sampling, int kernelSize, double sigmaSpace, double sigmaColor) {
        this(factor, sampling, kernelSize, sigmaSpace, sigmaColor, true);
    }

    /**
     * As above; with {@code skipMissing} false, NaN samples are not holes but spread
     * to the pixels whose window holds them, as in any float code.
     */
    public SampledJointBilateral(int factor, Sampling sampling, int kernelSize, double sigmaSpace, double sigmaColor,
                                 boolean skipMissing) {
        if (factor < 1) {
            throw new IllegalArgumentException("factor: must be >= 1, got " + factor);
        }
        if (sampling == null) {
            throw new NullPointerException("sampling");
        }
        if (kernelSize < 1 || kernelSize % 2 == 0) {
            throw new IllegalArgumentException("kernelSize: must be odd and >= 1, got " + kernelSize);
        }
        if (!(sigmaSpace > 0) || !(sigmaColor > 0) || Double.isInfinite(sigmaSpace) || Double.isInfinite(sigmaColor)) {
            throw new IllegalArgumentException("sigmaSpace/sigmaColor: must be positive and finite, got " + sigmaSpace
                    + ", " + sigmaColor);
        }
        this.factor = factor;
        this.sampling = sampling;
        this.kernelSize = kernelSize;
        this.sigmaSpace = sigmaSpace;
        this.sigmaColor = sigmaColor;
        this.skipMissing = skipMissing;
    }

    /** jpac's defaults for a factor: a {@code 4f - 1} window, sigma_space f, sigma_color 0.1. */
    public static SampledJointBilateral defaults(int factor, Sampling sampling) {
        return new SampledJointBilateral(factor, sampling, 4 * factor - 1, factor, 0.1);
    }

    @Override
    public int factor() {
        return factor;
    }

    /** Where the samples sit. */
    public Sampling sampling() {
        return sampling;
    }

    /** The window in output pixels. */
    public int kernelSize() {
        return kernelSize;
    }

    /** The spatial sigma in output pixels. */
    public double sigmaSpace() {
        return sigmaSpace;
    }

    /** The colour sigma. */
    public double sigmaColor() {
        return sigmaColor;
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

    @Override
    public Tensor forward(Tensor targetLow, Tensor guide) {
        StdOps.nchw(targetLow, "targetLow");
        StdOps.nchw(guide, "guide");
        int b = Math.toIntExact(targetLow.dim(0));
        int c = Math.toIntExact(targetLow.dim(1));
        int h = Math.toIntExact(targetLow.dim(2));
        int w = Math.toIntExact(targetLow.dim(3));
        int gc = Math.toIntExact(guide.dim(1));
        int oh = Math.multiplyExact(h, factor);
        int ow = Math.multiplyExact(w, factor);
        if (guide.dim(0) != b || guide.dim(2) != oh || guide.dim(3) != ow) {
            throw new IllegalArgumentException("guide: expected [" + b + ", C, " + oh + ", " + ow + "] for targetLow "
                    + StdOps.shape(targetLow) + " at factor " + factor + ", got " + StdOps.shape(guide));
        }
        float[] t = targetLow.toArray();
        float[] filled = !skipMissing || DepthHoles.count(t) == 0 ? t : DepthHoles.filled(t, b * c, h, w);
        float[] g = guide.toArray();
        float[] out = new float[Math.multiplyExact(b * c, Math.multiplyExact(oh, ow))];
        double off = sampling.offset(factor);
        int r = (kernelSize - 1) / 2;
        double ks = -0.5 / (sigmaSpace * sigmaSpace);
        double kc = -0.5 / (sigmaColor * sigmaColor);
        for (int n = 0; n < b; n++) {
            float[] sc = sampleColors(g, n, gc, h, w, oh, ow);
            int nn = n;
            IntStream.range(0, oh).parallel().forEach(y -> {
                int jy0 = Math.max(0, (int) Math.ceil((y - off - r) / factor));
                int jy1 = Math.min(h - 1, (int) Math.floor((y - off + r) / factor));
                double[] sum = new double[c];
                double[] norm = new double[c];
                for (int x = 0; x < ow; x++) {
                    int jx0 = Math.max(0, (int) Math.ceil((x - off - r) / factor));
                    int jx1 = Math.min(w - 1, (int) Math.floor((x - off + r) / factor));
                    java.util.Arrays.fill(sum, 0);
                    java.util.Arrays.fill(norm, 0);
                    int gi = nn * gc * oh * ow + y * ow + x;
                    for (int jy = jy0; jy <= jy1; jy++) {
                        double dy = y - (factor * jy + off);
                        for (int jx = jx0; jx <= jx1; jx++) {
                            double dx = x - (factor * jx + off);
                            double e = ks * (dy * dy + dx * dx);
                            for (int ch = 0; ch < gc; ch++) {
                                double d = g[gi + ch * oh * ow] - sc[(ch * h + jy) * w + jx];
                                e += kc * d * d;
                            }
                            double wt = Math.exp(e);
                            for (int ch = 0; ch < c; ch++) {
                                float v = t[((nn * c + ch) * h + jy) * w + jx];
                                if (v == v || !skipMissing) {
                                    sum[ch] += wt * v;
                                    norm[ch] += wt;
                                }
                            }
                        }
                    }
                    for (int ch = 0; ch < c; ch++) {
                        int o = ((nn * c + ch) * oh + y) * ow + x;
                        out[o] = (float) (norm[ch] > 0 ? sum[ch] / norm[ch] : nearest(filled, nn * c + ch, h, w, y, x,
                                off));
                    }
                }
            });
        }
        return Tensor.of(out, b, c, oh, ow);
    }

    /** The colour each sample carries [gc, h, w]: the guide at a point sample, the block mean for an average. */
    private float[] sampleColors(float[] g, int n, int gc, int h, int w, int oh, int ow) {
        float[] out = new float[gc * h * w];
        int p = (factor - 1) / 2;
        for (int ch = 0; ch < gc; ch++) {
            int base = (n * gc + ch) * oh * ow;
            for (int jy = 0; jy < h; jy++) {
                for (int jx = 0; jx < w; jx++) {
                    double v;
                    if (sampling == Sampling.CENTER) {
                        v = g[base + (jy * factor + p) * ow + jx * factor + p];
                    } else {
                        double s = 0;
                        for (int dy = 0; dy < factor; dy++) {
                            for (int dx = 0; dx < factor; dx++) {
                                s += g[base + (jy * factor + dy) * ow + jx * factor + dx];
                            }
                        }
                        v = s / ((double) factor * factor);
                    }
                    out[(ch * h + jy) * w + jx] = (float) v;
                }
            }
        }
        return out;
    }

    /** The filled map's sample nearest to output pixel (y, x). */
    private float nearest(float[] filled, int plane, int h, int w, int y, int x, double off) {
        int jy = Math.clamp(Math.round((y - off) / factor), 0, h - 1);
        int jx = Math.clamp(Math.round((x - off) / factor), 0, w - 1);
        return filled[(plane * h + jy) * w + jx];
    }

    @Override
    public void close() {
    }
}
