package org.jpac.nn;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jpac.Tensor;

/**
 * Gradients of a joint upsampling network's training step
 * ({@link TrainableUpsampler#backward}): for the low-resolution target and the
 * guide (null when not asked for), and for every learnable parameter by
 * state-dict key (zero for a parameter the output does not depend on). The
 * caller closes them.
 *
 * @param gradTargetLow the gradient for the low-resolution target, or null
 * @param gradGuide the gradient for the guide, or null
 * @param gradParams the gradient of every learnable parameter by state-dict key
 */
public record UpsampleGrads(Tensor gradTargetLow, Tensor gradGuide, Map<String, Tensor> gradParams)
        implements AutoCloseable {

    /** Copies {@code gradParams} into an unmodifiable map in the same order. */
    public UpsampleGrads {
        gradParams = Collections.unmodifiableMap(new LinkedHashMap<>(gradParams));
    }

    @Override
    public void close() {
        if (gradTargetLow != null) {
            gradTargetLow.close();
        }
        if (gradGuide != null) {
            gradGuide.close();
        }
        gradParams.values().forEach(Tensor::close);
    }
}
