package org.jpac.train;

import java.util.Arrays;

import org.jpac.Tensor;

/** What the pixel-wise cross-entropy losses share: their argument checks and one pixel's term. */
final class PixelCrossEntropy {

    private PixelCrossEntropy() {
    }

    /** {B, L, H*W} of logits [B, L, H, W] whose labels hold B*H*W class indices; checked. */
    static int[] dims(Tensor logits, Tensor labels) {
        if (logits == null || labels == null) {
            throw new NullPointerException("logits and labels must not be null");
        }
        if (logits.rank() != 4) {
            throw new IllegalArgumentException("logits: expected [B, L, H, W], got " + Arrays.toString(logits.shape()));
        }
        int b = (int) logits.dim(0);
        int hw = (int) (logits.dim(2) * logits.dim(3));
        if (labels.numel() != (long) b * hw) {
            throw new IllegalArgumentException("labels: expected " + b + " x " + logits.dim(2) + " x "
                    + logits.dim(3) + " class indices, got shape " + Arrays.toString(labels.shape()));
        }
        return new int[] {b, (int) logits.dim(1), hw};
    }

    /**
     * -log softmax(x)[label] at pixel i of image n (x is [B, L, HW]), times
     * weight; with g, also writes weight * (softmax - onehot(label)) there.
     * prob: scratch of L values.
     */
    static double term(float[] x, int n, int l, int hw, int i, int label, double weight, float[] g, double[] prob) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < l; c++) {
            max = Math.max(max, x[(n * l + c) * hw + i]);
        }
        double z = 0;
        for (int c = 0; c < l; c++) {
            prob[c] = Math.exp(x[(n * l + c) * hw + i] - max);
            z += prob[c];
        }
        if (g != null) {
            for (int c = 0; c < l; c++) {
                g[(n * l + c) * hw + i] = (float) (weight * (prob[c] / z - (c == label ? 1 : 0)));
            }
        }
        return weight * -(x[(n * l + label) * hw + i] - max - Math.log(z));
    }
}
