package org.jpac.nn;

import org.jpac.Tensor;
import org.jpac.internal.NativeCalls;

/**
 * The CRF's blur: average pooling by a factor b (window b, stride b) with the
 * padding that makes each side's size divisible by b, split as the reference's
 * {@code _ceil_pad_factor} does, padding not counted; and the way back
 * (bilinear upsampling by b, then cropping the padding off).
 */
final class BlurPool {

    private BlurPool() {
    }

    /** Per side padding {@code ((b - n % b) % b + 1) / 2} for height and width. */
    static int[] pad(long h, long w, int blur) {
        return new int[] {pad1(h, blur), pad1(w, blur)};
    }

    private static int pad1(long n, int b) {
        long off = (b - n % b) % b;
        return (int) ((off + 1) / 2);
    }

    /** x average-pooled by {@code blur} (a new tensor; a copy when blur is 1). */
    static Tensor down(Tensor x, int blur) {
        if (blur == 1) {
            return x.copy();
        }
        int[] p = pad(x.dim(2), x.dim(3), blur);
        long oh = (x.dim(2) + 2L * p[0] - blur) / blur + 1;
        long ow = (x.dim(3) + 2L * p[1] - blur) / blur + 1;
        Tensor y = StdOps.alloc(x, x.dim(0), x.dim(1), oh, ow);
        try {
            NativeCalls.avgPool2dForward(blur, blur, blur, blur, p[0], p[1], x, y);
            return y;
        } catch (RuntimeException | Error e) {
            y.close();
            throw e;
        }
    }

    /**
     * A message computed at the blurred size brought back to {@code h x w}:
     * bilinear upsampling by {@code blur} (align_corners false) and a crop at the
     * padding offset. Returns a new tensor.
     */
    static Tensor up(Tensor msg, int blur, long h, long w) {
        if (blur == 1) {
            return msg.copy();
        }
        int[] p = pad(h, w, blur);
        try (Tensor big = StdOps.resizeBilinearScale(msg, blur)) {
            return StdOps.crop(big, p[0], p[1], h, w);
        }
    }

    /** Gradient of {@link #down} for an input of {@code h x w}; a new tensor. */
    static Tensor downBackward(Tensor gradOutput, int blur, long h, long w) {
        if (blur == 1) {
            return gradOutput.copy();
        }
        int[] p = pad(h, w, blur);
        Tensor gx = Tensor.allocate(gradOutput.dim(0), gradOutput.dim(1), h, w);
        try {
            NativeCalls.avgPool2dBackward(blur, blur, blur, blur, p[0], p[1], gradOutput, gx);
            return gx;
        } catch (RuntimeException | Error e) {
            gx.close();
            throw e;
        }
    }

    /** Gradient of {@link #up} for a message of {@code hb x wb}; a new tensor. */
    static Tensor upBackward(Tensor gradOutput, int blur, long hb, long wb) {
        if (blur == 1) {
            return gradOutput.copy();
        }
        int[] p = pad(gradOutput.dim(2), gradOutput.dim(3), blur);
        try (Tensor big = StdOps.cropBackward(gradOutput, hb * blur, wb * blur, p[0], p[1])) {
            return StdOps.resizeBilinearBackward(big, hb, wb, 1.0 / blur, 1.0 / blur);
        }
    }
}
