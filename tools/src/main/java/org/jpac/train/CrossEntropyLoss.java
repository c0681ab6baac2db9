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
                double max = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < l; c++) {
                    max = Math.max(max, x[(n * l + c) * hw + i]);
                }
                double z = 0;
                for (int c = 0; c < l; c++) {
                    prob[c] = Math.exp(x[(n * l + c) * hw + i] - max);
                    z += prob[c];
                }
                sum += -(x[(n * l + label) * hw + i] - max - Math.log(z));
                count++;
                if (g != null) {
                    for (int c = 0; c < l; c++) {
                        g[(n * l + c) * hw + i] = (float) (prob[c] / z - (c == label ? 1 : 0));
                    }
                }
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
