package org.jpac.cuda;

import static org.jpac.cuda.EmulatedCuda.assertMatchesCpu;

import org.jpac.Device;
import org.jpac.Grad;
import org.jpac.Guide;
import org.jpac.Kernel2dResult;
import org.jpac.Pac;
import org.jpac.PacOptions;
import org.jpac.Tensor;
import org.jpac.grad.ConvGrads;
import org.jpac.grad.GuidedConvGrads;
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
        PacOptions o = PacOptions.builder(3).stride(2).padding(1).build();
        try (Tensor input = random(1, 2, 5, 19, 21); Tensor guide = random(2, 2, 3, 19, 21);
             Tensor weight = random(3, 40, 5, 3, 3); Tensor bias = random(4, 40);
             Kernel2dResult k = Pac.kernel2d(guide, o); Tensor kernel = k.kernel();
             Tensor cpuOut = Pac.conv2d(input, kernel, weight, bias, o);
             Tensor go = random(5, cpuOut.shape());
             ConvGrads cpuG = Pac.conv2dBackward(input, kernel, weight, go, o);
             Tensor di = input.to(cuda); Tensor dk = kernel.to(cuda); Tensor dw = weight.to(cuda);
             Tensor db = bias.to(cuda); Tensor dgo = go.to(cuda);
             Tensor devOut = Pac.conv2d(di, dk, dw, db, o);
             ConvGrads devG = Pac.conv2dBackward(di, dk, dw, dgo, o)) {
            assertMatchesCpu("output", cpuOut, devOut);
            assertMatchesCpu("input gradient", cpuG.gradInput(), devG.gradInput());
            assertMatchesCpu("kernel gradient", cpuG.gradKernel(), devG.gradKernel());
            assertMatchesCpu("weight gradient", cpuG.gradWeight(), devG.gradWeight());
            assertMatchesCpu("bias gradient", cpuG.gradBias(), devG.gradBias());
        }
    }

    private static void guidedConv(PacOptions o, boolean transposed, int b, int ci, int co, int h, int w) {
        long guideH = transposed ? (h - 1) * o.strideH() - 2L * o.padH() + o.dilationH() * (o.kernelH() - 1)
                + o.outputPaddingH() + 1 : h;
        long guideW = transposed ? (w - 1) * o.strideW() - 2L * o.padW() + o.dilationW() * (o.kernelW() - 1)
                + o.outputPaddingW() + 1 : w;
        long[] weightShape = transposed ? new long[] {ci, co, o.kernelH(), o.kernelW()}
                : new long[] {co, ci, o.kernelH(), o.kernelW()};
        try (Tensor input = random(11, b, ci, h, w); Tensor guide = random(12, b, 4, guideH, guideW);
             Tensor weight = random(13, weightShape); Tensor bias = random(14, co);
             Tensor cpuOut = transposed ? Pac.convTranspose2dGuided(input, guide, weight, bias, o)
                     : Pac.conv2dGuided(input, guide, weight, bias, o);
             Tensor go = random(15, cpuOut.shape());
             GuidedConvGrads cpuG = backward(transposed, input, guide, weight, go, o);
             Tensor di = input.to(cuda); Tensor dg = guide.to(cuda); Tensor dw = weight.to(cuda);
             Tensor db = bias.to(cuda); Tensor dgo = go.to(cuda);
             Tensor devOut = transposed ? Pac.convTranspose2dGuided(di, dg, dw, db, o)
                     : Pac.conv2dGuided(di, dg, dw, db, o);
             GuidedConvGrads devG = backward(transposed, di, dg, dw, dgo, o)) {
            assertMatchesCpu("output", cpuOut, devOut);
            assertMatchesCpu("input gradient", cpuG.gradInput(), devG.gradInput());
            assertMatchesCpu("guide gradient", cpuG.gradGuide(), devG.gradGuide());
            assertMatchesCpu("weight gradient", cpuG.gradWeight(), devG.gradWeight());
            assertMatchesCpu("bias gradient", cpuG.gradBias(), devG.gradBias());
        }
    }

    private static GuidedConvGrads backward(boolean transposed, Tensor input, Tensor guide, Tensor weight, Tensor go,
                                            PacOptions o) {
        return transposed ? Pac.convTranspose2dGuidedBackward(input, Guide.of(guide), weight, go, o, Grad.all())
                : Pac.conv2dGuidedBackward(input, Guide.of(guide), weight, go, o, Grad.all());
    }

    private static Tensor random(long seed, long... shape) {
        return EmulatedCuda.gaussian(seed, shape);
    }
}
