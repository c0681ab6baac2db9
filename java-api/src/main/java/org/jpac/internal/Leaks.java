package org.jpac.internal;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Tensors freed by the garbage collector instead of {@code close()}: counted,
 * and reported on {@code System.err} as the system property {@code jpac.leaks}
 * says:
 * <ul>
 * <li>{@code warn} (default): one line per leak for the first {@value #WARN_EACH}, with how to find
 *     where they were allocated; then one line each time the count doubles, so that a program that
 *     leaks in a loop does not flood its log;</li>
 * <li>{@code report}: the stack trace of each leaked tensor's allocation (records a
 *     stack trace per allocation: for finding leaks, not for production);</li>
 * <li>{@code off}: counted only.</li>
 * </ul>
 */
public final class Leaks {

    /** How leaks are reported. */
    public enum Mode { OFF, WARN, REPORT }

    private static volatile Mode mode = mode(System.getProperty("jpac.leaks"));

    /** Fill tensors allocated uninitialised with NaN ({@code -Djpac.debug.poison=true}): a test aid. */
    static final boolean POISON = Boolean.getBoolean("jpac.debug.poison");

    /** Leaks reported one by one in {@code warn} mode; later ones only as the count doubles. */
    static final int WARN_EACH = 16;

    private static final AtomicLong COUNT = new AtomicLong();
    private static volatile Consumer<String> sink = System.err::println;

    private Leaks() {
    }

    private static Mode mode(String v) {
        if (v == null || v.isBlank()) {
            return Mode.WARN;
        }
        return switch (v.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "off" -> Mode.OFF;
            case "warn" -> Mode.WARN;
            case "report" -> Mode.REPORT;
            default -> throw new IllegalArgumentException("jpac.leaks: expected off, warn or report, got '" + v + "'");
        };
    }

    /** A stack trace of the current allocation when leaks are reported in full, else null. */
    static Throwable allocationSite() {
        return mode == Mode.REPORT ? new Throwable("allocated here") : null;
    }

    static void leaked(String what, Throwable allocatedAt) {
        long n = COUNT.get() + 1; // this leak's number (leaks reported at once may share one: a report too many)
        try {
            report(what, allocatedAt, n);
        } finally {
            COUNT.incrementAndGet(); // after the report: a count that went up has its report out
        }
    }

    private static void report(String what, Throwable allocatedAt, long n) {
        if (mode == Mode.OFF) {
            return;
        }
        if (mode == Mode.WARN && n > WARN_EACH) {
            if (Long.bitCount(n) == 1) {
                sink.accept("jpac: LEAK: " + n + " tensors so far were not closed (the garbage collector freed their "
                        + "memory); the next report comes at " + 2 * n + ". Run with -Djpac.leaks=report to see where "
                        + "each was allocated.");
            }
            return;
        }
        StringBuilder m = new StringBuilder("jpac: LEAK: ").append(what)
                .append(" was not closed; the garbage collector freed its memory.");
        if (allocatedAt == null) {
            m.append(" Run with -Djpac.leaks=report to see where it was allocated.");
        } else {
            StringWriter w = new StringWriter();
            allocatedAt.printStackTrace(new PrintWriter(w));
            m.append(' ').append(w.toString().strip());
        }
        sink.accept(m.toString());
    }

    public static Mode mode() {
        return mode;
    }

    /** Changes the mode (for tensors allocated from now on); returns the previous one. */
    public static Mode setMode(Mode m) {
        Mode old = mode;
        mode = java.util.Objects.requireNonNull(m, "m");
        return old;
    }

    /** Tensors leaked so far (in this JVM). */
    public static long count() {
        return COUNT.get();
    }

    /** Where reports go (System.err by default); returns the previous sink. For tests. */
    public static Consumer<String> setSink(Consumer<String> s) {
        Consumer<String> old = sink;
        sink = s == null ? System.err::println : s;
        return old;
    }
}
