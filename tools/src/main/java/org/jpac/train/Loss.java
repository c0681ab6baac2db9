package org.jpac.train;

import org.jpac.Tensor;

/** A training loss: its value for a prediction and target, and its gradient for the prediction. */
public interface Loss {

    /** A loss value and the gradient for the prediction (owned by the caller; null if not asked for). */
    record Value(double loss, Tensor grad) implements AutoCloseable {
        @Override
        public void close() {
            if (grad != null) {
                grad.close();
            }
        }
    }

    /** The loss of {@code prediction} against {@code target}, with the gradient when {@code withGrad}. */
    Value evaluate(Tensor prediction, Tensor target, boolean withGrad);

    /** The loss's value only. */
    default double value(Tensor prediction, Tensor target) {
        try (Value v = evaluate(prediction, target, false)) {
            return v.loss();
        }
    }

    /** A name for progress lines, e.g. {@code mse}. */
    String name();

    /** Checks that prediction and target have the same shape. */
    static void sameShape(Tensor prediction, Tensor target) {
        if (prediction == null || target == null) {
            throw new NullPointerException("prediction and target must not be null");
        }
        if (!java.util.Arrays.equals(prediction.shape(), target.shape())) {
            throw new IllegalArgumentException("target: shape " + java.util.Arrays.toString(target.shape())
                    + " differs from the prediction's " + java.util.Arrays.toString(prediction.shape()));
        }
    }
}
