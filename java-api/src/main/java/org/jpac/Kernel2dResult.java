package org.jpac;

import org.jpac.internal.Results;

/**
 * Output of {@link Pac#kernel2d}: the adapting kernel {@code [B, C', kh, kw, Ho, Wo]}
 * and, when a mask was given, the output mask {@code [B, 1, 1, 1, Ho, Wo]} (else null).
 * Closing closes both.
 */
public record Kernel2dResult(Tensor kernel, Tensor outputMask) implements AutoCloseable {
    @Override
    public void close() {
        Results.close(kernel, outputMask);
    }
}
