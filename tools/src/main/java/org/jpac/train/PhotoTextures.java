package org.jpac.train;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Photographs as surface textures for {@link SyntheticSegmentation}: random
 * crops at random scales, mirrored, with colour jitter (brightness, contrast,
 * saturation, white balance), planar RGB {@code [3, h, w]} in [0, 1].
 *
 * <p>The photographs are only read at training time, never bundled:
 * {@link #DEBIAN_DIR} is where Debian's {@code mate-backgrounds} package puts its
 * twelve nature photographs (GPL-2+, see the package's copyright file);
 * {@link #load} reads any folder of JPEG or PNG files and says clearly when
 * there is none, and callers fall back to procedural textures
 * ({@link SceneTextures}). Each photograph is reduced on loading to at most
 * {@link #MAX_SIDE} pixels a side (box average), so crops at 320x240 see
 * photographic detail at scales of 0.5 to 2.
 *
 * <p>{@link #trainingSet} and {@link #heldOutSet} split the photographs by file
 * name (every third held out), so held-out scenes wear photographs that
 * training never saw.
 */
public final class PhotoTextures {

    /** Where Debian's {@code mate-backgrounds} keeps its nature photographs. */
    public static final Path DEBIAN_DIR = Path.of("/usr/share/backgrounds/mate/nature");
    /** Photographs are reduced to at most this many pixels a side when loaded. */
    public static final int MAX_SIDE = 768;
    /** The most pixels a photograph may have before reduction (a bomb guard). */
    static final long MAX_PIXELS = 64L << 20;

    /** A loaded photograph: its file name and planar RGB. */
    public record Photo(String name, int height, int width, float[] rgb) {
        /**
         * Checks the shape.
         *
         * @throws IllegalArgumentException if the sizes do not match the samples
         */
        public Photo {
            if (height < 1 || width < 1 || rgb == null || rgb.length != 3 * height * width) {
                throw new IllegalArgumentException("photo " + name + ": expected " + 3 * height * width
                        + " samples for " + width + "x" + height + ", got " + (rgb == null ? "null" : rgb.length));
            }
        }
    }

    private final List<Photo> photos;
    private final String source;

    private PhotoTextures(List<Photo> photos, String source) {
        if (photos.isEmpty()) {
            throw new IllegalArgumentException("photos: none in " + source);
        }
        this.photos = List.copyOf(photos);
        this.source = source;
    }

    /** Photographs already in memory (e.g. made by a test). */
    public static PhotoTextures of(List<Photo> photos, String source) {
        return new PhotoTextures(photos, source);
    }

    /**
     * Every {@code .jpg}, {@code .jpeg} and {@code .png} file in {@code dir}, in
     * file-name order.
     *
     * @throws IllegalArgumentException if {@code dir} is not a folder or holds no such file
     *     (the message says how to get Debian's photographs)
     * @throws IOException if a file cannot be read or decoded (naming it)
     */
    public static PhotoTextures load(Path dir) throws IOException {
        String hint = " (Debian's photographs: apt-get install mate-backgrounds, then " + DEBIAN_DIR + ")";
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("photos: " + dir + " is not a folder" + hint);
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> {
                String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                return Files.isRegularFile(p) && (n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".png"));
            }).sorted().toList();
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("photos: no JPEG or PNG files in " + dir + hint);
        }
        List<Photo> out = new ArrayList<>();
        for (Path f : files) {
            out.add(read(f));
        }
        return new PhotoTextures(out, dir.toString());
    }

    /** Reads one photograph, checking its size before decoding, and reduces it to {@link #MAX_SIDE}. */
    static Photo read(Path file) throws IOException {
        BufferedImage img;
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new IOException(file + ": not an image javax.imageio can read");
            }
            ImageReader r = readers.next();
            try {
                r.setInput(in);
                long pixels = (long) r.getWidth(0) * r.getHeight(0);
                if (pixels > MAX_PIXELS) {
                    throw new IOException(file + ": " + r.getWidth(0) + "x" + r.getHeight(0)
                            + " is more than the " + MAX_PIXELS + " pixels allowed");
                }
                img = r.read(0);
            } finally {
                r.dispose();
            }
        }
        int w = img.getWidth();
        int h = img.getHeight();
        int k = Math.max(1, (Math.max(w, h) + MAX_SIDE - 1) / MAX_SIDE);
        int ow = Math.max(1, w / k);
        int oh = Math.max(1, h / k);
        int on = ow * oh;
        float[] rgb = new float[3 * on];
        int[] row = new int[w];
        float norm = 1f / (255f * k * k);
        for (int y = 0; y < oh * k; y++) {
            img.getRGB(0, y, w, 1, row, 0, w);
            int o = (y / k) * ow;
            for (int x = 0; x < ow * k; x++) {
                int p = row[x];
                int i = o + x / k;
                rgb[i] += ((p >> 16) & 255) * norm;
                rgb[on + i] += ((p >> 8) & 255) * norm;
                rgb[2 * on + i] += (p & 255) * norm;
            }
        }
        return new Photo(file.getFileName().toString(), oh, ow, rgb);
    }

    /** The photographs training uses: all but every third by file name. */
    public PhotoTextures trainingSet() {
        return subset(false);
    }

    /** The held-out photographs: every third by file name (the third, sixth, ...). */
    public PhotoTextures heldOutSet() {
        return subset(true);
    }

    private PhotoTextures subset(boolean heldOut) {
        if (photos.size() < 3) {
            throw new IllegalArgumentException("photos: " + source + " has " + photos.size()
                    + " photographs; a training and a held-out set need at least 3");
        }
        List<Photo> out = new ArrayList<>();
        for (int i = 0; i < photos.size(); i++) {
            if ((i % 3 == 2) == heldOut) {
                out.add(photos.get(i));
            }
        }
        return new PhotoTextures(out, source + (heldOut ? " (held-out)" : " (training)"));
    }

    /** The photographs' file names, in order. */
    public List<String> names() {
        return photos.stream().map(Photo::name).toList();
    }

    /** How many photographs there are. */
    public int size() {
        return photos.size();
    }

    /** Where they came from. */
    public String source() {
        return source;
    }

    /** A random photograph's index. */
    int pick(SplittableRandom rng) {
        return rng.nextInt(photos.size());
    }

    /**
     * A {@code h x w} crop of photograph {@code index}: a random scale (0.5 to 2
     * photo pixels per pixel, less where the photograph is too small), place and
     * mirroring (upside down too when {@code anyOrientation}, for object
     * surfaces), resampled bilinearly, then colour-jittered.
     */
    float[] crop(int h, int w, int index, boolean anyOrientation, SplittableRandom rng) {
        Photo p = photos.get(index);
        double fit = Math.min((double) p.height() / h, (double) p.width() / w);
        double zoom = Math.min(fit, Math.exp(Math.log(0.5) + rng.nextDouble() * Math.log(4)));
        double x0 = rng.nextDouble() * Math.max(0, p.width() - w * zoom);
        double y0 = rng.nextDouble() * Math.max(0, p.height() - h * zoom);
        boolean flipX = rng.nextBoolean();
        boolean flipY = anyOrientation && rng.nextDouble() < 0.3;
        float[] out = new float[3 * h * w];
        int n = h * w;
        int pn = p.height() * p.width();
        for (int y = 0; y < h; y++) {
            double sy = y0 + ((flipY ? h - 1 - y : y) + 0.5) * zoom - 0.5;
            for (int x = 0; x < w; x++) {
                double sx = x0 + ((flipX ? w - 1 - x : x) + 0.5) * zoom - 0.5;
                for (int c = 0; c < 3; c++) {
                    out[c * n + y * w + x] = (float) bilinear(p.rgb(), c * pn, p.height(), p.width(), sy, sx);
                }
            }
        }
        jitter(out, n, rng);
        return out;
    }

    private static double bilinear(float[] a, int off, int h, int w, double y, double x) {
        y = Math.max(0, Math.min(h - 1, y));
        x = Math.max(0, Math.min(w - 1, x));
        int y0 = (int) y;
        int x0 = (int) x;
        int y1 = Math.min(h - 1, y0 + 1);
        int x1 = Math.min(w - 1, x0 + 1);
        double fy = y - y0;
        double fx = x - x0;
        double top = a[off + y0 * w + x0] * (1 - fx) + a[off + y0 * w + x1] * fx;
        double bottom = a[off + y1 * w + x0] * (1 - fx) + a[off + y1 * w + x1] * fx;
        return top * (1 - fy) + bottom * fy;
    }

    /** Brightness, contrast about the crop's mean, saturation and per-channel gains, clamped to [0, 1]. */
    private static void jitter(float[] rgb, int n, SplittableRandom rng) {
        double brightness = 0.75 + 0.5 * rng.nextDouble();
        double contrast = 0.7 + 0.6 * rng.nextDouble();
        double saturation = 0.5 + 0.8 * rng.nextDouble();
        double[] gain = new double[3];
        for (int c = 0; c < 3; c++) {
            gain[c] = 0.9 + 0.2 * rng.nextDouble();
        }
        double mean = 0;
        for (int i = 0; i < 3 * n; i++) {
            mean += rgb[i];
        }
        mean /= 3.0 * n;
        for (int i = 0; i < n; i++) {
            double grey = (rgb[i] + rgb[n + i] + rgb[2 * n + i]) / 3;
            for (int c = 0; c < 3; c++) {
                double v = grey + (rgb[c * n + i] - grey) * saturation;
                v = mean + (v - mean) * contrast;
                rgb[c * n + i] = (float) SceneTextures.clamp(v * brightness * gain[c]);
            }
        }
    }
}
