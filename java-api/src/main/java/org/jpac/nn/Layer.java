package org.jpac.nn;

import java.util.Map;

import org.jpac.Device;
import org.jpac.Tensor;

/** One step of a sequential branch: a function of one tensor with named state. */
interface Layer extends AutoCloseable {

    /** A new output tensor (the caller closes it); x is not modified. */
    Tensor forward(Tensor x);

    /** Adds this layer's state-dict tensors under {@code prefix} (e.g. "branch_t.conv1."). */
    void collect(String prefix, Map<String, Tensor> into);

    /**
     * The gradient for the input {@code x} given the output's gradient (a new
     * tensor, or null when {@code needInput} is false); adds the parameters'
     * gradients to {@code acc} under {@code prefix} + name. Layers that cannot
     * be trained throw {@link UnsupportedOperationException}.
     */
    default Tensor backward(Tensor x, Tensor gradOutput, String prefix, GradAcc acc, boolean needInput) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " (" + prefix
                + ") has no backward pass; it cannot be trained");
    }

    /** Whether {@link #backward} is implemented. */
    default boolean trainable() {
        return false;
    }

    /**
     * Moves the layer's tensors to {@code device} in place (see {@link org.jpac.PacLayer#to}); nothing
     * for a layer without state.
     */
    default void to(Device device) {
    }

    /** Adds this layer's ignorable state-dict keys under {@code prefix}. */
    default void collectOptional(String prefix, java.util.Set<String> into) {
    }

    @Override
    void close();

    /** ReLU: no state. */
    Layer RELU = new Layer() {
        @Override
        public Tensor forward(Tensor x) {
            return StdOps.relu(x);
        }

        @Override
        public Tensor backward(Tensor x, Tensor gradOutput, String prefix, GradAcc acc, boolean needInput) {
            return needInput ? StdOps.reluBackward(x, gradOutput) : null;
        }

        @Override
        public boolean trainable() {
            return true;
        }

        @Override
        public void collect(String prefix, Map<String, Tensor> into) {
        }

        @Override
        public void close() {
        }
    };
}
