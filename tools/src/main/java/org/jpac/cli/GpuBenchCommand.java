package org.jpac.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;

import org.jpac.Device;
import org.jpac.Grad;
import org.jpac.Guide;
import org.jpac.Jpac;
import org.jpac.JpacException;
import org.jpac.Pac;
import org.jpac.PacOptions;
import org.jpac.Tensor;
import org.jpac.internal.MacCounter;

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
            "usage: jpac gpu-bench [--runs N] [--warmup N] [--size full|tiny] [--batch N] [--channels C]",
            "  Times the fused PAC ops on cuda:0 tensors: conv2d_guided forward, backward and both (a training",
            "  step), conv_transpose2d_guided, pool2d_guided and kernel2d forward; C channels (default 32), 5x5",
            "  windows, 8 guide channels, N images (default 1) of 256x256 outputs",
            "  (--size tiny: 16x16, to check the command itself, e.g. on the emulated backend).",
            "  --runs N      timed calls per case (default 20); the median and the minimum are reported",
            "  --warmup N    untimed calls first (default 3)",
            "  Each case also prints 'RESULT jpac CASE MEDIAN_MS MIB' (MIB: the device tensors the case uses;",
            "  the kernels allocate nothing else), which the GPU bundle joins with cuDNN's and PyTorch's times.");

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
        return Set.of();
    }

    @Override
    int execute(Args a, PrintStream out, Progress progress) throws IOException {
        int runs = a.integer("--runs", 20, 1, 10_000);
        int warmup = a.integer("--warmup", 3, 0, 1000);
        int h = a.choice("--size", "full", "full", "tiny").equals("full") ? 256 : 16;
        int n = a.integer("--batch", 1, 1, 1024);
        int c = a.integer("--channels", 32, 1, 4096);
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
            time(out, "conv2d_guided.backward", shape + ", all grads", bwdBytes, runs, warmup,
                    () -> Pac.conv2dGuidedBackward(x, Guide.of(g), w, dy, o, Grad.all()).close());
            time(out, "conv2d_guided.train", shape + ", forward + all grads", bwdBytes + bytes(y), runs, warmup,
                    () -> {
                        Pac.conv2dGuidedInto(x, g, null, null, null, w, b, o, y);
                        Pac.conv2dGuidedBackward(x, Guide.of(g), w, dy, o, Grad.all()).close();
                    });
            time(out, "conv_transpose2d_guided.forward", n + "x" + c + "x" + h / 2 + "x" + h / 2 + " -> " + h + "x" + h
                    + ", stride 2, 5x5, guide 8", bytes(xt, g, w, b, y), runs, warmup,
                    () -> Pac.convTranspose2dGuidedInto(xt, g, null, null, null, w, b, ot, y));
            time(out, "pool2d_guided.forward", n + "x" + c + "x" + h + "x" + h + ", 5x5, guide 8", bytes(x, g, y),
                    runs, warmup, () -> Pac.pool2dGuidedInto(x, Guide.of(g), o, y));
            time(out, "kernel2d.forward", "guide " + n + "x8x" + h + "x" + h + ", 5x5", bytes(g, k), runs, warmup,
                    () -> Pac.kernel2dInto(g, null, null, null, null, o, k, null));
        }
        return 0;
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
