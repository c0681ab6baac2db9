package org.jpac;

/**
 * The guidance of a guided (fused) PAC operation: the guide features and the
 * adapting kernel's optional learnable inputs, so that the common call needs
 * no run of nulls: {@code Pac.conv2dGuided(input, Guide.of(features), weight, bias, opts)}
 * (or simply the features tensor in place of the Guide).
 *
 * @param features the guidance features [B, C, H, W] (required)
 * @param invAlpha the inv kernel's alpha ([1] or [C] when channel-wise), or null for the kernel type's constant
 * @param invLambda the inv kernel's lambda, or null for the kernel type's constant
 * @param smoothKernel the smoothing kernel [m, m] or [1, 1, m, m], or null for the options' smoothing
 */
public record Guide(Tensor features, Tensor invAlpha, Tensor invLambda, Tensor smoothKernel) {

    /**
     * Checks that the features are given.
     *
     * @throws NullPointerException if {@code features} is null
     */
    public Guide {
        if (features == null) {
            throw new NullPointerException("features: must not be null");
        }
    }

    /** Guide features only: the kernel's other inputs from the options. */
    public static Guide of(Tensor features) {
        return new Guide(features, null, null, null);
    }

    /** The same guide with the inv kernel's alpha and lambda. */
    public Guide withInvParams(Tensor alpha, Tensor lambda) {
        return new Guide(features, alpha, lambda, smoothKernel);
    }

    /** The same guide with a smoothing kernel. */
    public Guide withSmoothKernel(Tensor kernel) {
        return new Guide(features, invAlpha, invLambda, kernel);
    }
}
