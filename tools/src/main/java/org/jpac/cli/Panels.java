package org.jpac.cli;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.jpac.io.images.Image;
import org.jpac.io.images.Png;

/**
 * Side-by-side pictures for the demo: RGB panels, depth maps through a colour
 * map, label maps through the VOC palette, each with a caption above it when
 * fonts are available (captions are skipped where Java has none).
 */
final class Panels {

    private static final int GAP = 6;
    private static final int CAPTION = 20;

    private final int height;
    private final int width;
    private final List<int[]> panels = new ArrayList<>(); // 0xRRGGBB per pixel
    private final List<String> captions = new ArrayList<>();

    Panels(int height, int width) {
        this.height = height;
        this.width = width;
    }

    /** Adds planar RGB in [0, 1]. */
    Panels rgb(String caption, float[] rgb) {
        int n = height * width;
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = (to8(rgb[i]) << 16) | (to8(rgb[n + i]) << 8) | to8(rgb[2 * n + i]);
        }
        return add(caption, p);
    }

    /** Adds a depth map coloured between {@code near} (warm) and {@code far} (dark blue). */
    Panels depth(String caption, float[] d, double near, double far) {
        int[] p = new int[d.length];
        for (int i = 0; i < d.length; i++) {
            p[i] = colormap((far - d[i]) / (far - near));
        }
        return add(caption, p);
    }

    /** Adds a depth map of {@code h x w} enlarged to the panel size by pixel repetition. */
    Panels depthNearest(String caption, float[] d, int h, int w, double near, double far) {
        float[] big = new float[height * width];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                big[y * width + x] = d[Math.min(h - 1, y * h / height) * w + Math.min(w - 1, x * w / width)];
            }
        }
        return depth(caption, big, near, far);
    }

    /** Adds an absolute error map, black (0) to white ({@code max} and above). */
    Panels error(String caption, float[] a, float[] ref, double max) {
        int[] p = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            int v = to8((float) (Math.abs(a[i] - ref[i]) / max));
            p[i] = (v << 16) | (v << 8) | v;
        }
        return add(caption, p);
    }

    /**
     * Adds an error heat map (|a - ref| through the colour map, {@code max} and above
     * at the hot end) with {@code box}'s border drawn in white.
     */
    Panels heat(String caption, float[] a, float[] ref, double max, FailureMap box) {
        int[] p = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            p[i] = colormap(Math.abs(a[i] - ref[i]) / max);
        }
        return add(caption, marked(p, box));
    }

    /** Adds planar RGB in [0, 1] with {@code box}'s border drawn in white. */
    Panels rgb(String caption, float[] rgb, FailureMap box) {
        rgb(caption, rgb);
        marked(panels.get(panels.size() - 1), box);
        return this;
    }

    private int[] marked(int[] p, FailureMap box) {
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                if (box.onBorder(y, x)) {
                    p[y * width + x] = 0xFFFFFF;
                }
            }
        }
        return p;
    }

    /** Adds a label map in the VOC palette, blended over the image when {@code rgb} is given. */
    Panels labels(String caption, int[] labels, int classes, float[] rgb) {
        int[] pal = Labels.palette(Math.max(classes, 2));
        int n = labels.length;
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            int c = pal[labels[i]];
            if (rgb != null) {
                int r = (int) (0.55 * ((c >> 16) & 255) + 0.45 * 255 * rgb[i]);
                int g = (int) (0.55 * ((c >> 8) & 255) + 0.45 * 255 * rgb[n + i]);
                int b = (int) (0.55 * (c & 255) + 0.45 * 255 * rgb[2 * n + i]);
                c = (clamp(r) << 16) | (clamp(g) << 8) | clamp(b);
            }
            p[i] = c;
        }
        return add(caption, p);
    }

    private Panels add(String caption, int[] pixels) {
        panels.add(pixels);
        captions.add(caption);
        return this;
    }

    /** Writes the panels in a grid of {@code columns}, 8-bit RGB PNG. */
    void write(Path file, int columns) throws IOException {
        int cols = Math.min(columns, panels.size());
        int rows = (panels.size() + cols - 1) / cols;
        boolean text = fontsWork();
        int cap = text ? CAPTION : 0;
        int tw = cols * width + (cols + 1) * GAP;
        int th = rows * (height + cap) + (rows + 1) * GAP;
        BufferedImage img = new BufferedImage(tw, th, BufferedImage.TYPE_INT_RGB);
        int[] all = new int[tw * th];
        java.util.Arrays.fill(all, 0xFFFFFF);
        for (int k = 0; k < panels.size(); k++) {
            int x0 = GAP + (k % cols) * (width + GAP);
            int y0 = GAP + (k / cols) * (height + cap + GAP) + cap;
            int[] p = panels.get(k);
            for (int y = 0; y < height; y++) {
                System.arraycopy(p, y * width, all, (y0 + y) * tw + x0, width);
            }
        }
        img.setRGB(0, 0, tw, th, all, 0, tw);
        if (text) {
            Graphics2D g = img.createGraphics();
            try {
                g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
                g.setColor(Color.BLACK);
                g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
                for (int k = 0; k < captions.size(); k++) {
                    int x0 = GAP + (k % cols) * (width + GAP);
                    int y0 = GAP + (k / cols) * (height + cap + GAP);
                    g.drawString(captions.get(k), x0 + 2, y0 + cap - 6);
                }
            } finally {
                g.dispose();
            }
        }
        float[] planar = new float[3 * tw * th];
        int n = tw * th;
        int[] px = img.getRGB(0, 0, tw, th, null, 0, tw);
        for (int i = 0; i < n; i++) {
            planar[i] = (px[i] >> 16) & 255;
            planar[n + i] = (px[i] >> 8) & 255;
            planar[2 * n + i] = px[i] & 255;
        }
        Png.write(file, Image.of(planar, 3, th, tw), 8);
    }

    /** Whether text can be drawn (a headless Java without fonts fails here). */
    private static boolean fontsWork() {
        try {
            BufferedImage probe = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = probe.createGraphics();
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
            g.drawString("x", 0, 7);
            g.dispose();
            return true;
        } catch (RuntimeException | LinkageError | InternalError e) {
            return false;
        }
    }

    /** A perceptual-ish colour map: dark blue (0) through teal and green to yellow (1). */
    static int colormap(double t) {
        double[][] stops = {
            {0.00, 0x30, 0x12, 0x3b}, {0.15, 0x46, 0x5e, 0xc9}, {0.35, 0x1f, 0x9e, 0xd9}, {0.55, 0x2e, 0xd0, 0x8f},
            {0.75, 0xb0, 0xe0, 0x3a}, {0.90, 0xfa, 0xb8, 0x2e}, {1.00, 0xe8, 0x4c, 0x1b}};
        double v = Double.isNaN(t) ? 0 : Math.max(0, Math.min(1, t));
        for (int i = 1; i < stops.length; i++) {
            if (v <= stops[i][0]) {
                double a = (v - stops[i - 1][0]) / (stops[i][0] - stops[i - 1][0]);
                int r = (int) Math.round(stops[i - 1][1] + a * (stops[i][1] - stops[i - 1][1]));
                int g = (int) Math.round(stops[i - 1][2] + a * (stops[i][2] - stops[i - 1][2]));
                int b = (int) Math.round(stops[i - 1][3] + a * (stops[i][3] - stops[i - 1][3]));
                return (r << 16) | (g << 8) | b;
            }
        }
        return 0xe84c1b;
    }

    private static int to8(float v) {
        return v != v ? 0 : Math.round(Math.min(1f, Math.max(0f, v)) * 255f);
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }
}
