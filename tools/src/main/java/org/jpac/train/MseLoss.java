package org.jpac.train;

import org.jpac.Tensor;

/**
 * Mean squared error, as PyTorch's {@code mse_loss(reduction='mean')}:
 * {@code L = mean((p - t)^2)}, {@code dL/dp = 2 (p - t) / N}. With {@code root},
 * the RMSE {@code sqrt(L)} with {@code dL/dp = (p - t) / (N * rmse)} (0 when the
 * error is 0).
 */
public final class MseLoss implements Loss {

    private final boolean root;

    private MseLoss(boolean root) {
        this.root = root;
    }

    /**
     * The mean squared error.
     *
     * @return the loss
     */
    public static MseLoss mse() {
        return new MseLoss(false);
    }

    /**
     * The root mean squared error.
     *
     * @return the loss
     */
    public static MseLoss rmse() {
        return new MseLoss(true);
    }

    @Override
    public Value evaluate(Tensor prediction, Tensor target, boolean withGrad) {
        Loss.sameShape(prediction, target);
        float[] p = prediction.toArray();
        float[] t = target.toArray();
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            double d = (double) p[i] - t[i];
            sum += d * d;
        }
        double n = p.length;
        double mse = sum / n;
        double loss = root ? Math.sqrt(mse) : mse;
        if (!withGrad) {
            return new Value(loss, null);
        }
        double k = root ? (loss == 0 ? 0 : 1 / (n * loss)) : 2 / n;
        float[] g = new float[p.length];
        for (int i = 0; i < p.length; i++) {
            g[i] = (float) (k * ((double) p[i] - t[i]));
        }
        return new Value(loss, Tensor.of(g, prediction.shape()));
    }

    @Override
    public String name() {
        return root ? "rmse" : "mse";
    }
}
