package org.jpac.cli;

import org.jpac.io.images.Image;

/**
 * The reference's target scaling for joint upsampling: each channel of the
 * low-resolution target mapped to [0, 1] by its minimum and maximum (a flat
 * channel gets the range {@code [v - 0.5, v + 0.5]}), and the network's output
 * mapped back.
 *
 * <p>The arithmetic is in double: a channel spanning -3e38..3e38 has a width
 * beyond float32's range, which in float would turn every value into NaN. The
 * range is taken over the finite values only, so NaN and infinity (kept with
 * {@code --allow-nonfinite}) stay where they are instead of spoiling the rest.
 * Mapping back can still leave float32's range when the network's output lies
 * far outside [0, 1]; the commands check results before writing them.
 */
final class Normalize {

    private Normalize() {
    }

    /** Per channel {min, max - min} of the finite values. */
    static double[][] range(Image img) {
        int n = img.pixels();
        double[][] r = new double[img.channels()][];
        for (int c = 0; c < img.channels(); c++) {
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (int i = c * n; i < (c + 1) * n; i++) {
                float v = img.data()[i];
                if (Float.isFinite(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
            if (lo > hi) { // nothing finite
                lo = 0;
                hi = 0;
            }
            if (lo == hi) {
                lo -= 0.5;
                hi += 0.5;
            }
            r[c] = new double[] {lo, hi - lo};
        }
        return r;
    }

    static Image apply(Image img, double[][] range) {
        return map(img, range, false);
    }

    static Image undo(Image img, double[][] range) {
        return map(img, range, true);
    }

    private static Image map(Image img, double[][] range, boolean inverse) {
        int n = img.pixels();
        float[] d = new float[img.data().length];
        for (int c = 0; c < img.channels(); c++) {
            double lo = range[c][0];
            double s = range[c][1];
            for (int i = c * n; i < (c + 1) * n; i++) {
                double v = img.data()[i];
                d[i] = (float) (inverse ? v * s + lo : (v - lo) / s);
            }
        }
        return Image.of(d, img.channels(), img.height(), img.width());
    }
}
