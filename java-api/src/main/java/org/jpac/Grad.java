package org.jpac;

import java.util.EnumSet;
import java.util.Set;

/** Which gradients a backward call computes (a NULL output skips the work natively). */
public enum Grad {
    INPUT, KERNEL, GUIDE, WEIGHT, BIAS, INV_ALPHA, INV_LAMBDA, SMOOTH_KERNEL;

    /** Every gradient that applies to the call. */
    public static Set<Grad> all() {
        return EnumSet.allOf(Grad.class);
    }
}
