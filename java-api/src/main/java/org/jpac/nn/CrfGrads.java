package org.jpac.nn;

import java.util.Map;

import org.jpac.Tensor;

/**
 * Gradients of a CRF's forward pass ({@link PacCRF#gradients},
 * {@link PacCRFLoose#gradients}): for the unary, the edge features, and every
 * learnable parameter by state-dict key (zero for a parameter the output does
 * not depend on, e.g. an unused pairwise weight). The caller closes them.
 */
public record CrfGrads(Tensor gradUnary, Tensor gradEdgeFeat, Map<String, Tensor> gradParams)
        implements AutoCloseable {

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
