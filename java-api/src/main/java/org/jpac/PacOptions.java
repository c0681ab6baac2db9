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

    public static Builder builder(int kernelSize) {
        return new Builder().kernelSize(kernelSize);
    }

    public static Builder builder(int kernelH, int kernelW) {
        return new Builder().kernelSize(kernelH, kernelW);
    }

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

    public int kernelH() { return kernelH; }
    public int kernelW() { return kernelW; }
    public int strideH() { return strideH; }
    public int strideW() { return strideW; }
    public int padH() { return padH; }
    public int padW() { return padW; }
    public int dilationH() { return dilationH; }
    public int dilationW() { return dilationW; }
    public int outputPaddingH() { return outputPaddingH; }
    public int outputPaddingW() { return outputPaddingW; }
    public KernelType kernelType() { return kernelType; }
    public boolean channelWise() { return channelWise; }
    public boolean normalizeKernel() { return normalizeKernel; }
    public boolean transposed() { return transposed; }
    public boolean sharedFilters() { return sharedFilters; }

    /** Output height of a (non-transposed) window over an input of height h; may be {@literal <} 1. */
    public long outHeight(long h) {
        return Math.floorDiv(h + 2L * padH - (long) dilationH * (kernelH - 1) - 1, strideH) + 1;
    }

    public long outWidth(long w) {
        return Math.floorDiv(w + 2L * padW - (long) dilationW * (kernelW - 1) - 1, strideW) + 1;
    }

    /** Output height of a transposed convolution over an input of height h. */
    public long transposedOutHeight(long h) {
        return (h - 1) * strideH - 2L * padH + (long) dilationH * (kernelH - 1) + outputPaddingH + 1;
    }

    public long transposedOutWidth(long w) {
        return (w - 1) * strideW - 2L * padW + (long) dilationW * (kernelW - 1) + outputPaddingW + 1;
    }

    /** Input height of the transposed convolution whose output height is h (the reference's formula). */
    public long transposedInHeight(long h) {
        return Math.floorDiv(h - outputPaddingH - 1 - (long) (kernelH - 1) * dilationH + 2L * padH, strideH) + 1;
    }

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

        public Builder kernelSize(int k) { return kernelSize(k, k); }
        public Builder kernelSize(int h, int w) { kernelH = h; kernelW = w; return this; }
        public Builder stride(int s) { return stride(s, s); }
        public Builder stride(int h, int w) { strideH = h; strideW = w; return this; }
        public Builder padding(int p) { return padding(p, p); }
        public Builder padding(int h, int w) { padH = h; padW = w; return this; }
        public Builder dilation(int d) { return dilation(d, d); }
        public Builder dilation(int h, int w) { dilationH = h; dilationW = w; return this; }
        public Builder outputPadding(int p) { return outputPadding(p, p); }
        public Builder outputPadding(int h, int w) { outputPaddingH = h; outputPaddingW = w; return this; }

        public Builder kernelType(KernelType t) {
            if (t == null) {
                throw new NullPointerException("kernelType");
            }
            kernelType = t;
            return this;
        }

        public Builder kernelType(String t) { return kernelType(KernelType.parse(t)); }
        public Builder channelWise(boolean v) { channelWise = v; return this; }
        public Builder normalizeKernel(boolean v) { normalizeKernel = v; return this; }
        public Builder transposed(boolean v) { transposed = v; return this; }
        public Builder sharedFilters(boolean v) { sharedFilters = v; return this; }

        public PacOptions build() {
            check(kernelH >= 1 && kernelH % 2 == 1 && kernelW >= 1 && kernelW % 2 == 1,
                    "kernelSize", "must be odd and >= 1");
            check(strideH >= 1 && strideW >= 1, "stride", "must be >= 1");
            check(padH >= 0 && padW >= 0, "padding", "must be >= 0");
            check(dilationH >= 1 && dilationW >= 1, "dilation", "must be >= 1");
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
