package org.jpac;

import java.util.Arrays;

/**
 * Argument checks shared by the operations. Every message starts with the
 * argument's name: null -> NullPointerException, closed -> IllegalStateException,
 * anything else -> IllegalArgumentException.
 */
final class Checks {

    private Checks() {
    }

    static String s(long... shape) {
        return Arrays.toString(shape);
    }

    /** A required, open tensor. */
    static Tensor need(Tensor t, String name) {
        if (t == null) {
            throw new NullPointerException(name + ": must not be null");
        }
        return open(t, name);
    }

    /** An optional tensor: null, or open. */
    static Tensor opt(Tensor t, String name) {
        return t == null ? null : open(t, name);
    }

    private static Tensor open(Tensor t, String name) {
        return t.requireOpen(name);
    }

    static void options(PacOptions o) {
        if (o == null) {
            throw new NullPointerException("opts: must not be null");
        }
    }

    static void rank(Tensor t, String name, int rank, String dims) {
        if (t.rank() != rank) {
            throw new IllegalArgumentException(name + ": expected rank " + rank + " " + dims + ", got shape "
                    + s(t.shape()));
        }
    }

    static void shape(Tensor t, String name, long... expected) {
        if (!t.hasShape(expected)) {
            throw new IllegalArgumentException(name + ": expected shape " + s(expected) + ", got " + s(t.shape()));
        }
    }

    /** Every non-null tensor must be on the device of {@code ref}. */
    static void sameDevice(Tensor ref, String refName, Object... tensorsAndNames) {
        for (int i = 0; i < tensorsAndNames.length; i += 2) {
            Tensor t = (Tensor) tensorsAndNames[i];
            if (t != null && !t.device().equals(ref.device())) {
                throw new IllegalArgumentException(tensorsAndNames[i + 1] + ": on " + t.device() + " but " + refName
                        + " is on " + ref.device());
            }
        }
    }

    /** Output spatial size; throws naming {@code name} when the window does not fit. */
    static long[] outSize(Tensor input, String name, PacOptions o) {
        long h = input.dim(2);
        long w = input.dim(3);
        long ho = o.outHeight(h);
        long wo = o.outWidth(w);
        if (ho < 1 || wo < 1) {
            throw new IllegalArgumentException(name + ": spatial size " + h + "x" + w + " is too small for kernel "
                    + o.kernelH() + "x" + o.kernelW() + " with padding (" + o.padH() + ", " + o.padW()
                    + ") and dilation (" + o.dilationH() + ", " + o.dilationW() + "): output would be " + ho + "x" + wo);
        }
        return planeFits(name, ho, wo);
    }

    /** libjpac takes planes of fewer than 2^31 pixels: refused before any output is allocated. */
    static long[] planeFits(String name, long ho, long wo) {
        if (ho * wo >= 1L << 31) { // both below 2^31 + 2 * 65535: no overflow
            throw new IllegalArgumentException(name + ": the output plane would be " + ho + "x" + wo
                    + ", more than the 2^31 pixels libjpac takes (padding, stride or size too large)");
        }
        return new long[] {ho, wo};
    }

    static long[] transposedOutSize(Tensor input, String name, PacOptions o) {
        long ho = o.transposedOutHeight(input.dim(2));
        long wo = o.transposedOutWidth(input.dim(3));
        if (ho < 1 || wo < 1) {
            throw new IllegalArgumentException(name + ": spatial size " + input.dim(2) + "x" + input.dim(3)
                    + " gives a transposed output of " + ho + "x" + wo + " with padding (" + o.padH() + ", "
                    + o.padW() + ")");
        }
        return planeFits(name, ho, wo);
    }

    /** The weight's kernel size must equal the options'. */
    static void kernelMatches(Tensor weight, String name, PacOptions o, long[] expected) {
        if (weight.dim(2) != o.kernelH() || weight.dim(3) != o.kernelW()) {
            throw new IllegalArgumentException(name + ": expected shape " + s(expected) + ", got "
                    + s(weight.shape()) + " (kernel size in opts is " + o.kernelH() + "x" + o.kernelW() + ")");
        }
        shape(weight, name, expected);
    }

    /** inv_alpha / inv_lambda: only for inv kernels; [1], or [C] when channel-wise. */
    static void invParam(Tensor t, String name, PacOptions o, long channels) {
        if (t == null) {
            return;
        }
        if (!o.kernelType().isInv()) {
            throw new IllegalArgumentException(name + ": only inv_* kernels use it; pass null for kernel type "
                    + o.kernelType());
        }
        boolean ok = t.rank() == 1 && (t.dim(0) == 1 || (o.channelWise() && t.dim(0) == channels));
        if (!ok) {
            throw new IllegalArgumentException(name + ": expected shape [1]" + (o.channelWise()
                    ? " or [" + channels + "]" : "") + ", got " + s(t.shape()));
        }
    }

    /** Smoothing kernel: [m, m] or [1, 1, m, m], m odd. */
    static void smooth(Tensor t, String name) {
        if (t == null) {
            return;
        }
        long[] sh = t.shape();
        boolean ok = (sh.length == 2 && sh[0] == sh[1] && sh[0] % 2 == 1)
                || (sh.length == 4 && sh[0] == 1 && sh[1] == 1 && sh[2] == sh[3] && sh[2] % 2 == 1);
        if (!ok) {
            throw new IllegalArgumentException(name + ": expected shape [m, m] or [1, 1, m, m] with odd m, got "
                    + s(sh));
        }
    }

    static void notTransposed(PacOptions o, String op) {
        if (o.transposed()) {
            throw new IllegalArgumentException("opts.transposed: must be false for " + op
                    + " (use the transposed operation)");
        }
    }

    /** An output on the device of {@code like}, written whole by the operation. */
    static Tensor alloc(Tensor like, long... shape) {
        return Tensor.empty(like.device(), shape);
    }
}
