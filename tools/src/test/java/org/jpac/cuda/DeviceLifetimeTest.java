package org.jpac.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

import org.jpac.Device;
import org.jpac.Pac;
import org.jpac.PacOptions;
import org.jpac.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * CUDA tensors keep the CPU tensors' lifetime guarantees: closing one that a
 * call on another thread is using waits for that call (device memory is never
 * freed under a running kernel), and a closed one is refused naming the argument.
 */
class DeviceLifetimeTest {

    private static final PacOptions OPTS = PacOptions.builder(3).padding(1).build();
    private static Device cuda;

    @BeforeAll
    static void device() {
        cuda = EmulatedCuda.device();
    }

    private static Tensor filled(float v, long... shape) {
        Tensor t = Tensor.empty(shape);
        t.fill(v);
        return t;
    }

    /** The guided conv of input on a pool thread: its host copy, or null when input was closed first. */
    private static float[] conv(CountDownLatch go, Tensor input, Tensor guide, Tensor weight) {
        go.countDown();
        Tensor out;
        try {
            out = Pac.conv2dGuided(input, guide, null, null, null, weight, null, OPTS);
        } catch (IllegalStateException closedFirst) {
            assertTrue(closedFirst.getMessage().startsWith("input: "), closedFirst.getMessage());
            return null;
        }
        try (out; Tensor host = out.to(Device.CPU)) {
            return host.toArray();
        }
    }

    @Test
    void closingADeviceInputDuringACallWaitsForTheCall() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (Tensor hostInput = filled(0.5f, 1, 8, 48, 48); Tensor hostGuide = filled(0.25f, 1, 2, 48, 48);
             Tensor hostWeight = filled(0.125f, 8, 8, 3, 3);
             Tensor guide = hostGuide.to(cuda); Tensor weight = hostWeight.to(cuda)) {
            float[] expected;
            try (Tensor in = hostInput.to(cuda)) {
                expected = conv(new CountDownLatch(1), in, guide, weight);
            }
            int completed = 0;
            for (int round = 0; round < 8; round++) {
                Tensor input = hostInput.to(cuda);
                CountDownLatch go = new CountDownLatch(1);
                Future<float[]> call = pool.submit(() -> conv(go, input, guide, weight));
                Future<?> closer = pool.submit(() -> {
                    go.await();
                    LockSupport.parkNanos(ThreadLocalRandom.current().nextInt(3_000_000));
                    input.close();
                    return null;
                });
                closer.get();
                assertTrue(input.isClosed());
                float[] got = call.get();
                if (got != null) {
                    assertArrayEquals(expected, got);
                    completed++;
                }
            }
            assertTrue(completed > 0, "no call overlapped a close");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aClosedDeviceTensorIsRefusedNamingTheArgument() {
        try (Tensor guide = Tensor.allocate(cuda, 1, 2, 8, 8); Tensor weight = Tensor.allocate(cuda, 4, 4, 3, 3)) {
            Tensor input = Tensor.allocate(cuda, 1, 4, 8, 8);
            input.close();
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> Pac.conv2dGuided(input, guide, null, null, null, weight, null, OPTS));
            assertTrue(e.getMessage().startsWith("input: "), e.getMessage());
            assertThrows(IllegalStateException.class, () -> input.to(Device.CPU));
        }
    }
}
