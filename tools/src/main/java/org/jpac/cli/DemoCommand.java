package org.jpac.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.jpac.Device;
import org.jpac.Jpac;
import org.jpac.Tensor;
import org.jpac.io.images.Image;
import org.jpac.io.images.Png;
import org.jpac.model.CrfRefiner;
import org.jpac.model.DepthUpsampler;
import org.jpac.nn.TargetSkip;
import org.jpac.nn.SampledBilinear;
import org.jpac.nn.SampledJointBilateral;
import org.jpac.nn.Sampling;
import org.jpac.nn.Network;
import org.jpac.nn.PacJointUpsample;
import org.jpac.nn.UpsamplingNetwork;

/**
 * {@code jpac demo [--out DIR] [--weights FILE]}: joint depth upsampling and
 * PAC-CRF refinement on a generated RGB-D scene ({@link SyntheticScene}).
 *
 * <ol>
 * <li>The scene's depth is reduced 8x by a sampling protocol ({@code --sampling}: the
 *     block average, the default, or one sample per block at pixel (f-1)//2) and upsampled
 *     8x again by bilinear interpolation, joint bilateral upsampling ({@link SampledJointBilateral},
 *     the {@code upsample --model jbu} defaults), both with the samples where the protocol
 *     puts them, the guided PAC filter (the
 *     bilinear result joint-bilateral filtered with the colour image,
 *     {@code Pac.pool2dGuided}, as {@code jpac filter}) and {@link PacJointUpsample}
 *     (the bundled model, or given weights); RMSE against the true depth.</li>
 * <li>A coarse, noisy segmentation of the scene is refined by the
 *     {@code crf} command's default (the bundled) PAC-CRF; mIoU before and after.</li>
 * </ol>
 * Writes side-by-side PNGs, a failure picture (PAC's error heat map with the
 * window where it errs most marked) and the inputs (so that the {@code upsample},
 * {@code filter} and {@code crf} commands can be tried on them) to DIR
 * (default {@code jpac-demo}); prints errors, timings and the backend.
 */
public final class DemoCommand extends CliCommand {

    static final int HEIGHT = 288;
    static final int WIDTH = 384;
    static final int FACTOR = 8;
    static final double NEAR = 1.2;
    static final double FAR = 7.0;
    /** The guided PAC filter on the bilinear result: spatial and colour sigma. */
    static final double FILTER_SIGMA_SPACE = 8;
    static final double FILTER_SIGMA_COLOR = 0.08;
    /** Every file the demo writes into its folder (checked against --weights before it runs). */
    static final List<String> FILES = List.of("depth_upsampling.png", "depth_errors.png", "depth_failure.png",
            "segmentation.png", "guide.png", "depth_true.png", "depth_low.png", "scores.npy");
    /** The side of the failure picture's marked window, in pixels. */
    static final int FAILURE_WINDOW = 32;
    static final String DEFAULT_DIR = "jpac-demo";

    static final String USAGE = String.join("\n",
            "usage: jpac demo [--out DIR] [--weights FILE] [--sampling center|area] [--quiet]",
            "  On a generated RGB-D scene: upsamples depth reduced 8x back 8x (bilinear, joint bilateral",
            "  upsampling, the guided PAC filter, and the bundled PacJointUpsample or --weights), and refines",
            "  a coarse noisy segmentation with the bundled PAC-CRF. Prints RMSE, mIoU, timings and the backend, and",
            "  writes side-by-side PNGs to DIR (default jpac-demo), among them depth_failure.png: where the PAC",
            "  model errs most (error heat map, the worst 32x32 window marked).",
            "  --sampling center|area  how the 8x smaller depth is made: the 8x8 block average (default) or one",
            "                   sample per block at pixel (3, 3)",
            "  --weights FILE   trained PacJointUpsample(Lite) x8 weights (.safetensors / .pth); default: the",
            "                   bundled 8x PacJointUpsample trained by jpac train on synthetic scenes");

    /**
     * Runs {@code jpac demo} and exits with its code.
     *
     * @param args the demo's options, as after {@code jpac demo}
     */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the demo; returns the exit code. */
    public static int run(String[] args) {
        return new DemoCommand().run(args, System.out, System.err);
    }

    @Override
    String name() {
        return "demo";
    }

    @Override
    String usage() {
        return USAGE;
    }

    @Override
    Set<String> valued() {
        return Set.of("--out", "--weights", "--sampling");
    }

    @Override
    Set<String> flags() {
        return Set.of();
    }

    @Override
    List<String> inputOptions() {
        return List.of("--weights");
    }

    @Override
    List<String> outputOptions() {
        return List.of("--out");
    }

    /** The files in the --out folder (given or not). */
    @Override
    List<Path> filesWritten(String option, Args a) {
        Path dir = outDir(a);
        return FILES.stream().map(dir::resolve).toList();
    }

    private static Path outDir(Args a) {
        return a.has("--out") ? a.requiredPath("--out") : Path.of(DEFAULT_DIR);
    }

    @Override
    int execute(Args a, PrintStream out, Progress progress) throws IOException {
        Path dir = outDir(a);
        Path weightsPath = a.path("--weights");
        // Without --weights: the 8x model trained by jpac itself (synthetic data) that ships in the jar.
        Sampling sampling = Sampling.parse(a.choice("--sampling", "area", "center", "area"), "--sampling");
        WeightsFile weights = weightsPath == null ? WeightsFile.bundled(FACTOR, sampling)
                : WeightsFile.load("--weights", weightsPath, FiniteValues.strict());
        if (!weights.samplings().contains(sampling)) {
            throw CliException.failure((weightsPath == null ? "the bundled 8x model" : "--weights " + weightsPath)
                    + " was trained for low-resolution depth made by " + Sampling.format(weights.samplings())
                    + ", not --sampling " + sampling.key());
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw CliException.failure("--out: cannot create " + dir + ": " + ioMessage(e));
        }
        long start = System.nanoTime();
        out.println("jpac demo: joint depth upsampling and PAC-CRF refinement on a generated RGB-D scene");
        out.println("  jpac " + Jpac.version() + ", oneDNN " + Jpac.onednnVersion() + ", " + Jpac.threads()
                + " CPU threads; backend " + Jpac.backend() + " (" + Jpac.backendReason() + ")");
        out.println();

        Timer tm = new Timer();
        SyntheticScene scene = tm.time(() -> SyntheticScene.render(HEIGHT, WIDTH));
        int h = HEIGHT;
        int w = WIDTH;
        int lh = h / FACTOR;
        int lw = w / FACTOR;
        float[] low = sampling.downsample(scene.depth, h, w, FACTOR);
        out.printf(Locale.ROOT, "  scene %dx%d (wall, tiled floor, ball, box, pillar), depth %.1f..%.1f m; %s%n", w, h,
                NEAR, FAR, tm.last());
        out.printf(Locale.ROOT, "  low-resolution depth %dx%d, sampling %s: %s%n%n", lw, lh, sampling.key(),
                sampling == Sampling.AREA ? "the average of each " + FACTOR + "x" + FACTOR + " block"
                        : "one sample per " + FACTOR + "x" + FACTOR + " block, at its pixel (3, 3)");

        // ---- depth upsampling --------------------------------------------------------
        out.println("  8x depth upsampling                 RMSE (m)   time");
        Image guide = Image.of(scene.rgb, 3, h, w);
        Image lowImg = Image.of(low, 1, lh, lw);
        float[] bilinear;
        float[] jbu;
        float[] filtered;
        try (SampledBilinear net = new SampledBilinear(FACTOR, sampling)) {
            bilinear = tm.time(() -> upsample(net, lowImg, guide));
        }
        row(out, "bilinear", rmse(bilinear, scene.depth), tm.last());
        SampledJointBilateral jbuNet = new SampledJointBilateral(FACTOR, sampling, UpsampleCommand.jbuKernel(FACTOR),
                UpsampleCommand.jbuSigmaSpace(FACTOR), UpsampleCommand.JBU_SIGMA_COLOR);
        try (jbuNet) {
            jbu = tm.time(() -> upsample(jbuNet, lowImg, guide));
        }
        row(out, String.format(Locale.ROOT, "JBU (%dx%d window)", jbuNet.kernelSize(), jbuNet.kernelSize()),
                rmse(jbu, scene.depth), tm.last());
        int fk = FilterCommand.kernelSize(FILTER_SIGMA_SPACE);
        filtered = tm.time(() -> FilterCommand.filter(Image.of(bilinear, 1, h, w), guide, FILTER_SIGMA_SPACE,
                FILTER_SIGMA_COLOR, fk).data());
        row(out, String.format(Locale.ROOT, "guided PAC filter of bilinear"), rmse(filtered, scene.depth), tm.last());
        String pacName;
        float[] pac;
        try (Network net = pacNetwork(weights)) {
            Device at = BackendPlacement.place(line -> out.println("    (" + line + ")"), "the PAC network", net::to);
            pac = tm.time(() -> upsample((UpsamplingNetwork) net, lowImg, guide, at));
            UpsamplingNetwork un = (UpsamplingNetwork) net;
            pacName = TargetSkip.inner(un).getClass().getSimpleName() + TargetSkip.of(un).suffix()
                    + (weightsPath == null ? " (bundled)" : "");
            row(out, pacName, rmse(pac, scene.depth), tm.last());
            if (weightsPath == null) {
                out.println("      (trained by jpac train on other synthetic scenes, for the protocols "
                        + Sampling.format(weights.samplings()) + "; java-api/src/main/resources/models/README.md)");
            }
        }
        FailureMap worst = FailureMap.worst(pac, scene.depth, h, w, FAILURE_WINDOW);
        out.printf(Locale.ROOT, "    %s errs most in the %dx%d window at x %d, y %d: RMSE %.3f m there%n", pacName,
                worst.size(), worst.size(), worst.x(), worst.y(), worst.rmse());

        // ---- segmentation --------------------------------------------------------------
        out.println();
        int classes = SyntheticScene.CLASSES.length;
        float[] scores = scene.noisyScores(16, 0.9, 7);
        int[] before = Labels.argmax(scores, classes, h * w);
        int[] after;
        try (CrfRefiner crf = CrfRefiner.bundled(classes);
             Tensor u = Tensor.of(scores, 1, classes, h, w); Tensor img = guide.toTensor()) {
            BackendPlacement.place(line -> out.println("    (" + line + ")"), "the CRF", crf::to);
            after = tm.time(() -> {
                try (Tensor q = crf.refine(img, u)) {
                    return Labels.argmax(q.toArray(), classes, h * w);
                }
            });
        }
        out.printf(Locale.ROOT, "  segmentation (%d classes)            mIoU      time%n", classes);
        out.printf(Locale.ROOT, "    %-32s %6.1f %%%n", "coarse noisy segmenter", 100 * Labels.meanIoU(before,
                scene.labels, classes));
        out.printf(Locale.ROOT, "    %-32s %6.1f %%   %s%n", "PAC-CRF (bundled), 5 steps",
                100 * Labels.meanIoU(after, scene.labels, classes), tm.last());

        // ---- pictures ------------------------------------------------------------------------
        Panels depth = new Panels(h, w)
                .rgb("guide image", scene.rgb)
                .depth("true depth", scene.depth, NEAR, FAR)
                .depthNearest(String.format(Locale.ROOT, "input: %dx%d depth", lw, lh), low, lh, lw, NEAR, FAR)
                .depth(label("bilinear", bilinear, scene.depth), bilinear, NEAR, FAR)
                .depth(label("JBU", jbu, scene.depth), jbu, NEAR, FAR)
                .depth(label("guided PAC filter", filtered, scene.depth), filtered, NEAR, FAR)
                .depth(label(pacName, pac, scene.depth), pac, NEAR, FAR);
        Panels errors = new Panels(h, w)
                .error("|error| bilinear (white: 0.5 m)", bilinear, scene.depth, 0.5)
                .error("|error| JBU", jbu, scene.depth, 0.5)
                .error("|error| guided PAC filter", filtered, scene.depth, 0.5)
                .error("|error| " + pacName, pac, scene.depth, 0.5);
        Panels failure = new Panels(h, w)
                .rgb(String.format(Locale.ROOT, "guide, PAC's worst %dx%d window", worst.size(), worst.size()),
                        scene.rgb, worst)
                .heat(String.format(Locale.ROOT, "|error| PAC (hot: 0.3 m); window RMSE %.3f m", worst.rmse()), pac,
                        scene.depth, 0.3, worst);
        Panels seg = new Panels(h, w)
                .rgb("image", scene.rgb)
                .labels("true labels", scene.labels, classes, scene.rgb)
                .labels(String.format(Locale.ROOT, "noisy segmenter, mIoU %.1f%%",
                        100 * Labels.meanIoU(before, scene.labels, classes)), before, classes, scene.rgb)
                .labels(String.format(Locale.ROOT, "PAC-CRF, mIoU %.1f%%",
                        100 * Labels.meanIoU(after, scene.labels, classes)), after, classes, scene.rgb);
        try {
            depth.write(dir.resolve("depth_upsampling.png"), 3);
            errors.write(dir.resolve("depth_errors.png"), 4);
            failure.write(dir.resolve("depth_failure.png"), 2);
            seg.write(dir.resolve("segmentation.png"), 4);
            writeInputs(dir, scene, low, lh, lw, scores);
        } catch (IOException e) {
            throw CliException.failure("cannot write images to " + dir.toAbsolutePath() + ": " + ioMessage(e));
        }
        Path abs = dir.toAbsolutePath().normalize();
        out.println();
        out.println("  wrote " + abs.resolve("depth_upsampling.png") + ", depth_errors.png, depth_failure.png,"
                + " segmentation.png");
        out.println("  and the inputs (guide.png, depth_low.png, depth_true.png: 16-bit millimetres; scores.npy),");
        out.println("  e.g.: jpac upsample --guide " + abs.resolve("guide.png") + " --low " + abs.resolve("depth_low.png")
                + " --factor 8 --model jbu --sampling " + sampling.key() + " --out jbu.png");
        out.printf(Locale.ROOT, "  total %.2f s%n", (System.nanoTime() - start) / 1e9);
        return 0;
    }

    private static Network pacNetwork(WeightsFile w) {
        Network net;
        if (w.describesModel()) {
            if (!w.model().startsWith("PacJointUpsample")) {
                throw CliException.failure("--weights " + w.path() + " hold a " + w.model()
                        + ", not a PacJointUpsample");
            }
            try {
                net = w.build(org.jpac.nn.ModelArgs.parse(w.model(), w.args()));
            } catch (IllegalArgumentException e) {
                throw CliException.failure("--weights " + w.path() + ": cannot build " + w.model() + ": "
                        + e.getMessage());
            }
            if (((UpsamplingNetwork) net).factor() != FACTOR) {
                net.close();
                throw CliException.failure("--weights " + w.path() + " are not for factor " + FACTOR);
            }
        } else {
            net = new PacJointUpsample(FACTOR);
        }
        try {
            w.loadInto(net, "PacJointUpsample x" + FACTOR);
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
        return w.withSkip(net, "PacJointUpsample x" + FACTOR);
    }

    /** The upsample command's pipeline: per-channel min/max scaling around the network. */
    static float[] upsample(UpsamplingNetwork net, Image low, Image guide) {
        return upsample(net, low, guide, Device.CPU);
    }

    /** As {@link #upsample(UpsamplingNetwork, Image, Image)} with the network on {@code at} (moved there). */
    static float[] upsample(UpsamplingNetwork net, Image low, Image guide, Device at) {
        // DepthUpsampler.of does not close net; the caller does
        try (Tensor t = low.toTensor(); Tensor g = guide.toTensor();
             Tensor o = DepthUpsampler.of(net, true).to(at).upsample(g, t)) {
            return o.toArray();
        }
    }

    private static void writeInputs(Path dir, SyntheticScene s, float[] low, int lh, int lw, float[] scores)
            throws IOException {
        int n = s.height * s.width;
        float[] rgb = new float[3 * n];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = s.rgb[i] * 255f;
        }
        Png.write(dir.resolve("guide.png"), Image.of(rgb, 3, s.height, s.width), 8);
        Png.write(dir.resolve("depth_true.png"), Image.of(mm(s.depth), 1, s.height, s.width), 16);
        Png.write(dir.resolve("depth_low.png"), Image.of(mm(low), 1, lh, lw), 16);
        org.jpac.io.images.Npy.writeArray(dir.resolve("scores.npy"), scores, SyntheticScene.CLASSES.length, s.height,
                s.width);
    }

    private static float[] mm(float[] m) {
        float[] r = new float[m.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = m[i] * 1000f;
        }
        return r;
    }

    private static String label(String name, float[] d, float[] ref) {
        return String.format(Locale.ROOT, "%s, RMSE %.3f m", name, rmse(d, ref));
    }

    private static void row(PrintStream out, String name, double rmse, String time) {
        out.printf(Locale.ROOT, "    %-32s %7.4f   %s%n", name, rmse, time);
    }

    static double rmse(float[] a, float[] ref) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - ref[i];
            s += d * d;
        }
        return Math.sqrt(s / a.length);
    }

    /** Times single calls. */
    private static final class Timer {
        private long lastNanos;

        <T> T time(java.util.function.Supplier<T> work) {
            long t0 = System.nanoTime();
            T r = work.get();
            lastNanos = System.nanoTime() - t0;
            return r;
        }

        String last() {
            return Progress.time(lastNanos);
        }
    }
}
