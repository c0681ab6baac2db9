package org.jpac.nn;

import org.jpac.Tensor;
import org.jpac.internal.Outputs;

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

    /**
     * {@link #forward(Tensor, Tensor)} written into {@code output} (a caller's
     * tensor of the result's shape, e.g. one reused from call to call); returns
     * {@code output}.
     */
    default Tensor forward(Tensor unary, Tensor edgeFeat, Tensor output) {
        return Outputs.into(forward(unary, edgeFeat), output, "output");
    }

    /**
     * Gradients of {@link #forward} for {@code gradOutput} (the gradient of its
     * output): for the unary, the edge features and every learnable parameter.
     */
    CrfGrads gradients(Tensor unary, Tensor edgeFeat, Tensor gradOutput);
}
