package org.jpac.train;

import java.util.SplittableRandom;

/**
 * Fractal value noise (a sum of octaves of smoothly interpolated random
 * lattices, each octave half the size and amplitude {@code persistence} times
 * the previous): the 1/f-like spectrum that makes textures look like surfaces
 * in photographs rather than flat paint. Values are normalised to [0, 1].
 */
final class ValueNoise {

    private ValueNoise() {
    }

    /**
     * A noise field {@code [h, w]} in [0, 1] whose coarsest octave has cells of
     * {@code cell} pixels.
     */
    static float[] field(int h, int w, double cell, int octaves, double persistence, SplittableRandom rng) {
        float[] out = new float[h * w];
        double amp = 1;
        double size = Math.max(1, cell);
        for (int o = 0; o < octaves && size >= 1; o++) {
            addOctave(out, h, w, size, amp, rng);
            amp *= persistence;
            size /= 2;
        }
        normalise(out);
        return out;
    }

    private static void addOctave(float[] out, int h, int w, double cell, double amp, SplittableRandom rng) {
        int gh = (int) Math.ceil(h / cell) + 2;
        int gw = (int) Math.ceil(w / cell) + 2;
        double[] lattice = new double[gh * gw];
        for (int i = 0; i < lattice.length; i++) {
            lattice[i] = rng.nextDouble();
        }
        // a random offset so that octaves' lattice lines do not coincide
        double oy = rng.nextDouble();
        double ox = rng.nextDouble();
        for (int y = 0; y < h; y++) {
            double fy = y / cell + oy;
            int y0 = (int) fy;
            double ty = smooth(fy - y0);
            for (int x = 0; x < w; x++) {
                double fx = x / cell + ox;
                int x0 = (int) fx;
                double tx = smooth(fx - x0);
                double a = lattice[y0 * gw + x0] * (1 - tx) + lattice[y0 * gw + x0 + 1] * tx;
                double b = lattice[(y0 + 1) * gw + x0] * (1 - tx) + lattice[(y0 + 1) * gw + x0 + 1] * tx;
                out[y * w + x] += (float) (amp * (a * (1 - ty) + b * ty));
            }
        }
    }

    private static double smooth(double t) {
        return t * t * (3 - 2 * t);
    }

    private static void normalise(float[] v) {
        float lo = Float.MAX_VALUE;
        float hi = -Float.MAX_VALUE;
        for (float x : v) {
            lo = Math.min(lo, x);
            hi = Math.max(hi, x);
        }
        float span = hi - lo;
        for (int i = 0; i < v.length; i++) {
            v[i] = span > 0 ? (v[i] - lo) / span : 0.5f;
        }
    }
}
