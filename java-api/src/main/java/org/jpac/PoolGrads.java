package org.jpac;

/** Gradients of {@link Pac#pool2dBackward}; null when not computed. */
public record PoolGrads(Tensor gradInput, Tensor gradKernel) implements AutoCloseable {
    @Override
    public void close() {
        Results.close(gradInput, gradKernel);
    }
}
