package org.jpac.nn;

import org.jpac.Tensor;

/** A dense CRF over label scores guided by edge features ({@link PacCRF}, {@link PacCRFLoose}). */
public interface CrfNetwork extends Network {

    /** Number of labels L. */
    int channels();

    /**
     * Mean-field inference. {@code unary} [B, L, H, W], {@code edgeFeat}
     * [B, F, H, W] (e.g. {@link PacCRF#createYXRGB}); returns the final output
     * [B, L, H, W] (a new tensor the caller closes).
     */
    Tensor forward(Tensor unary, Tensor edgeFeat);
}
