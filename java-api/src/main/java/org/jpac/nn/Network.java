package org.jpac.nn;

import java.util.Map;

import org.jpac.Device;
import org.jpac.Tensor;
import org.jpac.io.StateDict;

/**
 * A network with the reference's state-dict layout: its tensors by the keys
 * PyTorch's {@code state_dict()} gives them (e.g. {@code branch_t.conv1.weight},
 * {@code up_convts.0.bias}), loadable from a weight file.
 *
 * <p>A network owns its tensors and frees them on {@link #close}. Not thread-safe
 * while weights are being loaded; {@code forward} of the networks in this package
 * only reads the weights, so several threads may run it at once.
 */
public interface Network extends AutoCloseable {

    /**
     * Every tensor of the state dict (learnable parameters and buffers such as a
     * batch norm's running statistics), by state-dict key in the reference's
     * order. The tensors are the network's own: writing them changes the network.
     */
    Map<String, Tensor> parameters();

    /**
     * Copies the values of {@code dict} into this network's tensors. The dict must
     * hold exactly the keys of {@link #parameters()} with their shapes (a batch
     * norm's {@code num_batches_tracked} may be present or not); otherwise one
     * {@link IllegalArgumentException} lists every missing, unexpected and
     * mis-shaped key, and nothing is changed.
     */
    default void loadStateDict(StateDict dict) {
        StateDicts.load(this, dict);
    }

    /** {@link #loadStateDict(StateDict)} from tensors by key (copied). */
    default void loadStateDict(Map<String, Tensor> values) {
        StateDict d = new StateDict();
        values.forEach(d::put);
        loadStateDict(d);
    }

    /** Keys that may be present in a state dict and are ignored (e.g. {@code bn1.num_batches_tracked}). */
    default java.util.Set<String> optionalKeys() {
        return java.util.Set.of();
    }

    /**
     * Moves the network's tensors to {@code device} in place, as PyTorch's
     * {@code module.to(device)}: {@code forward} then takes and returns tensors
     * there, and the tensors {@link #parameters()} returned before are closed
     * (ask it again). For inference: a network on a CUDA device has no backward
     * pass, and {@code to(Device.CPU)} brings it back (e.g. to save its weights).
     * Not while another thread runs the network.
     *
     * @param device where the tensors go
     * @throws UnsupportedOperationException if this network cannot run there
     */
    default void to(Device device) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot move to " + device
                + ": only PacJointUpsample, PacJointUpsampleLite, DJIF, PacCRF and PacCRFLoose can");
    }

    /** Frees the network's tensors; idempotent. */
    @Override
    void close();
}
