package org.jpac.train;

import org.jpac.Tensor;

/**
 * The average end-point error of optical flow: prediction and target
 * [B, 2, H, W] (or any [B, C, H, W]: the vector is over the channels),
 * {@code L = mean over pixels of ||p - t||_2}, {@code dL/dp = (p - t) / (N ||p - t||)}
 * (0 where the error is 0), N = B * H * W.
 */
public final class EndPointError implements Loss {

    @Override
    public Value evaluate(Tensor prediction, Tensor target, boolean withGrad) {
        Loss.sameShape(prediction, target);
        if (prediction.rank() != 4) {
            throw new IllegalArgumentException("prediction: expected [B, C, H, W], got "
                    + java.util.Arrays.toString(prediction.shape()));
        }
        int b = (int) prediction.dim(0);
        int c = (int) prediction.dim(1);
        int hw = (int) (prediction.dim(2) * prediction.dim(3));
        float[] p = prediction.toArray();
        float[] t = target.toArray();
        double[] norm = new double[b * hw];
        double sum = 0;
        for (int n = 0; n < b; n++) {
            for (int i = 0; i < hw; i++) {
                double s = 0;
                for (int ch = 0; ch < c; ch++) {
                    int k = (n * c + ch) * hw + i;
                    double d = (double) p[k] - t[k];
                    s += d * d;
                }
                norm[n * hw + i] = Math.sqrt(s);
                sum += norm[n * hw + i];
            }
        }
        double count = (double) b * hw;
        if (!withGrad) {
            return new Value(sum / count, null);
        }
        float[] g = new float[p.length];
        for (int n = 0; n < b; n++) {
            for (int i = 0; i < hw; i++) {
                double len = norm[n * hw + i];
                if (len == 0) {
                    continue;
                }
                for (int ch = 0; ch < c; ch++) {
                    int k = (n * c + ch) * hw + i;
                    g[k] = (float) (((double) p[k] - t[k]) / (count * len));
                }
            }
        }
        return new Value(sum / count, Tensor.of(g, prediction.shape()));
    }

    @Override
    public String name() {
        return "epe";
    }
}
