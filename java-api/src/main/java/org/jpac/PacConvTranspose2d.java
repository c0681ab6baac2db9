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

    public PacConvTranspose2d(int inChannels, int outChannels, int kernelSize) {
        this(builder(inChannels, outChannels, kernelSize));
    }

    private PacConvTranspose2d(Builder b) {
        super(b, b.optionsBuilder().outputPadding(b.opH, b.opW).transposed(true).build(), b.in, b.out, true);
    }

    public static Builder builder(int inChannels, int outChannels, int kernelSize) {
        return new Builder(inChannels, outChannels, kernelSize);
    }

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

        public Builder outputPadding(int p) {
            return outputPadding(p, p);
        }

        public Builder outputPadding(int h, int w) {
            opH = h;
            opW = w;
            return this;
        }

        public PacConvTranspose2d build() {
            return new PacConvTranspose2d(this);
        }
    }
}
