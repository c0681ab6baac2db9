package org.jpac.cli;

import java.util.SplittableRandom;

/**
 * A deterministic RGB-D scene with labels, for the demo and the tests: a back
 * wall and a tiled floor in perspective, a ball, a slanted box and a pillar in
 * front of it, overlapping at different depths. Colour edges mostly agree with
 * depth edges (each object has its own colour, shaded by depth), with some
 * texture that does not (wall stripes, floor tiles, box stripes).
 */
final class SyntheticScene {

    static final String[] CLASSES = {"wall", "floor", "ball", "box", "pillar"};

    final int height;
    final int width;
    /** [3, H, W] in [0, 1]. */
    final float[] rgb;
    /** [H, W] in metres. */
    final float[] depth;
    /** [H, W] class index into {@link #CLASSES}. */
    final int[] labels;

    private SyntheticScene(int height, int width) {
        this.height = height;
        this.width = width;
        rgb = new float[3 * height * width];
        depth = new float[height * width];
        labels = new int[height * width];
    }

    /** The scene at {@code width x height}. */
    static SyntheticScene render(int height, int width) {
        SyntheticScene s = new SyntheticScene(height, width);
        int plane = height * width;
        double horizon = 0.5 * height;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double u = x / (double) width;
                double v = y / (double) height;
                // back wall: 7 m, with two painted stripes
                double z = 7.0;
                double r = 0.80;
                double g = 0.76;
                double b = 0.68;
                int label = 0;
                if (Math.abs(v - 0.18) < 0.025 || Math.abs(v - 0.25) < 0.01) {
                    r = 0.55;
                    g = 0.35;
                    b = 0.30;
                }
                // floor: a plane in perspective, z = 0.84 / (v - 0.5), meeting the wall at 7 m
                double zf = (y + 0.5 - horizon) > 0 ? 0.84 * height / (y + 0.5 - horizon) : Double.MAX_VALUE;
                if (zf < z) {
                    z = zf;
                    label = 1;
                    // tiles of about 0.5 m, in floor coordinates
                    double fx = (u - 0.5) * z * 1.2;
                    double fz = z;
                    boolean dark = ((int) Math.floor(fx / 0.5) + (int) Math.floor(fz / 0.5)) % 2 == 0;
                    double t = dark ? 0.82 : 1.0;
                    r = 0.52 * t;
                    g = 0.42 * t;
                    b = 0.30 * t;
                }
                // box: slanted front face, 3.4 m on the left to 4.2 m on the right
                double bx0 = 0.48 * width;
                double bx1 = 0.86 * width;
                double by0 = 0.30 * height;
                double by1 = 0.72 * height;
                if (x >= bx0 && x < bx1 && y >= by0 && y < by1) {
                    double t = (x - bx0) / (bx1 - bx0);
                    double zb = 3.4 + 0.8 * t;
                    if (zb < z) {
                        z = zb;
                        label = 3;
                        boolean stripe = ((int) ((y - by0) / (height * 0.06))) % 3 == 0;
                        double shade = 1.0 - 0.25 * t;
                        r = (stripe ? 0.15 : 0.20) * shade;
                        g = (stripe ? 0.45 : 0.55) * shade;
                        b = (stripe ? 0.70 : 0.85) * shade;
                    }
                }
                // ball: a sphere of radius 0.6 m at 3.0 m, left of centre
                double cx = 0.27 * width;
                double cy = 0.58 * height;
                double rad = 0.20 * height;
                double dx = (x - cx) / rad;
                double dy = (y - cy) / rad;
                double d2 = dx * dx + dy * dy;
                if (d2 < 1) {
                    double zs = 3.0 - 0.6 * Math.sqrt(1 - d2);
                    if (zs < z) {
                        z = zs;
                        label = 2;
                        double light = 0.55 + 0.45 * Math.max(0, -0.5 * dx - 0.6 * dy + 0.62 * Math.sqrt(1 - d2));
                        r = 0.90 * light;
                        g = 0.30 * light;
                        b = 0.18 * light;
                    }
                }
                // pillar: 2.2 m, in front of the box's left part
                double px0 = 0.56 * width;
                double px1 = 0.64 * width;
                if (x >= px0 && x < px1 && y >= 0.08 * height && y < 0.88 * height) {
                    double t = (x - px0) / (px1 - px0);
                    double zp = 2.2 + 0.08 * Math.cos(Math.PI * (t - 0.5)) * -1;
                    if (zp < z) {
                        z = zp;
                        label = 4;
                        double light = 0.6 + 0.4 * Math.sin(Math.PI * t);
                        r = 0.85 * light;
                        g = 0.80 * light;
                        b = 0.25 * light;
                    }
                }
                // a little depth-dependent haze
                double haze = 0.06 * (z - 1.0) / 6.0;
                int i = y * width + x;
                s.rgb[i] = (float) (r * (1 - haze) + 0.7 * haze);
                s.rgb[plane + i] = (float) (g * (1 - haze) + 0.75 * haze);
                s.rgb[2 * plane + i] = (float) (b * (1 - haze) + 0.8 * haze);
                s.depth[i] = (float) z;
                s.labels[i] = label;
            }
        }
        return s;
    }

    /**
     * Depth averaged over {@code factor x factor} blocks, the low-resolution input
     * jpac's upsamplers are trained on: {@code [H / f, W / f]}.
     */
    float[] lowDepth(int factor) {
        return org.jpac.train.Batch.areaDownsample(depth, height, width, factor);
    }

    /**
     * Class scores of a coarse, noisy segmenter: the one-hot labels averaged over
     * {@code block x block} cells (blurring the boundaries), spread back with a
     * bilinear-like tent, plus gaussian noise, as log-probabilities:
     * {@code [C, H, W]}.
     */
    float[] noisyScores(int block, double noise, long seed) {
        int c = CLASSES.length;
        int plane = height * width;
        int bh = (height + block - 1) / block;
        int bw = (width + block - 1) / block;
        double[] coarse = new double[c * bh * bw];
        int[] count = new int[bh * bw];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int cell = (y / block) * bw + x / block;
                coarse[labels[y * width + x] * bh * bw + cell]++;
                count[cell]++;
            }
        }
        for (int k = 0; k < c; k++) {
            for (int cell = 0; cell < bh * bw; cell++) {
                coarse[k * bh * bw + cell] /= count[cell];
            }
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] out = new float[c * plane];
        for (int y = 0; y < height; y++) {
            double fy = Math.min(Math.max((y + 0.5) / block - 0.5, 0), bh - 1);
            int y0 = (int) Math.floor(fy);
            int y1 = Math.min(y0 + 1, bh - 1);
            double ty = fy - y0;
            for (int x = 0; x < width; x++) {
                double fx = Math.min(Math.max((x + 0.5) / block - 0.5, 0), bw - 1);
                int x0 = (int) Math.floor(fx);
                int x1 = Math.min(x0 + 1, bw - 1);
                double tx = fx - x0;
                for (int k = 0; k < c; k++) {
                    int base = k * bh * bw;
                    double p = (1 - ty) * ((1 - tx) * coarse[base + y0 * bw + x0] + tx * coarse[base + y0 * bw + x1])
                            + ty * ((1 - tx) * coarse[base + y1 * bw + x0] + tx * coarse[base + y1 * bw + x1]);
                    out[k * plane + y * width + x] = (float) (Math.log(p + 0.02) + noise * gaussian(rnd));
                }
            }
        }
        return out;
    }

    private static double gaussian(SplittableRandom r) {
        double u = 1 - r.nextDouble();
        double v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
}
