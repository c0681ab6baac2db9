package org.jpac.cli;

import org.jpac.io.images.Image;

/**
 * The reference's target scaling for joint upsampling: each channel of the
 * low-resolution target mapped to [0, 1] by its minimum and maximum (a flat
 * channel gets the range {@code [v - 0.5, v + 0.5]}), and the network's output
 * mapped back.
 */
final class Normalize {

    private Normalize() {
    }

    /** Per channel {min, max - min}. */
    static float[][] range(Image img) {
        int n = img.pixels();
        float[][] r = new float[img.channels()][];
        for (int c = 0; c < img.channels(); c++) {
            float lo = Float.POSITIVE_INFINITY;
            float hi = Float.NEGATIVE_INFINITY;
            for (int i = c * n; i < (c + 1) * n; i++) {
                float v = img.data()[i];
                if (v == v) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
            if (lo > hi) { // all NaN
                lo = 0;
                hi = 0;
            }
            if (lo == hi) {
                lo -= 0.5f;
                hi += 0.5f;
            }
            r[c] = new float[] {lo, hi - lo};
        }
        return r;
    }

    static Image apply(Image img, float[][] range) {
        return map(img, range, false);
    }

    static Image undo(Image img, float[][] range) {
        return map(img, range, true);
    }

    private static Image map(Image img, float[][] range, boolean inverse) {
        int n = img.pixels();
        float[] d = new float[img.data().length];
        for (int c = 0; c < img.channels(); c++) {
            float lo = range[c][0];
            float s = range[c][1];
            for (int i = c * n; i < (c + 1) * n; i++) {
                float v = img.data()[i];
                d[i] = inverse ? v * s + lo : (v - lo) / s;
            }
        }
        return Image.of(d, img.channels(), img.height(), img.width());
    }
}
