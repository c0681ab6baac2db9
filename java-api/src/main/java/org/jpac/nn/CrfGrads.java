package org.jpac.nn;

import java.util.Map;

import org.jpac.Tensor;

/**
 * Gradients of a CRF's forward pass ({@link PacCRF#gradients},
 * {@link PacCRFLoose#gradients}): for the unary, the edge features, and every
 * learnable parameter by state-dict key (zero for a parameter the output does
 * not depend on, e.g. an unused pairwise weight). The caller closes them.
 *
 * @param gradUnary the gradient for the unary
 * @param gradEdgeFeat the gradient for the edge features
 * @param gradParams the gradient of every learnable parameter by state-dict key
 */
public record CrfGrads(Tensor gradUnary, Tensor gradEdgeFeat, Map<String, Tensor> gradParams)
        implements AutoCloseable {

    /** Copies {@code gradParams} into an unmodifiable map in the same order. */
    public CrfGrads {
        gradParams = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(gradParams));
    }

    @Override
    public void close() {
        gradUnary.close();
        gradEdgeFeat.close();
        gradParams.values().forEach(Tensor::close);
    }
}
