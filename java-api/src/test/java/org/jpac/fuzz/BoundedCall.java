package org.jpac.fuzz;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs one fuzz case on a worker thread, bounded in time and in the heap bytes
 * that thread allocates, and hands back what the case threw. A case that
 * overruns either bound fails the property: a hostile input must neither hang
 * a reader nor make it allocate far more than the input's size.
 */
public final class BoundedCall {

    /** Work that may throw anything. */
    @FunctionalInterface
    public interface Body {
        void run() throws Exception;
    }

    /** Per-case time limit: generous, since this 2-core machine is shared; a normal case takes milliseconds. */
    public static final Duration TIMEOUT = Duration.ofSeconds(Long.getLong("jpac.fuzz.timeoutSeconds", 20));

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private static ExecutorService worker = newWorker();

    private BoundedCall() {
    }

    private record Outcome(Throwable thrown, long allocated) {
    }

    /**
     * Runs {@code body}; returns what it threw (null when it returned). Throws
     * {@link AssertionError} when it runs longer than {@link #TIMEOUT} or
     * allocates more than {@code allocationLimit} bytes on its thread.
     */
    public static synchronized Throwable run(String what, long allocationLimit, Body body) {
        Future<Outcome> f = worker.submit(() -> {
            long before = THREADS.getCurrentThreadAllocatedBytes();
            Throwable thrown = null;
            try {
                body.run();
            } catch (Throwable t) { // every kind is judged by the caller, OutOfMemoryError included
                thrown = t;
            }
            return new Outcome(thrown, THREADS.getCurrentThreadAllocatedBytes() - before);
        });
        Outcome o;
        try {
            o = f.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            // the stuck thread cannot be stopped; abandon it so later cases get a fresh one
            f.cancel(true);
            worker.shutdownNow();
            worker = newWorker();
            throw new AssertionError(what + ": still running after " + TIMEOUT.toSeconds() + " s (a hang?)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(what + ": interrupted", e);
        } catch (ExecutionException e) {
            throw new AssertionError(what + ": the harness failed", e.getCause());
        }
        if (o.allocated() > allocationLimit) {
            throw new AssertionError(what + ": allocated " + mib(o.allocated()) + " on the heap, more than the "
                    + mib(allocationLimit) + " allowed", o.thrown());
        }
        return o.thrown();
    }

    private static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    private static ExecutorService newWorker() {
        if (!THREADS.isThreadAllocatedMemorySupported()) {
            throw new IllegalStateException("this JVM does not count allocated bytes per thread");
        }
        THREADS.setThreadAllocatedMemoryEnabled(true);
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-case");
            t.setDaemon(true); // an abandoned (hung) case must not keep the test JVM alive
            return t;
        });
    }
}
