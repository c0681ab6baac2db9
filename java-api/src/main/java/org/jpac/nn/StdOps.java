package org.jpac.nn;

import java.util.Arrays;
import java.util.Set;

import org.jpac.Grad;
import org.jpac.Pac;
import org.jpac.PacOptions;
import org.jpac.Tensor;
import org.jpac.grad.StdConvGrads;
import org.jpac.internal.NativeCalls;

/**
 * The standard (non-adaptive) operations the networks are built from, as static
 * functions over NCHW float32 tensors: convolution, ReLU, bilinear resizing,
 * average pooling, softmax, batch norm, linear combinations, channel
 * concatenation / slicing / repetition and crops, each with the backward the
 * training code needs.
 *
 * <p>Every function checks its arguments in Java first (an exception whose
 * message starts with the argument's name: {@link NullPointerException} for a
 * missing tensor, {@link IllegalStateException} for a closed one,
 * {@link IllegalArgumentException} for a wrong shape or value), allocates its
 * output on its input's device (the caller owns and closes it) and then runs
 * the native operation: on the CPU, or on CUDA tensors with libjpac_cuda.
 * Functions are stateless and thread-safe; inputs are never modified unless
 * the name says so ({@code ...Into}).
 */
public final class StdOps {

    private StdOps() {
    }

    // ---- convolution -----------------------------------------------------------

    /**
     * Standard convolution (cross-correlation, as PyTorch's {@code conv2d}) with a
     * square stride / padding / dilation. x [B,Ci,H,W], w [Co,Ci,kh,kw] (odd kh, kw),
     * bias [Co] or null.
     */
    public static Tensor conv2d(Tensor x, Tensor w, Tensor bias, int stride, int padding, int dilation) {
        return Pac.stdConv2d(x, w, bias, convOptions(w, stride, padding, dilation));
    }

    /** {@link #conv2d(Tensor, Tensor, Tensor, int, int, int)} with stride 1, dilation 1. */
    public static Tensor conv2d(Tensor x, Tensor w, Tensor bias, int padding) {
        return conv2d(x, w, bias, 1, padding, 1);
    }

    /** Gradients of {@link #conv2d} for x, w and the bias (all three). */
    public static StdConvGrads conv2dBackward(Tensor x, Tensor w, Tensor gradOutput, int stride, int padding,
                                              int dilation) {
        return Pac.stdConv2dBackward(x, w, gradOutput, convOptions(w, stride, padding, dilation));
    }

    /** Gradients of {@link #conv2d} for the parts named in {@code needs} (INPUT, WEIGHT, BIAS); others null. */
    public static StdConvGrads conv2dBackward(Tensor x, Tensor w, Tensor gradOutput, int stride, int padding,
                                              int dilation, Set<Grad> needs) {
        return Pac.stdConv2dBackward(x, w, gradOutput, convOptions(w, stride, padding, dilation), needs);
    }

    private static PacOptions convOptions(Tensor w, int stride, int padding, int dilation) {
        need(w, "w");
        rank(w, "w", 4, "[Co, Ci, kh, kw]");
        if (w.dim(2) % 2 == 0 || w.dim(3) % 2 == 0) {
            throw new IllegalArgumentException("w: kernel size must be odd, got " + shape(w));
        }
        positive(stride, "stride");
        positive(dilation, "dilation");
        if (padding < 0) {
            throw new IllegalArgumentException("padding: must be >= 0, got " + padding);
        }
        return PacOptions.builder((int) w.dim(2), (int) w.dim(3)).stride(stride).padding(padding).dilation(dilation)
                .build();
    }

    // ---- relu ------------------------------------------------------------------------

    /** max(x, 0), any shape. */
    public static Tensor relu(Tensor x) {
        need(x, "x");
        Tensor y = alloc(x, x.shape());
        return run(y, () -> NativeCalls.reluForward(x, y));
    }

    /** Gradient of {@link #relu}: gy where x > 0, else 0. */
    public static Tensor reluBackward(Tensor x, Tensor gradOutput) {
        need(x, "x");
        need(gradOutput, "gradOutput");
        sameShape(gradOutput, "gradOutput", x, "x");
        Tensor gx = alloc(x, x.shape());
        return run(gx, () -> NativeCalls.reluBackward(x, gradOutput, gx));
    }

    // ---- bilinear resize ----------------------------------------------------------

    /**
     * Bilinear resize to {@code outH x outW}, as PyTorch's
     * {@code interpolate(x, size=(outH, outW), mode="bilinear", align_corners=False)}.
     */
    public static Tensor resizeBilinear(Tensor x, long outH, long outW) {
        nchw(x, "x");
        if (outH < 1 || outW < 1) {
            throw new IllegalArgumentException("outH/outW: must be >= 1, got " + outH + "x" + outW);
        }
        Tensor y = alloc(x, x.dim(0), x.dim(1), outH, outW);
        return run(y, () -> NativeCalls.resizeBilinearForward(x, 0, 0, y));
    }

    /**
     * Bilinear resize by a factor, as PyTorch's
     * {@code interpolate(x, scale_factor=f, mode="bilinear", align_corners=False)}:
     * output size floor(in * f), source step 1/f per output pixel.
     */
    public static Tensor resizeBilinearScale(Tensor x, double scaleFactor) {
        nchw(x, "x");
        if (!(scaleFactor > 0) || Double.isInfinite(scaleFactor)) {
            throw new IllegalArgumentException("scaleFactor: must be positive and finite, got " + scaleFactor);
        }
        long oh = (long) Math.floor(x.dim(2) * scaleFactor);
        long ow = (long) Math.floor(x.dim(3) * scaleFactor);
        if (oh < 1 || ow < 1) {
            throw new IllegalArgumentException("scaleFactor: " + scaleFactor + " makes " + x.dim(2) + "x" + x.dim(3)
                    + " an empty " + oh + "x" + ow + " output");
        }
        Tensor y = alloc(x, x.dim(0), x.dim(1), oh, ow);
        double step = 1.0 / scaleFactor;
        return run(y, () -> NativeCalls.resizeBilinearForward(x, step, step, y));
    }

    /**
     * Gradient of a bilinear resize for its input of size {@code inH x inW}.
     * {@code scaleH / scaleW}: the source step the forward used (input pixels per
     * output pixel, i.e. 1/scale_factor for {@link #resizeBilinearScale}), or 0 for
     * the size ratio as in {@link #resizeBilinear}.
     */
    public static Tensor resizeBilinearBackward(Tensor gradOutput, long inH, long inW, double scaleH, double scaleW) {
        nchw(gradOutput, "gradOutput");
        if (inH < 1 || inW < 1) {
            throw new IllegalArgumentException("inH/inW: must be >= 1, got " + inH + "x" + inW);
        }
        step(scaleH, "scaleH");
        step(scaleW, "scaleW");
        Tensor gx = alloc(gradOutput, gradOutput.dim(0), gradOutput.dim(1), inH, inW);
        return run(gx, () -> NativeCalls.resizeBilinearBackward(gradOutput, scaleH, scaleW, gx));
    }

    private static void step(double s, String name) {
        if (!(s >= 0) || Double.isInfinite(s)) {
            throw new IllegalArgumentException(name + ": must be 0 (from the sizes) or a positive finite step, got "
                    + s);
        }
    }

    // ---- average pooling --------------------------------------------------------------

    /**
     * Average pooling that does not count the padding (PyTorch's {@code avg_pool2d}
     * with {@code count_include_pad=False}, {@code ceil_mode=False}). Any kernel >= 1,
     * padding {@literal <=} kernel / 2.
     */
    public static Tensor avgPool2d(Tensor x, int kernel, int stride, int padding) {
        nchw(x, "x");
        long[] o = poolOut(x.dim(2), x.dim(3), kernel, stride, padding, "x");
        Tensor y = alloc(x, x.dim(0), x.dim(1), o[0], o[1]);
        return run(y, () -> NativeCalls.avgPool2dForward(kernel, kernel, stride, stride, padding, padding, x, y));
    }

    /** Gradient of {@link #avgPool2d} for an input of size {@code inH x inW}. */
    public static Tensor avgPool2dBackward(Tensor gradOutput, long inH, long inW, int kernel, int stride,
                                           int padding) {
        nchw(gradOutput, "gradOutput");
        long[] o = poolOut(inH, inW, kernel, stride, padding, "inH/inW");
        if (gradOutput.dim(2) != o[0] || gradOutput.dim(3) != o[1]) {
            throw new IllegalArgumentException("gradOutput: expected spatial size " + o[0] + "x" + o[1]
                    + " for an input of " + inH + "x" + inW + ", got " + shape(gradOutput));
        }
        Tensor gx = alloc(gradOutput, gradOutput.dim(0), gradOutput.dim(1), inH, inW);
        return run(gx, () -> NativeCalls.avgPool2dBackward(kernel, kernel, stride, stride, padding, padding,
                gradOutput, gx));
    }

    private static long[] poolOut(long h, long w, int kernel, int stride, int padding, String what) {
        positive(kernel, "kernel");
        positive(stride, "stride");
        if (padding < 0 || 2 * padding > kernel) {
            throw new IllegalArgumentException("padding: must be between 0 and kernel / 2 = " + kernel / 2 + ", got "
                    + padding);
        }
        long sh = h + 2L * padding - kernel;
        long sw = w + 2L * padding - kernel;
        if (sh < 0 || sw < 0) {
            throw new IllegalArgumentException(what + ": " + h + "x" + w + " is smaller than the " + kernel + "x"
                    + kernel + " window with padding " + padding);
        }
        return new long[] {sh / stride + 1, sw / stride + 1};
    }

    // ---- softmax ---------------------------------------------------------------------

    /** Softmax over the channel dimension of x [B,C,H,W]. */
    public static Tensor softmax(Tensor x) {
        return softmax(x, false);
    }

    /** Log-softmax over the channel dimension of x [B,C,H,W]. */
    public static Tensor logSoftmax(Tensor x) {
        return softmax(x, true);
    }

    private static Tensor softmax(Tensor x, boolean log) {
        nchw(x, "x");
        Tensor y = alloc(x, x.shape());
        return run(y, () -> NativeCalls.softmaxForward(x, log, y));
    }

    /**
     * Gradient of {@link #softmax} ({@code log} false) or {@link #logSoftmax}
     * ({@code log} true) for its input, from the forward's output {@code y}.
     */
    public static Tensor softmaxBackward(Tensor y, Tensor gradOutput, boolean log) {
        nchw(y, "y");
        need(gradOutput, "gradOutput");
        sameShape(gradOutput, "gradOutput", y, "y");
        Tensor gx = alloc(y, y.shape());
        return run(gx, () -> NativeCalls.softmaxBackward(y, gradOutput, log, gx));
    }

    // ---- batch norm --------------------------------------------------------------------

    /**
     * Batch norm in inference mode: (x - mean) / sqrt(var + eps) * weight + bias per
     * channel; mean, var [C]; weight, bias [C] or null (1 and 0).
     */
    public static Tensor batchNorm(Tensor x, Tensor mean, Tensor var, Tensor weight, Tensor bias, double eps) {
        nchw(x, "x");
        long c = x.dim(1);
        vec(need(mean, "mean"), "mean", c);
        vec(need(var, "var"), "var", c);
        if (weight != null) {
            vec(open(weight, "weight"), "weight", c);
        }
        if (bias != null) {
            vec(open(bias, "bias"), "bias", c);
        }
        if (!(eps > 0) || Double.isInfinite(eps)) {
            throw new IllegalArgumentException("eps: must be positive and finite, got " + eps);
        }
        Tensor y = alloc(x, x.shape());
        return run(y, () -> NativeCalls.batchNormInference(x, mean, var, weight, bias, (float) eps, y));
    }

    // ---- linear combinations --------------------------------------------------------------

    /** a + b (equal shapes). */
    public static Tensor add(Tensor a, Tensor b) {
        return axpby(1f, a, "a", 1f, b, "b");
    }

    /** a - b (equal shapes). */
    public static Tensor sub(Tensor a, Tensor b) {
        return axpby(1f, a, "a", -1f, b, "b");
    }

    /** s * x. */
    public static Tensor scale(Tensor x, double s) {
        return axpby((float) s, x, "x", 0f, null, "y");
    }

    /** alpha * x + beta * y (equal shapes; y may be null, meaning alpha * x). */
    public static Tensor axpby(double alpha, Tensor x, double beta, Tensor y) {
        return axpby((float) alpha, x, "x", (float) beta, y, "y");
    }

    private static Tensor axpby(float alpha, Tensor x, String xName, float beta, Tensor y, String yName) {
        need(x, xName);
        if (y != null) {
            open(y, yName);
            sameShape(y, yName, x, xName);
        }
        Tensor out = alloc(x, x.shape());
        return run(out, () -> NativeCalls.axpby(alpha, x, beta, y, out));
    }

    /**
     * output = alpha * x + beta * y, written into {@code output} (which may be x or
     * y itself, e.g. {@code axpbyInto(1, acc, 1, g, acc)} accumulates g into acc).
     * Returns output.
     */
    public static Tensor axpbyInto(double alpha, Tensor x, double beta, Tensor y, Tensor output) {
        need(x, "x");
        need(output, "output");
        sameShape(output, "output", x, "x");
        if (y != null) {
            open(y, "y");
            sameShape(y, "y", x, "x");
        }
        NativeCalls.axpby((float) alpha, x, (float) beta, y, output);
        return output;
    }

    /** acc += x, in place; returns acc. */
    public static Tensor addInPlace(Tensor acc, Tensor x) {
        return axpbyInto(1, acc, 1, x, acc);
    }

    // ---- channels ---------------------------------------------------------------------------

    /** Concatenation along channels (PyTorch's {@code cat(dim=1)}); equal B, H, W. */
    public static Tensor concatChannels(Tensor... xs) {
        if (xs == null) {
            throw new NullPointerException("xs: must not be null");
        }
        if (xs.length == 0) {
            throw new IllegalArgumentException("xs: needs at least one tensor");
        }
        long c = 0;
        for (int i = 0; i < xs.length; i++) {
            String n = "xs[" + i + "]";
            nchw(xs[i], n);
            if (xs[i].dim(0) != xs[0].dim(0) || xs[i].dim(2) != xs[0].dim(2) || xs[i].dim(3) != xs[0].dim(3)) {
                throw new IllegalArgumentException(n + ": expected [" + xs[0].dim(0) + ", C, " + xs[0].dim(2) + ", "
                        + xs[0].dim(3) + "] like xs[0], got " + shape(xs[i]));
            }
            c += xs[i].dim(1);
        }
        Tensor out = alloc(xs[0], xs[0].dim(0), c, xs[0].dim(2), xs[0].dim(3));
        return run(out, () -> {
            long to = 0;
            for (Tensor x : xs) {
                NativeCalls.copyChannels(x, 0, x.dim(1), out, to);
                to += x.dim(1);
            }
        });
    }

    /** Channels [from, from + count) of x (a copy). */
    public static Tensor sliceChannels(Tensor x, long from, long count) {
        nchw(x, "x");
        if (from < 0 || count < 1 || count > x.dim(1) - from) {
            throw new IllegalArgumentException("from/count: channels [" + from + ", " + (from + count)
                    + ") are not a non-empty range inside the " + x.dim(1) + " channels of x");
        }
        Tensor out = alloc(x, x.dim(0), count, x.dim(2), x.dim(3));
        return run(out, () -> NativeCalls.copyChannels(x, from, count, out, 0));
    }

    /** x's channels repeated {@code times} times: [B, C*times, H, W] (PyTorch's {@code repeat(1, times, 1, 1)}). */
    public static Tensor repeatChannels(Tensor x, int times) {
        nchw(x, "x");
        positive(times, "times");
        long c = x.dim(1);
        Tensor out = alloc(x, x.dim(0), c * times, x.dim(2), x.dim(3));
        return run(out, () -> {
            for (int i = 0; i < times; i++) {
                NativeCalls.copyChannels(x, 0, c, out, i * c);
            }
        });
    }

    /**
     * Copies channels [from, from + count) of input into channels [to, to + count)
     * of output (equal B, H, W), in place; returns output.
     */
    public static Tensor copyChannels(Tensor input, long from, long count, Tensor output, long to) {
        nchw(input, "input");
        nchw(output, "output");
        if (input.dim(0) != output.dim(0) || input.dim(2) != output.dim(2) || input.dim(3) != output.dim(3)) {
            throw new IllegalArgumentException("output: expected [" + input.dim(0) + ", C, " + input.dim(2) + ", "
                    + input.dim(3) + "] like input, got " + shape(output));
        }
        if (from < 0 || count < 0 || count > input.dim(1) - from) {
            throw new IllegalArgumentException("from/count: channels [" + from + ", " + (from + count)
                    + ") are not inside the " + input.dim(1) + " channels of input");
        }
        if (to < 0 || count > output.dim(1) - to) {
            throw new IllegalArgumentException("to: channels [" + to + ", " + (to + count)
                    + ") are not inside the " + output.dim(1) + " channels of output");
        }
        if (count > 0) {
            NativeCalls.copyChannels(input, from, count, output, to);
        }
        return output;
    }

    // ---- spatial crop ------------------------------------------------------------------------

    /** x[:, :, top:top+h, left:left+w] (a copy). */
    public static Tensor crop(Tensor x, long top, long left, long h, long w) {
        nchw(x, "x");
        if (top < 0 || left < 0 || h < 1 || w < 1 || h > x.dim(2) - top || w > x.dim(3) - left) {
            throw new IllegalArgumentException("top/left/h/w: window " + h + "x" + w + " at (" + top + ", " + left
                    + ") does not fit in x of " + shape(x));
        }
        Tensor out = alloc(x, x.dim(0), x.dim(1), h, w);
        return run(out, () -> NativeCalls.crop2dForward(x, top, left, out));
    }

    /** The gradient of {@link #crop}: gy placed at (top, left) in a zero tensor of H x W. */
    public static Tensor cropBackward(Tensor gradOutput, long inH, long inW, long top, long left) {
        nchw(gradOutput, "gradOutput");
        long h = gradOutput.dim(2);
        long w = gradOutput.dim(3);
        if (inH < 1 || inW < 1 || top < 0 || left < 0 || h > inH - top || w > inW - left) {
            throw new IllegalArgumentException("top/left: gradOutput of " + shape(gradOutput) + " at (" + top + ", "
                    + left + ") does not fit in " + inH + "x" + inW);
        }
        Tensor gx = alloc(gradOutput, gradOutput.dim(0), gradOutput.dim(1), inH, inW);
        return run(gx, () -> NativeCalls.crop2dBackward(gradOutput, top, left, gx));
    }

    // ---- checks --------------------------------------------------------------------------------

    static Tensor need(Tensor t, String name) {
        if (t == null) {
            throw new NullPointerException(name + ": must not be null");
        }
        return open(t, name);
    }

    static Tensor open(Tensor t, String name) {
        return t.requireOpen(name);
    }

    /** Closes each tensor that is not null. */
    static void closeAll(Tensor... ts) {
        for (Tensor t : ts) {
            if (t != null) {
                t.close();
            }
        }
    }

    static void nchw(Tensor t, String name) {
        need(t, name);
        rank(t, name, 4, "[B, C, H, W]");
    }

    static void rank(Tensor t, String name, int rank, String dims) {
        if (t.rank() != rank) {
            throw new IllegalArgumentException(name + ": expected rank " + rank + " " + dims + ", got shape "
                    + shape(t));
        }
    }

    private static void vec(Tensor t, String name, long n) {
        if (!t.hasShape(n)) {
            throw new IllegalArgumentException(name + ": expected shape [" + n + "], got " + shape(t));
        }
    }

    private static void sameShape(Tensor t, String name, Tensor ref, String refName) {
        if (!Arrays.equals(t.shape(), ref.shape())) {
            throw new IllegalArgumentException(name + ": expected the shape of " + refName + " " + shape(ref)
                    + ", got " + shape(t));
        }
        if (!t.device().equals(ref.device())) {
            throw new IllegalArgumentException(name + ": on " + t.device() + " but " + refName + " is on "
                    + ref.device());
        }
    }

    private static void positive(int v, String name) {
        if (v < 1) {
            throw new IllegalArgumentException(name + ": must be >= 1, got " + v);
        }
    }

    static void cpu(Tensor t, String name) {
        if (!t.device().isCpu()) {
            throw new UnsupportedOperationException(name + ": on " + t.device() + "; this operation runs on CPU only");
        }
    }

    static String shape(Tensor t) {
        return Arrays.toString(t.shape());
    }

    /** An uninitialised tensor on {@code like}'s device (each op writes its output whole). */
    static Tensor alloc(Tensor like, long... shape) {
        return Tensor.empty(like.device(), shape);
    }

    private static Tensor run(Tensor out, Runnable call) {
        try {
            call.run();
            return out;
        } catch (RuntimeException | Error e) {
            out.close();
            throw e;
        }
    }
}
