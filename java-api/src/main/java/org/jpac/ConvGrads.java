package org.jpac;

/** Gradients of {@link Pac#conv2dBackward} / {@link Pac#convTranspose2dBackward}; null when not computed. */
public record ConvGrads(Tensor gradInput, Tensor gradKernel, Tensor gradWeight, Tensor gradBias)
        implements AutoCloseable {
    @Override
    public void close() {
        Results.close(gradInput, gradKernel, gradWeight, gradBias);
    }
}
