package org.jpac.grad;

import org.jpac.Pac;
import org.jpac.Tensor;
import org.jpac.internal.Results;

/** Gradients of {@link Pac#pool2dBackward}; null when not computed. */
public record PoolGrads(Tensor gradInput, Tensor gradKernel) implements AutoCloseable {
    @Override
    public void close() {
        Results.close(gradInput, gradKernel);
    }
}
