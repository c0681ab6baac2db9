package org.jpac.nn;

import java.util.Map;
import java.util.Set;

import org.jpac.Tensor;

/**
 * The reference's {@code Bilinear(factor, channels=None, guide_channels=None)}:
 * bilinear upsampling of the target by {@code factor} (align_corners=False); the
 * guide is not used. No parameters.
 */
public final class Bilinear implements UpsamplingNetwork {

    private final int factor;

    /**
     * Bilinear upsampling by {@code factor}.
     *
     * @param factor the scale factor (at least 1)
     * @throws IllegalArgumentException if {@code factor} is below 1
     */
    public Bilinear(int factor) {
        if (factor < 1) {
            throw new IllegalArgumentException("factor: must be >= 1, got " + factor);
        }
        this.factor = factor;
    }

    /** From the reference's constructor arguments (channels and guide_channels are ignored). */
    public static Bilinear fromArgs(ModelArgs a) {
        a.rejectUnknown(Set.of("factor", "channels", "guide_channels"));
        return new Bilinear(PacJointUpsample.factor(a));
    }

    @Override
    public int factor() {
        return factor;
    }

    @Override
    public Map<String, Tensor> parameters() {
        return Map.of();
    }

    /** The upsampled target; {@code guide} may be null. */
    @Override
    public Tensor forward(Tensor targetLow, Tensor guide) {
        return StdOps.resizeBilinearScale(targetLow, factor);
    }

    @Override
    public void close() {
    }
}
