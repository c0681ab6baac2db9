package org.jpac;

import java.util.Set;

import org.jpac.grad.GuidedPoolGrads;
import org.jpac.grad.PoolGrads;

/**
 * Pixel-adaptive pooling layer, as the reference's {@code PacPool2d(kernel_size,
 * stride=1, padding=0, dilation=1, kernel_type='gaussian',
 * smooth_kernel_type='none', channel_wise=False, normalize_kernel=False,
 * out_channels=-1)}. No weight: the output is the K-weighted sum over each
 * window. {@code outChannels} is needed only for channel-wise learnable inv kernels.
 */
public final class PacPool2d extends PacLayer {

    /**
     * A pooling layer with a square kernel and every other option at its default.
     *
     * @param kernelSize the kernel height and width (odd)
     */
    public PacPool2d(int kernelSize) {
        this(builder(kernelSize));
    }

    private PacPool2d(Builder b) {
        super(b.optionsBuilder().channelWise(b.channelWise).sharedFilters(false).build(), b.smooth, -1,
                b.outChannels, b.outChannels);
    }

    /**
     * A builder for a pooling layer with a square kernel.
     *
     * @param kernelSize the kernel height and width (odd)
     * @return a new builder
     */
    public static Builder builder(int kernelSize) {
        return new Builder(kernelSize);
    }

    /** The K-weighted window sums of {@code input} with K from {@code guide}. */
    public Tensor forward(Tensor input, Tensor guide) {
        checkOpen();
        checkChannels(input);
        Tensor out = Pac.pool2dGuided(input, guide, invAlpha, invLambda, smoothKernel, options);
        remember(input, guide, null);
        return out;
    }

    /** The K-weighted window sums of {@code input} with a given K. */
    public Tensor forwardWithKernel(Tensor input, Tensor kernel) {
        checkOpen();
        checkChannels(input);
        Tensor out = Pac.pool2d(input, kernel, options);
        remember(input, null, kernel);
        return out;
    }

    private void checkChannels(Tensor input) {
        if (input != null && outChannels > 0 && input.rank() == 4 && input.dim(1) != outChannels) {
            throw new IllegalArgumentException("input: has " + input.dim(1) + " channels, the layer was built for "
                    + outChannels);
        }
    }

    /** Stores the parameter and guide (or kernel) gradients and returns the input's (all layer-owned). */
    public Tensor backward(Tensor gradOutput) {
        checkOpen();
        needForward();
        Set<Grad> needs = paramNeeds();
        needs.add(Grad.INPUT);
        if (lastKernel != null) {
            needs.add(Grad.KERNEL);
            PoolGrads g = Pac.pool2dBackward(lastInput, lastKernel, gradOutput, options, needs);
            setGrads("input", g.gradInput(), "kernel", g.gradKernel());
            return g.gradInput();
        }
        needs.add(Grad.GUIDE);
        GuidedPoolGrads g = Pac.pool2dGuidedBackward(lastInput, lastGuide, invAlpha, invLambda, smoothKernel,
                gradOutput, options, needs);
        setGrads("input", g.gradInput(), "guide", g.gradGuide(), "inv_alpha", g.gradInvAlpha(),
                "inv_lambda", g.gradInvLambda(), "smooth_kernel", g.gradSmoothKernel());
        return g.gradInput();
    }

    /** Gradient of the input from the last backward (layer-owned), or null. */
    public Tensor gradInput() {
        return grad("input");
    }

    /** Gradient of the given kernel from the last backward (layer-owned), or null after a guided forward. */
    public Tensor gradKernel() {
        return grad("kernel");
    }

    /** Builder of a {@link PacPool2d}; no bias by default. */
    public static final class Builder extends PacLayerBuilder<Builder> {
        private boolean channelWise;
        private int outChannels = -1;

        private Builder(int k) {
            super(k);
            bias = false;
        }

        /**
         * Sets whether one adaptive kernel is computed per guide channel (default false).
         *
         * @param v true for a per-channel kernel
         * @return this builder
         */
        public Builder channelWise(boolean v) {
            channelWise = v;
            return this;
        }

        /** Channels of the input; needed for channel-wise learnable inv kernels. */
        public Builder outChannels(int c) {
            outChannels = c;
            return this;
        }

        /**
         * Builds the layer.
         *
         * @return the layer
         * @throws IllegalArgumentException if an option is invalid
         */
        public PacPool2d build() {
            return new PacPool2d(this);
        }
    }
}
