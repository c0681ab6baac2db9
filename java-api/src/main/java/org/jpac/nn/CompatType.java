package org.jpac.nn;

import java.util.Locale;

/**
 * How a CRF pairwise term mixes labels (the reference's {@code compat_type}).
 */
public enum CompatType {
    /** A full {@code [L, L, k, k]} PAC filter: spatial filter and label compatibility in one. */
    FOUR_D("4d"),
    /** A shared {@code k x k} PAC filter, then a learnable 1x1 {@code [L, L]} compatibility conv. */
    TWO_D("2d"),
    /** Potts model: a shared PAC filter with the pairwise weight negated (no compatibility conv). */
    POTTS("potts"),
    /** No adaptation: a plain {@code [L, L, k, k]} convolution, no edge kernel. */
    NA("na");

    private final String ref;

    CompatType(String ref) {
        this.ref = ref;
    }

    /** The reference's spelling: 4d, 2d, potts or na. */
    public String refName() {
        return ref;
    }

    /**
     * Parses the reference's spelling (4d, 2d, potts or na; any case).
     *
     * @param s the name
     * @return the compatibility type
     * @throws NullPointerException if {@code s} is null
     * @throws IllegalArgumentException if {@code s} names no type
     */
    public static CompatType parse(String s) {
        if (s == null) {
            throw new NullPointerException("compatType");
        }
        String l = s.toLowerCase(Locale.ROOT);
        for (CompatType t : values()) {
            if (t.ref.equals(l)) {
                return t;
            }
        }
        throw new IllegalArgumentException("compatType: expected 4d, 2d, potts or na, got '" + s + "'");
    }

    @Override
    public String toString() {
        return ref;
    }
}
