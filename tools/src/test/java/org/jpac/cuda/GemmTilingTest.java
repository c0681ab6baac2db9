package org.jpac.cuda;

import org.jpac.Device;
import org.jpac.PacOptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The register-blocked GEMM kernels (forward and weight gradient of convolutions with their own
 * filters) against the CPU, on shapes that cross every blocking edge the golden cases do not: output
 * channels past one and two blocks (32 in the forward, 64 in the weight gradient) and not a
 * multiple of them, input channels in several stages with a short last one, images of several
 * 16x8 tiles with partial ones at the right and bottom, two images, so that the weight gradient's
 * tile groups span an image boundary.
 */
class GemmTilingTest {

    private static Device cuda;

    @BeforeAll
    static void device() {
        cuda = EmulatedCuda.device();
    }

    @Test
    void guided3x3ManyChannelsAcrossTiles() {
        // 3x3: 7 input channels per stage, so 19 makes stages of 7, 7 and 5; 70 outputs: 3 forward
        // blocks (the last of 6) and 2 weight-gradient blocks (the last of 6).
        guidedConv(PacOptions.builder(3).padding(1).build(), false, 2, 19, 70, 13, 37);
    }

    @Test
    void guided5x5DilatedNormalised() {
        guidedConv(PacOptions.builder(5).padding(4).dilation(2).normalizeKernel(true).build(), false, 2, 3, 33, 17,
                20);
    }

    @Test
    void guidedTransposedStride2() {
        guidedConv(PacOptions.builder(5).stride(2).padding(2).outputPadding(1).build(), true, 2, 9, 35, 7, 11);
    }

    @Test
    void givenKernelStride2() {
        CpuComparisons.givenKernelConv(cuda, PacOptions.builder(3).stride(2).padding(1).build(), 1, 5, 40, 19, 21);
    }

    private static void guidedConv(PacOptions o, boolean transposed, int b, int ci, int co, int h, int w) {
        CpuComparisons.guidedConv(cuda, o, transposed, CpuComparisons.KernelParams.NONE, b, ci, co, h, w);
    }
}
