package org.jpac;

import java.util.Locale;

/** How a layer's weight is initialised (the reference's {@code filler} argument). */
public enum Filler {
    /** U(-s, s) with s = 1/sqrt(in*kh*kw) (times in when shared), like PyTorch's conv default; bias too. */
    UNIFORM,
    /** Bilinear upsampling weights, for transposed layers with in == out channels; bias 0. */
    LINEAR,
    /** DenseCRF message passing: a Gaussian with zero centre, times (1 - identity) compatibility; bias 0. */
    CRF,
    /** {@link #CRF} plus U(-0.0005, 0.0005) noise. */
    CRF_PERTURBED,
    /** Shared all-ones filter, fixed (a buffer, not learnable). */
    POOL,
    /** {@link #POOL} with a zero centre tap (DenseCRF Eq. 5), fixed. */
    CRF_POOL;

    /**
     * Parses a filler name in any case ({@code uniform}, {@code linear}, {@code crf}, {@code crf_perturbed}, {@code
     * pool} or {@code crf_pool}).
     *
     * @param s the name
     * @return the filler
     * @throws NullPointerException if {@code s} is null
     * @throws IllegalArgumentException if {@code s} names no filler
     */
    public static Filler parse(String s) {
        if (s == null) {
            throw new NullPointerException("filler");
        }
        try {
            return valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("filler: expected uniform, linear, crf, crf_perturbed, pool or crf_pool, got '"
                    + s + "'");
        }
    }

    /** Whether the weight filled this way is fixed (a buffer). */
    public boolean fixedWeight() {
        return this == POOL || this == CRF_POOL;
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
