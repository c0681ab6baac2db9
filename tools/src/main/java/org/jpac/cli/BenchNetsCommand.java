package org.jpac.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Supplier;

import org.jpac.Jpac;
import org.jpac.Tensor;
import org.jpac.internal.MacCounter;
import org.jpac.nn.CompatType;
import org.jpac.nn.CrfOutput;
import org.jpac.nn.PacCRF;
import org.jpac.nn.PacJointUpsample;
import org.jpac.nn.PairwiseKernel;

/**
 * {@code jpac bench-nets}: wall-clock times of whole network forward passes, by
 * a small harness (warm-up calls, then the median and minimum of timed calls;
 * every call includes allocating and freeing its outputs), with each case's
 * multiply-adds (counted from the shapes of its convolutions, see
 * {@code MacCounter}) as GFLOP/s, and what a steady call costs besides its
 * compute: minor page faults of the process and Java heap bytes allocated by
 * the calling thread, per call:
 * <ul>
 * <li>{@code PacJointUpsample} 8x (reference defaults, seeded random weights)
 *     on a 640x480 guide and an 80x60 target;</li>
 * <li>{@code PacCRF} with 21 classes, 5 steps and two Potts terms with 5x5
 *     windows at dilations 16 and 64 on 500x375 (the {@code crf} command's
 *     default CRF), timed with its edge features and kernels; and the same with
 *     {@code 4d} compatibility (full 21x21x5x5 PAC filters), as in the paper's
 *     trained PAC-CRFs.</li>
 * </ul>
 */
final class BenchNetsCommand extends CliCommand {

    /** Pairwise weights and edge scales of the CRF timed here (the paper's configuration at VOC's size). */
    static final double[] PAPER_WEIGHTS = {1.0, 0.5};
    static final double PAPER_SCALE_SPACE = 80;
    static final double PAPER_SCALE_COLOR = 0.1;

    static final String USAGE = String.join("\n",
            "usage: jpac bench-nets [--runs N] [--warmup N] [--only pac|crf|crf4d] [--markdown]",
            "  Times network forward passes: PacJointUpsample 8x on a 640x480 guide; PacCRF, 21 classes, 5 steps,",
            "  two 5x5 terms at dilations 16 and 64 on 500x375 (Potts, the crf command's default; and 4d).",
            "  --runs N      timed calls per case (default 5); the median and the minimum are reported",
            "  --warmup N    untimed calls first (default 1)",
            "  --only WHAT   one case",
            "  --markdown    also print the results as a Markdown table");

    @Override
    String name() {
        return "bench-nets";
    }

    @Override
    String usage() {
        return USAGE;
    }

    @Override
    java.util.Set<String> valued() {
        return java.util.Set.of("--runs", "--warmup", "--only");
    }

    @Override
    java.util.Set<String> flags() {
        return java.util.Set.of("--markdown");
    }

    /** One case: times, multiply-adds per call (0: not counted), faults and heap bytes per timed call. */
    record Result(String name, String shape, double medianMs, double minMs, int runs, long macs, double faults,
                  double heapBytes) {
        Result(String name, String shape, Timing t) {
            this(name, shape, median(t.ms()), min(t.ms()), t.ms().length, t.macs(), t.faults(), t.heapBytes());
        }

        /** 2 flops per multiply-add at the median time. */
        double gflops() {
            return macs == 0 ? Double.NaN : 2.0 * macs / (medianMs * 1e6);
        }
    }

    record Timing(double[] ms, long macs, double faults, double heapBytes) {
    }

    @Override
    int execute(Args a, PrintStream out, Progress progress) throws IOException {
        int runs = a.integer("--runs", 5, 1, 1000);
        int warmup = a.integer("--warmup", 1, 0, 100);
        String only = a.choice("--only", "all", "all", "pac", "crf", "crf4d");
        out.println("machine: " + machine());
        out.println("jpac " + Jpac.version() + " (" + Jpac.cpuIsa() + "), oneDNN " + Jpac.onednnVersion() + " ("
                + Jpac.onednnIsa() + "), backend " + Jpac.backend()
                + ", " + Jpac.threads() + " threads, Java " + Runtime.version() + ", " + LocalDate.now());
        out.printf(Locale.ROOT, "%-44s %-34s %10s %10s %8s %9s %10s%n", "case", "shape", "median ms", "min ms",
                "GFLOP/s", "faults", "heap KB");
        List<Result> results = new ArrayList<>();
        if (only.equals("all") || only.equals("pac")) {
            results.add(print(out, benchPac(runs, warmup, progress)));
        }
        if (only.equals("all") || only.equals("crf")) {
            results.add(print(out, benchCrf(CompatType.POTTS, runs, warmup, progress)));
            for (Result r : crfParts(runs, warmup, progress)) {
                results.add(print(out, r));
            }
        }
        if (only.equals("all") || only.equals("crf4d")) {
            results.add(print(out, benchCrf(CompatType.FOUR_D, runs, warmup, progress)));
        }
        if (a.flag("--markdown")) {
            out.println();
            out.println("| case | shape | median ms | min ms | GFLOP/s | page faults / call | Java heap KB / call | runs |");
            out.println("|---|---|---:|---:|---:|---:|---:|---:|");
            for (Result r : results) {
                out.printf(Locale.ROOT, "| %s | %s | %.1f | %.1f | %s | %.0f | %.1f | %d |%n", r.name(), r.shape(),
                        r.medianMs(), r.minMs(), gflopsText(r), r.faults(), r.heapBytes() / 1024, r.runs());
            }
        }
        return 0;
    }

    private static Result print(PrintStream out, Result r) {
        out.printf(Locale.ROOT, "%-44s %-34s %10.1f %10.1f %8s %9.0f %10.1f%n", r.name(), r.shape(), r.medianMs(),
                r.minMs(), gflopsText(r), r.faults(), r.heapBytes() / 1024);
        out.flush();
        return r;
    }

    private static String gflopsText(Result r) {
        return r.macs() == 0 ? "-" : String.format(Locale.ROOT, "%.1f", r.gflops());
    }

    static Result benchPac(int runs, int warmup, Progress progress) {
        int h = 480;
        int w = 640;
        try (PacJointUpsample net = PacJointUpsample.builder(8).seed(1).build();
             Tensor guide = random(new long[] {1, 3, h, w}, 2);
             Tensor low = random(new long[] {1, 1, h / 8, w / 8}, 3)) {
            Timing t = time(runs, warmup, progress, "PacJointUpsample x8", () -> net.forward(low, guide));
            return new Result("PacJointUpsample x8 forward (defaults)", "guide 1x3x480x640, target 1x1x60x80", t);
        }
    }

    /** The paper's "16-64" PAC-CRF on VOC: 21 classes, 5 steps, 5x5 terms at dilations 16 and 64. */
    static PacCRF paperCrf(CompatType compat) {
        PacCRF.Builder b = PacCRF.builder(21, 5).finalOutput(CrfOutput.SOFTMAX).perturbedInit(false).seed(0);
        boolean potts = compat == CompatType.POTTS;
        b.pairwiseKernel(new PairwiseKernel(5, 16, 1, compat, !potts, potts ? PAPER_WEIGHTS[0] : 1));
        b.pairwiseKernel(new PairwiseKernel(5, 64, 1, compat, !potts, potts ? PAPER_WEIGHTS[1] : 1));
        return b.build();
    }

    static Result benchCrf(CompatType compat, int runs, int warmup, Progress progress) {
        int h = 375;
        int w = 500;
        int classes = 21;
        try (PacCRF crf = paperCrf(compat); Tensor unary = random(new long[] {1, classes, h, w}, 4);
             Tensor image = random(new long[] {1, 3, h, w}, 5)) {
            String name = "PacCRF 21 cls, 5 steps, " + compat + " 5x5 d16+d64";
            Timing t = time(runs, warmup, progress, name, () -> {
                try (Tensor edge = PacCRF.createYXRGB(image, PAPER_SCALE_SPACE,
                        PAPER_SCALE_COLOR)) {
                    return crf.forward(unary, edge);
                }
            });
            return new Result(name, "unary 1x21x375x500, image 1x3x375x500", t);
        }
    }

    /** Where the default CRF's time goes: edge kernels, the mean-field steps, one softmax. */
    static List<Result> crfParts(int runs, int warmup, Progress progress) {
        int h = 375;
        int w = 500;
        try (PacCRF crf = paperCrf(CompatType.POTTS);
             Tensor unary = random(new long[] {1, 21, h, w}, 4); Tensor image = random(new long[] {1, 3, h, w}, 5);
             Tensor edge = PacCRF.createYXRGB(image, PAPER_SCALE_SPACE, PAPER_SCALE_COLOR)) {
            List<Result> r = new ArrayList<>();
            Timing k = time(runs, warmup, progress, "edge kernels", () -> {
                List<Tensor> ks = crf.edgeKernels(edge);
                ks.subList(1, ks.size()).forEach(Tensor::close);
                return ks.get(0);
            });
            r.add(new Result("  of which: edge features -> 2 edge kernels", "", k));
            List<Tensor> ks = crf.edgeKernels(edge);
            try {
                Timing f = time(runs, warmup, progress, "mean field", () -> crf.forward(unary, ks));
                r.add(new Result("  of which: 5 mean-field steps", "", f));
            } finally {
                ks.forEach(Tensor::close);
            }
            Timing sm = time(runs, warmup, progress, "softmax", () -> org.jpac.nn.StdOps.softmax(unary));
            r.add(new Result("  one softmax over 21 classes (6 per forward)", "", sm));
            return r;
        }
    }

    private static Timing time(int runs, int warmup, Progress progress, String what, Supplier<Tensor> call) {
        for (int i = 0; i < warmup; i++) {
            long t0 = System.nanoTime();
            call.get().close();
            progress.note(what + ": warm-up " + Progress.time(System.nanoTime() - t0));
        }
        double[] t = new double[runs];
        long faults0 = PageFaults.minor();
        long heap0 = PageFaults.threadHeapBytes();
        MacCounter.start();
        long macs;
        try {
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                call.get().close();
                t[i] = (System.nanoTime() - t0) / 1e6;
            }
        } finally {
            macs = MacCounter.stop();
        }
        double faults = (PageFaults.minor() - faults0) / (double) runs;
        double heap = (PageFaults.threadHeapBytes() - heap0) / (double) runs;
        return new Timing(t, macs / runs, faults, heap);
    }

    static double median(double[] t) {
        double[] s = t.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    static double min(double[] t) {
        return Arrays.stream(t).min().orElse(Double.NaN);
    }

    private static Tensor random(long[] shape, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] d = new float[(int) n];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) r.nextDouble();
        }
        return Tensor.of(d, shape);
    }

    /** CPU model and core count, from /proc/cpuinfo where it exists. */
    static String machine() {
        String model = System.getProperty("os.arch");
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    model = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            // keep os.arch
        }
        return model + ", " + Runtime.getRuntime().availableProcessors() + " cores available, "
                + System.getProperty("os.name") + " " + System.getProperty("os.version");
    }
}
