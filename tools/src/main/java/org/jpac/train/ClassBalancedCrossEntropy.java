package org.jpac.train;

import org.jpac.Tensor;

/**
 * Pixel-wise cross-entropy in which every class present in an image weighs
 * the same, whatever its area: pixel i of class c counts {@code 1 / (K * n_c)}
 * of its image ({@code K} classes present, {@code n_c} pixels of class c), so
 * the loss is the mean over present classes of their mean cross-entropy. mIoU
 * also weighs classes equally, so a thin object of a few hundred pixels matters
 * as much as the background around it (plain cross-entropy lets the background
 * decide). Logits [B, L, H, W], labels [B, 1, H, W] (or [B, H, W]) holding
 * class indices as floats; the loss is averaged over the batch.
 */
public final class ClassBalancedCrossEntropy implements Loss {

    @Override
    public Value evaluate(Tensor logits, Tensor labels, boolean withGrad) {
        if (logits == null || labels == null) {
            throw new NullPointerException("logits and labels must not be null");
        }
        if (logits.rank() != 4) {
            throw new IllegalArgumentException("logits: expected [B, L, H, W], got "
                    + java.util.Arrays.toString(logits.shape()));
        }
        int b = (int) logits.dim(0);
        int l = (int) logits.dim(1);
        int hw = (int) (logits.dim(2) * logits.dim(3));
        if (labels.numel() != (long) b * hw) {
            throw new IllegalArgumentException("labels: expected " + b + " x " + logits.dim(2) + " x "
                    + logits.dim(3) + " class indices, got shape " + java.util.Arrays.toString(labels.shape()));
        }
        float[] x = logits.toArray();
        float[] y = labels.toArray();
        float[] g = withGrad ? new float[x.length] : null;
        double[] prob = new double[l];
        double total = 0;
        for (int n = 0; n < b; n++) {
            long[] count = new long[l];
            for (int i = 0; i < hw; i++) {
                float lf = y[n * hw + i];
                int label = (int) lf;
                if (label != lf || label < 0 || label >= l) {
                    throw new IllegalArgumentException("labels: " + lf + " is not a class index in [0, " + l + ")");
                }
                count[label]++;
            }
            int present = 0;
            for (long c : count) {
                present += c > 0 ? 1 : 0;
            }
            for (int i = 0; i < hw; i++) {
                int label = (int) y[n * hw + i];
                double weight = 1.0 / ((double) present * count[label] * b);
                double max = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < l; c++) {
                    max = Math.max(max, x[(n * l + c) * hw + i]);
                }
                double z = 0;
                for (int c = 0; c < l; c++) {
                    prob[c] = Math.exp(x[(n * l + c) * hw + i] - max);
                    z += prob[c];
                }
                total += weight * -(x[(n * l + label) * hw + i] - max - Math.log(z));
                if (g != null) {
                    for (int c = 0; c < l; c++) {
                        g[(n * l + c) * hw + i] = (float) (weight * (prob[c] / z - (c == label ? 1 : 0)));
                    }
                }
            }
        }
        return new Value(total, g == null ? null : Tensor.of(g, logits.shape()));
    }

    @Override
    public String name() {
        return "class_balanced_cross_entropy";
    }
}
