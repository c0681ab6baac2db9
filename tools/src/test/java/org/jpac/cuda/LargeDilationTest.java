package org.jpac.cuda;

import static org.jpac.cuda.EmulatedCuda.assertMatchesCpu;
import static org.jpac.cuda.EmulatedCuda.gaussian;

import java.util.List;

import org.jpac.Device;
import org.jpac.KernelType;
import org.jpac.PacOptions;
import org.jpac.Tensor;
import org.jpac.nn.CompatType;
import org.jpac.nn.CrfOutput;
import org.jpac.nn.PacCRF;
import org.jpac.nn.PairwiseKernel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Dilations wider than a block's 16x8 outputs, where the kernels load banded halo tiles (one band
 * per tap, params.cuh) instead of the dense window, against the CPU: every kernel family (the GEMM
 * forward and gradients, the direct pooling kernels, kernel2d), each axis banded alone and both,
 * strides and the transposed convolution's inserted zeros inside a band, a dense guide tile
 * (smoothing) beside a banded input tile, and the paper's CRF with its dilation-64 term; a dense tile
 * too large for shared memory goes to the untiled kernels.
 */
class LargeDilationTest {

    private static Device cuda;

    @BeforeAll
    static void device() {
        cuda = EmulatedCuda.device();
    }

    @Test
    void guidedConvBothAxesBanded() {
        guidedConv(PacOptions.builder(3).padding(20).dilation(20).normalizeKernel(true).build(), false, null,
                2, 3, 5, 45, 50);
    }

    @Test
    void guidedConvRowsBandedColumnsDenseWithStride() {
        // rows: dilation 12 above the 8 rows of outputs (banded); columns: dilation 9 within the 31
        // input columns that 16 outputs at stride 2 reach (dense)
        guidedConv(PacOptions.builder(5).kernelSize(5, 3).stride(1, 2).padding(24, 9).dilation(12, 9).build(),
                false, null, 1, 4, 6, 61, 47);
    }

    @Test
    void guidedTransposedBanded() {
        guidedConv(PacOptions.builder(3).stride(2).padding(20).outputPadding(1).dilation(20).build(), true, null,
                1, 3, 4, 23, 21);
    }

    @Test
    void smoothedGuideDenseBesideBandedInput() {
        try (Tensor smooth = CpuComparisons.smoothing()) {
            guidedConv(PacOptions.builder(3).padding(24).dilation(24).build(), false, smooth, 1, 2, 3, 40, 44);
        }
    }

    @Test
    void channelWiseInvPoolingBanded() {
        // stride 2: bands of 15 rows and 31 columns, still narrower than the dilation
        PacOptions o = PacOptions.builder(5).stride(2).padding(64).dilation(32).channelWise(true)
                .kernelType(KernelType.inv(0.3, 1.5, true, false)).build();
        try (Tensor alpha = Tensor.of(new float[] {0.2f, 0.3f, 0.4f}, 3);
             Tensor lambda = Tensor.of(new float[] {1.5f, 1.0f, 2.0f}, 3)) {
            CpuComparisons.guidedPool(cuda, o, alpha, lambda, 2, 3, 70, 66);
        }
    }

    @Test
    void maskedNormalisedKernelBanded() {
        try (Tensor guide = gaussian(31, 2, 2, 37, 41); Tensor mask = CpuComparisons.holes(2, 37, 41, 7)) {
            CpuComparisons.kernel2d(cuda, PacOptions.builder(5).padding(48).dilation(24).normalizeKernel(true).build(),
                    guide, mask, null);
        }
    }

    /** The paper's CRF: 5x5 Potts terms at dilations 16 and 64 (its long-range one) beside a 3x3 one. */
    @Test
    void pacCrfWithTheLongRangeTermRunsOnTheDevice() {
        List<PairwiseKernel> terms = List.of(new PairwiseKernel(5, 64, 1, CompatType.POTTS, false, 0.5),
                new PairwiseKernel(5, 16, 1, CompatType.POTTS, false, 0.3),
                new PairwiseKernel(3, 1, 1, CompatType.TWO_D, true, 0.3));
        try (PacCRF crf = PacCRF.builder(3, 2).finalOutput(CrfOutput.SOFTMAX).pairwiseKernels(terms).seed(3).build();
             Tensor unary = gaussian(41, 1, 3, 150, 140); Tensor image = gaussian(42, 1, 3, 150, 140);
             Tensor edge = PacCRF.createYXRGB(image, 30.0, 0.5); Tensor cpu = crf.forward(unary, edge)) {
            crf.to(cuda);
            try (Tensor dUnary = unary.to(cuda); Tensor dEdge = edge.to(cuda);
                 Tensor dev = crf.forward(dUnary, dEdge)) {
                assertMatchesCpu("PacCRF", cpu, dev);
            }
        }
    }

    /**
     * Smoothing reads a dense neighbourhood, so its guide tile stays dense: at dilation 64 (272 x 264 floats per
     * channel) it exceeds a block's shared memory, and the untiled kernels take the call.
     */
    @Test
    void smoothingAtDilationSixtyFourRunsUntiled() {
        try (Tensor guide = gaussian(51, 1, 2, 30, 34); Tensor smooth = CpuComparisons.smoothing()) {
            CpuComparisons.kernel2d(cuda, PacOptions.builder(5).padding(128).dilation(64).normalizeKernel(true).build(),
                    guide, null, smooth);
        }
    }

    /** The same for a guided convolution: its forward and all three gradient passes fall back. */
    @Test
    void smoothedGuidedConvAtDilationSixtyFourRunsUntiled() {
        try (Tensor smooth = CpuComparisons.smoothing()) {
            guidedConv(PacOptions.builder(5).padding(128).dilation(64).build(), false, smooth, 1, 2, 3, 30, 34);
        }
    }

    private static void guidedConv(PacOptions o, boolean transposed, Tensor smooth, int b, int ci, int co, int h,
                                   int w) {
        CpuComparisons.guidedConv(cuda, o, transposed, new CpuComparisons.KernelParams(null, null, smooth), b, ci, co,
                h, w);
    }
}
