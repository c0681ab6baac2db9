package org.jpac.nn;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;

import org.jpac.Tensor;
import org.jpac.internal.TensorAccess;

/**
 * A per-pixel factor on the CRF's pairwise messages that follows the unary's
 * confidence (a jpac extension; args key {@code confidence_gate}): at pixel p,
 * {@code G_p = 2 sigmoid(bias + slope * m_p)} where {@code m_p} is the unary's
 * margin there (best minus second-best label). A mean-field step becomes
 * {@code logQ = unary_weight * unary - G * sum_i w_i msg_i(Q)}. With bias and
 * slope 0 (the start) G is 1 and the CRF is the one without the gate; a
 * negative slope lets confident pixels keep their label while uncertain ones
 * (coarse boundaries) are smoothed harder, which one global pairwise weight
 * cannot do. State-dict keys {@code confidence_gate.bias} and
 * {@code confidence_gate.slope}, each {@code [1]}. Runs on CPU tensors.
 */
final class ConfidenceGate implements AutoCloseable {

    static final String BIAS = "confidence_gate.bias";
    static final String SLOPE = "confidence_gate.slope";
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT;

    final Tensor bias = Tensor.of(new float[] {0f}, 1).named(BIAS);
    final Tensor slope = Tensor.of(new float[] {0f}, 1).named(SLOPE);

    /** The gate of one unary: G per pixel, and what its backward needs. */
    static final class Values {
        final long batch;
        final long labels;
        final long height;
        final long width;
        final long plane;
        /** G per (image, pixel). */
        final float[] gate;
        final float[] margin;
        /** The best and second-best label per (image, pixel). */
        final int[] best;
        final int[] second;
        /** dL/dG per (image, pixel), summed over the steps by {@link #addGateGradient}. */
        final double[] gradGate;

        private Values(long batch, long labels, long height, long width) {
            this.batch = batch;
            this.labels = labels;
            this.height = height;
            this.width = width;
            this.plane = height * width;
            int n = Math.toIntExact(batch * plane);
            gate = new float[n];
            margin = new float[n];
            best = new int[n];
            second = new int[n];
            gradGate = new double[n];
        }
    }

    void putState(Map<String, Tensor> m) {
        m.put(BIAS, bias);
        m.put(SLOPE, slope);
    }

    /** G of {@code unary [B, L, H, W]} at the current bias and slope. */
    Values compute(Tensor unary) {
        StdOps.cpu(unary, "unary");
        long labels = unary.dim(1);
        Values v = new Values(unary.dim(0), labels, unary.dim(2), unary.dim(3));
        MemorySegment u = TensorAccess.data(unary, "unary");
        double a = bias.getFlat(0);
        double s = slope.getFlat(0);
        for (long b = 0; b < v.batch; b++) {
            for (long p = 0; p < v.plane; p++) {
                int at = (int) (b * v.plane + p);
                int first = 0;
                int next = -1;
                float top = u.getAtIndex(F32, (b * labels) * v.plane + p);
                float runnerUp = Float.NEGATIVE_INFINITY;
                for (int c = 1; c < labels; c++) {
                    float x = u.getAtIndex(F32, (b * labels + c) * v.plane + p);
                    if (x > top) {
                        runnerUp = top;
                        next = first;
                        top = x;
                        first = c;
                    } else if (next < 0 || x > runnerUp) {
                        runnerUp = x;
                        next = c;
                    }
                }
                // One label: no second best, margin 0.
                float m = next < 0 ? 0f : top - runnerUp;
                v.best[at] = first;
                v.second[at] = next;
                v.margin[at] = m;
                v.gate[at] = (float) (2 / (1 + Math.exp(-(a + s * m))));
            }
        }
        return v;
    }

    /** next -= G * pairwise, in place ([B, L, H, W] both). */
    static void subtractGated(Values v, Tensor next, Tensor pairwise) {
        MemorySegment n = TensorAccess.data(next, "next");
        MemorySegment q = TensorAccess.data(pairwise, "pairwise");
        forEach(v, (i, at) -> n.setAtIndex(F32, i, n.getAtIndex(F32, i) - v.gate[at] * q.getAtIndex(F32, i)));
    }

    /** G * g, a new tensor. */
    static Tensor gated(Values v, Tensor g) {
        Tensor out = g.copy();
        MemorySegment o = TensorAccess.data(out, "out");
        forEach(v, (i, at) -> o.setAtIndex(F32, i, v.gate[at] * o.getAtIndex(F32, i)));
        return out;
    }

    /** dL/dG += -sum over labels of g * pairwise (g = dL/d(next)). */
    static void addGateGradient(Values v, Tensor g, Tensor pairwise) {
        MemorySegment a = TensorAccess.data(g, "g");
        MemorySegment q = TensorAccess.data(pairwise, "pairwise");
        forEach(v, (i, at) -> v.gradGate[at] -= (double) a.getAtIndex(F32, i) * q.getAtIndex(F32, i));
    }

    /**
     * From the summed dL/dG: the bias's and slope's gradients into acc, and the
     * unary's (through the margin: +1 at the best label, -1 at the second).
     */
    void backward(Values v, GradAcc acc, String prefix) {
        double s = slope.getFlat(0);
        double ga = 0;
        double gs = 0;
        float[] gu = new float[Math.toIntExact(v.batch * v.labels * v.plane)];
        for (int at = 0; at < v.gate.length; at++) {
            double gz = v.gradGate[at] * v.gate[at] * (1 - v.gate[at] / 2); // dG/dz = 2 sig (1 - sig)
            ga += gz;
            gs += gz * v.margin[at];
            if (v.second[at] >= 0) {
                long b = at / v.plane;
                long p = at % v.plane;
                gu[(int) ((b * v.labels + v.best[at]) * v.plane + p)] += (float) (gz * s);
                gu[(int) ((b * v.labels + v.second[at]) * v.plane + p)] -= (float) (gz * s);
            }
        }
        acc.addScalar(prefix + BIAS, ga);
        acc.addScalar(prefix + SLOPE, gs);
        acc.add(CrfBackprop.UNARY_GRAD, Tensor.of(gu, v.batch, v.labels, v.height, v.width));
    }

    private interface Element {
        void at(long index, int pixel);
    }

    /** Every element of a [B, L, H, W] tensor with its (image, pixel) index. */
    private static void forEach(Values v, Element e) {
        for (long b = 0; b < v.batch; b++) {
            for (long c = 0; c < v.labels; c++) {
                long base = (b * v.labels + c) * v.plane;
                int at = (int) (b * v.plane);
                for (long p = 0; p < v.plane; p++) {
                    e.at(base + p, at + (int) p);
                }
            }
        }
    }

    @Override
    public void close() {
        StdOps.closeAll(bias, slope);
    }
}
