package org.jpac.train;

import org.jpac.Tensor;

/**
 * Pixel-wise cross-entropy for segmentation, as PyTorch's
 * {@code cross_entropy(logits, labels, ignore_index, reduction='mean')}: logits
 * [B, L, H, W], labels [B, 1, H, W] (or [B, H, W]) holding class indices as
 * floats; pixels labelled {@code ignoreIndex} do not count.
 * {@code L = mean over counted pixels of -log softmax(logits)[label]},
 * {@code dL/dlogits = (softmax - onehot(label)) / N}.
 */
public final class CrossEntropyLoss implements Loss {

    private final int ignoreIndex;

    /** @param ignoreIndex a label value that is skipped (PyTorch's default is -100) */
    public CrossEntropyLoss(int ignoreIndex) {
        this.ignoreIndex = ignoreIndex;
    }

    /** With PyTorch's default ignore index, -100. */
    public CrossEntropyLoss() {
        this(-100);
    }

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
        double sum = 0;
        long count = 0;
        for (int n = 0; n < b; n++) {
            for (int i = 0; i < hw; i++) {
                float lf = y[n * hw + i];
                int label = (int) lf;
                if (label != lf) {
                    throw new IllegalArgumentException("labels: " + lf + " is not a class index");
                }
                if (label == ignoreIndex) {
                    continue;
                }
                if (label < 0 || label >= l) {
                    throw new IllegalArgumentException("labels: class " + label + " is outside [0, " + l + ")");
                }
                sum += PixelCrossEntropy.term(x, n, l, hw, i, label, 1.0, g, prob);
                count++;
            }
        }
        if (count == 0) {
            // PyTorch gives NaN (0 / 0) when every pixel is ignored
            return new Value(Double.NaN, g == null ? null : Tensor.of(g, logits.shape()));
        }
        if (g != null) {
            float inv = (float) (1.0 / count);
            for (int i = 0; i < g.length; i++) {
                g[i] *= inv;
            }
        }
        return new Value(sum / count, g == null ? null : Tensor.of(g, logits.shape()));
    }

    @Override
    public String name() {
        return "cross_entropy";
    }
}
