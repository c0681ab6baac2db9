package org.jpac.cuda;

import static org.jpac.cuda.EmulatedCuda.assertMatchesCpu;
import static org.jpac.cuda.EmulatedCuda.gaussian;

import org.jpac.Device;
import org.jpac.Kernel2dResult;
import org.jpac.KernelType;
import org.jpac.Pac;
import org.jpac.PacOptions;
import org.jpac.Tensor;
import org.jpac.grad.PoolGrads;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Windows above 25 taps against the CPU, every output and gradient: their backward passes (and the
 * forward above 49 taps, 9x9) run on the untiled kernels (untiled_kernels.cuh), their forward up to
 * 7x7 on the tiled kernels with K in 49 registers. Guided convolutions with their own filters
 * (normalised; learnable inv kernels with smoothing), transposed with stride and output padding,
 * shared filters, channel-wise guided pooling, a given K (its gradient written out), the plain
 * pooling of a given per-channel K, and kernel2d with a mask; odd sizes and two images throughout.
 */
class UntiledKernelsTest {

    private static Device cuda;

    @BeforeAll
    static void device() {
        cuda = EmulatedCuda.device();
    }

    @Test
    void guidedConv7x7Normalised() {
        guided(PacOptions.builder(7).padding(3).normalizeKernel(true).build(), false, false, 2, 3, 4, 11, 13);
    }

    @Test
    void guidedConvLearnableInvWithSmoothing() {
        guided(PacOptions.builder(7).kernelSize(5, 7).padding(2, 6).dilation(1, 2)
                .kernelType(KernelType.inv(0.4, 1.2, true, false)).build(), false, true, 1, 2, 3, 12, 15);
    }

    @Test
    void guidedTransposed7x7Stride2() {
        guided(PacOptions.builder(7).stride(2).padding(3).outputPadding(1).build(), true, false, 2, 3, 2, 6, 5);
    }

    @Test
    void guidedSharedFilters9x9() {
        guided(PacOptions.builder(9).padding(4).sharedFilters(true).build(), false, false, 2, 3, 3, 10, 12);
    }

    @Test
    void givenKernel9x9Stride2() {
        CpuComparisons.givenKernelConv(cuda, PacOptions.builder(9).stride(2).padding(4).build(), 2, 3, 4, 13, 11);
    }

    @Test
    void givenPerChannelPooling7x7() {
        PacOptions o = PacOptions.builder(7).padding(3).channelWise(true).build();
        try (Tensor input = gaussian(11, 2, 3, 9, 12); Tensor guide = gaussian(12, 2, 3, 9, 12);
             Kernel2dResult k = Pac.kernel2d(guide, o); Tensor kernel = k.kernel();
             Tensor cpuOut = Pac.pool2d(input, kernel, o); Tensor go = gaussian(13, cpuOut.shape());
             PoolGrads cpuG = Pac.pool2dBackward(input, kernel, go, o);
             Tensor di = input.to(cuda); Tensor dk = kernel.to(cuda); Tensor dgo = go.to(cuda);
             Tensor devOut = Pac.pool2d(di, dk, o); PoolGrads devG = Pac.pool2dBackward(di, dk, dgo, o)) {
            assertMatchesCpu("pooled", cpuOut, devOut);
            assertMatchesCpu("input gradient", cpuG.gradInput(), devG.gradInput());
            assertMatchesCpu("kernel gradient", cpuG.gradKernel(), devG.gradKernel());
        }
    }

    @Test
    void channelWiseGuidedPooling7x7Inv() {
        PacOptions o = PacOptions.builder(7).stride(2).padding(3).channelWise(true)
                .kernelType(KernelType.inv(0.5, 2.0, false, false)).build();
        try (Tensor alpha = Tensor.of(new float[] {0.3f, 0.6f}, 2);
             Tensor lambda = Tensor.of(new float[] {1.5f, 2f}, 2)) {
            CpuComparisons.guidedPool(cuda, o, alpha, lambda, 2, 2, 11, 9);
        }
    }

    @Test
    void maskedKernel7x7() {
        try (Tensor guide = gaussian(31, 2, 3, 10, 13); Tensor mask = CpuComparisons.holes(2, 10, 13, 5)) {
            CpuComparisons.kernel2d(cuda, PacOptions.builder(7).padding(3).build(), guide, mask, null);
        }
    }

    private static void guided(PacOptions o, boolean transposed, boolean smoothed, int b, int ci, int co, int h,
                               int w) {
        boolean inv = o.kernelType().isInv();
        try (Tensor alpha = inv ? Tensor.of(new float[] {0.4f}, 1) : null;
             Tensor lambda = inv ? Tensor.of(new float[] {1.2f}, 1) : null;
             Tensor smooth = smoothed ? CpuComparisons.smoothing() : null) {
            CpuComparisons.KernelParams params = new CpuComparisons.KernelParams(alpha, lambda, smooth);
            CpuComparisons.guidedConv(cuda, o, transposed, params, b, ci, co, h, w);
        }
    }
}
