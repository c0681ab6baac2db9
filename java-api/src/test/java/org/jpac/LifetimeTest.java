package org.jpac;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

import org.jpac.nn.StdOps;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No operation ever runs on memory that is freed, closed, owned by another
 * thread or read-only: each case crashed the JVM (or read garbage) before the
 * tensors' memory was passed to the native calls as downcall arguments.
 */
class LifetimeTest {

    private static final PacOptions OPTS = PacOptions.builder(5).padding(2).build();

    private static long numel(long[] s) {
        long n = 1;
        for (long d : s) {
            n *= d;
        }
        return n;
    }

    /**
     * 64 MiB: above glibc's largest mmap threshold, so freeing it unmaps it at
     * once and an operation still reading it crashes the JVM (smaller blocks
     * stay mapped, and a use after free only reads stale values).
     */
    private static final long[] BIG = {1, 16, 1024, 1024};

    /**
     * ReLU of {@code input} (all 2s) on a pool thread: true when it ran and
     * gave 2s, false when the input was closed (or freed) before it began,
     * which must be said by an exception naming the input: by its Java
     * parameter name ({@code x}) when the close landed before relu's own check,
     * by its C ABI name ({@code input}) when it landed between that check and
     * the native call.
     */
    private static boolean relu(CountDownLatch go, Tensor input) {
        go.countDown();
        Tensor out;
        try {
            out = StdOps.relu(input);
        } catch (IllegalStateException closedFirst) {
            String m = closedFirst.getMessage();
            assertTrue(m.startsWith("x: ") || m.startsWith("input: "), m);
            return false;
        }
        try (out) {
            MemorySegment o = out.segment();
            for (long i = 0; i < out.numel(); i += 1) {
                if (o.getAtIndex(ValueLayout.JAVA_FLOAT, i) != 2f) {
                    throw new AssertionError("output " + i + " is " + o.getAtIndex(ValueLayout.JAVA_FLOAT, i));
                }
            }
            return true;
        }
    }

    /** Waits up to 3 ms, then closes: a close that lands during the call about every other round. */
    private static void closeSoon(CountDownLatch go, Runnable close) throws InterruptedException {
        go.await();
        LockSupport.parkNanos(ThreadLocalRandom.current().nextInt(3_000_000));
        close.run();
    }

    @Test
    void closingAnInputDuringACallWaitsForTheCall() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            int completed = 0;
            for (int round = 0; round < 16; round++) {
                Tensor input = Tensor.empty(BIG);
                input.fill(2f);
                CountDownLatch go = new CountDownLatch(1);
                Future<Boolean> call = pool.submit(() -> relu(go, input));
                Future<?> closer = pool.submit(() -> {
                    closeSoon(go, input::close);
                    return null;
                });
                closer.get();
                assertTrue(input.isClosed());
                completed += call.get() ? 1 : 0;
            }
            assertTrue(completed > 0, "no call overlapped a close");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void closingAWrappedArenaDuringACallCannotFreeItsMemory() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 16; round++) {
                Arena arena = Arena.ofShared();
                MemorySegment seg = arena.allocate(numel(BIG) * 4, 64);
                Tensor input = Tensor.wrap(seg, BIG);
                input.fill(2f);
                CountDownLatch go = new CountDownLatch(1);
                Future<Boolean> call = pool.submit(() -> relu(go, input));
                Future<?> closer = pool.submit(() -> {
                    // The user's arena refuses to close while a call holds it; retry as a user would.
                    closeSoon(go, () -> {
                        while (true) {
                            try {
                                arena.close();
                                return;
                            } catch (IllegalStateException inUse) {
                                Thread.onSpinWait();
                            }
                        }
                    });
                    return null;
                });
                closer.get();
                call.get();
                assertTrue(input.isClosed(), "a wrapped tensor over a closed arena says it is closed");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void wrappingOrUsingFreedMemoryThrowsNamingTheArgument() {
        Arena arena = Arena.ofShared();
        MemorySegment seg = arena.allocate(64 * 64 * 4);
        Tensor wrapped = Tensor.wrap(seg, 1, 1, 64, 64);
        arena.close();
        assertTrue(wrapped.isClosed());
        IllegalStateException wrap = assertThrows(IllegalStateException.class, () -> Tensor.wrap(seg, 1, 1, 64, 64));
        assertTrue(wrap.getMessage().startsWith("segment: "), wrap.getMessage());
        try (Tensor guide = Tensor.allocate(1, 2, 64, 64); Tensor w = Tensor.allocate(1, 1, 5, 5)) {
            IllegalStateException op = assertThrows(IllegalStateException.class,
                    () -> Pac.conv2dGuided(wrapped, guide, null, null, null, w, null, OPTS));
            assertTrue(op.getMessage().startsWith("input: ") && op.getMessage().contains("freed"), op.getMessage());
            try (Tensor in = Tensor.allocate(1, 1, 64, 64)) {
                IllegalStateException asOut = assertThrows(IllegalStateException.class,
                        () -> Pac.conv2dGuidedInto(in, guide, null, null, null, w, null, OPTS, wrapped));
                assertTrue(asOut.getMessage().startsWith("output: "), asOut.getMessage());
            }
        }
    }

    @Test
    void aClosedTensorsSegmentsAreInaccessibleEvenWhenItsMemoryIsReused() {
        Tensor a = Tensor.allocate(1, 8, 32, 32);
        MemorySegment view = a.segment();
        a.close();
        assertThrows(IllegalStateException.class, () -> view.get(ValueLayout.JAVA_FLOAT, 0));
        try (Tensor b = Tensor.allocate(1, 8, 32, 32)) { // likely the same block again
            b.fill(3f);
            assertThrows(IllegalStateException.class, () -> view.get(ValueLayout.JAVA_FLOAT, 0));
            assertThrows(IllegalStateException.class, () -> a.get(0, 0, 0, 0));
            assertEquals(3f, b.get(0, 7, 31, 31));
        }
    }

    @Test
    void allocateIsZeroedEvenOnReusedMemory() {
        for (int i = 0; i < 3; i++) {
            try (Tensor t = Tensor.allocate(1, 4, 48, 48)) {
                for (float v : t.toArray()) {
                    assertEquals(0f, v);
                }
                t.fill(5f);
            }
        }
    }

    @Test
    void aReadOnlyMappedSegmentIsAnInputButNeverAnOutput(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("ones.f32");
        int n = 1 * 2 * 20 * 20;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ones = a.allocate(n * 4L);
            for (int i = 0; i < n; i++) {
                ones.setAtIndex(ValueLayout.JAVA_FLOAT, i, 1f);
            }
            Files.write(file, ones.toArray(ValueLayout.JAVA_BYTE));
        }
        try (Arena arena = Arena.ofShared(); FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, n * 4L, arena);
            assertTrue(mapped.isReadOnly());
            Tensor ro = Tensor.wrap(mapped, 1, 2, 20, 20);
            try (Tensor w = Tensor.allocate(2, 2, 3, 3); Tensor out = Tensor.empty(1, 2, 20, 20)) {
                w.fill(1f);
                PacOptions o = PacOptions.builder(3).padding(1).build();
                Pac.stdConv2dInto(ro, w, null, o, out); // as input: fine
                assertEquals(18f, out.get(0, 0, 5, 5));
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> Pac.stdConv2dInto(out, w, null, o, ro));
                assertTrue(e.getMessage().startsWith("output: ") && e.getMessage().contains("read-only"),
                        e.getMessage());
            }
            assertEquals(1f, ro.get(0, 1, 19, 19), "the file's memory is unchanged");
        }
    }

    @Test
    void aConfinedSegmentIsUsableOnlyOnItsThread() throws Exception {
        try (Arena confined = Arena.ofConfined()) {
            MemorySegment seg = confined.allocate(1 * 1 * 16 * 16 * 4L);
            Tensor mine = Tensor.wrap(seg, 1, 1, 16, 16);
            ExecutorService other = Executors.newSingleThreadExecutor();
            try {
                Throwable wrap = other.submit(() -> catching(() -> Tensor.wrap(seg, 1, 1, 16, 16))).get();
                assertTrue(wrap instanceof WrongThreadException && wrap.getMessage().startsWith("segment: "),
                        String.valueOf(wrap));
                Throwable op = other.submit(() -> catching(() -> org.jpac.nn.StdOps.relu(mine))).get();
                assertTrue(op instanceof WrongThreadException && op.getMessage().startsWith("input: "),
                        String.valueOf(op));
            } finally {
                other.shutdownNow();
            }
            try (Tensor r = org.jpac.nn.StdOps.relu(mine)) { // on its own thread: fine
                assertEquals(0f, r.get(0, 0, 3, 3));
            }
        }
    }

    private static Throwable catching(Runnable r) {
        try {
            r.run();
            return null;
        } catch (Throwable t) {
            return t;
        }
    }
}
