package org.jpac.golden;

import java.util.Random;

import org.jpac.Kernel2dResult;
import org.jpac.Pac;
import org.jpac.PacOptions;
import org.jpac.SmoothKernel;
import org.jpac.Tensor;
import org.jpac.grad.ConvGrads;
import org.jpac.grad.GuidedConvGrads;
import org.jpac.grad.GuidedPoolGrads;
import org.jpac.grad.Kernel2dGrads;
import org.jpac.grad.PoolGrads;

/**
 * Runs one operation natively and through {@link Reference} on random data and
 * compares forward results (golden tolerance) and every gradient against
 * central differences of the double-precision reference. A mismatch throws
 * {@link AssertionError} naming the output and the worst element. The tests
 * use these checks; {@link ConformanceSuite} runs a seeded set of them on the
 * user's machine ({@code jpac verify} without a folder).
 */
public final class Conformance {

    /** Relative tolerance of forward results (see {@link #assertClose(String, double[], double[], double)}). */
    public static final double FWD_RTOL = 1e-4;
    /** Relative tolerance of gradients against central differences. */
    public static final double GRAD_RTOL = 1e-3;
    /** The step of the central differences. */
    public static final double STEP = 1e-4;

    private Conformance() {
    }

    /** Data of a kernel2d call, kept as doubles for the reference. */
    public static final class KernelInputs {
        double[] guide, alpha, lambda, smooth, mask;
        int m;
        int b, c, h, w;
        PacOptions o;

        double[] kernel(double[] g, double[] a, double[] l, double[] s) {
            return Reference.kernel2d(g, b, c, h, w, o, a, l, s, m, mask)[0];
        }
    }

    /**
     * Random kernel2d inputs (float-exact doubles): guide, alpha and lambda for inv kernels (near the kernel type's), a
     * smoothing kernel unless none, and a 75 % ones mask with {@code withMask}.
     *
     * @param r the random source
     * @param b the batch size
     * @param c the guide channels
     * @param h the guide height
     * @param w the guide width
     * @param o the options
     * @param sk the smoothing
     * @param withMask whether to make a mask
     * @return the inputs
     */
    public static KernelInputs kernelInputs(Random r, int b, int c, int h, int w, PacOptions o, SmoothKernel sk,
                                     boolean withMask) {
        KernelInputs in = new KernelInputs();
        in.b = b;
        in.c = c;
        in.h = h;
        in.w = w;
        in.o = o;
        in.guide = toFloatPrecision(randn(r, b * c * h * w, 0.7));
        if (o.kernelType().isInv()) {
            int n = o.channelWise() ? c : 1;
            in.alpha = new double[n];
            in.lambda = new double[n];
            for (int i = 0; i < n; i++) {
                in.alpha[i] = (float) (o.kernelType().alpha() + 0.1 * r.nextDouble());
                in.lambda[i] = (float) (o.kernelType().lambda() + 0.1 * r.nextDouble());
            }
        }
        if (sk.kind() != SmoothKernel.Kind.NONE) {
            in.m = sk.size();
            float[] init = sk.initialWeights();
            in.smooth = new double[init.length];
            for (int i = 0; i < init.length; i++) {
                in.smooth[i] = sk.learnable() ? (float) (0.2 + r.nextDouble() / init.length) : init[i];
            }
        }
        if (withMask) {
            long mh = o.transposed() ? o.transposedInHeight(h) : h;
            long mw = o.transposed() ? o.transposedInWidth(w) : w;
            in.mask = new double[(int) (b * mh * mw)];
            for (int i = 0; i < in.mask.length; i++) {
                in.mask[i] = r.nextDouble() < 0.75 ? 1 : 0;
            }
        }
        return in;
    }

    /** kernel2d forward (K and output mask) and backward (guide, alpha, lambda, smoothing). */
    public static void checkKernel2d(Random r, int b, int c, int h, int w, PacOptions o, SmoothKernel sk, boolean withMask) {
        KernelInputs in = kernelInputs(r, b, c, h, w, o, sk, withMask);
        double[][] want = Reference.kernel2d(in.guide, b, c, h, w, o, in.alpha, in.lambda, in.smooth, in.m, in.mask);
        long mh = o.transposed() ? o.transposedInHeight(h) : h;
        long mw = o.transposed() ? o.transposedInWidth(w) : w;
        try (Tensor guide = Tensor.ofDoubles(in.guide, b, c, h, w);
             Tensor alpha = in.alpha == null ? null : Tensor.ofDoubles(in.alpha, in.alpha.length);
             Tensor lambda = in.lambda == null ? null : Tensor.ofDoubles(in.lambda, in.lambda.length);
             Tensor smooth = in.smooth == null ? null : Tensor.ofDoubles(in.smooth, 1, 1, in.m, in.m);
             Tensor mask = in.mask == null ? null : Tensor.ofDoubles(in.mask, b, 1, mh, mw);
             Kernel2dResult k = Pac.kernel2d(guide, alpha, lambda, smooth, mask, o)) {
            assertClose("kernel", want[0], k.kernel(), FWD_RTOL);
            if (withMask) {
                check(k.outputMask() != null, "outputMask: missing");
                assertClose("outputMask", want[1], k.outputMask(), FWD_RTOL);
            } else {
                check(k.outputMask() == null, "outputMask: given without a mask");
            }
            double[] gk = toFloatPrecision(randn(r, want[0].length, 1));
            try (Tensor gradK = Tensor.ofDoubles(gk, k.kernel().shape());
                 Kernel2dGrads g = Pac.kernel2dBackward(guide, alpha, lambda, smooth, mask, gradK, o)) {
                assertClose("gradGuide", Reference.numericGrad(x -> in.kernel(x, in.alpha, in.lambda, in.smooth),
                        in.guide, gk, STEP), g.gradGuide(), GRAD_RTOL);
                if (o.kernelType().learnable()) {
                    assertClose("gradInvAlpha", Reference.numericGrad(x -> in.kernel(in.guide, x, in.lambda, in.smooth),
                            in.alpha, gk, STEP), g.gradInvAlpha(), GRAD_RTOL);
                    assertClose("gradInvLambda", Reference.numericGrad(x -> in.kernel(in.guide, in.alpha, x, in.smooth),
                            in.lambda, gk, STEP), g.gradInvLambda(), GRAD_RTOL);
                }
                if (in.smooth != null) {
                    assertClose("gradSmoothKernel", Reference.numericGrad(
                            x -> in.kernel(in.guide, in.alpha, in.lambda, x), in.smooth, gk, STEP),
                            g.gradSmoothKernel(), GRAD_RTOL);
                }
            }
        }
    }

    /** conv2d / convTranspose2d / pool2d with a given K: forward and all gradients. */
    public static void checkConv(Random r, int b, int ci, int co, int h, int w, PacOptions o, boolean transposed,
                          boolean withBias) {
        if (o.sharedFilters()) {
            co = ci;
        }
        final int cout = co;
        long ho = transposed ? o.transposedOutHeight(h) : o.outHeight(h);
        long wo = transposed ? o.transposedOutWidth(w) : o.outWidth(w);
        int taps = o.kernelH() * o.kernelW();
        double[] v = toFloatPrecision(randn(r, b * ci * h * w, 1));
        double[] k = new double[(int) (b * taps * ho * wo)];
        for (int i = 0; i < k.length; i++) {
            k[i] = (float) r.nextDouble();
        }
        long[] ws = o.sharedFilters() ? new long[] {1, 1, o.kernelH(), o.kernelW()}
                : transposed ? new long[] {ci, co, o.kernelH(), o.kernelW()}
                : new long[] {co, ci, o.kernelH(), o.kernelW()};
        double[] wt = toFloatPrecision(randn(r, (int) (ws[0] * ws[1] * ws[2] * ws[3]), 0.5));
        double[] bias = withBias ? toFloatPrecision(randn(r, co, 1)) : null;
        double[] want = Reference.conv(v, b, ci, h, w, k, wt, co, bias, o, transposed);
        double[] go = toFloatPrecision(randn(r, want.length, 1));
        try (Tensor tv = Tensor.ofDoubles(v, b, ci, h, w);
             Tensor tk = Tensor.ofDoubles(k, b, 1, o.kernelH(), o.kernelW(), ho, wo);
             Tensor tw = Tensor.ofDoubles(wt, ws);
             Tensor tb = bias == null ? null : Tensor.ofDoubles(bias, co);
             Tensor out = transposed ? Pac.convTranspose2d(tv, tk, tw, tb, o) : Pac.conv2d(tv, tk, tw, tb, o);
             Tensor tgo = Tensor.ofDoubles(go, b, co, ho, wo);
             ConvGrads g = transposed ? Pac.convTranspose2dBackward(tv, tk, tw, tgo, o)
                     : Pac.conv2dBackward(tv, tk, tw, tgo, o)) {
            assertClose("output", want, out, FWD_RTOL);
            assertClose("gradInput", Reference.numericGrad(x -> Reference.conv(x, b, ci, h, w, k, wt, cout, bias, o,
                    transposed), v, go, STEP), g.gradInput(), GRAD_RTOL);
            assertClose("gradKernel", Reference.numericGrad(x -> Reference.conv(v, b, ci, h, w, x, wt, cout, bias, o,
                    transposed), k, go, STEP), g.gradKernel(), GRAD_RTOL);
            assertClose("gradWeight", Reference.numericGrad(x -> Reference.conv(v, b, ci, h, w, k, x, cout, bias, o,
                    transposed), wt, go, STEP), g.gradWeight(), GRAD_RTOL);
            double[] gb = new double[co];
            for (int n = 0; n < b; n++) {
                for (int c = 0; c < co; c++) {
                    for (int i = 0; i < ho * wo; i++) {
                        gb[c] += go[(int) ((n * co + c) * ho * wo + i)];
                    }
                }
            }
            assertClose("gradBias", gb, g.gradBias(), GRAD_RTOL);
        }
    }

    /**
     * pool2d with a given K: forward and the input and kernel gradients.
     *
     * @param r the random source
     * @param b the batch size
     * @param c the channels
     * @param h the input height
     * @param w the input width
     * @param o the options
     * @param perChannelKernel whether K has one kernel per channel
     * @throws AssertionError on a mismatch
     */
    public static void checkPool(Random r, int b, int c, int h, int w, PacOptions o, boolean perChannelKernel) {
        long ho = o.outHeight(h);
        long wo = o.outWidth(w);
        int kc = perChannelKernel ? c : 1;
        int taps = o.kernelH() * o.kernelW();
        double[] v = toFloatPrecision(randn(r, b * c * h * w, 1));
        double[] k = new double[(int) (b * kc * taps * ho * wo)];
        for (int i = 0; i < k.length; i++) {
            k[i] = (float) r.nextDouble();
        }
        double[] want = Reference.pool(v, b, c, h, w, k, kc, o);
        double[] go = toFloatPrecision(randn(r, want.length, 1));
        try (Tensor tv = Tensor.ofDoubles(v, b, c, h, w);
             Tensor tk = Tensor.ofDoubles(k, b, kc, o.kernelH(), o.kernelW(), ho, wo);
             Tensor out = Pac.pool2d(tv, tk, o);
             Tensor tgo = Tensor.ofDoubles(go, b, c, ho, wo);
             PoolGrads g = Pac.pool2dBackward(tv, tk, tgo, o)) {
            assertClose("output", want, out, FWD_RTOL);
            assertClose("gradInput", Reference.numericGrad(x -> Reference.pool(x, b, c, h, w, k, kc, o), v, go, STEP),
                    g.gradInput(), GRAD_RTOL);
            assertClose("gradKernel", Reference.numericGrad(x -> Reference.pool(v, b, c, h, w, x, kc, o), k, go, STEP),
                    g.gradKernel(), GRAD_RTOL);
        }
    }

    /** Guided conv / convTranspose: forward and gradients for input, guide, weight, bias, alpha, lambda, smoothing. */
    public static void checkGuidedConv(Random r, int b, int ci, int co, int cg, int h, int w, PacOptions o,
                                boolean transposed, SmoothKernel sk, boolean withBias) {
        PacOptions ko = o.withTransposed(transposed);
        if (o.sharedFilters()) {
            co = ci;
        }
        final int cout = co;
        long ho = transposed ? ko.transposedOutHeight(h) : ko.outHeight(h);
        long wo = transposed ? ko.transposedOutWidth(w) : ko.outWidth(w);
        int gh = (int) (transposed ? ho : h);
        int gw = (int) (transposed ? wo : w);
        KernelInputs in = kernelInputs(r, b, cg, gh, gw, ko, sk, false);
        double[] v = toFloatPrecision(randn(r, b * ci * h * w, 1));
        long[] ws = o.sharedFilters() ? new long[] {1, 1, o.kernelH(), o.kernelW()}
                : transposed ? new long[] {ci, co, o.kernelH(), o.kernelW()}
                : new long[] {co, ci, o.kernelH(), o.kernelW()};
        double[] wt = toFloatPrecision(randn(r, (int) (ws[0] * ws[1] * ws[2] * ws[3]), 0.5));
        double[] bias = withBias ? toFloatPrecision(randn(r, co, 1)) : null;
        Reference.Fn byGuide = x -> Reference.conv(v, b, ci, h, w, in.kernel(x, in.alpha, in.lambda, in.smooth), wt,
                cout, bias, ko, transposed);
        double[] want = byGuide.apply(in.guide);
        double[] go = toFloatPrecision(randn(r, want.length, 1));
        double[] kk = in.kernel(in.guide, in.alpha, in.lambda, in.smooth);
        try (Tensor tv = Tensor.ofDoubles(v, b, ci, h, w);
             Tensor tg = Tensor.ofDoubles(in.guide, b, cg, gh, gw);
             Tensor ta = in.alpha == null ? null : Tensor.ofDoubles(in.alpha, in.alpha.length);
             Tensor tl = in.lambda == null ? null : Tensor.ofDoubles(in.lambda, in.lambda.length);
             Tensor ts = in.smooth == null ? null : Tensor.ofDoubles(in.smooth, in.m, in.m);
             Tensor tw = Tensor.ofDoubles(wt, ws);
             Tensor tb = bias == null ? null : Tensor.ofDoubles(bias, co);
             Tensor out = transposed ? Pac.convTranspose2dGuided(tv, tg, ta, tl, ts, tw, tb, o)
                     : Pac.conv2dGuided(tv, tg, ta, tl, ts, tw, tb, o);
             Tensor tgo = Tensor.ofDoubles(go, b, co, ho, wo);
             GuidedConvGrads g = transposed ? Pac.convTranspose2dGuidedBackward(tv, tg, ta, tl, ts, tw, tgo, o)
                     : Pac.conv2dGuidedBackward(tv, tg, ta, tl, ts, tw, tgo, o)) {
            assertClose("output", want, out, FWD_RTOL);
            assertClose("gradInput", Reference.numericGrad(x -> Reference.conv(x, b, ci, h, w, kk, wt, cout, bias, ko,
                    transposed), v, go, STEP), g.gradInput(), GRAD_RTOL);
            assertClose("gradGuide", Reference.numericGrad(byGuide, in.guide, go, STEP), g.gradGuide(), GRAD_RTOL);
            assertClose("gradWeight", Reference.numericGrad(x -> Reference.conv(v, b, ci, h, w, kk, x, cout, bias, ko,
                    transposed), wt, go, STEP), g.gradWeight(), GRAD_RTOL);
            if (o.kernelType().learnable()) {
                assertClose("gradInvAlpha", Reference.numericGrad(x -> Reference.conv(v, b, ci, h, w,
                        in.kernel(in.guide, x, in.lambda, in.smooth), wt, cout, bias, ko, transposed), in.alpha, go,
                        STEP), g.gradInvAlpha(), GRAD_RTOL);
                assertClose("gradInvLambda", Reference.numericGrad(x -> Reference.conv(v, b, ci, h, w,
                        in.kernel(in.guide, in.alpha, x, in.smooth), wt, cout, bias, ko, transposed), in.lambda, go,
                        STEP), g.gradInvLambda(), GRAD_RTOL);
            }
            if (in.smooth != null) {
                assertClose("gradSmoothKernel", Reference.numericGrad(x -> Reference.conv(v, b, ci, h, w,
                        in.kernel(in.guide, in.alpha, in.lambda, x), wt, cout, bias, ko, transposed), in.smooth, go,
                        STEP), g.gradSmoothKernel(), GRAD_RTOL);
            }
        }
    }

    /** Guided pool: forward and gradients for input, guide and kernel parameters. */
    public static void checkGuidedPool(Random r, int b, int c, int cg, int h, int w, PacOptions o, SmoothKernel sk) {
        if (o.channelWise()) {
            cg = c;
        }
        KernelInputs in = kernelInputs(r, b, cg, h, w, o, sk, false);
        int kc = o.channelWise() ? c : 1;
        double[] v = toFloatPrecision(randn(r, b * c * h * w, 1));
        Reference.Fn byGuide = x -> Reference.pool(v, b, c, h, w, in.kernel(x, in.alpha, in.lambda, in.smooth), kc, o);
        double[] want = byGuide.apply(in.guide);
        double[] go = toFloatPrecision(randn(r, want.length, 1));
        double[] kk = in.kernel(in.guide, in.alpha, in.lambda, in.smooth);
        long ho = o.outHeight(h);
        long wo = o.outWidth(w);
        try (Tensor tv = Tensor.ofDoubles(v, b, c, h, w);
             Tensor tg = Tensor.ofDoubles(in.guide, b, cg, h, w);
             Tensor ta = in.alpha == null ? null : Tensor.ofDoubles(in.alpha, in.alpha.length);
             Tensor tl = in.lambda == null ? null : Tensor.ofDoubles(in.lambda, in.lambda.length);
             Tensor ts = in.smooth == null ? null : Tensor.ofDoubles(in.smooth, 1, 1, in.m, in.m);
             Tensor out = Pac.pool2dGuided(tv, tg, ta, tl, ts, o);
             Tensor tgo = Tensor.ofDoubles(go, b, c, ho, wo);
             GuidedPoolGrads g = Pac.pool2dGuidedBackward(tv, tg, ta, tl, ts, tgo, o)) {
            assertClose("output", want, out, FWD_RTOL);
            assertClose("gradInput", Reference.numericGrad(x -> Reference.pool(x, b, c, h, w, kk, kc, o), v, go, STEP),
                    g.gradInput(), GRAD_RTOL);
            assertClose("gradGuide", Reference.numericGrad(byGuide, in.guide, go, STEP), g.gradGuide(), GRAD_RTOL);
            if (o.kernelType().learnable()) {
                assertClose("gradInvAlpha", Reference.numericGrad(x -> Reference.pool(v, b, c, h, w,
                        in.kernel(in.guide, x, in.lambda, in.smooth), kc, o), in.alpha, go, STEP), g.gradInvAlpha(),
                        GRAD_RTOL);
            }
            if (in.smooth != null) {
                assertClose("gradSmoothKernel", Reference.numericGrad(x -> Reference.pool(v, b, c, h, w,
                        in.kernel(in.guide, in.alpha, in.lambda, x), kc, o), in.smooth, go, STEP),
                        g.gradSmoothKernel(), GRAD_RTOL);
            }
        }
    }

    // ---- comparisons and data (no test framework: jpac verify runs these) -------------------------------

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new AssertionError(message);
        }
    }

    /** |got - want| within rtol * max(1, max |want|) everywhere, else AssertionError naming the worst element. */
    public static void assertClose(String what, double[] want, Tensor got, double rtol) {
        assertClose(what, want, doubles(got), rtol);
    }

    /**
     * As {@link #assertClose(String, double[], Tensor, double)} for an array.
     *
     * @param what names the output in the message
     * @param want the expected values
     * @param got the values to check
     * @param rtol the relative tolerance
     * @throws AssertionError if an element is out of tolerance or the lengths differ
     */
    public static void assertClose(String what, double[] want, double[] got, double rtol) {
        check(want.length == got.length, what + ": length " + got.length + ", expected " + want.length);
        Deviation d = Deviation.of(want, got, rtol);
        check(d.within(), what + ": max error " + d.error() + " at " + d.at() + " (got "
                + (want.length == 0 ? 0 : got[d.at()]) + ", want " + (want.length == 0 ? 0 : want[d.at()])
                + "), tolerance " + d.tolerance());
    }

    /** The tensor's values as doubles. */
    public static double[] doubles(Tensor t) {
        float[] f = t.toArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    /** n normal samples times scale. */
    public static double[] randn(Random r, int n, double scale) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = r.nextGaussian() * scale;
        }
        return a;
    }

    /** The values rounded to float (what a float32 tensor holds), so the reference sees the same inputs. */
    public static double[] toFloatPrecision(double[] a) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = (float) a[i];
        }
        return r;
    }
}
