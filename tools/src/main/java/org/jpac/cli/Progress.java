package org.jpac.cli;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress lines on stderr: {@code jpac <command>: <what> (<time>)}, one per
 * finished step, and a line before a step that may take a while. Silent with
 * {@code --quiet}.
 */
final class Progress {

    private final PrintStream err;
    private final String prefix;
    private final boolean quiet;

    Progress(PrintStream err, String command, boolean quiet) {
        this.err = err;
        this.prefix = "jpac " + command + ": ";
        this.quiet = quiet;
    }

    /** A note (e.g. a default that was chosen). */
    void note(String line) {
        if (!quiet) {
            err.println(prefix + line);
            err.flush();
        }
    }

    /** A warning: printed even with --quiet. */
    void warn(String line) {
        err.println(prefix + "warning: " + line);
        err.flush();
    }

    /** Runs a step and prints {@code what (time)} when it is done. */
    <T> T step(String what, Work<T> work) throws java.io.IOException {
        return step(null, what, work);
    }

    /** As {@link #step(String, Work)}, announcing a step that may take a while with {@code doing ...} first. */
    <T> T step(String doing, String what, Work<T> work) throws java.io.IOException {
        if (doing != null) {
            note(doing + " ...");
        }
        long t0 = System.nanoTime();
        T r = work.get();
        note(what + " (" + time(System.nanoTime() - t0) + ")");
        return r;
    }

    /** A step's work; may read or write files. */
    @FunctionalInterface
    interface Work<T> {
        T get() throws java.io.IOException;
    }

    static String time(long nanos) {
        double ms = nanos / 1e6;
        return ms < 1000 ? String.format(Locale.ROOT, "%.0f ms", ms) : String.format(Locale.ROOT, "%.2f s", ms / 1e3);
    }
}
