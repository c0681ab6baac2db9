package org.jpac.nn;

import java.util.Map;
import java.util.Set;

import org.jpac.Device;
import org.jpac.Tensor;
import org.jpac.internal.DeviceMoves;

/**
 * Batch norm in inference mode, as PyTorch's {@code nn.BatchNorm2d(channels)}
 * after {@code eval()}: state-dict keys {@code weight}, {@code bias},
 * {@code running_mean}, {@code running_var} (and {@code num_batches_tracked},
 * accepted and ignored). eps 1e-5.
 */
public final class BatchNorm2d implements Layer {

    /** The epsilon added to the running variance. */
    public static final double EPS = 1e-5;

    private Tensor weight; // not final: to(Device) replaces them
    private Tensor bias;
    private Tensor runningMean;
    private Tensor runningVar;

    /**
     * A batch norm with weight 1, bias 0, running mean 0 and running variance 1 (the identity up to eps).
     *
     * @param channels the channels (at least 1)
     * @throws IllegalArgumentException if {@code channels} is below 1
     */
    public BatchNorm2d(int channels) {
        if (channels < 1) {
            throw new IllegalArgumentException("channels: must be >= 1, got " + channels);
        }
        Tensor[] t = allocate(channels, "weight", "bias", "running_mean", "running_var");
        weight = t[0];
        bias = t[1];
        runningMean = t[2];
        runningVar = t[3];
        weight.fill(1f);
        runningVar.fill(1f);
    }

    @Override
    public void to(Device device) {
        weight = DeviceMoves.moved(weight, device);
        bias = DeviceMoves.moved(bias, device);
        runningMean = DeviceMoves.moved(runningMean, device);
        runningVar = DeviceMoves.moved(runningVar, device);
    }

    /** Zeroed tensors of {@code channels} values with these names; none is left open when one fails. */
    private static Tensor[] allocate(int channels, String... names) {
        Tensor[] t = new Tensor[names.length];
        try {
            for (int i = 0; i < t.length; i++) {
                t[i] = Tensor.allocate(channels).named(names[i]);
            }
            return t;
        } catch (RuntimeException | Error e) {
            for (Tensor x : t) {
                if (x != null) {
                    x.close();
                }
            }
            throw e;
        }
    }

    @Override
    public Tensor forward(Tensor x) {
        return StdOps.batchNorm(x, runningMean, runningVar, weight, bias, EPS);
    }

    @Override
    public void collect(String prefix, Map<String, Tensor> into) {
        into.put(prefix + "weight", weight);
        into.put(prefix + "bias", bias);
        into.put(prefix + "running_mean", runningMean);
        into.put(prefix + "running_var", runningVar);
    }

    @Override
    public void collectOptional(String prefix, Set<String> into) {
        into.add(prefix + "num_batches_tracked");
    }

    @Override
    public void close() {
        weight.close();
        bias.close();
        runningMean.close();
        runningVar.close();
    }
}
