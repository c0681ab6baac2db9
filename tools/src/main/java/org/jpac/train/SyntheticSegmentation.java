package org.jpac.train;

import java.util.SplittableRandom;

/**
 * Synthetic photographs with foreground / background masks, for training and
 * measuring the PAC-CRF (label 1 = object, 0 = background), deterministic by
 * seed. Every seed is a new layout:
 * <ul>
 *   <li>the background is a textured surface (fractal noise, stripes, tiles or
 *       a gradient under uneven light), often split by a wavy horizon into two
 *       surfaces, both background;</li>
 *   <li>3 to 10 objects of many sizes are painted over it: large and small
 *       blobs, rotated boxes, and thin ones, 3 to 6 pixels wide: poles (some
 *       with an arm), curved strokes and words of capital letters;</li>
 *   <li>about a third of them are background clutter (label 0): colour edges
 *       that are not object boundaries; a quarter wear colours close to the
 *       background's (boundaries with little contrast);</li>
 *   <li>edges are anti-aliased by coverage, then the camera blurs slightly and
 *       adds sensor noise.</li>
 * </ul>
 * With {@link PhotoTextures}, photographs take the place of most procedural
 * surfaces: the background is a photograph in 85% of the scenes, the second
 * surface below the horizon in 60%, an object's surface in half of the objects
 * (a camouflaged object wears another crop of the background's photograph).
 * Without them ({@link #render(int, int, long)}) the scenes are procedural only.
 * Scene seeds from {@link #HELD_OUT_BASE} up are the held-out set, from
 * {@link #VALIDATION_BASE} up to it the validation set (for choosing training
 * settings without looking at the held-out set); training draws seeds below
 * both (and should use {@link PhotoTextures#trainingSet}, as validation does:
 * new geometry, known photographs; the held-out scenes use {@link PhotoTextures#heldOutSet}). Coarse segmenter scores for a scene come from
 * {@link CoarseSegmenter}.
 */
public final class SyntheticSegmentation {

    /** Background and object. */
    public static final int CLASSES = 2;
    /** Held-out scene seeds are {@code HELD_OUT_BASE + k}; validation and training seeds stay below. */
    public static final long HELD_OUT_BASE = 1L << 40;
    /** Validation scene seeds are {@code VALIDATION_BASE + k} (below {@link #HELD_OUT_BASE}); training seeds stay below. */
    public static final long VALIDATION_BASE = 1L << 39;

    /**
     * A rendered scene.
     *
     * @param height the height in pixels
     * @param width  the width in pixels
     * @param rgb    planar {@code [3, H, W]} colours in [0, 1]
     * @param labels {@code [H, W]} labels: 0 background, 1 object
     */
    public record Scene(int height, int width, float[] rgb, int[] labels) {
    }

    private SyntheticSegmentation() {
    }

    /** Fills a {@code h x w} planar RGB surface (drawn when a shape turns out visible). */
    private interface Surface {
        float[] texture(int h, int w);
    }

    /**
     * Scene {@code seed} at {@code height x width} with procedural textures only.
     *
     * @throws IllegalArgumentException if a size is below 16 or above 4096
     */
    public static Scene render(int height, int width, long seed) {
        return render(height, width, seed, null);
    }

    /**
     * Scene {@code seed} at {@code height x width}, its surfaces cropped from
     * {@code photos} where the class comment says (procedural only when null).
     * The same seed and photographs give the same scene.
     *
     * @throws IllegalArgumentException if a size is below 16 or above 4096
     */
    public static Scene render(int height, int width, long seed, PhotoTextures photos) {
        if (height < 16 || width < 16 || height > 4096 || width > 4096) {
            throw new IllegalArgumentException("height, width: expected 16..4096, got " + height + "x" + width);
        }
        SplittableRandom rng = new SplittableRandom(seed);
        int n = height * width;
        double scale = Math.sqrt((double) n);
        // photographs draw from a stream of their own: without them the scenes are as they always were
        SplittableRandom photoRng = new SplittableRandom(seed ^ 0x5DEECE66DL);
        int groundPhoto = photos == null ? -1 : photos.pick(photoRng);
        boolean photoGround = photos != null && photoRng.nextDouble() < 0.85;
        SceneTextures.Palette ground = SceneTextures.Palette.random(rng);
        float[] rgb = SceneTextures.texture(height, width, ground, scale, rng);
        if (photoGround) {
            rgb = photos.crop(height, width, groundPhoto, false, photoRng);
        }
        int[] labels = new int[n];
        if (rng.nextDouble() < 0.6) {
            Surface below = photos != null && photoRng.nextDouble() < 0.6
                    ? (h, w) -> photos.crop(h, w, photos.pick(photoRng), false, photoRng)
                    : (h, w) -> SceneTextures.texture(h, w, SceneTextures.Palette.random(rng), scale, rng);
            paintHorizon(rgb, height, width, below, rng);
        }
        int objects = 3 + rng.nextInt(8);
        for (int i = 0; i < objects; i++) {
            int label = i == 0 || rng.nextDouble() < 0.67 ? 1 : 0;
            SceneShapes.Shape shape = randomShape(height, width, rng);
            boolean camouflaged = rng.nextDouble() < 0.25;
            SceneTextures.Palette p = camouflaged ? ground.near(0.05 + 0.08 * rng.nextDouble(), rng)
                    : SceneTextures.Palette.random(rng);
            Surface surface = (h, w) -> SceneTextures.texture(h, w, p, scale, rng);
            if (photos != null && photoRng.nextDouble() < 0.5) {
                int photo = camouflaged && photoGround ? groundPhoto : photos.pick(photoRng);
                surface = (h, w) -> photos.crop(h, w, photo, true, photoRng);
            }
            paint(rgb, labels, height, width, shape, surface, label);
        }
        camera(rgb, height, width, rng);
        return new Scene(height, width, rgb, labels);
    }

    private static SceneShapes.Shape randomShape(int h, int w, SplittableRandom rng) {
        double m = Math.min(h, w);
        double scale = Math.sqrt((double) h * w);
        double cx = rng.nextDouble() * w;
        double cy = rng.nextDouble() * h;
        double pen = 3 + 3 * rng.nextDouble();
        double kind = rng.nextDouble();
        if (kind < 0.22) {
            return SceneShapes.blob(cx, cy, m * (0.08 + 0.22 * rng.nextDouble()), rng);
        } else if (kind < 0.40) {
            return SceneShapes.box(cx, cy, scale * (0.03 + 0.17 * rng.nextDouble()),
                    scale * (0.03 + 0.17 * rng.nextDouble()), rng);
        } else if (kind < 0.52) {
            return SceneShapes.blob(cx, cy, 3 + m * 0.05 * rng.nextDouble(), rng);
        } else if (kind < 0.68) {
            double len = h * (0.3 + 0.6 * rng.nextDouble());
            double top = rng.nextDouble() * (h - len);
            return SceneShapes.pole(cx, top, top + len, pen, rng);
        } else if (kind < 0.82) {
            double len = scale * (0.2 + 0.6 * rng.nextDouble());
            double a = rng.nextDouble() * 2 * Math.PI;
            return SceneShapes.curve(cx, cy, cx + len * Math.cos(a), cy + len * Math.sin(a),
                    (rng.nextDouble() - 0.5) * 0.8, pen);
        }
        double letterH = 12 + Math.max(2, m * 0.15 - 12) * rng.nextDouble();
        double width = Math.min(pen, letterH / 4);
        int letters = 3 + rng.nextInt(6);
        double angle = rng.nextDouble() < 0.6 ? 0 : (rng.nextDouble() - 0.5) * 0.6;
        double x = rng.nextDouble() * Math.max(1, w - letters * letterH * 0.7);
        return SceneShapes.text(x, rng.nextDouble() * Math.max(1, h - letterH), letterH, letters, angle, width,
                rng);
    }

    /** A second background surface below a wavy horizon (a floor, a field, water). */
    private static void paintHorizon(float[] rgb, int h, int w, Surface below, SplittableRandom rng) {
        double level = h * (0.35 + 0.45 * rng.nextDouble());
        double tilt = (rng.nextDouble() - 0.5) * 0.3;
        double wave = h * 0.04 * rng.nextDouble();
        double freq = (1 + 3 * rng.nextDouble()) * 2 * Math.PI / w;
        double phase = rng.nextDouble() * 2 * Math.PI;
        float[] tex = below.texture(h, w);
        int n = h * w;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double edge = level + tilt * (x - w / 2.0) + wave * Math.sin(freq * x + phase);
                double cover = SceneTextures.clamp(y + 0.5 - edge);
                int i = y * w + x;
                for (int k = 0; k < 3; k++) {
                    rgb[k * n + i] = (float) (rgb[k * n + i] * (1 - cover) + tex[k * n + i] * cover);
                }
            }
        }
    }

    /** Paints a textured shape over its bounding box: colour by coverage, label where the centre is inside. */
    private static void paint(float[] rgb, int[] labels, int h, int w, SceneShapes.Shape shape, Surface surface,
                              int label) {
        double[] b = shape.bounds();
        int x0 = Math.max(0, (int) Math.floor(b[0]));
        int y0 = Math.max(0, (int) Math.floor(b[1]));
        int x1 = Math.min(w, (int) Math.ceil(b[2]) + 1);
        int y1 = Math.min(h, (int) Math.ceil(b[3]) + 1);
        if (x1 <= x0 || y1 <= y0) {
            return;
        }
        int bw = x1 - x0;
        int bh = y1 - y0;
        float[] tex = surface.texture(bh, bw);
        int n = h * w;
        int bn = bh * bw;
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                double d = shape.sdf(x + 0.5, y + 0.5);
                double cover = SceneTextures.clamp(0.5 - d);
                if (cover <= 0) {
                    continue;
                }
                int i = y * w + x;
                int t = (y - y0) * bw + (x - x0);
                for (int k = 0; k < 3; k++) {
                    rgb[k * n + i] = (float) (rgb[k * n + i] * (1 - cover) + tex[k * bn + t] * cover);
                }
                if (d < 0) {
                    labels[i] = label;
                }
            }
        }
    }

    /** Lens blur ([1 2 1] / 4 each way) and sensor noise, clamped to [0, 1]. */
    private static void camera(float[] rgb, int h, int w, SplittableRandom rng) {
        int n = h * w;
        double noise = 0.005 + 0.025 * rng.nextDouble();
        float[] tmp = new float[n];
        for (int k = 0; k < 3; k++) {
            int o = k * n;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int xl = Math.max(0, x - 1);
                    int xr = Math.min(w - 1, x + 1);
                    tmp[y * w + x] = 0.25f * rgb[o + y * w + xl] + 0.5f * rgb[o + y * w + x] + 0.25f * rgb[o + y * w + xr];
                }
            }
            for (int y = 0; y < h; y++) {
                int yu = Math.max(0, y - 1);
                int yd = Math.min(h - 1, y + 1);
                for (int x = 0; x < w; x++) {
                    double v = 0.25 * tmp[yu * w + x] + 0.5 * tmp[y * w + x] + 0.25 * tmp[yd * w + x]
                            + noise * CoarseSegmenter.gaussian(rng);
                    rgb[o + y * w + x] = (float) SceneTextures.clamp(v);
                }
            }
        }
    }
}
