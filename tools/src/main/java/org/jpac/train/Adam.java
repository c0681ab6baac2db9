package org.jpac.train;

import java.util.Set;

/**
 * Adam as PyTorch's {@code torch.optim.Adam(params, lr, betas, eps,
 * weight_decay)} (single-tensor implementation, float32), or AdamW's decoupled
 * weight decay:
 * <pre>
 *   p = p * (1 - lr * weight_decay)      (decoupled: AdamW)
 *   g = grad + weight_decay * p           (otherwise: L2, as Adam)
 *   m = m + (1 - beta1) * (g - m)         (lerp)
 *   v = beta2 * v + (1 - beta2) * g * g
 *   p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 * with t the step number (from 1). State: {@code <param>.exp_avg},
 * {@code <param>.exp_avg_sq}; the step count is shared by all parameters.
 */
public final class Adam extends OptimizerBase {

    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final boolean decoupled;

    /**
     * Adam, or AdamW with {@code decoupled}.
     *
     * @param lr the learning rate (at least 0)
     * @param beta1 the decay of the gradient's running average (in [0, 1))
     * @param beta2 the decay of the squared gradient's running average (in [0, 1))
     * @param eps the term added to the denominator (at least 0)
     * @param weightDecay the weight decay (at least 0)
     * @param decoupled true for AdamW's decoupled decay, false for Adam's L2 term
     * @throws IllegalArgumentException if an argument is out of range
     */
    public Adam(double lr, double beta1, double beta2, double eps, double weightDecay, boolean decoupled) {
        super(lr);
        this.beta1 = checkUnit(beta1, "beta1");
        this.beta2 = checkUnit(beta2, "beta2");
        this.eps = checkNonNegative(eps, "eps");
        this.weightDecay = checkNonNegative(weightDecay, "weightDecay");
        this.decoupled = decoupled;
    }

    /** PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, no weight decay. */
    public Adam(double lr) {
        this(lr, 0.9, 0.999, 1e-8, 0, false);
    }

    @Override
    Set<String> bufferNames() {
        return Set.of("exp_avg", "exp_avg_sq");
    }

    @Override
    void update(String key, float[] p, float[] grad) {
        float[] m = buffer(key, "exp_avg", p.length, true);
        float[] v = buffer(key, "exp_avg_sq", p.length, true);
        double t = steps;
        double bc1 = 1 - Math.pow(beta1, t);
        double bc2 = 1 - Math.pow(beta2, t);
        float stepSize = (float) -(lr / bc1);
        float bc2Sqrt = (float) Math.sqrt(bc2);
        float w1 = (float) (1 - beta1);
        float b2 = (float) beta2;
        float w2 = (float) (1 - beta2);
        float e = (float) eps;
        float wd = (float) weightDecay;
        float decay = (float) (1 - lr * weightDecay);
        for (int i = 0; i < p.length; i++) {
            float g = grad[i];
            if (weightDecay != 0) {
                if (decoupled) {
                    p[i] = p[i] * decay;
                } else {
                    g = g + wd * p[i];
                }
            }
            m[i] = lerp(m[i], g, w1);
            v[i] = v[i] * b2 + w2 * (g * g);
            float denom = (float) Math.sqrt(v[i]) / bc2Sqrt + e;
            p[i] = p[i] + stepSize * (m[i] / denom);
        }
    }

    /** PyTorch's lerp: a + w (b - a) for w < 0.5, else b - (b - a)(1 - w). */
    private static float lerp(float a, float b, float w) {
        return w < 0.5f ? a + w * (b - a) : b - (b - a) * (1 - w);
    }

    @Override
    public String describe() {
        return (decoupled ? "adamw" : "adam") + "(lr=" + lr + ", betas=(" + beta1 + ", " + beta2 + "), eps=" + eps
                + ", weight_decay=" + weightDecay + ")";
    }
}
