package org.jpac;

/**
 * Pixel-adaptive transposed convolution layer (PAC^T), as the reference's
 * {@code PacConvTranspose2d(in_channels, out_channels, kernel_size, stride=1,
 * padding=0, output_padding=0, dilation=1, bias=True, kernel_type='gaussian',
 * smooth_kernel_type='none', normalize_kernel=False, shared_filters=False,
 * filler='uniform')}. Weight {@code [in, out, kh, kw]}, not flipped; the guide
 * has the output's spatial size.
 */
public final class PacConvTranspose2d extends PacConvLayer {

    /**
     * A transposed layer with a square kernel and every other option at its default.
     *
     * @param inChannels the input channels
     * @param outChannels the output channels
     * @param kernelSize the kernel height and width (odd)
     */
    public PacConvTranspose2d(int inChannels, int outChannels, int kernelSize) {
        this(builder(inChannels, outChannels, kernelSize));
    }

    private PacConvTranspose2d(Builder b) {
        super(b, b.optionsBuilder().outputPadding(b.opH, b.opW).transposed(true).build(), b.in, b.out, true);
    }

    /**
     * A builder for a transposed layer with a square kernel.
     *
     * @param inChannels the input channels
     * @param outChannels the output channels
     * @param kernelSize the kernel height and width (odd)
     * @return a new builder
     */
    public static Builder builder(int inChannels, int outChannels, int kernelSize) {
        return new Builder(inChannels, outChannels, kernelSize);
    }

    /** Builder of a {@link PacConvTranspose2d}. */
    public static final class Builder extends PacLayerBuilder<Builder> {
        private final int in;
        private final int out;
        private int opH;
        private int opW;

        private Builder(int in, int out, int k) {
            super(k);
            this.in = in;
            this.out = out;
        }

        /**
         * Sets the same output padding for both axes (default 0).
         *
         * @param p the output padding (less than max(stride, dilation))
         * @return this builder
         */
        public Builder outputPadding(int p) {
            return outputPadding(p, p);
        }

        /**
         * Sets the rows and columns added at the bottom and right of the output (default 0).
         *
         * @param h the rows (less than max(strideH, dilationH))
         * @param w the columns (less than max(strideW, dilationW))
         * @return this builder
         */
        public Builder outputPadding(int h, int w) {
            opH = h;
            opW = w;
            return this;
        }

        /**
         * Builds the layer, creating its weight with the builder's filler and seed.
         *
         * @return the layer
         * @throws IllegalArgumentException if an option is invalid
         */
        public PacConvTranspose2d build() {
            return new PacConvTranspose2d(this);
        }
    }
}
