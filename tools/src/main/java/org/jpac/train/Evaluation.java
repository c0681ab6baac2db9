package org.jpac.train;

import java.util.List;

import org.jpac.Device;
import org.jpac.Tensor;
import org.jpac.internal.Placed;
import org.jpac.nn.DepthHoles;
import org.jpac.nn.TrainableUpsampler;
import org.jpac.nn.UpsamplingNetwork;

/**
 * Accuracy of an upsampling network on a fixed set of batches: the root mean
 * squared error of each image, averaged over the images (depth), or the
 * average end-point error (optical flow, two target channels), in the
 * target's units. With {@code scaled}, the network sees the low-resolution
 * target scaled to [0, 1] per image ({@link TargetRange}) and its output is
 * scaled back, as in training.
 */
public final class Evaluation {

    private Evaluation() {
    }

    /** Mean per-image RMSE (one target channel) or mean EPE (several), the network run on scaled targets. */
    public static double error(UpsamplingNetwork net, List<Batch> set) {
        return error(net, set, true);
    }

    /** Mean per-image RMSE or EPE; {@code scaled}: run the network on [0, 1]-scaled targets. */
    public static double error(UpsamplingNetwork net, List<Batch> set, boolean scaled) {
        if (set.isEmpty()) {
            throw new IllegalArgumentException("set: no batches to evaluate on");
        }
        double sum = 0;
        long images = 0;
        for (Batch b : set) {
            try (Tensor out = predict(net, b, scaled)) {
                double[] e = perImage(out, b.target());
                for (double x : e) {
                    sum += x;
                }
                images += e.length;
            }
        }
        return sum / images;
    }

    /** The network's output for a batch, in the target's units (a new tensor). */
    public static Tensor predict(UpsamplingNetwork net, Batch b, boolean scaled) {
        // a network that does not skip holes (NaN) itself sees them filled, as DepthUpsampler does
        boolean fill = !net.skipsMissing() && DepthHoles.any(b.targetLow());
        try (Tensor low = fill ? DepthHoles.filled(b.targetLow()) : null) {
            Tensor l = fill ? low : b.targetLow();
            if (!scaled) {
                return forwardOnCpu(net, l, b.guide());
            }
            TargetRange r = TargetRange.of(l);
            try (Tensor in = r.apply(l); Tensor out = forwardOnCpu(net, in, b.guide())) {
                return r.undo(out);
            }
        }
    }

    /** The network's output for host inputs, on the host: a network on a device gets copies. */
    private static Tensor forwardOnCpu(UpsamplingNetwork net, Tensor low, Tensor guide) {
        Device at = net instanceof TrainableUpsampler t ? Trainer.deviceOf(t) : Device.CPU;
        try (Placed l = Placed.on(at, low); Placed g = Placed.on(at, guide)) {
            return Placed.movedTo(Device.CPU, net.forward(l.get(), g.get()));
        }
    }

    /** The error of each image of a batch: RMSE for one channel, mean EPE for several. */
    public static double[] perImage(Tensor prediction, Tensor target) {
        Loss.sameShape(prediction, target);
        int b = (int) prediction.dim(0);
        int c = (int) prediction.dim(1);
        int hw = (int) (prediction.dim(2) * prediction.dim(3));
        float[] p = prediction.toArray();
        float[] t = target.toArray();
        double[] out = new double[b];
        for (int n = 0; n < b; n++) {
            double s = 0;
            for (int i = 0; i < hw; i++) {
                double sq = 0;
                for (int ch = 0; ch < c; ch++) {
                    int k = (n * c + ch) * hw + i;
                    double d = (double) p[k] - t[k];
                    sq += d * d;
                }
                s += c == 1 ? sq : Math.sqrt(sq);
            }
            out[n] = c == 1 ? Math.sqrt(s / hw) : s / hw;
        }
        return out;
    }

    /** The metric's name for a target with {@code channels} channels. */
    public static String metric(int channels) {
        return channels == 1 ? "RMSE" : "EPE";
    }
}
