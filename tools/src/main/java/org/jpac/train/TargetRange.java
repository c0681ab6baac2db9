package org.jpac.train;

import org.jpac.Tensor;

/**
 * The reference pipeline's target scaling for joint upsampling: each channel of
 * each image of the low-resolution target is mapped to [0, 1] by its minimum
 * and maximum (a flat channel by {@code [v - 0.5, v + 0.5]}); the network works
 * on scaled values and its output is mapped back. Training scales the
 * high-resolution target with the same ranges, so the loss is in scaled units.
 * ({@code jpac upsample} applies the same scaling by default.)
 */
public final class TargetRange {

    private final int batch;
    private final int channels;
    private final float[] lo;
    private final float[] span;

    private TargetRange(int batch, int channels, float[] lo, float[] span) {
        this.batch = batch;
        this.channels = channels;
        this.lo = lo;
        this.span = span;
    }

    /** The ranges of {@code targetLow} [B, C, h, w]. */
    public static TargetRange of(Tensor targetLow) {
        int b = (int) targetLow.dim(0);
        int c = (int) targetLow.dim(1);
        int hw = (int) (targetLow.dim(2) * targetLow.dim(3));
        float[] v = targetLow.toArray();
        float[] lo = new float[b * c];
        float[] span = new float[b * c];
        for (int k = 0; k < b * c; k++) {
            float mn = Float.POSITIVE_INFINITY;
            float mx = Float.NEGATIVE_INFINITY;
            for (int i = k * hw; i < (k + 1) * hw; i++) {
                if (v[i] == v[i]) {
                    mn = Math.min(mn, v[i]);
                    mx = Math.max(mx, v[i]);
                }
            }
            if (mn > mx) {
                mn = 0;
                mx = 0;
            }
            if (mn == mx) {
                mn -= 0.5f;
                mx += 0.5f;
            }
            lo[k] = mn;
            span[k] = mx - mn;
        }
        return new TargetRange(b, c, lo, span);
    }

    /** (x - min) / (max - min), per image and channel (a new tensor). */
    public Tensor apply(Tensor x) {
        return map(x, false);
    }

    /** x * (max - min) + min (a new tensor). */
    public Tensor undo(Tensor x) {
        return map(x, true);
    }

    private Tensor map(Tensor x, boolean inverse) {
        if (x.rank() != 4 || x.dim(0) != batch || x.dim(1) != channels) {
            throw new IllegalArgumentException("x: expected [" + batch + ", " + channels + ", H, W], got "
                    + java.util.Arrays.toString(x.shape()));
        }
        int hw = (int) (x.dim(2) * x.dim(3));
        float[] v = x.toArray();
        for (int k = 0; k < batch * channels; k++) {
            float l = lo[k];
            float s = span[k];
            for (int i = k * hw; i < (k + 1) * hw; i++) {
                v[i] = inverse ? v[i] * s + l : (v[i] - l) / s;
            }
        }
        return Tensor.of(v, x.shape());
    }

    /** The batch with target and low-resolution target scaled (a new batch; the guide is copied). */
    public static Batch scaled(Batch b) {
        TargetRange r = of(b.targetLow());
        Tensor g = b.guide().copy();
        Tensor t = null;
        try {
            t = r.apply(b.target());
            return new Batch(g, t, r.apply(b.targetLow()));
        } catch (RuntimeException | Error e) {
            g.close();
            if (t != null) {
                t.close();
            }
            throw e;
        }
    }
}
