package org.jpac.train;

import java.util.Map;

import org.jpac.Device;
import org.jpac.Tensor;
import org.jpac.internal.Placed;
import org.jpac.nn.TrainableUpsampler;
import org.jpac.nn.UpsampleGrads;

/**
 * The training loop's step: for global step s, the batch {@code data.batch(s)},
 * the learning rate of its epoch from the schedule, forward, loss, backward and
 * one optimizer update. Everything is a function of the step number and the
 * saved state (weights, optimizer buffers), so a run resumed from a checkpoint
 * continues exactly as an uninterrupted one would. Not thread-safe.
 */
public final class Trainer {

    private final TrainableUpsampler model;
    private final Optimizer optimizer;
    private final StepLr schedule;
    private final Loss loss;
    private final DataStream data;
    private long step;

    /**
     * A trainer starting at step 0.
     *
     * @param model the network to train
     * @param optimizer updates the network's parameters
     * @param schedule the learning rate of each epoch
     * @param loss compares the output with the target
     * @param data the batch of each step
     */
    public Trainer(TrainableUpsampler model, Optimizer optimizer, StepLr schedule, Loss loss, DataStream data) {
        this.model = model;
        this.optimizer = optimizer;
        this.schedule = schedule;
        this.loss = loss;
        this.data = data;
    }

    /** Steps done so far (the next step's number). */
    public long step() {
        return step;
    }

    /** Continues from step {@code s} (e.g. after loading a checkpoint). */
    public void setStep(long s) {
        if (s < 0) {
            throw new IllegalArgumentException("step: must be >= 0, got " + s);
        }
        step = s;
    }

    /** The epoch of the next step (from 0). */
    public long epoch() {
        return step / data.stepsPerEpoch();
    }

    /** The batch of each step. */
    public DataStream data() {
        return data;
    }

    /** The optimizer. */
    public Optimizer optimizer() {
        return optimizer;
    }

    /** The network being trained. */
    public TrainableUpsampler model() {
        return model;
    }

    /** The loss. */
    public Loss loss() {
        return loss;
    }

    /**
     * Runs the next step; returns its loss (before the update). The targets are
     * scaled per image to [0, 1] by the low-resolution target's range
     * ({@link TargetRange}), as the reference pipeline does; holes (NaN) in the
     * low-resolution target are filled first ({@link Batch#withHolesFilled}) unless the model
     * skips them itself ({@link TrainableUpsampler#skipsMissing()}).
     */
    public double trainStep() {
        schedule.apply(optimizer, epoch());
        // holes are filled as DepthUpsampler fills them before a network that does not skip them itself
        try (Batch raw = data.batch(step); Batch f = model.skipsMissing() ? null : raw.withHolesFilled();
             Batch b = TargetRange.scaled(f != null ? f : raw)) {
            double value = trainOn(b);
            step++;
            return value;
        }
    }

    /** One update on a given batch (does not advance the step count); returns the loss before it. */
    public double trainOn(Batch b) {
        return update(model, optimizer, loss, b);
    }

    /** Forward, loss, backward and one optimizer step of {@code model} on {@code b}; returns the loss. */
    public static double update(TrainableUpsampler model, Optimizer optimizer, Loss loss, Batch b) {
        // A model on a CUDA device: the batch goes there, the loss (Java over host memory) is taken on a
        // host copy of the output and its gradient goes back; the optimizer reads and writes the
        // parameters through host copies (OptimizerBase).
        Device at = deviceOf(model);
        try (Placed low = Placed.on(at, b.targetLow()); Placed guide = Placed.on(at, b.guide());
             Tensor out = model.forwardTrain(low.get(), guide.get()); Placed hostOut = Placed.onCpu(out)) {
            try (Loss.Value v = loss.evaluate(hostOut.get(), b.target(), true); Placed grad = Placed.on(at, v.grad());
                 UpsampleGrads g = model.backward(grad.get(), false)) {
                if (!Double.isFinite(v.loss())) {
                    throw new IllegalStateException("the loss is " + v.loss() + "; training diverged (try a lower "
                            + "learning rate)");
                }
                Map<String, Tensor> params = model.learnableParameters();
                optimizer.step(params, g.gradParams());
                return v.loss();
            }
        } finally {
            model.releaseSaved();
        }
    }

    /** Where the model's parameters are (the CPU for a model without any). */
    public static Device deviceOf(TrainableUpsampler model) {
        return model.learnableParameters().values().stream().findFirst().map(Tensor::device).orElse(Device.CPU);
    }
}
