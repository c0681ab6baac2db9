package org.jpac.grad;

import org.jpac.Pac;
import org.jpac.Tensor;
import org.jpac.internal.Results;

/** Gradients of {@link Pac#pool2dGuidedBackward}; null when not computed. */
public record GuidedPoolGrads(Tensor gradInput, Tensor gradGuide, Tensor gradInvAlpha, Tensor gradInvLambda,
                              Tensor gradSmoothKernel) implements AutoCloseable {
    @Override
    public void close() {
        Results.close(gradInput, gradGuide, gradInvAlpha, gradInvLambda, gradSmoothKernel);
    }
}
