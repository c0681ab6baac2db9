package org.jpac.train;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The shapes of {@link SyntheticSegmentation}'s objects as signed distance
 * functions (pixels, negative inside), so that a pixel's label is exact
 * (inside at its centre) and its colour can be anti-aliased by coverage:
 * irregular blobs, rotated boxes, and thick polylines for poles, curved
 * strokes and text.
 */
final class SceneShapes {

    /** A shape: signed distance in pixels and a bounding box {x0, y0, x1, y1}. */
    interface Shape {
        double sdf(double x, double y);

        double[] bounds();
    }

    private SceneShapes() {
    }

    /** A blob: radius {@code r} modulated by a few harmonics of the angle (potatoes, bushes, heads). */
    record Blob(double cx, double cy, double r, double[] amp, double[] phase, double aspect, double angle)
            implements Shape {
        @Override
        public double sdf(double x, double y) {
            double c = Math.cos(angle);
            double s = Math.sin(angle);
            double u = (x - cx) * c + (y - cy) * s;
            double v = ((y - cy) * c - (x - cx) * s) * aspect;
            double d = Math.hypot(u, v);
            double t = Math.atan2(v, u);
            double rr = 1;
            for (int k = 0; k < amp.length; k++) {
                rr += amp[k] * Math.cos((k + 2) * t + phase[k]);
            }
            return (d - r * rr) / Math.max(1, aspect);
        }

        @Override
        public double[] bounds() {
            double m = r * 1.6 + 2;
            return new double[] {cx - m, cy - m, cx + m, cy + m};
        }
    }

    /** A box of half sizes {@code hw x hh} rotated by {@code angle}, corners rounded by {@code round}. */
    record Box(double cx, double cy, double hw, double hh, double angle, double round) implements Shape {
        @Override
        public double sdf(double x, double y) {
            double c = Math.cos(angle);
            double s = Math.sin(angle);
            double u = Math.abs((x - cx) * c + (y - cy) * s) - (hw - round);
            double v = Math.abs((y - cy) * c - (x - cx) * s) - (hh - round);
            double outside = Math.hypot(Math.max(u, 0), Math.max(v, 0));
            return outside + Math.min(Math.max(u, v), 0) - round;
        }

        @Override
        public double[] bounds() {
            double m = Math.hypot(hw, hh) + 2;
            return new double[] {cx - m, cy - m, cx + m, cy + m};
        }
    }

    /** Segments {x0, y0, x1, y1} drawn with a pen {@code width} pixels wide (poles, strokes, text). */
    record Strokes(List<double[]> segments, double width) implements Shape {
        @Override
        public double sdf(double x, double y) {
            double best = Double.MAX_VALUE;
            for (double[] s : segments) {
                best = Math.min(best, segmentDistance(x, y, s));
            }
            return best - width / 2;
        }

        @Override
        public double[] bounds() {
            double[] b = {Double.MAX_VALUE, Double.MAX_VALUE, -Double.MAX_VALUE, -Double.MAX_VALUE};
            for (double[] s : segments) {
                b[0] = Math.min(b[0], Math.min(s[0], s[2]));
                b[1] = Math.min(b[1], Math.min(s[1], s[3]));
                b[2] = Math.max(b[2], Math.max(s[0], s[2]));
                b[3] = Math.max(b[3], Math.max(s[1], s[3]));
            }
            double m = width + 2;
            return new double[] {b[0] - m, b[1] - m, b[2] + m, b[3] + m};
        }
    }

    static double segmentDistance(double x, double y, double[] s) {
        double dx = s[2] - s[0];
        double dy = s[3] - s[1];
        double len2 = dx * dx + dy * dy;
        double t = len2 == 0 ? 0 : Math.clamp(((x - s[0]) * dx + (y - s[1]) * dy) / len2, 0, 1);
        return Math.hypot(x - s[0] - t * dx, y - s[1] - t * dy);
    }

    static Blob blob(double cx, double cy, double r, SplittableRandom rng) {
        int k = 1 + rng.nextInt(4);
        double[] amp = new double[k];
        double[] phase = new double[k];
        for (int i = 0; i < k; i++) {
            amp[i] = rng.nextDouble() * 0.25 / (i + 1);
            phase[i] = rng.nextDouble() * 2 * Math.PI;
        }
        return new Blob(cx, cy, r, amp, phase, 1 + rng.nextDouble() * 1.5, rng.nextDouble() * Math.PI);
    }

    static Box box(double cx, double cy, double hw, double hh, SplittableRandom rng) {
        double angle = rng.nextDouble() < 0.5 ? 0 : (rng.nextDouble() - 0.5) * Math.PI / 3;
        return new Box(cx, cy, hw, hh, angle, rng.nextDouble() * 0.3 * Math.min(hw, hh));
    }

    /** A pole: a long, nearly vertical bar, sometimes with a crossbar (a sign post, a street lamp). */
    static Strokes pole(double x, double top, double bottom, double width, SplittableRandom rng) {
        double lean = (rng.nextDouble() - 0.5) * 0.2 * (bottom - top);
        List<double[]> segs = new ArrayList<>();
        segs.add(new double[] {x + lean, top, x, bottom});
        if (rng.nextDouble() < 0.4) {
            double arm = (rng.nextDouble() < 0.5 ? -1 : 1) * (bottom - top) * (0.1 + 0.25 * rng.nextDouble());
            segs.add(new double[] {x + lean, top, x + lean + arm, top + (rng.nextDouble() - 0.5) * 6});
        }
        return new Strokes(segs, width);
    }

    /** A smooth curve (quadratic Bezier in 24 segments) from (x0, y0) to (x1, y1): a cable, a branch, a line. */
    static Strokes curve(double x0, double y0, double x1, double y1, double bend, double width) {
        double mx = (x0 + x1) / 2 - (y1 - y0) * bend;
        double my = (y0 + y1) / 2 + (x1 - x0) * bend;
        List<double[]> segs = new ArrayList<>();
        double px = x0;
        double py = y0;
        for (int i = 1; i <= 24; i++) {
            double t = i / 24.0;
            double qx = (1 - t) * (1 - t) * x0 + 2 * (1 - t) * t * mx + t * t * x1;
            double qy = (1 - t) * (1 - t) * y0 + 2 * (1 - t) * t * my + t * t * y1;
            segs.add(new double[] {px, py, qx, qy});
            px = qx;
            py = qy;
        }
        return new Strokes(segs, width);
    }

    /** A word of {@code letters} random capitals, {@code height} pixels tall, at (x, y), rotated by angle. */
    static Strokes text(double x, double y, double height, int letters, double angle, double width,
                        SplittableRandom rng) {
        double unit = height / StrokeFont.HEIGHT;
        double c = Math.cos(angle);
        double s = Math.sin(angle);
        List<double[]> segs = new ArrayList<>();
        for (int i = 0; i < letters; i++) {
            double ox = i * StrokeFont.ADVANCE;
            for (double[] g : StrokeFont.segments(rng.nextInt(StrokeFont.glyphs()))) {
                double ax = (ox + g[0]) * unit;
                double ay = g[1] * unit;
                double bx = (ox + g[2]) * unit;
                double by = g[3] * unit;
                segs.add(new double[] {x + ax * c - ay * s, y + ax * s + ay * c, x + bx * c - by * s,
                    y + bx * s + by * c});
            }
        }
        return new Strokes(segs, width);
    }
}
