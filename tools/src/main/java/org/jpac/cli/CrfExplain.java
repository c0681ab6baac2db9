package org.jpac.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

import org.jpac.io.images.Image;
import org.jpac.io.images.Png;

/**
 * {@code jpac crf --explain}: a picture of where the CRF changed the labels,
 * so that a user can judge it on their own images. The image is dimmed to a
 * third; a pixel whose label the CRF changed is painted red where it became
 * label 0 (the background, in VOC's numbering) and otherwise in a bright
 * colour of the label it gained (label 1 green, then hues spread by the golden
 * angle). Unchanged pixels show the dimmed image, so the boundaries the CRF
 * moved stand out against what it left alone.
 */
final class CrfExplain {

    /** What changed: pixels, and of them how many became label 0. */
    record Summary(long pixels, long changed, long becameZero) {

        String describe(int classes) {
            return String.format(Locale.ROOT, "explain: the CRF changed %d of %d pixels (%.2f %%): %d became label 0"
                    + " (red), %d gained another label (%s)", changed, pixels, pixels == 0 ? 0 : 100.0 * changed / pixels,
                    becameZero, changed - becameZero, classes == 2 ? "green" : "coloured by label");
        }
    }

    private CrfExplain() {
    }

    /** The RGB colour (0xRRGGBB) a pixel that gained {@code label} is painted. */
    static int colour(int label) {
        if (label == 0) {
            return 0xFF2020;
        }
        if (label == 1) {
            return 0x20FF20;
        }
        double hue = ((label - 1) * 0.618034 + 1 / 3.0) % 1.0;
        return hsv(hue, 0.85, 1.0);
    }

    /**
     * Writes the picture for {@code image} (in [0, 1], 1 or 3 channels) and the
     * labels before and after the CRF ({@code [H, W]} each).
     */
    static Summary write(Path file, Image image, int[] before, int[] after, int classes) throws IOException {
        int h = image.height();
        int w = image.width();
        int n = h * w;
        if (before.length != n || after.length != n) {
            throw new IllegalArgumentException("before, after: expected " + n + " labels each, got " + before.length
                    + " and " + after.length);
        }
        float[] src = image.data();
        int ch = image.channels();
        float[] out = new float[3 * n];
        long changed = 0;
        long zero = 0;
        for (int i = 0; i < n; i++) {
            if (before[i] != after[i]) {
                changed++;
                if (after[i] == 0) {
                    zero++;
                }
                int c = colour(after[i]);
                out[i] = (c >> 16) & 0xFF;
                out[n + i] = (c >> 8) & 0xFF;
                out[2 * n + i] = c & 0xFF;
            } else {
                for (int k = 0; k < 3; k++) {
                    float v = src[(ch >= 3 ? k : 0) * n + i];
                    out[k * n + i] = 255f / 3 * Math.clamp(v, 0f, 1f);
                }
            }
        }
        Png.write(file, Image.of(out, 3, h, w), 8); // atomic, like every image jpac writes
        return new Summary(n, changed, zero);
    }

    private static int hsv(double h, double s, double v) {
        double f = h * 6;
        int i = (int) Math.floor(f) % 6;
        double t = f - Math.floor(f);
        double p = v * (1 - s);
        double q = v * (1 - s * t);
        double u = v * (1 - s * (1 - t));
        double[] rgb = switch (i) {
            case 0 -> new double[] {v, u, p};
            case 1 -> new double[] {q, v, p};
            case 2 -> new double[] {p, v, u};
            case 3 -> new double[] {p, q, v};
            case 4 -> new double[] {u, p, v};
            default -> new double[] {v, p, q};
        };
        return ((int) Math.round(rgb[0] * 255) << 16) | ((int) Math.round(rgb[1] * 255) << 8)
                | (int) Math.round(rgb[2] * 255);
    }
}
