package org.jpac.grad;

import org.jpac.Pac;
import org.jpac.Tensor;
import org.jpac.internal.Results;

/** Gradients of {@link Pac#kernel2dBackward}; entries not computed are null. */
public record Kernel2dGrads(Tensor gradGuide, Tensor gradInvAlpha, Tensor gradInvLambda, Tensor gradSmoothKernel)
        implements AutoCloseable {
    @Override
    public void close() {
        Results.close(gradGuide, gradInvAlpha, gradInvLambda, gradSmoothKernel);
    }
}
