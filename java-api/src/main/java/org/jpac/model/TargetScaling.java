package org.jpac.model;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jpac.Tensor;
import org.jpac.internal.TensorAccess;

/**
 * The reference pipeline's target scaling for joint upsampling: each (image,
 * channel) plane of the low-resolution target mapped to [0, 1] by the minimum
 * and maximum of its finite values (a flat plane gets [v - 0.5, v + 0.5]), and
 * the network's output mapped back with the same numbers. Computed in double:
 * a plane spanning -3e38..3e38 has a width beyond float32's range, which in
 * float would turn every value into NaN; NaN and infinity (kept on request)
 * stay where they are instead of spoiling the rest.
 */
final class TargetScaling {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT;

    private final double[] lo;
    private final double[] span;

    private TargetScaling(double[] lo, double[] span) {
        this.lo = lo;
        this.span = span;
    }

    /** The ranges of {@code low} [B, C, h, w], one per (image, channel) plane. */
    static TargetScaling of(Tensor low) {
        MemorySegment s = TensorAccess.data(low, "low");
        int planes = Math.toIntExact(low.dim(0) * low.dim(1));
        long n = low.dim(2) * low.dim(3);
        double[] lo = new double[planes];
        double[] span = new double[planes];
        for (int p = 0; p < planes; p++) {
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            for (long i = p * n; i < (p + 1) * n; i++) {
                float v = s.getAtIndex(F32, i);
                if (Float.isFinite(v)) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
            if (min > max) { // nothing finite
                min = 0;
                max = 0;
            }
            if (min == max) {
                min -= 0.5;
                max += 0.5;
            }
            lo[p] = min;
            span[p] = max - min;
        }
        return new TargetScaling(lo, span);
    }

    /** (x - lo) / span, plane by plane, into {@code out} (may be x). */
    void apply(Tensor x, Tensor out) {
        map(x, out, false);
    }

    /** x * span + lo, plane by plane, into {@code out} (may be x). */
    void undo(Tensor x, Tensor out) {
        map(x, out, true);
    }

    private void map(Tensor x, Tensor out, boolean inverse) {
        MemorySegment src = TensorAccess.data(x, "x");
        MemorySegment dst = TensorAccess.data(out, "output");
        long n = x.dim(2) * x.dim(3);
        for (int p = 0; p < lo.length; p++) {
            double l = lo[p];
            double s = span[p];
            for (long i = p * n; i < (p + 1) * n; i++) {
                double v = src.getAtIndex(F32, i);
                dst.setAtIndex(F32, i, (float) (inverse ? v * s + l : (v - l) / s));
            }
        }
    }
}
