package org.jpac.nn;

import org.jpac.Tensor;

/** The {@code forward(..., output)} forms: a result moved into the caller's tensor. */
final class Outputs {

    private Outputs() {
    }

    /** Copies {@code result} into {@code output} (checked for shape), closes result, returns output. */
    static Tensor into(Tensor result, Tensor output, String name) {
        try (result) {
            StdOps.need(output, name);
            if (!output.hasShape(result.shape())) {
                throw new IllegalArgumentException(name + ": expected shape " + StdOps.shape(result) + ", got "
                        + StdOps.shape(output));
            }
            output.copyFrom(result);
            return output;
        }
    }
}
