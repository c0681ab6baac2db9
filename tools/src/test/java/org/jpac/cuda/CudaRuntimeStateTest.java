package org.jpac.cuda;

import static org.jpac.cuda.EmulatedCuda.assertMatchesCpu;
import static org.jpac.cuda.EmulatedCuda.gaussian;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.jpac.Device;
import org.jpac.Guide;
import org.jpac.JpacException;
import org.jpac.Kernel2dResult;
import org.jpac.Pac;
import org.jpac.PacOptions;
import org.jpac.Tensor;
import org.jpac.grad.GuidedConvGrads;
import org.jpac.grad.GuidedPoolGrads;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a GPU keeps from one call to the next, which single calls of the golden cases never meet:
 * the thread's current device, CUDA's last error, and the grid limits of large batches. The
 * emulator models each as a GPU has it (cuda_runtime_emu.hpp): two devices when
 * {@code JPAC_CUDA_EMU_DEVICES=2} (tools/pom.xml sets it), a kernel given another device's memory
 * fails, a refused allocation is the thread's last error, grids above 65535 blocks along z fail.
 */
class CudaRuntimeStateTest {

    private static Device cuda;

    @BeforeAll
    static void device() {
        cuda = EmulatedCuda.device();
    }

    /** A guided conv and its gradients on {@code dev} against the CPU. */
    private static void guidedConvMatchesTheCpuOn(Device dev) {
        PacOptions o = PacOptions.builder(3).padding(1).build();
        try (Tensor input = gaussian(1, 2, 3, 10, 9); Tensor guide = gaussian(2, 2, 4, 10, 9);
             Tensor weight = gaussian(3, 5, 3, 3, 3); Tensor go = gaussian(4, 2, 5, 10, 9);
             Tensor cpuOut = Pac.conv2dGuided(input, guide, weight, null, o);
             GuidedConvGrads cpuG = Pac.conv2dGuidedBackward(input, Guide.of(guide), weight, go, o,
                     org.jpac.Grad.all());
             Tensor di = input.to(dev); Tensor dg = guide.to(dev); Tensor dw = weight.to(dev); Tensor dgo = go.to(dev);
             Tensor devOut = Pac.conv2dGuided(di, dg, dw, null, o);
             GuidedConvGrads devG = Pac.conv2dGuidedBackward(di, Guide.of(dg), dw, dgo, o, org.jpac.Grad.all())) {
            assertEquals(dev, devOut.device());
            assertOnCpuMatches(dev + " output", cpuOut, devOut);
            assertOnCpuMatches(dev + " input gradient", cpuG.gradInput(), devG.gradInput());
            assertOnCpuMatches(dev + " guide gradient", cpuG.gradGuide(), devG.gradGuide());
            assertOnCpuMatches(dev + " weight gradient", cpuG.gradWeight(), devG.gradWeight());
        }
    }

    /** assertMatchesCpu for a tensor on any device (copies between two devices go through the host). */
    private static void assertOnCpuMatches(String what, Tensor cpu, Tensor dev) {
        try (Tensor host = dev.to(Device.CPU); Tensor on0 = host.to(cuda)) {
            assertMatchesCpu(what, cpu, on0);
        }
    }

    /**
     * Kernels launch on the thread's current device, which the thread's last CUDA call set: a call
     * on one device's tensors right after an allocation on the other (a call that writes into given
     * outputs allocates nothing first) must switch back. On a GPU its kernels would otherwise read
     * one device's memory from the other and fault; the emulator reports it.
     */
    @Test
    void eachCallRunsOnTheDeviceOfItsTensors() {
        assumeTrue("2".equals(System.getenv("JPAC_CUDA_EMU_DEVICES")),
                "the emulator has one device (tools/pom.xml's cuda-emulated execution sets JPAC_CUDA_EMU_DEVICES=2)");
        Device second = Device.cuda(1);
        PacOptions o = PacOptions.builder(3).padding(1).build();
        for (Device[] on : new Device[][] {{cuda, second}, {second, cuda}}) {
            try (Tensor input = gaussian(1, 2, 3, 10, 9); Tensor guide = gaussian(2, 2, 4, 10, 9);
                 Tensor weight = gaussian(3, 5, 3, 3, 3);
                 Tensor cpuOut = Pac.conv2dGuided(input, guide, weight, null, o);
                 Tensor di = input.to(on[0]); Tensor dg = guide.to(on[0]); Tensor dw = weight.to(on[0]);
                 Tensor out = Tensor.empty(on[0], cpuOut.shape())) {
                try (Tensor elsewhere = Tensor.allocate(on[1], 4)) { // this thread's current device: on[1]
                    Pac.conv2dGuidedInto(di, Guide.of(dg), dw, null, o, out);
                }
                assertOnCpuMatches(on[0] + " output", cpuOut, out);
            }
        }
        guidedConvMatchesTheCpuOn(second);
        try (Tensor a = gaussian(5, 1, 2, 6, 6).to(cuda); Tensor g = gaussian(6, 1, 2, 6, 6).to(second)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Pac.pool2dGuided(a, g, PacOptions.builder(3).padding(1).build()).close());
            assertTrue(e.getMessage().contains("guide"), e.getMessage());
        }
    }

    /** A refused allocation stays CUDA's last error until read: the next call must not report it as its own. */
    @Test
    void aRefusedAllocationDoesNotFailTheNextCall() {
        JpacException e = assertThrows(JpacException.class, () -> Tensor.empty(cuda, 1L << 20, 1L << 20).close());
        assertEquals(JpacException.Status.OUT_OF_MEMORY, e.status(), e.getMessage());
        guidedConvMatchesTheCpuOn(cuda);
    }

    /**
     * CUDA launches at most 65535 blocks along z, where the tiled kernels put images times channel
     * blocks: more go in slices, each kernel offsetting its blockIdx.z. tools/pom.xml lowers the
     * emulator's limit to 3 blocks, so these small shapes take several slices: channel-wise kernel2d
     * and per-channel pooling with 7 channels, and a batch of 7 through the GEMM forward and backward.
     */
    @Test
    void gridsAboveCudasLimitRunInSlices() {
        assumeTrue("3".equals(System.getenv("JPAC_CUDA_EMU_GRID_Z")),
                "the emulator's grid limit is CUDA's (tools/pom.xml's cuda-emulated execution sets "
                        + "JPAC_CUDA_EMU_GRID_Z=3)");
        int many = 7;
        PacOptions cw = PacOptions.builder(3).padding(1).channelWise(true).build();
        try (Tensor guide = gaussian(7, 2, many, 5, 4); Tensor input = gaussian(8, 2, many, 5, 4);
             Tensor dg = guide.to(cuda); Tensor di = input.to(cuda);
             Kernel2dResult cpuK = Pac.kernel2d(guide, cw); Kernel2dResult devK = Pac.kernel2d(dg, cw);
             Tensor cpuPool = Pac.pool2dGuided(input, guide, cw); Tensor devPool = Pac.pool2dGuided(di, dg, cw);
             Tensor go = gaussian(9, cpuPool.shape()); Tensor dgo = go.to(cuda);
             GuidedPoolGrads cpuG = Pac.pool2dGuidedBackward(input, Guide.of(guide), go, cw, org.jpac.Grad.all());
             GuidedPoolGrads devG = Pac.pool2dGuidedBackward(di, Guide.of(dg), dgo, cw, org.jpac.Grad.all())) {
            assertMatchesCpu("channel-wise kernel", cpuK.kernel(), devK.kernel());
            assertMatchesCpu("per-channel pooling", cpuPool, devPool);
            assertMatchesCpu("pooling's input gradient", cpuG.gradInput(), devG.gradInput());
            assertMatchesCpu("pooling's guide gradient", cpuG.gradGuide(), devG.gradGuide());
        }
        PacOptions o = PacOptions.builder(3).padding(1).build();
        try (Tensor input = gaussian(10, many, 3, 9, 6); Tensor guide = gaussian(11, many, 2, 9, 6);
             Tensor weight = gaussian(12, 4, 3, 3, 3); Tensor go = gaussian(13, many, 4, 9, 6);
             Tensor cpuOut = Pac.conv2dGuided(input, guide, weight, null, o);
             GuidedConvGrads cpuG = Pac.conv2dGuidedBackward(input, Guide.of(guide), weight, go, o,
                     org.jpac.Grad.all());
             Tensor di = input.to(cuda); Tensor dg = guide.to(cuda); Tensor dw = weight.to(cuda);
             Tensor dgo = go.to(cuda); Tensor devOut = Pac.conv2dGuided(di, dg, dw, null, o);
             GuidedConvGrads devG = Pac.conv2dGuidedBackward(di, Guide.of(dg), dw, dgo, o, org.jpac.Grad.all())) {
            assertMatchesCpu("batch output", cpuOut, devOut);
            assertMatchesCpu("batch input gradient", cpuG.gradInput(), devG.gradInput());
            assertMatchesCpu("batch guide gradient", cpuG.gradGuide(), devG.gradGuide());
            assertMatchesCpu("batch weight gradient", cpuG.gradWeight(), devG.gradWeight());
        }
    }

    /**
     * Channel-wise kernels with a mask and no normalisation have one output mask per image (image n's was
     * written n * C planes on, past the tensor): the tiled kernels (3x3) and the untiled ones (9x9), three
     * images, against the CPU (whose kernel had the same error).
     */
    @Test
    void aChannelWiseKernelsMaskOfEveryImageStaysInItsPlane() {
        for (int k : new int[] {3, 9}) {
            try (Tensor guide = gaussian(21, 3, 4, 9, 7); Tensor mask = CpuComparisons.holes(3, 9, 7, 5)) {
                CpuComparisons.kernel2d(cuda, PacOptions.builder(k).padding(k / 2).channelWise(true).build(), guide,
                        mask, null);
                CpuComparisons.kernel2d(cuda, PacOptions.builder(k).padding(k / 2).channelWise(true)
                        .normalizeKernel(true).build(), guide, mask, null);
            }
        }
    }
}
