package org.jpac.train;

import org.jpac.Tensor;

/**
 * The mean over the images of each image's root mean squared error, the form of
 * the metric that {@link Evaluation} reports: {@code L = mean_n sqrt(mse_n)},
 * {@code dL/dp = (p - t) / (B * N_n * rmse_n)} (0 for an image without error).
 * Unlike the batch's MSE, an image whose scaled error is huge (a thin object
 * that the low-resolution samples missed, beyond their min/max range) cannot
 * drown the others: each image's gradient has the same size.
 */
public final class ImageRmseLoss implements Loss {

    @Override
    public Value evaluate(Tensor prediction, Tensor target, boolean withGrad) {
        Loss.sameShape(prediction, target);
        if (prediction.rank() < 1 || prediction.dim(0) < 1) {
            throw new IllegalArgumentException("prediction: expected [B, ...] with B >= 1, got "
                    + java.util.Arrays.toString(prediction.shape()));
        }
        float[] p = prediction.toArray();
        float[] t = target.toArray();
        int b = Math.toIntExact(prediction.dim(0));
        int n = p.length / b;
        double[] rmse = new double[b];
        double loss = 0;
        for (int k = 0; k < b; k++) {
            double s = 0;
            for (int i = k * n; i < (k + 1) * n; i++) {
                double d = (double) p[i] - t[i];
                s += d * d;
            }
            rmse[k] = Math.sqrt(s / n);
            loss += rmse[k] / b;
        }
        if (!withGrad) {
            return new Value(loss, null);
        }
        float[] g = new float[p.length];
        for (int k = 0; k < b; k++) {
            double c = rmse[k] == 0 ? 0 : 1 / ((double) b * n * rmse[k]);
            for (int i = k * n; i < (k + 1) * n; i++) {
                g[i] = (float) (c * ((double) p[i] - t[i]));
            }
        }
        return new Value(loss, Tensor.of(g, prediction.shape()));
    }

    @Override
    public String name() {
        return "image-rmse";
    }
}
