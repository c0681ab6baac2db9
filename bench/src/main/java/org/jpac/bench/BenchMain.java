package org.jpac.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import org.jpac.Jpac;
import org.jpac.Pac;
import org.jpac.PacOptions;
import org.jpac.Tensor;
import org.jpac.internal.NativeCalls;
import org.jpac.io.AtomicFiles;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * {@code jpac bench [--quick] [--out FILE] [--only REGEX] [--no-memory] [--verbose]}:
 * runs the JMH benchmarks of this module, each PAC operation next to its plain
 * oneDNN baseline in the same run, and prints one table row per comparison
 * ending in the ratio PAC / baseline; then the scratch-memory peak of the fused
 * guided convolution at 1x32x512x512 against its 64 MiB budget.
 *
 * <p>The benchmarks are ordinary JMH benchmarks and can also be run with
 * {@code java -jar bench/target/benchmarks.jar} (for all JMH options).
 */
public final class BenchMain {

    /** Scratch budget of the fused CPU ops (ARCHITECTURE / issue: 64 MiB). */
    static final long SCRATCH_BUDGET = 64L << 20;

    static final String USAGE = String.join("\n",
            "usage: jpac bench [--quick] [--out FILE] [--only REGEX] [--no-memory] [--verbose]",
            "  --quick        fewer, shorter JMH iterations (about 2-3 minutes on 2 cores)",
            "  --out FILE     also write the results as markdown to FILE",
            "  --only REGEX   run only the comparisons whose name matches REGEX (e.g. 'forward')",
            "  --no-memory    skip the 512x512 scratch-memory measurement",
            "  --verbose      show JMH's own output (otherwise written to a log file)",
            "All JMH options: java --enable-native-access=ALL-UNNAMED -jar bench/target/benchmarks.jar -h");

    private BenchMain() {
    }

    /** One benchmark method. */
    record Bench(String cls, String method) {
        String fullName() {
            return "org.jpac.bench." + cls + "." + method;
        }
    }

    /**
     * One row: a PAC measurement and its baseline, run one after the other, with
     * the useful multiply-adds of each side (0: not a compute row), for GFLOP/s.
     */
    record Comparison(String name, String setup, String baselineName, Bench pac, Bench base, long pacMacs,
                      long baseMacs) {
        Comparison(String name, String setup, String baselineName, Bench pac, Bench base) {
            this(name, setup, baselineName, pac, base, 0, 0);
        }
    }

    // Multiply-adds of the benchmark shapes (see each row's setup).
    private static final long CONV_256 = 256L * 256 * 32 * 32 * 25;  // 1x32x256x256, 32->32, 5x5
    private static final long CONV_128 = 128L * 128 * 32 * 32 * 25;  // each 128x128 input pixel x 32 x 25 taps
    private static final long POOL_256 = 256L * 256 * 32 * 25;       // 32 channels, 5x5 window
    private static final long TINY = 16L * 16 * 8 * 8 * 9;            // 1x8x16x16, 8->8, 3x3

    /** A JMH score converted to nanoseconds. */
    record Score(double ns, double errorNs) {
    }

    static final List<Comparison> COMPARISONS = List.of(
            new Comparison("conv2d_guided forward",
                    "input 1x32x256x256, 32->32, 5x5, padding 2, guide 8 channels, gaussian kernel (fused)",
                    "std conv2d forward (oneDNN), same shape",
                    new Bench("Conv2dGuidedBench", "pacForward"), new Bench("Conv2dGuidedBench", "stdForward"),
                    CONV_256, CONV_256),
            new Comparison("conv2d_guided backward",
                    "same shape; gradients for input, guide, weight, bias",
                    "std conv2d backward (oneDNN): data, weights, bias",
                    new Bench("Conv2dGuidedBench", "pacBackward"), new Bench("Conv2dGuidedBench", "stdBackward"),
                    2 * CONV_256, 2 * CONV_256),
            new Comparison("conv_transpose2d_guided forward",
                    "input 1x32x128x128 -> 1x32x256x256, 5x5, stride 2, padding 2, output padding 1, guide 8 channels",
                    "std conv2d forward 32->32, 5x5 over the 128x128 input (the multiply-adds of a dense "
                            + "transposed conv of this shape)",
                    new Bench("ConvTranspose2dGuidedBench", "pacForward"),
                    new Bench("ConvTranspose2dGuidedBench", "stdForward"), CONV_128, CONV_128),
            new Comparison("conv_transpose2d_guided backward",
                    "same shape; gradients for input, guide, weight, bias",
                    "std conv2d backward, same shape as its forward: data, weights, bias",
                    new Bench("ConvTranspose2dGuidedBench", "pacBackward"),
                    new Bench("ConvTranspose2dGuidedBench", "stdBackward"), 2 * CONV_128, 2 * CONV_128),
            new Comparison("pool2d_guided forward",
                    "input 1x32x256x256, 5x5, padding 2, one gaussian kernel from 8 guide channels",
                    "std conv2d forward 32->32, 5x5, same input and output (32x the pooling's multiply-adds)",
                    new Bench("Pool2dGuidedBench", "pacForward"), new Bench("Pool2dGuidedBench", "stdForward"),
                    POOL_256, CONV_256),
            new Comparison("pool2d_guided backward",
                    "same shape; gradients for input and guide",
                    "std conv2d backward, same shape: data, weights",
                    new Bench("Pool2dGuidedBench", "pacBackward"), new Bench("Pool2dGuidedBench", "stdBackward"),
                    POOL_256, 2 * CONV_256),
            new Comparison("tiny conv2d_guided forward",
                    "input 1x8x16x16, 8->8, 3x3, padding 1, guide 8 channels, 1 thread; both through the Java API",
                    "std conv2d forward, same shape, Java API",
                    new Bench("CallOverheadBench", "apiConvGuided"), new Bench("CallOverheadBench", "apiStdConv"),
                    TINY, TINY),
            new Comparison("tiny conv2d_guided: Java API vs raw downcall",
                    "the same tiny op through Pac.conv2dGuidedInto (checks, structs, status)",
                    "bare downcall with prebuilt structs = native time + downcall",
                    new Bench("CallOverheadBench", "apiConvGuided"), new Bench("CallOverheadBench", "rawConvGuided")),
            new Comparison("tiny conv2d_guided: allocating vs Into",
                    "Pac.conv2dGuided: output taken from the memory pool, closed after the call",
                    "Pac.conv2dGuidedInto a caller's output",
                    new Bench("CallOverheadBench", "apiConvGuidedAllocating"),
                    new Bench("CallOverheadBench", "apiConvGuided")),
            new Comparison("jpac_noop: Java API vs raw downcall",
                    "the native no-op (validates one tensor) through the internal call path",
                    "bare downcall with a prebuilt struct",
                    new Bench("CallOverheadBench", "apiNoop"), new Bench("CallOverheadBench", "rawNoop")));

    public static void main(String[] args) {
        int code;
        try {
            code = run(args);
        } catch (IllegalArgumentException e) {
            System.err.println("jpac bench: " + e.getMessage());
            code = 2;
        }
        System.out.flush();
        System.exit(code);
    }

    /** Entry point for {@code jpac bench}; returns the exit code. */
    public static int run(String[] args) {
        boolean quick = false;
        boolean memory = true;
        boolean verbose = false;
        Path out = null;
        Pattern only = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--no-memory" -> memory = false;
                case "--verbose" -> verbose = true;
                case "--out" -> out = Path.of(value(args, ++i, "--out"));
                case "--only" -> only = Pattern.compile(value(args, ++i, "--only"));
                case "-h", "--help" -> {
                    System.out.println(USAGE);
                    return 0;
                }
                default -> throw new IllegalArgumentException("unknown argument '" + args[i] + "'\n" + USAGE);
            }
        }
        PrintStream o = System.out;
        Map<String, String> machine = machineInfo();
        o.println("jpac benchmarks" + (quick ? " (--quick: fewer, shorter iterations)" : ""));
        machine.forEach((k, v) -> o.printf(Locale.ROOT, "  %-9s %s%n", k + ":", v));
        o.println();

        List<Comparison> selected = new ArrayList<>();
        for (Comparison c : COMPARISONS) {
            if (only == null || only.matcher(c.name()).find()) {
                selected.add(c);
            }
        }
        Path log = null;
        if (!verbose) {
            try {
                log = Files.createTempFile("jpac-bench-", ".log");
            } catch (IOException e) {
                verbose = true; // nowhere to put the JMH output: show it
            }
        }
        Map<String, Score> scores = new LinkedHashMap<>();
        int n = 0;
        long start = System.nanoTime();
        for (Comparison c : selected) {
            n++;
            o.printf(Locale.ROOT, "[%d/%d] %s ...", n, selected.size(), c.name());
            o.flush();
            List<Bench> todo = new ArrayList<>();
            for (Bench b : List.of(c.pac(), c.base())) {
                if (!scores.containsKey(b.fullName()) && !todo.contains(b)) {
                    todo.add(b);
                }
            }
            if (!todo.isEmpty()) {
                try {
                    scores.putAll(runJmh(todo, quick, verbose, log));
                } catch (RunnerException | RuntimeException e) {
                    o.println(" FAILED");
                    System.err.println("jpac bench: " + c.name() + " failed: " + e.getMessage()
                            + (log != null ? "\n  JMH output: " + log : ""));
                    continue;
                }
            }
            Score p = scores.get(c.pac().fullName());
            Score b = scores.get(c.base().fullName());
            o.println(p == null || b == null ? " no result" : " " + time(p) + " vs " + time(b) + " -> " + ratio(p, b));
        }
        String endLoad = readFirst("/proc/loadavg", "");
        if (endLoad != null) {
            String[] p = endLoad.trim().split("\\s+");
            machine.put("load", machine.getOrDefault("load", "") + ", " + p[0] + " " + p[1] + " " + p[2] + " at end");
        }
        o.printf(Locale.ROOT, "(benchmarks took %.0f s%s%s)%n%n", (System.nanoTime() - start) / 1e9,
                log != null ? "; JMH output in " + log : "",
                endLoad != null ? "; load average now " + endLoad.trim().split("\\s+")[0] : "");

        List<String[]> rows = new ArrayList<>();
        for (Comparison c : selected) {
            Score p = scores.get(c.pac().fullName());
            Score b = scores.get(c.base().fullName());
            if (p != null && b != null) {
                rows.add(new String[] {c.name(), time(p), time(b), ratio(p, b), gflops(c.pacMacs(), p),
                        gflops(c.baseMacs(), b)});
            }
        }
        printTable(o, rows);
        o.println();
        o.println("Rows (PAC | baseline):");
        for (Comparison c : selected) {
            o.println("  " + c.name() + ": " + c.setup() + " | " + c.baselineName());
        }
        String overhead = overheadLine(scores);
        if (overhead != null) {
            o.println();
            o.println(overhead);
        }

        List<String> memLines = new ArrayList<>();
        if (memory) {
            o.println();
            o.println("Scratch memory of the fused guided conv at 1x32x512x512 (32->32, 5x5, padding 2, guide 8):");
            o.flush();
            try {
                memLines = measureScratch(512);
            } catch (RuntimeException | OutOfMemoryError e) {
                memLines = List.of("scratch measurement failed: " + e);
            }
            memLines.forEach(l -> o.println("  " + l));
        }

        int failed = selected.size() - rows.size();
        if (out != null) {
            try {
                writeMarkdown(out, quick, machine, selected, rows, overhead, memLines);
                o.println();
                o.println("markdown written to " + out.toAbsolutePath());
            } catch (IOException e) {
                System.err.println("jpac bench: cannot write " + out + ": " + e.getMessage());
                return 1;
            }
        }
        if (failed > 0) {
            System.err.println("jpac bench: " + failed + " comparison(s) failed");
            return 1;
        }
        return 0;
    }

    private static String value(String[] args, int i, String opt) {
        if (i >= args.length) {
            throw new IllegalArgumentException(opt + " needs a value\n" + USAGE);
        }
        return args[i];
    }

    // ---- JMH -------------------------------------------------------------------

    private static Map<String, Score> runJmh(List<Bench> benches, boolean quick, boolean verbose, Path log)
            throws RunnerException {
        ChainedOptionsBuilder ob = new OptionsBuilder()
                .shouldFailOnError(true)
                .verbosity(VerboseMode.NORMAL)
                .forks(1);
        for (Bench b : benches) {
            ob.include("^" + Pattern.quote(b.fullName()) + "$");
        }
        List<String> props = forwardedProperties();
        if (!props.isEmpty()) {
            ob.jvmArgsAppend(props.toArray(String[]::new));
        }
        if (quick) {
            ob.warmupIterations(1).warmupTime(TimeValue.seconds(1))
                    .measurementIterations(3).measurementTime(TimeValue.seconds(1));
        }
        Path part = null;
        if (!verbose && log != null) {
            try {
                part = Files.createTempFile("jpac-bench-run-", ".log");
                ob.output(part.toString()); // JMH truncates its output file: collect each run's into the log
            } catch (IOException e) {
                part = null;
            }
        }
        Collection<RunResult> results;
        try {
            results = new Runner(ob.build()).run();
        } finally {
            if (part != null) {
                try {
                    Files.write(log, Files.readAllBytes(part), java.nio.file.StandardOpenOption.APPEND);
                    Files.deleteIfExists(part);
                } catch (IOException e) {
                    // keep the part file; the log just misses it
                }
            }
        }
        Map<String, Score> m = new LinkedHashMap<>();
        for (RunResult r : results) {
            var res = r.getPrimaryResult();
            double f = toNanos(res.getScoreUnit());
            double err = Double.isNaN(res.getScoreError()) ? 0 : res.getScoreError();
            m.put(r.getParams().getBenchmark(), new Score(res.getScore() * f, err * f));
        }
        for (Bench b : benches) {
            if (!m.containsKey(b.fullName())) {
                throw new IllegalStateException("JMH returned no result for " + b.fullName());
            }
        }
        return m;
    }

    /** The jpac.* system properties of this JVM, for the forked benchmark JVMs. */
    private static List<String> forwardedProperties() {
        List<String> l = new ArrayList<>();
        for (String k : System.getProperties().stringPropertyNames()) {
            if (k.startsWith("jpac.")) {
                l.add("-D" + k + "=" + System.getProperty(k));
            }
        }
        return l;
    }

    /** Nanoseconds per unit of a JMH AverageTime score unit such as "ms/op". */
    static double toNanos(String unit) {
        String u = unit.contains("/") ? unit.substring(0, unit.indexOf('/')) : unit;
        return switch (u) {
            case "s" -> 1e9;
            case "ms" -> 1e6;
            case "us" -> 1e3;
            case "ns" -> 1;
            default -> throw new IllegalStateException("unexpected JMH score unit " + unit);
        };
    }

    // ---- formatting --------------------------------------------------------------

    /** A duration in the largest unit that keeps it >= 1, 3 significant digits. */
    static String fmt(double ns) {
        if (ns >= 1e6) {
            return sig(ns / 1e6) + " ms";
        }
        if (ns >= 1e3) {
            return sig(ns / 1e3) + " us";
        }
        return sig(ns) + " ns";
    }

    private static String sig(double v) {
        if (v >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (v >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    static String time(Score s) {
        if (s.errorNs() <= 0) {
            return fmt(s.ns());
        }
        String t = fmt(s.ns());
        String unit = t.substring(t.indexOf(' ') + 1);
        double f = unit.equals("ms") ? 1e6 : unit.equals("us") ? 1e3 : 1;
        return t.substring(0, t.indexOf(' ')) + " ± " + sig(s.errorNs() / f) + " " + unit;
    }

    /** 2 flops per multiply-add at the mean time, or "-" for rows that are not about compute. */
    static String gflops(long macs, Score s) {
        return macs == 0 ? "-" : String.format(Locale.ROOT, "%.1f", 2.0 * macs / s.ns());
    }

    static String ratio(Score pac, Score base) {
        return String.format(Locale.ROOT, "%.2fx", pac.ns() / base.ns());
    }

    private static void printTable(PrintStream o, List<String[]> rows) {
        String[] head = {"comparison", "PAC", "baseline", "PAC/baseline", "GFLOP/s PAC", "baseline"};
        int[] w = new int[head.length];
        for (int i = 0; i < head.length; i++) {
            w[i] = head[i].length();
            for (String[] r : rows) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        StringBuilder f = new StringBuilder("%-" + w[0] + "s");
        for (int i = 1; i < head.length; i++) {
            f.append("   %").append(w[i]).append('s');
        }
        f.append("%n");
        o.printf(Locale.ROOT, f.toString(), (Object[]) head);
        o.println("-".repeat(java.util.Arrays.stream(w).sum() + 3 * (head.length - 1)));
        for (String[] r : rows) {
            o.printf(Locale.ROOT, f.toString(), (Object[]) r);
        }
    }

    /** What the Java layer adds to a call, from the tiny-op rows (null if they did not run). */
    private static String overheadLine(Map<String, Score> s) {
        Score api = s.get("org.jpac.bench.CallOverheadBench.apiConvGuided");
        Score raw = s.get("org.jpac.bench.CallOverheadBench.rawConvGuided");
        Score apiNoop = s.get("org.jpac.bench.CallOverheadBench.apiNoop");
        Score rawNoop = s.get("org.jpac.bench.CallOverheadBench.rawNoop");
        List<String> parts = new ArrayList<>();
        if (api != null && raw != null) {
            double d = api.ns() - raw.ns();
            double noise = Math.hypot(api.errorNs(), raw.errorNs());
            String diff = (d >= 0 ? "" : "-") + fmt(Math.abs(d));
            parts.add("tiny conv2d_guided: " + fmt(api.ns()) + " through the Java API, " + fmt(raw.ns())
                    + " as a bare downcall (native time + downcall); "
                    + (Math.abs(d) <= noise
                    ? "the difference (" + diff + ") is within the noise (± " + fmt(noise)
                            + "), so the Java overhead is not resolved at this size"
                    : "Java API overhead " + diff + " per call (± " + fmt(noise) + ")"));
        }
        if (apiNoop != null && rawNoop != null) {
            parts.add("jpac_noop: " + fmt(apiNoop.ns()) + " through the Java call path, "
                    + fmt(rawNoop.ns()) + " as a bare downcall (the floor of any call)");
        }
        return parts.isEmpty() ? null : String.join("\n", parts);
    }

    // ---- scratch memory ------------------------------------------------------------

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
    }

    /** Peak scratch of one guided forward and one backward at 1x32xSxS; lines to print. */
    static List<String> measureScratch(int size) {
        PacOptions opts = PacOptions.builder(5).padding(2).build();
        List<String> lines = new ArrayList<>();
        try (Tensor input = Fixtures.random(41, 1f, 1, 32, size, size);
             Tensor guide = Fixtures.random(42, 1f, 1, 8, size, size);
             Tensor weight = Fixtures.random(43, 0.05f, 32, 32, 5, 5);
             Tensor bias = Fixtures.random(44, 0.1f, 32);
             Tensor output = Tensor.allocate(1, 32, size, size);
             Tensor gradOutput = Fixtures.random(45, 1f, 1, 32, size, size);
             Tensor gi = Tensor.zerosLike(input);
             Tensor gg = Tensor.zerosLike(guide);
             Tensor gw = Tensor.zerosLike(weight);
             Tensor gb = Tensor.zerosLike(bias)) {
            Jpac.resetScratchPeak();
            long t0 = System.nanoTime();
            Pac.conv2dGuidedInto(input, guide, null, null, null, weight, bias, opts, output);
            long fwdNs = System.nanoTime() - t0;
            long fwd = Jpac.scratchPeakBytes();
            Jpac.resetScratchPeak();
            t0 = System.nanoTime();
            NativeCalls.conv2dGuidedBackward(opts, false, input, guide, null, null, null, weight, gradOutput,
                    gi, gg, gw, gb, null, null, null);
            long bwdNs = System.nanoTime() - t0;
            long bwd = Jpac.scratchPeakBytes();
            long columns = 32L * 25 * size * size * Float.BYTES;
            lines.add(String.format(Locale.ROOT,
                    "scratch peak (1x32x%dx%d, 32->32, 5x5, guide 8): forward %s, backward %s; budget %s: %s",
                    size, size, mib(fwd), mib(bwd), mib(SCRATCH_BUDGET),
                    Math.max(fwd, bwd) <= SCRATCH_BUDGET ? "within budget" : "OVER BUDGET"));
            lines.add(String.format(Locale.ROOT,
                    "(one cold call each: forward %s, backward %s; for scale: the input is %s, "
                            + "an unfolded [B,C,k,k,H,W] column tensor as in the reference code would be %s)",
                    fmt(fwdNs), fmt(bwdNs), mib(input.numel() * Float.BYTES), mib(columns)));
        }
        return lines;
    }

    // ---- machine ---------------------------------------------------------------------

    /** The vector extensions /proc/cpuinfo lists (avx2, avx512f, ...), or "unknown". */
    static String cpuFlags() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags")) {
                    return java.util.Arrays.stream(line.substring(line.indexOf(':') + 1).trim().split(" "))
                            .filter(f -> f.equals("avx2") || f.equals("fma") || f.startsWith("avx512"))
                            .sorted().collect(java.util.stream.Collectors.joining(" "));
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // fall through
        }
        return "unknown";
    }

    static Map<String, String> machineInfo() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("date", ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z", Locale.ROOT)));
        String cpu = "unknown";
        int procs = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8)) {
                if (line.startsWith("model name") && cpu.equals("unknown")) {
                    cpu = line.substring(line.indexOf(':') + 1).trim();
                }
                if (line.startsWith("processor")) {
                    procs++;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: leave unknown
        }
        m.put("cpu", cpu);
        m.put("cores", Runtime.getRuntime().availableProcessors() + " available to the JVM"
                + (procs > 0 ? " (" + procs + " in /proc/cpuinfo)" : "") + ", jpac threads " + Jpac.threads());
        String mem = readFirst("/proc/meminfo", "MemTotal:");
        if (mem != null) {
            m.put("memory", mem.substring("MemTotal:".length()).trim());
        }
        String load = readFirst("/proc/loadavg", "");
        if (load != null) {
            String[] p = load.trim().split("\\s+");
            m.put("load", "load average (1/5/15 min) " + p[0] + " " + p[1] + " " + p[2] + " at start");
        }
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        m.put("jdk", System.getProperty("java.vm.name") + " " + Runtime.version() + " ("
                + System.getProperty("java.vendor") + ")");
        m.put("jpac", Jpac.version() + ", oneDNN " + Jpac.onednnVersion());
        m.put("isa", "jpac kernels " + Jpac.cpuIsa() + ", oneDNN " + Jpac.onednnIsa() + " (cpu flags: "
                + cpuFlags() + ")");
        String backend;
        try {
            backend = "tensors on cpu; " + Jpac.backendReason();
        } catch (RuntimeException e) {
            backend = "tensors on cpu; " + e.getMessage();
        }
        m.put("backend", backend);
        return m;
    }

    private static String readFirst(String file, String prefix) {
        try {
            for (String line : Files.readAllLines(Path.of(file), StandardCharsets.UTF_8)) {
                if (line.startsWith(prefix)) {
                    return line;
                }
            }
        } catch (IOException | RuntimeException e) {
            // absent: no line
        }
        return null;
    }

    // ---- markdown -----------------------------------------------------------------------

    private static void writeMarkdown(Path out, boolean quick, Map<String, String> machine, List<Comparison> selected,
                                      List<String[]> rows, String overhead,
                                      List<String> memLines) throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append("## jpac benchmarks").append(quick ? " (--quick)" : "").append("\n\n");
        machine.forEach((k, v) -> sb.append("- ").append(k).append(": ").append(v).append('\n'));
        sb.append("\n| comparison | PAC | baseline | PAC / baseline | PAC GFLOP/s | baseline GFLOP/s |\n"
                + "|---|---:|---:|---:|---:|---:|\n");
        for (String[] r : rows) {
            sb.append("| ").append(String.join(" | ", r)).append(" |\n");
        }
        sb.append("\nTimes are JMH AverageTime means ± 99.9% confidence half-widths, ")
                .append(quick ? "1 warmup + 3 measurement iterations of 1 s" : "the iterations set in the benchmark classes")
                .append(", one fork per benchmark. GFLOP/s: 2 x the useful multiply-adds of each side's ")
                .append("convolutions at its mean time (computing K and the guide's gradient are not counted).\n\n");
        sb.append("| comparison | PAC measures | baseline measures |\n|---|---|---|\n");
        for (Comparison c : selected) {
            sb.append("| ").append(c.name()).append(" | ").append(c.setup()).append(" | ").append(c.baselineName())
                    .append(" |\n");
        }
        if (overhead != null) {
            sb.append('\n');
            for (String l : overhead.split("\n")) {
                sb.append("- ").append(l).append('\n');
            }
        }
        if (!memLines.isEmpty()) {
            sb.append('\n');
            for (String l : memLines) {
                sb.append("- ").append(l).append('\n');
            }
        }
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        byte[] text = sb.toString().getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(out, o -> o.write(text)); // a failed write keeps an older results file intact
    }
}
