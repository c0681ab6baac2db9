package org.jpac.train;

import java.util.Set;

/**
 * Stochastic gradient descent as PyTorch's {@code torch.optim.SGD(params, lr,
 * momentum, dampening, weight_decay, nesterov)}, in float32:
 * <pre>
 *   g = grad + weight_decay * p
 *   buf = g                                   (first step)
 *   buf = momentum * buf + (1 - dampening) * g (later steps)
 *   g = nesterov ? g + momentum * buf : buf    (when momentum != 0)
 *   p = p - lr * g
 * </pre>
 * State: {@code <param>.momentum_buffer} (with momentum only).
 */
public final class Sgd extends OptimizerBase {

    private final double momentum;
    private final double dampening;
    private final double weightDecay;
    private final boolean nesterov;

    /**
     * SGD with the given settings.
     *
     * @param lr the learning rate (at least 0)
     * @param momentum the momentum (at least 0)
     * @param dampening the dampening of the momentum (at least 0)
     * @param weightDecay the weight decay (at least 0)
     * @param nesterov whether to use Nesterov momentum (needs momentum above 0 and dampening 0)
     * @throws IllegalArgumentException if an argument is out of range
     */
    public Sgd(double lr, double momentum, double dampening, double weightDecay, boolean nesterov) {
        super(lr);
        this.momentum = checkNonNegative(momentum, "momentum");
        this.dampening = checkNonNegative(dampening, "dampening");
        this.weightDecay = checkNonNegative(weightDecay, "weightDecay");
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new IllegalArgumentException("nesterov: needs momentum > 0 and dampening 0 (as PyTorch), got "
                    + "momentum " + momentum + ", dampening " + dampening);
        }
        this.nesterov = nesterov;
    }

    /** Momentum without dampening or weight decay. */
    public Sgd(double lr, double momentum) {
        this(lr, momentum, 0, 0, false);
    }

    @Override
    Set<String> bufferNames() {
        return Set.of("momentum_buffer");
    }

    @Override
    void update(String key, float[] p, float[] grad) {
        float wd = (float) weightDecay;
        float m = (float) momentum;
        float keep = (float) (1 - dampening);
        float step = (float) -lr;
        float[] buf = null;
        boolean first = false;
        if (momentum != 0) {
            buf = buffer(key, "momentum_buffer", p.length, false);
            if (buf == null) {
                buf = buffer(key, "momentum_buffer", p.length, true);
                first = true;
            }
        }
        for (int i = 0; i < p.length; i++) {
            float g = grad[i];
            if (weightDecay != 0) {
                g = g + wd * p[i];
            }
            if (buf != null) {
                buf[i] = first ? g : buf[i] * m + keep * g;
                g = nesterov ? g + m * buf[i] : buf[i];
            }
            p[i] = p[i] + step * g;
        }
    }

    @Override
    public String describe() {
        return "sgd(lr=" + lr + ", momentum=" + momentum + ", dampening=" + dampening + ", weight_decay="
                + weightDecay + ", nesterov=" + nesterov + ")";
    }
}
