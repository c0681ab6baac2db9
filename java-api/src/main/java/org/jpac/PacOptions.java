package org.jpac;

/**
 * Options of a PAC operation (immutable; build with {@link #builder(int)}).
 * Sizes are (height, width) pairs. Each operation uses the fields that apply
 * to it (see jpac.h); {@link Builder#build} checks them all, naming the bad field.
 */
public final class PacOptions {

    private final int kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW;
    private final int outputPaddingH, outputPaddingW;
    private final KernelType kernelType;
    private final boolean channelWise, normalizeKernel, transposed, sharedFilters;

    private PacOptions(Builder b) {
        kernelH = b.kernelH;
        kernelW = b.kernelW;
        strideH = b.strideH;
        strideW = b.strideW;
        padH = b.padH;
        padW = b.padW;
        dilationH = b.dilationH;
        dilationW = b.dilationW;
        outputPaddingH = b.outputPaddingH;
        outputPaddingW = b.outputPaddingW;
        kernelType = b.kernelType;
        channelWise = b.channelWise;
        normalizeKernel = b.normalizeKernel;
        transposed = b.transposed;
        sharedFilters = b.sharedFilters;
    }

    /** Square kernel of size k with every other option at its default. */
    public static PacOptions of(int kernelSize) {
        return builder(kernelSize).build();
    }

    /**
     * A builder for a square kernel of size {@code kernelSize}, every other option at its default.
     *
     * @param kernelSize the kernel height and width (odd, at least 1; checked by {@link Builder#build})
     * @return a new builder
     */
    public static Builder builder(int kernelSize) {
        return new Builder().kernelSize(kernelSize);
    }

    /**
     * A builder for a {@code kernelH} x {@code kernelW} kernel, every other option at its default.
     *
     * @param kernelH the kernel height (odd, at least 1; checked by {@link Builder#build})
     * @param kernelW the kernel width (odd, at least 1)
     * @return a new builder
     */
    public static Builder builder(int kernelH, int kernelW) {
        return new Builder().kernelSize(kernelH, kernelW);
    }

    /**
     * A builder holding every option of this object, to derive a changed copy.
     *
     * @return a new builder
     */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.kernelH = kernelH;
        b.kernelW = kernelW;
        b.strideH = strideH;
        b.strideW = strideW;
        b.padH = padH;
        b.padW = padW;
        b.dilationH = dilationH;
        b.dilationW = dilationW;
        b.outputPaddingH = outputPaddingH;
        b.outputPaddingW = outputPaddingW;
        b.kernelType = kernelType;
        b.channelWise = channelWise;
        b.normalizeKernel = normalizeKernel;
        b.transposed = transposed;
        b.sharedFilters = sharedFilters;
        return b;
    }

    /** A copy with {@code transposed} set as given (this object when unchanged). */
    public PacOptions withTransposed(boolean t) {
        return t == transposed ? this : toBuilder().transposed(t).build();
    }

    /** The kernel height. */
    public int kernelH() { return kernelH; }
    /** The kernel width. */
    public int kernelW() { return kernelW; }
    /** The vertical stride. */
    public int strideH() { return strideH; }
    /** The horizontal stride. */
    public int strideW() { return strideW; }
    /** The zero padding at the top and bottom. */
    public int padH() { return padH; }
    /** The zero padding at the left and right. */
    public int padW() { return padW; }
    /** The vertical dilation. */
    public int dilationH() { return dilationH; }
    /** The horizontal dilation. */
    public int dilationW() { return dilationW; }
    /** The extra rows added at the bottom of a transposed convolution's output. */
    public int outputPaddingH() { return outputPaddingH; }
    /** The extra columns added at the right of a transposed convolution's output. */
    public int outputPaddingW() { return outputPaddingW; }
    /** The kernel function applied to guide differences. */
    public KernelType kernelType() { return kernelType; }
    /** Whether one adaptive kernel is computed per guide channel instead of one for all channels. */
    public boolean channelWise() { return channelWise; }
    /** Whether the adaptive kernel is divided by its sum over the window. */
    public boolean normalizeKernel() { return normalizeKernel; }
    /** Whether the operation is a transposed convolution. */
    public boolean transposed() { return transposed; }
    /** Whether the convolution weight is one [1, 1, kH, kW] filter applied to every channel. */
    public boolean sharedFilters() { return sharedFilters; }

    /** Output height of a (non-transposed) window over an input of height h; may be {@literal <} 1. */
    public long outHeight(long h) {
        return Math.floorDiv(h + 2L * padH - (long) dilationH * (kernelH - 1) - 1, strideH) + 1;
    }

    /**
     * Output width of a (non-transposed) window over an input of width w; may be {@literal <} 1.
     *
     * @param w the input width
     * @return the output width
     */
    public long outWidth(long w) {
        return Math.floorDiv(w + 2L * padW - (long) dilationW * (kernelW - 1) - 1, strideW) + 1;
    }

    /** Output height of a transposed convolution over an input of height h. */
    public long transposedOutHeight(long h) {
        return (h - 1) * strideH - 2L * padH + (long) dilationH * (kernelH - 1) + outputPaddingH + 1;
    }

    /**
     * Output width of a transposed convolution over an input of width w.
     *
     * @param w the input width
     * @return the output width
     */
    public long transposedOutWidth(long w) {
        return (w - 1) * strideW - 2L * padW + (long) dilationW * (kernelW - 1) + outputPaddingW + 1;
    }

    /** Input height of the transposed convolution whose output height is h (the reference's formula). */
    public long transposedInHeight(long h) {
        return Math.floorDiv(h - outputPaddingH - 1 - (long) (kernelH - 1) * dilationH + 2L * padH, strideH) + 1;
    }

    /**
     * Input width of the transposed convolution whose output width is w (the reference's formula).
     *
     * @param w the output width
     * @return the input width
     */
    public long transposedInWidth(long w) {
        return Math.floorDiv(w - outputPaddingW - 1 - (long) (kernelW - 1) * dilationW + 2L * padW, strideW) + 1;
    }

    @Override
    public String toString() {
        return "PacOptions[kernel=" + kernelH + "x" + kernelW + ", stride=" + strideH + "x" + strideW
                + ", padding=" + padH + "x" + padW + ", dilation=" + dilationH + "x" + dilationW
                + ", outputPadding=" + outputPaddingH + "x" + outputPaddingW + ", kernelType=" + kernelType
                + (channelWise ? ", channelWise" : "") + (normalizeKernel ? ", normalizeKernel" : "")
                + (transposed ? ", transposed" : "") + (sharedFilters ? ", sharedFilters" : "") + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PacOptions p && p.toString().equals(toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }

    /** Mutable builder; {@link #build} validates. */
    public static final class Builder {
        private int kernelH = 1, kernelW = 1, strideH = 1, strideW = 1, padH, padW, dilationH = 1, dilationW = 1;
        private int outputPaddingH, outputPaddingW;
        private KernelType kernelType = KernelType.GAUSSIAN;
        private boolean channelWise, normalizeKernel, transposed, sharedFilters;

        private Builder() {
        }

        /**
         * Sets a square kernel size.
         *
         * @param k the kernel height and width (odd, at least 1)
         * @return this builder
         */
        public Builder kernelSize(int k) { return kernelSize(k, k); }
        /**
         * Sets the kernel size.
         *
         * @param h the kernel height (odd, at least 1)
         * @param w the kernel width (odd, at least 1)
         * @return this builder
         */
        public Builder kernelSize(int h, int w) { kernelH = h; kernelW = w; return this; }
        /**
         * Sets the same stride for both axes (default 1).
         *
         * @param s the stride (at least 1)
         * @return this builder
         */
        public Builder stride(int s) { return stride(s, s); }
        /**
         * Sets the stride (default 1).
         *
         * @param h the vertical stride (at least 1)
         * @param w the horizontal stride (at least 1)
         * @return this builder
         */
        public Builder stride(int h, int w) { strideH = h; strideW = w; return this; }
        /**
         * Sets the same zero padding for both axes (default 0).
         *
         * @param p the padding (at least 0)
         * @return this builder
         */
        public Builder padding(int p) { return padding(p, p); }
        /**
         * Sets the zero padding (default 0).
         *
         * @param h the padding at the top and bottom (at least 0)
         * @param w the padding at the left and right (at least 0)
         * @return this builder
         */
        public Builder padding(int h, int w) { padH = h; padW = w; return this; }
        /**
         * Sets the same dilation for both axes (default 1).
         *
         * @param d the dilation (at least 1)
         * @return this builder
         */
        public Builder dilation(int d) { return dilation(d, d); }
        /**
         * Sets the dilation (default 1).
         *
         * @param h the vertical dilation (at least 1)
         * @param w the horizontal dilation (at least 1)
         * @return this builder
         */
        public Builder dilation(int h, int w) { dilationH = h; dilationW = w; return this; }
        /**
         * Sets the same output padding for both axes (default 0; transposed convolution only).
         *
         * @param p the output padding (at least 0, less than max(stride, dilation))
         * @return this builder
         */
        public Builder outputPadding(int p) { return outputPadding(p, p); }
        /**
         * Sets the output padding (default 0; transposed convolution only).
         *
         * @param h the rows added at the bottom (at least 0, less than max(strideH, dilationH))
         * @param w the columns added at the right (at least 0, less than max(strideW, dilationW))
         * @return this builder
         */
        public Builder outputPadding(int h, int w) { outputPaddingH = h; outputPaddingW = w; return this; }

        /**
         * Sets the kernel function (default {@link KernelType#GAUSSIAN}).
         *
         * @param t the kernel type
         * @return this builder
         * @throws NullPointerException if {@code t} is null
         */
        public Builder kernelType(KernelType t) {
            if (t == null) {
                throw new NullPointerException("kernelType");
            }
            kernelType = t;
            return this;
        }

        /**
         * Sets the kernel function by name, as parsed by {@link KernelType#parse(String)}.
         *
         * @param t the kernel type's name
         * @return this builder
         */
        public Builder kernelType(String t) { return kernelType(KernelType.parse(t)); }
        /**
         * Sets whether one adaptive kernel is computed per guide channel (default false).
         *
         * @param v true for a per-channel kernel
         * @return this builder
         */
        public Builder channelWise(boolean v) { channelWise = v; return this; }
        /**
         * Sets whether the adaptive kernel is divided by its sum over the window (default false).
         *
         * @param v true to normalize
         * @return this builder
         */
        public Builder normalizeKernel(boolean v) { normalizeKernel = v; return this; }
        /**
         * Sets whether the operation is a transposed convolution (default false).
         *
         * @param v true for transposed
         * @return this builder
         */
        public Builder transposed(boolean v) { transposed = v; return this; }
        /**
         * Sets whether the weight is one [1, 1, kH, kW] filter applied to every channel (default false).
         *
         * @param v true to share the filters
         * @return this builder
         */
        public Builder sharedFilters(boolean v) { sharedFilters = v; return this; }

        /**
         * Checks every field and builds the options.
         *
         * @return the options
         * @throws IllegalArgumentException if a field is out of range, naming the field and its value
         */
        /** The largest kernel side libjpac takes. */
        public static final int MAX_KERNEL = 255;
        /** The largest stride, dilation and padding libjpac takes. */
        public static final int MAX_STEP = 65535;

        public PacOptions build() {
            // libjpac's limits, checked here so that no output is allocated for options it refuses
            check(kernelH >= 1 && kernelH % 2 == 1 && kernelW >= 1 && kernelW % 2 == 1 && kernelH <= MAX_KERNEL
                    && kernelW <= MAX_KERNEL, "kernelSize", "must be odd and in 1.." + MAX_KERNEL);
            check(strideH >= 1 && strideW >= 1 && strideH <= MAX_STEP && strideW <= MAX_STEP, "stride",
                    "must be in 1.." + MAX_STEP);
            check(padH >= 0 && padW >= 0 && padH <= MAX_STEP && padW <= MAX_STEP, "padding",
                    "must be in 0.." + MAX_STEP);
            check(dilationH >= 1 && dilationW >= 1 && dilationH <= MAX_STEP && dilationW <= MAX_STEP, "dilation",
                    "must be in 1.." + MAX_STEP);
            check(outputPaddingH >= 0 && outputPaddingW >= 0
                            && outputPaddingH < Math.max(strideH, dilationH)
                            && outputPaddingW < Math.max(strideW, dilationW),
                    "outputPadding", "must be >= 0 and < max(stride, dilation) = ("
                            + Math.max(strideH, dilationH) + ", " + Math.max(strideW, dilationW) + ")");
            return new PacOptions(this);
        }

        private void check(boolean ok, String field, String rule) {
            if (!ok) {
                String value = switch (field) {
                    case "kernelSize" -> pair(kernelH, kernelW);
                    case "stride" -> pair(strideH, strideW);
                    case "padding" -> pair(padH, padW);
                    case "dilation" -> pair(dilationH, dilationW);
                    default -> pair(outputPaddingH, outputPaddingW);
                };
                throw new IllegalArgumentException(field + ": " + rule + ", got " + value);
            }
        }

        private static String pair(int h, int w) {
            return "(" + h + ", " + w + ")";
        }
    }
}
