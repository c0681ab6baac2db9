package org.jpac.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.jpac.Device;
import org.jpac.Jpac;
import org.jpac.golden.GoldenRunner;

/**
 * The {@code jpac} command line: {@code info}, {@code verify DIR}, {@code upsample},
 * {@code crf}, {@code filter}, {@code demo}, {@code bench-nets}, {@code help}, and
 * {@code bench} when its class is on the class path.
 * Exit codes: 0 success, 1 failure (a failing case, a missing directory, a
 * native error), 2 usage error. User errors print one line, no stack trace.
 */
public final class Main {

    static final String VERIFY_USAGE = String.join("\n",
            "usage: jpac verify [DIR]",
            "  DIR: run every golden *.safetensors case under it on the chosen backend's device, one line each;",
            "  without DIR: the built-in conformance suite on the CPU (-Djpac.verify.cases=N cases per family,",
            "  a whole number >= 1, default 12). Exit 1 on any failure.");

    static final String USAGE = String.join("\n",
            "usage: jpac <command> [args]",
            "  info          library version, backends (available, chosen, why), oneDNN version, vector ISA, threads",
            "  verify [DIR]  run every golden *.safetensors case under DIR, or without DIR the built-in",
            "                conformance suite (every op and gradient vs the double reference); exit 1 on a failure",
            "  upsample ...  joint upsampling of depth/flow guided by an image (pac, lite, djif, jbu, bilinear)",
            "  crf ...       PAC-CRF refinement of per-pixel class scores guided by an image",
            "  filter ...    joint bilateral filter computed as pixel-adaptive pooling",
            "  bench-nets    time PacJointUpsample 8x and PacCRF forward passes on this machine",
            "  gpu-bench     time the fused PAC ops on cuda:0 tensors",
            "  train upsample ...  train pac|lite|djif upsampling in Java (synthetic RGB-D, NYU, Sintel)",
            "  train crf ...       train the default PAC-CRF in Java on synthetic photographs and coarse scores",
            "  eval ...      RMSE/EPE of a trained upsampling model vs bilinear and JBU",
            "  demo [args]   run the demo",
            "  bench [args]  run the benchmarks",
            "  help          this text",
            "  (jpac <command> --help for a command's options)");

    /** The class that provides the optional bench command; it has {@code static int run(String[] args)}. */
    static final String BENCH_CLASS = "org.jpac.bench.BenchMain";

    private Main() {
    }

    /**
     * Runs the command line and exits with its code (0 success, 1 failure, 2 usage error).
     *
     * @param args the command and its arguments
     */
    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        System.out.flush();
        System.exit(code);
    }

    /** Runs a command; returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.println("jpac: no command given");
            err.println(USAGE);
            return 2;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        try {
            return switch (args[0]) {
                case "help", "-h", "--help" -> {
                    out.println(USAGE);
                    yield 0;
                }
                case "info" -> info(out);
                case "verify" -> verify(rest, out, err);
                case "upsample" -> new UpsampleCommand().run(rest, out, err);
                case "crf" -> new CrfCommand().run(rest, out, err);
                case "filter" -> new FilterCommand().run(rest, out, err);
                case "bench-nets" -> new BenchNetsCommand().run(rest, out, err);
                case "gpu-bench" -> new GpuBenchCommand().run(rest, out, err);
                case "train" -> TrainCommand.run(rest, out, err);
                case "eval" -> EvalCommand.run(rest, out, err);
                case "demo" -> new DemoCommand().run(rest, out, err);
                case "bench" -> delegate(BENCH_CLASS, "bench", rest, err);
                default -> {
                    err.println("jpac: unknown command '" + args[0] + "'");
                    err.println(USAGE);
                    yield 2;
                }
            };
        } catch (LinkageError e) {
            Throwable init = initializerFailure(e);
            if (init != null) { // e.g. a bad -Djpac.leaks, read by a static initializer: its message says which
                err.println("jpac " + args[0] + ": " + CliCommand.oneLine(message(init)));
                return 1;
            }
            // UnsatisfiedLinkError on the first try, NoClassDefFoundError after it
            err.println("jpac: cannot load the native library: " + message(e));
            return 1;
        } catch (IllegalArgumentException | IllegalStateException | UnsupportedOperationException
                 | org.jpac.JpacException e) {
            err.println("jpac: " + e.getMessage());
            return 1;
        }
    }

    /**
     * What a class's static initializer threw, when {@code e} is (or, as a later NoClassDefFoundError, was
     * caused by) an ExceptionInInitializerError; null for a library that did not load.
     */
    static Throwable initializerFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ExceptionInInitializerError x) {
                return x.getCause() != null ? x.getCause() : x.getMessage() != null ? x : null;
            }
        }
        return null;
    }

    private static String message(Throwable e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }

    private static int info(PrintStream out) {
        out.println("jpac " + Jpac.version());
        out.println("oneDNN " + Jpac.onednnVersion());
        out.println("cpu isa: jpac kernels " + Jpac.cpuIsa() + ", oneDNN " + Jpac.onednnIsa()
                + " (JPAC_CPU_ISA=avx512|avx2|generic limits jpac's)");
        out.println("native libraries: " + org.jpac.internal.NativeLoader.loadedFrom());
        out.println("backend requested: " + Jpac.requestedBackend());
        out.println("cpu available: " + yesNo(Device.Type.CPU));
        out.println("cuda available: " + yesNo(Device.Type.CUDA));
        if (Jpac.available(Device.Type.CUDA) && Jpac.cudaEmulated()) {
            out.println("cuda backend: EMULATED, not a GPU (a test hook loaded jpac's emulator: the CUDA kernels run "
                    + "on the CPU, host memory stands for device memory)");
        }
        try {
            out.println("backend chosen: " + Jpac.backend());
            out.println("reason: " + Jpac.backendReason());
        } catch (org.jpac.JpacException e) {
            out.println("backend chosen: none");
            out.println("reason: " + e.getMessage());
            out.println("threads: " + threads());
            return 1;
        }
        out.println("threads: " + threads());
        return 0;
    }

    private static String threads() {
        return Jpac.threads() + " (waiting threads: " + Jpac.threadWaitPolicy() + ")";
    }

    private static String yesNo(Device.Type t) {
        if (Jpac.available(t)) {
            String what = Jpac.backendStatus(t);
            return what.isEmpty() ? "yes" : "yes (" + what + ")";
        }
        String why = Jpac.unavailableReason(t);
        return why.isEmpty() ? "no" : "no (" + why + ")";
    }

    private static int verify(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 1 && (args[0].equals("-h") || args[0].equals("--help"))) {
            out.println(VERIFY_USAGE); // was taken for a directory named --help
            return 0;
        }
        if (args.length == 0) {
            Integer cases = verifyCases();
            if (cases == null) {
                err.println("jpac verify: -Djpac.verify.cases must be a whole number >= 1, got '"
                        + System.getProperty("jpac.verify.cases") + "'");
                return 2;
            }
            return conformance(out, cases);
        }
        if (args.length != 1) {
            err.println("jpac verify: takes one directory (or none), got " + args.length + " arguments (see jpac "
                    + "verify --help)");
            return 2;
        }
        Path dir = Path.of(args[0]);
        if (!Files.isDirectory(dir)) {
            err.println("jpac verify: " + dir + " is not a directory");
            return 1;
        }
        List<Path> cases;
        try {
            cases = GoldenRunner.listCases(dir);
        } catch (IOException e) {
            err.println("jpac verify: cannot list " + dir + ": " + e.getMessage());
            return 1;
        }
        if (cases.isEmpty()) {
            err.println("jpac verify: no *.safetensors files under " + dir);
            out.println("0 passed, 0 failed");
            return 1;
        }
        Device device = Jpac.backend();
        if (!device.isCpu()) {
            out.println("golden cases on " + device + ": " + Jpac.backendStatus(device.type()));
        }
        int passed = 0;
        int failed = 0;
        int unsupported = 0;
        for (Path p : cases) {
            GoldenRunner.CaseResult r = GoldenRunner.run(p, device);
            if (r.passed()) {
                passed++;
                out.println("PASS " + r.name());
            } else if (r.unsupported()) {
                unsupported++;
                out.println("UNSUPPORTED " + r.name() + ": " + r.message());
            } else {
                failed++;
                out.println("FAIL " + r.name() + ": " + r.message());
            }
        }
        // A case the backend refuses is not a wrong result: listed and counted, not failed.
        out.println(passed + " passed, " + failed + " failed"
                + (unsupported > 0 ? ", " + unsupported + " unsupported on " + device : ""));
        return failed == 0 ? 0 : 1;
    }

    /**
     * {@code -Djpac.verify.cases} (default 12), or null when it is not a whole number >= 1: 0 or less ran
     * nothing and passed, and Integer.getInteger took 'abc' as the default.
     */
    static Integer verifyCases() {
        String v = System.getProperty("jpac.verify.cases");
        if (v == null) {
            return 12;
        }
        try {
            int n = Integer.parseInt(v);
            return n >= 1 ? n : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * The built-in conformance suite on this machine's backend: seeded cases of
     * every operation family against the double-precision reference, one line per
     * family, the failures, then the summary line.
     */
    private static int conformance(PrintStream out, int cases) {
        out.println("conformance suite: " + cases + " seeded cases per family, backend " + Jpac.backend() + " ("
                + Jpac.cpuIsa() + "), forward and every gradient against the double-precision reference");
        List<org.jpac.golden.ConformanceSuite.FamilyResult> results =
                org.jpac.golden.ConformanceSuite.run(cases, out::println);
        int passed = 0;
        int failed = 0;
        for (org.jpac.golden.ConformanceSuite.FamilyResult r : results) {
            passed += r.passed();
            failed += r.failed();
            r.failures().forEach(f -> out.println("FAIL " + f));
        }
        out.println(passed + " passed, " + failed + " failed");
        return failed == 0 ? 0 : 1;
    }

    /** Runs an optional command's class, or says clearly that it is not there. */
    static int delegate(String className, String command, String[] args, PrintStream err) {
        Method m;
        try {
            Class<?> c = Class.forName(className);
            m = c.getMethod("run", String[].class);
        } catch (ClassNotFoundException | NoSuchMethodException e) {
            err.println("jpac: the '" + command + "' command is not available in this build (" + className
                    + " not found)");
            return 1;
        }
        try {
            Object r = m.invoke(null, (Object) args);
            return r instanceof Integer i ? i : 0;
        } catch (InvocationTargetException e) {
            Throwable t = e.getCause();
            if (t instanceof RuntimeException re) {
                throw re;
            }
            if (t instanceof Error er) {
                throw er;
            }
            err.println("jpac: " + command + ": " + t);
            return 1;
        } catch (IllegalAccessException e) {
            err.println("jpac: " + command + ": " + e.getMessage());
            return 1;
        }
    }
}
