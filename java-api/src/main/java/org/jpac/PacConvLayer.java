package org.jpac;

import java.util.Set;

import org.jpac.grad.ConvGrads;
import org.jpac.grad.GuidedConvGrads;

/** The convolution layers' common part: weight creation, forward and backward. */
public abstract class PacConvLayer extends PacLayer {

    private final boolean transposed;
    /** How the weight was initialised. */
    protected final Filler filler;

    PacConvLayer(PacLayerBuilder<?> b, PacOptions options, int inChannels, int outChannels, boolean transposed) {
        super(options, b.smooth, inChannels, outChannels, outChannels);
        this.transposed = transposed;
        this.filler = b.filler;
        try {
            check(inChannels >= 1, "inChannels", "must be >= 1, got " + inChannels);
            check(outChannels >= 1, "outChannels", "must be >= 1, got " + outChannels);
            check(!options.sharedFilters() || inChannels == outChannels, "outChannels",
                    "shared filters need inChannels == outChannels, got " + inChannels + " and " + outChannels);
            check(!filler.fixedWeight() || options.sharedFilters(), "filler",
                    filler + " needs sharedFilters");
            check(filler != Filler.LINEAR || (transposed && inChannels == outChannels), "filler",
                    "linear needs a transposed layer with inChannels == outChannels");
            check(!(filler == Filler.CRF || filler == Filler.CRF_PERTURBED) || inChannels == outChannels, "filler",
                    filler + " needs inChannels == outChannels");
            int kh = options.kernelH();
            int kw = options.kernelW();
            long[] ws = options.sharedFilters() ? new long[] {1, 1, kh, kw}
                    : transposed ? new long[] {inChannels, outChannels, kh, kw}
                    : new long[] {outChannels, inChannels, kh, kw};
            weight = Tensor.allocate(ws).named("weight");
            weightLearnable = !filler.fixedWeight();
            bias = b.bias ? Tensor.allocate(outChannels).named("bias") : null;
            switch (filler) {
                case UNIFORM -> Fillers.uniform(weight, bias, inChannels, kh, kw, options.sharedFilters(), b.rng());
                case LINEAR -> Fillers.linear(weight, bias, options, inChannels);
                case CRF, CRF_PERTURBED -> Fillers.crf(weight, bias, options, inChannels,
                        filler == Filler.CRF_PERTURBED, b.rng());
                case POOL, CRF_POOL -> Fillers.pool(weight, filler == Filler.CRF_POOL, options);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private static void check(boolean ok, String field, String what) {
        if (!ok) {
            throw new IllegalArgumentException(field + ": " + what);
        }
    }

    /**
     * How the weight was initialised.
     *
     * @return the filler
     */
    public Filler filler() {
        return filler;
    }

    /**
     * Output for {@code input} guided by {@code guide} (K computed on the fly).
     * For a transposed layer the guide has the output's spatial size.
     */
    public Tensor forward(Tensor input, Tensor guide) {
        checkOpen();
        Tensor out = transposed
                ? Pac.convTranspose2dGuided(input, guide, invAlpha, invLambda, smoothKernel, weight, bias, options)
                : Pac.conv2dGuided(input, guide, invAlpha, invLambda, smoothKernel, weight, bias, options);
        remember(input, guide, null);
        return out;
    }

    /** Output for {@code input} with a given adapting kernel K (e.g. from {@link #computeKernel}). */
    public Tensor forwardWithKernel(Tensor input, Tensor kernel) {
        checkOpen();
        Tensor out = transposed ? Pac.convTranspose2d(input, kernel, weight, bias, options)
                : Pac.conv2d(input, kernel, weight, bias, options);
        remember(input, null, kernel);
        return out;
    }

    /**
     * Gradients for the last forward: stores those of the parameters and of the
     * guide (or of K after {@link #forwardWithKernel}, as grad "kernel") and
     * returns the input's gradient. All are layer-owned until the next backward.
     */
    public Tensor backward(Tensor gradOutput) {
        checkOpen();
        needForward();
        Set<Grad> needs = paramNeeds();
        needs.add(Grad.INPUT);
        if (weightLearnable) {
            needs.add(Grad.WEIGHT);
        }
        if (bias != null) {
            needs.add(Grad.BIAS);
        }
        if (lastKernel != null) {
            needs.add(Grad.KERNEL);
            ConvGrads g = transposed
                    ? Pac.convTranspose2dBackward(lastInput, lastKernel, weight, gradOutput, options, needs)
                    : Pac.conv2dBackward(lastInput, lastKernel, weight, gradOutput, options, needs);
            setGrads("input", g.gradInput(), "kernel", g.gradKernel(), "weight", g.gradWeight(),
                    "bias", g.gradBias());
            return g.gradInput();
        }
        needs.add(Grad.GUIDE);
        GuidedConvGrads g = transposed
                ? Pac.convTranspose2dGuidedBackward(lastInput, lastGuide, invAlpha, invLambda, smoothKernel, weight,
                gradOutput, options, needs)
                : Pac.conv2dGuidedBackward(lastInput, lastGuide, invAlpha, invLambda, smoothKernel, weight,
                gradOutput, options, needs);
        setGrads("input", g.gradInput(), "guide", g.gradGuide(), "weight", g.gradWeight(), "bias", g.gradBias(),
                "inv_alpha", g.gradInvAlpha(), "inv_lambda", g.gradInvLambda(), "smooth_kernel",
                g.gradSmoothKernel());
        return g.gradInput();
    }

    /** Gradient for the kernel K of the last backward after {@link #forwardWithKernel}, or null. */
    public Tensor gradKernel() {
        return grad("kernel");
    }

    /** Gradient for the input of the last backward (layer-owned), or null. */
    public Tensor gradInput() {
        return grad("input");
    }
}
