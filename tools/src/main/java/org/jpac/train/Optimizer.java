package org.jpac.train;

import java.util.Map;

import org.jpac.Tensor;

/**
 * A first-order optimizer over named parameters (state-dict keys), updating the
 * parameter tensors in place as PyTorch's {@code optimizer.step()} does. Its
 * state (step count, per-parameter buffers) can be saved and restored for
 * checkpoints. Not thread-safe.
 */
public interface Optimizer {

    /**
     * One update of every parameter in {@code params} that has a gradient in
     * {@code grads} (same key, same shape); parameters without one are left
     * alone, as PyTorch skips parameters whose {@code .grad} is None.
     */
    void step(Map<String, Tensor> params, Map<String, Tensor> grads);

    /** The learning rate of the next step. */
    double learningRate();

    /**
     * Sets the learning rate of the next steps.
     *
     * @param lr the learning rate (at least 0, finite)
     * @throws IllegalArgumentException if {@code lr} is negative or not finite
     */
    void setLearningRate(double lr);

    /** Number of steps taken. */
    long steps();

    /**
     * The per-parameter state as arrays by name: {@code <param key>.<buffer>}
     * (e.g. {@code conv1.weight.exp_avg}), each with its parameter's element count.
     */
    Map<String, float[]> state();

    /**
     * Restores {@link #state()} and {@link #steps()} (e.g. from a checkpoint);
     * replaces the current state. Throws {@link IllegalArgumentException} for a
     * buffer name this optimizer does not use.
     */
    void loadState(Map<String, float[]> state, long steps);

    /** A short description, e.g. {@code adam(lr=0.001, betas=(0.9, 0.999), eps=1e-08)}. */
    String describe();
}
