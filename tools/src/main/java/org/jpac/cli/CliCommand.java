package org.jpac.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jpac.JpacException;
import org.jpac.internal.MemoryPool;

/**
 * A {@code jpac} command: parses its options, runs, and turns every user error
 * into one line on stderr ({@code jpac <name>: <message>}) and a non-zero exit
 * code: 2 for usage errors, 1 for files, sizes, weights and library errors.
 * No stack traces.
 */
abstract class CliCommand {

    /** The command's name, as typed after {@code jpac}. */
    abstract String name();

    /** Usage text (several lines; the first is {@code usage: jpac <name> ...}). */
    abstract String usage();

    /** Options that take a value. */
    abstract Set<String> valued();

    /** Options without a value ({@code --quiet} and {@code --help} are added). */
    abstract Set<String> flags();

    /** Options that name files the command reads. */
    List<String> inputOptions() {
        return List.of();
    }

    /** Options that name what the command writes; no file written may be an input. */
    List<String> outputOptions() {
        return List.of();
    }

    /** The files written for output option {@code option}: by default, its value. */
    List<Path> filesWritten(String option, Args args) {
        Path p = args.path(option);
        return p == null ? List.of() : List.of(p);
    }

    /** Runs with parsed options; returns the exit code. */
    abstract int execute(Args args, PrintStream out, Progress progress) throws IOException;

    /** Parses, runs, and reports errors; returns the exit code. */
    final int run(String[] argv, PrintStream out, PrintStream err) {
        try {
            for (String a : argv) {
                if (a.equals("-h") || a.equals("--help")) {
                    out.println(usage());
                    return 0;
                }
            }
            Set<String> flags = new java.util.HashSet<>(flags());
            flags.add("--quiet");
            Args args = Args.parse(argv, valued(), flags);
            refuseOverwritingInputs(args);
            return execute(args, out, new Progress(err, name(), args.flag("--quiet")));
        } catch (CliException e) {
            err.println(prefix() + oneLine(e.getMessage())
                    + (e.exitCode() == 2 ? " (see jpac " + name() + " --help)" : ""));
            return e.exitCode();
        } catch (IOException e) {
            err.println(prefix() + oneLine(ioMessage(e)));
            return 1;
        } catch (JpacException | IllegalArgumentException | IllegalStateException | UnsupportedOperationException
                 | OutOfMemoryError e) { // MemoryPool.NativeMemoryError is an OutOfMemoryError
            return libraryError(prefix(), e, err);
        }
    }

    /**
     * One line for an error of the library or the JVM that reached a command (a native error, a bad
     * argument found deep down, memory), under {@code prefix}; returns 1. Shared by the commands that parse
     * their options themselves (train, eval).
     */
    static int libraryError(String prefix, Throwable e, PrintStream err) {
        switch (e) {
            case JpacException j -> err.println(prefix + oneLine(j.getMessage() == null ? j.toString() : j.getMessage())
                    + (j.status() == JpacException.Status.OUT_OF_MEMORY ? NATIVE_MEMORY_HINT : ""));
            case MemoryPool.NativeMemoryError m -> err.println(prefix + "out of memory: " + m.getMessage()
                    + "; use smaller images");
            case OutOfMemoryError o -> err.println(prefix + "out of Java heap memory (" + o.getMessage() + "); use "
                    + "smaller images or give Java more heap (JPAC_JAVA_OPTS=-Xmx..., "
                    + Runtime.getRuntime().maxMemory() / 1048576 + " MiB now)");
            default -> err.println(prefix + oneLine(e.getMessage() == null ? e.toString() : e.getMessage()));
        }
        return 1;
    }

    /** Before any work: an output that is one of the inputs would destroy it. */
    private void refuseOverwritingInputs(Args args) {
        Map<String, Path> inputs = new LinkedHashMap<>();
        for (String o : inputOptions()) {
            if (args.has(o)) {
                inputs.put(o, args.path(o));
            }
        }
        Map<String, List<Path>> outputs = new LinkedHashMap<>();
        for (String o : outputOptions()) {
            outputs.put(o, filesWritten(o, args));
        }
        String clash = SameFileGuard.clash(inputs, outputs);
        if (clash != null) {
            throw CliException.usage(clash);
        }
    }

    /** Added to the library's out-of-memory errors: its scratch memory is native, so -Xmx is no lever. */
    private static final String NATIVE_MEMORY_HINT = " (native memory, bounded by the machine's free memory, not by "
            + "-Xmx; its scratch grows with the input size and the thread count: use smaller images or fewer threads, "
            + "OMP_NUM_THREADS=N)";

    private String prefix() {
        return "jpac " + name() + ": ";
    }

    /** The message of an IOException, with the file and a plain reason. */
    static String ioMessage(IOException e) {
        if (e instanceof NoSuchFileException n) {
            return n.getFile() + ": " + (n.getReason() != null ? n.getReason() : "no such file");
        }
        if (e instanceof AccessDeniedException a) {
            return a.getFile() + ": " + (a.getReason() != null ? a.getReason() : "permission denied");
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getFile() + ": " + f.getReason();
        }
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }

    /** Newlines (e.g. a state-dict report) folded into one line. */
    static String oneLine(String s) {
        if (s == null) {
            return "error";
        }
        String t = s.strip().replaceAll(":\\s*\\R\\s*", ": ").replaceAll("\\s*\\R\\s*", "; ");
        return t.length() > 600 ? t.substring(0, 600) + " ..." : t;
    }
}
