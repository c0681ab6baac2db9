package org.jpac.internal;

import java.util.Arrays;

import org.jpac.Tensor;

/** The {@code forward(..., output)} forms: a result moved into the caller's tensor. */
public final class Outputs {

    private Outputs() {
    }

    /** Copies {@code result} into {@code output} (checked for shape), closes result, returns output. */
    public static Tensor into(Tensor result, Tensor output, String name) {
        try (result) {
            if (output == null) {
                throw new NullPointerException(name + ": must not be null");
            }
            output.requireOpen(name);
            if (!output.hasShape(result.shape())) {
                throw new IllegalArgumentException(name + ": expected shape " + Arrays.toString(result.shape())
                        + ", got " + Arrays.toString(output.shape()));
            }
            output.copyFrom(result);
            return output;
        }
    }
}
