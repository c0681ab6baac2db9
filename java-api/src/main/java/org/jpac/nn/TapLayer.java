package org.jpac.nn;

import java.util.Map;
import java.util.Set;

import org.jpac.Tensor;

/**
 * A layer of a {@link Sequential}: a function of the previous layer's output
 * that may also read the outputs of earlier layers ("taps", by layer name, plus
 * {@link Sequential#INPUT} for the network's input), as a hot-swapped PAC layer
 * does for its guidance.
 */
public interface TapLayer extends AutoCloseable {

    /**
     * A new output tensor (the caller closes it). Neither {@code x} nor the taps
     * are modified or closed.
     */
    Tensor forward(Tensor x, Map<String, Tensor> taps);

    /** The layer's state-dict tensors by local key ({@code weight}, {@code bias}, ...); the layer owns them. */
    Map<String, Tensor> parameters();

    /** The taps {@link #forward} reads (none for an ordinary layer). */
    default Set<String> guideTaps() {
        return Set.of();
    }

    /** Frees the layer's tensors; idempotent. */
    @Override
    void close();
}
