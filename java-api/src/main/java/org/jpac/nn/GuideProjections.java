package org.jpac.nn;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import org.jpac.Device;
import org.jpac.Grad;
import org.jpac.Tensor;
import org.jpac.grad.StdConvGrads;
import org.jpac.internal.DeviceMoves;

/**
 * Learned guide-feature projections of a {@link PacCRF} (a jpac extension, not
 * in the reference): each pairwise term with an edge kernel computes its kernel
 * from {@code P_i f} instead of the edge features {@code f}, where {@code P_i}
 * is a learnable {@code [F, F]} matrix (a 1x1 convolution, state-dict key
 * {@code guide_projections.<i>.weight}, shape {@code [F, F, 1, 1]}). So each term
 * learns its own metric: per-feature scales (how far in position or colour a
 * neighbour still counts) and mixtures (e.g. brightness against hue). They start
 * as the identity, where the CRF is exactly the one without projections.
 */
final class GuideProjections implements AutoCloseable {

    static final String PREFIX = "guide_projections.";

    private final int features;
    /** One per term; null for a term without an edge kernel. */
    private final List<Tensor> weights = new ArrayList<>();

    GuideProjections(int features) {
        if (features < 1 || features > ModelLimits.MAX_CHANNELS) {
            throw new IllegalArgumentException("guideProjection: expected 1.." + ModelLimits.MAX_CHANNELS
                    + " edge features, got " + features);
        }
        this.features = features;
    }

    /** The number of edge features F each projection takes and gives. */
    int features() {
        return features;
    }

    /** Adds term {@code i}'s projection (the identity), or none when the term has no edge kernel. */
    void addTerm(boolean needsEdgeKernel) {
        if (!needsEdgeKernel) {
            weights.add(null);
            return;
        }
        Tensor w = Tensor.allocate(features, features, 1, 1).named("guide_projection.weight");
        for (int k = 0; k < features; k++) {
            w.set(1f, k, k, 0, 0);
        }
        weights.add(w);
    }

    /** Moves the projections to {@code device}. */
    void to(Device device) {
        weights.replaceAll(w -> DeviceMoves.moved(w, device));
    }

    static String key(int i) {
        return PREFIX + i + ".weight";
    }

    /** Term {@code i}'s features: {@code P_i feat}, a new tensor the caller closes. */
    Tensor project(int i, Tensor feat) {
        if (feat.dim(1) != features) {
            throw new IllegalArgumentException("edgeFeat: the CRF's guide projections take " + features
                    + " edge features (2 positions + the image's channels), got " + StdOps.shape(feat));
        }
        return StdOps.conv2d(feat, weights.get(i), null, 0);
    }

    /**
     * Backward of {@link #project}: adds the projection's gradient to {@code acc}
     * and returns the gradient for {@code feat} (the caller closes it).
     */
    Tensor backward(int i, Tensor feat, Tensor gradProjected, GradAcc acc) {
        StdConvGrads g = StdOps.conv2dBackward(feat, weights.get(i), gradProjected, 1, 0, 1,
                EnumSet.of(Grad.INPUT, Grad.WEIGHT));
        acc.add(key(i), g.gradWeight());
        return g.gradInput();
    }

    /** Puts the projections in state-dict order. */
    void putState(Map<String, Tensor> m) {
        for (int i = 0; i < weights.size(); i++) {
            if (weights.get(i) != null) {
                m.put(key(i), weights.get(i));
            }
        }
    }

    @Override
    public void close() {
        weights.forEach(w -> {
            if (w != null) {
                w.close();
            }
        });
    }
}
