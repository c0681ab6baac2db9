package org.jpac.train;

import java.util.List;

import org.jpac.Tensor;

/**
 * A batch for joint upsampling: {@code guide} [B, 3, H, W], {@code target}
 * [B, C, H, W] and {@code targetLow} [B, C, H / f, W / f], the target
 * downsampled by area averaging over f x f blocks, or as a {@link LowResProtocol}
 * says (point samples, holes marked NaN), and divided by f when the
 * target's values scale with the resolution, as optical flow does. Closing
 * the batch closes the three tensors.
 *
 * @param guide the guide images [B, 3, H, W]
 * @param target the full-resolution targets [B, C, H, W]
 * @param targetLow the downsampled targets [B, C, H / f, W / f]
 */
public record Batch(Tensor guide, Tensor target, Tensor targetLow) implements AutoCloseable {

    /** Stacks equally sized samples and makes the low-resolution target by area averaging. */
    public static Batch of(List<Sample> samples, int factor, boolean divideByFactor) {
        return of(samples, factor, divideByFactor, null);
    }

    /**
     * Stacks equally sized samples with their low-resolution targets {@code lows}
     * ([C, H / f, W / f] each, e.g. from {@link LowResProtocol#make}); null: area averages.
     */
    public static Batch of(List<Sample> samples, int factor, boolean divideByFactor, List<float[]> lows) {
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("samples: need at least one");
        }
        Sample s0 = samples.get(0);
        int c = s0.channels();
        int h = s0.height();
        int w = s0.width();
        if (factor < 1 || h % factor != 0 || w % factor != 0) {
            throw new IllegalArgumentException("factor: " + h + "x" + w + " is not divisible by " + factor);
        }
        int b = samples.size();
        int hl = h / factor;
        int wl = w / factor;
        float[] guide = new float[b * 3 * h * w];
        float[] target = new float[b * c * h * w];
        float[] low = new float[b * c * hl * wl];
        float norm = 1f / (factor * factor) / (divideByFactor ? factor : 1);
        for (int n = 0; n < b; n++) {
            Sample s = samples.get(n);
            if (s.channels() != c || s.height() != h || s.width() != w) {
                throw new IllegalArgumentException("samples: sample " + n + " is " + s.channels() + "x" + s.height()
                        + "x" + s.width() + ", sample 0 " + c + "x" + h + "x" + w);
            }
            System.arraycopy(s.guide(), 0, guide, n * 3 * h * w, 3 * h * w);
            System.arraycopy(s.target(), 0, target, n * c * h * w, c * h * w);
            if (lows == null) {
                areaDown(s.target(), c, h, w, factor, norm, low, n * c * hl * wl);
            } else {
                float[] l = lows.get(n);
                if (l.length != c * hl * wl) {
                    throw new IllegalArgumentException("lows: sample " + n + " has " + l.length + " values, expected "
                            + c + "x" + hl + "x" + wl);
                }
                System.arraycopy(l, 0, low, n * c * hl * wl, l.length);
            }
        }
        Tensor tg = Tensor.of(guide, b, 3, h, w);
        Tensor tt = null;
        try {
            tt = Tensor.of(target, b, c, h, w);
            return new Batch(tg, tt, Tensor.of(low, b, c, hl, wl));
        } catch (RuntimeException | Error e) {
            tg.close();
            if (tt != null) {
                tt.close();
            }
            throw e;
        }
    }

    /**
     * The low-resolution version of one [h, w] plane that training and evaluation
     * use: averages of {@code factor x factor} blocks ([h / factor, w / factor]).
     */
    public static float[] areaDownsample(float[] plane, int h, int w, int factor) {
        if (factor < 1 || plane.length != h * w) {
            throw new IllegalArgumentException("plane/factor: expected " + h + "x" + w + " values and factor >= 1, got "
                    + plane.length + " values and factor " + factor);
        }
        float[] out = new float[(h / factor) * (w / factor)];
        areaDown(plane, 1, h, w, factor, 1f / (factor * factor), out, 0);
        return out;
    }

    /** Block averages (times norm * f^2) of planar [c, h, w] into out at offset. */
    static void areaDown(float[] src, int c, int h, int w, int f, float norm, float[] out, int offset) {
        int hl = h / f;
        int wl = w / f;
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < hl; y++) {
                for (int x = 0; x < wl; x++) {
                    double sum = 0;
                    for (int dy = 0; dy < f; dy++) {
                        int row = (ch * h + y * f + dy) * w + x * f;
                        for (int dx = 0; dx < f; dx++) {
                            sum += src[row + dx];
                        }
                    }
                    out[offset + (ch * hl + y) * wl + x] = (float) (sum * norm);
                }
            }
        }
    }

    /**
     * This batch with the holes (NaN) of its low-resolution target filled as
     * networks see them ({@link org.jpac.nn.DepthHoles#filled}); a new batch.
     */
    public Batch withHolesFilled() {
        Tensor g = guide.copy();
        Tensor t = null;
        try {
            t = target.copy();
            return new Batch(g, t, org.jpac.nn.DepthHoles.filled(targetLow));
        } catch (RuntimeException | Error e) {
            g.close();
            if (t != null) {
                t.close();
            }
            throw e;
        }
    }

    /**
     * The number of examples (B).
     *
     * @return the batch size
     */
    public int size() {
        return (int) guide.dim(0);
    }

    @Override
    public void close() {
        guide.close();
        target.close();
        targetLow.close();
    }
}
