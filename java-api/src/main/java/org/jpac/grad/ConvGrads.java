package org.jpac.grad;

import org.jpac.Pac;
import org.jpac.Tensor;
import org.jpac.internal.Results;

/** Gradients of {@link Pac#conv2dBackward} / {@link Pac#convTranspose2dBackward}; null when not computed. */
public record ConvGrads(Tensor gradInput, Tensor gradKernel, Tensor gradWeight, Tensor gradBias)
        implements AutoCloseable {
    @Override
    public void close() {
        Results.close(gradInput, gradKernel, gradWeight, gradBias);
    }
}
