package org.jpac;

/** Closing helpers for the result records. */
final class Results {
    private Results() {
    }

    static void close(Tensor... ts) {
        for (Tensor t : ts) {
            if (t != null) {
                t.close();
            }
        }
    }
}
