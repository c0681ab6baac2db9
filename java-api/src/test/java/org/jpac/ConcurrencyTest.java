package org.jpac;

import static org.jpac.TestSupport.assertClose;
import static org.jpac.TestSupport.doubles;
import static org.jpac.TestSupport.randn;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.jpac.grad.GuidedConvGrads;
import org.junit.jupiter.api.Test;

/** Eight threads on separate tensors give the same results as serial calls. */
class ConcurrencyTest {

    private static final int THREADS = 8;
    private static final int ROUNDS = 5;

    /** One job's inputs and its serial results (output, grads). */
    private record Job(double[] input, double[] guide, double[] weight, double[] gradOut, double[][] serial) {
    }

    private static final PacOptions OPTS = PacOptions.builder(5).padding(2).kernelType("inv_0.5_0.8").build();

    private static double[][] run(Job j) {
        try (Tensor in = Tensor.ofDoubles(j.input, 1, 4, 24, 20);
             Tensor g = Tensor.ofDoubles(j.guide, 1, 3, 24, 20);
             Tensor w = Tensor.ofDoubles(j.weight, 5, 4, 5, 5);
             Tensor out = Pac.conv2dGuided(in, g, null, null, null, w, null, OPTS);
             Tensor go = Tensor.ofDoubles(j.gradOut, 1, 5, 24, 20);
             GuidedConvGrads gr = Pac.conv2dGuidedBackward(in, g, null, null, null, w, go, OPTS);
             Kernel2dResult k = Pac.kernel2d(g, null, null, null, null, OPTS);
             Tensor pooled = Pac.pool2d(in, k.kernel(), OPTS)) {
            return new double[][] {doubles(out), doubles(gr.gradInput()), doubles(gr.gradGuide()),
                    doubles(gr.gradWeight()), doubles(pooled)};
        }
    }

    @Test
    void parallelCallsMatchSerialCalls() throws Exception {
        List<Job> jobs = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            Random r = new Random(t);
            Job j = new Job(randn(r, 4 * 24 * 20, 1), randn(r, 3 * 24 * 20, 0.5), randn(r, 5 * 4 * 25, 0.2),
                    randn(r, 5 * 24 * 20, 1), null);
            jobs.add(new Job(j.input, j.guide, j.weight, j.gradOut, run(j)));
        }
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            for (int round = 0; round < ROUNDS; round++) {
                List<Future<double[][]>> futures = new ArrayList<>();
                for (Job j : jobs) {
                    futures.add(pool.submit(() -> run(j)));
                }
                for (int t = 0; t < THREADS; t++) {
                    double[][] got = futures.get(t).get();
                    String[] names = {"output", "gradInput", "gradGuide", "gradWeight", "pooled"};
                    for (int i = 0; i < names.length; i++) {
                        assertClose("thread " + t + " round " + round + " " + names[i], jobs.get(t).serial()[i],
                                got[i], 1e-6);
                    }
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void errorsStayOnTheirThread() throws Exception {
        // a failing call on one thread must not leak its message into another thread's success
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<?> bad = pool.submit(() -> {
                try (Tensor in = Tensor.allocate(1, 2, 5, 5); Tensor k = Tensor.allocate(1, 1, 3, 3, 5, 5);
                     Tensor w = Tensor.allocate(4, 3, 3, 3); Tensor out = Tensor.allocate(1, 4, 5, 5)) {
                    for (int i = 0; i < 200; i++) {
                        try {
                            org.jpac.internal.NativeCalls.conv2dForward(PacOptions.builder(3).padding(1).build(),
                                    false, in, k, w, null, out);
                        } catch (IllegalArgumentException expected) {
                            // expected every time
                        }
                    }
                }
            });
            Future<?> good = pool.submit(() -> {
                Random r = new Random(1);
                for (int i = 0; i < 200; i++) {
                    try (Tensor g = Tensor.ofDoubles(randn(r, 2 * 6 * 6, 1), 1, 2, 6, 6);
                         Kernel2dResult k = Pac.kernel2d(g, PacOptions.of(3))) {
                        org.junit.jupiter.api.Assertions.assertEquals(1, k.kernel().dim(1));
                    }
                }
            });
            bad.get();
            good.get();
        } finally {
            pool.shutdownNow();
        }
    }
}
