package org.jpac.nn;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * How a low-resolution depth map was made from the full-resolution one, and so
 * where each of its samples sits in its {@code f x f} block: {@link #CENTER}, one
 * point sample per block at pixel {@code (f - 1) / 2} (integer division; the
 * protocol of the paper's NYU experiments, and what a low-resolution sensor
 * resembles), or {@link #AREA}, the block's average, which belongs to the
 * block's centre {@code (f - 1) / 2.0}. For even factors the two positions are
 * half a pixel apart, and point samples are noisier and alias edges where
 * averages blur them, so a model trained for one protocol may fail on the other.
 */
public enum Sampling {
    /** One sample per block, at pixel (f - 1) / 2 of the block (integer division). */
    CENTER,
    /** The block's average, centred on the block. */
    AREA;

    /** The lower-case name used on the command line and in weight files. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Where a sample sits in its block, in full-resolution pixels from the
     * centre of the block's first pixel: {@code floor((f - 1) / 2)} for CENTER,
     * {@code (f - 1) / 2} for AREA.
     */
    public double offset(int factor) {
        checkFactor(factor);
        return this == CENTER ? (factor - 1) / 2 : (factor - 1) / 2.0;
    }

    /** The protocol named {@code s} ({@code center} or {@code area}); {@code what} names the argument in errors. */
    public static Sampling parse(String s, String what) {
        if (s != null) {
            for (Sampling m : values()) {
                if (m.key().equals(s.trim())) {
                    return m;
                }
            }
        }
        throw new IllegalArgumentException(what + ": expected 'center' or 'area', got '" + s + "'");
    }

    /** A comma-separated set ({@code center,area}); {@code what} names the argument in errors. */
    public static Set<Sampling> parseSet(String s, String what) {
        if (s == null || s.isBlank()) {
            throw new IllegalArgumentException(what + ": expected 'center', 'area' or 'center,area', got '" + s + "'");
        }
        Set<Sampling> out = EnumSet.noneOf(Sampling.class);
        for (String part : s.split(",")) {
            out.add(parse(part, what));
        }
        return out;
    }

    /** The set as written in weight files: {@code center}, {@code area} or {@code center,area}. */
    public static String format(Set<Sampling> set) {
        StringBuilder b = new StringBuilder();
        for (Sampling m : values()) {
            if (set.contains(m)) {
                b.append(b.isEmpty() ? "" : ",").append(m.key());
            }
        }
        return b.toString();
    }

    /**
     * Downsamples planar {@code src} [c, h, w] by {@code factor} into {@code out}
     * [c, h / f, w / f] at {@code offset}, every value times {@code scale}
     * (e.g. 1 / f for optical flow). A remainder of h or w is dropped.
     */
    public void downsample(float[] src, int c, int h, int w, int factor, double scale, float[] out, int offset) {
        checkFactor(factor);
        int hl = h / factor;
        int wl = w / factor;
        if (src.length < (long) c * h * w || out.length < offset + (long) c * hl * wl) {
            throw new IllegalArgumentException("src/out: too short for " + c + "x" + h + "x" + w + " by " + factor);
        }
        int p = (factor - 1) / 2;
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < hl; y++) {
                for (int x = 0; x < wl; x++) {
                    double v;
                    if (this == CENTER) {
                        v = src[(ch * h + y * factor + p) * w + x * factor + p];
                    } else {
                        double sum = 0;
                        for (int dy = 0; dy < factor; dy++) {
                            int row = (ch * h + y * factor + dy) * w + x * factor;
                            for (int dx = 0; dx < factor; dx++) {
                                sum += src[row + dx];
                            }
                        }
                        v = sum / ((double) factor * factor);
                    }
                    out[offset + (ch * hl + y) * wl + x] = (float) (v * scale);
                }
            }
        }
    }

    /** One plane [h, w] downsampled by {@code factor} (a new [h / f, w / f] array). */
    public float[] downsample(float[] plane, int h, int w, int factor) {
        if (plane.length != (long) h * w) {
            throw new IllegalArgumentException("plane: expected " + h + "x" + w + " values, got " + plane.length);
        }
        checkFactor(factor);
        float[] out = new float[(h / factor) * (w / factor)];
        downsample(plane, 1, h, w, factor, 1, out, 0);
        return out;
    }

    private static void checkFactor(int factor) {
        if (factor < 1) {
            throw new IllegalArgumentException("factor: must be >= 1, got " + factor);
        }
    }
}
