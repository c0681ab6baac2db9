package org.jpac.nn;

import java.util.Map;

import org.jpac.Tensor;

/**
 * A joint upsampling network that predicts the correction to bilinear
 * upsampling: {@code out = net(targetLow, guide) + bilinear(targetLow)}. With
 * the skip, a freshly initialised network starts near bilinear's accuracy and
 * its training goes into the edges, where bilinear fails; it converges far
 * sooner than the reference's direct prediction. The state dict is the wrapped
 * network's (same keys), so the weights load into the reference's network;
 * weight files record the skip in their metadata ({@code target_residual:
 * bilinear}) so that whoever runs them adds it too.
 */
public final class BilinearResidual extends ResidualUpsampler {

    /** The metadata key and value that mark a weight file as trained with the skip. */
    public static final String METADATA_KEY = "target_residual";
    /** The value of {@link #METADATA_KEY} that marks the bilinear skip. */
    public static final String METADATA_VALUE = "bilinear";

    private long[] savedLowShape; // of the last forwardTrain, until backward

    /**
     * Wraps {@code net}, adding bilinear upsampling of the target to its output.
     *
     * @param net the network that predicts the correction
     * @throws NullPointerException if {@code net} is null
     */
    public BilinearResidual(TrainableUpsampler net) {
        super(net);
    }

    /**
     * Whether weight-file metadata asks for the bilinear skip: {@code bilinear}
     * yes; absent, {@code none} or another known skip ({@link TargetSkip}) no; an
     * unknown value is an error (running such weights without their skip would
     * give wrong results silently).
     */
    public static boolean requestedBy(Map<String, String> metadata) {
        return TargetSkip.of(metadata) == TargetSkip.BILINEAR;
    }

    @Override
    public Tensor forward(Tensor targetLow, Tensor guide) {
        return withSkip(net.forward(targetLow, guide), targetLow);
    }

    @Override
    public Tensor forwardTrain(Tensor targetLow, Tensor guide) {
        Tensor out = withSkip(net.forwardTrain(targetLow, guide), targetLow);
        savedLowShape = targetLow.shape();
        return out;
    }

    /** Adds bilinear(targetLow) to the network's output, in place; closes it on failure. */
    private Tensor withSkip(Tensor out, Tensor targetLow) {
        try (Tensor up = StdOps.resizeBilinearScale(targetLow, factor())) {
            if (!java.util.Arrays.equals(up.shape(), out.shape())) {
                throw new IllegalArgumentException("targetLow: bilinear upsampling gives " + StdOps.shape(up)
                        + " but the network gives " + StdOps.shape(out));
            }
            return StdOps.addInPlace(out, up);
        } catch (RuntimeException | Error e) {
            out.close();
            throw e;
        }
    }

    @Override
    public UpsampleGrads backward(Tensor gradOutput, boolean inputGrads) {
        long[] low = savedLowShape;
        savedLowShape = null;
        if (low == null) {
            throw new IllegalStateException("backward: no forwardTrain to take the gradients of");
        }
        UpsampleGrads g = net.backward(gradOutput, inputGrads);
        if (!inputGrads || g.gradTargetLow() == null) {
            return g;
        }
        try (Tensor skip = StdOps.resizeBilinearBackward(gradOutput, low[2], low[3], 1.0 / factor(),
                1.0 / factor())) {
            StdOps.addInPlace(g.gradTargetLow(), skip);
            return g;
        } catch (RuntimeException | Error e) {
            g.close();
            throw e;
        }
    }

    @Override
    public void releaseSaved() {
        savedLowShape = null;
        net.releaseSaved();
    }

    @Override
    public void close() {
        net.close();
    }
}
