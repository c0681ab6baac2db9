package org.jpac.golden;

/**
 * The golden tolerance test of one result: the largest |got - want| (infinite
 * at the first NaN), where it is, and the tolerance {@code rtol * max(1, max|want|)}.
 * Shared by the golden runner's {@link Comparison} and {@link Conformance}.
 */
record Deviation(double error, int at, double tolerance) {

    static Deviation of(double[] want, float[] got, double rtol) {
        double[] g = new double[got.length];
        for (int i = 0; i < g.length; i++) {
            g[i] = got[i];
        }
        return of(want, g, rtol);
    }

    /** {@code want} and {@code got} of equal length. */
    static Deviation of(double[] want, double[] got, double rtol) {
        double scale = 0;
        for (double v : want) {
            scale = Math.max(scale, Math.abs(v));
        }
        double worst = 0;
        int at = 0;
        for (int i = 0; i < want.length; i++) {
            double e = Math.abs(got[i] - want[i]);
            if (!(e <= worst)) { // also catches NaN
                worst = Double.isNaN(e) ? Double.POSITIVE_INFINITY : e;
                at = i;
                if (Double.isNaN(e)) {
                    break;
                }
            }
        }
        return new Deviation(worst, at, rtol * Math.max(1, scale));
    }

    boolean within() {
        return error <= tolerance;
    }
}
