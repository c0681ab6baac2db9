package org.jpac.nn;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import org.jpac.Pac;
import org.jpac.PacOptions;
import org.jpac.Tensor;

/**
 * A standard transposed convolution as PyTorch's {@code nn.ConvTranspose2d(in,
 * out, kernel_size, stride, padding, output_padding, bias=True, dilation)} (odd
 * square kernels): state-dict keys {@code weight} [in, out, k, k] and
 * {@code bias} [out], initialised as PyTorch does (uniform in +-1/sqrt(out*k*k)).
 *
 * <p>Computed as the PAC transposed convolution with an all-ones adapting kernel
 * and the spatially flipped weight (see SPEC, conv_transpose2d).
 */
public final class ConvTranspose2d implements TapLayer {

    private final int inChannels;
    private final int outChannels;
    private final PacOptions options;
    private final Tensor weight;
    private final Tensor bias;
    private boolean closed;

    /**
     * A transposed convolution initialised from {@code rng}.
     *
     * @param inChannels the input channels (at least 1)
     * @param outChannels the output channels (at least 1)
     * @param kernelSize the kernel height and width (odd)
     * @param stride the stride (at least 1)
     * @param padding the padding removed from each side of the output (at least 0)
     * @param outputPadding the rows and columns added at the bottom and right of the output
     * @param dilation the dilation (at least 1)
     * @param bias whether the layer has a bias
     * @param rng the source of the initial weights
     * @throws IllegalArgumentException if a size is out of range
     */
    public ConvTranspose2d(int inChannels, int outChannels, int kernelSize, int stride, int padding,
                           int outputPadding, int dilation, boolean bias, SplittableRandom rng) {
        if (inChannels < 1 || outChannels < 1) {
            throw new IllegalArgumentException("inChannels/outChannels: must be >= 1, got " + inChannels + ", "
                    + outChannels);
        }
        options = PacOptions.builder(kernelSize).stride(stride).padding(padding).outputPadding(outputPadding)
                .dilation(dilation).transposed(true).build();
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        weight = Tensor.allocate(inChannels, outChannels, kernelSize, kernelSize).named("weight");
        try {
            this.bias = bias ? Tensor.allocate(outChannels).named("bias") : null;
        } catch (RuntimeException | Error e) {
            weight.close(); // e.g. past the cap of a network built for a weight file: nothing may leak
            throw e;
        }
        double bound = 1 / Math.sqrt((double) outChannels * kernelSize * kernelSize);
        fillUniform(weight, bound, rng);
        if (this.bias != null) {
            fillUniform(this.bias, bound, rng);
        }
    }

    private static void fillUniform(Tensor t, double bound, SplittableRandom rng) {
        float[] d = new float[(int) t.numel()];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
        }
        t.copyFrom(d);
    }

    /** The input channels. */
    public int inChannels() {
        return inChannels;
    }

    /** The output channels. */
    public int outChannels() {
        return outChannels;
    }

    /** Kernel size, stride, padding, output padding and dilation (transposed). */
    public PacOptions options() {
        return options;
    }

    /** The weight [in, out, k, k] in PyTorch's layout (not flipped). */
    public Tensor weight() {
        return weight;
    }

    /** The bias, or null. */
    public Tensor bias() {
        return bias;
    }

    /** Output for {@code x} [B, in, H, W] (a new tensor). */
    public Tensor forward(Tensor x) {
        checkOpen();
        StdOps.nchw(x, "x");
        long ho = options.transposedOutHeight(x.dim(2));
        long wo = options.transposedOutWidth(x.dim(3));
        try (Tensor ones = Tensor.allocate(x.dim(0), 1, options.kernelH(), options.kernelW(), ho, wo);
             Tensor flipped = flipSpatial(weight)) {
            ones.fill(1f);
            return Pac.convTranspose2d(x, ones, flipped, bias, options);
        }
    }

    @Override
    public Tensor forward(Tensor x, Map<String, Tensor> taps) {
        return forward(x);
    }

    /** A copy of a [A, B, kh, kw] weight with both spatial axes reversed. */
    static Tensor flipSpatial(Tensor w) {
        StdOps.rank(w, "weight", 4, "[A, B, kh, kw]");
        long planes = w.dim(0) * w.dim(1);
        int kh = (int) w.dim(2);
        int kw = (int) w.dim(3);
        float[] src = w.toArray();
        float[] dst = new float[src.length];
        for (long p = 0; p < planes; p++) {
            int base = (int) (p * kh * kw);
            for (int i = 0; i < kh; i++) {
                for (int j = 0; j < kw; j++) {
                    dst[base + (kh - 1 - i) * kw + (kw - 1 - j)] = src[base + i * kw + j];
                }
            }
        }
        return Tensor.of(dst, w.shape());
    }

    @Override
    public Map<String, Tensor> parameters() {
        checkOpen();
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("weight", weight);
        if (bias != null) {
            m.put("bias", bias);
        }
        return m;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("ConvTranspose2d is closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        weight.close();
        if (bias != null) {
            bias.close();
        }
    }
}
