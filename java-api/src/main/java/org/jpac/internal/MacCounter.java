package org.jpac.internal;

import org.jpac.PacOptions;
import org.jpac.Tensor;

/**
 * Counts the multiply-adds of the convolution and pooling forward operations a
 * thread runs between {@link #start} and {@link #stop}: what a benchmark needs
 * to turn a network's time into GFLOP/s. Counted from the shapes of each call
 * (useful multiply-adds: a transposed convolution counts input pixels x taps,
 * not the zeros a dense formulation would insert); computing adapting kernels,
 * resizes and element-wise ops are not counted. Costs nothing while no thread counts.
 */
public final class MacCounter {

    private static volatile int counting; // threads counting now
    private static final ThreadLocal<long[]> COUNT = new ThreadLocal<>();

    private MacCounter() {
    }

    /** Starts counting on this thread (from zero). */
    public static synchronized void start() {
        if (COUNT.get() == null) {
            counting++;
        }
        COUNT.set(new long[1]);
    }

    /** Stops counting on this thread; returns the multiply-adds counted since {@link #start}. */
    public static synchronized long stop() {
        long[] c = COUNT.get();
        if (c == null) {
            return 0;
        }
        COUNT.remove();
        counting--;
        return c[0];
    }

    static void record(NativeOp op, PacOptions o, Tensor[] t) {
        if (counting == 0) {
            return;
        }
        long[] c = COUNT.get();
        if (c != null) {
            c[0] += multiplyAdds(op, o, t);
        }
    }

    private static long multiplyAdds(NativeOp op, PacOptions o, Tensor[] t) {
        return switch (op) {
            // output [B,Co,Ho,Wo] x weight [Co,Ci,kh,kw] per output: Ci*kh*kw (shared [1,1,k,k]: k*k)
            case CONV2D_FORWARD -> t[4].numel() * perOutput(t[2]);
            case CONV2D_GUIDED_FORWARD -> t[7].numel() * perOutput(t[5]);
            case STD_CONV2D_FORWARD -> t[3].numel() * perOutput(t[1]);
            // input [B,Ci,H,W] x weight [Ci,Co,kh,kw]: each input pixel reaches Co*kh*kw outputs
            case CONV_TRANSPOSE2D_FORWARD -> t[0].numel() * perOutput(t[2]);
            case CONV_TRANSPOSE2D_GUIDED_FORWARD -> t[0].numel() * perOutput(t[5]);
            case POOL2D_FORWARD -> t[2].numel() * taps(o);
            case POOL2D_GUIDED_FORWARD -> t[5].numel() * taps(o);
            default -> 0;
        };
    }

    private static long perOutput(Tensor weight) {
        return weight.dim(1) * weight.dim(2) * weight.dim(3);
    }

    private static long taps(PacOptions o) {
        return (long) o.kernelH() * o.kernelW();
    }
}
