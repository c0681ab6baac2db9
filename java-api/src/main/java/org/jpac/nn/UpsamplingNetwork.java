package org.jpac.nn;

import org.jpac.Tensor;
import org.jpac.internal.Outputs;

/**
 * A joint upsampling network: a low-resolution target (depth, or optical flow
 * with several channels) and a high-resolution guide image give the target at
 * the guide's resolution.
 */
public interface UpsamplingNetwork extends Network {

    /** The upsampling factor: the guide is {@code factor} times the target's size. */
    int factor();

    /**
     * The upsampled target. {@code targetLow} [B, C, h, w], {@code guide}
     * [B, guide channels, h * factor, w * factor]; the result is [B, C, h * factor,
     * w * factor] (a new tensor the caller closes). A target with several channels
     * is run one channel at a time through the single-channel network, as the
     * reference does.
     */
    Tensor forward(Tensor targetLow, Tensor guide);

    /**
     * Whether {@link #forward} takes missing samples (NaN in {@code targetLow})
     * and skips them itself; networks that do not must be given a hole-filled
     * target ({@link DepthHoles#filled}), or NaN spreads through them.
     */
    default boolean skipsMissing() {
        return false;
    }

    /**
     * {@link #forward(Tensor, Tensor)} written into {@code output} (a caller's
     * tensor of the result's shape, e.g. one reused from call to call); returns
     * {@code output}. The network's intermediate tensors come from jpac's memory
     * pool, so steady calls of the same sizes allocate no fresh memory.
     */
    default Tensor forward(Tensor targetLow, Tensor guide, Tensor output) {
        return Outputs.into(forward(targetLow, guide), output, "output");
    }
}
