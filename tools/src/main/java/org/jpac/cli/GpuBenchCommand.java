package org.jpac.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Function;

import org.jpac.Device;
import org.jpac.Grad;
import org.jpac.Guide;
import org.jpac.Jpac;
import org.jpac.Kernel2dResult;
import org.jpac.JpacException;
import org.jpac.Pac;
import org.jpac.PacOptions;
import org.jpac.Tensor;
import org.jpac.grad.GuidedConvGrads;
import org.jpac.internal.DeviceMemoryPool;
import org.jpac.internal.MacCounter;
import org.jpac.nn.CompatType;
import org.jpac.nn.CrfOutput;
import org.jpac.nn.PacCRF;
import org.jpac.nn.PacJointUpsample;
import org.jpac.nn.PairwiseKernel;
import org.jpac.nn.UpsampleGrads;

/**
 * {@code jpac gpu-bench}: wall-clock times of the fused PAC operations on
 * {@code cuda:0} tensors, the shapes of the CPU benchmarks (bench/RESULTS.md).
 * Each CUDA call returns when its kernels are done, so a call's time is the
 * device time plus its launch and argument checks. Forwards write into outputs
 * allocated once; the backward allocates its gradients each call (device
 * memory of the closed ones, reused). The GPU bundle's run.sh sets these times beside cuDNN's
 * convolutions and the authors' PyTorch PAC of the same shapes. On the emulated backend the times
 * are the emulator's, on the CPU, and the header says so.
 */
final class GpuBenchCommand extends CliCommand {

    static final String USAGE = String.join("\n",
            "usage: jpac gpu-bench [--runs N] [--warmup N] [--size full|tiny] [--batch N] [--channels C] [--check]",
            "  Times the fused PAC ops on cuda:0 tensors: conv2d_guided forward, backward and both (a training",
            "  step), conv_transpose2d_guided, pool2d_guided and kernel2d forward; C channels (default 32), 5x5",
            "  windows, 8 guide channels, N images (default 1) of 256x256 outputs; and a PacCRF's inference",
            "  (21 labels, 512x512, 5 steps, two 5x5 Potts terms at dilations 16 and 64: the paper's 16-64 CRF);",
            "  conv2d_guided forward with 7x7 (K in 49 registers) and 9x9 windows (the untiled kernels), and a",
            "  training step (forward and every gradient) of PacJointUpsample x8 on N targets of 256x256",
            "  (--size tiny: 16x16, to check the command itself, e.g. on the emulated backend).",
            "  --runs N      timed calls per case (default 20); the median and the minimum are reported",
            "  --warmup N    untimed calls first (default 3)",
            "  --check       also compare every case's outputs and gradients with the CPU backend's on the same",
            "                inputs, and (full size) of grids above CUDA's 65535 blocks along z, launched in slices",
            "                ('CHECK case: worst relative error', each result's error relative to its largest",
            "                value, or to 1e-3 of the case's largest if that is larger; FAILED above 1e-3);",
            "                exit 1 on any failure",
            "  Each case also prints 'RESULT jpac CASE MEDIAN_MS MIB' (MIB: the device tensors the case uses;",
            "  the tiled kernels allocate nothing else, the untiled ones K), which the GPU bundle joins with",
            "  cuDNN's and PyTorch's times.");

    @Override
    String name() {
        return "gpu-bench";
    }

    @Override
    String usage() {
        return USAGE;
    }

    @Override
    Set<String> valued() {
        return Set.of("--runs", "--warmup", "--size", "--batch", "--channels");
    }

    @Override
    Set<String> flags() {
        return Set.of("--check");
    }

    @Override
    int execute(Args a, PrintStream out, Progress progress) throws IOException {
        int runs = a.integer("--runs", 20, 1, 10_000);
        int warmup = a.integer("--warmup", 3, 0, 1000);
        int h = a.choice("--size", "full", "full", "tiny").equals("full") ? 256 : 16;
        int n = a.integer("--batch", 1, 1, 1024);
        int c = a.integer("--channels", 32, 1, 4096);
        boolean check = a.flag("--check");
        int failures = 0;
        if (!Jpac.available(Device.Type.CUDA)) {
            throw new JpacException(JpacException.Status.UNSUPPORTED,
                    "the CUDA backend is not available: " + Jpac.backendStatus(Device.Type.CUDA));
        }
        Device cuda = Device.cuda(0);
        out.println("device: " + cuda + ": " + Jpac.backendStatus(Device.Type.CUDA));
        if (Jpac.cudaEmulated()) {
            out.println("EMULATED: these are the emulator's times on the CPU, not a GPU's");
        }
        out.printf(Locale.ROOT, "%-32s %-44s %10s %10s %9s %8s%n", "case", "shape", "median ms", "min ms", "GFLOP/s",
                "MiB");
        try (Tensor x = random(cuda, 1, n, c, h, h); Tensor g = random(cuda, 2, n, 8, h, h);
             Tensor w = random(cuda, 3, c, c, 5, 5); Tensor b = random(cuda, 4, c);
             Tensor xt = random(cuda, 5, n, c, h / 2, h / 2); Tensor dy = random(cuda, 6, n, c, h, h);
             Tensor y = Tensor.empty(cuda, n, c, h, h); Tensor k = Tensor.empty(cuda, n, 1, 5, 5, h, h)) {
            PacOptions o = PacOptions.builder(5).padding(2).build();
            PacOptions ot = PacOptions.builder(5).stride(2).padding(2).outputPadding(1).build();
            String shape = n + "x" + c + "x" + h + "x" + h + ", " + c + "->" + c + ", 5x5, guide 8";
            long fwdBytes = bytes(x, g, w, b, y);
            long bwdBytes = bytes(x, g, w, b, dy) + bytes(x, g, w, b); // and the four gradients
            time(out, "conv2d_guided.forward", shape, fwdBytes, runs, warmup,
                    () -> Pac.conv2dGuidedInto(x, g, null, null, null, w, b, o, y));
            if (check) {
                failures += check(out, "conv2d_guided.forward", t -> new Tensor[] {
                        Pac.conv2dGuided(t[0], t[1], t[2], t[3], o)}, x, g, w, b);
            }
            time(out, "conv2d_guided.backward", shape + ", all grads", bwdBytes, runs, warmup,
                    () -> Pac.conv2dGuidedBackward(x, Guide.of(g), w, dy, o, Grad.all()).close());
            if (check) {
                failures += check(out, "conv2d_guided.backward", t -> {
                    GuidedConvGrads d = Pac.conv2dGuidedBackward(t[0], Guide.of(t[1]), t[2], t[3], o, Grad.all());
                    return new Tensor[] {d.gradInput(), d.gradGuide(), d.gradWeight(), d.gradBias()};
                }, x, g, w, dy);
            }
            time(out, "conv2d_guided.train", shape + ", forward + all grads", bwdBytes + bytes(y), runs, warmup,
                    () -> {
                        Pac.conv2dGuidedInto(x, g, null, null, null, w, b, o, y);
                        Pac.conv2dGuidedBackward(x, Guide.of(g), w, dy, o, Grad.all()).close();
                    });
            time(out, "conv_transpose2d_guided.forward", n + "x" + c + "x" + h / 2 + "x" + h / 2 + " -> " + h + "x" + h
                    + ", stride 2, 5x5, guide 8", bytes(xt, g, w, b, y), runs, warmup,
                    () -> Pac.convTranspose2dGuidedInto(xt, g, null, null, null, w, b, ot, y));
            if (check) {
                failures += check(out, "conv_transpose2d_guided.forward", t -> new Tensor[] {
                        Pac.convTranspose2dGuided(t[0], t[1], t[2], t[3], ot)}, xt, g, w, b);
                failures += check(out, "conv_transpose2d_guided.backward", t -> {
                    GuidedConvGrads d = Pac.convTranspose2dGuidedBackward(t[0], Guide.of(t[1]), t[2], t[3], ot,
                            Grad.all());
                    return new Tensor[] {d.gradInput(), d.gradGuide(), d.gradWeight(), d.gradBias()};
                }, xt, g, w, dy);
            }
            time(out, "pool2d_guided.forward", n + "x" + c + "x" + h + "x" + h + ", 5x5, guide 8", bytes(x, g, y),
                    runs, warmup, () -> Pac.pool2dGuidedInto(x, Guide.of(g), o, y));
            if (check) {
                failures += check(out, "pool2d_guided.forward", t -> new Tensor[] {
                        Pac.pool2dGuided(t[0], Guide.of(t[1]), o)}, x, g);
            }
            time(out, "kernel2d.forward", "guide " + n + "x8x" + h + "x" + h + ", 5x5", bytes(g, k), runs, warmup,
                    () -> Pac.kernel2dInto(g, null, null, null, null, o, k, null));
            if (check) {
                failures += check(out, "kernel2d.forward", t -> {
                    Kernel2dResult r = Pac.kernel2d(t[0], o);
                    return new Tensor[] {r.kernel()};
                }, g);
            }
            failures += wideWindow(out, 7, x, g, cuda, runs, warmup, check);
            failures += wideWindow(out, 9, x, g, cuda, runs, warmup, check);
            failures += crf(out, cuda, h == 256 ? 512 : 16, runs, warmup, check);
            failures += networkTraining(out, cuda, n, h, runs, warmup, check);
            if (check && h == 256) { // the emulator would take minutes over so many blocks
                failures += largeGrids(out, cuda, 65535);
            }
        }
        if (check) {
            out.println(failures == 0 ? "CHECK: every case matches the CPU backend"
                    : "CHECK: " + failures + " case(s) FAILED against the CPU backend");
        }
        return failures == 0 ? 0 : 1;
    }

    /**
     * Checks only: shapes whose tiled grids need more than {@code z} blocks along z (CUDA's limit: 65535),
     * so that their launches go in slices: channel-wise kernel2d and pooling over 2 x (z / 2 + 1)
     * channels, and a guided convolution and its gradients over a batch of z + 1 images. Returns the
     * failures.
     */
    static int largeGrids(PrintStream out, Device cuda, int z) {
        PacOptions cw = PacOptions.builder(3).padding(1).channelWise(true).build();
        PacOptions o = PacOptions.builder(3).padding(1).build();
        int c = z / 2 + 1;
        int n = z + 1;
        try (Tensor g = random(cuda, 11, 2, c, 4, 4); Tensor x = random(cuda, 12, 2, c, 4, 4);
             Tensor xb = random(cuda, 13, n, 1, 2, 3); Tensor gb = random(cuda, 14, n, 2, 2, 3);
             Tensor w = random(cuda, 15, 2, 1, 3, 3); Tensor dy = random(cuda, 16, n, 2, 2, 3)) {
            return check(out, "grid_slices.kernel2d", t -> new Tensor[] {Pac.kernel2d(t[0], cw).kernel()}, g)
                    + check(out, "grid_slices.pool2d_guided", t -> new Tensor[] {
                            Pac.pool2dGuided(t[0], Guide.of(t[1]), cw)}, x, g)
                    + check(out, "grid_slices.conv2d_guided", t -> {
                        GuidedConvGrads d = Pac.conv2dGuidedBackward(t[0], Guide.of(t[1]), t[2], t[3], o, Grad.all());
                        return new Tensor[] {Pac.conv2dGuided(t[0], t[1], t[2], null, o), d.gradInput(), d.gradGuide(),
                                d.gradWeight(), d.gradBias()};
                    }, xb, gb, w, dy);
        }
    }

    /**
     * Runs {@code op} on the CUDA inputs and on host copies of them (so on the CPU backend) and prints the
     * worst difference of its results relative to the CPU result's largest magnitude; returns 1 if that is
     * above {@link #CHECK_TOLERANCE}. Every result and copy is freed.
     */
    private static int check(PrintStream out, String name, Function<Tensor[], Tensor[]> op, Tensor... cudaInputs) {
        Tensor[] dev = op.apply(cudaInputs);
        Tensor[] host = new Tensor[cudaInputs.length];
        Tensor[] cpu = null;
        try {
            for (int i = 0; i < cudaInputs.length; i++) {
                host[i] = cudaInputs[i].to(Device.CPU);
            }
            cpu = op.apply(host);
            // A result whose values are all tiny next to the case's others (the gradient of a bias that
            // K's feature differences cancel) is compared at 1e-3 of the case's largest magnitude.
            float[][] want = new float[dev.length][];
            double caseScale = 0;
            for (int i = 0; i < dev.length; i++) {
                if (dev[i] != null) {
                    want[i] = cpu[i].toArray();
                    caseScale = Math.max(caseScale, largest(want[i]));
                }
            }
            double worst = 0;
            for (int i = 0; i < dev.length; i++) {
                if (dev[i] == null) {
                    continue;
                }
                try (Tensor back = dev[i].to(Device.CPU)) {
                    worst = Math.max(worst, relativeError(want[i], back.toArray(), 1e-3 * caseScale));
                }
            }
            boolean ok = worst <= CHECK_TOLERANCE;
            out.printf(Locale.ROOT, "CHECK %-32s worst relative error %.2e: %s%n", name, worst, ok ? "ok" : "FAILED");
            return ok ? 0 : 1;
        } finally {
            closeAll(dev);
            closeAll(host);
            if (cpu != null) {
                closeAll(cpu);
            }
        }
    }

    static final double CHECK_TOLERANCE = 1e-3;

    /** The largest difference relative to want's largest magnitude, or to {@code floor} if larger. */
    private static double relativeError(float[] want, float[] got, double floor) {
        double scale = Math.max(largest(want), floor);
        double diff = 0;
        for (int i = 0; i < want.length; i++) {
            diff = Math.max(diff, Math.abs((double) want[i] - got[i]));
        }
        return scale == 0 ? diff : diff / scale;
    }

    private static double largest(float[] v) {
        double m = 0;
        for (float x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }

    private static void closeAll(Tensor[] ts) {
        for (Tensor t : ts) {
            if (t != null) {
                t.close();
            }
        }
    }

    /**
     * PacCRF inference on cuda:0 (the network moved there): 21 labels, an image of side x side, 5 mean-field
     * steps, two Potts terms with 5x5 windows at dilations 16 and 64 (the paper's 16-64 CRF; both read banded
     * halo tiles), YXRGB edge features. Its MiB: the inputs plus what one
     * forward leaves in the emptied device pool (its intermediates and output, as far as the pool's cache
     * limit, -Djpac.memory.cacheBytes, keeps them). Returns the check's failures.
     */
    private static int crf(PrintStream out, Device cuda, int side, int runs, int warmup, boolean check) {
        PacCRF.Builder b = PacCRF.builder(21, 5).finalOutput(CrfOutput.SOFTMAX).perturbedInit(false).seed(1);
        for (int d : new int[] {16, 64}) {
            b.pairwiseKernel(new PairwiseKernel(5, d, 1, CompatType.POTTS, false, 0.5));
        }
        // Built twice from one seed: the same CRF on each device.
        try (PacCRF onCpu = b.build(); PacCRF onCuda = b.build();
             Tensor unary = random(cuda, 7, 1, 21, side, side); Tensor edge = random(cuda, 8, 1, 5, side, side)) {
            onCuda.to(cuda);
            DeviceMemoryPool pool = DeviceMemoryPool.get();
            pool.trim();
            onCuda.forward(unary, edge).close();
            time(out, "paccrf.forward", "21 labels, " + side + "x" + side + ", 5 steps, Potts 5x5 @16,64",
                    bytes(unary, edge) + pool.cachedBytes(), runs, warmup, () -> onCuda.forward(unary, edge).close());
            return !check ? 0 : check(out, "paccrf.forward", t -> new Tensor[] {
                    (t[0].device().isCpu() ? onCpu : onCuda).forward(t[0], t[1])}, unary, edge);
        }
    }

    /**
     * conv2d_guided forward with a k x k window: 7x7 runs the tiled kernels with K in 49 registers, 9x9 the
     * untiled ones (one thread per output element, K in scratch memory, counted in the MiB). Returns the
     * check's failures.
     */
    private static int wideWindow(PrintStream out, int k, Tensor x, Tensor g, Device cuda, int runs, int warmup,
                                  boolean check) {
        long c = x.dim(1);
        PacOptions o = PacOptions.builder(k).padding(k / 2).build();
        String name = "conv2d_guided.forward" + k + "x" + k;
        try (Tensor w = random(cuda, 9, c, c, k, k); Tensor b = random(cuda, 10, c);
             Tensor y = Tensor.empty(cuda, x.shape())) {
            long scratchK = k * k > 49 ? x.dim(0) * k * k * x.dim(2) * x.dim(3) * Float.BYTES : 0;
            time(out, name, x.dim(0) + "x" + c + "x" + x.dim(2) + "x" + x.dim(3) + ", " + c + "->" + c + ", " + k + "x"
                    + k + ", guide 8", bytes(x, g, w, b, y) + scratchK, runs, warmup,
                    () -> Pac.conv2dGuidedInto(x, g, null, null, null, w, b, o, y));
            return !check ? 0 : check(out, name, t -> new Tensor[] {
                    Pac.conv2dGuided(t[0], t[1], t[2], t[3], o)}, x, g, w, b);
        }
    }

    /**
     * One training step of PacJointUpsample x8 (the bundled models' architecture, random weights) on
     * cuda:0: forwardTrain and backward of a batch of n targets of side x side (its gradients; the
     * optimizer's step is host code). Returns the check's failures.
     */
    private static int networkTraining(PrintStream out, Device cuda, int n, int side, int runs, int warmup,
                                       boolean check) {
        try (PacJointUpsample onCpu = PacJointUpsample.builder(8).seed(2).build();
             PacJointUpsample onCuda = PacJointUpsample.builder(8).seed(2).build();
             Tensor low = random(cuda, 11, n, 1, side / 8, side / 8); Tensor guide = random(cuda, 12, n, 3, side, side);
             Tensor dy = random(cuda, 13, n, 1, side, side)) {
            onCuda.to(cuda);
            Runnable step = () -> {
                onCuda.forwardTrain(low, guide).close();
                onCuda.backward(dy, false).close();
            };
            DeviceMemoryPool pool = DeviceMemoryPool.get();
            pool.trim();
            step.run();
            time(out, "pacjointupsample.train", n + "x1x" + side + "x" + side + ", x8, forward + all grads",
                    bytes(low, guide, dy) + pool.cachedBytes(), runs, warmup, step);
            return !check ? 0 : check(out, "pacjointupsample.train", t -> {
                PacJointUpsample net = t[0].device().isCpu() ? onCpu : onCuda;
                net.forwardTrain(t[0], t[1]).close();
                UpsampleGrads grads = net.backward(t[2], false);
                return grads.gradParams().values().toArray(Tensor[]::new);
            }, low, guide, dy);
        }
    }

    private static long bytes(Tensor... ts) {
        long sum = 0;
        for (Tensor t : ts) {
            sum += t.numel() * Float.BYTES;
        }
        return sum;
    }

    private static Tensor random(Device device, long seed, long... shape) {
        SplittableRandom r = new SplittableRandom(seed);
        try (Tensor host = Tensor.empty(shape)) {
            for (long i = 0; i < host.numel(); i++) {
                host.setFlat(i, (float) (r.nextDouble() * 2 - 1));
            }
            return host.to(device);
        }
    }

    private static void time(PrintStream out, String name, String shape, long bytes, int runs, int warmup,
                             Runnable call) {
        for (int i = 0; i < warmup; i++) {
            call.run();
        }
        double[] ms = new double[runs];
        MacCounter.start();
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            call.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        long macs = MacCounter.stop() / runs;
        double median = BenchNetsCommand.median(ms);
        String gflops = macs == 0 ? "-" : String.format(Locale.ROOT, "%.1f", 2.0 * macs / (median * 1e6));
        double mib = bytes / (1024.0 * 1024.0);
        out.printf(Locale.ROOT, "%-32s %-44s %10.3f %10.3f %9s %8.1f%n", name, shape, median,
                BenchNetsCommand.min(ms), gflops, mib);
        out.printf(Locale.ROOT, "RESULT jpac %s %.4f %.1f%n", name, median, mib);
        out.flush();
    }
}
