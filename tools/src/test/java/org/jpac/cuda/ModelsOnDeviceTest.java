package org.jpac.cuda;

import static org.jpac.cuda.EmulatedCuda.assertMatchesCpu;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jpac.Device;
import org.jpac.Tensor;
import org.jpac.model.CrfRefiner;
import org.jpac.model.DepthUpsampler;
import org.jpac.nn.Sampling;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The model pipelines with their networks on cuda:0 of the emulated backend ({@code to(Device)}): the
 * bundled depth upsampler (its JBU skip and hole filling on host copies) and the bundled CRF (its
 * calibration and edge features on the CPU, copies of its windows for other image sizes on the
 * device) give the CPU's results, for inputs on the CPU (results on the CPU) and on the device
 * (results there).
 */
class ModelsOnDeviceTest {

    private static Device cuda;

    @BeforeAll
    static void device() {
        cuda = EmulatedCuda.device();
    }

    @Test
    void bundledDepthUpsamplerRunsItsNetworkOnTheDevice() {
        float[] depth = new float[6 * 5];
        for (int i = 0; i < depth.length; i++) {
            depth[i] = 1.5f + 0.1f * (i % 5) + 0.05f * (i / 5);
        }
        depth[7] = Float.NaN;  // a hole: filled for the network, skipped by JBU
        try (DepthUpsampler cpuModel = DepthUpsampler.bundled(8, Sampling.CENTER);
             DepthUpsampler devModel = DepthUpsampler.bundled(8, Sampling.CENTER).to(cuda);
             Tensor low = Tensor.of(depth, 1, 1, 6, 5); Tensor guide = unit(3, 1, 3, 48, 40);
             Tensor cpu = cpuModel.upsample(guide, low);
             Tensor fromHost = launching(() -> devModel.upsample(guide, low));
             Tensor dLow = low.to(cuda); Tensor dGuide = guide.to(cuda);
             Tensor fromDevice = devModel.upsample(dGuide, dLow)) {
            assertEquals(cuda, devModel.device());
            assertEquals(Device.CPU, fromHost.device(), "host inputs give a host result");
            assertMatchesCpu("upsampled from device inputs", cpu, fromDevice);
            try (Tensor onDevice = fromHost.to(cuda)) {
                assertMatchesCpu("upsampled from host inputs", cpu, onDevice);
            }
            IllegalArgumentException elsewhere = assertThrows(IllegalArgumentException.class,
                    () -> cpuModel.upsample(dGuide, low));
            assertTrue(elsewhere.getMessage().startsWith("guide: is on cuda:0, but this upsampler runs on cpu"),
                    elsewhere.getMessage());
        }
    }

    @Test
    void bundledCrfRefinerRunsOnTheDeviceAtAnyImageSize() {
        // 60x50 and 90x70: the bundled CRF's windows scale with the image, so each size runs a copy
        // of the reference CRF with its own dilations, made on the CPU and moved to the device.
        for (int[] size : new int[][] {{60, 50}, {90, 70}}) {
            try (CrfRefiner cpuRefiner = CrfRefiner.bundled(4); CrfRefiner devRefiner = CrfRefiner.bundled(4).to(cuda);
                 Tensor image = unit(5, 1, 3, size[0], size[1]);
                 Tensor scores = EmulatedCuda.gaussian(6, 1, 4, size[0], size[1]);
                 Tensor cpu = cpuRefiner.refine(image, scores);
                 Tensor fromHost = launching(() -> devRefiner.refine(image, scores));
                 Tensor dImage = image.to(cuda); Tensor dScores = scores.to(cuda);
                 Tensor fromDevice = devRefiner.refine(dImage, dScores)) {
                assertEquals(Device.CPU, fromHost.device());
                assertMatchesCpu("refined " + size[0] + "x" + size[1], cpu, fromDevice);
                try (Tensor onDevice = fromHost.to(cuda)) {
                    assertMatchesCpu("refined from host inputs", cpu, onDevice);
                }
            }
        }
    }

    /** The call's result, after checking that it ran kernels on the (emulated) device. */
    private static Tensor launching(java.util.function.Supplier<Tensor> call) {
        long before = EmulatedCuda.launches();
        Tensor t = call.get();
        assertTrue(EmulatedCuda.launches() > before, "no kernel ran on the device");
        return t;
    }

    /** Values in [0, 1) from {@code seed}, as an image's. */
    private static Tensor unit(long seed, long... shape) {
        java.util.Random r = new java.util.Random(seed);
        try (Tensor t = Tensor.empty(shape)) {
            for (long i = 0; i < t.numel(); i++) {
                t.setFlat(i, r.nextFloat());
            }
            return t.copy();
        }
    }
}
