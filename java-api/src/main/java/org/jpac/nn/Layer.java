package org.jpac.nn;

import java.util.Map;

import org.jpac.Tensor;

/** One step of a sequential branch: a function of one tensor with named state. */
interface Layer extends AutoCloseable {

    /** A new output tensor (the caller closes it); x is not modified. */
    Tensor forward(Tensor x);

    /** Adds this layer's state-dict tensors under {@code prefix} (e.g. "branch_t.conv1."). */
    void collect(String prefix, Map<String, Tensor> into);

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
        public void collect(String prefix, Map<String, Tensor> into) {
        }

        @Override
        public void close() {
        }
    };
}
