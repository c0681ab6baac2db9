package org.jpac.train;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Synthetic RGB-D scenes for training and testing depth upsampling,
 * deterministic by seed and scene id: a slanted background plane (or a floor
 * and a back wall) and 3 to 10 overlapping shapes (rectangles, bars, ellipses,
 * triangles) at different depths, each a tilted plane with a textured surface
 * (flat, gradient, stripes, checkerboard, smooth blobs), painted far to near.
 * Colour edges mostly but not always agree with depth edges: a shape may wear
 * the texture of the surface behind it (a depth edge without a colour edge),
 * "decals" change the colour but not the depth (colour edges without depth
 * edges), and textures have edges of their own. The camera blurs the colour
 * slightly; sensor noise is added to colour (Gaussian) and depth (Gaussian with
 * a standard deviation growing with depth squared, as structured-light sensors).
 * Depth is in metres, about 0.7 to 10.
 *
 * <p>{@link #sample} generates scene {@code id} at 1.5 times the crop size and
 * cuts a random crop from it. Thread-safe (no mutable state).
 */
public final class SyntheticRgbd extends GeneratedScenes {

    /** The seed of the held-out test set ({@code jpac eval --synthetic}, the models README's tables). */
    public static final long HELD_OUT_SEED = 0x5EED_0F_7E57L;

    /**
     * The seed of the validation scenes that training runs report after each epoch
     * (and that runs are picked by): other scenes than the held-out test set's, so
     * that picking a run does not tune it to the scenes it is measured on.
     */
    public static final long VALIDATION_SEED = 0x5EED_0F_7A11L;

    private static final int FLAT = 0;
    private static final int GRADIENT = 1;
    private static final int STRIPES = 2;
    private static final int CHECKER = 3;
    private static final int BLOBS = 4;

    private final long seed;

    /**
     * Scenes generated from {@code seed}.
     *
     * @param seed the seed of every scene
     */
    public SyntheticRgbd(long seed) {
        this.seed = seed;
    }

    /** The seed of every scene. */
    public long seed() {
        return seed;
    }

    @Override
    public String describe() {
        return "synthetic RGB-D (seed " + seed + ")";
    }

    @Override
    public Sample scene(long id, int height, int width) {
        checkSize(height, width);
        SplittableRandom r = new SplittableRandom(mix(seed) ^ mix(id * 0x9E3779B97F4A7C15L + 1));
        int h = height;
        int w = width;
        float[] depth = new float[h * w];
        float[] rgb = new float[3 * h * w];
        double s = Math.min(h, w);

        // background: one slanted plane, or a floor below a back wall
        double far = 4 + 6 * r.nextDouble();
        Plane wall = new Plane(w / 2.0, h / 2.0, far, (r.nextDouble() - 0.5) * 0.6 * far / s,
                (r.nextDouble() - 0.5) * 0.6 * far / s);
        Texture wallTex = texture(r, s);
        boolean room = r.nextDouble() < 0.5;
        double horizon = h * (0.45 + 0.35 * r.nextDouble());
        Texture floorTex = texture(r, s);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double d = wall.at(x, y);
                Texture t = wallTex;
                if (room && y > horizon) {
                    // the floor comes closer towards the bottom of the image
                    double fd = far / (1 + 3.0 * (y - horizon) / s);
                    if (fd < d) {
                        d = fd;
                        t = floorTex;
                    }
                }
                int i = y * w + x;
                depth[i] = (float) d;
                t.paint(x, y, d, rgb, i, h * w);
            }
        }

        // shapes, painted far to near
        int n = 3 + r.nextInt(8);
        List<Shape> shapes = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            shapes.add(shape(r, w, h, s, far, wallTex));
        }
        shapes.sort(Comparator.comparingDouble((Shape sh) -> sh.plane.d0).reversed());
        for (Shape sh : shapes) {
            int x0 = Math.max(0, (int) Math.floor(sh.cx - sh.radius()));
            int x1 = Math.min(w - 1, (int) Math.ceil(sh.cx + sh.radius()));
            int y0 = Math.max(0, (int) Math.floor(sh.cy - sh.radius()));
            int y1 = Math.min(h - 1, (int) Math.ceil(sh.cy + sh.radius()));
            for (int y = y0; y <= y1; y++) {
                for (int x = x0; x <= x1; x++) {
                    if (!sh.inside(x + 0.5, y + 0.5)) {
                        continue;
                    }
                    int i = y * w + x;
                    if (!sh.decal) {
                        depth[i] = (float) Math.max(0.5, sh.plane.at(x, y));
                    }
                    sh.texture.paint(x, y, depth[i], rgb, i, h * w);
                }
            }
        }

        blur3(rgb, 3, h, w);
        double colorNoise = 0.005 + 0.02 * r.nextDouble();
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = (float) Math.min(1, Math.max(0, rgb[i] + colorNoise * r.nextGaussian()));
        }
        double depthNoise = 0.0002 + 0.0008 * r.nextDouble();
        for (int i = 0; i < depth.length; i++) {
            double d = depth[i];
            depth[i] = (float) Math.max(0.3, d + depthNoise * d * d * r.nextGaussian());
        }
        return new Sample(rgb, depth, 1, h, w);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    private static Shape shape(SplittableRandom r, int w, int h, double s, double far, Texture behind) {
        double cx = w * r.nextDouble();
        double cy = h * r.nextDouble();
        double d0 = 0.7 + (far - 1.0) * r.nextDouble();
        double slope = 0.4 * d0 / s;
        Plane plane = new Plane(cx, cy, d0, (r.nextDouble() - 0.5) * slope, (r.nextDouble() - 0.5) * slope);
        int kind = r.nextInt(4);
        double a = s * (0.04 + 0.3 * r.nextDouble());
        double b = kind == 1 ? s * (0.01 + 0.03 * r.nextDouble()) : s * (0.04 + 0.3 * r.nextDouble());
        double angle = Math.PI * r.nextDouble();
        double u = r.nextDouble();
        boolean camouflage = u < 0.15;
        boolean decal = u >= 0.15 && u < 0.35;
        Texture t = camouflage ? behind : texture(r, s);
        double[] tri = new double[6];
        for (int k = 0; k < 3; k++) {
            double ang = angle + k * 2 * Math.PI / 3 + (r.nextDouble() - 0.5);
            double rad = a * (0.5 + 0.5 * r.nextDouble());
            tri[2 * k] = cx + rad * Math.cos(ang);
            tri[2 * k + 1] = cy + rad * Math.sin(ang);
        }
        return new Shape(kind, cx, cy, a, b, angle, tri, plane, t, decal);
    }

    private static Texture texture(SplittableRandom r, double s) {
        int type = r.nextInt(5);
        float[] c1 = color(r);
        float[] c2 = color(r);
        double period = s * (0.03 + 0.15 * r.nextDouble());
        double angle = Math.PI * r.nextDouble();
        double[] blob = new double[9];
        for (int k = 0; k < 3; k++) {
            double ang = Math.PI * r.nextDouble();
            double freq = 2 * Math.PI / (s * (0.1 + 0.4 * r.nextDouble()));
            blob[3 * k] = Math.cos(ang) * freq;
            blob[3 * k + 1] = Math.sin(ang) * freq;
            blob[3 * k + 2] = 2 * Math.PI * r.nextDouble();
        }
        return new Texture(type, c1, c2, period, angle, r.nextDouble() < 0.5, blob, 0.7 + 0.3 * r.nextDouble(),
                s);
    }

    private static float[] color(SplittableRandom r) {
        return new float[] {(float) (0.05 + 0.9 * r.nextDouble()), (float) (0.05 + 0.9 * r.nextDouble()),
                (float) (0.05 + 0.9 * r.nextDouble())};
    }

    /** 3x3 binomial blur of each plane, edges clamped (the camera's slight blur). */
    static void blur3(float[] img, int c, int h, int w) {
        float[] tmp = new float[h * w];
        for (int ch = 0; ch < c; ch++) {
            int o = ch * h * w;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int xl = Math.max(0, x - 1);
                    int xr = Math.min(w - 1, x + 1);
                    tmp[y * w + x] = 0.25f * img[o + y * w + xl] + 0.5f * img[o + y * w + x] + 0.25f * img[o + y * w + xr];
                }
            }
            for (int y = 0; y < h; y++) {
                int yu = Math.max(0, y - 1);
                int yd = Math.min(h - 1, y + 1);
                for (int x = 0; x < w; x++) {
                    img[o + y * w + x] = 0.25f * tmp[yu * w + x] + 0.5f * tmp[y * w + x] + 0.25f * tmp[yd * w + x];
                }
            }
        }
    }

    /** Depth d0 at (cx, cy), changing by gx per column and gy per row. */
    private record Plane(double cx, double cy, double d0, double gx, double gy) {
        double at(double x, double y) {
            return d0 + gx * (x - cx) + gy * (y - cy);
        }
    }

    private record Shape(int kind, double cx, double cy, double a, double b, double angle, double[] tri,
                         Plane plane, Texture texture, boolean decal) {
        double radius() {
            return Math.max(a, b) * 1.5;
        }

        boolean inside(double x, double y) {
            double dx = x - cx;
            double dy = y - cy;
            double cos = Math.cos(angle);
            double sin = Math.sin(angle);
            double u = dx * cos + dy * sin;
            double v = -dx * sin + dy * cos;
            return switch (kind) {
                case 0, 1 -> Math.abs(u) <= a && Math.abs(v) <= b;
                case 2 -> (u * u) / (a * a) + (v * v) / (b * b) <= 1;
                default -> inTriangle(x, y);
            };
        }

        private boolean inTriangle(double x, double y) {
            double d1 = side(x, y, tri[0], tri[1], tri[2], tri[3]);
            double d2 = side(x, y, tri[2], tri[3], tri[4], tri[5]);
            double d3 = side(x, y, tri[4], tri[5], tri[0], tri[1]);
            boolean neg = d1 < 0 || d2 < 0 || d3 < 0;
            boolean pos = d1 > 0 || d2 > 0 || d3 > 0;
            return !(neg && pos);
        }

        private static double side(double x, double y, double ax, double ay, double bx, double by) {
            return (x - bx) * (ay - by) - (ax - bx) * (y - by);
        }
    }

    private record Texture(int type, float[] c1, float[] c2, double period, double angle, boolean hard,
                           double[] blob, double brightness, double scale) {
        /** Writes the colour at (x, y), shaded by depth d, into planar rgb at pixel i (plane size hw). */
        void paint(int x, int y, double d, float[] rgb, int i, int hw) {
            double t;
            double u = x * Math.cos(angle) + y * Math.sin(angle);
            double v = -x * Math.sin(angle) + y * Math.cos(angle);
            switch (type) {
                case FLAT -> t = 0;
                case GRADIENT -> t = Math.min(1, Math.max(0, 0.5 + (u - scale / 2) / scale));
                case STRIPES -> {
                    double sv = Math.sin(2 * Math.PI * u / period);
                    t = hard ? (sv > 0 ? 1 : 0) : 0.5 + 0.5 * sv;
                }
                case CHECKER -> t = (((long) Math.floor(u / period) + (long) Math.floor(v / period)) & 1) == 0 ? 0 : 1;
                default -> {
                    double sum = 0;
                    for (int k = 0; k < 3; k++) {
                        sum += Math.sin(blob[3 * k] * x + blob[3 * k + 1] * y + blob[3 * k + 2]);
                    }
                    t = hard ? (sum > 0 ? 1 : 0) : 0.5 + sum / 6;
                }
            }
            // nearer surfaces are lit a little more
            double shade = brightness * Math.max(0.45, 1.05 - 0.05 * d);
            for (int c = 0; c < 3; c++) {
                rgb[c * hw + i] = (float) (shade * (c1[c] + t * (c2[c] - c1[c])));
            }
        }
    }
}
