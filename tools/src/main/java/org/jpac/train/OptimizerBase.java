package org.jpac.train;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.jpac.Tensor;
import org.jpac.internal.Placed;

/** What the optimizers share: the learning rate, the step count, buffers by name and argument checks. */
abstract class OptimizerBase implements Optimizer {

    /** The learning rate of the next step. */
    protected double lr;
    /** The number of steps taken. */
    protected long steps;
    /** Buffers by {@code <param key>.<buffer name>}. */
    protected final Map<String, float[]> buffers = new HashMap<>();

    OptimizerBase(double lr) {
        setLearningRate(lr);
    }

    @Override
    public double learningRate() {
        return lr;
    }

    @Override
    public void setLearningRate(double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("lr: must be >= 0 and finite, got " + lr);
        }
        this.lr = lr;
    }

    @Override
    public long steps() {
        return steps;
    }

    /** The buffer names this optimizer keeps per parameter. */
    abstract Set<String> bufferNames();

    /** Updates one parameter {@code p} in place from its gradient {@code g} (both copies). */
    abstract void update(String key, float[] p, float[] g);

    @Override
    public void step(Map<String, Tensor> params, Map<String, Tensor> grads) {
        if (params == null || grads == null) {
            throw new NullPointerException("params and grads must not be null");
        }
        steps++;
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            Tensor g = grads.get(e.getKey());
            if (g == null) {
                continue;
            }
            Tensor p = e.getValue();
            if (p.numel() != g.numel()) {
                throw new IllegalArgumentException("grads: '" + e.getKey() + "' has " + g.numel()
                        + " elements, the parameter " + p.numel());
            }
            // Parameters on a CUDA device are read and written through host copies: they are small
            // next to the activations, and the update is the same code as on the CPU.
            float[] pv = Placed.values(p);
            update(e.getKey(), pv, Placed.values(g));
            if (p.device().isCpu()) {
                p.copyFrom(pv);
            } else {
                try (Tensor host = Tensor.of(pv, p.shape())) {
                    p.copyFrom(host);
                }
            }
        }
    }

    /** The buffer {@code key.name}, created (zero) with n elements when absent; null if {@code create} is false. */
    float[] buffer(String key, String name, int n, boolean create) {
        String k = key + "." + name;
        float[] b = buffers.get(k);
        if (b == null && create) {
            b = new float[n];
            buffers.put(k, b);
        }
        if (b != null && b.length != n) {
            throw new IllegalArgumentException("state '" + k + "' has " + b.length + " elements, the parameter " + n);
        }
        return b;
    }

    @Override
    public Map<String, float[]> state() {
        Map<String, float[]> m = new LinkedHashMap<>();
        buffers.keySet().stream().sorted().forEach(k -> m.put(k, buffers.get(k).clone()));
        return m;
    }

    @Override
    public void loadState(Map<String, float[]> state, long steps) {
        if (steps < 0) {
            throw new IllegalArgumentException("steps: must be >= 0, got " + steps);
        }
        Map<String, float[]> copy = new HashMap<>();
        for (Map.Entry<String, float[]> e : state.entrySet()) {
            String k = e.getKey();
            int dot = k.lastIndexOf('.');
            if (dot < 1 || !bufferNames().contains(k.substring(dot + 1))) {
                throw new IllegalArgumentException("state: '" + k + "' is not a " + getClass().getSimpleName()
                        + " buffer (expected <param>." + bufferNames() + ")");
            }
            copy.put(k, Arrays.copyOf(e.getValue(), e.getValue().length));
        }
        buffers.clear();
        buffers.putAll(copy);
        this.steps = steps;
    }

    static double checkNonNegative(double v, String name) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(name + ": must be >= 0 and finite, got " + v);
        }
        return v;
    }

    static double checkUnit(double v, String name) {
        if (!(v >= 0 && v < 1)) {
            throw new IllegalArgumentException(name + ": must be in [0, 1), got " + v);
        }
        return v;
    }
}
