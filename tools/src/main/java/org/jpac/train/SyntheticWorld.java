package org.jpac.train;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Ray-cast synthetic RGB-D scenes that look more like the world than
 * {@link SyntheticRgbd}'s flat cut-outs: a room (floor, back wall, side walls,
 * sometimes a ceiling) seen by a pinhole camera, holding spheres, boxes turned
 * about the vertical, cylinders, thin poles and wires, and tilted cards, so
 * that surfaces are slanted and curved and objects occlude each other. Colour
 * comes from solid textures (stripes, checkers, blobs, fine noise), pictures
 * hung flat on the walls, Lambertian shading from a point light and the
 * shadows it casts, so many colour edges lie on no depth edge; some objects
 * take the texture of the wall behind them, so some depth edges have no colour
 * edge. The scene's size is drawn from 0.3 to 3 times a room's (depth from
 * about 0.2 to 30 m). The depth is a sensor's: its disparity quantised
 * (Kinect-like, in half the scenes) plus noise growing with depth squared;
 * the colour is blurred slightly and noisy. Deterministic by seed and scene id;
 * thread-safe.
 */
public final class SyntheticWorld extends GeneratedScenes {

    private final long seed;

    /**
     * Scenes generated from {@code seed}.
     *
     * @param seed the seed of every scene
     */
    public SyntheticWorld(long seed) {
        this.seed = seed;
    }

    @Override
    public String describe() {
        return "synthetic world RGB-D (seed " + seed + ")";
    }

    @Override
    public Sample scene(long id, int height, int width) {
        checkSize(height, width);
        SplittableRandom r = new SplittableRandom(mix(seed ^ 0x3C6EF372FE94F82BL) ^ mix(id * 0x9E3779B97F4A7C15L + 7));
        int h = height;
        int w = width;
        double unit = Math.exp(Math.log(0.3) + Math.log(10) * r.nextDouble());
        double focal = Math.max(h, w) * (0.8 + 0.7 * r.nextDouble());
        double tilt = (r.nextDouble() - 0.5) * 0.5; // camera pitch
        List<Thing> things = new ArrayList<>();
        double floorY = unit * (0.8 + 0.9 * r.nextDouble());
        double back = unit * (3 + 7 * r.nextDouble());
        double left = unit * (1.2 + 3 * r.nextDouble());
        double right = unit * (1.2 + 3 * r.nextDouble());
        Texture wallTex = Texture.random(r, unit);
        things.add(new Plane(0, -1, 0, -floorY, Texture.random(r, unit)));
        Plane backWall = new Plane(0, 0, -1, -back, wallTex);
        things.add(backWall);
        things.add(new Plane(1, 0, 0, -left, r.nextDouble() < 0.5 ? wallTex : Texture.random(r, unit)));
        things.add(new Plane(-1, 0, 0, -right, r.nextDouble() < 0.5 ? wallTex : Texture.random(r, unit)));
        if (r.nextDouble() < 0.5) {
            things.add(new Plane(0, 1, 0, -unit * (1.2 + 1.5 * r.nextDouble()), Texture.random(r, unit)));
        }
        // pictures: flat on the back wall, a colour edge without a depth edge
        List<double[]> pictures = new ArrayList<>();
        int np = r.nextInt(4);
        for (int k = 0; k < np; k++) {
            double cx = (r.nextDouble() * 2 - 1) * back * 0.4;
            double cy = (r.nextDouble() * 2 - 1) * back * 0.3;
            double hw = unit * (0.2 + 1.0 * r.nextDouble());
            double hh = unit * (0.2 + 0.8 * r.nextDouble());
            pictures.add(new double[] {cx - hw, cy - hh, cx + hw, cy + hh});
        }
        Texture pictureTex = Texture.picture(r, unit);
        int n = 3 + r.nextInt(10);
        for (int k = 0; k < n; k++) {
            things.add(thing(r, unit, floorY, back, left, right, wallTex));
        }
        double[] light = {(r.nextDouble() * 2 - 1) * left, -unit * (0.5 + r.nextDouble()), back * (0.1 + 0.6
                * r.nextDouble())};
        double ambient = 0.25 + 0.35 * r.nextDouble();

        float[] depth = new float[h * w];
        float[] rgb = new float[3 * h * w];
        double cos = Math.cos(tilt);
        double sin = Math.sin(tilt);
        double[] p = new double[3];
        double[] nrm = new double[3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double dx = (x + 0.5 - w / 2.0) / focal;
                double dy0 = (y + 0.5 - h / 2.0) / focal;
                // pitch the camera: rotate the ray about the x axis
                double dy = dy0 * cos - sin;
                double dz = dy0 * sin + cos;
                Thing best = null;
                double tBest = Double.POSITIVE_INFINITY;
                for (Thing t : things) {
                    double tt = t.hit(0, 0, 0, dx, dy, dz);
                    if (tt > 1e-6 && tt < tBest) {
                        tBest = tt;
                        best = t;
                    }
                }
                int i = y * w + x;
                if (best == null) { // cannot happen inside the room; keep it finite anyway
                    tBest = back;
                    best = backWall;
                }
                p[0] = tBest * dx;
                p[1] = tBest * dy;
                p[2] = tBest * dz;
                // the ray is t * (dx, dy0, 1) in the camera's frame, so t is the depth along the optical axis
                depth[i] = (float) tBest;
                best.normal(p, nrm);
                Texture tex = best.texture();
                if (best == backWall) {
                    for (double[] pic : pictures) {
                        if (p[0] >= pic[0] && p[0] <= pic[2] && p[1] >= pic[1] && p[1] <= pic[3]) {
                            tex = pictureTex;
                        }
                    }
                }
                double[] lv = {light[0] - p[0], light[1] - p[1], light[2] - p[2]};
                double ll = Math.sqrt(lv[0] * lv[0] + lv[1] * lv[1] + lv[2] * lv[2]);
                double lambert = Math.abs(nrm[0] * lv[0] + nrm[1] * lv[1] + nrm[2] * lv[2]) / ll;
                boolean shadow = false;
                for (Thing t : things) {
                    if (t != best && !(t instanceof Plane)) {
                        double ts = t.hit(p[0], p[1], p[2], lv[0] / ll, lv[1] / ll, lv[2] / ll);
                        if (ts > 1e-4 * unit && ts < ll) {
                            shadow = true;
                            break;
                        }
                    }
                }
                double shade = ambient + (1 - ambient) * lambert * (shadow ? 0.15 : 1);
                tex.paint(p, shade, rgb, i, h * w);
            }
        }
        SyntheticRgbd.blur3(rgb, 3, h, w);
        double colorNoise = 0.004 + 0.02 * r.nextDouble();
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = (float) Math.min(1, Math.max(0, rgb[i] + colorNoise * r.nextGaussian()));
        }
        sensor(depth, r, unit);
        return new Sample(rgb, depth, 1, h, w);
    }

    /** Disparity quantisation (half the scenes) and noise growing with depth squared. */
    private static void sensor(float[] depth, SplittableRandom r, double unit) {
        boolean quantise = r.nextBoolean();
        // baseline x focal, in disparity pixels x depth; steps of 1/8 pixel
        double bf = 35 * unit * (0.5 + r.nextDouble());
        double sigma = (0.0005 + 0.0015 * r.nextDouble()) / unit;
        for (int i = 0; i < depth.length; i++) {
            double z = depth[i];
            if (quantise) {
                double disp = Math.max(0.125, Math.round(bf / z * 8) / 8.0);
                z = bf / disp;
            }
            z += sigma * z * z * r.nextGaussian();
            depth[i] = (float) Math.max(0.05 * unit, z);
        }
    }

    private static Thing thing(SplittableRandom r, double unit, double floorY, double back, double left,
                               double right, Texture wallTex) {
        double x = -left + (left + right) * r.nextDouble();
        double z = unit * 0.6 + (back - unit * 0.9) * r.nextDouble();
        Texture tex = r.nextDouble() < 0.15 ? wallTex : Texture.random(r, unit);
        double kind = r.nextDouble();
        if (kind < 0.22) {
            double rad = unit * (0.08 + 0.5 * r.nextDouble());
            double y = r.nextBoolean() ? floorY - rad : floorY - rad - unit * 1.2 * r.nextDouble();
            return new Sphere(x, y, z, rad, tex);
        }
        if (kind < 0.45) {
            double sx = unit * (0.1 + 0.6 * r.nextDouble());
            double sy = unit * (0.1 + 0.6 * r.nextDouble());
            double sz = unit * (0.1 + 0.6 * r.nextDouble());
            return new Box(x, floorY - sy, z, sx, sy, sz, Math.PI * r.nextDouble(), tex);
        }
        if (kind < 0.7) { // a cylinder, thin (a pole, a table leg) half the time
            double rad = r.nextBoolean() ? unit * (0.01 + 0.03 * r.nextDouble()) : unit * (0.06 + 0.35 * r.nextDouble());
            double top = floorY - unit * (0.3 + 2 * r.nextDouble());
            return new Cylinder(x, z, rad, top, floorY, tex);
        }
        if (kind < 0.82) { // a wire or rail: a thin horizontal bar
            double rad = unit * (0.006 + 0.02 * r.nextDouble());
            double y = floorY - unit * (0.2 + 1.8 * r.nextDouble());
            return new Bar(y, z, rad, tex);
        }
        // a tilted card
        double nx = (r.nextDouble() - 0.5) * 1.2;
        double ny = (r.nextDouble() - 0.5) * 1.2;
        double y = floorY - unit * (0.2 + 1.5 * r.nextDouble());
        return new Card(x, y, z, nx, ny, unit * (0.1 + 0.6 * r.nextDouble()), unit * (0.1 + 0.6 * r.nextDouble()),
                tex);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** A surface the rays can hit. */
    private interface Thing {
        /** The ray parameter of the nearest hit of o + t d, or infinity. */
        double hit(double ox, double oy, double oz, double dx, double dy, double dz);

        /** The unit normal at surface point p. */
        void normal(double[] p, double[] n);

        Texture texture();
    }

    /** n . p = c with n = (a, b, cz). */
    private record Plane(double a, double b, double cz, double c, Texture texture) implements Thing {
        public double hit(double ox, double oy, double oz, double dx, double dy, double dz) {
            double den = a * dx + b * dy + cz * dz;
            if (Math.abs(den) < 1e-12) {
                return Double.POSITIVE_INFINITY;
            }
            double t = (c - a * ox - b * oy - cz * oz) / den;
            return t > 0 ? t : Double.POSITIVE_INFINITY;
        }

        public void normal(double[] p, double[] n) {
            n[0] = a;
            n[1] = b;
            n[2] = cz;
        }
    }

    private record Sphere(double cx, double cy, double cz, double rad, Texture texture) implements Thing {
        public double hit(double ox, double oy, double oz, double dx, double dy, double dz) {
            double lx = ox - cx;
            double ly = oy - cy;
            double lz = oz - cz;
            double a = dx * dx + dy * dy + dz * dz;
            double b = 2 * (lx * dx + ly * dy + lz * dz);
            double c = lx * lx + ly * ly + lz * lz - rad * rad;
            return nearestRoot(a, b, c);
        }

        public void normal(double[] p, double[] n) {
            n[0] = (p[0] - cx) / rad;
            n[1] = (p[1] - cy) / rad;
            n[2] = (p[2] - cz) / rad;
        }
    }

    /** A vertical cylinder between heights top and bottom (y grows downwards). */
    private record Cylinder(double cx, double cz, double rad, double top, double bottom, Texture texture)
            implements Thing {
        public double hit(double ox, double oy, double oz, double dx, double dy, double dz) {
            double lx = ox - cx;
            double lz = oz - cz;
            double t = nearestRoot(dx * dx + dz * dz, 2 * (lx * dx + lz * dz), lx * lx + lz * lz - rad * rad);
            double y = oy + t * dy;
            return y >= top && y <= bottom ? t : Double.POSITIVE_INFINITY;
        }

        public void normal(double[] p, double[] n) {
            n[0] = (p[0] - cx) / rad;
            n[1] = 0;
            n[2] = (p[2] - cz) / rad;
        }
    }

    /** A horizontal bar along x at height y and depth z. */
    private record Bar(double cy, double cz, double rad, Texture texture) implements Thing {
        public double hit(double ox, double oy, double oz, double dx, double dy, double dz) {
            double ly = oy - cy;
            double lz = oz - cz;
            return nearestRoot(dy * dy + dz * dz, 2 * (ly * dy + lz * dz), ly * ly + lz * lz - rad * rad);
        }

        public void normal(double[] p, double[] n) {
            n[0] = 0;
            n[1] = (p[1] - cy) / rad;
            n[2] = (p[2] - cz) / rad;
        }
    }

    /** A box standing on the floor, turned by angle about the vertical; half sizes sx, sy, sz. */
    private record Box(double cx, double cy, double cz, double sx, double sy, double sz, double angle,
                       Texture texture) implements Thing {
        public double hit(double ox, double oy, double oz, double dx, double dy, double dz) {
            double c = Math.cos(angle);
            double s = Math.sin(angle);
            double lx = (ox - cx) * c + (oz - cz) * s;
            double lz = -(ox - cx) * s + (oz - cz) * c;
            double ly = oy - cy;
            double ex = dx * c + dz * s;
            double ez = -dx * s + dz * c;
            double t0 = Double.NEGATIVE_INFINITY;
            double t1 = Double.POSITIVE_INFINITY;
            double[][] slabs = {{lx, ex, sx}, {ly, dy, sy}, {lz, ez, sz}};
            for (double[] sl : slabs) {
                if (Math.abs(sl[1]) < 1e-12) {
                    if (Math.abs(sl[0]) > sl[2]) {
                        return Double.POSITIVE_INFINITY;
                    }
                    continue;
                }
                double a = (-sl[2] - sl[0]) / sl[1];
                double b = (sl[2] - sl[0]) / sl[1];
                t0 = Math.max(t0, Math.min(a, b));
                t1 = Math.min(t1, Math.max(a, b));
            }
            if (t0 > t1 || t1 <= 0) {
                return Double.POSITIVE_INFINITY;
            }
            return t0 > 0 ? t0 : t1;
        }

        public void normal(double[] p, double[] n) {
            double c = Math.cos(angle);
            double s = Math.sin(angle);
            double lx = ((p[0] - cx) * c + (p[2] - cz) * s) / sx;
            double ly = (p[1] - cy) / sy;
            double lz = (-(p[0] - cx) * s + (p[2] - cz) * c) / sz;
            double ax = Math.abs(lx);
            double ay = Math.abs(ly);
            double az = Math.abs(lz);
            double mx = 0;
            double my = 0;
            double mz = 0;
            if (ax >= ay && ax >= az) {
                mx = Math.signum(lx);
            } else if (ay >= az) {
                my = Math.signum(ly);
            } else {
                mz = Math.signum(lz);
            }
            n[0] = mx * c - mz * s;
            n[1] = my;
            n[2] = mx * s + mz * c;
        }
    }

    /** A flat rectangle centred at (cx, cy, cz), tilted by (nx, ny) off facing the camera; half sizes a, b. */
    private record Card(double cx, double cy, double cz, double nx, double ny, double a, double b, Texture texture)
            implements Thing {
        public double hit(double ox, double oy, double oz, double dx, double dy, double dz) {
            double[] n = unitNormal();
            double den = n[0] * dx + n[1] * dy + n[2] * dz;
            if (Math.abs(den) < 1e-12) {
                return Double.POSITIVE_INFINITY;
            }
            double t = (n[0] * (cx - ox) + n[1] * (cy - oy) + n[2] * (cz - oz)) / den;
            if (t <= 0) {
                return Double.POSITIVE_INFINITY;
            }
            double px = ox + t * dx - cx;
            double py = oy + t * dy - cy;
            return Math.abs(px) <= a && Math.abs(py) <= b ? t : Double.POSITIVE_INFINITY;
        }

        private double[] unitNormal() {
            double l = Math.sqrt(nx * nx + ny * ny + 1);
            return new double[] {nx / l, ny / l, -1 / l};
        }

        public void normal(double[] p, double[] n) {
            double[] u = unitNormal();
            System.arraycopy(u, 0, n, 0, 3);
        }
    }

    private static double nearestRoot(double a, double b, double c) {
        double disc = b * b - 4 * a * c;
        if (a < 1e-18 || disc < 0) {
            return Double.POSITIVE_INFINITY;
        }
        double sq = Math.sqrt(disc);
        double t0 = (-b - sq) / (2 * a);
        double t1 = (-b + sq) / (2 * a);
        return t0 > 1e-9 ? t0 : t1 > 1e-9 ? t1 : Double.POSITIVE_INFINITY;
    }

    /** A solid (3-D) texture: the colour at a surface point, so it sticks to the surface. */
    private record Texture(int type, float[] c1, float[] c2, double[] k, double period, boolean hard) {
        static Texture random(SplittableRandom r, double unit) {
            double[] k = new double[9];
            for (int i = 0; i < 9; i++) {
                k[i] = (r.nextDouble() * 2 - 1);
            }
            return new Texture(r.nextInt(6), color(r), color(r), k, unit * (0.03 + 0.4 * r.nextDouble()),
                    r.nextBoolean());
        }

        /** A printed picture: fine blobs of two strong colours. */
        static Texture picture(SplittableRandom r, double unit) {
            double[] k = new double[9];
            for (int i = 0; i < 9; i++) {
                k[i] = (r.nextDouble() * 2 - 1);
            }
            return new Texture(4, color(r), color(r), k, unit * (0.05 + 0.2 * r.nextDouble()), r.nextBoolean());
        }

        void paint(double[] p, double shade, float[] rgb, int i, int hw) {
            double t;
            double u = (k[0] * p[0] + k[1] * p[1] + k[2] * p[2]) / period;
            switch (type) {
                case 0 -> t = 0;
                case 1 -> { // stripes
                    double s = Math.sin(2 * Math.PI * u);
                    t = hard ? (s > 0 ? 1 : 0) : 0.5 + 0.5 * s;
                }
                case 2 -> t = (((long) Math.floor(p[0] / period) + (long) Math.floor(p[1] / period)
                        + (long) Math.floor(p[2] / period)) & 1) == 0 ? 0 : 1;
                case 3 -> t = 0.5 + 0.5 * Math.sin(2 * Math.PI * u * 0.2); // a slow gradient
                case 4 -> { // blobs
                    double s = 0;
                    for (int j = 0; j < 3; j++) {
                        s += Math.sin(2 * Math.PI * (k[3 * j] * p[0] + k[3 * j + 1] * p[1] + k[3 * j + 2] * p[2])
                                / period + j);
                    }
                    t = hard ? (s > 0 ? 1 : 0) : 0.5 + s / 6;
                }
                default -> { // fine grain (wood, fabric)
                    double s = Math.sin(2 * Math.PI * u * 3) * Math.sin(2 * Math.PI * (k[4] * p[0] + k[5] * p[1]
                            + k[6] * p[2]) / period * 5);
                    t = 0.5 + 0.5 * s;
                }
            }
            for (int c = 0; c < 3; c++) {
                rgb[c * hw + i] = (float) Math.min(1, shade * (c1[c] + t * (c2[c] - c1[c])));
            }
        }

        private static float[] color(SplittableRandom r) {
            return new float[] {(float) (0.05 + 0.9 * r.nextDouble()), (float) (0.05 + 0.9 * r.nextDouble()),
                    (float) (0.05 + 0.9 * r.nextDouble())};
        }
    }
}
