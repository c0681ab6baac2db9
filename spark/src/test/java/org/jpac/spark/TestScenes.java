package org.jpac.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import org.jpac.io.images.Image;
import org.jpac.io.images.Png;

/** Small seeded guide / depth / score images for the tests, written as the files Spark reads. */
final class TestScenes {

    private TestScenes() {
    }

    /** An 8-bit RGB guide: a few flat rectangles over a gradient, plus noise. */
    static Image guide(int h, int w, long seed) {
        Random r = new Random(seed);
        float[] d = new float[3 * h * w];
        int y0 = r.nextInt(h / 2);
        int x0 = r.nextInt(w / 2);
        for (int c = 0; c < 3; c++) {
            int flat = 40 + r.nextInt(180);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    boolean in = y >= y0 && y < y0 + h / 2 && x >= x0 && x < x0 + w / 2;
                    float v = in ? flat : 255f * (x + y) / (h + w) + r.nextInt(9);
                    d[(c * h + y) * w + x] = Math.min(255, Math.round(v)); // integer samples, as an 8-bit PNG holds
                }
            }
        }
        return Image.ofSamples(d, 3, h, w, 8);
    }

    /** A 16-bit depth map in millimetres: a slanted plane with a near box. */
    static Image depth(int h, int w, long seed) {
        Random r = new Random(seed);
        float[] d = new float[h * w];
        int base = 1500 + r.nextInt(2000);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                boolean box = y > h / 4 && y < h / 2 && x > w / 4 && x < w / 2;
                d[y * w + x] = box ? 800 + r.nextInt(20) : base + 30 * x + 10 * y;
            }
        }
        return Image.ofSamples(d, 1, h, w, 16);
    }

    /** Class scores (logits) [classes, h, w]. */
    static Image scores(int classes, int h, int w, long seed) {
        Random r = new Random(seed);
        float[] d = new float[classes * h * w];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (r.nextGaussian() * 2);
        }
        return Image.of(d, classes, h, w);
    }

    /** Writes {@code pairs} guide/depth pairs as DIR/guide/pNN.png and DIR/low/pNN.png. */
    static void writePairs(Path dir, int pairs, int h, int w, int factor) throws IOException {
        Files.createDirectories(dir.resolve("guide"));
        Files.createDirectories(dir.resolve("low"));
        for (int i = 0; i < pairs; i++) {
            String name = String.format("p%02d.png", i);
            Png.write(dir.resolve("guide").resolve(name), guide(h, w, i), 8);
            Png.write(dir.resolve("low").resolve(name), depth(h / factor, w / factor, 100 + i), 16);
        }
    }
}
