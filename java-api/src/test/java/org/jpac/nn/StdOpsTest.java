package org.jpac.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.jpac.Tensor;
import org.jpac.grad.StdConvGrads;
import org.junit.jupiter.api.Test;

/** Each standard op against a straightforward Java reference. */
class StdOpsTest {

    private static final double TOL = 1e-5;
    private final Random rnd = new Random(42);

    private Tensor rand(long... shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        float[] d = new float[(int) n];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (rnd.nextGaussian());
        }
        return Tensor.of(d, shape);
    }

    private static void close(Tensor got, double[] want, double tol) {
        float[] g = got.toArray();
        assertEquals(want.length, g.length, "element count");
        double maxAbs = 1;
        for (double w : want) {
            maxAbs = Math.max(maxAbs, Math.abs(w));
        }
        for (int i = 0; i < g.length; i++) {
            if (Math.abs(g[i] - want[i]) > tol * maxAbs) {
                throw new AssertionError("element " + i + ": got " + g[i] + ", want " + want[i]);
            }
        }
    }

    private static double[] d(Tensor t) {
        float[] f = t.toArray();
        double[] r = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            r[i] = f[i];
        }
        return r;
    }

    // ---- conv ----

    static double[] refConv(double[] x, long[] xs, double[] w, long[] ws, double[] b, int s, int p, int dil) {
        int B = (int) xs[0], C = (int) xs[1], H = (int) xs[2], W = (int) xs[3];
        int O = (int) ws[0], kh = (int) ws[2], kw = (int) ws[3];
        int Ho = (H + 2 * p - dil * (kh - 1) - 1) / s + 1, Wo = (W + 2 * p - dil * (kw - 1) - 1) / s + 1;
        double[] out = new double[B * O * Ho * Wo];
        for (int n = 0; n < B; n++) {
            for (int o = 0; o < O; o++) {
                for (int y = 0; y < Ho; y++) {
                    for (int xx = 0; xx < Wo; xx++) {
                        double acc = b == null ? 0 : b[o];
                        for (int c = 0; c < C; c++) {
                            for (int i = 0; i < kh; i++) {
                                for (int j = 0; j < kw; j++) {
                                    int iy = y * s - p + i * dil, ix = xx * s - p + j * dil;
                                    if (iy < 0 || iy >= H || ix < 0 || ix >= W) {
                                        continue;
                                    }
                                    acc += w[((o * C + c) * kh + i) * kw + j] * x[((n * C + c) * H + iy) * W + ix];
                                }
                            }
                        }
                        out[((n * O + o) * Ho + y) * Wo + xx] = acc;
                    }
                }
            }
        }
        return out;
    }

    @Test
    void conv2dMatchesReference() {
        try (Tensor x = rand(2, 3, 9, 8); Tensor w = rand(4, 3, 3, 5); Tensor b = rand(4);
             Tensor y = StdOps.conv2d(x, w, b, 2, 2, 1)) {
            close(y, refConv(d(x), x.shape(), d(w), w.shape(), d(b), 2, 2, 1), TOL);
        }
        try (Tensor x = rand(1, 2, 7, 7); Tensor w = rand(3, 2, 3, 3); Tensor y = StdOps.conv2d(x, w, null, 1, 2, 2)) {
            close(y, refConv(d(x), x.shape(), d(w), w.shape(), null, 1, 2, 2), TOL);
        }
    }

    @Test
    void conv2dBackwardMatchesFiniteDifferences() {
        // the gradient of sum(gy * conv(x)) with respect to x and w, computed through the reference
        try (Tensor x = rand(1, 2, 6, 5); Tensor w = rand(3, 2, 3, 3); Tensor gy = rand(1, 3, 6, 5);
             StdConvGrads g = StdOps.conv2dBackward(x, w, gy, 1, 1, 1)) {
            double[] xd = d(x), wd = d(w), gyd = d(gy);
            double[] gx = new double[xd.length];
            for (int i = 0; i < xd.length; i++) {
                double[] e = new double[xd.length];
                e[i] = 1;
                gx[i] = dot(refConv(e, x.shape(), wd, w.shape(), null, 1, 1, 1), gyd);
            }
            close(g.gradInput(), gx, 1e-4);
            double[] gw = new double[wd.length];
            for (int i = 0; i < wd.length; i++) {
                double[] e = new double[wd.length];
                e[i] = 1;
                gw[i] = dot(refConv(xd, x.shape(), e, w.shape(), null, 1, 1, 1), gyd);
            }
            close(g.gradWeight(), gw, 1e-4);
            double[] gb = new double[3];
            for (int i = 0; i < gyd.length; i++) {
                gb[i / 30] += gyd[i];
            }
            close(g.gradBias(), gb, 1e-4);
        }
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    // ---- relu ----

    @Test
    void reluAndBackward() {
        try (Tensor x = rand(2, 3, 4, 5); Tensor gy = rand(2, 3, 4, 5); Tensor y = StdOps.relu(x);
             Tensor gx = StdOps.reluBackward(x, gy)) {
            double[] xd = d(x), gyd = d(gy);
            double[] want = new double[xd.length], wantG = new double[xd.length];
            for (int i = 0; i < xd.length; i++) {
                want[i] = Math.max(0, xd[i]);
                wantG[i] = xd[i] > 0 ? gyd[i] : 0;
            }
            close(y, want, 0);
            close(gx, wantG, 0);
        }
    }

    // ---- bilinear ----

    /** PyTorch's align_corners=False bilinear resize; step: input pixels per output pixel. */
    static double[] refResize(double[] x, long[] xs, int oh, int ow, double stepH, double stepW) {
        int P = (int) (xs[0] * xs[1]), H = (int) xs[2], W = (int) xs[3];
        double[] out = new double[P * oh * ow];
        for (int p = 0; p < P; p++) {
            for (int y = 0; y < oh; y++) {
                double sy = Math.max(0, (y + 0.5) * stepH - 0.5);
                int y0 = (int) Math.floor(sy);
                int y1 = Math.min(y0 + 1, H - 1);
                double ly = sy - y0;
                for (int xx = 0; xx < ow; xx++) {
                    double sx = Math.max(0, (xx + 0.5) * stepW - 0.5);
                    int x0 = (int) Math.floor(sx);
                    int x1 = Math.min(x0 + 1, W - 1);
                    double lx = sx - x0;
                    double v00 = x[(p * H + y0) * W + x0], v01 = x[(p * H + y0) * W + x1];
                    double v10 = x[(p * H + y1) * W + x0], v11 = x[(p * H + y1) * W + x1];
                    out[(p * oh + y) * ow + xx] = (1 - ly) * ((1 - lx) * v00 + lx * v01)
                            + ly * ((1 - lx) * v10 + lx * v11);
                }
            }
        }
        return out;
    }

    @Test
    void resizeBilinearBySize() {
        int[][] sizes = {{5, 7, 10, 14}, {5, 7, 20, 28}, {8, 8, 3, 5}, {6, 4, 11, 13}, {1, 1, 4, 4}};
        for (int[] s : sizes) {
            try (Tensor x = rand(2, 2, s[0], s[1]); Tensor y = StdOps.resizeBilinear(x, s[2], s[3])) {
                assertArrayEquals(new long[] {2, 2, s[2], s[3]}, y.shape());
                close(y, refResize(d(x), x.shape(), s[2], s[3], (double) s[0] / s[2], (double) s[1] / s[3]), TOL);
            }
        }
    }

    @Test
    void resizeBilinearByScaleFactor() {
        double[] factors = {2, 4, 0.5, 1.5, 1.0 / 3};
        for (double f : factors) {
            try (Tensor x = rand(1, 3, 7, 10); Tensor y = StdOps.resizeBilinearScale(x, f)) {
                int oh = (int) Math.floor(7 * f), ow = (int) Math.floor(10 * f);
                assertArrayEquals(new long[] {1, 3, oh, ow}, y.shape(), "factor " + f);
                close(y, refResize(d(x), x.shape(), oh, ow, 1 / f, 1 / f), TOL);
            }
        }
    }

    @Test
    void resizeBilinearBackwardIsTheAdjoint() {
        // <resize(x), gy> == <x, resizeBackward(gy)> for every x: check with unit vectors
        long[][] cases = {{4, 5, 9, 7}, {6, 6, 3, 3}};
        for (long[] c : cases) {
            try (Tensor gy = rand(1, 1, c[2], c[3]);
                 Tensor gx = StdOps.resizeBilinearBackward(gy, c[0], c[1], 0, 0)) {
                double[] want = new double[(int) (c[0] * c[1])];
                for (int i = 0; i < want.length; i++) {
                    double[] e = new double[want.length];
                    e[i] = 1;
                    want[i] = dot(refResize(e, new long[] {1, 1, c[0], c[1]}, (int) c[2], (int) c[3],
                            (double) c[0] / c[2], (double) c[1] / c[3]), d(gy));
                }
                close(gx, want, 1e-5);
            }
        }
        try (Tensor gy = rand(1, 1, 10, 14); Tensor gx = StdOps.resizeBilinearBackward(gy, 5, 7, 0.5, 0.5)) {
            double[] want = new double[35];
            for (int i = 0; i < 35; i++) {
                double[] e = new double[35];
                e[i] = 1;
                want[i] = dot(refResize(e, new long[] {1, 1, 5, 7}, 10, 14, 0.5, 0.5), d(gy));
            }
            close(gx, want, 1e-5);
        }
    }

    // ---- avg pool ----

    static double[] refAvgPool(double[] x, long[] xs, int k, int s, int p) {
        int P = (int) (xs[0] * xs[1]), H = (int) xs[2], W = (int) xs[3];
        int Ho = (H + 2 * p - k) / s + 1, Wo = (W + 2 * p - k) / s + 1;
        double[] out = new double[P * Ho * Wo];
        for (int q = 0; q < P; q++) {
            for (int y = 0; y < Ho; y++) {
                for (int xx = 0; xx < Wo; xx++) {
                    double sum = 0;
                    int cnt = 0;
                    for (int i = 0; i < k; i++) {
                        for (int j = 0; j < k; j++) {
                            int iy = y * s - p + i, ix = xx * s - p + j;
                            if (iy >= 0 && iy < H && ix >= 0 && ix < W) {
                                sum += x[(q * H + iy) * W + ix];
                                cnt++;
                            }
                        }
                    }
                    out[(q * Ho + y) * Wo + xx] = sum / cnt;
                }
            }
        }
        return out;
    }

    @Test
    void avgPoolAndBackward() {
        int[][] cfg = {{2, 2, 0}, {4, 4, 2}, {3, 1, 1}, {3, 2, 1}};
        for (int[] c : cfg) {
            try (Tensor x = rand(2, 2, 9, 10); Tensor y = StdOps.avgPool2d(x, c[0], c[1], c[2])) {
                double[] want = refAvgPool(d(x), x.shape(), c[0], c[1], c[2]);
                close(y, want, TOL);
                try (Tensor gy = rand(y.shape()); Tensor gx = StdOps.avgPool2dBackward(gy, 9, 10, c[0], c[1], c[2])) {
                    double[] wantG = new double[(int) x.numel()];
                    for (int i = 0; i < wantG.length; i++) {
                        double[] e = new double[wantG.length];
                        e[i] = 1;
                        wantG[i] = dot(refAvgPool(e, x.shape(), c[0], c[1], c[2]), d(gy));
                    }
                    close(gx, wantG, 1e-5);
                }
            }
        }
    }

    // ---- softmax ----

    @Test
    void softmaxLogSoftmaxAndBackward() {
        try (Tensor x = rand(2, 5, 3, 4); Tensor gy = rand(2, 5, 3, 4); Tensor y = StdOps.softmax(x);
             Tensor ly = StdOps.logSoftmax(x); Tensor gx = StdOps.softmaxBackward(y, gy, false);
             Tensor lgx = StdOps.softmaxBackward(ly, gy, true)) {
            double[] xd = d(x), gyd = d(gy);
            int C = 5, HW = 12;
            double[] sm = new double[xd.length], lsm = new double[xd.length];
            double[] g = new double[xd.length], lg = new double[xd.length];
            for (int n = 0; n < 2; n++) {
                for (int p = 0; p < HW; p++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int c = 0; c < C; c++) {
                        max = Math.max(max, xd[(n * C + c) * HW + p]);
                    }
                    double z = 0;
                    for (int c = 0; c < C; c++) {
                        z += Math.exp(xd[(n * C + c) * HW + p] - max);
                    }
                    double dotSy = 0, sumG = 0;
                    for (int c = 0; c < C; c++) {
                        int i = (n * C + c) * HW + p;
                        sm[i] = Math.exp(xd[i] - max) / z;
                        lsm[i] = xd[i] - max - Math.log(z);
                        dotSy += sm[i] * gyd[i];
                        sumG += gyd[i];
                    }
                    for (int c = 0; c < C; c++) {
                        int i = (n * C + c) * HW + p;
                        g[i] = sm[i] * (gyd[i] - dotSy);
                        lg[i] = gyd[i] - sm[i] * sumG;
                    }
                }
            }
            close(y, sm, TOL);
            close(ly, lsm, TOL);
            close(gx, g, TOL);
            close(lgx, lg, TOL);
        }
    }

    // ---- batch norm ----

    @Test
    void batchNorm() {
        try (Tensor x = rand(2, 3, 4, 4); Tensor m = rand(3); Tensor w = rand(3); Tensor b = rand(3);
             Tensor v = Tensor.of(new float[] {0.5f, 1.5f, 2f}, 3);
             Tensor y = StdOps.batchNorm(x, m, v, w, b, 1e-5); Tensor y2 = StdOps.batchNorm(x, m, v, null, null, 1e-3)) {
            double[] xd = d(x), want = new double[xd.length], want2 = new double[xd.length];
            for (int i = 0; i < xd.length; i++) {
                int c = (i / 16) % 3;
                double norm = (xd[i] - m.getFlat(c)) / Math.sqrt(v.getFlat(c) + 1e-5);
                want[i] = norm * w.getFlat(c) + b.getFlat(c);
                want2[i] = (xd[i] - m.getFlat(c)) / Math.sqrt(v.getFlat(c) + 1e-3);
            }
            close(y, want, TOL);
            close(y2, want2, TOL);
        }
    }

    // ---- linear combinations ----

    @Test
    void addScaleAxpby() {
        try (Tensor a = rand(2, 3, 4, 5); Tensor b = rand(2, 3, 4, 5); Tensor s = StdOps.add(a, b);
             Tensor diff = StdOps.sub(a, b); Tensor sc = StdOps.scale(a, -2.5);
             Tensor ax = StdOps.axpby(0.5, a, 3, b); Tensor acc = a.copy()) {
            double[] ad = d(a), bd = d(b);
            double[] w1 = new double[ad.length], w2 = new double[ad.length], w3 = new double[ad.length],
                    w4 = new double[ad.length];
            for (int i = 0; i < ad.length; i++) {
                w1[i] = ad[i] + bd[i];
                w2[i] = ad[i] - bd[i];
                w3[i] = -2.5 * ad[i];
                w4[i] = 0.5 * ad[i] + 3 * bd[i];
            }
            close(s, w1, TOL);
            close(diff, w2, TOL);
            close(sc, w3, TOL);
            close(ax, w4, TOL);
            StdOps.addInPlace(acc, b);
            close(acc, w1, TOL);
        }
    }

    // ---- channels ----

    @Test
    void concatSliceRepeat() {
        try (Tensor a = rand(2, 1, 3, 4); Tensor b = rand(2, 3, 3, 4); Tensor c = rand(2, 2, 3, 4);
             Tensor cat = StdOps.concatChannels(a, b, c); Tensor sl = StdOps.sliceChannels(cat, 2, 3);
             Tensor rep = StdOps.repeatChannels(c, 3)) {
            assertArrayEquals(new long[] {2, 6, 3, 4}, cat.shape());
            for (int n = 0; n < 2; n++) {
                for (int ch = 0; ch < 6; ch++) {
                    for (int y = 0; y < 3; y++) {
                        for (int x = 0; x < 4; x++) {
                            float want = ch < 1 ? a.get(n, ch, y, x) : ch < 4 ? b.get(n, ch - 1, y, x)
                                    : c.get(n, ch - 4, y, x);
                            assertEquals(want, cat.get(n, ch, y, x));
                            if (ch >= 2 && ch < 5) {
                                assertEquals(want, sl.get(n, ch - 2, y, x));
                            }
                        }
                    }
                }
                for (int ch = 0; ch < 6; ch++) {
                    for (int y = 0; y < 3; y++) {
                        for (int x = 0; x < 4; x++) {
                            assertEquals(c.get(n, ch % 2, y, x), rep.get(n, ch, y, x));
                        }
                    }
                }
            }
        }
    }

    @Test
    void cropAndBackward() {
        try (Tensor x = rand(2, 2, 6, 7); Tensor cr = StdOps.crop(x, 1, 2, 4, 3);
             Tensor back = StdOps.cropBackward(cr, 6, 7, 1, 2)) {
            for (int n = 0; n < 2; n++) {
                for (int c = 0; c < 2; c++) {
                    for (int y = 0; y < 6; y++) {
                        for (int xx = 0; xx < 7; xx++) {
                            boolean in = y >= 1 && y < 5 && xx >= 2 && xx < 5;
                            if (in) {
                                assertEquals(x.get(n, c, y, xx), cr.get(n, c, y - 1, xx - 2));
                            }
                            assertEquals(in ? x.get(n, c, y, xx) : 0f, back.get(n, c, y, xx));
                        }
                    }
                }
            }
        }
    }

    // ---- argument checks ----

    @Test
    void badArgumentsNameTheArgument() {
        try (Tensor x = rand(1, 2, 4, 4); Tensor y3 = rand(2, 4, 4); Tensor other = rand(1, 2, 4, 5)) {
            assertTrue(assertThrows(NullPointerException.class, () -> StdOps.relu(null)).getMessage()
                    .startsWith("x"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> StdOps.softmax(y3)).getMessage()
                    .startsWith("x"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> StdOps.add(x, other)).getMessage()
                    .startsWith("b"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> StdOps.resizeBilinear(x, 0, 3))
                    .getMessage().startsWith("outH"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> StdOps.resizeBilinearScale(x, -1))
                    .getMessage().startsWith("scaleFactor"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> StdOps.avgPool2d(x, 2, 2, 2))
                    .getMessage().startsWith("padding"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> StdOps.sliceChannels(x, 1, 2))
                    .getMessage().startsWith("from/count"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> StdOps.reluBackward(x, other))
                    .getMessage().startsWith("gradOutput"));
            Tensor closed = rand(1, 1, 2, 2);
            closed.close();
            assertTrue(assertThrows(IllegalStateException.class, () -> StdOps.relu(closed)).getMessage()
                    .startsWith("x"));
        }
    }

    /** Bounds written as sums overflowed for huge offsets and passed the check; libjpac then blamed 'scalars'. */
    @Test
    void hugeOffsetsAreRefusedNamingTheArgument() {
        try (Tensor x = Tensor.allocate(1, 3, 4, 4)) {
            org.junit.jupiter.api.Assertions.assertTrue(org.junit.jupiter.api.Assertions.assertThrows(
                    IllegalArgumentException.class, () -> StdOps.crop(x, Long.MAX_VALUE, 0, 2, 1)).getMessage()
                    .startsWith("top/left/h/w: "));
            org.junit.jupiter.api.Assertions.assertTrue(org.junit.jupiter.api.Assertions.assertThrows(
                    IllegalArgumentException.class, () -> StdOps.sliceChannels(x, 1, Long.MAX_VALUE)).getMessage()
                    .startsWith("from/count: "));
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> StdOps.cropBackward(x, 4, Long.MIN_VALUE, 0, 0));
        }
    }
}
