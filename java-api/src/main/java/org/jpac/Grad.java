package org.jpac;

import java.util.EnumSet;
import java.util.Set;

/** Which gradients a backward call computes (a NULL output skips the work natively). */
public enum Grad {
    /** The gradient for the input. */
    INPUT,
    /** The gradient for a given adapting kernel K (the ops that take K). */
    KERNEL,
    /** The gradient for the guide (the guided ops). */
    GUIDE,
    /** The gradient for the filter weights. */
    WEIGHT,
    /** The gradient for the bias. */
    BIAS,
    /** The gradient for the inv kernel's alpha. */
    INV_ALPHA,
    /** The gradient for the inv kernel's lambda. */
    INV_LAMBDA,
    /** The gradient for a learnable smoothing kernel. */
    SMOOTH_KERNEL;

    /** Every gradient that applies to the call. */
    public static Set<Grad> all() {
        return EnumSet.allOf(Grad.class);
    }
}
