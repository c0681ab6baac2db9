package org.jpac.nn;

import java.util.Map;
import java.util.Set;

import org.jpac.Pac;
import org.jpac.PacConvLayer;
import org.jpac.PacOptions;
import org.jpac.Tensor;

/**
 * A {@link org.jpac.PacConv2d} or {@link org.jpac.PacConvTranspose2d} in a
 * {@link Sequential}, guided by an earlier layer's output (a tap) times a
 * constant: the layer {@link HotSwap} puts in place of a standard convolution.
 * The guide is bilinearly resized when its size differs from the one the PAC
 * layer needs (the input's for a convolution, the output's for a transposed one).
 * State-dict keys are the PAC layer's ({@code weight}, {@code bias}, ...).
 */
public final class GuidedPacConv implements TapLayer {

    private final PacConvLayer layer;
    private final String guideTap;
    private final double guideScale;

    /** Takes ownership of {@code layer}. */
    public GuidedPacConv(PacConvLayer layer, String guideTap, double guideScale) {
        if (layer == null || guideTap == null) {
            throw new NullPointerException("layer and guideTap must not be null");
        }
        if (!Double.isFinite(guideScale)) {
            throw new IllegalArgumentException("guideScale: must be finite, got " + guideScale);
        }
        this.layer = layer;
        this.guideTap = guideTap;
        this.guideScale = guideScale;
    }

    /** The PAC layer (owned by this one). */
    public PacConvLayer layer() {
        return layer;
    }

    /** The tap (an earlier layer's name, or {@link Sequential#INPUT}) whose output is the guide. */
    public String guideTap() {
        return guideTap;
    }

    /** The constant the guide is multiplied by. */
    public double guideScale() {
        return guideScale;
    }

    @Override
    public Set<String> guideTaps() {
        return Set.of(guideTap);
    }

    @Override
    public Tensor forward(Tensor x, Map<String, Tensor> taps) {
        StdOps.nchw(x, "x");
        Tensor g = taps.get(guideTap);
        if (g == null) {
            throw new IllegalArgumentException("taps: no output '" + guideTap + "' to guide by (have "
                    + taps.keySet() + ")");
        }
        StdOps.nchw(g, "guide '" + guideTap + "'");
        PacOptions o = layer.options();
        boolean transposed = o.transposed();
        long h = transposed ? o.transposedOutHeight(x.dim(2)) : x.dim(2);
        long w = transposed ? o.transposedOutWidth(x.dim(3)) : x.dim(3);
        try (Tensor guide = guide(g, h, w)) {
            return transposed
                    ? Pac.convTranspose2dGuided(x, guide, layer.invAlpha(), layer.invLambda(), layer.smoothKernel(),
                    layer.weight(), layer.bias(), o)
                    : Pac.conv2dGuided(x, guide, layer.invAlpha(), layer.invLambda(), layer.smoothKernel(),
                    layer.weight(), layer.bias(), o);
        }
    }

    /** guideScale * g, bilinearly resized to h x w first when its size differs. */
    private Tensor guide(Tensor g, long h, long w) {
        if (g.dim(2) == h && g.dim(3) == w) {
            return StdOps.scale(g, guideScale);
        }
        try (Tensor r = StdOps.resizeBilinear(g, h, w)) {
            return StdOps.scale(r, guideScale);
        }
    }

    @Override
    public Map<String, Tensor> parameters() {
        return layer.stateDict();
    }

    @Override
    public void close() {
        layer.close();
    }

    @Override
    public String toString() {
        return layer.getClass().getSimpleName() + "(" + layer.inChannels() + ", " + layer.outChannels() + ", "
                + layer.options() + ", guide=" + guideTap + " * " + guideScale + ")";
    }
}
