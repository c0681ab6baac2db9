package org.jpac.nn;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jpac.Tensor;
import org.jpac.internal.TensorAccess;

/** Position / colour features for the CRF's edge kernels (the reference's create_YXRGB). */
final class EdgeFeatures {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT;

    private EdgeFeatures() {
    }

    static Tensor yxrgb(Tensor image, double[] yxScale, double[] rgbScale) {
        StdOps.need(image, "image");
        StdOps.cpu(image, "image");
        if (image.rank() != 3 && image.rank() != 4) {
            throw new IllegalArgumentException("image: expected [B, C, H, W] or [C, H, W], got "
                    + StdOps.shape(image));
        }
        boolean three = image.rank() == 3;
        long b = three ? 1 : image.dim(0);
        long c = image.dim(-3);
        long h = image.dim(-2);
        long w = image.dim(-1);
        float[] ys = factors(yxScale, 2, "yxScale");
        float[] cs = factors(rgbScale, (int) c, "rgbScale");
        Tensor out = Tensor.empty(b, c + 2, h, w);
        try {
            write(TensorAccess.data(image, "image"), b, c, h * w, w, ys, cs, TensorAccess.data(out, "output"));
            return out;
        } catch (RuntimeException | Error e) {
            out.close();
            throw e;
        }
    }

    /** Straight from the image's memory into the output's: no Java heap copy of either. */
    private static void write(MemorySegment img, long b, long c, long plane, long w, float[] ys, float[] cs,
                              MemorySegment out) {
        for (long n = 0; n < b; n++) {
            long base = n * (c + 2) * plane;
            for (long p = 0; p < plane; p++) {
                out.setAtIndex(F32, base + p, (float) (p / w) * ys[0]);
                out.setAtIndex(F32, base + plane + p, (float) (p % w) * ys[1]);
            }
            for (long ch = 0; ch < c; ch++) {
                long src = (n * c + ch) * plane;
                long dst = base + (2 + ch) * plane;
                float f = cs[(int) ch];
                for (long p = 0; p < plane; p++) {
                    out.setAtIndex(F32, dst + p, img.getAtIndex(F32, src + p) * f);
                }
            }
        }
    }

    /** Per-dimension multipliers 1/scale (float32, as the reference), one value broadcast; null: 1. */
    private static float[] factors(double[] scales, int n, String name) {
        float[] f = new float[n];
        if (scales == null) {
            java.util.Arrays.fill(f, 1f);
            return f;
        }
        if (scales.length != 1 && scales.length != n) {
            throw new IllegalArgumentException(name + ": expected 1 or " + n + " values, got " + scales.length);
        }
        for (int i = 0; i < n; i++) {
            double s = scales[scales.length == 1 ? 0 : i];
            if (!(s != 0) || !Double.isFinite(s)) {
                throw new IllegalArgumentException(name + ": scales must be finite and non-zero, got " + s);
            }
            f[i] = (float) (1.0 / (float) s);
        }
        return f;
    }
}
