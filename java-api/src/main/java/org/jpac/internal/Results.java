package org.jpac.internal;

import org.jpac.Tensor;

/** Closing helpers for the result records (org.jpac, org.jpac.grad) and the layers. */
public final class Results {
    private Results() {
    }

    /** Closes each tensor that is not null. */
    public static void close(Tensor... ts) {
        for (Tensor t : ts) {
            if (t != null) {
                t.close();
            }
        }
    }
}
