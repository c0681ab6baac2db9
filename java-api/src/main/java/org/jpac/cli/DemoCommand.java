package org.jpac.cli;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

import javax.imageio.ImageIO;

import org.jpac.Jpac;
import org.jpac.Pac;
import org.jpac.PacOptions;
import org.jpac.Tensor;

/**
 * {@code jpac demo [--out DIR]}: edge-preserving denoising with a joint
 * bilateral filter written as a special case of pixel-adaptive pooling.
 *
 * <p>A deterministic synthetic RGB image (smooth gradients and flat shapes with
 * sharp edges, plus fine stripes) gets gaussian noise. The bilateral filter is
 * {@code Pac.pool2dGuided} with a gaussian kernel, {@code normalizeKernel} and
 * the guide {@code [r, g, b] / sigmaColor ++ [y, x] / sigmaSpace}: then
 * {@code K = exp(-|dc|^2 / (2 sigmaColor^2) - |dp|^2 / (2 sigmaSpace^2))}, divided by
 * its sum over the window, which is exactly the bilateral weight. The same call
 * with the spatial channels alone is a plain gaussian blur, shown for contrast.
 * Writes PNGs to {@code jpac-demo/} (or DIR) and prints timings and the PSNR of
 * each image against the clean one.
 */
public final class DemoCommand {

    static final int WIDTH = 384;
    static final int HEIGHT = 256;
    static final float NOISE_SIGMA = 0.10f;
    static final float SIGMA_COLOR = 0.15f;
    static final float SIGMA_SPACE = 3f;
    static final int KERNEL = 9;
    static final long SEED = 20190616L; // deterministic noise

    static final String USAGE = String.join("\n",
            "usage: jpac demo [--out DIR]",
            "  Denoises a synthetic image with a bilateral filter computed as a pixel-adaptive pooling",
            "  (Pac.pool2dGuided, gaussian kernel, normalizeKernel, guide = [rgb/sigma_color, y/sigma_space,",
            "  x/sigma_space]) and writes PNGs (noisy | bilateral | gaussian blur) to DIR (default jpac-demo).");

    private DemoCommand() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the demo; returns the exit code. */
    public static int run(String[] args) {
        return run(args, System.out, System.err);
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Path dir = Path.of("jpac-demo");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> {
                    if (i + 1 >= args.length) {
                        err.println("jpac demo: --out needs a directory");
                        err.println(USAGE);
                        return 2;
                    }
                    dir = Path.of(args[++i]);
                }
                case "-h", "--help" -> {
                    out.println(USAGE);
                    return 0;
                }
                default -> {
                    err.println("jpac demo: unknown argument '" + args[i] + "'");
                    err.println(USAGE);
                    return 2;
                }
            }
        }
        System.setProperty("java.awt.headless", "true");
        long start = System.nanoTime();
        int h = HEIGHT;
        int w = WIDTH;
        float[] clean = syntheticImage(h, w);
        float[] noisy = addNoise(clean, NOISE_SIGMA, SEED);

        out.println("jpac demo: bilateral filter as pixel-adaptive pooling");
        out.println("  jpac " + Jpac.version() + ", oneDNN " + Jpac.onednnVersion() + ", " + Jpac.threads()
                + " CPU threads");
        String backendLine;
        try {
            backendLine = "backend: cpu (demo tensors live in host memory); jpac backend choice: "
                    + Jpac.backend() + " (" + Jpac.backendReason() + ")";
        } catch (RuntimeException e) {
            backendLine = "backend: cpu (demo tensors live in host memory); " + e.getMessage();
        }
        out.println("  " + backendLine);
        out.printf(Locale.ROOT, "  image %dx%d RGB, gaussian noise sigma %.2f; %dx%d window, sigma_color %.2f,"
                + " sigma_space %.1f px%n", w, h, NOISE_SIGMA, KERNEL, KERNEL, SIGMA_COLOR, SIGMA_SPACE);

        PacOptions opts = PacOptions.builder(KERNEL).padding(KERNEL / 2).normalizeKernel(true).build();
        float[] bilateral;
        float[] blurred;
        Timing tb;
        Timing tg;
        try (Tensor input = Tensor.of(noisy, 1, 3, h, w);
             Tensor bilateralGuide = guide(noisy, h, w, true);
             Tensor spatialGuide = guide(noisy, h, w, false);
             Tensor outB = Tensor.allocate(1, 3, h, w);
             Tensor outG = Tensor.allocate(1, 3, h, w)) {
            tb = time(() -> Pac.pool2dGuidedInto(input, bilateralGuide, null, null, null, opts, outB));
            tg = time(() -> Pac.pool2dGuidedInto(input, spatialGuide, null, null, null, opts, outG));
            bilateral = outB.toArray();
            blurred = outG.toArray();
        }
        clamp(bilateral);
        clamp(blurred);

        out.println();
        out.printf(Locale.ROOT, "  %-46s %9s %18s%n", "image", "PSNR", "time");
        out.printf(Locale.ROOT, "  %-46s %6.2f dB %18s%n", "noisy input", psnr(noisy, clean), "");
        out.printf(Locale.ROOT, "  %-46s %6.2f dB %18s%n", "bilateral (pool2dGuided, color + space guide)",
                psnr(bilateral, clean), tb);
        out.printf(Locale.ROOT, "  %-46s %6.2f dB %18s%n", "gaussian blur (pool2dGuided, space guide only)",
                psnr(blurred, clean), tg);
        out.println("  (time: median of 5 calls after a first call; first call in brackets)");

        try {
            Files.createDirectories(dir);
            write(dir.resolve("clean.png"), new float[][] {clean}, h, w);
            write(dir.resolve("noisy.png"), new float[][] {noisy}, h, w);
            write(dir.resolve("bilateral.png"), new float[][] {bilateral}, h, w);
            write(dir.resolve("gaussian.png"), new float[][] {blurred}, h, w);
            write(dir.resolve("comparison.png"), new float[][] {noisy, bilateral, blurred}, h, w);
        } catch (IOException e) {
            err.println("jpac demo: cannot write images to " + dir.toAbsolutePath() + ": " + e.getMessage());
            return 1;
        }
        out.println();
        out.println("  wrote " + dir.toAbsolutePath().normalize().resolve("comparison.png")
                + "  (noisy | bilateral | gaussian blur)");
        out.println("  and clean.png, noisy.png, bilateral.png, gaussian.png in the same directory");
        out.printf(Locale.ROOT, "  total %.2f s%n", (System.nanoTime() - start) / 1e9);
        return 0;
    }

    // ---- image -------------------------------------------------------------------

    /** A clean planar RGB image [3, h, w] in [0, 1]: gradients, shapes with sharp edges, fine stripes. */
    static float[] syntheticImage(int h, int w) {
        float[] img = new float[3 * h * w];
        int plane = h * w;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double u = x / (double) (w - 1);
                double v = y / (double) (h - 1);
                // smooth background: a diagonal colour ramp
                double r = 0.15 + 0.55 * u;
                double g = 0.25 + 0.45 * v;
                double b = 0.75 - 0.45 * u * v;
                // disk with a soft radial shading inside and a sharp rim
                double dx = x - 0.22 * w;
                double dy = y - 0.50 * h;
                double d = Math.sqrt(dx * dx + dy * dy);
                double rad = 0.28 * h;
                if (d < rad) {
                    double s = 1 - 0.35 * d / rad;
                    r = 0.95 * s;
                    g = 0.25 * s;
                    b = 0.20 * s;
                }
                // flat rectangle
                if (x >= 0.42 * w && x < 0.70 * w && y >= 0.12 * h && y < 0.50 * h) {
                    r = 0.10;
                    g = 0.55;
                    b = 0.25;
                }
                // triangle
                double tx = (x - 0.52 * w) / (0.20 * w);
                double ty = (0.92 * h - y) / (0.36 * h);
                if (ty >= 0 && ty <= 1 && Math.abs(tx) <= 1 - ty) {
                    r = 0.98;
                    g = 0.85;
                    b = 0.20;
                }
                // fine vertical stripes of 4 px (texture a blur wipes out)
                if (x >= 0.78 * w && x < 0.96 * w && y >= 0.15 * h && y < 0.85 * h) {
                    double c = ((x / 4) % 2 == 0) ? 0.85 : 0.15;
                    r = c;
                    g = c;
                    b = c;
                }
                int i = y * w + x;
                img[i] = (float) r;
                img[plane + i] = (float) g;
                img[2 * plane + i] = (float) b;
            }
        }
        return img;
    }

    /** The image plus gaussian noise of the given sigma, clamped to [0, 1]; the same for the same seed. */
    static float[] addNoise(float[] clean, float sigma, long seed) {
        Random rnd = new Random(seed);
        float[] n = new float[clean.length];
        for (int i = 0; i < n.length; i++) {
            n[i] = (float) (clean[i] + sigma * rnd.nextGaussian());
        }
        clamp(n);
        return n;
    }

    /**
     * The guide [1, C, h, w]: with colour, [r, g, b] / sigmaColor then [y, x] / sigmaSpace;
     * without, only [y, x] / sigmaSpace (a plain gaussian blur).
     */
    static Tensor guide(float[] rgb, int h, int w, boolean withColor) {
        int plane = h * w;
        int cc = withColor ? 3 : 0;
        float[] g = new float[(cc + 2) * plane];
        for (int c = 0; c < cc; c++) {
            for (int i = 0; i < plane; i++) {
                g[c * plane + i] = rgb[c * plane + i] / SIGMA_COLOR;
            }
        }
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                g[cc * plane + y * w + x] = y / SIGMA_SPACE;
                g[(cc + 1) * plane + y * w + x] = x / SIGMA_SPACE;
            }
        }
        return Tensor.of(g, 1, cc + 2, h, w);
    }

    static void clamp(float[] a) {
        for (int i = 0; i < a.length; i++) {
            a[i] = Math.min(1f, Math.max(0f, a[i]));
        }
    }

    /** Peak signal-to-noise ratio for a peak of 1, in dB. */
    static double psnr(float[] a, float[] ref) {
        double se = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - ref[i];
            se += d * d;
        }
        double mse = se / a.length;
        return mse == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(1 / mse);
    }

    /** Planar RGB images side by side, 8 px of white between them, as one PNG. */
    static void write(Path file, float[][] images, int h, int w) throws IOException {
        int gap = 8;
        int total = images.length * w + (images.length - 1) * gap;
        BufferedImage img = new BufferedImage(total, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < total; x++) {
                img.setRGB(x, y, 0xFFFFFF);
            }
        }
        int plane = h * w;
        for (int k = 0; k < images.length; k++) {
            float[] a = images[k];
            int x0 = k * (w + gap);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int i = y * w + x;
                    int rgb = (to8(a[i]) << 16) | (to8(a[plane + i]) << 8) | to8(a[2 * plane + i]);
                    img.setRGB(x0 + x, y, rgb);
                }
            }
        }
        if (!ImageIO.write(img, "png", file.toFile())) {
            throw new IOException("no PNG writer available");
        }
    }

    private static int to8(float v) {
        return Math.round(Math.min(1f, Math.max(0f, v)) * 255f);
    }

    // ---- timing --------------------------------------------------------------------------

    record Timing(double firstMs, double medianMs) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%.1f ms (%.1f)", medianMs, firstMs);
        }
    }

    static Timing time(Runnable r) {
        long t0 = System.nanoTime();
        r.run();
        double first = (System.nanoTime() - t0) / 1e6;
        double[] t = new double[5];
        for (int i = 0; i < t.length; i++) {
            long s = System.nanoTime();
            r.run();
            t[i] = (System.nanoTime() - s) / 1e6;
        }
        Arrays.sort(t);
        return new Timing(first, t[t.length / 2]);
    }
}
