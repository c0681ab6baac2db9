package org.jpac.cuda;

import static org.jpac.cuda.EmulatedCuda.assertMatchesCpu;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jpac.Device;
import org.jpac.Jpac;
import org.jpac.JpacException;
import org.jpac.KernelType;
import org.jpac.Pac;
import org.jpac.PacOptions;
import org.jpac.Tensor;
import org.jpac.grad.GuidedConvGrads;
import org.jpac.internal.DeviceMemoryPool;
import org.jpac.internal.NativeCalls;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** CUDA tensors on the emulated backend: allocation, copies, host access, mixed devices, unsupported cases. */
class DeviceTensorTest {

    private static Device cuda;

    @BeforeAll
    static void device() {
        cuda = EmulatedCuda.device();
    }

    private static Tensor random(long seed, long... shape) {
        return EmulatedCuda.gaussian(seed, shape);
    }

    @Test
    void copiesRoundTripBetweenHostAndDevice() {
        try (Tensor host = random(1, 2, 3, 5, 7);
             Tensor dev = host.to(cuda);
             Tensor dev2 = Tensor.empty(cuda, 2, 3, 5, 7)) {
            assertEquals(cuda, dev.device());
            dev2.copyFrom(dev); // device to device
            try (Tensor back = dev2.to(Device.CPU); Tensor copy = dev2.copy(); Tensor back2 = copy.to(Device.CPU)) {
                assertEquals(cuda, copy.device());
                assertArrayEquals(host.toArray(), back.toArray());
                assertArrayEquals(host.toArray(), back2.toArray());
            }
            host.fill(0f);
            host.copyFrom(dev); // device to host
            try (Tensor again = random(1, 2, 3, 5, 7)) {
                assertArrayEquals(again.toArray(), host.toArray());
            }
        }
    }

    @Test
    void allocateIsZeroFilledOnTheDevice() {
        try (Tensor dev = Tensor.allocate(cuda, 3, 1000); Tensor host = dev.to(Device.CPU)) {
            for (float v : host.toArray()) {
                assertEquals(0f, v);
            }
        }
    }

    @Test
    void closedDeviceMemoryIsKeptForReuseButNeverForAZeroFilledTensor() {
        DeviceMemoryPool pool = DeviceMemoryPool.get();
        Jpac.releaseCachedMemory();
        assertEquals(0, pool.cachedBytes());
        float[] ones = new float[1000];
        java.util.Arrays.fill(ones, 1f);
        try (Tensor host = Tensor.of(ones, 1000)) {
            host.to(cuda).close();
        }
        long kept = pool.cachedBytes();
        assertTrue(kept >= 4000, "kept " + kept);
        try (Tensor zeros = Tensor.allocate(cuda, 1000); Tensor back = zeros.to(Device.CPU)) {
            assertEquals(kept, pool.cachedBytes(), "a zero-filled tensor took the kept block");
            assertArrayEquals(new float[1000], back.toArray());
        }
        try (Tensor reused = Tensor.empty(cuda, 1000)) {
            assertTrue(pool.cachedBytes() < 2 * kept, "no block was reused");
        }
        Jpac.releaseCachedMemory();
        assertEquals(0, pool.cachedBytes());
    }

    @Test
    void deviceMemoryIsNeverReadAsHostMemory() {
        try (Tensor dev = Tensor.allocate(cuda, 4, 4)) {
            for (Runnable read : new Runnable[] {dev::segment, dev::toArray, () -> dev.get(0, 0),
                    () -> dev.fill(1f), () -> dev.requireFinite("x")}) {
                UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, read::run);
                assertTrue(e.getMessage().contains("on cuda:0") && e.getMessage().contains("to(Device.CPU)"),
                        e.getMessage());
            }
        }
    }

    @Test
    void mixingDevicesInOneOperationNamesTheArgument() {
        PacOptions o = PacOptions.builder(3).padding(1).build();
        try (Tensor input = random(2, 1, 4, 8, 8); Tensor guide = random(3, 1, 2, 8, 8).to(cuda);
             Tensor weight = random(4, 4, 4, 3, 3)) {
            IllegalArgumentException java = assertThrows(IllegalArgumentException.class,
                    () -> Pac.conv2dGuided(input, guide, null, null, null, weight, null, o));
            assertTrue(java.getMessage().startsWith("guide: on cuda:0"), java.getMessage());
            // The native layer checks again (a caller of the C ABI has no Java checks).
            try (Tensor out = Tensor.empty(1, 4, 8, 8)) {
                IllegalArgumentException c = assertThrows(IllegalArgumentException.class,
                        () -> NativeCalls.conv2dGuidedForward(o, false, input, guide, null, null, null, weight, null,
                                out));
                assertTrue(c.getMessage().contains(": is on cpu, but this call runs on cuda:0"), c.getMessage());
            }
        }
    }

    @Test
    void operationsWithoutACudaFormSaySo() {
        try (Tensor image = Tensor.allocate(cuda, 1, 3, 4, 4)) {
            UnsupportedOperationException java = assertThrows(UnsupportedOperationException.class,
                    () -> org.jpac.nn.PacCRF.createYXRGB(image, 1, 1));
            assertTrue(java.getMessage().contains("runs on CPU only"), java.getMessage());
            // jpac_noop validates its tensor as any operation without a CUDA form would.
            JpacException c = assertThrows(JpacException.class, () -> NativeCalls.noop(image));
            assertEquals(JpacException.Status.UNSUPPORTED, c.status());
            assertTrue(c.getMessage().startsWith("tensor: is on cuda:0, but this operation has no CUDA implementation"),
                    c.getMessage());
        }
    }

    /**
     * Each op family's forward and backward reaches libjpac_cuda: the emulator's
     * "device" memory is host memory, so a CPU fallback would compute right
     * answers unseen; the emulator's launch count shows where each call went, for
     * a 3x3 window (the tiled kernels) and a 7x7 one (the untiled kernels).
     */
    @Test
    void everyOpFamilyDispatchesToTheCudaBackend() {
        for (int k : new int[] {3, 7}) {
            PacOptions o = PacOptions.builder(k).padding(k / 2).build();
            try (Tensor x = Tensor.allocate(cuda, 1, 2, 8, 8); Tensor g = Tensor.allocate(cuda, 1, 2, 8, 8);
                 Tensor kernel = Tensor.allocate(cuda, 1, 1, k, k, 8, 8);
                 Tensor w = Tensor.allocate(cuda, 2, 2, k, k)) {
                Runnable[] calls = {
                    () -> Pac.kernel2d(g, o).close(),
                    () -> Pac.kernel2dBackward(g, null, null, null, null, kernel, o,
                            java.util.Set.of(org.jpac.Grad.GUIDE)).close(),
                    () -> Pac.conv2d(x, kernel, w, null, o).close(),
                    () -> Pac.conv2dBackward(x, kernel, w, x, o, org.jpac.Grad.all()).close(),
                    () -> Pac.convTranspose2d(x, kernel, w, null, o).close(),
                    () -> Pac.convTranspose2dBackward(x, kernel, w, x, o, org.jpac.Grad.all()).close(),
                    () -> Pac.pool2d(x, kernel, o).close(),
                    () -> Pac.pool2dBackward(x, kernel, x, o).close(),
                    () -> Pac.conv2dGuided(x, g, null, null, null, w, null, o).close(),
                    () -> Pac.conv2dGuidedBackward(x, org.jpac.Guide.of(g), w, x, o, org.jpac.Grad.all()).close(),
                    () -> Pac.convTranspose2dGuided(x, g, null, null, null, w, null, o).close(),
                    () -> Pac.pool2dGuided(x, g, o).close(),
                    () -> Pac.pool2dGuidedBackward(x, g, null, null, null, x, o, org.jpac.Grad.all()).close(),
                };
                for (int i = 0; i < calls.length; i++) {
                    long before = EmulatedCuda.launches();
                    calls[i].run();
                    assertTrue(EmulatedCuda.launches() > before, k + "x" + k + " call " + i + " ran no kernel");
                }
            }
        }
    }

    @Test
    void aDeviceThatDoesNotExistIsAnArgumentError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.allocate(Device.cuda(3), 4));
        assertTrue(e.getMessage().contains("cuda:3 does not exist"), e.getMessage());
    }

    /** Beyond the golden cases: a strided inv-kernel conv and its gradients, CUDA against the CPU. */
    @Test
    void guidedConvMatchesTheCpu() {
        PacOptions o = PacOptions.builder(5).stride(2).padding(2).kernelType(KernelType.parse("inv_0.5_0.8", "t"))
                .build();
        try (Tensor input = random(5, 2, 3, 11, 9); Tensor guide = random(6, 2, 4, 11, 9);
             Tensor weight = random(7, 6, 3, 5, 5); Tensor bias = random(8, 6);
             Tensor cpuOut = Pac.conv2dGuided(input, guide, null, null, null, weight, bias, o);
             Tensor go = random(9, cpuOut.shape());
             GuidedConvGrads cpuG = Pac.conv2dGuidedBackward(input, org.jpac.Guide.of(guide), weight, go, o,
                     org.jpac.Grad.all());
             Tensor di = input.to(cuda); Tensor dg = guide.to(cuda); Tensor dw = weight.to(cuda);
             Tensor db = bias.to(cuda); Tensor dgo = go.to(cuda);
             Tensor devOut = Pac.conv2dGuided(di, dg, null, null, null, dw, db, o);
             GuidedConvGrads devG = Pac.conv2dGuidedBackward(di, org.jpac.Guide.of(dg), dw, dgo, o,
                     org.jpac.Grad.all())) {
            assertMatchesCpu("output", cpuOut, devOut);
            assertMatchesCpu("input gradient", cpuG.gradInput(), devG.gradInput());
            assertMatchesCpu("guide gradient", cpuG.gradGuide(), devG.gradGuide());
            assertMatchesCpu("weight gradient", cpuG.gradWeight(), devG.gradWeight());
            assertMatchesCpu("bias gradient", cpuG.gradBias(), devG.gradBias());
        }
    }

    /** Threads calling at once (each its own default stream on a GPU; its own emulated blocks here). */
    @Test
    void concurrentCallsGiveTheSequentialResults() throws Exception {
        PacOptions o = PacOptions.builder(3).padding(1).build();
        int threads = 4;
        float[][] expected = new float[threads][];
        Tensor[] inputs = new Tensor[threads];
        try (Tensor guide = random(20, 1, 3, 12, 12).to(cuda); Tensor weight = random(21, 5, 4, 3, 3).to(cuda)) {
            try {
                for (int i = 0; i < threads; i++) {
                    inputs[i] = random(30 + i, 1, 4, 12, 12).to(cuda);
                    try (Tensor out = Pac.conv2dGuided(inputs[i], guide, null, null, null, weight, null, o);
                         Tensor host = out.to(Device.CPU)) {
                        expected[i] = host.toArray();
                    }
                }
                java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
                try {
                    java.util.List<java.util.concurrent.Future<float[]>> got = new java.util.ArrayList<>();
                    for (int round = 0; round < 3; round++) {
                        for (int i = 0; i < threads; i++) {
                            Tensor in = inputs[i];
                            got.add(pool.submit(() -> {
                                try (Tensor out = Pac.conv2dGuided(in, guide, null, null, null, weight, null, o);
                                     Tensor host = out.to(Device.CPU)) {
                                    return host.toArray();
                                }
                            }));
                        }
                    }
                    for (int k = 0; k < got.size(); k++) {
                        assertArrayEquals(expected[k % threads], got.get(k).get(), "call " + k);
                    }
                } finally {
                    pool.shutdownNow();
                }
            } finally {
                for (Tensor t : inputs) {
                    if (t != null) {
                        t.close();
                    }
                }
            }
        }
    }
}
