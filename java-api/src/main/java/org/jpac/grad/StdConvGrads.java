package org.jpac.grad;

import org.jpac.Pac;
import org.jpac.Tensor;
import org.jpac.internal.Results;

/** Gradients of {@link Pac#stdConv2dBackward}; null when not computed. */
public record StdConvGrads(Tensor gradInput, Tensor gradWeight, Tensor gradBias) implements AutoCloseable {
    @Override
    public void close() {
        Results.close(gradInput, gradWeight, gradBias);
    }
}
