package org.jpac.nn;

import java.util.LinkedHashMap;
import java.util.Map;

import org.jpac.Tensor;
import org.jpac.internal.Placed;

/** Gradient sums by name, owning its tensors until they are taken. */
final class GradAcc implements AutoCloseable {

    private final Map<String, Tensor> sums = new LinkedHashMap<>();

    /** Adds {@code g} (taking ownership) to the sum of {@code name}. */
    void add(String name, Tensor g) {
        if (g == null) {
            return;
        }
        Tensor s = sums.get(name);
        if (s == null) {
            sums.put(name, g);
            return;
        }
        try (g) {
            StdOps.addInPlace(s, g);
        }
    }

    void addScalar(String name, double v) {
        add(name, Tensor.of(new float[] {(float) v}, 1));
    }

    /** The sum (still owned here), or null. */
    Tensor get(String name) {
        return sums.get(name);
    }

    /** Removes and returns the sum (the caller owns it), or null. */
    Tensor take(String name) {
        return sums.remove(name);
    }

    /** sum(a * b) in double (on a device: through host copies). */
    static double dot(Tensor a, Tensor b) {
        float[] x = Placed.values(a);
        float[] y = Placed.values(b);
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += (double) x[i] * y[i];
        }
        return s;
    }

    @Override
    public void close() {
        sums.values().forEach(Tensor::close);
        sums.clear();
    }
}
