package org.jpac;

import static org.jpac.TestSupport.randn;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.jpac.nn.PacJointUpsample;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Jpac.setThreads while other threads run operations: each operation reads the
 * count once (its per-thread workspaces and its parallel regions agree), so
 * nothing is corrupted and results stay bit-identical. Before, the ops sized a
 * per-thread vector with one reading and opened the parallel region with
 * another: heap corruption.
 */
class ThreadCountRaceTest {

    private static final int CALLERS = 3;

    @AfterEach
    void restoreThreads() {
        Jpac.setThreads(0);
    }

    /** Runs {@code job} on CALLERS threads at once while another flips the thread count among 1..4 and the default. */
    private static void whileFlipping(Callable<Void> job) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService exec = Executors.newFixedThreadPool(CALLERS + 1);
        try {
            Future<?> flip = exec.submit(() -> {
                int i = 0;
                while (!stop.get()) {
                    Jpac.setThreads(i++ % 5);
                    Thread.onSpinWait();
                }
                return null;
            });
            List<Future<?>> calls = new ArrayList<>();
            for (int c = 0; c < CALLERS; c++) {
                calls.add(exec.submit(job));
            }
            for (Future<?> f : calls) {
                f.get(5, TimeUnit.MINUTES);
            }
            stop.set(true);
            flip.get();
        } finally {
            stop.set(true);
            exec.shutdownNow();
        }
    }

    @Test
    void fusedOpsStayExactWhileTheThreadCountChanges() throws Exception {
        PacOptions o = PacOptions.builder(5).padding(2).build();
        Random r = new Random(3);
        try (Tensor in = TestSupport.tensor(randn(r, 8 * 96 * 96, 1), 1, 8, 96, 96);
             Tensor g = TestSupport.tensor(randn(r, 3 * 96 * 96, 0.5), 1, 3, 96, 96);
             Tensor w = TestSupport.tensor(randn(r, 8 * 8 * 25, 0.1), 8, 8, 5, 5);
             Tensor wt = TestSupport.tensor(randn(r, 8 * 8 * 25, 0.1), 8, 8, 5, 5)) {
            PacOptions t = PacOptions.builder(5).stride(2).padding(2).outputPadding(1).build();
            float[] conv;
            float[] convT;
            float[] pool;
            Jpac.setThreads(1);
            try (Tensor a = Pac.conv2dGuided(in, g, null, null, null, w, null, o);
                 Tensor gUp = Tensor.allocate(1, 3, 192, 192);
                 Tensor b = Pac.convTranspose2dGuided(in, gUp, null, null, null, wt, null, t);
                 Tensor c = Pac.pool2dGuided(in, g, null, null, null, o)) {
                conv = a.toArray();
                convT = b.toArray();
                pool = c.toArray();
            }
            Jpac.setThreads(0);
            whileFlipping(() -> {
                for (int i = 0; i < 25; i++) {
                    try (Tensor a = Pac.conv2dGuided(in, g, null, null, null, w, null, o);
                         Tensor gUp = Tensor.allocate(1, 3, 192, 192);
                         Tensor b = Pac.convTranspose2dGuided(in, gUp, null, null, null, wt, null, t);
                         Tensor p = Pac.pool2dGuided(in, g, null, null, null, o)) {
                        assertArrayEquals(conv, a.toArray(), "conv2dGuided, call " + i);
                        assertArrayEquals(convT, b.toArray(), "convTranspose2dGuided, call " + i);
                        assertArrayEquals(pool, p.toArray(), "pool2dGuided, call " + i);
                    }
                }
                return null;
            });
        }
    }

    @Test
    void oneNetworkSharedByThreadsGivesTheSingleThreadResult() throws Exception {
        Random r = new Random(5);
        try (PacJointUpsample net = PacJointUpsample.builder(4).seed(11).build();
             Tensor low = TestSupport.tensor(randn(r, 24 * 32, 1), 1, 1, 24, 32);
             Tensor guide = TestSupport.tensor(randn(r, 3 * 96 * 128, 1), 1, 3, 96, 128)) {
            float[] want;
            Jpac.setThreads(1);
            try (Tensor out = net.forward(low, guide)) {
                want = out.toArray();
            }
            Jpac.setThreads(0);
            whileFlipping(() -> {
                try (Tensor out = Tensor.empty(1, 1, 96, 128)) {
                    for (int i = 0; i < 6; i++) {
                        net.forward(low, guide, out);
                        assertArrayEquals(want, out.toArray(), "call " + i);
                    }
                }
                return null;
            });
        }
    }
}
