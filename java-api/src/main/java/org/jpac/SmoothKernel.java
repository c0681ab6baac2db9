package org.jpac;

/**
 * The smoothing applied to the guidance before taking the centre feature, in
 * the reference code's notation: {@code none}, {@code gaussian} (3x3 outer
 * product of [.25, .5, .25]), {@code average_m} (m x m of 1/m^2) or
 * {@code full_m} (a learnable m x m kernel initialised as the average).
 *
 * @param kind the kind of smoothing
 * @param size the kernel size m (0 for none, 3 for gaussian)
 */
public record SmoothKernel(Kind kind, int size) {

    /** The kind of smoothing: none, the 3x3 Gaussian, an m x m average or a learnable m x m kernel. */
    public enum Kind {
        /** No smoothing. */
        NONE,
        /** The fixed 3x3 Gaussian. */
        GAUSSIAN,
        /** A fixed m x m average. */
        AVERAGE,
        /** A learnable m x m kernel. */
        FULL
    }

    /** No smoothing. */
    public static final SmoothKernel NONE = new SmoothKernel(Kind.NONE, 0);
    /** The 3x3 Gaussian smoothing. */
    public static final SmoothKernel GAUSSIAN = new SmoothKernel(Kind.GAUSSIAN, 3);
    /** The largest m of {@code average_m} and {@code full_m}: what libjpac takes as a smoothing kernel. */
    public static final int MAX_SIZE = 255;

    /**
     * Checks the size against the kind.
     *
     * @throws NullPointerException if {@code kind} is null
     * @throws IllegalArgumentException if {@code size} is not 0 for NONE, 3 for GAUSSIAN, or odd and in
     *     1..{@link #MAX_SIZE} otherwise
     */
    public SmoothKernel {
        if (kind == null) {
            throw new NullPointerException("kind");
        }
        int want = switch (kind) {
            case NONE -> 0;
            case GAUSSIAN -> 3;
            default -> size;
        };
        // checked here, not only in the op: m*m weights are allocated first, and overflow int past 46340
        if (size != want || ((kind == Kind.AVERAGE || kind == Kind.FULL) && !validSize(size))) {
            throw new IllegalArgumentException("smoothKernelType: size " + size + " is not valid for " + kind
                    + (kind == Kind.AVERAGE || kind == Kind.FULL ? " (needs an odd size in 1.." + MAX_SIZE + ")"
                    : ""));
        }
    }

    /**
     * The m x m average ({@code average_m}).
     *
     * @param m the size (odd, 1..{@link #MAX_SIZE})
     * @return the smooth kernel
     */
    public static SmoothKernel average(int m) {
        return new SmoothKernel(Kind.AVERAGE, m);
    }

    /**
     * The learnable m x m kernel ({@code full_m}), initialised as the average.
     *
     * @param m the size (odd, 1..{@link #MAX_SIZE})
     * @return the smooth kernel
     */
    public static SmoothKernel full(int m) {
        return new SmoothKernel(Kind.FULL, m);
    }

    /**
     * Parses a reference smooth kernel type ({@code none}, {@code gaussian}, {@code average_m}, {@code full_m}).
     *
     * @param s the type's name
     * @return the smooth kernel
     * @throws IllegalArgumentException if {@code s} is not such a name
     */
    public static SmoothKernel parse(String s) {
        return parse(s, "smoothKernelType");
    }

    /** Parses a reference smooth kernel type; {@code arg} names the argument in errors. */
    public static SmoothKernel parse(String s, String arg) {
        if (s == null) {
            throw new NullPointerException(arg);
        }
        if (s.equals("none")) {
            return NONE;
        }
        if (s.equals("gaussian")) {
            return GAUSSIAN;
        }
        int u = s.indexOf('_');
        String head = u < 0 ? s : s.substring(0, u);
        if (u < 0 || !(head.equals("average") || head.equals("full"))) {
            throw new IllegalArgumentException(arg + ": expected none, gaussian, average_{m} or full_{m}, got '" + s + "'");
        }
        String tail = s.substring(u + 1);
        int m;
        try {
            m = Integer.parseInt(tail);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(arg + ": size '" + tail + "' in '" + s + "' is not an integer");
        }
        if (!validSize(m)) {
            throw new IllegalArgumentException(arg + ": size " + m + " in '" + s + "' must be odd and in 1.."
                    + MAX_SIZE);
        }
        return new SmoothKernel(head.equals("average") ? Kind.AVERAGE : Kind.FULL, m);
    }

    private static boolean validSize(int m) {
        return m >= 1 && m <= MAX_SIZE && m % 2 == 1;
    }

    /** Whether the kernel is a learnable parameter. */
    public boolean learnable() {
        return kind == Kind.FULL;
    }

    /** The m*m initial weights (row-major), or an empty array for NONE. */
    public float[] initialWeights() {
        int m = size;
        float[] w = new float[m * m];
        if (kind == Kind.GAUSSIAN) {
            double[] g = {0.25, 0.5, 0.25};
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) {
                    w[i * 3 + j] = (float) (g[i] * g[j]);
                }
            }
        } else if (kind != Kind.NONE) {
            java.util.Arrays.fill(w, (float) (1.0 / ((double) m * m)));
        }
        return w;
    }

    /** A new [1, 1, m, m] tensor of the initial weights, or null for NONE. */
    public Tensor createTensor() {
        return kind == Kind.NONE ? null : Tensor.of(initialWeights(), 1, 1, size, size);
    }

    @Override
    public String toString() {
        return switch (kind) {
            case NONE -> "none";
            case GAUSSIAN -> "gaussian";
            case AVERAGE -> "average_" + size;
            case FULL -> "full_" + size;
        };
    }
}
