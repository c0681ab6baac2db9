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
        int[] d = PixelCrossEntropy.dims(logits, labels);
        int b = d[0];
        int l = d[1];
        int hw = d[2];
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
                total += PixelCrossEntropy.term(x, n, l, hw, i, label, weight, g, prob);
            }
        }
        return new Value(total, g == null ? null : Tensor.of(g, logits.shape()));
    }

    @Override
    public String name() {
        return "class_balanced_cross_entropy";
    }
}
