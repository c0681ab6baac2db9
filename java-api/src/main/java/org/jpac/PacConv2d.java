package org.jpac;

/**
 * Pixel-adaptive convolution layer, as the reference's
 * {@code PacConv2d(in_channels, out_channels, kernel_size, stride=1, padding=0,
 * dilation=1, bias=True, kernel_type='gaussian', smooth_kernel_type='none',
 * normalize_kernel=False, shared_filters=False, filler='uniform')}.
 * Weight {@code [out, in, kh, kw]} ({@code [1, 1, kh, kw]} when shared).
 */
public final class PacConv2d extends PacConvLayer {

    /** Reference defaults with a k x k kernel. */
    public PacConv2d(int inChannels, int outChannels, int kernelSize) {
        this(builder(inChannels, outChannels, kernelSize));
    }

    private PacConv2d(Builder b) {
        super(b, b.optionsBuilder().build(), b.in, b.out, false);
    }

    /**
     * A builder for a layer with a square kernel.
     *
     * @param inChannels the input channels
     * @param outChannels the output channels
     * @param kernelSize the kernel height and width (odd)
     * @return a new builder
     */
    public static Builder builder(int inChannels, int outChannels, int kernelSize) {
        return new Builder(inChannels, outChannels, kernelSize);
    }

    /** Builder of a {@link PacConv2d}. */
    public static final class Builder extends PacLayerBuilder<Builder> {
        private final int in;
        private final int out;

        private Builder(int in, int out, int k) {
            super(k);
            this.in = in;
            this.out = out;
        }

        /**
         * Builds the layer, creating its weight with the builder's filler and seed.
         *
         * @return the layer
         * @throws IllegalArgumentException if an option is invalid
         */
        public PacConv2d build() {
            return new PacConv2d(this);
        }
    }
}
