package org.jpac.grad;

import org.jpac.Pac;
import org.jpac.Tensor;
import org.jpac.internal.Results;

/** Gradients of the guided convolutions' backward; null when not computed. */
public record GuidedConvGrads(Tensor gradInput, Tensor gradGuide, Tensor gradWeight, Tensor gradBias,
                              Tensor gradInvAlpha, Tensor gradInvLambda, Tensor gradSmoothKernel)
        implements AutoCloseable {
    @Override
    public void close() {
        Results.close(gradInput, gradGuide, gradWeight, gradBias, gradInvAlpha, gradInvLambda, gradSmoothKernel);
    }
}
