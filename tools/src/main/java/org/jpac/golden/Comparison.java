package org.jpac.golden;

import java.util.Arrays;

import org.jpac.Tensor;

/**
 * Tensor-by-tensor comparison against expected float64 values with the golden
 * tolerance {@code max|got - want| <= rtol * max(1, max|want|)}; remembers the
 * worst tensor (by error relative to its tolerance) and the first failure.
 */
final class Comparison {

    private final double rtol;
    String worstName;
    double worstError = 0;
    double worstTolerance = 0;
    private double worstRatio = -1;
    String failure;
    int compared;

    Comparison(double rtol) {
        this.rtol = rtol;
    }

    boolean ok() {
        return failure == null;
    }

    void fail(String message) {
        if (failure == null) {
            failure = message;
        }
    }

    /** Compares {@code got} with {@code want} of shape {@code wantShape}. */
    void check(String name, Tensor got, double[] want, long[] wantShape) {
        compared++;
        if (got == null) {
            fail(name + ": not computed");
            return;
        }
        if (!sameShape(got.shape(), wantShape)) {
            fail(name + ": shape " + Arrays.toString(got.shape()) + ", expected " + Arrays.toString(wantShape));
            return;
        }
        float[] g = got.toArray();
        Deviation d = Deviation.of(want, g, rtol);
        double err = d.error();
        double tol = d.tolerance();
        int at = d.at();
        double ratio = err / tol;
        if (ratio > worstRatio) {
            worstRatio = ratio;
            worstName = name;
            worstError = err;
            worstTolerance = tol;
        }
        if (!(err <= tol)) {
            fail(String.format("%s: max|got - want| = %.3g > %.3g at %s (got %.6g, want %.6g)", name, err, tol,
                    Arrays.toString(index(at, wantShape)), g[at], want[at]));
        }
    }

    private static boolean sameShape(long[] got, long[] want) {
        // a scalar in the file reads as [1]
        return Arrays.equals(got, want) || (want.length == 0 && got.length == 1 && got[0] == 1);
    }

    private static long[] index(long flat, long[] shape) {
        long[] idx = new long[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = flat % shape[d];
            flat /= shape[d];
        }
        return idx;
    }
}
