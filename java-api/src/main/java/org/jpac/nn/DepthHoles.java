package org.jpac.nn;

import org.jpac.Tensor;
import org.jpac.internal.TensorAccess;

/**
 * Missing samples (holes) in a low-resolution depth map, marked NaN: a sensor's
 * dropouts (a Kinect frame has about a tenth of them, mostly beside occlusion
 * edges and on dark or shiny surfaces). Networks need a value everywhere, so
 * {@link #filled} fills each hole from the nearest known samples, ring by ring
 * inwards (the mean of the already known 8-neighbours), so a hole takes values
 * of its own border, never 0. The linear baselines skip holes instead
 * ({@link SampledBilinear}, {@link SampledJointBilateral}).
 */
public final class DepthHoles {

    private DepthHoles() {
    }

    /** Whether a value is missing (NaN). */
    public static boolean missing(float v) {
        return v != v;
    }

    /** The number of missing (NaN) values. */
    public static long count(float[] values) {
        long n = 0;
        for (float v : values) {
            if (v != v) {
                n++;
            }
        }
        return n;
    }

    /**
     * A copy of planar {@code values} [planes, h, w] with every NaN filled, plane
     * by plane, from its known neighbours (nearest first).
     *
     * @throws IllegalArgumentException if a plane has no known value at all
     */
    public static float[] filled(float[] values, int planes, int h, int w) {
        if (planes < 1 || h < 1 || w < 1 || values.length != (long) planes * h * w) {
            throw new IllegalArgumentException("values: expected " + planes + "x" + h + "x" + w + " values, got "
                    + values.length);
        }
        float[] out = values.clone();
        int hw = h * w;
        int[] ring = new int[hw];
        int[] next = new int[hw];
        boolean[] known = new boolean[hw];
        for (int p = 0; p < planes; p++) {
            int base = p * hw;
            int holes = 0;
            for (int i = 0; i < hw; i++) {
                known[i] = out[base + i] == out[base + i];
                if (!known[i]) {
                    holes++;
                }
            }
            if (holes == 0) {
                continue;
            }
            if (holes == hw) {
                throw new IllegalArgumentException("low: every sample of plane " + p + " is missing (NaN or a hole); "
                        + "nothing to upsample");
            }
            // the first ring: holes touching a known sample
            int n = 0;
            for (int i = 0; i < hw; i++) {
                if (!known[i] && touchesKnown(known, i, h, w)) {
                    ring[n++] = i;
                }
            }
            boolean[] queued = new boolean[hw];
            for (int k = 0; k < n; k++) {
                queued[ring[k]] = true;
            }
            while (n > 0) {
                // every pixel of a ring is filled from the rings before it only
                float[] vals = new float[n];
                for (int k = 0; k < n; k++) {
                    vals[k] = meanOfKnown(out, base, known, ring[k], h, w);
                }
                for (int k = 0; k < n; k++) {
                    out[base + ring[k]] = vals[k];
                    known[ring[k]] = true;
                }
                int m = 0;
                for (int k = 0; k < n; k++) {
                    int i = ring[k];
                    int y = i / w;
                    int x = i % w;
                    for (int dy = -1; dy <= 1; dy++) {
                        for (int dx = -1; dx <= 1; dx++) {
                            int yy = y + dy;
                            int xx = x + dx;
                            if (yy >= 0 && yy < h && xx >= 0 && xx < w) {
                                int j = yy * w + xx;
                                if (!known[j] && !queued[j]) {
                                    queued[j] = true;
                                    next[m++] = j;
                                }
                            }
                        }
                    }
                }
                int[] t = ring;
                ring = next;
                next = t;
                n = m;
            }
        }
        return out;
    }

    /** {@code low} [B, C, h, w] with its NaN filled (a new tensor), or a copy when it has none. */
    public static Tensor filled(Tensor low) {
        StdOps.nchw(low, "low");
        float[] v = low.toArray();
        if (count(v) == 0) {
            return Tensor.of(v, low.shape());
        }
        return Tensor.of(filled(v, Math.toIntExact(low.dim(0) * low.dim(1)), Math.toIntExact(low.dim(2)),
                Math.toIntExact(low.dim(3))), low.shape());
    }

    /** Whether a tensor holds a NaN (read in place: no copy on the Java heap). */
    public static boolean any(Tensor t) {
        java.lang.foreign.MemorySegment s = TensorAccess.data(t, "t");
        long n = t.numel();
        for (long i = 0; i < n; i++) {
            float v = s.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i);
            if (v != v) {
                return true;
            }
        }
        return false;
    }

    private static boolean touchesKnown(boolean[] known, int i, int h, int w) {
        int y = i / w;
        int x = i % w;
        for (int dy = -1; dy <= 1; dy++) {
            for (int dx = -1; dx <= 1; dx++) {
                int yy = y + dy;
                int xx = x + dx;
                if (yy >= 0 && yy < h && xx >= 0 && xx < w && known[yy * w + xx]) {
                    return true;
                }
            }
        }
        return false;
    }

    private static float meanOfKnown(float[] v, int base, boolean[] known, int i, int h, int w) {
        int y = i / w;
        int x = i % w;
        double sum = 0;
        int n = 0;
        for (int dy = -1; dy <= 1; dy++) {
            for (int dx = -1; dx <= 1; dx++) {
                int yy = y + dy;
                int xx = x + dx;
                if (yy >= 0 && yy < h && xx >= 0 && xx < w && known[yy * w + xx]) {
                    sum += v[base + yy * w + xx];
                    n++;
                }
            }
        }
        return (float) (sum / n);
    }
}
