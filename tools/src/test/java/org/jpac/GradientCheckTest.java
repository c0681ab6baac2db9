package org.jpac;

import org.jpac.golden.Conformance;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * Forward results and gradients against the double-precision reference of
 * SPEC.md ({@link NaiveRef}) and central differences of it.
 */
class GradientCheckTest {

    private static PacOptions.Builder k(int size) {
        return PacOptions.builder(size);
    }

    @Test
    void kernel2dGaussian() {
        Conformance.checkKernel2d(new Random(1), 2, 3, 6, 7, k(3).padding(1).build(), SmoothKernel.NONE, false);
    }

    @Test
    void kernel2dGaussianStrideDilation() {
        Conformance.checkKernel2d(new Random(2), 1, 2, 9, 8, k(3).stride(2).padding(2).dilation(2).build(),
                SmoothKernel.NONE, false);
    }

    @Test
    void kernel2dInv() {
        Conformance.checkKernel2d(new Random(3), 2, 2, 6, 6, k(3).padding(1).kernelType("inv_0.5_0.8").build(),
                SmoothKernel.NONE, false);
    }

    @Test
    void kernel2dInvAsym() {
        Conformance.checkKernel2d(new Random(4), 1, 3, 7, 6, k(5).padding(2).kernelType("inv_0.2_1.5_asym").build(),
                SmoothKernel.NONE, false);
    }

    @Test
    void kernel2dInvChannelWise() {
        Conformance.checkKernel2d(new Random(5), 1, 3, 6, 6,
                k(3).padding(1).channelWise(true).kernelType("inv_0.5_1.2").build(), SmoothKernel.NONE, false);
    }

    @Test
    void kernel2dSmoothFull() {
        Conformance.checkKernel2d(new Random(6), 1, 2, 8, 8, k(5).padding(2).build(), SmoothKernel.full(3), false);
    }

    @Test
    void kernel2dInvSmoothFullNormalized() {
        Conformance.checkKernel2d(new Random(7), 1, 2, 8, 7, k(3).padding(1).normalizeKernel(true)
                .kernelType("inv_0.5_0.8").build(), SmoothKernel.full(3), false);
    }

    @Test
    void kernel2dMask() {
        Conformance.checkKernel2d(new Random(8), 2, 2, 7, 7, k(3).padding(1).build(), SmoothKernel.NONE, true);
    }

    @Test
    void kernel2dTransposedNormalized() {
        Conformance.checkKernel2d(new Random(9), 1, 2, 12, 12,
                k(5).stride(2).padding(2).outputPadding(1).transposed(true).normalizeKernel(true).build(),
                SmoothKernel.NONE, false);
    }

    @Test
    void conv2dGivenKernel() {
        Conformance.checkConv(new Random(10), 2, 3, 4, 7, 6, k(3).padding(1).build(), false, true);
    }

    @Test
    void convTranspose2dGivenKernel() {
        Conformance.checkConv(new Random(11), 1, 2, 3, 4, 5, k(3).stride(2).padding(1).outputPadding(1).build(),
                true, true);
    }

    @Test
    void pool2dGivenKernel() {
        Conformance.checkPool(new Random(12), 2, 3, 6, 7, k(3).padding(1).stride(2).build(), false);
    }

    @Test
    void conv2dGuided() {
        Conformance.checkGuidedConv(new Random(13), 2, 3, 4, 2, 7, 7, k(3).padding(1).build(), false,
                SmoothKernel.NONE, true);
    }

    @Test
    void conv2dGuidedInvSmoothFull() {
        Conformance.checkGuidedConv(new Random(14), 1, 2, 3, 3, 8, 8, k(5).padding(2).kernelType("inv_0.5_0.8").build(),
                false, SmoothKernel.full(3), true);
    }

    @Test
    void conv2dGuidedStrideDilationShared() {
        Conformance.checkGuidedConv(new Random(15), 1, 3, 3, 2, 9, 9,
                k(3).stride(2).padding(2).dilation(2).sharedFilters(true).build(), false, SmoothKernel.NONE, false);
    }

    @Test
    void convTranspose2dGuided() {
        Conformance.checkGuidedConv(new Random(16), 1, 2, 3, 3, 4, 4, k(5).stride(2).padding(2).outputPadding(1).build(),
                true, SmoothKernel.NONE, true);
    }

    @Test
    void convTranspose2dGuidedNormalized() {
        Conformance.checkGuidedConv(new Random(17), 1, 2, 2, 2, 4, 5,
                k(3).stride(2).padding(1).outputPadding(1).normalizeKernel(true).build(), true, SmoothKernel.NONE,
                false);
    }

    @Test
    void pool2dGuided() {
        Conformance.checkGuidedPool(new Random(18), 2, 3, 2, 6, 6, k(3).padding(1).build(), SmoothKernel.NONE);
    }

    @Test
    void pool2dGuidedChannelWiseInv() {
        Conformance.checkGuidedPool(new Random(19), 1, 3, 3, 6, 6,
                k(3).padding(1).channelWise(true).kernelType("inv_0.5_1.0").build(), SmoothKernel.NONE);
    }
}
