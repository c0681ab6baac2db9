package org.jpac.cuda;

import static org.jpac.cuda.EmulatedCuda.assertMatchesCpu;
import static org.jpac.cuda.EmulatedCuda.gaussian;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import org.jpac.Device;
import org.jpac.Grad;
import org.jpac.Kernel2dResult;
import org.jpac.Pac;
import org.jpac.PacOptions;
import org.jpac.Tensor;
import org.jpac.grad.ConvGrads;
import org.jpac.grad.GuidedConvGrads;
import org.jpac.grad.GuidedPoolGrads;
import org.jpac.grad.Kernel2dGrads;

/**
 * The same op on the CPU and on the emulated cuda:0, from the same random inputs, every output and
 * gradient compared ({@link EmulatedCuda#assertMatchesCpu}): the checks the kernel tests share.
 */
final class CpuComparisons {

    private CpuComparisons() {
    }

    /** The kernel's parameters beside the guide: each may be null (alpha and lambda: the option's values). */
    record KernelParams(Tensor alpha, Tensor lambda, Tensor smooth) {
        static final KernelParams NONE = new KernelParams(null, null, null);
    }

    /**
     * conv2dGuided (or convTranspose2dGuided) of {@code b} images of {@code ci} channels, {@code h x w},
     * with a 3-channel guide, into {@code co} channels (shared filters: {@code ci}), forward and every
     * gradient.
     */
    static void guidedConv(Device cuda, PacOptions o, boolean transposed, KernelParams k, int b, int ci, int co,
                           int h, int w) {
        long guideH = transposed ? (h - 1L) * o.strideH() - 2L * o.padH() + o.dilationH() * (o.kernelH() - 1L)
                + o.outputPaddingH() + 1 : h;
        long guideW = transposed ? (w - 1L) * o.strideW() - 2L * o.padW() + o.dilationW() * (o.kernelW() - 1L)
                + o.outputPaddingW() + 1 : w;
        long[] weightShape = o.sharedFilters() ? new long[] {1, 1, o.kernelH(), o.kernelW()}
                : transposed ? new long[] {ci, co, o.kernelH(), o.kernelW()}
                : new long[] {co, ci, o.kernelH(), o.kernelW()};
        try (Tensor input = gaussian(11, b, ci, h, w); Tensor guide = gaussian(12, b, 3, guideH, guideW);
             Tensor weight = gaussian(13, weightShape); Tensor bias = gaussian(14, o.sharedFilters() ? ci : co);
             Tensor cpuOut = forward(transposed, input, guide, k, weight, bias, o);
             Tensor go = gaussian(15, cpuOut.shape());
             GuidedConvGrads cpuG = backward(transposed, input, guide, k, weight, go, o);
             Tensor di = input.to(cuda); Tensor dg = guide.to(cuda); Tensor dw = weight.to(cuda);
             Tensor db = bias.to(cuda); Tensor dgo = go.to(cuda);
             Tensor da = to(k.alpha(), cuda); Tensor dl = to(k.lambda(), cuda); Tensor ds = to(k.smooth(), cuda)) {
            KernelParams dk = new KernelParams(da, dl, ds);
            try (Tensor devOut = forward(transposed, di, dg, dk, dw, db, o);
                 GuidedConvGrads devG = backward(transposed, di, dg, dk, dw, dgo, o)) {
                assertMatchesCpu("output", cpuOut, devOut);
                assertMatchesCpu("input gradient", cpuG.gradInput(), devG.gradInput());
                assertMatchesCpu("guide gradient", cpuG.gradGuide(), devG.gradGuide());
                assertMatchesCpu("weight gradient", cpuG.gradWeight(), devG.gradWeight());
                assertMatchesCpu("bias gradient", cpuG.gradBias(), devG.gradBias());
                if (cpuG.gradInvAlpha() != null) {
                    assertMatchesCpu("alpha gradient", cpuG.gradInvAlpha(), devG.gradInvAlpha());
                    assertMatchesCpu("lambda gradient", cpuG.gradInvLambda(), devG.gradInvLambda());
                }
                if (k.smooth() != null) {
                    assertMatchesCpu("smoothing gradient", cpuG.gradSmoothKernel(), devG.gradSmoothKernel());
                }
            }
        }
    }

    /** kernel2d of {@code guide} (with the mask and smoothing, each may be null) and its guide gradient. */
    static void kernel2d(Device cuda, PacOptions o, Tensor guide, Tensor mask, Tensor smooth) {
        try (Kernel2dResult cpu = Pac.kernel2d(guide, null, null, smooth, mask, o);
             Tensor gk = gaussian(32, cpu.kernel().shape());
             Kernel2dGrads cpuG = Pac.kernel2dBackward(guide, null, null, smooth, mask, gk, o);
             Tensor dGuide = guide.to(cuda); Tensor dMask = to(mask, cuda); Tensor dSmooth = to(smooth, cuda);
             Tensor dgk = gk.to(cuda);
             Kernel2dResult dev = Pac.kernel2d(dGuide, null, null, dSmooth, dMask, o);
             Kernel2dGrads devG = Pac.kernel2dBackward(dGuide, null, null, dSmooth, dMask, dgk, o)) {
            assertMatchesCpu("kernel", cpu.kernel(), dev.kernel());
            if (mask != null) {
                assertMatchesCpu("output mask", cpu.outputMask(), dev.outputMask());
            }
            assertMatchesCpu("guide gradient", cpuG.gradGuide(), devG.gradGuide());
            if (smooth != null) {
                assertMatchesCpu("smoothing gradient", cpuG.gradSmoothKernel(), devG.gradSmoothKernel());
            }
        }
    }

    /**
     * pool2dGuided of {@code b} images of {@code c} channels, {@code h x w}, with a guide of as many
     * channels, forward and every gradient (alpha and lambda may be null: the option's values).
     */
    static void guidedPool(Device cuda, PacOptions o, Tensor alpha, Tensor lambda, int b, int c, int h, int w) {
        try (Tensor input = gaussian(21, b, c, h, w); Tensor guide = gaussian(22, b, c, h, w);
             Tensor cpu = Pac.pool2dGuided(input, guide, alpha, lambda, null, o); Tensor go = gaussian(23, cpu.shape());
             GuidedPoolGrads cpuG = Pac.pool2dGuidedBackward(input, guide, alpha, lambda, null, go, o, Grad.all());
             Tensor di = input.to(cuda); Tensor dg = guide.to(cuda); Tensor da = to(alpha, cuda);
             Tensor dl = to(lambda, cuda); Tensor dgo = go.to(cuda);
             Tensor dev = Pac.pool2dGuided(di, dg, da, dl, null, o);
             GuidedPoolGrads devG = Pac.pool2dGuidedBackward(di, dg, da, dl, null, dgo, o, Grad.all())) {
            assertMatchesCpu("pooled", cpu, dev);
            assertMatchesCpu("input gradient", cpuG.gradInput(), devG.gradInput());
            assertMatchesCpu("guide gradient", cpuG.gradGuide(), devG.gradGuide());
            if (alpha != null) {
                assertNotNull(cpuG.gradInvAlpha(), "alpha gradient");
                assertMatchesCpu("alpha gradient", cpuG.gradInvAlpha(), devG.gradInvAlpha());
                assertMatchesCpu("lambda gradient", cpuG.gradInvLambda(), devG.gradInvLambda());
            }
        }
    }

    /**
     * conv2d of {@code b} images of {@code ci} channels, {@code h x w}, with K given (kernel2d of a random
     * guide), into {@code co} channels: the output and every gradient, K's included.
     */
    static void givenKernelConv(Device cuda, PacOptions o, int b, int ci, int co, int h, int w) {
        try (Tensor input = gaussian(1, b, ci, h, w); Tensor guide = gaussian(2, b, 3, h, w);
             Tensor weight = gaussian(3, co, ci, o.kernelH(), o.kernelW()); Tensor bias = gaussian(4, co);
             Kernel2dResult k = Pac.kernel2d(guide, o); Tensor kernel = k.kernel();
             Tensor cpuOut = Pac.conv2d(input, kernel, weight, bias, o); Tensor go = gaussian(5, cpuOut.shape());
             ConvGrads cpuG = Pac.conv2dBackward(input, kernel, weight, go, o);
             Tensor di = input.to(cuda); Tensor dk = kernel.to(cuda); Tensor dw = weight.to(cuda);
             Tensor db = bias.to(cuda); Tensor dgo = go.to(cuda);
             Tensor devOut = Pac.conv2d(di, dk, dw, db, o); ConvGrads devG = Pac.conv2dBackward(di, dk, dw, dgo, o)) {
            assertMatchesCpu("output", cpuOut, devOut);
            assertMatchesCpu("input gradient", cpuG.gradInput(), devG.gradInput());
            assertMatchesCpu("kernel gradient", cpuG.gradKernel(), devG.gradKernel());
            assertMatchesCpu("weight gradient", cpuG.gradWeight(), devG.gradWeight());
            assertMatchesCpu("bias gradient", cpuG.gradBias(), devG.gradBias());
        }
    }

    /** A mask of {@code b} images, {@code h x w}, with every {@code every}-th pixel a hole. */
    static Tensor holes(int b, int h, int w, int every) {
        float[] v = new float[b * h * w];
        for (int i = 0; i < v.length; i++) {
            v[i] = i % every == 0 ? 0f : 1f;
        }
        return Tensor.of(v, b, 1, h, w);
    }

    /** A 3x3 smoothing kernel (not normalised: its gradient shows every tap). */
    static Tensor smoothing() {
        return Tensor.of(new float[] {0.1f, 0.2f, 0.1f, 0.05f, 0.3f, 0.05f, 0.1f, 0.0f, 0.1f}, 3, 3);
    }

    private static Tensor to(Tensor t, Device device) {
        return t == null ? null : t.to(device);
    }

    private static Tensor forward(boolean transposed, Tensor input, Tensor guide, KernelParams k, Tensor weight,
                                  Tensor bias, PacOptions o) {
        return transposed ? Pac.convTranspose2dGuided(input, guide, k.alpha(), k.lambda(), k.smooth(), weight, bias, o)
                : Pac.conv2dGuided(input, guide, k.alpha(), k.lambda(), k.smooth(), weight, bias, o);
    }

    private static GuidedConvGrads backward(boolean transposed, Tensor input, Tensor guide, KernelParams k,
                                            Tensor weight, Tensor go, PacOptions o) {
        return transposed
                ? Pac.convTranspose2dGuidedBackward(input, guide, k.alpha(), k.lambda(), k.smooth(), weight, go, o,
                        Grad.all())
                : Pac.conv2dGuidedBackward(input, guide, k.alpha(), k.lambda(), k.smooth(), weight, go, o,
                        Grad.all());
    }
}
