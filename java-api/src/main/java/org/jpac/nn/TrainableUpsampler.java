package org.jpac.nn;

import java.util.Map;

import org.jpac.Tensor;

/**
 * A joint upsampling network that can be trained by reverse-mode
 * differentiation: {@link #forwardTrain} computes the output as
 * {@link #forward} does and saves what the backward pass needs;
 * {@link #backward} then gives the gradients for the inputs and for every
 * learnable parameter, and releases the saved tensors (so does
 * {@link #releaseSaved}, or the next {@code forwardTrain}). The inputs given to
 * {@code forwardTrain} must stay open until {@code backward}.
 *
 * <p>One training step at a time: the saved tensors belong to the network, so a
 * network is not thread-safe while it is trained. Networks with batch norm
 * layers cannot be trained (batch statistics in training mode are not
 * implemented): {@code forwardTrain} throws {@link UnsupportedOperationException}.
 */
public interface TrainableUpsampler extends UpsamplingNetwork {

    /** {@link #forward}, saving the intermediate tensors for {@link #backward}. */
    Tensor forwardTrain(Tensor targetLow, Tensor guide);

    /**
     * The gradients for {@code gradOutput}, the gradient of the last
     * {@link #forwardTrain}'s output; releases the saved tensors. With
     * {@code inputGrads} false the input gradients are not computed (null).
     */
    UpsampleGrads backward(Tensor gradOutput, boolean inputGrads);

    /** {@link #backward(Tensor, boolean)} with the input gradients. */
    default UpsampleGrads backward(Tensor gradOutput) {
        return backward(gradOutput, true);
    }

    /** Frees the tensors saved by {@link #forwardTrain} without a backward pass; idempotent. */
    void releaseSaved();

    /**
     * The learnable parameters by state-dict key (the network's own tensors, a
     * subset of {@link #parameters()}): what {@link #backward} gives gradients for
     * and an optimizer updates.
     */
    Map<String, Tensor> learnableParameters();
}
