package org.jpac.nn;

import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import org.jpac.Device;
import org.jpac.Filler;
import org.jpac.Grad;
import org.jpac.Kernel2dResult;
import org.jpac.Pac;
import org.jpac.PacConv2d;
import org.jpac.Tensor;
import org.jpac.grad.ConvGrads;
import org.jpac.grad.Kernel2dGrads;
import org.jpac.grad.StdConvGrads;
import org.jpac.internal.DeviceMoves;

/**
 * One pairwise term of a {@link PacCRF}: its messenger (a PAC layer, or a plain
 * convolution for {@link CompatType#NA}), the optional 1x1 compatibility conv
 * ({@link CompatType#TWO_D}), the blur factor and the pairwise weight, set up as
 * the reference's {@code add_pairwise_kernel} does.
 */
final class CrfPairwise implements AutoCloseable {

    final PairwiseKernel spec;
    final int channels;
    /** The PAC messenger; null for {@link CompatType#NA}. */
    final PacConv2d pac;
    /** The plain-convolution messenger's weight {@code [L, L, k, k]}; null unless NA. */
    Tensor plainWeight; // not final: to(Device) replaces it
    /** The 1x1 compatibility weight {@code [L, L, 1, 1]}; null unless 2d. */
    Tensor compatWeight; // not final: to(Device) replaces it
    /** The learnable pairwise weight {@code [1]} (a parameter even when unused, as in the reference). */
    final Tensor pairwiseWeight;
    /** The weight the term is built with (negated for potts); used when the parameter is not. */
    final double initPairwiseWeight;
    /** Whether the message is scaled by the parameter (potts without spatial filter and not fixed) or the constant. */
    final boolean useParameter;

    CrfPairwise(int channels, PairwiseKernel spec, boolean perturbedInit, boolean fixedWeighting,
                SplittableRandom rng) {
        this.spec = spec;
        this.channels = channels;
        boolean potts = spec.compatType() == CompatType.POTTS;
        initPairwiseWeight = potts ? -spec.pairwiseWeight() : spec.pairwiseWeight();
        useParameter = potts && !spec.spatialFilter() && !fixedWeighting;
        int k = spec.kernelSize();
        Tensor pw = null;
        Tensor cw = null;
        Tensor plain = null;
        PacConv2d layer = null;
        try {
            pw = Tensor.of(new float[] {(float) initPairwiseWeight}, 1).named("pairwise_weight");
            if (spec.compatType() == CompatType.TWO_D) {
                cw = Tensor.allocate(channels, channels, 1, 1).named("compat.weight");
                for (int a = 0; a < channels; a++) {
                    for (int b = 0; b < channels; b++) {
                        double v = a == b ? 0 : 1;
                        if (perturbedInit) {
                            v += (rng.nextDouble() - 0.5) * 0.001;
                        }
                        cw.set((float) v, a, b, 0, 0);
                    }
                }
            }
            if (spec.compatType() == CompatType.NA) {
                // PyTorch's Conv2d default: U(-b, b), b = 1 / sqrt(fan_in)
                plain = Tensor.allocate(channels, channels, k, k).named("messenger.weight");
                double bound = 1.0 / Math.sqrt((double) channels * k * k);
                for (long i = 0; i < plain.numel(); i++) {
                    plain.setFlat(i, (float) ((rng.nextDouble() * 2 - 1) * bound));
                }
            } else {
                boolean shared = spec.compatType() != CompatType.FOUR_D;
                Filler filler = shared && !spec.spatialFilter() ? Filler.CRF_POOL
                        : perturbedInit ? Filler.CRF_PERTURBED : Filler.CRF;
                layer = PacConv2d.builder(channels, channels, k).padding(spec.padding()).dilation(spec.dilation())
                        .bias(false).sharedFilters(shared).filler(filler).seed(rng.nextLong()).build();
            }
        } catch (RuntimeException e) {
            StdOps.closeAll(pw, cw, plain);
            if (layer != null) {
                layer.close();
            }
            throw e;
        }
        pairwiseWeight = pw;
        compatWeight = cw;
        plainWeight = plain;
        pac = layer;
    }

    /** Moves the tensors the messages are computed with to {@code device}; the scalar weight stays on the host. */
    void to(Device device) {
        plainWeight = DeviceMoves.moved(plainWeight, device);
        compatWeight = DeviceMoves.moved(compatWeight, device);
        if (pac != null) {
            pac.to(device);
        }
    }

    int blur() {
        return spec.blur();
    }

    boolean needsEdgeKernel() {
        return pac != null;
    }

    /** The factor the message is scaled by before it is subtracted from logQ. */
    double weight() {
        return useParameter ? pairwiseWeight.getFlat(0) : initPairwiseWeight;
    }

    /** The edge kernel K of (already blurred) edge features; the caller closes it. Null for NA. */
    Tensor edgeKernel(Tensor feat) {
        if (pac == null) {
            return null;
        }
        Kernel2dResult r = pac.computeKernel(feat, null);
        return r.kernel();
    }

    /**
     * The message of (blurred) Q with edge kernel K at Q's size, before the
     * upsampling: messenger, then the compatibility conv. The caller closes it.
     */
    Tensor message(Tensor qBlur, Tensor kernel) {
        Tensor msg = messenger(qBlur, kernel);
        if (compatWeight == null) {
            return msg;
        }
        try (msg) {
            return compat(msg);
        }
    }

    /** The messenger alone (PAC with K, or the plain conv). */
    Tensor messenger(Tensor qBlur, Tensor kernel) {
        return pac != null ? Pac.conv2d(qBlur, kernel, pac.weight(), null, pac.options())
                : StdOps.conv2d(qBlur, plainWeight, null, 1, spec.padding(), spec.dilation());
    }

    /** The 1x1 compatibility conv (2d terms only). */
    Tensor compat(Tensor msg) {
        return StdOps.conv2d(msg, compatWeight, null, 0);
    }

    /**
     * Backward of {@link #message}: from the gradient of the message (at Q's
     * blurred size) adds the weight gradients to {@code acc} (under
     * {@code prefix + state-dict key}) and the edge kernel's to
     * {@code kernelKey}; returns the gradient for {@code qBlur}.
     * {@code pre} is the messenger's output (needed for 2d terms, else null).
     */
    Tensor messageBackward(Tensor qBlur, Tensor kernel, Tensor pre, Tensor gradMsg, GradAcc acc, String prefix,
                           int i, String kernelKey) {
        Tensor gPre = gradMsg;
        try {
            if (compatWeight != null) {
                StdConvGrads cg = StdOps.conv2dBackward(pre, compatWeight, gradMsg, 1, 0, 1,
                        EnumSet.of(Grad.INPUT, Grad.WEIGHT));
                acc.add(prefix + "compat." + i + ".weight", cg.gradWeight());
                gPre = cg.gradInput();
            }
            if (pac == null) {
                StdConvGrads g = StdOps.conv2dBackward(qBlur, plainWeight, gPre, 1, spec.padding(), spec.dilation(),
                        EnumSet.of(Grad.INPUT, Grad.WEIGHT));
                acc.add(prefix + "messengers." + i + ".weight", g.gradWeight());
                return g.gradInput();
            }
            boolean learnable = pac.parameters().containsKey("weight");
            ConvGrads g = Pac.conv2dBackward(qBlur, kernel, pac.weight(), gPre, pac.options(),
                    learnable ? EnumSet.of(Grad.INPUT, Grad.KERNEL, Grad.WEIGHT) : EnumSet.of(Grad.INPUT, Grad.KERNEL));
            acc.add(prefix + "messengers." + i + ".weight", g.gradWeight());
            acc.add(kernelKey, g.gradKernel());
            return g.gradInput();
        } finally {
            if (gPre != gradMsg) {
                gPre.close();
            }
        }
    }

    /** Gradient for the (blurred) edge features from the edge kernel's gradient. */
    Tensor edgeKernelBackward(Tensor feat, Tensor gradKernel) {
        Kernel2dGrads g = Pac.kernel2dBackward(feat, pac.invAlpha(), pac.invLambda(), pac.smoothKernel(), null,
                gradKernel, pac.options(), EnumSet.of(Grad.GUIDE));
        return g.gradGuide(); // the only one computed
    }

    /** State-dict entries under the reference's names for pairwise term {@code i}. */
    void putState(Map<String, Tensor> m, int i, boolean learnableOnly) {
        if (pac != null) {
            Map<String, Tensor> s = learnableOnly ? pac.parameters() : pac.stateDict();
            for (Map.Entry<String, Tensor> e : s.entrySet()) {
                m.put("messengers." + i + "." + e.getKey(), e.getValue());
            }
        } else {
            m.put("messengers." + i + ".weight", plainWeight);
        }
        if (compatWeight != null) {
            m.put("compat." + i + ".weight", compatWeight);
        }
        m.put("pairwise_weights." + i, pairwiseWeight);
    }

    Map<String, Tensor> state(int i, boolean learnableOnly) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        putState(m, i, learnableOnly);
        return m;
    }

    @Override
    public void close() {
        StdOps.closeAll(pairwiseWeight, compatWeight, plainWeight);
        if (pac != null) {
            pac.close();
        }
    }
}
