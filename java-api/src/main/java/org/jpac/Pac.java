package org.jpac;

import java.util.Set;

import org.jpac.grad.ConvGrads;
import org.jpac.grad.GuidedConvGrads;
import org.jpac.grad.GuidedPoolGrads;
import org.jpac.grad.Kernel2dGrads;
import org.jpac.grad.PoolGrads;
import org.jpac.grad.StdConvGrads;
import org.jpac.internal.NativeCalls;
import org.jpac.internal.Results;

/**
 * The pixel-adaptive operations (SPEC.md), as static functions over
 * {@link Tensor}s. Every shape is checked here before the native call, and the
 * message names the argument and the shape it expected. Optional tensors may be
 * null. Results are new tensors the caller closes; the {@code ...Into} forms
 * write into caller-provided outputs instead.
 *
 * <p>For inv kernels, a null {@code invAlpha}/{@code invLambda} means the
 * constant from the kernel type string (and no gradient for it).
 *
 * <p>Thread-safe: calls on different output tensors may run concurrently.
 */
public final class Pac {

    private Pac() {
    }

    // ---- kernel2d -----------------------------------------------------------

    /** Expected shapes of one kernel2d call. */
    private record KGeom(long[] kernel, long[] outMask, long[] mask, long channels) {
    }

    private static KGeom kernelGeom(Tensor guide, PacOptions o) {
        Checks.rank(guide, "guide", 4, "[B, C, H, W]");
        long b = guide.dim(0);
        long c = guide.dim(1);
        long ho;
        long wo;
        long[] mask;
        if (o.transposed()) {
            // guide has the transposed conv's OUTPUT size; the mask its input size
            ho = guide.dim(2);
            wo = guide.dim(3);
            long hi = o.transposedInHeight(ho);
            long wi = o.transposedInWidth(wo);
            if (hi < 1 || wi < 1) {
                throw new IllegalArgumentException("guide: spatial size " + ho + "x" + wo
                        + " is too small for a transposed kernel with these options (input would be " + hi + "x"
                        + wi + ")");
            }
            mask = new long[] {b, 1, hi, wi};
        } else {
            long[] out = Checks.outSize(guide, "guide", o);
            ho = out[0];
            wo = out[1];
            mask = new long[] {b, 1, guide.dim(2), guide.dim(3)};
        }
        long kch = o.channelWise() ? c : 1;
        // one output mask per kernel channel when each is normalised on its own, else one (as libjpac)
        return new KGeom(new long[] {b, kch, o.kernelH(), o.kernelW(), ho, wo},
                new long[] {b, o.normalizeKernel() ? kch : 1, 1, 1, ho, wo}, mask, c);
    }

    private static void checkKernelInputs(Tensor guide, Tensor alpha, Tensor lambda, Tensor smooth, Tensor mask,
                                          PacOptions o, KGeom g) {
        Checks.invParam(alpha, "invAlpha", o, g.channels());
        Checks.invParam(lambda, "invLambda", o, g.channels());
        Checks.smooth(smooth, "smoothKernel");
        if (mask != null) {
            Checks.shape(mask, "mask", g.mask());
        }
        Checks.sameDevice(guide, "guide", alpha, "invAlpha", lambda, "invLambda", smooth, "smoothKernel",
                mask, "mask");
    }

    /** The adapting kernel of {@code guide} with no parameters, smoothing or mask. */
    public static Kernel2dResult kernel2d(Tensor guide, PacOptions opts) {
        return kernel2d(guide, null, null, null, null, opts);
    }

    /**
     * The adapting kernel {@code K [B, C or 1, kh, kw, Ho, Wo]} of guidance
     * {@code guide [B, C, H, W]}; with a mask also the output mask {@code [B, 1, 1, 1, Ho, Wo]} (one per kernel
     * channel, {@code [B, C, 1, 1, Ho, Wo]}, when channel-wise kernels are normalised each on its own).
     */
    public static Kernel2dResult kernel2d(Tensor guide, Tensor invAlpha, Tensor invLambda, Tensor smoothKernel,
                                          Tensor mask, PacOptions opts) {
        Checks.options(opts);
        Checks.need(guide, "guide");
        KGeom g = kernelGeom(guide, opts);
        Tensor k = Checks.alloc(guide, g.kernel());
        Tensor m = null;
        try {
            m = Checks.opt(mask, "mask") == null ? null : Checks.alloc(guide, g.outMask());
            kernel2dInto(guide, invAlpha, invLambda, smoothKernel, mask, opts, k, m);
            return new Kernel2dResult(k, m);
        } catch (RuntimeException | Error e) {
            Results.close(k, m);
            throw e;
        }
    }

    /** As {@link #kernel2d(Tensor, Tensor, Tensor, Tensor, Tensor, PacOptions)}, into caller outputs. */
    public static void kernel2dInto(Tensor guide, Tensor invAlpha, Tensor invLambda, Tensor smoothKernel, Tensor mask,
                                    PacOptions opts, Tensor outKernel, Tensor outMask) {
        Checks.options(opts);
        Checks.need(guide, "guide");
        Checks.opt(invAlpha, "invAlpha");
        Checks.opt(invLambda, "invLambda");
        Checks.opt(smoothKernel, "smoothKernel");
        Checks.opt(mask, "mask");
        Checks.need(outKernel, "outKernel");
        KGeom g = kernelGeom(guide, opts);
        checkKernelInputs(guide, invAlpha, invLambda, smoothKernel, mask, opts, g);
        Checks.shape(outKernel, "outKernel", g.kernel());
        if (mask != null) {
            Checks.need(outMask, "outMask");
            Checks.shape(outMask, "outMask", g.outMask());
        } else if (outMask != null) {
            throw new IllegalArgumentException("outMask: must be null when no mask is given");
        }
        Checks.sameDevice(guide, "guide", outKernel, "outKernel", outMask, "outMask");
        try (InvParams p = new InvParams(invAlpha, invLambda, opts, guide)) {
            NativeCalls.kernel2dForward(opts, guide, p.alpha, p.lambda, smoothKernel, mask, outKernel, outMask);
        }
    }

    /**
     * {@link #kernel2dBackward(Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, PacOptions, Set)} with every gradient.
     */
    public static Kernel2dGrads kernel2dBackward(Tensor guide, Tensor invAlpha, Tensor invLambda, Tensor smoothKernel,
                                                 Tensor mask, Tensor gradKernel, PacOptions opts) {
        return kernel2dBackward(guide, invAlpha, invLambda, smoothKernel, mask, gradKernel, opts, Grad.all());
    }

    /**
     * Gradients of kernel2d for the guide, and for alpha, lambda (given and
     * learnable) and the smoothing kernel (given), restricted to {@code needs}.
     */
    public static Kernel2dGrads kernel2dBackward(Tensor guide, Tensor invAlpha, Tensor invLambda, Tensor smoothKernel,
                                                 Tensor mask, Tensor gradKernel, PacOptions opts, Set<Grad> needs) {
        Checks.options(opts);
        Checks.need(guide, "guide");
        Checks.opt(invAlpha, "invAlpha");
        Checks.opt(invLambda, "invLambda");
        Checks.opt(smoothKernel, "smoothKernel");
        Checks.opt(mask, "mask");
        Checks.need(gradKernel, "gradKernel");
        KGeom g = kernelGeom(guide, opts);
        checkKernelInputs(guide, invAlpha, invLambda, smoothKernel, mask, opts, g);
        Checks.shape(gradKernel, "gradKernel", g.kernel());
        Checks.sameDevice(guide, "guide", gradKernel, "gradKernel");
        boolean learn = opts.kernelType().learnable();
        Outs out = new Outs();
        try (InvParams p = new InvParams(invAlpha, invLambda, opts, guide)) {
            Tensor gg = out.add(needs.contains(Grad.GUIDE), guide);
            Tensor ga = out.add(learn && needs.contains(Grad.INV_ALPHA), invAlpha);
            Tensor gl = out.add(learn && needs.contains(Grad.INV_LAMBDA), invLambda);
            Tensor gs = out.add(needs.contains(Grad.SMOOTH_KERNEL), smoothKernel);
            NativeCalls.kernel2dBackward(opts, guide, p.alpha, p.lambda, smoothKernel, mask, gradKernel,
                    gg, ga, gl, gs);
            out.keep();
            return new Kernel2dGrads(gg, ga, gl, gs);
        } finally {
            out.closeUnlessKept();
        }
    }

    // ---- conv2d / convTranspose2d with a given kernel ----------------------

    /** Expected shapes of one convolution call. */
    private record CGeom(long[] kernel, long[] weight, long[] bias, long[] output) {
    }

    private static CGeom convGeom(Tensor input, Tensor weight, PacOptions o, boolean transposed) {
        Checks.rank(input, "input", 4, "[B, Ci, H, W]");
        long b = input.dim(0);
        long ci = input.dim(1);
        long[] out = transposed ? Checks.transposedOutSize(input, "input", o) : Checks.outSize(input, "input", o);
        long co;
        long[] w;
        if (o.sharedFilters()) {
            co = ci;
            w = new long[] {1, 1, o.kernelH(), o.kernelW()};
        } else {
            Checks.rank(weight, "weight", 4, transposed ? "[Ci, Co, kh, kw]" : "[Co, Ci, kh, kw]");
            co = transposed ? weight.dim(1) : weight.dim(0);
            w = transposed ? new long[] {ci, co, o.kernelH(), o.kernelW()}
                    : new long[] {co, ci, o.kernelH(), o.kernelW()};
        }
        if (weight.rank() == 4 && !weight.hasShape(w)) {
            Checks.kernelMatches(weight, "weight", o, w);
        }
        Checks.shape(weight, "weight", w);
        return new CGeom(new long[] {b, 1, o.kernelH(), o.kernelW(), out[0], out[1]}, w, new long[] {co},
                new long[] {b, co, out[0], out[1]});
    }

    private static CGeom checkConv(Tensor input, Tensor kernel, Tensor weight, Tensor bias, PacOptions o,
                                   boolean transposed) {
        Checks.options(o);
        Checks.need(input, "input");
        Checks.need(kernel, "kernel");
        Checks.need(weight, "weight");
        Checks.opt(bias, "bias");
        if (!transposed) {
            Checks.notTransposed(o, "conv2d");
        }
        CGeom g = convGeom(input, weight, o, transposed);
        Checks.rank(kernel, "kernel", 6, "[B, 1, kh, kw, Ho, Wo]");
        Checks.shape(kernel, "kernel", g.kernel());
        if (bias != null) {
            Checks.shape(bias, "bias", g.bias());
        }
        Checks.sameDevice(input, "input", kernel, "kernel", weight, "weight", bias, "bias");
        return g;
    }

    /** Pixel-adaptive convolution (paper Eq. 3) with a given kernel {@code [B, 1, kh, kw, Ho, Wo]}. */
    public static Tensor conv2d(Tensor input, Tensor kernel, Tensor weight, Tensor bias, PacOptions opts) {
        CGeom g = checkConv(input, kernel, weight, bias, opts, false);
        Tensor out = Checks.alloc(input, g.output());
        return run(out, () -> NativeCalls.conv2dForward(opts, false, input, kernel, weight, bias, out));
    }

    /** {@link #conv2d(Tensor, Tensor, Tensor, Tensor, PacOptions)} written into {@code output}, which is returned. */
    public static Tensor conv2dInto(Tensor input, Tensor kernel, Tensor weight, Tensor bias, PacOptions opts,
                                    Tensor output) {
        CGeom g = checkConv(input, kernel, weight, bias, opts, false);
        checkOut(output, "output", input, g.output());
        NativeCalls.conv2dForward(opts, false, input, kernel, weight, bias, output);
        return output;
    }

    /** {@link #conv2dBackward(Tensor, Tensor, Tensor, Tensor, PacOptions, Set)} with every gradient. */
    public static ConvGrads conv2dBackward(Tensor input, Tensor kernel, Tensor weight, Tensor gradOutput,
                                           PacOptions opts) {
        return conv2dBackward(input, kernel, weight, gradOutput, opts, Grad.all());
    }

    /**
     * Gradients of conv2d for the input, kernel, weight and bias, restricted to {@code needs} (the others are null).
     */
    public static ConvGrads conv2dBackward(Tensor input, Tensor kernel, Tensor weight, Tensor gradOutput,
                                           PacOptions opts, Set<Grad> needs) {
        return convBackward(input, kernel, weight, gradOutput, opts, needs, false);
    }

    /** Pixel-adaptive transposed convolution (PAC^T); weight {@code [Ci, Co, kh, kw]}, not flipped. */
    public static Tensor convTranspose2d(Tensor input, Tensor kernel, Tensor weight, Tensor bias, PacOptions opts) {
        PacOptions o = transposedOpts(opts);
        CGeom g = checkConv(input, kernel, weight, bias, o, true);
        Tensor out = Checks.alloc(input, g.output());
        return run(out, () -> NativeCalls.conv2dForward(o, true, input, kernel, weight, bias, out));
    }

    /**
     * {@link #convTranspose2d(Tensor, Tensor, Tensor, Tensor, PacOptions)} written into {@code output}, which is
     * returned.
     */
    public static Tensor convTranspose2dInto(Tensor input, Tensor kernel, Tensor weight, Tensor bias,
                                             PacOptions opts, Tensor output) {
        PacOptions o = transposedOpts(opts);
        CGeom g = checkConv(input, kernel, weight, bias, o, true);
        checkOut(output, "output", input, g.output());
        NativeCalls.conv2dForward(o, true, input, kernel, weight, bias, output);
        return output;
    }

    /** {@link #convTranspose2dBackward(Tensor, Tensor, Tensor, Tensor, PacOptions, Set)} with every gradient. */
    public static ConvGrads convTranspose2dBackward(Tensor input, Tensor kernel, Tensor weight, Tensor gradOutput,
                                                    PacOptions opts) {
        return convTranspose2dBackward(input, kernel, weight, gradOutput, opts, Grad.all());
    }

    /**
     * Gradients of convTranspose2d for the input, kernel, weight and bias, restricted to {@code needs} (the others are
     * null).
     */
    public static ConvGrads convTranspose2dBackward(Tensor input, Tensor kernel, Tensor weight, Tensor gradOutput,
                                                    PacOptions opts, Set<Grad> needs) {
        return convBackward(input, kernel, weight, gradOutput, transposedOpts(opts), needs, true);
    }

    private static ConvGrads convBackward(Tensor input, Tensor kernel, Tensor weight, Tensor gradOutput,
                                          PacOptions o, Set<Grad> needs, boolean transposed) {
        CGeom g = checkConv(input, kernel, weight, null, o, transposed);
        Checks.need(gradOutput, "gradOutput");
        Checks.shape(gradOutput, "gradOutput", g.output());
        Checks.sameDevice(input, "input", gradOutput, "gradOutput");
        Outs out = new Outs();
        try {
            Tensor gi = out.add(needs.contains(Grad.INPUT), input);
            Tensor gk = out.add(needs.contains(Grad.KERNEL), kernel);
            Tensor gw = out.add(needs.contains(Grad.WEIGHT), weight);
            Tensor gb = out.add(needs.contains(Grad.BIAS), input, g.bias());
            NativeCalls.conv2dBackward(o, transposed, input, kernel, weight, gradOutput, gi, gk, gw, gb);
            out.keep();
            return new ConvGrads(gi, gk, gw, gb);
        } finally {
            out.closeUnlessKept();
        }
    }

    // ---- pool2d with a given kernel -----------------------------------------

    private static long[] checkPool(Tensor input, Tensor kernel, PacOptions o) {
        Checks.options(o);
        Checks.need(input, "input");
        Checks.need(kernel, "kernel");
        Checks.notTransposed(o, "pool2d");
        Checks.rank(input, "input", 4, "[B, C, H, W]");
        long[] out = Checks.outSize(input, "input", o);
        long b = input.dim(0);
        long c = input.dim(1);
        Checks.rank(kernel, "kernel", 6, "[B, 1 or C, kh, kw, Ho, Wo]");
        long kc = kernel.dim(1) == c ? c : 1;
        Checks.shape(kernel, "kernel", b, kc, o.kernelH(), o.kernelW(), out[0], out[1]);
        Checks.sameDevice(input, "input", kernel, "kernel");
        return new long[] {b, c, out[0], out[1]};
    }

    /** Pixel-adaptive pooling: a sum over taps of K * input (not an average). */
    public static Tensor pool2d(Tensor input, Tensor kernel, PacOptions opts) {
        long[] shape = checkPool(input, kernel, opts);
        Tensor out = Checks.alloc(input, shape);
        return run(out, () -> NativeCalls.pool2dForward(opts, input, kernel, out));
    }

    /** {@link #pool2d(Tensor, Tensor, PacOptions)} written into {@code output}, which is returned. */
    public static Tensor pool2dInto(Tensor input, Tensor kernel, PacOptions opts, Tensor output) {
        long[] shape = checkPool(input, kernel, opts);
        checkOut(output, "output", input, shape);
        NativeCalls.pool2dForward(opts, input, kernel, output);
        return output;
    }

    /** {@link #pool2dBackward(Tensor, Tensor, Tensor, PacOptions, Set)} with every gradient. */
    public static PoolGrads pool2dBackward(Tensor input, Tensor kernel, Tensor gradOutput, PacOptions opts) {
        return pool2dBackward(input, kernel, gradOutput, opts, Grad.all());
    }

    /** Gradients of pool2d for the input and kernel, restricted to {@code needs} (the others are null). */
    public static PoolGrads pool2dBackward(Tensor input, Tensor kernel, Tensor gradOutput, PacOptions opts,
                                           Set<Grad> needs) {
        long[] shape = checkPool(input, kernel, opts);
        Checks.need(gradOutput, "gradOutput");
        Checks.shape(gradOutput, "gradOutput", shape);
        Checks.sameDevice(input, "input", gradOutput, "gradOutput");
        Outs out = new Outs();
        try {
            Tensor gi = out.add(needs.contains(Grad.INPUT), input);
            Tensor gk = out.add(needs.contains(Grad.KERNEL), kernel);
            NativeCalls.pool2dBackward(opts, input, kernel, gradOutput, gi, gk);
            out.keep();
            return new PoolGrads(gi, gk);
        } finally {
            out.closeUnlessKept();
        }
    }

    // ---- guided (fused) forms -------------------------------------------------

    private static CGeom checkGuidedConv(Tensor input, Tensor guide, Tensor alpha, Tensor lambda, Tensor smooth,
                                         Tensor weight, Tensor bias, PacOptions o, boolean transposed) {
        Checks.options(o);
        Checks.need(input, "input");
        Checks.need(guide, "guide");
        Checks.opt(alpha, "invAlpha");
        Checks.opt(lambda, "invLambda");
        Checks.opt(smooth, "smoothKernel");
        Checks.need(weight, "weight");
        Checks.opt(bias, "bias");
        String op = transposed ? "convTranspose2dGuided" : "conv2dGuided";
        if (!transposed) {
            Checks.notTransposed(o, op);
        }
        if (o.channelWise()) {
            throw new IllegalArgumentException("opts.channelWise: must be false for " + op
                    + " (the kernel has one channel)");
        }
        CGeom g = convGeom(input, weight, o, transposed);
        Checks.rank(guide, "guide", 4, "[B, Cg, H, W]");
        long[] gs = transposed ? new long[] {input.dim(0), guide.dim(1), g.output()[2], g.output()[3]}
                : new long[] {input.dim(0), guide.dim(1), input.dim(2), input.dim(3)};
        Checks.shape(guide, "guide", gs);
        if (bias != null) {
            Checks.shape(bias, "bias", g.bias());
        }
        Checks.invParam(alpha, "invAlpha", o, guide.dim(1));
        Checks.invParam(lambda, "invLambda", o, guide.dim(1));
        Checks.smooth(smooth, "smoothKernel");
        Checks.sameDevice(input, "input", guide, "guide", alpha, "invAlpha", lambda, "invLambda",
                smooth, "smoothKernel", weight, "weight", bias, "bias");
        return g;
    }

    /** conv2d with {@code K = kernel2d(guide)} computed on the fly (no mask). */
    public static Tensor conv2dGuided(Tensor input, Tensor guide, Tensor invAlpha, Tensor invLambda,
                                      Tensor smoothKernel, Tensor weight, Tensor bias, PacOptions opts) {
        CGeom g = checkGuidedConv(input, guide, invAlpha, invLambda, smoothKernel, weight, bias, opts, false);
        Tensor out = Checks.alloc(input, g.output());
        return run(out, () -> guidedForward(opts, false, input, guide, invAlpha, invLambda, smoothKernel, weight,
                bias, out));
    }

    /**
     * {@link #conv2dGuided(Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, PacOptions)} written into {@code
     * output}, which is returned.
     */
    public static Tensor conv2dGuidedInto(Tensor input, Tensor guide, Tensor invAlpha, Tensor invLambda,
                                          Tensor smoothKernel, Tensor weight, Tensor bias, PacOptions opts,
                                          Tensor output) {
        CGeom g = checkGuidedConv(input, guide, invAlpha, invLambda, smoothKernel, weight, bias, opts, false);
        checkOut(output, "output", input, g.output());
        guidedForward(opts, false, input, guide, invAlpha, invLambda, smoothKernel, weight, bias, output);
        return output;
    }

    /**
     * {@link #conv2dGuidedBackward(Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, PacOptions, Set)} with every
     * gradient.
     */
    public static GuidedConvGrads conv2dGuidedBackward(Tensor input, Tensor guide, Tensor invAlpha, Tensor invLambda,
                                                       Tensor smoothKernel, Tensor weight, Tensor gradOutput,
                                                       PacOptions opts) {
        return conv2dGuidedBackward(input, guide, invAlpha, invLambda, smoothKernel, weight, gradOutput, opts,
                Grad.all());
    }

    /**
     * Gradients of conv2dGuided for the input, guide, weight, bias and the kernel's parameters (given and learnable),
     * restricted to {@code needs} (the others are null).
     */
    public static GuidedConvGrads conv2dGuidedBackward(Tensor input, Tensor guide, Tensor invAlpha, Tensor invLambda,
                                                       Tensor smoothKernel, Tensor weight, Tensor gradOutput,
                                                       PacOptions opts, Set<Grad> needs) {
        return guidedBackward(input, guide, invAlpha, invLambda, smoothKernel, weight, gradOutput, opts, needs, false);
    }

    /** convTranspose2d with K computed from {@code guide}, which has the OUTPUT's spatial size. */
    public static Tensor convTranspose2dGuided(Tensor input, Tensor guide, Tensor invAlpha, Tensor invLambda,
                                               Tensor smoothKernel, Tensor weight, Tensor bias, PacOptions opts) {
        PacOptions o = transposedOpts(opts);
        CGeom g = checkGuidedConv(input, guide, invAlpha, invLambda, smoothKernel, weight, bias, o, true);
        Tensor out = Checks.alloc(input, g.output());
        return run(out, () -> guidedForward(o, true, input, guide, invAlpha, invLambda, smoothKernel, weight, bias,
                out));
    }

    /**
     * {@link #convTranspose2dGuided(Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, PacOptions)} written into
     * {@code output}, which is returned.
     */
    public static Tensor convTranspose2dGuidedInto(Tensor input, Tensor guide, Tensor invAlpha, Tensor invLambda,
                                                   Tensor smoothKernel, Tensor weight, Tensor bias, PacOptions opts,
                                                   Tensor output) {
        PacOptions o = transposedOpts(opts);
        CGeom g = checkGuidedConv(input, guide, invAlpha, invLambda, smoothKernel, weight, bias, o, true);
        checkOut(output, "output", input, g.output());
        guidedForward(o, true, input, guide, invAlpha, invLambda, smoothKernel, weight, bias, output);
        return output;
    }

    /**
     * {@link #convTranspose2dGuidedBackward(Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, PacOptions, Set)}
     * with every gradient.
     */
    public static GuidedConvGrads convTranspose2dGuidedBackward(Tensor input, Tensor guide, Tensor invAlpha,
                                                                Tensor invLambda, Tensor smoothKernel, Tensor weight,
                                                                Tensor gradOutput, PacOptions opts) {
        return convTranspose2dGuidedBackward(input, guide, invAlpha, invLambda, smoothKernel, weight, gradOutput,
                opts, Grad.all());
    }

    /**
     * Gradients of convTranspose2dGuided for the input, guide, weight, bias and the kernel's parameters (given and
     * learnable), restricted to {@code needs} (the others are null).
     */
    public static GuidedConvGrads convTranspose2dGuidedBackward(Tensor input, Tensor guide, Tensor invAlpha,
                                                                Tensor invLambda, Tensor smoothKernel, Tensor weight,
                                                                Tensor gradOutput, PacOptions opts,
                                                                Set<Grad> needs) {
        return guidedBackward(input, guide, invAlpha, invLambda, smoothKernel, weight, gradOutput,
                transposedOpts(opts), needs, true);
    }

    private static void guidedForward(PacOptions o, boolean transposed, Tensor input, Tensor guide, Tensor alpha,
                                      Tensor lambda, Tensor smooth, Tensor weight, Tensor bias, Tensor out) {
        try (InvParams p = new InvParams(alpha, lambda, o, input)) {
            NativeCalls.conv2dGuidedForward(o, transposed, input, guide, p.alpha, p.lambda, smooth, weight, bias, out);
        }
    }

    private static GuidedConvGrads guidedBackward(Tensor input, Tensor guide, Tensor alpha, Tensor lambda,
                                                  Tensor smooth, Tensor weight, Tensor gradOutput, PacOptions o,
                                                  Set<Grad> needs, boolean transposed) {
        CGeom g = checkGuidedConv(input, guide, alpha, lambda, smooth, weight, null, o, transposed);
        Checks.need(gradOutput, "gradOutput");
        Checks.shape(gradOutput, "gradOutput", g.output());
        Checks.sameDevice(input, "input", gradOutput, "gradOutput");
        boolean learn = o.kernelType().learnable();
        Outs out = new Outs();
        try (InvParams p = new InvParams(alpha, lambda, o, input)) {
            Tensor gi = out.add(needs.contains(Grad.INPUT), input);
            Tensor gg = out.add(needs.contains(Grad.GUIDE), guide);
            Tensor gw = out.add(needs.contains(Grad.WEIGHT), weight);
            Tensor gb = out.add(needs.contains(Grad.BIAS), input, g.bias());
            Tensor ga = out.add(learn && needs.contains(Grad.INV_ALPHA), alpha);
            Tensor gl = out.add(learn && needs.contains(Grad.INV_LAMBDA), lambda);
            Tensor gs = out.add(needs.contains(Grad.SMOOTH_KERNEL), smooth);
            NativeCalls.conv2dGuidedBackward(o, transposed, input, guide, p.alpha, p.lambda, smooth, weight,
                    gradOutput, gi, gg, gw, gb, ga, gl, gs);
            out.keep();
            return new GuidedConvGrads(gi, gg, gw, gb, ga, gl, gs);
        } finally {
            out.closeUnlessKept();
        }
    }

    private static long[] checkGuidedPool(Tensor input, Tensor guide, Tensor alpha, Tensor lambda, Tensor smooth,
                                          PacOptions o) {
        Checks.options(o);
        Checks.need(input, "input");
        Checks.need(guide, "guide");
        Checks.opt(alpha, "invAlpha");
        Checks.opt(lambda, "invLambda");
        Checks.opt(smooth, "smoothKernel");
        Checks.notTransposed(o, "pool2dGuided");
        Checks.rank(input, "input", 4, "[B, C, H, W]");
        long[] out = Checks.outSize(input, "input", o);
        Checks.rank(guide, "guide", 4, "[B, Cg, H, W]");
        long c = input.dim(1);
        long cg = o.channelWise() ? c : guide.dim(1);
        Checks.shape(guide, "guide", input.dim(0), cg, input.dim(2), input.dim(3));
        Checks.invParam(alpha, "invAlpha", o, cg);
        Checks.invParam(lambda, "invLambda", o, cg);
        Checks.smooth(smooth, "smoothKernel");
        Checks.sameDevice(input, "input", guide, "guide", alpha, "invAlpha", lambda, "invLambda",
                smooth, "smoothKernel");
        return new long[] {input.dim(0), c, out[0], out[1]};
    }

    /** pool2d with K computed from {@code guide}; channel-wise needs as many guide channels as input channels. */
    public static Tensor pool2dGuided(Tensor input, Tensor guide, Tensor invAlpha, Tensor invLambda,
                                      Tensor smoothKernel, PacOptions opts) {
        long[] shape = checkGuidedPool(input, guide, invAlpha, invLambda, smoothKernel, opts);
        Tensor out = Checks.alloc(input, shape);
        return run(out, () -> {
            try (InvParams p = new InvParams(invAlpha, invLambda, opts, guide)) {
                NativeCalls.pool2dGuidedForward(opts, input, guide, p.alpha, p.lambda, smoothKernel, out);
            }
        });
    }

    /**
     * {@link #pool2dGuided(Tensor, Tensor, Tensor, Tensor, Tensor, PacOptions)} written into {@code output}, which is
     * returned.
     */
    public static Tensor pool2dGuidedInto(Tensor input, Tensor guide, Tensor invAlpha, Tensor invLambda,
                                          Tensor smoothKernel, PacOptions opts, Tensor output) {
        long[] shape = checkGuidedPool(input, guide, invAlpha, invLambda, smoothKernel, opts);
        checkOut(output, "output", input, shape);
        try (InvParams p = new InvParams(invAlpha, invLambda, opts, guide)) {
            NativeCalls.pool2dGuidedForward(opts, input, guide, p.alpha, p.lambda, smoothKernel, output);
        }
        return output;
    }

    /**
     * {@link #pool2dGuidedBackward(Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, PacOptions, Set)} with every
     * gradient.
     */
    public static GuidedPoolGrads pool2dGuidedBackward(Tensor input, Tensor guide, Tensor invAlpha, Tensor invLambda,
                                                       Tensor smoothKernel, Tensor gradOutput, PacOptions opts) {
        return pool2dGuidedBackward(input, guide, invAlpha, invLambda, smoothKernel, gradOutput, opts, Grad.all());
    }

    /**
     * Gradients of pool2dGuided for the input, guide and the kernel's parameters (given and learnable), restricted to
     * {@code needs} (the others are null).
     */
    public static GuidedPoolGrads pool2dGuidedBackward(Tensor input, Tensor guide, Tensor invAlpha, Tensor invLambda,
                                                       Tensor smoothKernel, Tensor gradOutput, PacOptions opts,
                                                       Set<Grad> needs) {
        long[] shape = checkGuidedPool(input, guide, invAlpha, invLambda, smoothKernel, opts);
        Checks.need(gradOutput, "gradOutput");
        Checks.shape(gradOutput, "gradOutput", shape);
        Checks.sameDevice(input, "input", gradOutput, "gradOutput");
        boolean learn = opts.kernelType().learnable();
        Outs out = new Outs();
        try (InvParams p = new InvParams(invAlpha, invLambda, opts, guide)) {
            Tensor gi = out.add(needs.contains(Grad.INPUT), input);
            Tensor gg = out.add(needs.contains(Grad.GUIDE), guide);
            Tensor ga = out.add(learn && needs.contains(Grad.INV_ALPHA), invAlpha);
            Tensor gl = out.add(learn && needs.contains(Grad.INV_LAMBDA), invLambda);
            Tensor gs = out.add(needs.contains(Grad.SMOOTH_KERNEL), smoothKernel);
            NativeCalls.pool2dGuidedBackward(opts, input, guide, p.alpha, p.lambda, smoothKernel, gradOutput,
                    gi, gg, ga, gl, gs);
            out.keep();
            return new GuidedPoolGrads(gi, gg, ga, gl, gs);
        } finally {
            out.closeUnlessKept();
        }
    }

    // ---- plain convolution (baseline) -------------------------------------------

    private static CGeom checkStd(Tensor input, Tensor weight, Tensor bias, PacOptions o) {
        Checks.options(o);
        Checks.need(input, "input");
        Checks.need(weight, "weight");
        Checks.opt(bias, "bias");
        PacOptions plain = o.sharedFilters() ? o.toBuilder().sharedFilters(false).build() : o;
        CGeom g = convGeom(input, weight, plain, false);
        if (bias != null) {
            Checks.shape(bias, "bias", g.bias());
        }
        Checks.sameDevice(input, "input", weight, "weight", bias, "bias");
        return g;
    }

    // ---- guided forms with a Guide (no runs of nulls) ---------------------------------

    /** {@link #conv2dGuided(Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, PacOptions)} with a {@link Guide}. */
    public static Tensor conv2dGuided(Tensor input, Guide guide, Tensor weight, Tensor bias, PacOptions opts) {
        return conv2dGuided(input, guide.features(), guide.invAlpha(), guide.invLambda(), guide.smoothKernel(), weight,
                bias, opts);
    }

    /** conv2d guided by the features alone (the kernel's other inputs from the options). */
    public static Tensor conv2dGuided(Tensor input, Tensor guide, Tensor weight, Tensor bias, PacOptions opts) {
        return conv2dGuided(input, guide, null, null, null, weight, bias, opts);
    }

    /** {@link #conv2dGuided(Tensor, Guide, Tensor, Tensor, PacOptions)} written into {@code output}. */
    public static Tensor conv2dGuidedInto(Tensor input, Guide guide, Tensor weight, Tensor bias, PacOptions opts,
                                          Tensor output) {
        return conv2dGuidedInto(input, guide.features(), guide.invAlpha(), guide.invLambda(), guide.smoothKernel(),
                weight, bias, opts, output);
    }

    /** The backward of {@link #conv2dGuided(Tensor, Guide, Tensor, Tensor, PacOptions)}: the gradients in {@code needs}. */
    public static GuidedConvGrads conv2dGuidedBackward(Tensor input, Guide guide, Tensor weight, Tensor gradOutput,
                                                       PacOptions opts, Set<Grad> needs) {
        return conv2dGuidedBackward(input, guide.features(), guide.invAlpha(), guide.invLambda(),
                guide.smoothKernel(), weight, gradOutput, opts, needs);
    }

    /** {@link #convTranspose2dGuided(Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, PacOptions)} with a {@link Guide}. */
    public static Tensor convTranspose2dGuided(Tensor input, Guide guide, Tensor weight, Tensor bias,
                                               PacOptions opts) {
        return convTranspose2dGuided(input, guide.features(), guide.invAlpha(), guide.invLambda(),
                guide.smoothKernel(), weight, bias, opts);
    }

    /** convTranspose2d guided by the features alone (the guide has the OUTPUT's spatial size). */
    public static Tensor convTranspose2dGuided(Tensor input, Tensor guide, Tensor weight, Tensor bias,
                                               PacOptions opts) {
        return convTranspose2dGuided(input, guide, null, null, null, weight, bias, opts);
    }

    /** {@link #convTranspose2dGuided(Tensor, Guide, Tensor, Tensor, PacOptions)} written into {@code output}. */
    public static Tensor convTranspose2dGuidedInto(Tensor input, Guide guide, Tensor weight, Tensor bias,
                                                   PacOptions opts, Tensor output) {
        return convTranspose2dGuidedInto(input, guide.features(), guide.invAlpha(), guide.invLambda(),
                guide.smoothKernel(), weight, bias, opts, output);
    }

    /** The backward of {@link #convTranspose2dGuided(Tensor, Guide, Tensor, Tensor, PacOptions)}. */
    public static GuidedConvGrads convTranspose2dGuidedBackward(Tensor input, Guide guide, Tensor weight,
                                                                Tensor gradOutput, PacOptions opts, Set<Grad> needs) {
        return convTranspose2dGuidedBackward(input, guide.features(), guide.invAlpha(), guide.invLambda(),
                guide.smoothKernel(), weight, gradOutput, opts, needs);
    }

    /** {@link #pool2dGuided(Tensor, Tensor, Tensor, Tensor, Tensor, PacOptions)} with a {@link Guide}. */
    public static Tensor pool2dGuided(Tensor input, Guide guide, PacOptions opts) {
        return pool2dGuided(input, guide.features(), guide.invAlpha(), guide.invLambda(), guide.smoothKernel(), opts);
    }

    /** pool2d guided by the features alone. */
    public static Tensor pool2dGuided(Tensor input, Tensor guide, PacOptions opts) {
        return pool2dGuided(input, guide, null, null, null, opts);
    }

    /** {@link #pool2dGuided(Tensor, Guide, PacOptions)} written into {@code output}. */
    public static Tensor pool2dGuidedInto(Tensor input, Guide guide, PacOptions opts, Tensor output) {
        return pool2dGuidedInto(input, guide.features(), guide.invAlpha(), guide.invLambda(), guide.smoothKernel(),
                opts, output);
    }

    /** The backward of {@link #pool2dGuided(Tensor, Guide, PacOptions)}: the gradients in {@code needs}. */
    public static GuidedPoolGrads pool2dGuidedBackward(Tensor input, Guide guide, Tensor gradOutput, PacOptions opts,
                                                       Set<Grad> needs) {
        return pool2dGuidedBackward(input, guide.features(), guide.invAlpha(), guide.invLambda(),
                guide.smoothKernel(), gradOutput, opts, needs);
    }

    /** Standard convolution (cross-correlation), the baseline PAC is compared with. Uses geometry only. */
    public static Tensor stdConv2d(Tensor input, Tensor weight, Tensor bias, PacOptions opts) {
        CGeom g = checkStd(input, weight, bias, opts);
        Tensor out = Checks.alloc(input, g.output());
        return run(out, () -> NativeCalls.stdConv2dForward(opts, input, weight, bias, out));
    }

    /** {@link #stdConv2d(Tensor, Tensor, Tensor, PacOptions)} written into {@code output}, which is returned. */
    public static Tensor stdConv2dInto(Tensor input, Tensor weight, Tensor bias, PacOptions opts, Tensor output) {
        CGeom g = checkStd(input, weight, bias, opts);
        checkOut(output, "output", input, g.output());
        NativeCalls.stdConv2dForward(opts, input, weight, bias, output);
        return output;
    }

    /** {@link #stdConv2dBackward(Tensor, Tensor, Tensor, PacOptions, Set)} with every gradient. */
    public static StdConvGrads stdConv2dBackward(Tensor input, Tensor weight, Tensor gradOutput, PacOptions opts) {
        return stdConv2dBackward(input, weight, gradOutput, opts, Grad.all());
    }

    /** Gradients of stdConv2d for the input, weight and bias, restricted to {@code needs} (the others are null). */
    public static StdConvGrads stdConv2dBackward(Tensor input, Tensor weight, Tensor gradOutput, PacOptions opts,
                                                 Set<Grad> needs) {
        CGeom g = checkStd(input, weight, null, opts);
        Checks.need(gradOutput, "gradOutput");
        Checks.shape(gradOutput, "gradOutput", g.output());
        Checks.sameDevice(input, "input", gradOutput, "gradOutput");
        Outs out = new Outs();
        try {
            Tensor gi = out.add(needs.contains(Grad.INPUT), input);
            Tensor gw = out.add(needs.contains(Grad.WEIGHT), weight);
            Tensor gb = out.add(needs.contains(Grad.BIAS), input, g.bias());
            NativeCalls.stdConv2dBackward(opts, input, weight, gradOutput, gi, gw, gb);
            out.keep();
            return new StdConvGrads(gi, gw, gb);
        } finally {
            out.closeUnlessKept();
        }
    }

    // ---- helpers -------------------------------------------------------------------

    private static PacOptions transposedOpts(PacOptions o) {
        Checks.options(o);
        return o.withTransposed(true);
    }

    private static void checkOut(Tensor out, String name, Tensor like, long[] shape) {
        Checks.need(out, name);
        Checks.shape(out, name, shape);
        Checks.sameDevice(like, "input", out, name);
    }

    /** Runs a native call that fills {@code out}; closes {@code out} if it fails. */
    private static Tensor run(Tensor out, Runnable call) {
        try {
            call.run();
            return out;
        } catch (RuntimeException | Error e) {
            out.close();
            throw e;
        }
    }

    /** Gradient outputs being built: closed again if the call fails. */
    private static final class Outs {
        private final java.util.ArrayList<Tensor> list = new java.util.ArrayList<>();
        private boolean kept;

        /** A zeroed tensor shaped like {@code like} when wanted and like is non-null, else null. */
        Tensor add(boolean wanted, Tensor like) {
            return wanted && like != null ? add(true, like, like.shape()) : null;
        }

        Tensor add(boolean wanted, Tensor device, long[] shape) {
            if (!wanted) {
                return null;
            }
            Tensor t = Checks.alloc(device, shape);
            list.add(t);
            return t;
        }

        void keep() {
            kept = true;
        }

        void closeUnlessKept() {
            if (!kept) {
                list.forEach(Tensor::close);
            }
        }
    }

    /** alpha/lambda for the call: the caller's, or constants from the kernel type for null inv params. */
    private static final class InvParams implements AutoCloseable {
        final Tensor alpha;
        final Tensor lambda;
        private final Tensor ownA;
        private final Tensor ownL;

        /** {@code like}: a tensor of the call, whose device the constants go to. */
        InvParams(Tensor alpha, Tensor lambda, PacOptions o, Tensor like) {
            boolean inv = o.kernelType().isInv();
            // a constant takes the given parameter's length (one per channel, or one): libjpac wants equal shapes
            int n = alpha != null ? Math.toIntExact(alpha.numel())
                    : lambda != null ? Math.toIntExact(lambda.numel()) : 1;
            ownA = inv && alpha == null ? constant(o.kernelType().alpha(), n, like.device()) : null;
            Tensor l = null;
            try {
                l = inv && lambda == null ? constant(o.kernelType().lambda(), n, like.device()) : null;
            } catch (RuntimeException | Error e) {
                Results.close(ownA);
                throw e;
            }
            ownL = l;
            this.alpha = inv ? (alpha != null ? alpha : ownA) : null;
            this.lambda = inv ? (lambda != null ? lambda : ownL) : null;
        }

        private static Tensor constant(double value, int n, Device device) {
            float[] v = new float[n];
            java.util.Arrays.fill(v, (float) value);
            Tensor host = Tensor.of(v, n);
            if (device.isCpu()) {
                return host;
            }
            try (host) {
                return host.to(device);
            }
        }

        @Override
        public void close() {
            Results.close(ownA, ownL);
        }
    }
}
