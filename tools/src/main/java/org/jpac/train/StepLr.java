package org.jpac.train;

/**
 * The step learning-rate schedule of PyTorch's {@code StepLR(optimizer,
 * step_size, gamma)}: {@code lr(epoch) = base_lr * gamma^floor(epoch / step_size)}
 * (epochs from 0).
 *
 * @param baseLr the learning rate of epoch 0
 * @param stepSize the epochs between decays
 * @param gamma the factor of each decay
 */
public record StepLr(double baseLr, int stepSize, double gamma) {

    /**
     * Checks the settings.
     *
     * @throws IllegalArgumentException if {@code baseLr} is negative or not finite, {@code stepSize} is below 1 or
     *     {@code gamma} is not positive and finite
     */
    public StepLr {
        if (!(baseLr >= 0) || Double.isInfinite(baseLr)) {
            throw new IllegalArgumentException("baseLr: must be >= 0 and finite, got " + baseLr);
        }
        if (stepSize < 1) {
            throw new IllegalArgumentException("stepSize: must be >= 1, got " + stepSize);
        }
        if (!(gamma > 0) || Double.isInfinite(gamma)) {
            throw new IllegalArgumentException("gamma: must be positive and finite, got " + gamma);
        }
    }

    /** The learning rate during epoch {@code epoch} (from 0). */
    public double lr(long epoch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch: must be >= 0, got " + epoch);
        }
        return baseLr * Math.pow(gamma, Math.floorDiv(epoch, stepSize));
    }

    /** Sets the optimizer's learning rate for {@code epoch}; returns it. */
    public double apply(Optimizer opt, long epoch) {
        double lr = lr(epoch);
        opt.setLearningRate(lr);
        return lr;
    }
}
