package org.jpac.train;

import java.util.SplittableRandom;

/**
 * Procedural surface textures for {@link SyntheticSegmentation}, planar RGB
 * {@code [3, h, w]} in [0, 1]: two colours mixed by fractal noise (stone,
 * foliage, fabric), stripes and tiles with noisy edges (walls, floors, signs),
 * smooth gradients (sky, painted surfaces), each under a smooth illumination
 * field, as surfaces look in photographs. A texture's palette can be derived
 * from another's ({@link Palette#near}) for objects camouflaged against what
 * is behind them.
 */
final class SceneTextures {

    /** Two base colours a texture mixes. */
    record Palette(double[] a, double[] b) {

        static Palette random(SplittableRandom rng) {
            double[] a = randomColour(rng);
            double[] b = rng.nextDouble() < 0.5 ? jitter(a, 0.25, rng) : randomColour(rng);
            return new Palette(a, b);
        }

        /** A palette within {@code spread} of this one (per channel): low contrast against it. */
        Palette near(double spread, SplittableRandom rng) {
            return new Palette(jitter(a, spread, rng), jitter(b, spread, rng));
        }
    }

    private SceneTextures() {
    }

    static double[] randomColour(SplittableRandom rng) {
        // HSV with photographs' bias to moderate saturation and brightness
        double hue = rng.nextDouble() * 6;
        double sat = Math.pow(rng.nextDouble(), 1.5) * 0.9;
        double val = 0.15 + 0.8 * rng.nextDouble();
        int sector = (int) hue;
        double f = hue - sector;
        double p = val * (1 - sat);
        double q = val * (1 - sat * f);
        double t = val * (1 - sat * (1 - f));
        return switch (sector % 6) {
            case 0 -> new double[] {val, t, p};
            case 1 -> new double[] {q, val, p};
            case 2 -> new double[] {p, val, t};
            case 3 -> new double[] {p, q, val};
            case 4 -> new double[] {t, p, val};
            default -> new double[] {val, p, q};
        };
    }

    static double[] jitter(double[] c, double spread, SplittableRandom rng) {
        double[] out = new double[3];
        double common = (rng.nextDouble() * 2 - 1) * spread;
        for (int k = 0; k < 3; k++) {
            out[k] = clamp(c[k] + common + (rng.nextDouble() * 2 - 1) * spread * 0.5);
        }
        return out;
    }

    /** A random texture with {@code palette} at {@code h x w}; {@code scale} is the scene's size in pixels. */
    static float[] texture(int h, int w, Palette palette, double scale, SplittableRandom rng) {
        float[] mix;
        double kind = rng.nextDouble();
        if (kind < 0.45) {
            mix = ValueNoise.field(h, w, scale * (0.03 + 0.3 * rng.nextDouble()), 5, 0.45 + 0.2 * rng.nextDouble(),
                    rng);
        } else if (kind < 0.65) {
            mix = stripes(h, w, scale, rng);
        } else if (kind < 0.8) {
            mix = tiles(h, w, scale, rng);
        } else {
            mix = gradient(h, w, rng);
        }
        float[] light = ValueNoise.field(h, w, scale * (0.3 + 0.7 * rng.nextDouble()), 2, 0.5, rng);
        double lightAmount = 0.5 * rng.nextDouble();
        float[] rgb = new float[3 * h * w];
        int n = h * w;
        for (int i = 0; i < n; i++) {
            double m = mix[i];
            double shade = 1 - lightAmount + lightAmount * 2 * light[i];
            for (int k = 0; k < 3; k++) {
                rgb[k * n + i] = (float) clamp((palette.a()[k] * (1 - m) + palette.b()[k] * m) * shade);
            }
        }
        return rgb;
    }

    /** Oriented stripes of random period and duty, their edges roughened by noise. */
    private static float[] stripes(int h, int w, double scale, SplittableRandom rng) {
        double angle = rng.nextDouble() * Math.PI;
        double period = scale * (0.02 + 0.12 * rng.nextDouble());
        double duty = 0.2 + 0.6 * rng.nextDouble();
        float[] rough = ValueNoise.field(h, w, period, 3, 0.5, rng);
        double c = Math.cos(angle);
        double s = Math.sin(angle);
        float[] out = new float[h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double u = (x * c + y * s) / period + 0.3 * rough[y * w + x];
                out[y * w + x] = (u - Math.floor(u)) < duty ? 1f : 0f;
            }
        }
        return out;
    }

    /** Bricks or tiles: rows of cells with mortar lines, each cell its own shade. */
    private static float[] tiles(int h, int w, double scale, SplittableRandom rng) {
        double th = scale * (0.03 + 0.08 * rng.nextDouble());
        double tw = th * (1 + 2 * rng.nextDouble());
        double mortar = Math.max(1, th * 0.12);
        boolean offset = rng.nextBoolean();
        long salt = rng.nextLong();
        float[] out = new float[h * w];
        for (int y = 0; y < h; y++) {
            int row = (int) Math.floor(y / th);
            double shift = offset && (row & 1) == 1 ? tw / 2 : 0;
            for (int x = 0; x < w; x++) {
                int col = (int) Math.floor((x + shift) / tw);
                double fy = y - row * th;
                double fx = x + shift - col * tw;
                boolean line = fy < mortar || fx < mortar;
                double cellShade = hash(salt, row, col);
                out[y * w + x] = line ? 1f : (float) (0.6 * cellShade);
            }
        }
        return out;
    }

    private static float[] gradient(int h, int w, SplittableRandom rng) {
        double angle = rng.nextDouble() * 2 * Math.PI;
        double c = Math.cos(angle);
        double s = Math.sin(angle);
        float[] out = new float[h * w];
        double norm = Math.abs(c) * w + Math.abs(s) * h;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double u = ((x - w / 2.0) * c + (y - h / 2.0) * s) / norm + 0.5;
                out[y * w + x] = (float) clamp(u);
            }
        }
        return out;
    }

    private static double hash(long salt, int a, int b) {
        long z = salt ^ (a * 0x9E3779B97F4A7C15L) ^ (b * 0xC2B2AE3D27D4EB4FL);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (z >>> 11) * 0x1.0p-53;
    }

    static double clamp(double v) {
        return v < 0 ? 0 : v > 1 ? 1 : v;
    }
}
